package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

func outMail(n int) store.OutMail {
	return store.OutMail{
		CaseID:    7,
		EntryID:   int64(100 + n),
		From:      "desk@kept.test",
		To:        fmt.Sprintf("customer%d@example.ee", n),
		MessageID: fmt.Sprintf("<m%d@kept.test>", n),
		Raw:       []byte(fmt.Sprintf("Subject: %d\r\n\r\nbody \x00\xff %d\r\n", n, n)),
	}
}

func queueMail(t *testing.T, st *store.Store, m store.OutMail, now time.Time) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := st.Write(ctx, func(tx *store.Tx) error {
		if err := tx.QueueMail(ctx, m, now); err != nil {
			return err
		}
		queued, err := tx.Outbox(ctx, m.CaseID)
		for _, q := range queued {
			if q.MessageID == m.MessageID {
				id = q.ID
			}
		}
		return err
	})
	if err != nil {
		t.Fatalf("queue mail: %v", err)
	}
	return id
}

func claimMail(t *testing.T, st *store.Store, now time.Time, limit int) []store.OutMail {
	t.Helper()
	ctx := context.Background()
	var out []store.OutMail
	err := st.Write(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.ClaimMail(ctx, "test", now, 2*time.Minute, limit)
		return err
	})
	if err != nil {
		t.Fatalf("claim mail: %v", err)
	}
	return out
}

func caseOutbox(t *testing.T, st *store.Store, caseID int64) []store.OutMail {
	t.Helper()
	return storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) ([]store.OutMail, error) { return tx.Outbox(ctx, caseID) })
}

func nextMailDue(t *testing.T, st *store.Store) (time.Time, bool) {
	t.Helper()
	ctx := context.Background()
	var at time.Time
	var ok bool
	err := st.Read(ctx, func(tx *store.Tx) error {
		var err error
		at, ok, err = tx.NextMailDue(ctx)
		return err
	})
	if err != nil {
		t.Fatalf("next mail due: %v", err)
	}
	return at, ok
}

func writeMail(t *testing.T, st *store.Store, fn func(ctx context.Context, tx *store.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := st.Write(ctx, func(tx *store.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
}

func TestOutboxQueueOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		m := outMail(1)
		id := queueMail(t, st, m, t0)
		again := m
		again.Raw = []byte("Subject: other\r\n\r\nother\r\n")
		if id2 := queueMail(t, st, again, t0.Add(time.Minute)); id2 != id {
			t.Fatalf("the same Message-ID queued twice: ids %d and %d", id, id2)
		}
		got := caseOutbox(t, st, 7)
		if len(got) != 1 {
			t.Fatalf("outbox has %d mails, want 1", len(got))
		}
		g := got[0]
		if g.ID != id || g.State != store.MailPending || g.Attempts != 0 || !g.NextAt.Equal(t0) || !g.CreatedAt.Equal(t0) ||
			!g.SentAt.IsZero() || !g.LeaseUntil.IsZero() || string(g.Raw) != string(m.Raw) || g.From != m.From || g.To != m.To ||
			g.EntryID != m.EntryID || g.MessageID != m.MessageID || g.Automatic {
			t.Fatalf("stored mail = %+v, want %+v queued at %v", g, m, t0)
		}
		if got := caseOutbox(t, st, 8); len(got) != 0 {
			t.Fatalf("case 8 has mails: %+v", got)
		}
	})
}

func TestOutboxQueueRefusesBadMail(t *testing.T) {
	st := storetest.Open(t, "sqlite")
	ctx := context.Background()
	for name, mod := range map[string]func(m *store.OutMail){
		"no recipient":    func(m *store.OutMail) { m.To = "" },
		"no sender":       func(m *store.OutMail) { m.From = "" },
		"no message id":   func(m *store.OutMail) { m.MessageID = "" },
		"no message":      func(m *store.OutMail) { m.Raw = nil },
		"line break":      func(m *store.OutMail) { m.To = "a@example.ee\r\nRCPT TO:<b@example.ee>" },
		"line break from": func(m *store.OutMail) { m.From = "a@example.ee\n" },
	} {
		m := outMail(1)
		mod(&m)
		err := st.Write(ctx, func(tx *store.Tx) error {
			return tx.QueueMail(ctx, m, t0)
		})
		if err == nil {
			t.Errorf("%s: queued", name)
		}
	}
}

func TestOutboxClaimAndOutcomes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := context.Background()
		if _, ok := nextMailDue(t, st); ok {
			t.Fatal("an empty outbox has a due mail")
		}
		a := queueMail(t, st, outMail(1), t0)
		b := queueMail(t, st, outMail(2), t0.Add(time.Second))
		c := queueMail(t, st, outMail(3), t0.Add(time.Hour))
		if at, ok := nextMailDue(t, st); !ok || !at.Equal(t0) {
			t.Fatalf("next due = %v %v, want %v", at, ok, t0)
		}

		if got := claimMail(t, st, t0.Add(-time.Second), 10); len(got) != 0 {
			t.Fatalf("claimed before due: %+v", got)
		}
		got := claimMail(t, st, t0.Add(time.Minute), 1)
		if len(got) != 1 || got[0].ID != a || got[0].State != store.MailSending || got[0].Attempts != 1 ||
			!got[0].LeaseUntil.Equal(t0.Add(3*time.Minute)) || string(got[0].Raw) != string(outMail(1).Raw) {
			t.Fatalf("first claim = %+v, want mail %d leased until %v", got, a, t0.Add(3*time.Minute))
		}
		got = claimMail(t, st, t0.Add(time.Minute), 10)
		if len(got) != 1 || got[0].ID != b {
			t.Fatalf("second claim = %+v, want only mail %d (a is leased, c not due)", got, b)
		}
		// Both leased: the next due time is the earliest lease's end.
		if at, ok := nextMailDue(t, st); !ok || !at.Equal(t0.Add(3*time.Minute)) {
			t.Fatalf("next due = %v %v, want the lease end %v", at, ok, t0.Add(3*time.Minute))
		}

		writeMail(t, st, func(ctx context.Context, tx *store.Tx) error {
			if err := tx.MailSent(ctx, a, t0.Add(2*time.Minute)); err != nil {
				return err
			}
			return tx.MailFailed(ctx, b, "451 4.3.0 try later \xff", t0.Add(5*time.Minute), false)
		})
		all := caseOutbox(t, st, 7)
		if all[0].State != store.MailSent || !all[0].SentAt.Equal(t0.Add(2*time.Minute)) || !all[0].LeaseUntil.IsZero() || all[0].Attempts != 1 {
			t.Fatalf("sent mail = %+v", all[0])
		}
		if all[1].State != store.MailPending || !all[1].NextAt.Equal(t0.Add(5*time.Minute)) || all[1].Attempts != 1 ||
			all[1].LastError != "451 4.3.0 try later \uFFFD" || !all[1].LeaseUntil.IsZero() {
			t.Fatalf("retried mail = %+v", all[1])
		}
		if at, ok := nextMailDue(t, st); !ok || !at.Equal(t0.Add(5*time.Minute)) {
			t.Fatalf("next due = %v %v, want the retry %v", at, ok, t0.Add(5*time.Minute))
		}

		// A retry is claimed again when due; a permanent failure never again.
		got = claimMail(t, st, t0.Add(5*time.Minute), 10)
		if len(got) != 1 || got[0].ID != b || got[0].Attempts != 2 {
			t.Fatalf("retry claim = %+v", got)
		}
		writeMail(t, st, func(ctx context.Context, tx *store.Tx) error {
			return tx.MailFailed(ctx, b, strings.Repeat("é", 3000), t0.Add(5*time.Minute), true)
		})
		failed := caseOutbox(t, st, 7)[1]
		if failed.State != store.MailFailed || len(failed.LastError) > 2000 || !strings.HasPrefix(failed.LastError, "éé") {
			t.Fatalf("failed mail = state %s, error of %d bytes", failed.State, len(failed.LastError))
		}
		if got := claimMail(t, st, t0.Add(48*time.Hour), 10); len(got) != 1 || got[0].ID != c {
			t.Fatalf("late claim = %+v, want only mail %d", got, c)
		}

		// Unknown ids are reported, not ignored.
		err := st.Write(ctx, func(tx *store.Tx) error { return tx.MailSent(ctx, 999, t0) })
		if !store.IsNotFound(err) {
			t.Fatalf("sent of an unknown mail: %v", err)
		}
	})
}

func TestOutboxExpiredLease(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		id := queueMail(t, st, outMail(1), t0)
		if got := claimMail(t, st, t0, 10); len(got) != 1 {
			t.Fatalf("claim = %+v", got)
		}
		// The sender "crashed": the mail stays leased until its lease ends, then is due again.
		if got := claimMail(t, st, t0.Add(2*time.Minute-time.Microsecond), 10); len(got) != 0 {
			t.Fatalf("claimed a leased mail: %+v", got)
		}
		got := claimMail(t, st, t0.Add(2*time.Minute), 10)
		if len(got) != 1 || got[0].ID != id || got[0].Attempts != 2 || !got[0].LeaseUntil.Equal(t0.Add(4*time.Minute)) {
			t.Fatalf("claim after the lease = %+v", got)
		}
		// Released mail is due at once and the attempt is not counted.
		writeMail(t, st, func(ctx context.Context, tx *store.Tx) error { return tx.ReleaseMail(ctx, id) })
		got = claimMail(t, st, t0.Add(2*time.Minute), 10)
		if len(got) != 1 || got[0].Attempts != 2 {
			t.Fatalf("claim after release = %+v", got)
		}
	})
}

func TestOutboxCountRecentAutomatic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := context.Background()
		for i, at := range []time.Duration{0, time.Hour, 2 * time.Hour} {
			m := outMail(i)
			m.To, m.Automatic = "Mari@Example.ee", true
			queueMail(t, st, m, t0.Add(at))
		}
		human := outMail(9)
		human.To = "mari@example.ee"
		queueMail(t, st, human, t0.Add(2*time.Hour))
		other := outMail(10)
		other.To, other.Automatic = "jaan@example.ee", true
		queueMail(t, st, other, t0.Add(2*time.Hour))
		var n int
		err := st.Read(ctx, func(tx *store.Tx) error {
			var err error
			n, err = tx.CountRecentAutomatic(ctx, "mari@example.ee", t0.Add(time.Hour))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Fatalf("recent automatic mails to mari = %d, want 2", n)
		}
	})
}

// TestOutboxClaimDisjoint has nodes claiming at once: on PostgreSQL they skip each other's
// locked rows, on SQLite they queue for the writer; either way no mail is taken twice.
func TestOutboxClaimDisjoint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := context.Background()
		err := st.Write(ctx, func(tx *store.Tx) error {
			for i := range 60 {
				if err := tx.QueueMail(ctx, outMail(i), t0); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var ids []int64
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for {
					var got []store.OutMail
					err := st.Write(ctx, func(tx *store.Tx) error {
						var err error
						got, err = tx.ClaimMail(ctx, "test", t0, time.Minute, 7)
						return err
					})
					if err != nil {
						t.Error(err)
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, m := range got {
						ids = append(ids, m.ID)
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		slices.Sort(ids)
		claimed := len(ids)
		if distinct := len(slices.Compact(ids)); claimed != 60 || distinct != 60 {
			t.Fatalf("claimed %d mails (%d distinct), want 60 once each", claimed, distinct)
		}
	})
}

func TestOutboxClaimNeedsWrite(t *testing.T) {
	st := storetest.Open(t, "sqlite")
	ctx := context.Background()
	err := st.Read(ctx, func(tx *store.Tx) error {
		_, err := tx.ClaimMail(ctx, "test", t0, time.Minute, 1)
		return err
	})
	if err == nil {
		t.Fatal("claimed in a read transaction")
	}
}

// A case's mails reach a recipient in the order queued: one waiting to be retried, or on the
// wire in another session, holds back the later ones to the same address, and no claim takes
// two of them at once (three relay sessions sent them side by side, and a retried reply came
// after the one written later).
func TestClaimMailKeepsACaseInOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		mk := func(n int, caseID int64, to string) int64 {
			m := outMail(n)
			m.CaseID, m.To = caseID, to
			return queueMail(t, st, m, t0)
		}
		first := mk(1, 7, "ann@example.ee")
		second := mk(2, 7, "Ann@Example.ee") // the same address, written otherwise
		other := mk(3, 7, "partner@example.ee")
		elsewhere := mk(4, 8, "ann@example.ee")
		link := mk(5, 0, "ann@example.ee") // of no case: no order to keep
		link2 := mk(6, 0, "ann@example.ee")
		ids := func(ms []store.OutMail) []int64 {
			var out []int64
			for _, m := range ms {
				out = append(out, m.ID)
			}
			slices.Sort(out)
			return out
		}
		if got, want := ids(claimMail(t, st, t0, 20)), []int64{first, other, elsewhere, link, link2}; !slices.Equal(got, want) {
			t.Fatalf("first claim took %v, want %v (not %d, behind %d)", got, want, second, first)
		}
		writeMail(t, st, func(ctx context.Context, tx *store.Tx) error {
			return tx.MailsSent(ctx, []int64{other, elsewhere, link, link2}, t0)
		})
		// The first is on the wire (claimed, lease running): the second waits.
		if got := claimMail(t, st, t0.Add(time.Second), 20); len(got) != 0 {
			t.Fatalf("claimed %v while the mail before was being sent", ids(got))
		}
		// It fails for now and is due again in an hour: the second still waits, and is not
		// due either (the sender would wake for it again and again).
		writeMail(t, st, func(ctx context.Context, tx *store.Tx) error {
			return tx.MailFailed(ctx, first, "451 try later", t0.Add(time.Hour), false)
		})
		if got := claimMail(t, st, t0.Add(time.Minute), 20); len(got) != 0 {
			t.Fatalf("claimed %v before the mail waiting to be retried", ids(got))
		}
		if at, ok := nextMailDue(t, st); !ok || at.Before(t0.Add(time.Hour)) {
			t.Fatalf("next mail due %v (%v), want the retry at %v", at, ok, t0.Add(time.Hour))
		}
		got := claimMail(t, st, t0.Add(time.Hour), 20)
		if !slices.Equal(ids(got), []int64{first}) {
			t.Fatalf("at the retry claimed %v, want only %d", ids(got), first)
		}
		writeMail(t, st, func(ctx context.Context, tx *store.Tx) error { return tx.MailSent(ctx, first, t0.Add(time.Hour)) })
		if got := claimMail(t, st, t0.Add(time.Hour), 20); !slices.Equal(ids(got), []int64{second}) {
			t.Fatalf("after the first was sent claimed %v, want %d", ids(got), second)
		}
	})
}

// A mail refused for good does not hold back the ones after it.
func TestClaimMailAfterAFailedOne(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		m1, m2 := outMail(1), outMail(2)
		m2.To = m1.To
		first, second := queueMail(t, st, m1, t0), queueMail(t, st, m2, t0)
		claimMail(t, st, t0, 20)
		writeMail(t, st, func(ctx context.Context, tx *store.Tx) error {
			return tx.MailFailed(ctx, first, "550 no such user", time.Time{}, true)
		})
		if got := claimMail(t, st, t0, 20); len(got) != 1 || got[0].ID != second {
			t.Fatalf("claimed %+v, want mail %d", got, second)
		}
	})
}
