package service_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestMailSearchableOnceIndexed checks what an agent finds of mail just received, now that its
// words are indexed shortly after its commit (searchqueue.go): the order number it quotes and
// its case ref at once, and every mail of a burst (committed in groups on SQLite) by its own
// words once the index has caught up (FlushSearch), each once.
func TestMailSearchableOnceIndexed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		svc := service.New(storetest.Open(t, backend), clock.NewFake(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)), slog.New(slog.DiscardHandler),
			service.WithMail(service.MailConfig{Address: "support@desk.test"}))
		head := must(svc.CreateAgent(ctx, desk.SystemActor(), desk.NewAgent{Name: "Head", Email: "head@desk.test", Role: "admin"}))
		as := desk.AgentActor(head)
		receive := func(from, subject, body string) service.MailResult {
			t.Helper()
			raw := eml("From: "+from, "To: support@desk.test", "Subject: "+subject, "Message-ID: <"+subject+"@example.ee>", "", body)
			return must(svc.ReceiveMail(ctx, mail.Delivery{From: from, To: []string{"support@desk.test"}, Raw: raw}))
		}
		find := func(q string) []int64 {
			t.Helper()
			var ids []int64
			for _, h := range must(svc.Search(ctx, as, q, 20)) {
				ids = append(ids, h.CaseID)
			}
			return ids
		}
		first := receive("mari@example.ee", "Parcel late", "My order ORD-2026-00417 has not arrived.")
		if got := find("ORD-2026-00417"); len(got) != 1 || got[0] != first.CaseID {
			t.Errorf("the order number the mail quotes finds %v at once, want case %d", got, first.CaseID)
		}
		if got := find(desk.CaseRef(first.CaseID)); len(got) != 1 || got[0] != first.CaseID {
			t.Errorf("the case ref finds %v at once, want case %d", got, first.CaseID)
		}

		// A word of letters only: a token with a digit is a reference, written with the mail.
		word := func(s, i int) string { return fmt.Sprintf("mark%c%c", 'a'+s, 'a'+i) }
		const senders, each = 8, 5
		cases := make([][]int64, senders)
		var wg sync.WaitGroup
		for s := range senders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					res := receive(fmt.Sprintf("sender%d@example.com", s), fmt.Sprintf("burst%d%d", s, i), "The word "+word(s, i)+" is in this mail.")
					cases[s] = append(cases[s], res.CaseID)
				}
			}()
		}
		wg.Wait()
		if err := svc.FlushSearch(ctx); err != nil {
			t.Fatal(err)
		}
		for s := range senders {
			for i := range each {
				if got := find(word(s, i)); len(got) != 1 || got[0] != cases[s][i] {
					t.Errorf("mail %d of sender %d by its word: %v, want case %d", i, s, got, cases[s][i])
				}
			}
		}
		if got := find("parcel"); len(got) != 1 || got[0] != first.CaseID {
			t.Errorf("the first mail by its subject's word: %v, want case %d", got, first.CaseID)
		}
	})
}

// TestRepliesSearchableOnTheirNode: an agent's reply and note queue their words for the index
// (one row of search_queue, not FTS5 or GIN at commit: a reply's words cost the one SQLite
// writer a third of the reply at scale M). A search on the node that wrote them finds them at
// once; another node finds them once the queue is drained (both databases).
func TestRepliesSearchableOnTheirNode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		c := sc.openCase(sc.ann, "Kettle")
		if err := sc.svc.FlushSearch(sc.ctx); err != nil {
			t.Fatal(err)
		}
		queued := func() int {
			t.Helper()
			var n int
			if err := storetest.Raw(t, sc.st).QueryRowContext(sc.ctx, `SELECT COUNT(*) FROM search_queue`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		ann := desk.AgentActor(sc.ann)
		release := sc.svc.HoldSearchIndex()
		must(sc.svc.AddMessage(sc.ctx, ann, c.ID, desk.NewMessage{Body: "The descaler ships with the replacement."}))
		must(sc.svc.AddMessage(sc.ctx, ann, c.ID, desk.NewMessage{Body: "Warehouse says the thermostat batch was faulty.", Internal: true}))
		if n := queued(); n != 2 {
			t.Errorf("after a reply and a note search_queue holds %d rows, want 2: their words were written at commit", n)
		}
		release()
		other := service.New(sc.st, sc.clock, slog.New(slog.DiscardHandler)) // a second node on the same database
		find := func(svc *service.Service, as desk.Actor, q string) []int64 {
			t.Helper()
			var seqs []int64
			for _, h := range must(svc.Search(sc.ctx, as, q, 20)) {
				seqs = append(seqs, h.Seq)
			}
			return seqs
		}
		if got := find(sc.svc, ann, "descaler"); len(got) != 1 {
			t.Errorf("the reply's own node searching its word at once: entries %v, want the reply", got)
		}
		if got := find(sc.svc, desk.CustomerActor(sc.mari), "thermostat"); len(got) != 0 {
			t.Errorf("the customer finds the internal note: %v", got)
		}
		if n := queued(); n != 0 {
			t.Errorf("after the search on the writing node search_queue holds %d rows, want 0", n)
		}
		if got := find(other, ann, "thermostat"); len(got) != 1 {
			t.Errorf("another node searching the note's word once the queue is drained: entries %v, want the note", got)
		}
	})
}
