package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/service"
)

// TestBrowserTeamQueue: a mail to Billing on Saturday, when nobody of Billing works, is in the
// inbox's "Waiting for the team" list with nobody as its owner and the business time left on
// its response clock, and its case page says it waits for the team (issue 16).
func TestBrowserTeamQueue(t *testing.T) {
	d := newDesk(t, "sqlite", service.WithMail(service.MailConfig{Address: "care@desk.test"}))
	ctx := context.Background()
	d.Clock.Set(time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)) // a Saturday
	week := map[string][]string{"mon": {"09:00-17:00"}, "tue": {"09:00-17:00"}, "wed": {"09:00-17:00"}, "thu": {"09:00-17:00"}, "fri": {"09:00-17:00"}}
	bea, err := d.Svc.CreateAgent(ctx, desk.SystemActor(), desk.NewAgent{Name: "Bea Billing", Email: "bea@example.com", Role: "agent", Team: "Billing", Timezone: "UTC", Hours: week})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Svc.SetPassword(ctx, bea.ID, "bea's long password"); err != nil {
		t.Fatal(err)
	}
	zone, target := "UTC", 4*time.Hour
	if _, err := d.Svc.SetTeamSettings(ctx, desk.SystemActor(), "Billing", service.TeamSettingsIn{Addresses: []string{"billing@desk.test"},
		Timezone: &zone, BusinessHours: &week, ResponseTarget: &target}); err != nil {
		t.Fatal(err)
	}
	raw := []byte("From: Mari Mets <mari@example.ee>\r\nTo: billing@desk.test\r\nSubject: Invoice charged twice\r\nMessage-ID: <sat1@example.ee>\r\n\r\nPlease refund one.\r\n")
	res, err := d.Svc.ReceiveMail(ctx, mail.Delivery{From: "mari@example.ee", To: []string{"billing@desk.test"}, Raw: raw})
	if err != nil {
		t.Fatal(err)
	}

	cctx, dialogs := chrome(t)
	signInChrome(t, cctx, d, "bea@example.com", "bea's long password")
	run(t, cctx, "open the team's queue", chromedp.Navigate(d.URL+"/inbox"), chromedp.WaitVisible(chromedp.CSS(`nav.tabs`)),
		chromedp.Click(chromedp.Search(`//nav[contains(@class,"tabs")]/a[normalize-space()="Waiting for the team"]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.inbox`)))
	row := get(t, cctx, "read the queued case", chromedp.Text(chromedp.CSS(`table.inbox tbody tr`)))
	for _, want := range []string{desk.CaseRef(res.CaseID), "Invoice charged twice", "Nobody yet: waiting for the team", "4 hours of business time left to answer"} {
		if !strings.Contains(row, want) {
			t.Errorf("the queue's row reads %q; want %q in it", row, want)
		}
	}
	if cur := get(t, cctx, "read the current tab", chromedp.Text(chromedp.CSS(`nav.tabs a[aria-current=page]`))); cur != "Waiting for the team" {
		t.Errorf("the current tab is %q", cur)
	}
	run(t, cctx, "open the case", chromedp.Click(chromedp.CSS(`table.inbox tbody tr a.open`)), chromedp.WaitVisible(chromedp.CSS(`#case-queued`)))
	if head := get(t, cctx, "read the case head", chromedp.Text(chromedp.CSS(`header.casehead`))); !strings.Contains(head, "Nobody yet: waiting for the team") || !strings.Contains(head, "Billing") {
		t.Errorf("the case head of a queued case reads %q", head)
	}
	waitURL(t, cctx, "/cases/"+strconv.FormatInt(res.CaseID, 10))
	// The team page lists it too, for the team's lead and managers.
	b := d.browser()
	b.signIn("admin@example.com", adminPassword)
	b.get("/team?team=Billing").mustContain(t, `id="queued"`, desk.CaseRef(res.CaseID), "Invoice charged twice", "Mari Mets")
	// Bea takes it from the queue with one click: the case page opens with her as its owner, and
	// the queue is empty.
	run(t, cctx, "take the case from the queue", chromedp.Navigate(d.URL+"/inbox?scope=queue"), chromedp.WaitVisible(chromedp.CSS(`table.inbox`)),
		chromedp.Click(chromedp.CSS(`table.inbox tbody tr form.take button`)), chromedp.WaitNotPresent(chromedp.CSS(`#case-queued`)),
		chromedp.WaitVisible(chromedp.CSS(`header.casehead`)))
	waitURL(t, cctx, "/cases/"+strconv.FormatInt(res.CaseID, 10)+"?done=handover")
	if head := get(t, cctx, "read the taken case's head", chromedp.Text(chromedp.CSS(`header.casehead`))); !strings.Contains(head, "Bea Billing") || strings.Contains(head, "waiting for the team") {
		t.Errorf("the case head after taking it reads %q", head)
	}
	if c, err := d.Svc.Case(ctx, desk.SystemActor(), res.CaseID); err != nil || c.OwnerID != bea.ID {
		t.Errorf("after Take the case's owner is %d (%v), want Bea (%d)", c.OwnerID, err, bea.ID)
	}
	if got := dialogs(); len(got) > 0 {
		t.Fatalf("dialogs opened: %v", got)
	}
}
