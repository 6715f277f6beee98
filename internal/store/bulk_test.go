package store_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
	"github.com/keptdesk/kept/internal/text"
)

// TestBulk writes a customer, a case with its record, search texts, a promise and its timers
// through the bulk path, then reads them through the service as it reads its own: the record
// verifies, search finds words and references, the timers are pending, and the next case the
// service opens gets a fresh id.
func TestBulk(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		st := storetest.Open(t, backend)
		now := time.Now().UTC().Truncate(time.Millisecond)
		svc := service.New(st, clock.NewFake(now), slog.New(slog.DiscardHandler))
		sys := desk.SystemActor()
		owner, err := svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ann Tamm", Email: "ann@example.ee", Role: "agent", Team: "Billing",
			Hours: map[string][]string{"mon": {"00:00-24:00"}, "tue": {"00:00-24:00"}, "wed": {"00:00-24:00"}, "thu": {"00:00-24:00"}, "fri": {"00:00-24:00"}, "sat": {"00:00-24:00"}, "sun": {"00:00-24:00"}}})
		if err != nil {
			t.Fatal(err)
		}
		ids, err := st.NextIDs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cust := desk.Customer{ID: ids.Customer, Name: "Mari Kask", CreatedAt: now.Add(-time.Hour),
			Contacts:   []desk.Contact{{Kind: desk.ContactEmail, Value: "mari@example.ee"}},
			References: []desk.Reference{{Kind: "account", Value: "ACC-371", Key: text.RefKey("ACC-371")}}}
		opened := now.Add(-30 * time.Minute)
		in := desk.NewCase{CustomerID: cust.ID, Subject: "Arve INV-2000530 kaks korda", Body: "Tere, arve eest võeti raha kaks korda.", Channel: "email"}
		c, drafts, parts := desk.OpenCase(in, cust, owner, nil, opened)
		c.ID = ids.Case
		var b store.BulkBatch
		b.Customers = []desk.Customer{cust}
		b.Docs = append(b.Docs, store.SearchDoc{CaseID: c.ID, CustomerID: cust.ID, Words: text.Words(in.Subject), Refs: text.RefKeys(in.Subject)})
		entries, err := desk.Chain(&c, drafts, opened)
		if err != nil {
			t.Fatal(err)
		}
		reply, err := desk.AddMessage(&c, desk.AgentActor(owner), desk.NewMessage{Body: "Kandsime raha tagasi, ruuter vahetatud."}, opened.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		more, err := desk.Chain(&c, reply, opened.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, more...)
		p := desk.Promise{ID: ids.Promise, CaseID: c.ID, Kind: desk.PromiseCallback, Words: "I call you back", State: desk.PromiseOpen,
			MakerID: owner.ID, OwnerID: owner.ID, CreatedAt: opened.Add(2 * time.Minute), DueAt: now.Add(48 * time.Hour)}
		more, err = desk.Chain(&c, desk.MakePromise(&c, p, desk.AgentActor(owner)), p.CreatedAt)
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, more...)
		for i := range entries {
			entries[i].ID = ids.Entry + int64(i)
		}
		// The customer's words and the reply are searchable (as service.EntryDoc indexes them).
		for _, e := range []desk.Entry{entries[0], entries[2]} {
			b.Docs = append(b.Docs, store.SearchDoc{CaseID: c.ID, CustomerID: cust.ID, EntryID: e.ID, Words: text.Words(e.Body), Refs: text.RefKeys(e.Body)})
		}
		b.Cases = []desk.Case{c}
		for _, pt := range parts {
			b.Participants = append(b.Participants, store.BulkParticipant{CaseID: c.ID, Participant: pt})
		}
		b.Entries = entries
		b.Promises = []desk.Promise{p}
		payload := store.TimerPayload(p.DueAt)
		b.Timers = []store.BulkTimer{
			{Timer: store.Timer{Kind: "promise_reminder", DueAt: p.DueAt.Add(-24 * time.Hour), CaseID: c.ID, RefID: p.ID, Payload: payload}, CreatedAt: p.CreatedAt},
			{Timer: store.Timer{Kind: "promise_due", DueAt: p.DueAt, CaseID: c.ID, RefID: p.ID, Key: "promise_due:1", Payload: payload}, CreatedAt: p.CreatedAt},
		}
		bulk, err := st.Bulk(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := bulk.Write(ctx, &b); err != nil {
			t.Fatal(err)
		}
		if err := bulk.Close(ctx); err != nil {
			t.Fatal(err)
		}

		rep, err := svc.Verify(ctx, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK() || rep.Entries != len(entries) {
			t.Fatalf("verify: %+v, want %d entries and no faults", rep, len(entries))
		}
		rec, err := svc.Record(ctx, sys, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(rec) != len(entries) || rec[3].Kind != desk.KindPromiseMade || rec[3].Hash != entries[3].Hash || !rec[3].At.Equal(entries[3].At) {
			t.Fatalf("record read back: %+v", rec)
		}
		for _, q := range []string{"ruuter", "võeti", "ACC-371", "INV-2000530", "kaks korda"} {
			hits, err := svc.Search(ctx, sys, q, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) != 1 || hits[0].CaseID != c.ID {
				t.Errorf("search %q: %+v, want case %d", q, hits, c.ID)
			}
		}
		view, err := svc.Case(ctx, sys, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if view.Owner.ID != owner.ID || len(view.Participants) != 2 || len(view.Promises) != 1 || view.Promises[0].DueAt.Unix() != p.DueAt.Unix() {
			t.Errorf("case read back: %+v", view)
		}
		timers := storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) ([]store.Timer, error) { return tx.PendingTimers(ctx, c.ID) })
		if len(timers) != 2 || timers[1].Kind != "promise_due" || !timers[1].DueAt.Equal(p.DueAt) {
			t.Errorf("timers read back: %+v", timers)
		}
		// The service's own next case and customer follow the bulk-written ones.
		cu2, err := svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Ivan Horvat", Email: "ivan@example.hr"})
		if err != nil {
			t.Fatal(err)
		}
		c2, err := svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: cu2.ID, Subject: "Paket", Body: "Gdje je paket?", Channel: "email"})
		if err != nil {
			t.Fatal(err)
		}
		if cu2.ID <= cust.ID || c2.ID <= c.ID {
			t.Errorf("ids after the bulk load: customer %d, case %d; want above %d and %d", cu2.ID, c2.ID, cust.ID, c.ID)
		}

		if m, err := st.BenchMarker(ctx); err != nil || m != "" {
			t.Fatalf("marker before any: %q %v", m, err)
		}
		for _, want := range []string{`{"scale":"XS"}`, `{"scale":"XS","runs":1}`} {
			if err := st.SetBenchMarker(ctx, want); err != nil {
				t.Fatal(err)
			}
			if m, err := st.BenchMarker(ctx); err != nil || m != want {
				t.Fatalf("marker: %q %v, want %q", m, err, want)
			}
		}
		counts, err := st.Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if counts.Cases != 2 || counts.Customers != 2 || counts.Promises != 1 {
			t.Errorf("counts: %+v", counts)
		}
	})
}
