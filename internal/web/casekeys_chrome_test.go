package web_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserCasePhoneAndKeys: on a phone (390×844) the case's promises start within the first
// screen, and after an action whose page goes back further down (a reference, at the customer
// section) the notice of what was done is on screen. On the desktop "?" lists the shortcuts in
// the reader's words, and r, n, p, j work as listed.
func TestBrowserCasePhoneAndKeys(t *testing.T) {
	sc := newInboxScene(t, "sqlite")
	d := sc.d
	ctx, dialogs := chrome(t)
	signInChrome(t, ctx, d, "ann@example.com", sc.password)
	casePath := d.URL + "/cases/" + strconv.FormatInt(sc.later.ID, 10)

	run(t, ctx, "a phone's screen", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(casePath), chromedp.WaitVisible(chromedp.CSS(`#promises`)))
	top := get(t, ctx, "where the promises start", chromedp.Evaluate[float64](`document.getElementById("promises").getBoundingClientRect().top + window.scrollY`))
	if top <= 0 || top >= 844 {
		t.Errorf("on a 390×844 phone the promises start at %.0f px, want within the first screen", top)
	}
	run(t, ctx, "add a reference at the bottom of the page",
		chromedp.SetValue(chromedp.CSS(`form.addref input[name=kind]`), "order"),
		chromedp.SetValue(chromedp.CSS(`form.addref input[name=value]`), "ORD-77001"),
		chromedp.Click(chromedp.CSS(`form.addref button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#flash`)))
	url := get(t, ctx, "read the address", chromedp.Evaluate[string](`location.href`))
	if !strings.Contains(url, "done=reference") || !strings.HasSuffix(url, "#customer") {
		t.Fatalf("after the reference the page is %s", url)
	}
	scrolled := get(t, ctx, "how far the page scrolled", chromedp.Evaluate[float64](`window.scrollY`))
	box := get(t, ctx, "where the notice is", chromedp.Evaluate[[]float64](`(() => { const r = document.getElementById("flash").getBoundingClientRect(); return [r.top, r.bottom]; })()`))
	if scrolled < 844 || box[0] < 0 || box[1] > 844 {
		t.Errorf("scrolled %.0f px to the customer, the notice is at %.0f–%.0f px: want it on the 844 px screen", scrolled, box[0], box[1])
	}

	// The shortcuts, on the desktop: the inbox's order is where j goes next.
	run(t, ctx, "a desktop screen", chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(d.URL+"/inbox"), chromedp.WaitVisible(chromedp.CSS(`table.inbox`)))
	order := get(t, ctx, "the inbox's order", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("table.inbox tbody tr")).map(r => r.dataset.case)`))
	run(t, ctx, "open the first case", chromedp.Navigate(d.URL+"/cases/"+order[0]), chromedp.WaitVisible(chromedp.CSS(`#reply`)))
	run(t, ctx, "press ?", chromedp.KeyEvent("?"), chromedp.WaitVisible(chromedp.CSS(`#keys-help`)))
	if help := get(t, ctx, "read the list", chromedp.Text(chromedp.CSS(`#keys-help`))); !strings.Contains(help, "Make a promise") || !strings.Contains(help, "Next case of your inbox") {
		t.Errorf("the shortcuts' list reads %q", help)
	}
	run(t, ctx, "Escape closes it", chromedp.KeyEvent("\x1b"), chromedp.WaitNotVisible(chromedp.CSS(`#keys-help`)))
	run(t, ctx, "press n", chromedp.KeyEvent("n"))
	if got := get(t, ctx, "the note's state", chromedp.Evaluate[string](`document.activeElement.id + " " + document.querySelector('#reply-form input[name=visibility]:checked').value`)); got != "reply internal" {
		t.Errorf("after n: %q, want the box focused for an internal note", got)
	}
	run(t, ctx, "leave the box", chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`), chromedp.KeyEvent("p"))
	if got := get(t, ctx, "the promise form", chromedp.Evaluate[string](`document.getElementById("make-promise").open + " " + document.activeElement.name`)); got != "true due" {
		t.Errorf("after p: %q, want the promise form open at its due time", got)
	}
	run(t, ctx, "leave the field, press j", chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`), chromedp.KeyEvent("j"))
	waitURL(t, ctx, "/cases/"+order[1])
	if got := dialogs(); len(got) > 0 {
		t.Fatalf("dialogs opened: %v", got)
	}
}
