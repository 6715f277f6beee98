package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/keptdesk/kept/internal/desk"
)

// inboxRefs is the inbox's case references in the order the reader sees them.
const inboxRefs = `Array.from(document.querySelectorAll("table.inbox tbody tr")).map(r => r.querySelector(".ref").textContent)`

// TestBrowserInbox: the inbox as an agent sees it in Chromium — by due time, moved through with
// the keyboard, and brought up to date by the desk while it is open.
func TestBrowserInbox(t *testing.T) {
	sc := newInboxScene(t, "sqlite")
	d := sc.d
	d.Clock.Set(inboxAt(12, 0)) // the 11:00 update is overdue
	ctx, dialogs := chrome(t)
	signInChrome(t, ctx, d, "ann@example.com", sc.password)
	run(t, ctx, "open the inbox", chromedp.Navigate(d.URL+"/inbox"), chromedp.WaitVisible(chromedp.CSS(`table.inbox`)))

	refs := get(t, ctx, "read the inbox order", chromedp.Evaluate[[]string](inboxRefs))
	if len(refs) != 5 || refs[0] != sc.sooner.Ref || refs[1] != sc.later.Ref {
		t.Fatalf("the inbox shows %v; want %s (overdue) then %s first", refs, sc.sooner.Ref, sc.later.Ref)
	}
	first := get(t, ctx, "read the first row", chromedp.Text(chromedp.CSS(`table.inbox tbody tr:first-child`)))
	if !strings.Contains(first, "Overdue") || !strings.Contains(first, "1 h overdue") {
		t.Errorf("the overdue row reads %q", first)
	}
	page := text(t, ctx)
	if !strings.Contains(page, `<script>alert("subject")</script> refund`) {
		t.Errorf("the hostile subject is not shown as text:\n%s", page)
	}

	// j moves down a row, k back up; Enter opens the selected case.
	run(t, ctx, "move with j, j, k, j", chromedp.KeyEvent("j"), chromedp.KeyEvent("j"), chromedp.KeyEvent("k"), chromedp.KeyEvent("j"))
	sel := get(t, ctx, "read the selection", chromedp.Evaluate[string](`(document.querySelector("tr.sel") || {dataset: {}}).dataset.case || ""`))
	if want := strconv.FormatInt(sc.later.ID, 10); sel != want {
		t.Fatalf("after j, j, k, j the selected case is %q, want %s (the second row)", sel, want)
	}
	run(t, ctx, "open it with Enter", chromedp.KeyEvent("\r"))
	waitURL(t, ctx, "/cases/"+sel)

	// r opens the case with the reply box; / goes to the search box.
	run(t, ctx, "back to the inbox", chromedp.Navigate(d.URL+"/inbox"), chromedp.WaitVisible(chromedp.CSS(`table.inbox`)))
	run(t, ctx, "press j then r", chromedp.KeyEvent("j"), chromedp.KeyEvent("r"))
	waitURL(t, ctx, "/cases/"+strconv.FormatInt(sc.sooner.ID, 10)+"#reply")
	run(t, ctx, "back to the inbox", chromedp.Navigate(d.URL+"/inbox"), chromedp.WaitVisible(chromedp.CSS(`table.inbox`)))
	run(t, ctx, "press /", chromedp.KeyEvent("/"))
	if name := get(t, ctx, "which field has focus", chromedp.Evaluate[string](`document.activeElement.name || ""`)); name != "q" {
		t.Errorf("after / the focus is on %q, want the search box", name)
	}

	// A change made elsewhere reaches the open page without a reload: a promise due 12:30 on
	// the waiting case moves it to second place.
	run(t, ctx, "wait for the live stream", chromedp.WaitReady(chromedp.CSS(`.inbox-page[data-stream="open"]`)),
		chromedp.Evaluate[chromedp.Void](`window.keptNotReloaded = true`))
	if _, err := d.Svc.MakePromise(sc.ctx, desk.AgentActor(sc.ann), sc.waiting.ID, desk.NewPromise{Kind: "callback", DueAt: inboxAt(12, 30), Words: "I will call you at half past twelve"}); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, "wait for the row to move", chromedp.Poll[chromedp.Void](
		`(() => { const r = document.querySelectorAll("table.inbox tbody tr"); return r.length > 1 && r[1].dataset.case === "`+strconv.FormatInt(sc.waiting.ID, 10)+`"; })()`,
		chromedp.WithPollingTimeout(5*time.Second), chromedp.WithPollingInterval(100*time.Millisecond)))
	if !get(t, ctx, "check the page was not reloaded", chromedp.Evaluate[bool](`window.keptNotReloaded === true`)) {
		t.Error("the page was reloaded instead of updated")
	}
	row := get(t, ctx, "read the moved row", chromedp.Text(chromedp.CSS(`table.inbox tbody tr:nth-child(2)`)))
	if !strings.Contains(row, "in 30 min") {
		t.Errorf("the moved row reads %q", row)
	}
	if got := dialogs(); len(got) > 0 {
		t.Fatalf("dialogs opened: %v", got)
	}
}

// waitURL waits up to 5 s for the tab to be at an address ending in suffix (a navigation the
// page started itself, which a poll inside the page would not survive).
func waitURL(t *testing.T, ctx context.Context, suffix string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	loc := ""
	for time.Now().Before(deadline) {
		sctx, cancel := context.WithTimeout(ctx, time.Second)
		l, err := chromedp.Run(sctx, chromedp.Location())
		cancel()
		if err == nil {
			if loc = l; strings.HasSuffix(loc, suffix) {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the browser is at %q, want an address ending in %q", loc, suffix)
}
