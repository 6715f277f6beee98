package store_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestPageReads checks that the API pages' narrow reads give what the full reads give: a case
// list's columns (times with and without fractions of a second, flags), a record, and a token's
// agent, which a revoked token no longer finds.
func TestPageReads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := context.Background()
		ann, cust, first := seed(t, st)
		written := appendEntries(t, st, first.ID, "Tere!", "Kontrollin arvet.", "Raha on tagastatud.")
		var tokenID int64
		err := st.Write(ctx, func(tx *store.Tx) error {
			for i, at := range []time.Time{t0.Add(123456789), t0.Add(500 * time.Millisecond), t0.Add(time.Hour), t0.Add(time.Microsecond)} {
				c := desk.Case{CustomerID: cust.ID, Subject: "Arve " + string(rune('A'+i)), Status: desk.StatusAwaitingConfirmation, OwnerID: ann.ID,
					Rung: i, Channel: "email", Flags: []string{}, CreatedAt: t0, UpdatedAt: at}
				if i == 1 {
					c.Flags = []string{"vip", "spam_suspect"}
				}
				if err := tx.InsertCase(ctx, &c); err != nil {
					return err
				}
			}
			var err error
			tokenID, err = tx.InsertToken(ctx, ann.ID, []byte("digest"), "tests", t0)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []store.CaseFilter{
			{OwnerID: ann.ID, Statuses: []desk.Status{desk.StatusOpen, desk.StatusAwaitingConfirmation}, Limit: 50},
			{CustomerID: cust.ID, BeforeID: first.ID + 3, Limit: 2},
			{},
		} {
			full := storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) ([]desk.Case, error) { return tx.Cases(ctx, f) })
			listed := storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) ([]store.ListedCase, error) { return tx.CaseList(ctx, f) })
			want := []desk.Case{}
			for _, c := range full {
				want = append(want, desk.Case{ID: c.ID, CustomerID: c.CustomerID, OwnerID: c.OwnerID, PartnerID: c.PartnerID, Subject: c.Subject,
					Status: c.Status, Rung: c.Rung, Flags: c.Flags, UpdatedAt: c.UpdatedAt})
			}
			got := []desk.Case{}
			for _, c := range listed {
				got = append(got, c.Case())
			}
			if len(got) == 0 || !reflect.DeepEqual(got, want) {
				t.Errorf("filter %+v: listed\n%+v\nwant\n%+v", f, got, want)
			}
		}

		c := storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) (desk.Case, error) { return tx.Case(ctx, first.ID) })
		all := storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) ([]desk.Entry, error) {
			var out []desk.Entry
			return out, tx.WalkRecords(ctx, first.ID, func(_ store.CaseHead, e desk.Entry) error { out = append(out, e); return nil })
		})
		record := storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) ([]desk.Entry, error) { return tx.Record(ctx, c) })
		if len(record) != 3 || !reflect.DeepEqual(record, all) || record[2].Hash != written[2].Hash || record[2].PrevHash != written[1].Hash {
			t.Errorf("record %+v, want %+v", record, all)
		}

		var check store.TokenCheck
		var agent desk.Actor
		err = st.Read(ctx, func(tx *store.Tx) (err error) {
			if check, err = tx.TokenAgent(ctx, tokenID); err != nil {
				return err
			}
			a, err := tx.Agent(ctx, ann.ID)
			agent = desk.AgentActor(a)
			return err
		})
		owner := check.Actor
		grant := owner.Token
		owner.Token = nil
		if err != nil || string(check.Digest) != "digest" || !check.Active || owner != agent || !check.ExpiresAt.IsZero() || !check.LastUsed.IsZero() {
			t.Errorf("token's agent %+v (%+v, %v), want %+v", owner, check, err, agent)
		}
		if grant == nil || grant.ID != tokenID || grant.Label != "tests" || grant.IssuedBy != 0 || len(grant.Scopes) != 0 {
			t.Errorf("the actor's token %+v, want token %d labelled tests, issued on the command line", grant, tokenID)
		}
		if _, err := storetest.Raw(t, st).ExecContext(ctx, `UPDATE api_tokens SET revoked_at = created_at WHERE id = $1`, tokenID); err != nil {
			t.Fatal(err)
		}
		err = st.Read(ctx, func(tx *store.Tx) error {
			_, err := tx.TokenAgent(ctx, tokenID)
			return err
		})
		if !store.IsNotFound(err) {
			t.Errorf("revoked token: %v, want not found", err)
		}
	})
}

// TestOwnerListPlan: an agent's cases in some statuses, newest first (the inbox), are found in
// an index of the owner's cases, whatever the desk holds. On SQLite no case row is read to
// learn its status. On PostgreSQL, for a manager whose active cases are all older than the
// desk's newest thousands, the rows were read backwards through the primary key until 50 were
// the manager's (0.2–1.2 s at scale S).
func TestOwnerListPlan(t *testing.T) {
	ctx := context.Background()
	f := store.CaseFilter{OwnerID: 1, Statuses: []desk.Status{desk.StatusOpen, desk.StatusAwaitingConfirmation}, Limit: 50}
	t.Run("sqlite", func(t *testing.T) {
		st := storetest.Open(t, "sqlite")
		plan, err := st.CaseListPlan(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan, "SEARCH cases USING COVERING INDEX cases_owner_recent_status (owner_id=?)") || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("plan:\n%s\nwant a search of cases_owner_recent_status, in its order", plan)
		}
	})
	t.Run("postgres", func(t *testing.T) {
		st := storetest.Open(t, "postgres")
		storetest.Unchecked(t, st, // cases of no customer
			// The manager's 2,000 open cases first, then 20,000 newer ones of other agents.
			`INSERT INTO cases (id, customer_id, subject, status, channel, original_request, created_at, updated_at, owner_id)
				SELECT n, 1, 'case', CASE WHEN n % 3 = 0 THEN 'closed' ELSE 'open' END, 'email', '', now(), now(), CASE WHEN n <= 3000 THEN 1 ELSE 2 + n % 40 END
				FROM generate_series(1, 23000) n`,
			`ANALYZE cases`) // not vacuumed: an index alone cannot answer (as beside long transactions)
		plan, err := st.CaseListPlan(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan, "using cases_owner") || strings.Contains(plan, "Rows Removed by Filter") {
			t.Errorf("plan:\n%s\nwant the owner's active cases read from an index of owners, and no others", plan)
		}
	})
}

// TestHeldWritesSearchByKey: a command's held writes on PostgreSQL reach their few rows through
// the key. Passed as one JSON document of rows, the planner took them to be 100 whatever they
// were, and linking a mail to its entry read the whole mails table of a small desk (0.3–0.9 ms
// a statement) instead of two rows.
func TestHeldWritesSearchByKey(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, "postgres")
	storetest.Unchecked(t, st,
		`INSERT INTO mails (id, sha256, raw, size, dedupe_key, received_at)
			SELECT n, 'x', '\x00', 1, 'k' || n, now() FROM generate_series(1, 3000) n`,
		`INSERT INTO entries (case_id, seq, kind, at, actor_kind, actor_id, actor_name, internal, channel, body, data, prev_hash, hash)
			VALUES (1, 1, 'message_in', now(), 'customer', 1, 'Ann', false, 'email', 'hello', '{}', '', 'h')`,
		`ANALYZE mails`)
	plan, err := st.LinkMailsPlan(ctx, 17, 2900)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan, "Index Scan using mails_pkey") || strings.Contains(plan, "Seq Scan on mails") {
		t.Errorf("plan:\n%s\nwant the two mails found by their key", plan)
	}
}
