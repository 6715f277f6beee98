package service

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestGroupCommit commits several mails in one transaction: a mail that fails in its
// savepoint spoils none of the others and is tried again alone; a retry of a mail in the same
// group is stored once; events are reported once per stored mail, after the commit.
func TestGroupCommit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		var mu sync.Mutex
		var events []Event
		st := storetest.Open(t, backend)
		s := New(st, clock.NewFake(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)), slog.New(slog.DiscardHandler),
			WithMail(MailConfig{Address: "support@desk.test"}),
			WithEvents(func(e Event) { mu.Lock(); events = append(events, e); mu.Unlock() }))
		if _, err := s.CreateAgent(ctx, desk.SystemActor(), desk.NewAgent{Name: "Ann", Email: "ann@desk.test", Role: "agent"}); err != nil {
			t.Fatal(err)
		}
		parse := func(i int, raw []byte) *mailJob {
			in, err := s.parseMail(ctx, mail.Delivery{From: "x@example.com", To: []string{"support@desk.test"}, Raw: raw})
			if err != nil {
				t.Fatalf("parse %d: %v", i, err)
			}
			return &mailJob{ctx: ctx, in: in, done: make(chan struct{})}
		}
		msg := func(i int) []byte {
			return fmt.Appendf(nil, "From: c%d@example.com\r\nTo: support@desk.test\r\nSubject: Order %d\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <g%d@example.com>\r\n\r\nWhere is my order?\r\n", i, i, i)
		}
		events = nil
		group := []*mailJob{parse(0, msg(0)), parse(1, msg(1)), parse(2, msg(2)), parse(3, msg(0))}
		// No raw bytes: the database refuses the row, inside this mail's savepoint only.
		group[1].in.d.Raw = nil
		long := parse(4, fmt.Appendf(nil, "From: long@example.com\r\nTo: support@desk.test\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\nSubject: %s\r\nMessage-ID: <long@example.com>\r\n\r\n%s\r\n",
			strings.Repeat("very long subject ", 40), strings.Repeat("x", 1<<20+10)))
		group = append(group, long)
		s.commitGroup(group)
		for i, j := range group {
			select {
			case <-j.done:
			default:
				t.Fatalf("mail %d not answered", i)
			}
		}
		if group[1].err == nil {
			t.Errorf("the mail without bytes was stored: %+v", group[1].res)
		}
		for _, i := range []int{0, 2, 4} {
			if j := group[i]; j.err != nil || j.res.MailID == 0 || !j.res.Created {
				t.Errorf("mail %d: %+v, %v", i, j.res, j.err)
			}
		}
		if j := group[3]; j.err != nil || !j.res.Duplicate || j.res.MailID != group[0].res.MailID {
			t.Errorf("the retry of mail 0 in the same group: %+v, %v", j.res, j.err)
		}
		opened := 0
		for _, e := range events {
			if e.CaseOpened {
				opened++
			}
		}
		if opened != 3 {
			t.Errorf("%d case-opened events, want 3: %+v", opened, events)
		}
		// The overlong mail is on the record, cut and flagged; the mail itself is kept whole.
		c, err := s.Case(ctx, desk.SystemActor(), long.res.CaseID)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Subject) > maxRecordSubject || !strings.HasPrefix(c.Subject, "very long subject") || !slices.Contains(c.Flags, "malformed_mail") {
			t.Errorf("overlong mail's case: subject %d bytes, flags %v", len(c.Subject), c.Flags)
		}
		m := storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) (desk.ReceivedMail, error) {
			return tx.Mail(ctx, long.res.MailID)
		})
		if len(m.Raw) < 1<<20 || len(m.Problems) != 2 {
			t.Errorf("overlong mail kept as %d bytes, problems %v", len(m.Raw), m.Problems)
		}

		// Many senders at once through ReceiveMail: every mail is stored once.
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for i := 10; i < 50; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := s.ReceiveMail(ctx, mail.Delivery{From: "x@example.com", Raw: msg(i % 30)}); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		n := storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) (int, error) {
			cases, err := tx.Cases(ctx, store.CaseFilter{Limit: 500})
			return len(cases), err
		})
		// 10..29 are new; 30..49 repeat 0..19, of which 0 and 2 are stored already and 10..19 in this run.
		if want := 3 + 20 + 8; n != want {
			t.Errorf("%d cases, want %d", n, want)
		}
	})
}

// groupDesk is a desk taking mail at support@desk.test, on a fake clock, with agents a0@desk.test
// and on.
func groupDesk(t *testing.T, backend string, agents int) (*store.Store, *Service) {
	t.Helper()
	st := storetest.Open(t, backend)
	s := New(st, clock.NewFake(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)), slog.New(slog.DiscardHandler),
		WithMail(MailConfig{Address: "support@desk.test"}))
	for i := range agents {
		a := desk.NewAgent{Name: fmt.Sprintf("Agent %d", i), Email: fmt.Sprintf("a%d@desk.test", i), Role: "agent"}
		if _, err := s.CreateAgent(context.Background(), desk.SystemActor(), a); err != nil {
			t.Fatal(err)
		}
	}
	return st, s
}

// groupJob is mail i from an address, parsed, as a group's job.
func groupJob(t *testing.T, s *Service, i int, from string) *mailJob {
	t.Helper()
	ctx := context.Background()
	raw := fmt.Appendf(nil, "From: %s\r\nTo: support@desk.test\r\nSubject: Order %d\r\nMessage-ID: <s%d@example.com>\r\n\r\nWhere is my order?\r\n", from, i, i)
	in, err := s.parseMail(ctx, mail.Delivery{From: from, To: []string{"support@desk.test"}, Raw: raw})
	if err != nil {
		t.Fatal(err)
	}
	return &mailJob{ctx: ctx, in: in, done: make(chan struct{})}
}

// TestGroupSenders files a group whose senders are read set-wise before its mails: a known
// customer's mail goes to them, two mails of one new sender make one customer, and after a
// mail that failed in its savepoint the rest still find (or make) their senders.
func TestGroupSenders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		st, s := groupDesk(t, backend, 1)
		sys := desk.SystemActor()
		known, err := s.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Kadri", Email: "kadri@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		job := func(i int, from string) *mailJob { return groupJob(t, s, i, from) }
		group := []*mailJob{job(0, "new@example.com"), job(1, "kadri@example.com"), job(2, "new@example.com"),
			job(3, "late@example.com"), job(4, "late@example.com"), job(5, "a0@desk.test")}
		group[3].in.d.Raw = nil // refused by the database, in its savepoint
		s.commitGroup(group)
		customerOf := func(j *mailJob) int64 {
			t.Helper()
			if j.err != nil || j.res.CaseID == 0 {
				t.Fatalf("mail %+v: %v", j.res, j.err)
			}
			c, err := s.Case(ctx, sys, j.res.CaseID)
			if err != nil {
				t.Fatal(err)
			}
			return c.CustomerID
		}
		if got := customerOf(group[1]); got != known.ID {
			t.Errorf("the known customer's mail went to customer %d, want %d", got, known.ID)
		}
		first, again := customerOf(group[0]), customerOf(group[2])
		if first == 0 || first == known.ID || again != first {
			t.Errorf("a new sender's two mails went to customers %d and %d, want one new customer", first, again)
		}
		if group[3].err == nil {
			t.Errorf("the mail without bytes was stored: %+v", group[3].res)
		}
		if late := customerOf(group[4]); late == 0 || late == first || late == known.ID {
			t.Errorf("the mail after the failed one went to customer %d", late)
		}
		if j := group[5]; j.err != nil || !j.res.Unfiled {
			t.Errorf("an agent's mail: %+v, %v; want it kept unfiled", j.res, j.err)
		}
		for _, addr := range []string{"new@example.com", "late@example.com"} {
			c := storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) (desk.Customer, error) {
				return tx.CustomerAt(ctx, desk.Contact{Kind: desk.ContactEmail, Value: addr})
			})
			if len(c.Contacts) != 1 {
				t.Errorf("customer at %s: %+v", addr, c)
			}
		}
	})
}

// TestGroupStatements counts the statements a group of mails from known customers costs: on
// PostgreSQL each is a round trip. Each mail looked its sender up (two statements) and read its
// new case's owner again (one), on top of storing the mail and opening the case.
func TestGroupStatements(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		st, s := groupDesk(t, backend, 4)
		const mails = 20
		var group []*mailJob
		for i := range mails {
			from := fmt.Sprintf("c%d@example.com", i)
			if _, err := s.CreateCustomer(ctx, desk.SystemActor(), desk.NewCustomer{Name: fmt.Sprintf("Customer %d", i), Email: from}); err != nil {
				t.Fatal(err)
			}
			group = append(group, groupJob(t, s, i, from))
		}
		if err := s.PrepareMail(ctx); err != nil { // as kept serve does before it takes mail
			t.Fatal(err)
		}
		if err := s.FlushSearch(ctx); err != nil {
			t.Fatal(err)
		}
		before := st.Statements()
		if failed, err := s.fileMails(ctx, group, false); err != nil || len(failed) > 0 {
			t.Fatalf("file the group: %v (%d failed)", err, len(failed))
		}
		n := st.Statements() - before
		for i, j := range group {
			if j.err != nil || !j.res.Created {
				t.Fatalf("mail %d: %+v, %v", i, j.res, j.err)
			}
		}
		// Measured: 72 on PostgreSQL, 87 on SQLite (whose multi-row writes go in chunks); 132
		// and 147 when each mail looked up its sender and its owner.
		if most := int64(mails * 5); n > most {
			t.Errorf("a group of %d mails ran %d statements (%.1f a mail), want at most %d", mails, n, float64(n)/mails, most)
		}
		t.Logf("%s: %d statements for %d mails", backend, n, mails)
	})
}
