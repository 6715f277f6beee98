package web_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Every page of the desk and the portal, switched to Estonian in the browser, shows no English
// text of the catalogs and none of the common English labels.
func TestBrowserEstonianPagesHaveNoEnglish(t *testing.T) {
	d := newDesk(t, "sqlite")
	dd := seedDemo(t, d)
	patterns := englishOnly(t)
	ctx, dialogs := chrome(t)
	check := func(path string) {
		t.Helper()
		run(t, ctx, "open "+path, chromedp.Navigate(d.URL+path), chromedp.WaitReady(chromedp.CSS(`body`)))
		lang := get(t, ctx, "page language", chromedp.Evaluate[string](`document.documentElement.lang`))
		if lang != "et" {
			t.Fatalf("%s is in %q, want Estonian", path, lang)
		}
		texts := get(t, ctx, "texts of "+path, chromedp.Evaluate[[]string](pageTextsJS))
		if bad := untranslated(texts, patterns); len(bad) > 0 {
			t.Errorf("%s shows English in Estonian:\n  %s", path, strings.Join(bad, "\n  "))
		}
	}
	// Signed out: choose Estonian with the switcher every page has.
	run(t, ctx, "switch to Estonian", chromedp.Navigate(d.URL+"/login"),
		chromedp.Click(chromedp.CSS(`form.langs button[value="et"]`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="et"]`)))
	check("/login")
	check("/portal/login")
	signInChrome(t, ctx, d, dd.HeadEmail, dd.HeadPassword)
	for _, p := range dd.agentPages() {
		check(p)
	}
	run(t, ctx, "sign out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)))
	// The customer's portal, through a real one-time link.
	run(t, ctx, "open the portal link", chromedp.Navigate(dd.portalLink(t)), chromedp.WaitVisible(chromedp.CSS(`main form button`)))
	check(strings.TrimPrefix(get(t, ctx, "link page", chromedp.Location()), d.URL))
	run(t, ctx, "confirm the sign-in", chromedp.Click(chromedp.CSS(`main form button`)), chromedp.WaitNotPresent(chromedp.CSS(`input[name=token]`)))
	// The demo customer may have chosen their own language: choose Estonian for them.
	// The page may be in Estonian already (the signed-out choice): wait for the switch's own new
	// page, not just the lang attribute, or the next navigation aborts the switch's (a CI flake).
	run(t, ctx, "switch the customer to Estonian", chromedp.Evaluate[chromedp.Void](`document.body.dataset.keptOld = "1"`),
		chromedp.Click(chromedp.CSS(`form.langs button[value="et"]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`body[data-kept-old]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="et"] form.langs`)))
	check("/portal")
	check("/portal/cases/" + itoa(dd.CustomerCaseID))
	if got := dialogs(); len(got) > 0 {
		t.Fatalf("dialogs opened: %v", got)
	}
}

// TestScreenshots writes the README's screenshots of the inbox, a case and the portal at
// desktop and phone widths into $KEPT_SCREENSHOTS (it does nothing without it):
//
//	KEPT_SCREENSHOTS=$PWD/docs/screenshots go test -run TestScreenshots ./internal/web/
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("KEPT_SCREENSHOTS")
	if dir == "" {
		t.Skip("set KEPT_SCREENSHOTS to a folder to write screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	d := newDesk(t, "sqlite")
	dd := seedDemo(t, d)
	ctx, _ := chrome(t)
	sizes := []struct {
		name          string
		width, height int64
	}{{"desktop", 1280, 860}, {"phone", 390, 844}}
	shoot := func(name string) {
		t.Helper()
		for _, sz := range sizes {
			run(t, ctx, "size "+sz.name, chromedp.EmulateViewport(sz.width, sz.height), chromedp.Reload(), chromedp.WaitReady(chromedp.CSS(`body`)))
			png := get(t, ctx, "screenshot "+name, chromedp.CaptureScreenshot())
			if err := os.WriteFile(filepath.Join(dir, name+"-"+sz.name+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	signInChrome(t, ctx, d, dd.HeadEmail, dd.HeadPassword)
	run(t, ctx, "inbox", chromedp.Navigate(d.URL+"/inbox"))
	shoot("inbox")
	run(t, ctx, "case", chromedp.Navigate(d.URL+"/cases/"+itoa(dd.CaseID)))
	shoot("case")
	run(t, ctx, "sign out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)))
	run(t, ctx, "portal link", chromedp.Navigate(dd.portalLink(t)), chromedp.WaitVisible(chromedp.CSS(`main form button`)),
		chromedp.Click(chromedp.CSS(`main form button`)), chromedp.WaitNotPresent(chromedp.CSS(`input[name=token]`)))
	run(t, ctx, "portal case", chromedp.Navigate(d.URL+"/portal/cases/"+itoa(dd.CustomerCaseID)))
	shoot("portal")
}
