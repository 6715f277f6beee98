package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The bulk hand-over of 150 cases in a real browser: from the leave's hand-over form to the
// grouped pages, each page a screenful of 25 cases (not one page 41,540 px high), one colleague
// and one briefing per customer, and the last button hands all 150 over.
func TestBrowserBulkHandoverOf150Cases(t *testing.T) {
	at := newAvailTeam(t, "sqlite")
	open150(t, at)
	ctx, dialogs := chrome(t)
	signInChrome(t, ctx, at.d, at.ann.Email, availPassword)
	run(t, ctx, "ask for leave",
		chromedp.Navigate(at.d.URL+"/availability"),
		chromedp.WaitVisible(chromedp.CSS(`#absence-form`)),
		chromedp.SetValue(chromedp.CSS(`#absence-kind`), "leave"),
		chromedp.SetValue(chromedp.CSS(`#absence-form input[name=from]`), "2026-11-24T09:00"),
		chromedp.SetValue(chromedp.CSS(`#absence-form input[name=to]`), "2026-11-28T00:00"),
		chromedp.Click(chromedp.CSS(`#absence-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`a.bulk-link`)),
		chromedp.Click(chromedp.CSS(`a.bulk-link`)),
		chromedp.WaitVisible(chromedp.CSS(`#bulk-form`)),
	)
	fill := fmt.Sprintf(`(() => {
		document.querySelectorAll('#bulk-form select[name^="gto_"]').forEach(s => { s.value = %q; });
		document.querySelectorAll('#bulk-form textarea[name^="gtext_"]').forEach((a, i) => { a.value = "Briefing " + i + ": read the last mail first."; });
		return document.querySelectorAll('#bulk-form input[name="case"]').length;
	})()`, idStr(at.bea.ID))
	for page := 1; page <= 6; page++ {
		run(t, ctx, fmt.Sprintf("open page %d", page), chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#bulk-form[data-page="%d"]`, page))))
		height := get(t, ctx, "the page's height", chromedp.Evaluate[int](`document.documentElement.scrollHeight`))
		cases := get(t, ctx, "fill the page", chromedp.Evaluate[int](fill))
		if cases != 25 || height > 20000 {
			t.Fatalf("page %d: %d cases, %d px high", page, cases, height)
		}
		if s := text(t, ctx); !strings.Contains(s, fmt.Sprintf("Page %d of 6", page)) || !strings.Contains(s, "Customer: Customer") {
			t.Fatalf("page %d reads:\n%s", page, s)
		}
		if page == 6 {
			break // the last page is saved with the hand-over itself
		}
		run(t, ctx, fmt.Sprintf("save page %d", page),
			chromedp.Click(chromedp.CSS(`#bulk-form button[value=next]`)),
			chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#bulk-form[data-page="%d"]`, page+1))),
			chromedp.WaitVisible(chromedp.CSS(`.notice.done`)),
		)
	}
	run(t, ctx, "hand all over",
		chromedp.Click(chromedp.CSS(`#bulk-form button[value=start]`)),
		chromedp.WaitVisible(chromedp.CSS(`.handed`)),
	)
	if got := caseMustList(t, at, at.bea.ID); got != 150 {
		t.Fatalf("Bea owns %d cases, want 150", got)
	}
	if got := dialogs(); len(got) > 0 {
		t.Fatalf("dialogs opened: %v", got)
	}
}
