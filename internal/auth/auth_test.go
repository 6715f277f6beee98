package auth

import (
	"strings"
	"testing"
)

func TestTokenRoundTrip(t *testing.T) {
	secret, digest, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	tok := FormatToken(42, secret)
	id, got, err := ParseToken(tok)
	if err != nil || id != 42 || got != secret {
		t.Fatalf("ParseToken(%q) = %d, %q, %v", tok, id, got, err)
	}
	if !SecretMatches(got, digest) {
		t.Fatal("the secret does not match its own digest")
	}
	if SecretMatches(got[:42]+"x", digest) {
		t.Fatal("an altered secret matches")
	}
	other, _, _ := NewSecret()
	if other == secret {
		t.Fatal("two secrets are equal")
	}
}

func TestParseTokenRefusesMalformed(t *testing.T) {
	for _, tok := range []string{"", "kept_", "kept_1", "kept_x_" + strings.Repeat("a", 43), "kept_1_short", "bearer_1_" + strings.Repeat("a", 43), "kept_-1_" + strings.Repeat("a", 43)} {
		if _, _, err := ParseToken(tok); err == nil {
			t.Errorf("ParseToken(%q) accepted", tok)
		}
	}
}

func TestPassword(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$") {
		t.Fatalf("hash %q is not argon2id", h)
	}
	if !CheckPassword("correct horse battery", h) {
		t.Fatal("the right password is refused")
	}
	if CheckPassword("correct horse battery!", h) || CheckPassword("", h) || CheckPassword("correct horse battery", "garbage") {
		t.Fatal("a wrong password or hash is accepted")
	}
	if _, err := HashPassword("short"); err == nil {
		t.Fatal("a 5-character password is accepted")
	}
}
