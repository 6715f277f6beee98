package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// The desk tells its owner when a mail of their case was not delivered; the owner reads it on
// the notifications page in their language (Estonian here), with a link to the case, and marks
// it read. Failed before: notifications were written but no page of the desk showed them, so a
// person using the desk never read "your mail was not delivered" anywhere but on the case.
func TestNotificationsPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		d := newDesk(t, backend, service.WithMail(service.MailConfig{Address: "care@desk.test", Outbound: true}))
		ann := caseAgent(t, d, "Ann Tamm", "ann@example.com", "Care")
		cust, err := d.Svc.CreateCustomer(ctx, desk.SystemActor(), desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.ee"})
		if err != nil {
			t.Fatal(err)
		}
		c, err := d.Svc.OpenCase(ctx, desk.SystemActor(), desk.NewCase{CustomerID: cust.ID, Subject: "Router", Body: "It blinks red.", Channel: "web", OwnerID: ann.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Svc.AddMessage(ctx, desk.AgentActor(ann), c.ID, desk.NewMessage{Body: "Please restart it once."}); err != nil {
			t.Fatal(err)
		}
		mails, err := d.Svc.CaseOutbox(ctx, desk.AgentActor(ann), c.ID)
		if err != nil || len(mails) == 0 {
			t.Fatalf("outbox %v, %v", mails, err)
		}
		if err := d.Svc.Outbox("test").Failed(ctx, mails[len(mails)-1].ID, mail.Failure{Reason: "554 5.7.1 relay access denied", Final: true}); err != nil {
			t.Fatal(err)
		}

		b := d.browser()
		b.signIn("ann@example.com", casePassword)
		b.get("/inbox").mustContain(t, `href="/notifications"`)
		b.post("/lang", url.Values{"lang": {"et"}, "next": {"/notifications"}})
		p := b.get("/notifications")
		p.mustContain(t, "Teavitused", "1 lugemata", "Kiri jäi kohale toimetamata", fmt.Sprintf(`href="/cases/%d"`, c.ID), desk.CaseRef(c.ID),
			"554 5.7.1 relay access denied", `class="notif unread"`)
		r := b.post("/notifications/read", url.Values{"up_to": {"0"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("mark read: %d\n%s", r.Status, r.Body)
		}
		after := b.get(r.Location)
		after.mustContain(t, "Märgitud loetuks.", "Kõik on loetud.")
		if strings.Contains(after.Body, `class="notif unread"`) {
			t.Errorf("a notification is still unread after marking all read")
		}
		// Another agent reads only their own: Bob has none.
		caseAgent(t, d, "Bob Kask", "bob@example.com", "Care")
		bob := d.browser()
		bob.signIn("bob@example.com", casePassword)
		if page := bob.get("/notifications"); strings.Contains(page.Body, "relay access denied") {
			t.Errorf("Bob reads Ann's notification")
		}
	})
}
