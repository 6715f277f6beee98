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
