package web_test

import (
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserReports (issue 18): in a real Chromium the lead opens the reports page, sees the
// charts drawn for this week (the backlog and promise trend lines, the bars per agent), picks
// last week and back, and the bars' CSV link downloads the numbers; on a phone the charts fit
// the screen.
func TestBrowserReports(t *testing.T) {
	d := newDesk(t, "sqlite")
	sc := newReportsScene(t, d)
	ctx, dialogs := chrome(t)
	signInChrome(t, ctx, d, sc.lea.Email, reportsPassword)
	run(t, ctx, "open the reports", chromedp.Navigate(d.URL+"/reports"), chromedp.WaitVisible(chromedp.CSS(`#backlog svg.chart`)))
	charts := get(t, ctx, "count the charts", chromedp.Evaluate[int](`document.querySelectorAll('section.report-chart svg.chart').length`))
	points := get(t, ctx, "the trend's points", chromedp.Evaluate[int](`document.querySelectorAll('#promise_trend circle').length`))
	bars := get(t, ctx, "the bars", chromedp.Evaluate[string](`[...document.querySelectorAll('#promises svg .bar title')].map(e => e.textContent).join('|')`))
	if charts != 3 || points != 2 || !strings.Contains(bars, "=Ann Tamm: 1 kept of 2 made, 1 broken") {
		t.Fatalf("charts %d, trend points %d, bars %q", charts, points, bars)
	}
	shoot(t, ctx, "reports")

	run(t, ctx, "pick last week",
		chromedp.Click(chromedp.CSS(`input[name=period][value=last_week]`)),
		chromedp.Click(chromedp.CSS(`#report-pick button[type=submit]`)),
		// The attribute, not the property the click set: only the new page has it.
		chromedp.WaitVisible(chromedp.CSS(`input[name=period][value=last_week][checked]`)),
		chromedp.WaitVisible(chromedp.CSS(`#backlog svg.chart`)),
	)
	if s := text(t, ctx); !strings.Contains(s, "2026-11-16 to 2026-11-22") {
		t.Fatalf("last week's page:\n%s", s)
	}
	run(t, ctx, "back to this week", chromedp.Navigate(d.URL+"/reports?period=this_week"), chromedp.WaitVisible(chromedp.CSS(`#promises a.csv`)))

	// The link downloads with the page's own session: fetch what it points at, as a click would.
	get(t, ctx, "fetch the CSV", chromedp.Evaluate[bool](`window.csvText = ''; fetch(document.querySelector('#promises a.csv').href)
		.then(r => r.ok ? r.text() : 'status ' + r.status).then(t => { window.csvText = t }); true`))
	body := get(t, ctx, "the CSV arrives", chromedp.Poll[string](`window.csvText`, chromedp.WithPollingTimeout(10*time.Second)))
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) != 3 || rows[1][1] != "'=Ann Tamm" || strings.Join(rows[1][2:], ",") != "2,1,0,1" {
		t.Fatalf("the CSV (%v):\n%s", err, body)
	}

	// On a phone the charts shrink to the screen: nothing wider than the viewport.
	run(t, ctx, "a phone's width", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#backlog svg.chart`)))
	wide := get(t, ctx, "the widest chart", chromedp.Evaluate[float64](`Math.max(...[...document.querySelectorAll('svg.chart')].map(e => e.getBoundingClientRect().right))`))
	if wide > 390 {
		t.Errorf("a chart reaches %.0f px on a 390 px screen", wide)
	}
	if got := dialogs(); len(got) > 0 {
		t.Fatalf("dialogs opened: %v", got)
	}
}
