package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/keptdesk/kept/internal/desk"
)

// An admin sets up an automation in the desk's simple form (issue 17): on case_opened with the
// word "invoice", an internal note. A case about an invoice gets the note, by the automation;
// the rule is turned off and removed from the list.
func TestBrowserAutomationAdministration(t *testing.T) {
	d := newDesk(t, "sqlite")
	ctx, dialogs := chrome(t)
	signInChrome(t, ctx, d, "admin@example.com", adminPassword)
	run(t, ctx, "open the automations page from the menu",
		chromedp.Navigate(d.URL+"/inbox"),
		chromedp.Click(chromedp.CSS(`nav.main a[href="/settings/automations"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#auto-form`)),
		chromedp.WaitVisible(chromedp.CSS(`#automations-none`)),
	)
	run(t, ctx, "a rule without a name is refused",
		chromedp.SetValue(chromedp.CSS(`#auto-form input[name=name]`), " "),
		chromedp.SetValue(chromedp.CSS(`#auto-form textarea[name=body]`), "Check the payments first."),
		chromedp.Submit(chromedp.CSS(`#auto-form`)),
		chromedp.WaitVisible(chromedp.CSS(`#auto-error`)),
	)
	run(t, ctx, "set up the rule",
		chromedp.SetValue(chromedp.CSS(`#auto-form input[name=name]`), "Invoice desk"),
		chromedp.SetValue(chromedp.CSS(`#auto-form select[name=event]`), "case_opened"),
		chromedp.SetValue(chromedp.CSS(`#auto-form input[name=words]`), "invoice, bill"),
		chromedp.SetValue(chromedp.CSS(`#auto-form select[name=do]`), "note"),
		chromedp.Click(chromedp.CSS(`#auto-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#automations`)),
	)
	if s := get(t, ctx, "read the list", chromedp.Text(chromedp.CSS(`#automations`))); !strings.Contains(s, "Invoice desk") || !strings.Contains(s, "case_opened") ||
		!strings.Contains(s, "invoice, bill") || !strings.Contains(s, "Check the payments first.") {
		t.Fatalf("the list reads:\n%s", s)
	}
	bg := context.Background()
	cust, err := d.Svc.CreateCustomer(bg, desk.SystemActor(), desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.ee"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := d.Svc.OpenCase(bg, desk.SystemActor(), desk.NewCase{CustomerID: cust.ID, Subject: "My bill", Body: "Charged twice.", Channel: "web", OwnerID: d.Admin.ID})
	if err != nil {
		t.Fatal(err)
	}
	run(t, ctx, "the case shows the automation's note",
		chromedp.Navigate(d.URL+"/cases/"+idStr(c.ID)),
		chromedp.WaitVisible(chromedp.CSS(`main`)),
	)
	if s := text(t, ctx); !strings.Contains(s, "Check the payments first.") || !strings.Contains(s, "automation: Invoice desk") {
		t.Fatalf("the case page reads:\n%s", s)
	}
	run(t, ctx, "turn it off and remove it",
		chromedp.Navigate(d.URL+"/settings/automations"),
		chromedp.Click(chromedp.CSS(`button.auto-off`)),
		chromedp.WaitVisible(chromedp.CSS(`button.auto-on`)),
		chromedp.Click(chromedp.CSS(`button.auto-delete`)),
		chromedp.WaitVisible(chromedp.CSS(`#automations-none`)),
	)
	if got := dialogs(); len(got) > 0 {
		t.Fatalf("dialogs opened: %v", got)
	}
}

// The shipped examples (issue 17) are on the automations page, turned off; an admin switches
// the invoice example on from its row and a new case about an "arve" is tagged invoice, by it.
func TestBrowserShippedAutomations(t *testing.T) {
	d := newDesk(t, "sqlite")
	bg := context.Background()
	if err := d.Svc.EnsureShippedAutomations(bg); err != nil {
		t.Fatal(err)
	}
	ctx, dialogs := chrome(t)
	signInChrome(t, ctx, d, "admin@example.com", adminPassword)
	run(t, ctx, "open the automations page",
		chromedp.Navigate(d.URL+"/settings/automations"),
		chromedp.WaitVisible(chromedp.CSS(`#automations`)),
	)
	s := get(t, ctx, "read the list", chromedp.Text(chromedp.CSS(`#automations`)))
	for _, want := range []string{"Remind a customer after 3 business days", "waiting on the customer 3 business days", "we are waiting for your answer",
		"Tell the customer an unconfirmed resolution is closed", "Tag and route invoices", "Add tags: invoice", "invoice, arve, račun"} {
		if !strings.Contains(s, want) {
			t.Errorf("the list lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "auto.") || strings.Count(s, "Off") < 3 {
		t.Fatalf("the list reads:\n%s", s)
	}
	rules, err := d.Svc.Automations(bg, desk.AgentActor(d.Admin))
	if err != nil {
		t.Fatal(err)
	}
	row := ""
	for _, a := range rules {
		if a.Name == "Tag and route invoices" {
			row = `tr[data-automation="` + idStr(a.ID) + `"] `
		}
	}
	run(t, ctx, "switch the invoice example on",
		chromedp.Click(chromedp.CSS(row+`button.auto-on`)),
		chromedp.WaitVisible(chromedp.CSS(row+`button.auto-off`)),
	)
	cust, err := d.Svc.CreateCustomer(bg, desk.SystemActor(), desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.ee", Lang: "et"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := d.Svc.OpenCase(bg, desk.SystemActor(), desk.NewCase{CustomerID: cust.ID, Subject: "Küsimus", Body: "Novembri arve on topelt.", Channel: "web", OwnerID: d.Admin.ID})
	if err != nil {
		t.Fatal(err)
	}
	v, err := d.Svc.Case(bg, desk.SystemActor(), c.ID)
	if err != nil || len(v.Tags) != 1 || v.Tags[0] != "invoice" {
		t.Fatalf("the case's tags: %v (%v)", v.Tags, err)
	}
	run(t, ctx, "the case shows the tag by the automation",
		chromedp.Navigate(d.URL+"/cases/"+idStr(c.ID)),
		chromedp.WaitVisible(chromedp.CSS(`main`)),
	)
	if s := text(t, ctx); !strings.Contains(s, "invoice") || !strings.Contains(s, "automation: Tag and route invoices") {
		t.Fatalf("the case page reads:\n%s", s)
	}
	if got := dialogs(); len(got) > 0 {
		t.Fatalf("dialogs opened: %v", got)
	}
}

// Routing on references found (issue 16), set up in the form: a rule on a parcel's tracking
// code makes a case whose mail names one urgent, and the list says what the rule asks for;
// a case that only speaks of a parcel is left as it was.
func TestBrowserAutomationOnReferences(t *testing.T) {
	d := newDesk(t, "sqlite")
	ctx, dialogs := chrome(t)
	signInChrome(t, ctx, d, "admin@example.com", adminPassword)
	run(t, ctx, "set up a rule on a tracking code found",
		chromedp.Navigate(d.URL+"/settings/automations"),
		chromedp.WaitVisible(chromedp.CSS(`#auto-form`)),
		chromedp.SetValue(chromedp.CSS(`#auto-form input[name=name]`), "Parcels first"),
		chromedp.SetValue(chromedp.CSS(`#auto-form select[name=event]`), "case_opened"),
		chromedp.SetValue(chromedp.CSS(`#auto-form select[name=refs]`), "tracking"),
		chromedp.SetValue(chromedp.CSS(`#auto-form select[name=do]`), "set_priority"),
		chromedp.SetValue(chromedp.CSS(`#auto-form select[name=priority]`), "urgent"),
		chromedp.Click(chromedp.CSS(`#auto-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#automations`)),
	)
	if s := get(t, ctx, "read the list", chromedp.Text(chromedp.CSS(`#automations`))); !strings.Contains(s, "A reference found in the mail: Parcel tracking code") {
		t.Fatalf("the list reads:\n%s", s)
	}
	bg := context.Background()
	cust, err := d.Svc.CreateCustomer(bg, desk.SystemActor(), desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.ee"})
	if err != nil {
		t.Fatal(err)
	}
	for body, want := range map[string]string{"Where is RR123456785EE?": desk.PriorityUrgent, "Where is my parcel?": desk.PriorityNormal} {
		c, err := d.Svc.OpenCase(bg, desk.SystemActor(), desk.NewCase{CustomerID: cust.ID, Subject: "Parcel", Body: body, Channel: "web", OwnerID: d.Admin.ID})
		if err != nil {
			t.Fatal(err)
		}
		if c.Priority != want {
			t.Errorf("%q: priority %s, want %s", body, c.Priority, want)
		}
	}
	if got := dialogs(); len(got) > 0 {
		t.Fatalf("dialogs opened: %v", got)
	}
}
