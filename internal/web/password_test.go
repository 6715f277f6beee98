package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/keptdesk/kept/internal/store/storetest"
)

// Issue 16, finding 5: an agent could change their password only through `kept password` on
// the server. Now from the desk: the password they have now is asked for, the new one twice;
// once changed, the old password no longer signs in and their other sessions are out, while
// the browser that changed it stays signed in.
func TestAgentChangesTheirPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		caseAgent(t, d, "Ann Tamm", "ann@example.com", "Care")
		other := d.browser()
		other.signIn("ann@example.com", casePassword)
		b := d.browser()
		b.signIn("ann@example.com", casePassword)
		b.get("/inbox").mustContain(t, `href="/account/password"`)
		b.get("/account/password").mustContain(t, "Your password", `autocomplete="current-password"`)
		const next = "a much longer passphrase"
		p := b.post("/account/password", url.Values{"current": {"not it at all"}, "password": {next}, "repeat": {next}})
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("a wrong current password: %d", p.Status)
		}
		p.mustContain(t, "That is not your password now.")
		p = b.post("/account/password", url.Values{"current": {casePassword}, "password": {next}, "repeat": {next + "!"}})
		p.mustContain(t, "The two new passwords differ.")
		p = b.post("/account/password", url.Values{"current": {casePassword}, "password": {"short"}, "repeat": {"short"}})
		p.mustContain(t, "A password needs at least 10 characters.")
		p = b.post("/account/password", url.Values{"current": {casePassword}, "password": {next}, "repeat": {next}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("change: %d\n%s", p.Status, p.Body)
		}
		b.get(p.Location).mustContain(t, "Your password is changed")
		if got := b.get("/inbox"); got.Status != http.StatusOK {
			t.Errorf("the browser that changed it is signed out: %d", got.Status)
		}
		if got := other.get("/inbox"); got.Status == http.StatusOK {
			t.Error("another session of the agent's is still signed in")
		}
		old := d.browser()
		old.get("/login")
		if p := old.post("/login", url.Values{"email": {"ann@example.com"}, "password": {casePassword}}); p.Status != http.StatusUnauthorized {
			t.Errorf("the old password signs in: %d", p.Status)
		}
		d.browser().signIn("ann@example.com", next)
		// Estonian: the page speaks Estonian.
		b.post("/lang", url.Values{"lang": {"et"}, "next": {"/account/password"}})
		b.get("/account/password").mustContain(t, "Teie parool", "Praegune parool")
	})
}
