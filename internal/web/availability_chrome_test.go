package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Hand-over before leave, in a real browser: an agent with an open case and a promise asks
// for leave, is walked through the hand-over, chooses a colleague and writes a briefing; the
// leave is on the page and the case belongs to the colleague.
func TestBrowserHandoverBeforeLeave(t *testing.T) {
	at := newAvailTeam(t, "sqlite")
	c := at.openCase(t, at.ann, "Heating bill too high")
	at.promise(t, c, at.ann, at.at("2026-11-24 10:00"), "I will call you on Tuesday at 10 with the meter reading")
	ctx, dialogs := chrome(t)
	signInChrome(t, ctx, at.d, at.ann.Email, availPassword)

	run(t, ctx, "ask for leave",
		chromedp.Navigate(at.d.URL+"/availability"),
		chromedp.WaitVisible(chromedp.CSS(`#absence-form`)),
		chromedp.SetValue(chromedp.CSS(`#absence-kind`), "leave"),
		chromedp.SetValue(chromedp.CSS(`#absence-form input[name=from]`), "2026-11-24T09:00"),
		chromedp.SetValue(chromedp.CSS(`#absence-form input[name=to]`), "2026-11-28T00:00"),
		chromedp.Click(chromedp.CSS(`#absence-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#handover-form`)),
	)
	page := text(t, ctx)
	for _, want := range []string{c.Ref, "Heating bill too high", "Mari Mets", "I will call you on Tuesday at 10 with the meter reading"} {
		if !strings.Contains(page, want) {
			t.Fatalf("the hand-over form does not show %q:\n%s", want, page)
		}
	}
	row := "#case-" + idStr(c.ID)
	briefing := "Meter photo is in the record; call Mari on Tuesday at 10 as promised."
	run(t, ctx, "hand the case to Bea and start the leave",
		chromedp.SetValue(chromedp.CSS(row+` select[name=to_`+idStr(c.ID)+`]`), idStr(at.bea.ID)),
		chromedp.SendKeys(chromedp.CSS(row+` textarea[name=briefing_`+idStr(c.ID)+`]`), briefing),
		chromedp.Click(chromedp.CSS(`#handover-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.handed`)),
	)
	page = text(t, ctx)
	for _, want := range []string{"Handed over for your leave", c.Ref, "now with Bea Berg", "Coming absences", "Leave"} {
		if !strings.Contains(page, want) {
			t.Fatalf("after the hand-over the page does not show %q:\n%s", want, page)
		}
	}
	if owner := at.owner(t, c.ID); owner != at.bea.ID {
		t.Fatalf("the case is owned by %d, want Bea (%d)", owner, at.bea.ID)
	}
	if got := dialogs(); len(got) > 0 {
		t.Fatalf("dialogs opened: %v", got)
	}
}
