package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store/storetest"
)

func TestSignInAndOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		b := d.browser()
		// Signed out, the desk sends you to sign in.
		p := b.get("/")
		if p.Status != http.StatusSeeOther || p.Location != "/login" {
			t.Fatalf("home signed out: %d → %q", p.Status, p.Location)
		}
		p = b.get("/login")
		p.mustContain(t, "Sign in to the desk", `name="csrf"`)
		if csp := p.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Fatalf("CSP = %q", csp)
		}
		if p.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatal("no nosniff header")
		}
		p = b.post("/login", url.Values{"email": {"admin@example.com"}, "password": {"wrong password!"}})
		if p.Status != http.StatusUnauthorized {
			t.Fatalf("wrong password: status %d", p.Status)
		}
		p.mustContain(t, "do not match an active agent")
		p = b.post("/login", url.Values{"email": {"admin@example.com"}, "password": {adminPassword}, "next": {"/inbox"}})
		if p.Status != http.StatusSeeOther || p.Location != "/inbox" {
			t.Fatalf("sign in: %d → %q\n%s", p.Status, p.Location, p.Body)
		}
		var session *http.Cookie
		for _, c := range b.c.Jar.Cookies(mustURL(t, d.URL)) {
			if c.Name == "kept_session" {
				session = c
			}
		}
		if session == nil {
			t.Fatal("no session cookie after signing in")
		}
		p = b.get("/login")
		if p.Status != http.StatusSeeOther {
			t.Fatalf("signed in, /login answered %d, want a redirect to the inbox", p.Status)
		}
		// Signing out ends the session on the desk, not just in this browser: the old cookie is dead.
		b.get("/no-such-page") // any page carries the signed-in form token
		csrf := b.csrf
		p = b.post("/logout", url.Values{"csrf": {csrf}})
		if p.Status != http.StatusSeeOther || p.Location != "/login" {
			t.Fatalf("sign out: %d → %q", p.Status, p.Location)
		}
		if _, err := d.Svc.SessionFor(context.Background(), session.Value); err == nil {
			t.Fatal("the session still works after signing out")
		}
	})
}

func TestFormsNeedTheirToken(t *testing.T) {
	d := newDesk(t, "sqlite")
	b := d.browser()
	b.get("/login")
	p := b.post("/login", url.Values{"csrf": {"forged"}, "email": {"admin@example.com"}, "password": {adminPassword}})
	if p.Status != http.StatusForbidden {
		t.Fatalf("sign-in with a forged token: status %d, want 403", p.Status)
	}
	p.mustContain(t, "This form has expired")
	// A request another site's page makes is refused whatever it carries.
	b.get("/login")
	req, _ := http.NewRequest(http.MethodPost, d.URL+"/login", strings.NewReader(url.Values{"csrf": {b.csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if p := b.do(req); p.Status != http.StatusForbidden {
		t.Fatalf("cross-site post: status %d, want 403", p.Status)
	}
}

func TestSignInIsRateLimited(t *testing.T) {
	d := newDesk(t, "sqlite")
	b := d.browser()
	b.get("/login")
	for i := range 5 {
		if p := b.post("/login", url.Values{"email": {"admin@example.com"}, "password": {"not it at all"}}); p.Status != http.StatusUnauthorized {
			t.Fatalf("try %d: status %d", i+1, p.Status)
		}
	}
	// Now even the right password waits: the account is being guessed at.
	p := b.post("/login", url.Values{"email": {"admin@example.com"}, "password": {adminPassword}})
	if p.Status != http.StatusTooManyRequests || p.Header.Get("Retry-After") == "" {
		t.Fatalf("sixth try: status %d, Retry-After %q", p.Status, p.Header.Get("Retry-After"))
	}
	p.mustContain(t, "Too many failed sign-ins")
}

func TestSessionsEndWithPasswordChangeAndDeactivation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		ctx := context.Background()
		agent, err := d.Svc.CreateAgent(ctx, desk.SystemActor(), desk.NewAgent{Name: "Bea Agent", Email: "bea@example.com", Role: string(desk.RoleAgent), Timezone: "UTC"})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Svc.SetPassword(ctx, agent.ID, "first password 1"); err != nil {
			t.Fatal(err)
		}
		signedIn := func(b *browser) bool {
			return b.get("/").Location == "/inbox"
		}
		b := d.browser()
		b.signIn("bea@example.com", "first password 1")
		if !signedIn(b) {
			t.Fatal("not signed in")
		}
		if err := d.Svc.SetPassword(ctx, agent.ID, "second password 2"); err != nil {
			t.Fatal(err)
		}
		if signedIn(b) {
			t.Fatal("still signed in after the password changed")
		}
		b.signIn("bea@example.com", "second password 2")
		if _, err := d.Svc.SetAgentActive(ctx, desk.AgentActor(d.Admin), agent.ID, false); err != nil {
			t.Fatal(err)
		}
		if signedIn(b) {
			t.Fatal("still signed in after being deactivated")
		}
		b.get("/login")
		if p := b.post("/login", url.Values{"email": {"bea@example.com"}, "password": {"second password 2"}}); p.Status != http.StatusUnauthorized {
			t.Fatalf("a deactivated agent signed in: status %d", p.Status)
		}
	})
}

func TestLanguageSwitch(t *testing.T) {
	d := newDesk(t, "sqlite")
	b := d.browser()
	b.get("/login")
	p := b.post("/lang", url.Values{"lang": {"et"}, "next": {"/login"}})
	if p.Status != http.StatusSeeOther || p.Location != "/login" {
		t.Fatalf("switch language: %d → %q", p.Status, p.Location)
	}
	b.get("/login").mustContain(t, "Sisene töölauale", `lang="et"`)
	// The choice made before signing in stays with the agent after.
	b.signIn("admin@example.com", adminPassword)
	b2 := d.browser()
	b2.signIn("admin@example.com", adminPassword)
	b2.get("/login?next=/nowhere")
	if p := b2.get("/missing-page"); !strings.Contains(p.Body, "Siin pole midagi") {
		t.Fatalf("the second browser of the same agent is not in Estonian:\n%s", p.Body)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
