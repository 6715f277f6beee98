package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/auth"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

var (
	factorSecretRE = regexp.MustCompile(`id="factor-secret">([A-Z2-7]+)<`)
	recoveryCodeRE = regexp.MustCompile(`<li><code>([a-z2-7-]+)</code></li>`)
)

// codeAt is the code an authenticator app shows for the secret at the desk's time.
func (d *testDesk) codeAt(secret string) string {
	d.t.Helper()
	c, err := auth.HOTP(secret, auth.TOTPStepAt(d.Clock.Now()))
	if err != nil {
		d.t.Fatal(err)
	}
	return c
}

// passwordFirst sends the password and expects the second step, not a session.
func (b *browser) passwordFirst(email, password string) {
	b.t.Helper()
	b.get("/login")
	p := b.post("/login", url.Values{"email": {email}, "password": {password}, "next": {"/inbox"}})
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/login/second") {
		b.t.Fatalf("password of %s: %d %s, want the second step", email, p.Status, p.Location)
	}
	if got := b.get("/inbox"); got.Status != http.StatusSeeOther || !strings.HasPrefix(got.Location, "/login") {
		b.t.Fatalf("before the code, the inbox answers %d %s: a session started", got.Status, got.Location)
	}
	b.get(p.Location).mustContain(b.t, `autocomplete="one-time-code"`)
}

// setUpFactor turns on the second factor of a signed-in browser's agent and returns its
// secret and recovery codes.
func (b *browser) setUpFactor() (string, []string) {
	b.t.Helper()
	b.get("/account/second-factor").mustContain(b.t, "Set up a second factor")
	if p := b.post("/account/second-factor", nil); p.Status != http.StatusSeeOther {
		b.t.Fatalf("start: %d\n%s", p.Status, p.Body)
	}
	p := b.get("/account/second-factor")
	p.mustContain(b.t, "otpauth://totp/Kept:", `id="factor-qr"`, `src="data:image/png;base64,`)
	m := factorSecretRE.FindStringSubmatch(p.Body)
	if m == nil {
		b.t.Fatalf("no key shown:\n%s", p.Body)
	}
	secret := m[1]
	if p := b.post("/account/second-factor/confirm", url.Values{"code": {"000000"}}); p.Status != http.StatusUnprocessableEntity {
		b.t.Fatalf("a wrong first code: %d", p.Status)
	} else {
		p.mustContain(b.t, "That code is not right")
	}
	p = b.post("/account/second-factor/confirm", url.Values{"code": {b.d.codeAt(secret)}})
	p.mustContain(b.t, "Your recovery codes", "Your second factor is on")
	var codes []string
	for _, m := range recoveryCodeRE.FindAllStringSubmatch(p.Body, -1) {
		codes = append(codes, m[1])
	}
	if len(codes) != 10 {
		b.t.Fatalf("%d recovery codes shown, want 10", len(codes))
	}
	again := b.get("/account/second-factor")
	again.mustContain(b.t, "Recovery codes left: 10")
	if strings.Contains(again.Body, secret) || strings.Contains(again.Body, codes[0]) {
		b.t.Fatal("the key or a recovery code is shown again")
	}
	return secret, codes
}

// Issue 16, item 5: an agent turns a second factor on (a key as text, as an otpauth:// address
// and as a QR code, confirmed with a code; ten recovery codes shown once); signing in then asks
// for a code after the password, and no session starts before it is right. A code works once
// in its window, a recovery code once; wrong codes are paced like wrong passwords; a step
// expires; an admin resets the factor.
func TestSecondFactorSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		key, _ := auth.ParseKey("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
		d := newDesk(t, backend, service.WithSecretKey(key))
		annAgent := caseAgent(t, d, "Ann Tamm", "ann@example.com", "Care")
		b := d.browser()
		b.signIn("ann@example.com", casePassword)
		b.get("/account/password").mustContain(t, `href="/account/second-factor"`)
		secret, codes := b.setUpFactor()
		// In the database the key is sealed (serve --secret-key).
		if err := d.St.Read(context.Background(), func(tx *store.Tx) error {
			f, err := tx.SecondFactor(context.Background(), annAgent.ID)
			if err == nil && (!strings.HasPrefix(f.Secret, "sealed:v1:") || strings.Contains(f.Secret, secret)) {
				t.Errorf("the stored key is %q", f.Secret)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}

		// The right code of now signs in; the same code again (same window) does not.
		c := d.browser()
		c.passwordFirst("ann@example.com", casePassword)
		code := d.codeAt(secret)
		p := c.post("/login/second", url.Values{"code": {code}, "next": {"/inbox"}})
		if p.Status != http.StatusUnauthorized {
			t.Fatalf("the code used to confirm, used again: %d", p.Status)
		}
		p.mustContain(t, "That code has been used already")
		d.Clock.Advance(auth.TOTPStep)
		p = c.post("/login/second", url.Values{"code": {"123456"}, "next": {"/inbox"}})
		if p.Status != http.StatusUnauthorized {
			t.Fatalf("a wrong code: %d", p.Status)
		}
		p.mustContain(t, "That code is not right")
		code = d.codeAt(secret)
		p = c.post("/login/second", url.Values{"code": {code[:3] + " " + code[3:]}, "next": {"/inbox"}})
		if p.Status != http.StatusSeeOther || p.Location != "/inbox" {
			t.Fatalf("the right code: %d %s\n%s", p.Status, p.Location, p.Body)
		}
		if got := c.get("/inbox"); got.Status != http.StatusOK {
			t.Fatalf("signed in with the code, the inbox answers %d", got.Status)
		}
		// Replayed in another browser within its window: refused.
		e := d.browser()
		e.passwordFirst("ann@example.com", casePassword)
		if p := e.post("/login/second", url.Values{"code": {code}}); p.Status != http.StatusUnauthorized {
			t.Fatalf("a replayed code: %d", p.Status)
		}

		// A recovery code works once.
		r := d.browser()
		r.passwordFirst("ann@example.com", casePassword)
		if p := r.post("/login/second", url.Values{"code": {strings.ToUpper(codes[3])}}); p.Status != http.StatusSeeOther {
			t.Fatalf("a recovery code: %d\n%s", p.Status, p.Body)
		}
		b.get("/account/second-factor").mustContain(t, "Recovery codes left: 9")
		r2 := d.browser()
		r2.passwordFirst("ann@example.com", casePassword)
		if p := r2.post("/login/second", url.Values{"code": {codes[3]}}); p.Status != http.StatusUnauthorized {
			t.Fatalf("a used recovery code: %d", p.Status)
		}

		// The step expires.
		x := d.browser()
		x.passwordFirst("ann@example.com", casePassword)
		d.Clock.Advance(6 * time.Minute)
		p = x.post("/login/second", url.Values{"code": {d.codeAt(secret)}})
		if p.Status != http.StatusGone {
			t.Fatalf("an expired step: %d", p.Status)
		}
		p.mustContain(t, "This sign-in has expired")

		// Wrong codes are paced: from one client, the password and three more guesses are
		// free, then the client waits (Retry-After), as after wrong passwords.
		d.Clock.Advance(time.Hour + time.Minute) // the failures above are forgotten
		g := d.browser()
		g.passwordFirst("ann@example.com", casePassword)
		for i := range 3 {
			if p := g.post("/login/second", url.Values{"code": {"00000" + string(rune('0'+i))}}); p.Status != http.StatusUnauthorized {
				t.Fatalf("wrong code %d: %d", i+1, p.Status)
			}
		}
		p = g.post("/login/second", url.Values{"code": {d.codeAt(secret)}})
		if p.Status != http.StatusTooManyRequests || p.Header.Get("Retry-After") == "" {
			t.Fatalf("the fourth guess: %d (Retry-After %q), want 429", p.Status, p.Header.Get("Retry-After"))
		}

		d.Clock.Advance(time.Hour + time.Minute)

		// Estonian.
		b.post("/lang", url.Values{"lang": {"et"}, "next": {"/account/second-factor"}})
		b.get("/account/second-factor").mustContain(t, "Teie teine tegur on sees")

		// The admin resets it: Ann's sessions end, and her password alone signs her in.
		admin := d.browser()
		admin.signIn("admin@example.com", adminPassword)
		admin.get("/security").mustContain(t, "Sign-in security", "Ann Tamm", "on (9 recovery codes left)")
		ann, err := d.Svc.SecondFactorOverview(context.Background(), desk.AgentActor(d.Admin))
		if err != nil {
			t.Fatal(err)
		}
		var annID int64
		for _, a := range ann.Agents {
			if a.Email == "ann@example.com" {
				annID = a.ID
			}
		}
		p = admin.post("/team/agents/"+itoa(annID)+"/second-factor/reset", nil)
		if p.Status != http.StatusSeeOther {
			t.Fatalf("reset: %d\n%s", p.Status, p.Body)
		}
		admin.get(p.Location).mustContain(t, "second factor is removed")
		if got := b.get("/inbox"); got.Status == http.StatusOK {
			t.Error("after the reset, Ann's session is still open")
		}
		d.browser().signIn("ann@example.com", casePassword)
		// An agent may not reset anyone's.
		bob := d.browser()
		caseAgent(t, d, "Bob Berg", "bob@example.com", "Care")
		bob.signIn("bob@example.com", casePassword)
		bob.get("/inbox")
		if p := bob.post("/team/agents/"+itoa(annID)+"/second-factor/reset", nil); p.Status != http.StatusForbidden {
			t.Errorf("an agent resets a second factor: %d", p.Status)
		}
	})
}

// Issue 16, item 5: an admin requires a second factor of every agent; an agent without one
// sets it up in the second step of their next sign-in (the key shown there, the first code
// turning it on and showing the recovery codes) before the desk opens, and cannot turn it off.
func TestSecondFactorRequiredForEveryone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		caseAgent(t, d, "Ann Tamm", "ann@example.com", "Care")
		admin := d.browser()
		admin.signIn("admin@example.com", adminPassword)
		admin.get("/security").mustContain(t, "Require a second factor of every agent")
		if p := admin.post("/security", url.Values{"require": {"on"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("require: %d", p.Status)
		}
		admin.get("/security").mustContain(t, `name="require" checked`)
		b := d.browser()
		b.passwordFirst("ann@example.com", casePassword)
		p := b.get("/login/second?next=%2Finbox")
		p.mustContain(t, "asks every agent for a second factor", "otpauth://totp/Kept:ann@example.com")
		m := factorSecretRE.FindStringSubmatch(p.Body)
		if m == nil {
			t.Fatalf("no key:\n%s", p.Body)
		}
		p = b.post("/login/second", url.Values{"code": {d.codeAt(m[1])}, "next": {"/inbox"}})
		p.mustContain(t, "Your recovery codes")
		if n := len(recoveryCodeRE.FindAllStringSubmatch(p.Body, -1)); n != 10 {
			t.Fatalf("%d recovery codes", n)
		}
		if got := b.get("/inbox"); got.Status != http.StatusOK {
			t.Fatalf("after setting it up, the inbox answers %d", got.Status)
		}
		f := b.get("/account/second-factor")
		f.mustContain(t, "The desk requires a second factor, so yours stays on")
		d.Clock.Advance(auth.TOTPStep)
		if p := b.post("/account/second-factor/off", url.Values{"code": {d.codeAt(m[1])}}); p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("turned off while required: %d", p.Status)
		}
		if p := b.post("/security", url.Values{"require": {"on"}}); p.Status != http.StatusForbidden {
			t.Errorf("an agent changes the desk's rule: %d", p.Status)
		}
		// Not required any more: Ann turns hers off with a code.
		admin.post("/security", url.Values{})
		if p := b.post("/account/second-factor/off", url.Values{"code": {d.codeAt(m[1])}}); p.Status != http.StatusSeeOther {
			t.Fatalf("turn off: %d\n%s", p.Status, p.Body)
		}
		b.get("/account/second-factor?done=off").mustContain(t, "Your second factor is off.")
		d.browser().signIn("ann@example.com", casePassword)
	})
}

// A mailed password reset link proves a mailbox, not the phone: with a second factor on, the
// new password leads to the second step, not into the desk.
func TestPasswordResetAsksForTheSecondFactor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend, service.WithMail(service.MailConfig{Address: "care@desk.test", Outbound: true}))
		caseAgent(t, d, "Ann Tamm", "ann@example.com", "Care")
		b := d.browser()
		b.signIn("ann@example.com", casePassword)
		secret, _ := b.setUpFactor()
		r := d.browser()
		r.get("/login/reset")
		r.post("/login/reset", url.Values{"email": {"ann@example.com"}})
		d.runTimers()
		mails := portalMails(t, d)
		if len(mails) != 1 {
			t.Fatalf("mails queued: %d", len(mails))
		}
		msg, err := mail.Parse(mails[0].Raw, mail.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		link := strings.TrimPrefix(resetLinkRE.FindString(msg.Text), d.URL)
		token := regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(r.get(link).Body)[1]
		const next = "a brand new passphrase"
		p := r.post("/login/reset/password", url.Values{"token": {html.UnescapeString(token)}, "password": {next}, "repeat": {next}})
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/login/second") {
			t.Fatalf("set the password: %d %s, want the second step", p.Status, p.Location)
		}
		if got := r.get("/inbox"); got.Status == http.StatusOK {
			t.Fatal("the reset link alone signed in")
		}
		d.Clock.Advance(auth.TOTPStep)
		if p := r.post("/login/second", url.Values{"code": {d.codeAt(secret)}, "next": {"/inbox"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("the code after the reset: %d\n%s", p.Status, p.Body)
		}
		if got := r.get("/inbox"); got.Status != http.StatusOK {
			t.Fatalf("after the code, the inbox answers %d", got.Status)
		}
	})
}
