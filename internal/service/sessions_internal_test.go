package service

import (
	"testing"

	"github.com/keptdesk/kept/internal/auth"
)

// The hash checked for unknown emails must be a real argon2id hash with the parameters passwords
// get, or signing in with an unknown email would answer faster than with a known one.
func TestDummyHashCostsWhatAPasswordCosts(t *testing.T) {
	if !auth.CheckPassword("kept-timing-equaliser", dummyHash) {
		t.Fatal("the timing equaliser's hash does not check")
	}
	fresh, err := auth.HashPassword("another password")
	if err != nil {
		t.Fatal(err)
	}
	params := func(h string) string { return h[:len("$argon2id$v=19$m=65536,t=3,p=2$")] }
	if params(fresh) != params(dummyHash) {
		t.Fatalf("passwords are hashed with %s, the equaliser with %s", params(fresh), params(dummyHash))
	}
}
