package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/keptdesk/kept/internal/desk"
)

// The administration screens in a real browser: an admin follows the nav's Admin link, adds an
// agent with a lunch break, types an hour that does not exist and is told so with the text kept,
// sets a team's address and hours, adds a canned reply, and reads each change in the admin log.
func TestBrowserAdministration(t *testing.T) {
	d := newDesk(t, "sqlite")
	ctx, dialogs := chrome(t)
	signInChrome(t, ctx, d, "admin@example.com", adminPassword)

	run(t, ctx, "open the administration from the nav",
		chromedp.Click(chromedp.CSS(`nav.main a[href="/admin"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#new-agent-form`)),
	)
	run(t, ctx, "add an agent with a lunch break",
		chromedp.SendKeys(chromedp.CSS(`#new-agent-form input[name=name]`), "Bea Billing"),
		chromedp.SendKeys(chromedp.CSS(`#new-agent-form input[name=email]`), "bea@desk.test"),
		chromedp.SendKeys(chromedp.CSS(`#new-agent-form input[name=team]`), "Billing"),
		chromedp.SetValue(chromedp.CSS(`#new-agent-form input[name=timezone]`), "Europe/Tallinn"),
		chromedp.SetValue(chromedp.CSS(`#new-agent-form input[name=mon]`), "09:00-12:00, 12:30-17:00"),
		chromedp.Click(chromedp.CSS(`#new-agent-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#agent-form`)),
	)
	if s := text(t, ctx); !strings.Contains(s, "The agent was added") || !strings.Contains(s, "bea@desk.test") {
		t.Fatalf("after adding the agent:\n%s", s)
	}
	run(t, ctx, "type an hour that does not exist",
		chromedp.SetValue(chromedp.CSS(`#agent-form input[name=tue]`), "09:00-25:00"),
		chromedp.Click(chromedp.CSS(`#agent-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#admin-error`)),
	)
	msg := get(t, ctx, "read the error", chromedp.Text(chromedp.CSS(`#admin-error`)))
	if !strings.Contains(msg, "Tuesday") || !strings.Contains(msg, "09:00-25:00") {
		t.Fatalf("the error says %q", msg)
	}
	if v := get(t, ctx, "read the field", chromedp.Value(chromedp.CSS(`#agent-form input[name=tue]`))); v != "09:00-25:00" {
		t.Fatalf("the typed text was not kept: %q", v)
	}
	if v := get(t, ctx, "read Monday", chromedp.Value(chromedp.CSS(`#agent-form input[name=mon]`))); v != "09:00-12:00, 12:30-17:00" {
		t.Fatalf("Monday was lost: %q", v)
	}

	run(t, ctx, "set the team's address and hours",
		chromedp.Click(chromedp.CSS(`.admin-tabs a[href="/admin/teams"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#teams`)),
		chromedp.Click(chromedp.CSS(`#teams a[href="/admin/teams/Billing"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#team-form`)),
		chromedp.SetValue(chromedp.CSS(`#team-form input[name=timezone]`), "Europe/Tallinn"),
		chromedp.SetValue(chromedp.CSS(`#team-form input[name=bh_mon]`), "08:00-16:00"),
		chromedp.SetValue(chromedp.CSS(`#team-form textarea[name=addresses]`), "billing@desk.test"),
		chromedp.Click(chromedp.CSS(`#team-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#admin-notice`)),
	)
	if v := get(t, ctx, "read the address", chromedp.Value(chromedp.CSS(`#team-form textarea[name=addresses]`))); v != "billing@desk.test" {
		t.Fatalf("the team's address after saving: %q", v)
	}

	run(t, ctx, "add a canned reply",
		chromedp.Click(chromedp.CSS(`.admin-tabs a[href="/admin/canned"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#canned-form`)),
		chromedp.SendKeys(chromedp.CSS(`#canned-form input[name=name]`), "Invoice"),
		chromedp.SendKeys(chromedp.CSS(`#canned-form textarea[name=body]`), "Dear {{customer.first_name}}, your invoice {{case.ref}} is corrected."),
		chromedp.Click(chromedp.CSS(`#canned-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#admin-notice`)),
	)
	run(t, ctx, "read the admin log",
		chromedp.Click(chromedp.CSS(`.admin-tabs a[href="/admin/log"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#admin-log`)),
	)
	log := get(t, ctx, "read the log", chromedp.Text(chromedp.CSS(`#admin-log`)))
	for _, want := range []string{"Agent added", "bea@desk.test", "Team settings changed", "billing@desk.test", "Canned reply added", "Ada Admin"} {
		if !strings.Contains(log, want) {
			t.Fatalf("the admin log lacks %q:\n%s", want, log)
		}
	}
	if got := dialogs(); len(got) > 0 {
		t.Fatalf("dialogs opened: %v", got)
	}
}

// A caller's case in a real browser: from the inbox's "New case", a new customer by phone, the
// case page opens with the caller's words as the original request.
func TestBrowserNewCaseForCaller(t *testing.T) {
	d := newDesk(t, "sqlite")
	ctx, dialogs := chrome(t)
	signInChrome(t, ctx, d, "admin@example.com", adminPassword)
	run(t, ctx, "open a case for a caller",
		chromedp.Click(chromedp.CSS(`#new-case`)),
		chromedp.WaitVisible(chromedp.CSS(`#newcase-form`)),
		chromedp.SetValue(chromedp.CSS(`#newcase-form input[name=name]`), "Ivo Ivić"), // SendKeys drops the ć
		chromedp.SendKeys(chromedp.CSS(`#newcase-form input[name=phone]`), "+385 91 555 0101"),
		chromedp.SendKeys(chromedp.CSS(`#newcase-form input[name=subject]`), "No dial tone"),
		chromedp.SendKeys(chromedp.CSS(`#newcase-form textarea[name=body]`), "My line is dead since Monday."),
		chromedp.Click(chromedp.CSS(`#newcase-form button[type=submit]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#newcase-form`)),
		// The case page, loaded: read before it is, the page's text can come from a document
		// being replaced ("No node with given id found", once in CI).
		chromedp.WaitReady(chromedp.CSS(`#original-h`)),
	)
	s := text(t, ctx)
	for _, want := range []string{"the caller is added as a new customer", "No dial tone", "My line is dead since Monday.", "Ivo Ivić"} {
		if !strings.Contains(s, want) {
			t.Fatalf("the case page does not show %q:\n%s", want, s)
		}
	}
	if got := dialogs(); len(got) > 0 {
		t.Fatalf("dialogs opened: %v", got)
	}
}

// Priority and tags in a real browser: set on the case page, shown there and in the inbox,
// which narrows to the tag.
func TestBrowserPriorityAndTags(t *testing.T) {
	d := newDesk(t, "sqlite")
	ctx0, sys := context.Background(), desk.SystemActor()
	cust, err := d.Svc.CreateCustomer(ctx0, sys, desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.ee"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := d.Svc.OpenCase(ctx0, sys, desk.NewCase{CustomerID: cust.ID, Subject: "Kettle leaks", Body: "It leaks.", Channel: "email", OwnerID: d.Admin.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Svc.OpenCase(ctx0, sys, desk.NewCase{CustomerID: cust.ID, Subject: "Toaster", Body: "It burns.", Channel: "email", OwnerID: d.Admin.ID}); err != nil {
		t.Fatal(err)
	}
	ctx, dialogs := chrome(t)
	signInChrome(t, ctx, d, "admin@example.com", adminPassword)
	run(t, ctx, "set the priority and tags",
		chromedp.Navigate(fmt.Sprintf("%s/cases/%d", d.URL, c.ID)),
		chromedp.WaitVisible(chromedp.CSS(`details.labels-edit summary`)),
		chromedp.Click(chromedp.CSS(`details.labels-edit summary`)),
		chromedp.WaitVisible(chromedp.CSS(`#labels-form select[name=priority]`)),
		chromedp.SetValue(chromedp.CSS(`#labels-form select[name=priority]`), "urgent"),
		chromedp.SendKeys(chromedp.CSS(`#labels-form input[name=tags]`), "refund, kettle"),
		chromedp.Click(chromedp.CSS(`#labels-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice.done`)),
	)
	if got := get(t, ctx, "read the priority", chromedp.Text(chromedp.CSS(`#case-priority`))); got != "Urgent" {
		t.Fatalf("the priority shows %q", got)
	}
	run(t, ctx, "follow the tag to the inbox",
		chromedp.Click(chromedp.CSS(`p.labels a.tag`)),
		chromedp.WaitVisible(chromedp.CSS(`table.inbox`)),
	)
	s := text(t, ctx)
	if !strings.Contains(s, "Kettle leaks") || !strings.Contains(s, "Urgent") || strings.Contains(s, "Toaster") {
		t.Fatalf("the inbox of the tag:\n%s", s)
	}
	if got := dialogs(); len(got) > 0 {
		t.Fatalf("dialogs opened: %v", got)
	}
}
