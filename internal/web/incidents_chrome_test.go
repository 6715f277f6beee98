package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/keptdesk/kept/internal/desk"
)

// In real Chromium: an incident opened from the case page lists the case and its customer,
// and the case page's decision form shows the written policy beside it and sends a refund
// above the agent's limit up for approval.
func TestBrowserIncidentAndDecisionForm(t *testing.T) {
	cd := newCaseDesk(t, "sqlite")
	ctx, dialogs := chrome(t)
	signInChrome(t, ctx, cd.testDesk, "ann@example.com", casePassword)
	run(t, ctx, "open an incident from the case",
		chromedp.Navigate(cd.URL+cd.path("")),
		chromedp.WaitVisible(chromedp.CSS(`#incidents`)),
		chromedp.Click(chromedp.CSS(`#incidents details > summary`)),
		chromedp.WaitVisible(chromedp.CSS(`#incidents input[name=title]`)),
		chromedp.SendKeys(chromedp.CSS(`#incidents input[name=title]`), "Power cut in Tartu"),
		chromedp.SendKeys(chromedp.CSS(`#incidents textarea[name=public_status]`), "Crews are on site."),
		chromedp.Click(chromedp.CSS(`#create-incident`)),
		chromedp.WaitVisible(chromedp.CSS(`#told`)),
	)
	s := text(t, ctx)
	for _, want := range []string{"The incident is open.", "Power cut in Tartu", "Linked cases (1)", desk.CaseRef(cd.CaseID), "Customers (1)", "Crews are on site."} {
		if !strings.Contains(s, want) {
			t.Fatalf("the incident page lacks %q:\n%s", want, s)
		}
	}
	run(t, ctx, "ask for a refund above the limit",
		chromedp.Navigate(cd.URL+cd.path("")),
		chromedp.WaitVisible(chromedp.CSS(`#decision-form`)),
		chromedp.SetValue(chromedp.CSS(`#decision-form select[name=kind]`), "refund"),
		chromedp.SendKeys(chromedp.CSS(`#decision-form input[name=amount]`), "120"),
		chromedp.SendKeys(chromedp.CSS(`#decision-form textarea[name=reason]`), "Charged twice in November."),
		chromedp.Click(chromedp.CSS(`#decide`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice.done`)),
	)
	policy := get(t, ctx, "the policy beside the form", chromedp.Text(chromedp.CSS(`#policy`)))
	if !strings.Contains(policy, "granted the first time") || !strings.Contains(policy, "agent: 50.00") {
		t.Fatalf("the policy beside the form: %q", policy)
	}
	decisions := get(t, ctx, "the decisions", chromedp.Text(chromedp.CSS(`#decisions`)))
	for _, want := range []string{"Refund 120.00 EUR", "waiting for approval", "Linked incident: Power cut in Tartu"} {
		if !strings.Contains(decisions, want) {
			t.Fatalf("the decisions panel lacks %q:\n%s", want, decisions)
		}
	}
	if got := dialogs(); len(got) > 0 {
		t.Fatalf("dialogs opened: %v", got)
	}
}
