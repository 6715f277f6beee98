package webhooks_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
	"github.com/keptdesk/kept/internal/webhooks"
)

// flaky is a real receiver on loopback that answers 503 while down and 200 once up, and keeps
// every request it saw with whether it took it.
type flaky struct {
	mu    sync.Mutex
	down  bool
	tries []received
	taken []received
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	var body json.RawMessage
	_ = json.NewDecoder(req.Body).Decode(&body)
	f.mu.Lock()
	defer f.mu.Unlock()
	r := received{id: req.Header.Get("webhook-id"), body: body}
	f.tries = append(f.tries, r)
	if f.down {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	f.taken = append(f.taken, r)
}

func (f *flaky) setDown(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = down
}

// The receiver is down for a while (503) as events happen on two cases, some while attempts are
// failing: once it is back, each delivery arrives exactly once, each case's in the order of its
// record, and every retry carried the webhook-id of the first attempt.
func TestWebhookReceiverDownThenBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		st := storetest.Open(t, backend)
		clk := clock.NewFake(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
		svc := service.New(st, clk, slog.New(slog.DiscardHandler), service.WithWebhooks(true))
		sys := desk.SystemActor()
		admin, err := svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ada Admin", Email: "ada@desk.test", Role: "admin"})
		if err != nil {
			t.Fatal(err)
		}
		rcv := &flaky{down: true}
		srv := httptest.NewServer(rcv)
		defer srv.Close()
		if _, err := svc.CreateWebhook(ctx, desk.AgentActor(admin), service.WebhookIn{URL: srv.URL, Events: []string{"message_in", "note"}}); err != nil {
			t.Fatal(err)
		}
		cust, err := svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.ee"})
		if err != nil {
			t.Fatal(err)
		}
		sender := webhooks.NewSender(svc.WebhookQueue(""), clk, slog.New(slog.DiscardHandler), true)
		round := func(d time.Duration) {
			t.Helper()
			clk.Advance(d)
			if _, err := sender.RunDue(ctx); err != nil {
				t.Fatal(err)
			}
		}
		var cases []int64
		for _, subject := range []string{"Router", "Invoice"} {
			c, err := svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: cust.ID, Subject: subject, Body: subject + " 1", Channel: "web", OwnerID: admin.ID})
			if err != nil {
				t.Fatal(err)
			}
			cases = append(cases, c.ID)
		}
		round(time.Second) // both first messages fail
		write := func(i int, body string) {
			t.Helper()
			if _, err := svc.AddMessage(ctx, desk.AgentActor(admin), cases[i], desk.NewMessage{Body: body, Internal: true}); err != nil {
				t.Fatal(err)
			}
		}
		write(0, "Router 2")
		write(1, "Invoice 2")
		round(2 * time.Second) // the new ones are fresh, but wait behind their cases' first
		round(5 * time.Second) // the first ones' retries fail again
		write(0, "Router 3")
		round(70 * time.Second)
		write(1, "Invoice 3")
		round(10 * time.Minute)
		failedTries := len(rcv.tries)
		if failedTries < 4 {
			t.Fatalf("only %d attempts while the receiver was down", failedTries)
		}

		rcv.setDown(false)
		for range 8 {
			round(time.Hour)
		}

		type payload struct {
			CaseID int64 `json:"case_id"`
			Data   struct {
				Seq  int64  `json:"seq"`
				Body string `json:"body"`
			} `json:"data"`
		}
		seen := map[string]int{}
		bodies := map[int64][]string{}
		lastSeq := map[int64]int64{}
		for _, r := range rcv.taken {
			seen[r.id]++
			var p payload
			if err := json.Unmarshal(r.body, &p); err != nil {
				t.Fatal(err)
			}
			if p.Data.Seq <= lastSeq[p.CaseID] {
				t.Errorf("case %d: seq %d arrived after seq %d", p.CaseID, p.Data.Seq, lastSeq[p.CaseID])
			}
			lastSeq[p.CaseID] = p.Data.Seq
			bodies[p.CaseID] = append(bodies[p.CaseID], p.Data.Body)
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("%s arrived %d times", id, n)
			}
		}
		for i, want := range [][]string{{"Router 1", "Router 2", "Router 3"}, {"Invoice 1", "Invoice 2", "Invoice 3"}} {
			got := bodies[cases[i]]
			if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
				t.Errorf("case %d received %v, want %v", cases[i], got, want)
			}
		}
		// Every failed attempt was a delivery that later arrived with the same webhook-id.
		for _, r := range rcv.tries[:failedTries] {
			if seen[r.id] != 1 {
				t.Errorf("an attempt with webhook-id %q while down never arrived once it was back (%d)", r.id, seen[r.id])
			}
		}
	})
}
