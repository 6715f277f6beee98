package store_test

import (
	"context"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
	"github.com/keptdesk/kept/internal/text"
)

var t0 = time.Date(2026, 11, 23, 9, 30, 0, 123456000, time.UTC)

// seed stores a team, an agent, a customer and an empty case, and returns the case.
func seed(t *testing.T, st *store.Store) (desk.Agent, desk.Customer, desk.Case) {
	t.Helper()
	ctx := context.Background()
	var a desk.Agent
	var cu desk.Customer
	var c desk.Case
	err := st.Write(ctx, func(tx *store.Tx) error {
		team, err := tx.EnsureTeam(ctx, "Billing", t0)
		if err != nil {
			return err
		}
		a = desk.Agent{Name: "Ann Tamm", Email: "ann@example.ee", Role: desk.RoleAgent, TeamID: team, Timezone: "Europe/Tallinn", Hours: desk.DefaultHours(), Active: true, CreatedAt: t0}
		if err := tx.InsertAgent(ctx, &a); err != nil {
			return err
		}
		cu = desk.Customer{Name: "Mari Kask", Contacts: []desk.Contact{{Kind: "email", Value: "mari@example.ee"}},
			References: []desk.Reference{{Kind: "account", Value: "ACC-371", Key: text.RefKey("ACC-371")}}, CreatedAt: t0}
		if err := tx.InsertCustomer(ctx, &cu); err != nil {
			return err
		}
		c = desk.Case{CustomerID: cu.ID, Subject: "Arve on vale", Status: desk.StatusOpen, TeamID: team, OwnerID: a.ID, Channel: "email",
			OriginalRequest: "Tere! Minu arve on vale.", Flags: []string{}, CreatedAt: t0, UpdatedAt: t0}
		return tx.InsertCase(ctx, &c)
	})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	return a, cu, c
}

// appendEntries chains and stores entries on the case the way commands do.
func appendEntries(t *testing.T, st *store.Store, caseID int64, bodies ...string) []desk.Entry {
	t.Helper()
	ctx := context.Background()
	var out []desk.Entry
	err := st.Write(ctx, func(tx *store.Tx) error {
		c, err := tx.Case(ctx, caseID)
		if err != nil {
			return err
		}
		var drafts []desk.Draft
		for _, b := range bodies {
			drafts = append(drafts, desk.Draft{Kind: desk.KindMessageIn, Actor: desk.Actor{Kind: desk.ActorCustomer, ID: c.CustomerID, Name: "Mari Kask"},
				Channel: "email", Body: b, Data: desk.MessageInData{Subject: "<b>& \"quotes\""}})
		}
		out, err = desk.Chain(&c, drafts, t0.Add(time.Minute))
		if err != nil {
			return err
		}
		if err := tx.AppendEntries(ctx, out); err != nil {
			return err
		}
		for _, e := range out {
			if err := tx.Index(ctx, store.SearchDoc{CaseID: c.ID, CustomerID: c.CustomerID, EntrySeq: e.Seq, Words: text.Words(e.Body), Refs: text.RefKeys(e.Body)}); err != nil {
				return err
			}
		}
		return tx.SaveCase(ctx, c)
	})
	if err != nil {
		t.Fatalf("append: %v", err)
	}
	return out
}

func TestStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		st := storetest.Open(t, backend)

		t.Run("migrate twice", func(t *testing.T) {
			if err := st.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
				t.Fatalf("second migration run: %v", err)
			}
		})

		a, cu, c := seed(t, st)
		written := appendEntries(t, st, c.ID, "Tere! Minu arve on vale.", "Tellimus ORD-2026-00417 ja RMA 55/2 ning firmware v1.1")

		t.Run("read back what was written", func(t *testing.T) {
			err := st.Read(ctx, func(tx *store.Tx) error {
				got, err := tx.Agent(ctx, a.ID)
				if err != nil {
					return err
				}
				if got.Team != "Billing" || got.Timezone != "Europe/Tallinn" || !reflect.DeepEqual(got.Hours, a.Hours) || !got.CreatedAt.Equal(t0) {
					t.Errorf("agent read back as %+v", got)
				}
				cust, err := tx.Customer(ctx, cu.ID)
				if err != nil {
					return err
				}
				if len(cust.Contacts) != 1 || cust.Contacts[0].Value != "mari@example.ee" || len(cust.References) != 1 || cust.References[0].Value != "ACC-371" {
					t.Errorf("customer read back as %+v", cust)
				}
				cs, err := tx.Case(ctx, c.ID)
				if err != nil {
					return err
				}
				if cs.LastSeq != 2 || cs.LastHash != written[1].Hash || !cs.CreatedAt.Equal(t0) {
					t.Errorf("case head %d %q, want 2 %q", cs.LastSeq, cs.LastHash, written[1].Hash)
				}
				entries, err := tx.Entries(ctx, c.ID)
				if err != nil {
					return err
				}
				if len(entries) != 2 {
					t.Fatalf("%d entries, want 2", len(entries))
				}
				for i, e := range entries {
					// The hash taken before storing must still hold after a round trip.
					if e.ComputeHash() != written[i].Hash || e.Hash != written[i].Hash || !e.At.Equal(written[i].At) {
						t.Errorf("entry %d does not read back as written: %+v", e.Seq, e)
					}
				}
				if entries[0].PrevHash != "" || entries[1].PrevHash != entries[0].Hash {
					t.Errorf("entries are not chained: %q, %q", entries[0].PrevHash, entries[1].PrevHash)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})

		t.Run("the database refuses to change entries", func(t *testing.T) {
			raw := storetest.Raw(t, st)
			for _, q := range []string{
				"UPDATE entries SET body = 'forged' WHERE case_id = $1",
				"DELETE FROM entries WHERE case_id = $1",
			} {
				_, err := raw.Exec(q, c.ID)
				if err == nil || !strings.Contains(err.Error(), "append-only") {
					t.Errorf("%s: err = %v, want the append-only refusal", q, err)
				}
			}
			if backend == "postgres" {
				if _, err := raw.Exec("TRUNCATE entries CASCADE"); err == nil || !strings.Contains(err.Error(), "append-only") {
					t.Errorf("TRUNCATE: err = %v, want the append-only refusal", err)
				}
			}
			var n int
			if err := raw.QueryRow("SELECT COUNT(*) FROM entries WHERE case_id = $1 AND body <> 'forged'", c.ID).Scan(&n); err != nil || n != 2 {
				t.Errorf("after the refused changes: %d untouched entries (%v), want 2", n, err)
			}
		})

		t.Run("a second entry with the same seq is refused", func(t *testing.T) {
			err := st.Write(ctx, func(tx *store.Tx) error {
				dup := written[1]
				return tx.AppendEntries(ctx, []desk.Entry{dup})
			})
			if err == nil || !store.IsDuplicate(err) {
				t.Errorf("duplicate seq: err = %v, want a unique violation", err)
			}
		})

		t.Run("search words and references", func(t *testing.T) {
			cases := []struct {
				words, refs []string
				want        int
			}{
				{[]string{"tere"}, nil, 1},
				{[]string{"arve", "vale"}, nil, 1},
				{[]string{"arve", "nothing"}, nil, 0},
				{nil, []string{"ord202600417"}, 1},
				{nil, []string{"rma55/2"}, 1},
				{nil, []string{"v1.1"}, 1},
				{nil, []string{"v11"}, 0},
				{nil, []string{"acc371"}, 1}, // the customer's own reference
				{nil, []string{"acc371", "v1.1"}, 1},
				{nil, []string{"acc371", "v2.0"}, 0},
			}
			for _, tc := range cases {
				var hits []store.Hit
				err := st.Read(ctx, func(tx *store.Tx) error {
					var err error
					if tc.words != nil {
						hits, err = tx.SearchWords(ctx, tc.words, store.SearchFilter{}, 10)
					} else {
						hits, err = tx.SearchRefs(ctx, tc.refs, store.SearchFilter{}, 10)
					}
					return err
				})
				if err != nil {
					t.Fatalf("search %v %v: %v", tc.words, tc.refs, err)
				}
				if len(hits) != tc.want || (tc.want > 0 && hits[0].CaseID != c.ID) {
					t.Errorf("search %v %v: %v, want %d hits on case %d", tc.words, tc.refs, hits, tc.want, c.ID)
				}
			}
			err := st.Read(ctx, func(tx *store.Tx) error {
				// Another customer, and internal-only search, see nothing of this case's public words.
				hits, err := tx.SearchWords(ctx, []string{"tere"}, store.SearchFilter{CustomerID: cu.ID + 1}, 10)
				if err != nil || len(hits) != 0 {
					t.Errorf("another customer's search: %v %v", hits, err)
				}
				hits, err = tx.SearchRefs(ctx, []string{"acc371"}, store.SearchFilter{CustomerID: cu.ID + 1}, 10)
				if err != nil || len(hits) != 0 {
					t.Errorf("another customer's reference search: %v %v", hits, err)
				}
				// Words a user types that look like query syntax are only words.
				for _, w := range [][]string{{"and"}, {"or", "not"}, {`"`}, {"near"}, {"a*"}, {"'"}, {"\\"}} {
					if _, err := tx.SearchWords(ctx, w, store.SearchFilter{}, 10); err != nil {
						t.Errorf("search %q: %v", w, err)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})

		t.Run("concurrent appends keep one chain", func(t *testing.T) {
			var wg sync.WaitGroup
			for i := 0; i < 8; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					appendEntries(t, st, c.ID, "parallel message")
				}()
			}
			wg.Wait()
			check := desk.NewChainChecker(desk.CaseRef(c.ID))
			var head store.CaseHead
			err := st.Read(ctx, func(tx *store.Tx) error {
				return tx.WalkRecords(ctx, c.ID, func(h store.CaseHead, e desk.Entry) error {
					head = h
					check.Add(e)
					return nil
				})
			})
			if err != nil {
				t.Fatal(err)
			}
			if f := check.Finish(head.LastSeq, head.LastHash); f != nil || head.LastSeq != 10 {
				t.Errorf("after 8 concurrent appends: head seq %d, fault %v; want 10 and none", head.LastSeq, f)
			}
		})

		t.Run("a rolled back write leaves nothing", func(t *testing.T) {
			err := st.Write(ctx, func(tx *store.Tx) error {
				cust := desk.Customer{Name: "Ghost", Contacts: []desk.Contact{{Kind: "email", Value: "ghost@example.com"}}, CreatedAt: t0}
				if err := tx.InsertCustomer(ctx, &cust); err != nil {
					return err
				}
				return errRollback
			})
			if err != errRollback {
				t.Fatalf("err = %v", err)
			}
			err = st.Read(ctx, func(tx *store.Tx) error {
				_, err := tx.CustomerByContact(ctx, desk.Contact{Kind: "email", Value: "ghost@example.com"})
				return err
			})
			if !store.IsNotFound(err) {
				t.Errorf("the rolled back customer is there: %v", err)
			}
		})
	})
}

var errRollback = sqlErr("rolled back on purpose")

type sqlErr string

func (e sqlErr) Error() string { return string(e) }

// TestNoPlannerSamples: SQLite keeps ANALYZE's averages but not its samples (sqlite_stat4),
// with which it planned a statement anew each time a value bound to an indexed column changed,
// so no prepared statement was reused (8.5% of the case page's CPU at scale M). A roll-up
// rebuild, which gathers statistics, leaves none, and a desk an earlier release left samples in
// loses them when it is migrated.
func TestNoPlannerSamples(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, "sqlite")
	seed(t, st)
	db := storetest.Raw(t, st)
	// As an earlier release left them: every table analysed, samples and all.
	if err := st.ExecForTest(ctx, `ANALYZE`); err != nil {
		t.Fatal(err)
	}
	var tables int
	if err := db.QueryRow(`SELECT COUNT(*) FROM sqlite_schema WHERE name = 'sqlite_stat4'`).Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if tables == 0 {
		// The cgo build's SQLite (mattn, without its sqlite_stat4 tag) keeps averages only.
		t.Skipf("this build's SQLite (%s) takes no samples", store.SQLiteDriver)
	}
	samples := func() int {
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM sqlite_stat4`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if samples() == 0 {
		t.Fatal("ANALYZE took no samples, and the test shows nothing")
	}
	if err := st.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if n := samples(); n != 0 {
		t.Errorf("%d samples after migrating", n)
	}
	if err := st.RebuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if n := samples(); n != 0 {
		t.Errorf("%d samples after rebuilding the roll-ups", n)
	}
}

// An import's batch writes its words as one segment of each FTS5 index (migration 00055): with
// FTS5's 1 MiB default, a batch of a thousand tickets was written out a dozen times and merged
// again, a third of its word index's cost.
func TestWordIndexHoldsABatch(t *testing.T) {
	st := storetest.Open(t, "sqlite")
	db := storetest.Raw(t, st)
	for _, table := range []string{"search_fts", "search_recent0", "search_recent1"} {
		var size int64
		if err := db.QueryRow(`SELECT v FROM ` + table + `_config WHERE k = 'hashsize'`).Scan(&size); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		if size < 64<<20 {
			t.Errorf("%s holds %d bytes of new words before writing a segment, want 64 MiB", table, size)
		}
	}
}
