package web_test

import (
	"context"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/web"

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

var resetLinkRE = regexp.MustCompile(`https?://\S+/login/reset\?token=\S+`)

// Issue 16, finding 5: a forgotten password took a shell on the server. Now the agent asks on
// the sign-in page; the same answer comes for any address, a mail in their language brings a
// one-time link, opening it uses nothing, and setting the password with it signs them in (and
// out everywhere else); the link then works no more.
func TestAgentResetsAForgottenPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend, service.WithMail(service.MailConfig{Address: "care@desk.test", Outbound: true}))
		ann := caseAgent(t, d, "Ann Tamm", "ann@example.com", "Care")
		if err := d.Svc.SetLanguage(context.Background(), desk.AgentActor(ann), "et"); err != nil {
			t.Fatal(err)
		}
		other := d.browser()
		other.signIn("ann@example.com", casePassword)
		b := d.browser()
		b.get("/login").mustContain(t, `href="/login/reset"`)
		b.get("/login/reset")
		known := b.post("/login/reset", url.Values{"email": {"ann@example.com"}})
		unknown := d.browser()
		unknown.get("/login/reset")
		stranger := unknown.post("/login/reset", url.Values{"email": {"nobody@example.com"}})
		if known.Status != 200 || stranger.Status != 200 || !strings.Contains(known.Body, `id="reset-sent"`) || !strings.Contains(stranger.Body, `id="reset-sent"`) {
			t.Fatalf("the answers differ or fail: %d %d", known.Status, stranger.Status)
		}
		mails := portalMails(t, d)
		if len(mails) != 1 || mails[0].To != "ann@example.com" {
			t.Fatalf("mails queued: %d", len(mails))
		}
		msg, err := mail.Parse(mails[0].Raw, mail.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		if msg.Subject != "Teie link uue parooli seadmiseks" {
			t.Errorf("the mail's subject %q is not Ann's Estonian", msg.Subject)
		}
		link := strings.TrimPrefix(resetLinkRE.FindString(msg.Text), d.URL)
		if link == "" {
			t.Fatalf("no link in the mail:\n%s", msg.Text)
		}
		b.get(link).mustContain(t, `name="token"`)
		b.get(link).mustContain(t, `name="token"`) // opening twice uses nothing
		token := regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(b.get(link).Body)[1]
		const next = "a brand new passphrase"
		p := b.post("/login/reset/password", url.Values{"token": {html.UnescapeString(token)}, "password": {next}, "repeat": {next}})
		if p.Status != http.StatusSeeOther || p.Location != "/inbox" {
			t.Fatalf("set the password: %d %s\n%s", p.Status, p.Location, p.Body)
		}
		if got := b.get("/inbox"); got.Status != http.StatusOK {
			t.Errorf("not signed in after setting the password: %d", got.Status)
		}
		if got := other.get("/inbox"); got.Status == http.StatusOK {
			t.Error("another session still signed in after the reset")
		}
		again := d.browser()
		if p := again.get(link); p.Status != http.StatusGone {
			t.Errorf("the used link opens: %d", p.Status)
		}
		again.signIn("ann@example.com", next)
	})
}

// A reset asked on a demo desk without a relay is logged as a portal link is (logLinkDone):
// an address nobody has, and the link printed for an agent's, each named by its address.
func TestResetLinkInTheDemoLog(t *testing.T) {
	var logged lockedBuffer
	d := newDeskLogged(t, "sqlite", web.Options{Zone: time.UTC, Demo: true}, slog.New(slog.NewTextHandler(&logged, nil)))
	caseAgent(t, d, "Ann Tamm", "ann@example.com", "Care")
	b := d.browser()
	b.get("/login/reset")
	b.post("/login/reset", url.Values{"email": {"ann@example.com"}})
	b.get("/login/reset")
	b.post("/login/reset", url.Values{"email": {"nobody@example.com"}})
	d.runTimers()
	for _, want := range []string{
		`msg="password reset asked for an address no active agent has" email=nobody@example.com`,
		`msg="password reset link cannot be mailed: no relay is configured (KEPT_SMTP_RELAY); demo mode prints it instead" email=ann@example.com link=`,
	} {
		if !strings.Contains(logged.String(), want) {
			t.Errorf("the log lacks %s:\n%s", want, logged.String())
		}
	}
}
