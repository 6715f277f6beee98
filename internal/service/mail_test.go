package service_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/jobs"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

func eml(lines ...string) []byte { return []byte(strings.Join(lines, "\r\n") + "\r\n") }

// TestMailThreading files each client's way of replying to the right case: the desk's signed
// Message-ID and reply address, Outlook's Thread-Index without References, Apple Mail's
// rewritten References, a case ref in the subject — and keeps strangers and forwards out.
func TestMailThreading(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		st := storetest.Open(t, backend)
		svc := service.New(st, clock.NewFake(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)), slog.New(slog.DiscardHandler),
			service.WithMail(service.MailConfig{Address: "support@desk.test", Outbound: true}))
		must(svc.CreateAgent(ctx, desk.SystemActor(), desk.NewAgent{Name: "Ann", Email: "ann@desk.test", Role: "agent"}))
		receive := func(raw []byte) service.MailResult {
			t.Helper()
			// Each sends from its own server: the envelope is the From: address.
			return must(svc.ReceiveMail(ctx, mail.Delivery{From: envelopeOf(raw), To: []string{"support@desk.test"}, Raw: raw}))
		}
		first := receive(eml("From: Mari Kask <mari@example.ee>", "To: support@desk.test", "Subject: Router broken",
			"Message-ID: <m1@example.ee>", "Thread-Index: "+threadIndex(0), "", "My router is broken."))
		if !first.Created {
			t.Fatal("the first mail did not open a case")
		}
		c := first.CaseID
		ref := desk.CaseRef(c)
		// The desk's reply goes to the outbox with a signed Message-ID and reply address.
		must(svc.AddMessage(ctx, desk.SystemActor(), c, desk.NewMessage{Body: "We are on it."}))
		var out []store.OutMail
		out = outbox(t, st, c)
		var deskID string
		for _, m := range out {
			if strings.Contains(string(m.Raw), "We are on it.") {
				deskID = m.MessageID
			}
		}
		if deskID == "" {
			t.Fatalf("the reply is not in the outbox: %d mails", len(out))
		}
		var replyTo string
		for _, line := range strings.Split(string(out[len(out)-1].Raw), "\r\n") {
			if strings.HasPrefix(strings.ToLower(line), "reply-to:") {
				replyTo = strings.Trim(strings.TrimSpace(line[len("reply-to:"):]), "<>")
			}
		}

		for _, tc := range []struct {
			name  string
			raw   []byte
			joins bool
			flag  string
		}{
			{"a reply to the desk's Message-ID", eml("From: mari@example.ee", "To: support@desk.test", "Subject: Re: something else",
				"Message-ID: <m2@example.ee>", "In-Reply-To: <"+deskID+">", "", "Thanks!"), true, ""},
			{"Outlook: Thread-Index, no References", eml("From: mari@example.ee", "To: support@desk.test", "Subject: RE: Router broken",
				"Message-ID: <m3@example.ee>", "Thread-Index: "+threadIndex(5), "", "Still broken."), true, ""},
			{"Apple Mail: References rewritten to her own mail", eml("From: mari@example.ee", "To: support@desk.test", "Subject: Re: Router",
				"Message-ID: <m4@example.ee>", "References: <m1@example.ee>", "", "Any news?"), true, ""},
			{"the case ref in the subject, from the customer", eml("From: mari@example.ee", "To: support@desk.test", "Subject: About "+ref,
				"Message-ID: <m5@example.ee>", "", "Following up."), true, ""},
			{"the reply address from her second address", eml("From: Mari at work <mari.kask@work.example>", "To: "+replyTo, "Subject: Re: Router",
				"Message-ID: <m6@work.example>", "", "Writing from work."), true, desk.FlagUnverifiedSender},
			{"a stranger naming the case", eml("From: eve@example.com", "To: support@desk.test", "Subject: Re: ["+ref+"]",
				"Message-ID: <e1@example.com>", "References: <m1@example.ee>", "", "Show me."), false, ""},
			{"a stranger forwarding her mail", eml("From: bob@example.com", "To: support@desk.test", "Subject: Fwd: Router broken",
				"Message-ID: <b1@example.com>", "In-Reply-To: <m1@example.ee>", "", "---------- Forwarded message ---------", "My router is broken."), false, ""},
			{"a forged desk Message-ID", eml("From: eve@example.com", "To: support@desk.test", "Subject: Re: hi",
				"Message-ID: <e2@example.com>", "In-Reply-To: <"+forge(deskID)+">", "", "Agent reply, trust me."), false, ""},
			{"Reply-To does not make a stranger the customer", eml("From: eve@example.com", "Reply-To: mari@example.ee", "To: support@desk.test",
				"Subject: "+ref, "Message-ID: <e3@example.com>", "", "Hi."), false, ""},
		} {
			res := receive(tc.raw)
			if joined := res.CaseID == c; joined != tc.joins {
				t.Errorf("%s: went to %s, want joined=%v", tc.name, desk.CaseRef(res.CaseID), tc.joins)
			}
			if tc.flag != "" {
				if v := must(svc.Case(ctx, desk.SystemActor(), c)); !strings.Contains(strings.Join(v.Flags, ","), tc.flag) {
					t.Errorf("%s: flags %v, want %s", tc.name, v.Flags, tc.flag)
				}
			}
		}
		// An unverified sender is never mailed the case's details: replies go to the customer only.
		must(svc.AddMessage(ctx, desk.SystemActor(), c, desk.NewMessage{Body: "Second reply."}))
		out = outbox(t, st, c)
		for _, m := range out {
			if m.To != "mari@example.ee" {
				t.Errorf("a mail of the case went to %s", m.To)
			}
		}
		// An out-of-office answer is stored but never answered automatically.
		auto := receive(eml("From: jaan@example.ee", "To: support@desk.test", "Subject: Automatic reply: hello", "Auto-Submitted: auto-replied",
			"Message-ID: <a1@example.ee>", "", "I am away until Monday."))
		out = outbox(t, st, auto.CaseID)
		if len(out) != 0 {
			t.Errorf("the desk answered an auto-reply with %d mails", len(out))
		}
	})
}

// envelopeOf is the address in a test mail's From: line.
func envelopeOf(raw []byte) string {
	for _, line := range strings.Split(string(raw), "\r\n") {
		if v, ok := strings.CutPrefix(line, "From: "); ok {
			if i := strings.LastIndex(v, "<"); i >= 0 {
				v = strings.TrimSuffix(v[i+1:], ">")
			}
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func outbox(t *testing.T, st *store.Store, caseID int64) []store.OutMail {
	t.Helper()
	return storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) ([]store.OutMail, error) { return tx.Outbox(ctx, caseID) })
}

// threadIndex is an Outlook Thread-Index: a 22-byte conversation header, plus 5 bytes per reply.
func threadIndex(extra int) string {
	b := make([]byte, 22+extra)
	for i := range b {
		b[i] = byte(7*i + 1)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// forge changes the signature of a desk Message-ID.
func forge(id string) string {
	at := strings.LastIndex(id, "@")
	b := []byte(id)
	if b[at-1] == 'a' {
		b[at-1] = 'b'
	} else {
		b[at-1] = 'a'
	}
	return fmt.Sprint(string(b))
}

// TestReminderMail: a promise's reminder reaches its owner's inbox through the outbox.
func TestReminderMail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		st := storetest.Open(t, backend)
		clk := clock.NewFake(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
		svc := service.New(st, clk, slog.New(slog.DiscardHandler), service.WithMail(service.MailConfig{Address: "support@desk.test", Outbound: true}))
		always := map[string][]string{}
		for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
			always[d] = []string{"00:00-24:00"}
		}
		ann := must(svc.CreateAgent(ctx, desk.SystemActor(), desk.NewAgent{Name: "Ann", Email: "ann@desk.test", Role: "agent", Hours: always}))
		cu := must(svc.CreateCustomer(ctx, desk.SystemActor(), desk.NewCustomer{Name: "Mari", Phone: "+372 5555 1234"}))
		c := must(svc.OpenCase(ctx, desk.SystemActor(), desk.NewCase{CustomerID: cu.ID, Subject: "Call me", Body: "Please call.", Channel: "phone", OwnerID: ann.ID}))
		must(svc.MakePromise(ctx, desk.AgentActor(ann), c.ID, desk.NewPromise{Kind: "callback", DueAt: clk.Now().Add(2 * time.Hour), Words: "I call you at noon"}))
		clk.Advance(61 * time.Minute)
		if _, err := jobs.NewRunner(st, clk, slog.New(slog.DiscardHandler), svc.Handlers()).RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		var out []store.OutMail
		out = outbox(t, st, c.ID)
		if len(out) != 1 || out[0].To != "ann@desk.test" || !strings.Contains(string(out[0].Raw), "I call you at noon") || !out[0].Automatic {
			t.Errorf("outbox %+v, want one automatic reminder to Ann", out)
		}
	})
}
