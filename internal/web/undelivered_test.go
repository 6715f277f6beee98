package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// Issue 20, finding 2, on the case page: a mail the relay refused shows on the case as not
// delivered, in the reader's words, with the relay's answer and a button for the owner to
// send it again; a colleague sees the entry but no button.
func TestUndeliveredMailOnTheCasePage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		d, ann, c := routerCase(t, backend, "Please restart it once.")
		caseAgent(t, d, "Bob Kask", "bob@example.com", "Care")
		mails, err := d.Svc.CaseOutbox(ctx, desk.AgentActor(ann), c.ID)
		if err != nil || len(mails) == 0 {
			t.Fatalf("outbox %v, %v", mails, err)
		}
		last := mails[len(mails)-1]
		box := d.Svc.Outbox("test")
		if _, err := box.Claim(ctx, nil, d.Clock.Now(), 60e9, 100); err != nil {
			t.Fatal(err)
		}
		if err := box.Failed(ctx, last.ID, mail.Failure{Reason: "554 5.7.1 relay access denied", Final: true}); err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("/cases/%d", c.ID)
		bob := d.browser()
		bob.signIn("bob@example.com", casePassword)
		p := bob.get(path)
		p.mustContain(t, "Not delivered", "The mail to mari@example.ee was refused by the mail server", "554 5.7.1 relay access denied")
		p.caseMustLack(t, "Send it again")
		b := d.browser()
		b.signIn("ann@example.com", casePassword)
		b.get(path).mustContain(t, "Send it again")
		r := b.post(fmt.Sprintf("%s/outbox/%d/resend", path, last.ID), nil)
		if r.Status != http.StatusSeeOther {
			t.Fatalf("send again: %d\n%s", r.Status, r.Body)
		}
		b.get(r.Location).mustContain(t, "The mail goes out again", "Sent again: the mail to mari@example.ee")
		if mails, _ = d.Svc.CaseOutbox(ctx, desk.AgentActor(ann), c.ID); mails[len(mails)-1].State != "pending" {
			t.Errorf("the mail after sending again: %+v", mails[len(mails)-1])
		}
	})
}

// A mail the mail server puts off is retried by itself, and a reply to the same address waits
// behind it: the case page showed neither until the mail failed for good (the API's outbox
// alone said what a mail waits for). Now it says both, in the reader's language, with the
// server's answer and a link to each mail's entry; once the relay takes them, nothing.
func TestHeldUpMailOnTheCasePage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		d, _, c := routerCase(t, backend, "Please restart it once.", "And tell me the colour after.")
		b := d.browser()
		b.signIn("ann@example.com", casePassword)
		path := fmt.Sprintf("/cases/%d", c.ID)
		b.get(path).caseMustLack(t, "held-up")

		box := d.Svc.Outbox("test")
		claimed, err := box.Claim(ctx, nil, d.Clock.Now(), 60e9, 100)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claimed %d mails (%v), want the first reply alone (the second waits for it)", len(claimed), err)
		}
		if err := box.Failed(ctx, claimed[0].ID, mail.Failure{Reason: "451 4.7.1 greylisted, try again later", RetryAt: d.Clock.Now().Add(600e9)}); err != nil {
			t.Fatal(err)
		}
		p := b.get(path)
		p.mustContain(t, "The mail to mari@example.ee is not delivered yet: the mail server put it off (attempts so far: 1).",
			"451 4.7.1 greylisted, try again later",
			"The mail to mari@example.ee is not sent yet: it waits for an earlier mail to the same address",
			`<a href="#e2">Which mail</a>`, `<a href="#e3">Which mail</a>`)
		b.post("/lang", url.Values{"lang": {"hr"}, "next": {path}})
		b.get(path).mustContain(t, "Poruka za mari@example.ee još nije isporučena", "čeka raniju poruku na istu adresu")

		// The relay takes both: nothing is held up any more.
		d.Clock.Advance(601e9)
		again, err := box.Claim(ctx, nil, d.Clock.Now(), 60e9, 100)
		if err != nil || len(again) != 1 {
			t.Fatalf("claimed %d mails again (%v), want the first reply", len(again), err)
		}
		rest, err := box.Claim(ctx, []int64{again[0].ID}, d.Clock.Now(), 60e9, 100)
		if err != nil || len(rest) != 1 {
			t.Fatalf("claimed %d mails after the first was sent (%v), want the second reply", len(rest), err)
		}
		if _, err := box.Claim(ctx, []int64{rest[0].ID}, d.Clock.Now(), 60e9, 100); err != nil {
			t.Fatal(err)
		}
		b.get(path).caseMustLack(t, "held-up")
	})
}

// routerCase is a desk that mails customers, with Ann (of Care) and her case from Mari Mets
// (mari@example.ee), "Router", to which Ann has replied with each of replies.
func routerCase(t *testing.T, backend string, replies ...string) (*testDesk, desk.Agent, service.CaseView) {
	t.Helper()
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
	for _, body := range replies {
		if _, err := d.Svc.AddMessage(ctx, desk.AgentActor(ann), c.ID, desk.NewMessage{Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	return d, ann, c
}
