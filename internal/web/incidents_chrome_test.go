package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
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

// In real Chromium: the portal's new-request form for a repair (a call serves it best) asks
// for the order number, offers call-back times, and books the one chosen.
func TestBrowserPortalNewRequest(t *testing.T) {
	d := newPortalDesk(t, "sqlite")
	newPortalScene(t, d)
	bg, head := context.Background(), desk.AgentActor(d.Admin)
	repair, err := d.Svc.CreateCaseType(bg, head, desk.NewCaseType{Name: "Repair", Team: "Care", RequiredReferences: []string{"order"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Svc.SetCaseTypeChannel(bg, head, "Repair", "call"); err != nil {
		t.Fatal(err)
	}
	ctx, dialogs := chrome(t)
	if _, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "UTC"}); err != nil {
		t.Fatalf("set the browser's time zone: %v", err)
	}
	run(t, ctx, "ask for a sign-in link",
		chromedp.Navigate(d.URL+"/portal"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=email]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), "mari@example.ee"),
		chromedp.Submit(chromedp.CSS(`input[name=email]`)),
		chromedp.WaitVisible(chromedp.CSS(`#sent`)),
	)
	mails := portalMails(t, d)
	run(t, ctx, "sign in and open the new-request form",
		chromedp.Navigate(d.URL+portalMailedLink(t, d, mails[len(mails)-1])),
		chromedp.WaitVisible(chromedp.CSS(`#continue`)),
		chromedp.Click(chromedp.CSS(`#continue`)),
		chromedp.WaitVisible(chromedp.CSS(`#new-request`)),
		chromedp.Click(chromedp.CSS(`#new-request`)),
		chromedp.WaitVisible(chromedp.CSS(`#choose-type select[name=type]`)),
		chromedp.SetValue(chromedp.CSS(`#choose-type select[name=type]`), strconv.FormatInt(repair.ID, 10)),
		chromedp.Submit(chromedp.CSS(`#choose-type select[name=type]`)),
		chromedp.WaitVisible(chromedp.CSS(`#channel-advice`)),
	)
	if s := text(t, ctx); !strings.Contains(s, "This is best solved on the phone") || !strings.Contains(s, "order number\n(needed for this kind of request)") {
		t.Fatalf("the form for a repair:\n%s", s)
	}
	slot := get(t, ctx, "the second offered time", chromedp.Text(chromedp.CSS(`#callback label:nth-of-type(3) time`)))
	run(t, ctx, "send the request with a call-back",
		chromedp.SendKeys(chromedp.CSS(`#request-form input[name=subject]`), "Washing machine"),
		chromedp.SendKeys(chromedp.CSS(`#request-form textarea[name=body]`), "It does not spin."),
		chromedp.SendKeys(chromedp.CSS(`#request-form input[name=ref_order]`), "ORD-77"),
		chromedp.Click(chromedp.CSS(`#callback label:nth-of-type(3) input`)),
		chromedp.Click(chromedp.CSS(`#send-request`)),
		chromedp.WaitVisible(chromedp.CSS(`#promises`)),
	)
	promises := get(t, ctx, "the promises", chromedp.Text(chromedp.CSS(`#promises`)))
	if !strings.Contains(promises, "We will call you back at") || !strings.Contains(promises, slot) {
		t.Fatalf("the booked call-back (%s) in the portal:\n%s", slot, promises)
	}
	if got := dialogs(); len(got) > 0 {
		t.Fatalf("dialogs opened: %v", got)
	}
}
