package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/keptdesk/kept/internal/desk"
)

// TestBrowserPortal: in a real Chromium, a customer signs in by the link the desk mailed,
// sees the promise made to them (its words and due time), confirms a resolution, and the same
// link is refused when used a second time.
func TestBrowserPortal(t *testing.T) {
	d := newPortalDesk(t, "sqlite")
	sc := newPortalScene(t, d)
	bg := context.Background()
	router, err := d.Svc.OpenCase(bg, desk.SystemActor(), desk.NewCase{CustomerID: sc.mari.ID, Subject: "Router keeps restarting",
		Body: "My router restarts every hour.", Channel: "web", OwnerID: sc.ann.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Svc.Resolve(bg, desk.AgentActor(sc.ann), router.ID, "We sent a firmware update; the router no longer restarts."); err != nil {
		t.Fatal(err)
	}

	ctx, dialogs := chrome(t)
	// Times show in the browser's zone: pin it, so the due time reads the same on every machine.
	if _, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "UTC"}); err != nil {
		t.Fatalf("set the browser's time zone: %v", err)
	}
	run(t, ctx, "ask for a sign-in link",
		chromedp.Navigate(d.URL+"/portal"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/portal/login"] input[type=email][name=email]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), "mari@example.ee"),
		chromedp.Submit(chromedp.CSS(`input[name=email]`)),
		chromedp.WaitVisible(chromedp.CSS(`#sent`)),
	)
	if s := text(t, ctx); !strings.Contains(s, portalSentText) {
		t.Fatalf("after asking for a link the page says:\n%s", s)
	}
	mails := portalMails(t, d)
	if len(mails) != 1 || mails[0].To != "mari@example.ee" {
		t.Fatalf("outbox: %+v", mails)
	}
	link := d.URL + portalMailedLink(t, d, mails[0])

	run(t, ctx, "open the mailed link and continue",
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS(`#continue`)),
		chromedp.Click(chromedp.CSS(`#continue`)),
		chromedp.WaitVisible(chromedp.CSS(`.portal-cases`)),
	)
	if loc := get(t, ctx, "where the link lands", chromedp.Location()); !strings.HasSuffix(loc, "/portal") {
		t.Fatalf("signed in, the browser is at %s", loc)
	}
	home := text(t, ctx)
	for _, want := range []string{"Mari Mets", "Broken kettle", "Router keeps restarting", portalPromiseWords, "Wed 25 Nov 15:00"} {
		if !strings.Contains(home, want) {
			t.Fatalf("the portal does not show %q:\n%s", want, home)
		}
	}
	shoot(t, ctx, "portal")

	run(t, ctx, "open the kettle case",
		chromedp.Click(chromedp.CSS(`a[href="/portal/cases/`+portalID(sc.kettle.ID)+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#promises`)),
	)
	promises := get(t, ctx, "read the promises", chromedp.Text(chromedp.CSS(`#promises`)))
	for _, want := range []string{portalPromiseWords, "Wed 25 Nov 15:00", "Ann Tamm"} {
		if !strings.Contains(promises, want) {
			t.Fatalf("the promises panel does not show %q:\n%s", want, promises)
		}
	}
	if s := text(t, ctx); strings.Contains(s, "SECRET-NOTE") {
		t.Fatal("the customer sees the internal note")
	}
	shoot(t, ctx, "portal-case")

	run(t, ctx, "open the router case",
		chromedp.Navigate(d.URL+"/portal/cases/"+portalID(router.ID)),
		chromedp.WaitVisible(chromedp.CSS(`#confirm`)))
	shoot(t, ctx, "portal-resolution")
	run(t, ctx, "confirm the router's resolution",
		chromedp.Click(chromedp.CSS(`#confirm`)),
		chromedp.WaitVisible(chromedp.CSS(`#done`)),
	)
	if s := get(t, ctx, "read the status", chromedp.Text(chromedp.CSS(`#status`))); s != "Resolved" {
		t.Fatalf("after confirming, the case is %q", s)
	}
	v, err := d.Svc.Case(bg, desk.SystemActor(), router.ID)
	if err != nil || v.Status != desk.StatusClosed {
		t.Fatalf("after confirming in the browser: %s (%v)", v.Status, err)
	}
	run(t, ctx, "rate the case",
		chromedp.Click(chromedp.CSS(`input[name=score][value="5"]`)),
		chromedp.Click(chromedp.CSS(`#rate`)),
		chromedp.WaitVisible(chromedp.CSS(`#rating`)),
	)

	// The same link again: refused, even in the browser that used it.
	run(t, ctx, "open the used link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`#refused`)))
	if s := text(t, ctx); !strings.Contains(s, "already been used") {
		t.Fatalf("the used link shows:\n%s", s)
	}
	if got := dialogs(); len(got) > 0 {
		t.Fatalf("dialogs opened: %v", got)
	}
}

// shoot saves the page at desktop and phone widths when KEPT_SCREENSHOTS names a folder
// (docs/ screenshots are made this way).
func shoot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("KEPT_SCREENSHOTS")
	if dir == "" {
		return
	}
	for _, size := range []struct {
		suffix string
		w, h   int64
		mobile bool
	}{{"desktop", 1280, 900, false}, {"phone", 390, 844, true}} {
		var opts []chromedp.EmulateViewportOption
		if size.mobile {
			opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateScale(2))
		}
		run(t, ctx, "resize for "+size.suffix, chromedp.EmulateViewport(size.w, size.h, opts...), chromedp.Sleep(200*time.Millisecond))
		png := get(t, ctx, "screenshot", chromedp.FullScreenshot(100))
		if err := os.WriteFile(filepath.Join(dir, name+"-"+size.suffix+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run(t, ctx, "back to the desktop size", chromedp.EmulateViewport(1280, 900))
}
