package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/service"
)

// Browser tests of the case page in real Chromium: the promise refused at lunch and made at an
// offered slot, a slip that needs its reason, and a hostile mail that stays inert.

func TestBrowserCasePromiseAtOfferedSlot(t *testing.T) {
	cd := newCaseDesk(t, "sqlite")
	ctx, dialogs := chrome(t)
	signInChrome(t, ctx, cd.testDesk, "ann@example.com", casePassword)
	run(t, ctx, "open the case and the promise form",
		chromedp.Navigate(cd.URL+cd.path("")),
		chromedp.WaitVisible(chromedp.CSS(`#promises`)),
		chromedp.Click(chromedp.CSS(`#make-promise > summary`)),
		chromedp.WaitVisible(chromedp.CSS(`#promise-form textarea[name=words]`)),
		chromedp.SetValue(chromedp.CSS(`#promise-form select[name=kind]`), "callback"),
		// 12:30 on Monday: Ann is at lunch.
		chromedp.SetValue(chromedp.CSS(`#promise-form input[name=due]`), "2026-11-23T12:30"),
	)
	// While choosing, the form says how long such promises take.
	get(t, ctx, "fire the due time's change", chromedp.Evaluate[bool](
		`document.querySelector('#promise-form input[name=due]').dispatchEvent(new Event('change'))`))
	est := get(t, ctx, "wait for the estimate", chromedp.Poll[string](`document.getElementById('estimate').textContent`,
		chromedp.WithPollingTimeout(10*time.Second)))
	if !strings.Contains(est, "Too few kept promises") {
		t.Fatalf("the estimate while choosing says %q", est)
	}
	run(t, ctx, "make the promise at lunch time",
		chromedp.SendKeys(chromedp.CSS(`#promise-form textarea[name=words]`), "I will call you back at 12:30, after lunch."),
		chromedp.Click(chromedp.CSS(`#promise-form button.primary`)),
		chromedp.WaitVisible(chromedp.CSS(`#promise-form button.slot`)),
	)
	if s := text(t, ctx); !strings.Contains(s, "The owner is not available at that time.") {
		t.Fatalf("the refusal does not say why:\n%s", s)
	}
	words := get(t, ctx, "the words kept", chromedp.Value(chromedp.CSS(`#promise-form textarea[name=words]`)))
	if words != "I will call you back at 12:30, after lunch." {
		t.Fatalf("the words after the refusal: %q", words)
	}
	slot := get(t, ctx, "the first slot", chromedp.Text(chromedp.CSS(`#promise-form button.slot`)))
	if !strings.Contains(slot, "13:00") {
		t.Fatalf("the first offered slot is %q, want 13:00 after lunch", slot)
	}
	// Picking the slot asks for the words at that time, restated (issue 15, finding 6).
	run(t, ctx, "pick the offered slot",
		chromedp.Click(chromedp.CSS(`#promise-form button.slot`)),
		chromedp.WaitVisible(chromedp.CSS(`#promise-form .notice.restate`)),
	)
	if words := get(t, ctx, "the restated words", chromedp.Value(chromedp.CSS(`#promise-form textarea[name=words]`))); words != "I will call you back at 13:00, after lunch." {
		t.Fatalf("the words at the slot: %q", words)
	}
	run(t, ctx, "promise at the slot",
		chromedp.Click(chromedp.CSS(`#promise-form button.primary`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice.done`)),
	)
	ps := caseMust(cd.Svc.Promises(context.Background(), desk.AgentActor(cd.Ann), service.PromiseList{CaseID: cd.CaseID}))
	if len(ps) != 1 || !ps[0].DueAt.Equal(time.Date(2026, 11, 23, 13, 0, 0, 0, time.UTC)) {
		t.Fatalf("promises after picking the slot: %+v", ps)
	}
	if s := text(t, ctx); !strings.Contains(s, "“I will call you back at 13:00, after lunch.”") || !strings.Contains(s, "Mon 23 Nov 13:00") {
		t.Fatalf("the promises panel does not show the promise at 13:00:\n%s", s)
	}
	if got := dialogs(); len(got) > 0 {
		t.Fatalf("dialogs opened: %v", got)
	}
}

func TestBrowserCaseSlipWithReason(t *testing.T) {
	cd := newCaseDesk(t, "sqlite")
	pr := caseMust(cd.Svc.MakePromise(context.Background(), desk.AgentActor(cd.Ann), cd.CaseID, desk.NewPromise{Kind: "update",
		DueAt: time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC), Words: "You will hear from us by 15:00."}))
	ctx, dialogs := chrome(t)
	signInChrome(t, ctx, cd.testDesk, "ann@example.com", casePassword)
	p := fmt.Sprintf("#p%d", pr.ID)
	run(t, ctx, "slip without a reason",
		chromedp.Navigate(cd.URL+cd.path("")),
		chromedp.Click(chromedp.CSS(p+` details.slip > summary`)),
		chromedp.WaitVisible(chromedp.CSS(p+` .slip-form textarea[name=message]`)),
		chromedp.SetValue(chromedp.CSS(p+` .slip-form input[name=due]`), "2026-11-24T10:00"),
		chromedp.SendKeys(chromedp.CSS(p+` .slip-form textarea[name=message]`), "Sorry: tomorrow at ten instead."),
		chromedp.Click(chromedp.CSS(p+` .slip-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(p+` .slip-form .error`)),
	)
	if e := get(t, ctx, "the refusal", chromedp.Text(chromedp.CSS(p+` .slip-form .error`))); !strings.Contains(e, "This is required.") {
		t.Fatalf("the slip form says %q", e)
	}
	run(t, ctx, "slip with a reason",
		chromedp.SendKeys(chromedp.CSS(p+` .slip-form textarea[name=reason]`), "The part arrives tomorrow."),
		chromedp.Click(chromedp.CSS(p+` .slip-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice.done`)),
	)
	got := caseMust(cd.Svc.Promises(context.Background(), desk.AgentActor(cd.Ann), service.PromiseList{CaseID: cd.CaseID}))
	if got[0].Slips != 1 || !got[0].DueAt.Equal(time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("after the slip: %+v", got[0])
	}
	s := text(t, ctx)
	for _, want := range []string{"The part arrives tomorrow.", "Sorry: tomorrow at ten instead.", "moved 1×", "Tue 24 Nov 10:00"} {
		if !strings.Contains(s, want) {
			t.Fatalf("after the slip the page does not show %q:\n%s", want, s)
		}
	}
	if got := dialogs(); len(got) > 0 {
		t.Fatalf("dialogs opened: %v", got)
	}
}

func TestBrowserHostileMailInert(t *testing.T) {
	cd := newCaseDesk(t, "sqlite")
	res := caseMust(cd.Svc.ReceiveMail(context.Background(), mail.Delivery{From: "evil@example.ee", To: []string{"support@desk.test"}, Raw: hostileMail("evil@example.ee")}))
	ctx, dialogs := chrome(t)
	signInChrome(t, ctx, cd.testDesk, "ann@example.com", casePassword)
	page := fmt.Sprintf("%s/cases/%d", cd.URL, res.CaseID)
	run(t, ctx, "open the case and its mail's original HTML",
		chromedp.Navigate(page),
		chromedp.WaitVisible(chromedp.CSS(`a.showhtml`)),
		chromedp.Click(chromedp.CSS(`a.showhtml`)),
		chromedp.WaitVisible(chromedp.CSS(`iframe.mailview`)),
		chromedp.Sleep(500*time.Millisecond), // time for anything that would run to run
	)
	title := get(t, ctx, "the case page's title", chromedp.Title())
	if strings.Contains(title, "pwned") || !strings.Contains(title, `<script>alert("subject")</script>`) {
		t.Fatalf("the case page's title is %q: the subject must show as text and no script may change it", title)
	}
	if sandbox := get(t, ctx, "the frame's sandbox", chromedp.Evaluate[bool](`document.querySelector('iframe.mailview').hasAttribute('sandbox')`)); !sandbox {
		t.Fatal("the mail's frame is not sandboxed")
	}
	// Opened on its own, the mail view is still inert: its own policy sandboxes it.
	frame := get(t, ctx, "the frame's address", chromedp.Evaluate[string](`document.querySelector('iframe.mailview').src`))
	run(t, ctx, "open the mail view on its own",
		chromedp.Navigate(frame),
		chromedp.WaitVisible(chromedp.CSS(`b`)),
		chromedp.Sleep(500*time.Millisecond),
	)
	// The javascript: link is gone, its words kept as text; nothing in the view is a link.
	if links := get(t, ctx, "links in the mail view", chromedp.Evaluate[int](`document.querySelectorAll('a[href], [onclick], [onerror], script').length`)); links != 0 {
		t.Fatalf("the mail view has %d links or handlers", links)
	}
	if title := get(t, ctx, "the mail view's title", chromedp.Title()); strings.Contains(title, "pwned") {
		t.Fatalf("a script in the mail ran: title %q", title)
	}
	if s := text(t, ctx); !strings.Contains(s, "Please see my invoice.") {
		t.Fatalf("the mail view does not show the mail:\n%s", s)
	}
	run(t, ctx, "back to the case page", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(`#reply`)), chromedp.Sleep(300*time.Millisecond))
	if title := get(t, ctx, "the case page's title", chromedp.Title()); strings.Contains(title, "pwned") {
		t.Fatalf("a script ran on the case page: title %q", title)
	}
	if got := dialogs(); len(got) > 0 {
		t.Fatalf("the hostile mail opened dialogs: %v", got)
	}
}
