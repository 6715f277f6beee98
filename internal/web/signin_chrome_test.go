package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/keptdesk/kept/internal/auth"
	"github.com/keptdesk/kept/internal/web"
)

// Issue 16, item 5, in a real browser: an agent sets up a second factor (the QR code drawn
// under the page's content policy, the key read from the page), signs out, signs in with the
// password and then a code; then signs out and back in through the identity provider's button.
func TestBrowserSecondFactorAndSingleSignOn(t *testing.T) {
	idp := newTestIdP(t)
	d := newDeskWith(t, "sqlite", web.Options{Zone: time.UTC, SSO: web.SSOOptions{Issuer: idp.URL, ClientID: idpClient, ClientSecret: idpSecret, Name: "Testcorp"}})
	caseAgent(t, d, "Ann Tamm", "ann@example.com", "Care")
	ctx, dialogs := chrome(t)
	signInChrome(t, ctx, d, "ann@example.com", casePassword)
	run(t, ctx, "open the second factor page",
		chromedp.Navigate(d.URL+"/account/second-factor"),
		chromedp.Click(chromedp.CSS(`form[action="/account/second-factor"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#factor-secret`)))
	drawn := get(t, ctx, "the QR code", chromedp.Evaluate[bool](`document.querySelector('#factor-qr').complete && document.querySelector('#factor-qr').naturalWidth > 100`))
	if !drawn {
		t.Fatal("the QR code is not drawn")
	}
	secret := get(t, ctx, "the key", chromedp.Text(chromedp.CSS(`#factor-secret`)))
	code, _ := auth.HOTP(secret, auth.TOTPStepAt(d.Clock.Now()))
	run(t, ctx, "confirm a code",
		chromedp.SendKeys(chromedp.CSS(`input[name=code]`), code),
		chromedp.Submit(chromedp.CSS(`input[name=code]`)),
		chromedp.WaitVisible(chromedp.CSS(`#recovery`)))
	if s := text(t, ctx); !strings.Contains(s, "Your recovery codes") || strings.Contains(s, secret) {
		t.Fatalf("after confirming:\n%s", s)
	}
	run(t, ctx, "sign out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)))
	signInChrome(t, ctx, d, "ann@example.com", casePassword)
	if loc := get(t, ctx, "where the password lands", chromedp.Location()); !strings.Contains(loc, "/login/second") {
		t.Fatalf("after the password the browser is at %s, want the second step", loc)
	}
	d.Clock.Advance(auth.TOTPStep)
	code, _ = auth.HOTP(secret, auth.TOTPStepAt(d.Clock.Now()))
	run(t, ctx, "type the code",
		chromedp.SendKeys(chromedp.CSS(`input[name=code]`), code),
		chromedp.Submit(chromedp.CSS(`input[name=code]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)))
	if loc := get(t, ctx, "where the code lands", chromedp.Location()); !strings.HasSuffix(loc, "/inbox") {
		t.Fatalf("after the code the browser is at %s", loc)
	}
	run(t, ctx, "sign out again", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS(`#sso`)))
	idp.email = "ann@example.com"
	run(t, ctx, "sign in with Testcorp", chromedp.Click(chromedp.CSS(`#sso`)), chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)))
	if loc := get(t, ctx, "where single sign-on lands", chromedp.Location()); !strings.HasSuffix(loc, "/inbox") {
		t.Fatalf("after single sign-on the browser is at %s", loc)
	}
	if s := text(t, ctx); !strings.Contains(s, "Ann Tamm") {
		t.Fatalf("signed in through the provider:\n%s", s)
	}
	if got := dialogs(); len(got) > 0 {
		t.Fatalf("dialogs opened: %v", got)
	}
}
