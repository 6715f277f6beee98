package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestMailsAreKeptAsReceived: the database itself refuses to change a stored mail's bytes,
// hash, sender or arrival, or to remove it, while intake still links it to its case and entry
// once. (Before, mails had no trigger: any of these went through.)
func TestMailsAreKeptAsReceived(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := context.Background()
		_, _, c := seed(t, st)
		entries := appendEntries(t, st, c.ID, "Tere!")
		m := desk.ReceivedMail{SHA256: strings.Repeat("ab", 32), Raw: []byte("Subject: hi\r\n\r\nTere!\r\n"), MessageID: "<m1@example.ee>",
			From: "mari@example.ee", DedupeKey: "mid:1", Problems: []string{}, ReceivedAt: t0}
		err := st.Write(ctx, func(tx *store.Tx) error {
			if _, err := tx.InsertMail(ctx, &m); err != nil {
				return err
			}
			return tx.SetMailEntry(ctx, m.ID, c.ID, entries[0].Seq) // linking, as intake does: allowed
		})
		if err != nil {
			t.Fatalf("store and link a mail: %v", err)
		}
		db := storetest.Raw(t, st)
		forged := []byte("Subject: forged\r\n\r\nGive me a refund\r\n")
		for _, c := range []struct {
			q    string
			args []any
		}{
			{`UPDATE mails SET raw = $1 WHERE id = $2`, []any{forged, m.ID}},
			{`UPDATE mails SET sha256 = $1 WHERE id = $2`, []any{strings.Repeat("cd", 32), m.ID}},
			{`UPDATE mails SET from_addr = $1 WHERE id = $2`, []any{"mallory@example.com", m.ID}},
			{`UPDATE mails SET received_at = '2020-01-01T00:00:00Z' WHERE id = $1`, []any{m.ID}},
			{`UPDATE mails SET size = 1 WHERE id = $1`, []any{m.ID}},
			{`UPDATE mails SET case_id = case_id + 1 WHERE id = $1`, []any{m.ID}},
			{`UPDATE mails SET entry_id = 0 WHERE id = $1`, []any{m.ID}},
			{`DELETE FROM mails WHERE id = $1`, []any{m.ID}},
		} {
			if _, err := db.ExecContext(ctx, c.q, c.args...); err == nil {
				t.Errorf("%s went through, want it refused", c.q)
			} else if !strings.Contains(err.Error(), "mail") {
				t.Errorf("%s: refused with %v, want a message about mails", c.q, err)
			}
		}
		if backend == "postgres" {
			if _, err := db.ExecContext(ctx, `TRUNCATE mails`); err == nil {
				t.Error("TRUNCATE mails went through")
			}
		}
		// What intake may still change: what it made of the mail, not the mail.
		if _, err := db.ExecContext(ctx, `UPDATE mails SET problems = '["x"]' WHERE id = $1`, m.ID); err != nil {
			t.Errorf("updating what intake made of a mail: %v", err)
		}
		got := storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) (desk.ReceivedMail, error) { return tx.Mail(ctx, m.ID) })
		if string(got.Raw) != string(m.Raw) || got.SHA256 != m.SHA256 || got.From != m.From || got.CaseID != c.ID || got.EntryID != entries[0].ID {
			t.Errorf("the mail is now %+v", got)
		}

		// A mail stored without its case (0) is linked once, and only once.
		m2 := desk.ReceivedMail{SHA256: strings.Repeat("cd", 32), Raw: []byte("x"), DedupeKey: "raw:2", Problems: []string{}, ReceivedAt: t0}
		link := func(caseID, entryID int64) error {
			return st.Write(ctx, func(tx *store.Tx) error { return tx.SetMailEntry(ctx, m2.ID, caseID, entryID) })
		}
		if err := st.Write(ctx, func(tx *store.Tx) error { _, err := tx.InsertMail(ctx, &m2); return err }); err != nil {
			t.Fatal(err)
		}
		if err := link(c.ID, entries[0].ID); err != nil {
			t.Errorf("linking a new mail: %v", err)
		}
		if err := link(c.ID, entries[0].ID+1); err == nil {
			t.Error("linking a linked mail to another entry went through")
		}
	})
}
