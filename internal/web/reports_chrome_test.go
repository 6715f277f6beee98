package web_test

import (
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
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
	if charts != 4 || points != 2 || !strings.Contains(bars, "=Ann Tamm: 1 kept of 2 made, 1 broken") {
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
	// A date range typed in: the charts are drawn for those days only.
	run(t, ctx, "pick dates",
		chromedp.Click(chromedp.CSS(`input[name=period][value=custom]`)),
		chromedp.SetValue(chromedp.CSS(`input[name=from]`), "2026-11-20"),
		chromedp.SetValue(chromedp.CSS(`input[name=to]`), "2026-11-24"),
		chromedp.Click(chromedp.CSS(`#report-pick button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name=period][value=custom][checked]`)),
		chromedp.WaitVisible(chromedp.CSS(`#backlog svg.chart`)),
	)
	// Friday to Monday (today); Tuesday has not begun and has no backlog yet.
	days := get(t, ctx, "the backlog's days", chromedp.Evaluate[int](`document.querySelectorAll('#backlog circle').length`))
	if s := text(t, ctx); !strings.Contains(s, "2026-11-20 to 2026-11-24") || days != 4 {
		t.Fatalf("the picked dates: %d days drawn\n%s", days, s)
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

// TestBrowserReviews (issue 18): in a real Chromium a week after Ann's case closed, the lead
// opens the reviews (the draw is made), scores the case on the rubric and writes a note; Ann
// reads it and answers.
func TestBrowserReviews(t *testing.T) {
	d := newDesk(t, "sqlite")
	sc := newReportsScene(t, d)
	ctx, sys := context.Background(), desk.SystemActor()
	all := 100
	if _, err := d.Svc.SetTeamSettings(ctx, sys, "Care", service.TeamSettingsIn{ReviewShare: &all}); err != nil {
		t.Fatal(err)
	}
	cust, err := d.Svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Ivo Ivić", Email: "ivo@example.hr"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := d.Svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: cust.ID, Subject: "Kettle leaks", Body: "It leaks.", Channel: "email", OwnerID: sc.ann.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Svc.Resolve(ctx, desk.AgentActor(sc.ann), c.ID, "A new kettle is on its way."); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Svc.Confirm(ctx, desk.CustomerActor(cust), c.ID, desk.Confirmation{Confirmed: true}); err != nil {
		t.Fatal(err)
	}
	d.Clock.Advance(7 * 24 * time.Hour)

	bctx, dialogs := chrome(t)
	signInChrome(t, bctx, d, sc.lea.Email, reportsPassword)
	run(t, bctx, "open the reviews", chromedp.Navigate(d.URL+"/reviews"), chromedp.WaitVisible(chromedp.CSS(`#pending form.rubric`)))
	run(t, bctx, "score the case",
		chromedp.Click(chromedp.CSS(`input[name=score-1][value="4"]`)),
		chromedp.Click(chromedp.CSS(`input[name=score-2][value="5"]`)),
		chromedp.Click(chromedp.CSS(`input[name=score-3][value="3"]`)),
		chromedp.SendKeys(chromedp.CSS(`form.rubric textarea[name=comment]`), "Say by when."),
		chromedp.Click(chromedp.CSS(`form.rubric button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.reviewed`)),
	)
	if s := text(t, bctx); !strings.Contains(s, "The review is saved.") || !strings.Contains(s, "Problem solved: 5/5") || !strings.Contains(s, "Say by when.") {
		t.Fatalf("the scored review:\n%s", s)
	}
	run(t, bctx, "sign out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)))
	signInChrome(t, bctx, d, sc.ann.Email, reportsPassword)
	run(t, bctx, "Ann answers",
		chromedp.Navigate(d.URL+"/reviews"),
		chromedp.WaitVisible(chromedp.CSS(`form.review-answer textarea`)),
		chromedp.SendKeys(chromedp.CSS(`form.review-answer textarea`), "I will write the time in the promise."),
		chromedp.Click(chromedp.CSS(`form.review-answer button`)),
		chromedp.WaitVisible(chromedp.CSS(`p.notice`)),
	)
	if s := text(t, bctx); !strings.Contains(s, "Your answer is saved.") || !strings.Contains(s, "I will write the time in the promise.") || !strings.Contains(s, "Say by when.") {
		t.Fatalf("Ann's answer:\n%s", s)
	}
	if got := dialogs(); len(got) > 0 {
		t.Fatalf("dialogs opened: %v", got)
	}
}
