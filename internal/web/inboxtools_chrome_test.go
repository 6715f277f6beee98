package web_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/keptdesk/kept/internal/desk"
)

// TestBrowserInboxBulk: in Chromium an agent checks every case of the page with "select all",
// sets their priority in one post and reads what was done at the top of the inbox; the
// hand-over picker finds a colleague by a few letters typed.
func TestBrowserInboxBulk(t *testing.T) {
	sc := newInboxScene(t, "sqlite")
	d := sc.d
	ctx, dialogs := chrome(t)
	signInChrome(t, ctx, d, "ann@example.com", sc.password)
	run(t, ctx, "open the inbox", chromedp.Navigate(d.URL+"/inbox"), chromedp.WaitVisible(chromedp.CSS(`table.inbox`)))

	// A click on a row's box checks it and stays on the inbox (a click elsewhere opens the case).
	run(t, ctx, "check the first row", chromedp.Click(chromedp.CSS(`table.inbox tbody tr:first-child input[name=case]`)))
	if n := get(t, ctx, "count the checked", chromedp.Evaluate[int](`document.querySelectorAll('input[name=case]:checked').length`)); n != 1 {
		t.Fatalf("after one click %d boxes are checked", n)
	}
	// x checks the row the keyboard selected (from the first row, j and j reach the third).
	run(t, ctx, "j then x", chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`), chromedp.KeyEvent("j"), chromedp.KeyEvent("j"), chromedp.KeyEvent("x"))
	if n := get(t, ctx, "count the checked", chromedp.Evaluate[int](`document.querySelectorAll('input[name=case]:checked').length`)); n != 2 {
		t.Fatalf("after x on the third row %d boxes are checked, want 2", n)
	}
	run(t, ctx, "select all", chromedp.Click(chromedp.CSS(`input.select-all`)))
	if n := get(t, ctx, "count the checked", chromedp.Evaluate[int](`document.querySelectorAll('input[name=case]:checked').length`)); n != 5 {
		t.Fatalf("select all checked %d of 5 boxes", n)
	}

	// The picker: typing "bob" leaves Bob in Billing (Ann's own team, first) and chooses him.
	run(t, ctx, "open the bulk actions", chromedp.Click(chromedp.CSS(`details.bulk > summary`)), chromedp.WaitVisible(chromedp.CSS(`input.pick-filter[data-for=bulk-to]`)))
	first := get(t, ctx, "read the first team", chromedp.Evaluate[string](`document.querySelector('#bulk-to optgroup').label`))
	if first != "Billing" {
		t.Errorf("the picker's first team is %q, want the reader's own (Billing)", first)
	}
	run(t, ctx, "type bob", chromedp.SendKeys(chromedp.CSS(`input.pick-filter[data-for=bulk-to]`), "bob"))
	shown := get(t, ctx, "read the agents left", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#bulk-to option')).filter(o => !o.hidden && o.value).map(o => o.textContent)`))
	if len(shown) != 1 || !strings.HasPrefix(shown[0], "Bob Kask") {
		t.Errorf("after typing bob the picker shows %v", shown)
	}
	if v := get(t, ctx, "read the choice", chromedp.Evaluate[string](`document.getElementById('bulk-to').value`)); v != strconv.FormatInt(sc.bob.ID, 10) {
		t.Errorf("after typing bob the picker chose %q", v)
	}

	run(t, ctx, "set the priority of all five",
		chromedp.SetValue(chromedp.CSS(`#bulk-form select[name=priority]`), "high"),
		chromedp.Click(chromedp.CSS(`#bulk-form button[value=priority]`)),
		chromedp.WaitVisible(chromedp.CSS(`#flash`)))
	flash := get(t, ctx, "read the notice", chromedp.Text(chromedp.CSS(`#flash`)))
	if !strings.Contains(flash, "Cases done: 5.") {
		t.Errorf("the notice reads %q", flash)
	}
	for _, c := range []int64{sc.waiting.ID, sc.later.ID, sc.sooner.ID, sc.hostile.ID, sc.refd.ID} {
		if got, _ := d.Svc.Case(sc.ctx, desk.SystemActor(), c); got.Priority != "high" {
			t.Errorf("case %d: priority %q", c, got.Priority)
		}
	}
	if got := dialogs(); len(got) > 0 {
		t.Fatalf("dialogs opened: %v", got)
	}
}
