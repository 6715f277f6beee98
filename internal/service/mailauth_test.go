package service_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// mailDesk is a desk that mails customers, with Ann (agent) under Mia (manager), and Hugo its admin.
type mailDesk struct {
	svc            *service.Service
	st             *store.Store
	ann, mia, hugo desk.Agent
}

func newMailDesk(t *testing.T, backend string) *mailDesk {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, backend)
	svc := service.New(st, clock.NewFake(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)), slog.New(slog.DiscardHandler),
		service.WithMail(service.MailConfig{Address: "support@desk.test", Outbound: true}))
	sys := desk.SystemActor()
	d := &mailDesk{svc: svc, st: st}
	d.hugo = must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Hugo Admin", Email: "hugo@desk.test", Role: "admin"}))
	d.mia = must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Mia Manager", Email: "mia@desk.test", Role: "manager", ManagerID: d.hugo.ID}))
	d.ann = must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ann Agent", Email: "ann@desk.test", Role: "agent", ManagerID: d.mia.ID}))
	return d
}

// receive delivers raw with the given envelope sender over loopback (where SPF is not checked).
func (d *mailDesk) receive(t *testing.T, envelope string, raw []byte) service.MailResult {
	t.Helper()
	return must(d.svc.ReceiveMail(context.Background(), mail.Delivery{From: envelope, To: []string{"support@desk.test"}, Raw: raw}))
}

func (d *mailDesk) outbox(t *testing.T, caseID int64) []store.OutMail {
	t.Helper()
	return outbox(t, d.st, caseID)
}

func hasFlag(v service.CaseView, f string) bool { return slices.Contains(v.Flags, f) }

// TestForgedFromJoinsNoCase (issue 13, finding 7): a mail with Mari's address in From:, sent by
// someone else (the envelope is the attacker's, no DKIM signature of Mari's domain), naming her
// case in the subject, is kept on her case flagged unverified_sender, but not as her words: she
// does not see it in the portal, it does not count as her contact and escalates nothing.
func TestForgedFromJoinsNoCase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		d := newMailDesk(t, backend)
		first := d.receive(t, "mari@example.ee", eml("From: Mari Kask <mari@example.ee>", "To: support@desk.test", "Subject: Router broken",
			"Message-ID: <m1@example.ee>", "Date: Mon, 23 Nov 2026 09:00:00 +0000", "", "My router is broken."))
		c := must(d.svc.Case(ctx, desk.SystemActor(), first.CaseID))
		if hasFlag(c, desk.FlagUnverifiedSender) {
			t.Fatalf("Mari's own first mail is flagged: %v", c.Flags)
		}
		for i, id := range []string{"<f1@attacker.test>", "<f2@attacker.test>"} {
			res := d.receive(t, "eve@attacker.test", eml("From: Mari Kask <mari@example.ee>", "To: support@desk.test",
				"Subject: Re: ["+c.Ref+"] change of bank account", "Message-ID: "+id, "", "Please refund to IBAN EE00 6666 FORGED."))
			if res.CaseID != c.ID {
				t.Errorf("forged mail %d went to %s, want kept on %s", i, desk.CaseRef(res.CaseID), c.Ref)
			}
		}
		after := must(d.svc.Case(ctx, desk.SystemActor(), c.ID))
		if !hasFlag(after, desk.FlagUnverifiedSender) {
			t.Errorf("the case is not flagged unverified_sender: %v", after.Flags)
		}
		if after.Rung != 0 {
			t.Errorf("forged mails escalated the case to rung %d", after.Rung)
		}
		// The desk sees them, marked; Mari does not see them as hers.
		staff := must(d.svc.Record(ctx, desk.AgentActor(d.ann), c.ID))
		forged := 0
		for _, e := range staff {
			if strings.Contains(e.Body, "FORGED") {
				forged++
				if !e.Internal || !strings.Contains(string(e.Data), `"unverified_sender":true`) || !strings.Contains(string(e.Data), `"verified":false`) {
					t.Errorf("forged entry internal=%v data %s", e.Internal, e.Data)
				}
			}
		}
		if forged != 2 {
			t.Errorf("the desk's record shows %d forged mails, want 2", forged)
		}
		mari := desk.Actor{Kind: desk.ActorCustomer, ID: c.CustomerID, Name: "Mari Kask"}
		portal := must(d.svc.PortalCase(ctx, mari, c.ID))
		for _, e := range portal.Record {
			if strings.Contains(e.Body, "FORGED") {
				t.Errorf("Mari's portal shows the forged mail as %s by %s", e.Kind, e.Actor.Name)
			}
		}
		// Mari's own reply (her envelope) still joins as her words and counts as a contact.
		d.receive(t, "mari@example.ee", eml("From: mari@example.ee", "To: support@desk.test", "Subject: Re: ["+c.Ref+"]",
			"Message-ID: <m2@example.ee>", "", "Any news? GENUINE"))
		if v := must(d.svc.Case(ctx, desk.SystemActor(), c.ID)); v.Rung != 1 {
			t.Errorf("Mari's second contact left the case on rung %d, want 1 (repeat contacts: 2)", v.Rung)
		}
		portal = must(d.svc.PortalCase(ctx, mari, c.ID))
		if !slices.ContainsFunc(portal.Record, func(e desk.Entry) bool { return strings.Contains(e.Body, "GENUINE") }) {
			t.Error("Mari's own reply is not on her portal")
		}
	})
}

var subjectLine = regexp.MustCompile(`(?m)^Subject: (.*)\r$`)

// TestNoAutomaticMailToUnverifiedSender (issue 13, finding 6): anyone could make the desk mail a
// victim words of their choosing: a mail with the victim in From: opened a case, and the
// introduction went to the victim repeating the subject. A sender the desk never wrote to who
// fails the checks gets no automatic mail; automatic mail on a case an unverified mail opened
// never repeats its subject or the sender's display name.
func TestNoAutomaticMailToUnverifiedSender(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newMailDesk(t, backend)
		spam := d.receive(t, "bulk@spam.test", eml(`From: "Cheap pills at evil.example" <victim@example.org>`, "To: support@desk.test",
			"Subject: Cheap pills at http://evil.example", "Message-ID: <s1@spam.test>", "", "Buy now."))
		if !spam.Created {
			t.Fatal("the spam did not open a case (it should be kept, for an agent to see)")
		}
		if out := d.outbox(t, spam.CaseID); len(out) != 0 {
			t.Errorf("the desk mailed a stranger who failed the checks %d times: %s", len(out), out[0].Raw)
		}
		// A sender who passes the checks is introduced as before.
		real := d.receive(t, "jaan@example.ee", eml("From: Jaan <jaan@example.ee>", "To: support@desk.test", "Subject: Invoice question",
			"Message-ID: <j1@example.ee>", "", "Why is my invoice higher?"))
		out := d.outbox(t, real.CaseID)
		if len(out) != 1 || !strings.Contains(string(out[0].Raw), "Invoice question") {
			t.Fatalf("a verified new sender's introduction: %d mails", len(out))
		}
		// Someone the desk has written to, forged: introduced, but without the forged subject or name.
		forged := d.receive(t, "eve@attacker.test", eml(`From: "Jaan, visit evil.example" <jaan@example.ee>`, "To: support@desk.test",
			"Subject: Claim your prize at http://evil.example", "Message-ID: <e1@attacker.test>", "", "Click."))
		out = d.outbox(t, forged.CaseID)
		if len(out) != 1 {
			t.Fatalf("the forged case of a known customer: %d automatic mails, want the introduction", len(out))
		}
		if strings.Contains(string(out[0].Raw), "evil.example") {
			t.Errorf("automatic mail repeats the forged sender's words: %s", out[0].Raw)
		}
		if s := subjectLine.FindSubmatch(out[0].Raw); s == nil || string(s[1]) != "Your case "+desk.CaseRef(forged.CaseID) {
			t.Errorf("the introduction's subject: %q", s)
		}
	})
}

// TestMailFromTheDeskItself (issue 13, finding 12): mail whose From: is the desk's own address or
// an active agent's (a loop, an agent forwarding from their mailbox, a forgery) never becomes a
// customer: it is kept byte for byte, opens no case, and the admins are told.
func TestMailFromTheDeskItself(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		d := newMailDesk(t, backend)
		for _, tc := range []struct{ envelope, from string }{
			{"support@desk.test", "Customer care <support@desk.test>"},
			{"support+k1.abc@desk.test", "support+k1.abc@desk.test"},
			{"ann@desk.test", "Ann Agent <Ann@Desk.Test>"},
		} {
			raw := eml("From: "+tc.from, "To: support@desk.test", "Subject: Fwd: from a customer", "Message-ID: <"+tc.envelope+"-1@desk.test>",
				"", "Forwarded by hand.")
			res := d.receive(t, tc.envelope, raw)
			if res.CaseID != 0 || res.Created {
				t.Errorf("mail from %s opened or joined %s", tc.from, desk.CaseRef(res.CaseID))
			}
			m := must(d.svc.Mail(ctx, desk.AgentActor(d.hugo), res.MailID))
			if string(m.Raw) != string(raw) {
				t.Errorf("mail from %s not kept byte for byte", tc.from)
			}
			n := storetest.Read(t, d.st, func(ctx context.Context, tx *store.Tx) (int, error) {
				_, err := tx.CustomerAt(ctx, desk.Contact{Kind: desk.ContactEmail, Value: strings.ToLower(tc.envelope)})
				if store.IsNotFound(err) {
					return 0, nil
				}
				return 1, err
			})
			if n != 0 {
				t.Errorf("mail from %s made a customer of it", tc.from)
			}
		}
		notes := must(d.svc.Notifications(ctx, desk.AgentActor(d.hugo)))
		unfiled := 0
		for _, n := range notes {
			if n.Kind == "mail_unfiled" {
				unfiled++
			}
		}
		if unfiled != 3 {
			t.Errorf("the admin has %d notifications of unfiled mail, want 3: %+v", unfiled, notes)
		}
		// Ann (an agent, not an admin) may not read an unfiled mail.
		if _, err := d.svc.Mail(ctx, desk.AgentActor(d.ann), 1); !isNotFound(err) {
			t.Errorf("an agent reading an unfiled mail: %v, want not found", err)
		}
	})
}

// TestSignedMailThroughAnotherServer: a customer's mail sent through someone else's servers (a
// mailing service, whose envelope is its own) is hers when a DKIM signature of her domain
// verifies, through the resolver the desk is given.
func TestSignedMailThroughAnotherServer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			t.Fatal(err)
		}
		signer, err := mail.NewDKIM(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), "example.ee", "s1")
		if err != nil {
			t.Fatal(err)
		}
		dns := mail.Records{TXT: map[string][]string{"s1._domainkey.example.ee": {"v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)}}}
		st := storetest.Open(t, backend)
		svc := service.New(st, clock.NewFake(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)), slog.New(slog.DiscardHandler),
			service.WithMail(service.MailConfig{Address: "support@desk.test", Auth: &mail.Authenticator{Resolver: dns}}))
		must(svc.CreateAgent(ctx, desk.SystemActor(), desk.NewAgent{Name: "Ann", Email: "ann@desk.test", Role: "agent"}))
		first := must(svc.ReceiveMail(ctx, mail.Delivery{From: "mari@example.ee", Raw: eml("From: Mari <mari@example.ee>", "To: support@desk.test",
			"Subject: Router", "Message-ID: <m1@example.ee>", "Date: Mon, 23 Nov 2026 09:00:00 +0000", "", "Broken.")}))
		ref := desk.CaseRef(first.CaseID)
		reply := func(body string) []byte {
			return eml("From: Mari <mari@example.ee>", "To: support@desk.test", "Subject: Re: "+ref, "Message-ID: <"+body+"@example.ee>",
				"Date: Mon, 23 Nov 2026 10:00:00 +0000", "", body)
		}
		signed, err := signer.Sign(reply("SIGNED"))
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			raw     []byte
			word    string
			visible bool
		}{{signed, "SIGNED", true}, {reply("UNSIGNED"), "UNSIGNED", false}} {
			res := must(svc.ReceiveMail(ctx, mail.Delivery{From: "bounce-123@esp.test", Raw: tc.raw}))
			if res.CaseID != first.CaseID {
				t.Errorf("%s: went to %s", tc.word, desk.CaseRef(res.CaseID))
			}
			rec := must(svc.Record(ctx, desk.Actor{Kind: desk.ActorCustomer, ID: must(svc.Case(ctx, desk.SystemActor(), first.CaseID)).CustomerID}, first.CaseID))
			seen := slices.ContainsFunc(rec, func(e desk.Entry) bool { return strings.Contains(e.Body, tc.word) })
			if seen != tc.visible {
				t.Errorf("%s mail through another server: Mari sees it %v, want %v", tc.word, seen, tc.visible)
			}
		}
	})
}
