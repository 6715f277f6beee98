package web_test

import (
	"bufio"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/api"
	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/metrics"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
	"github.com/keptdesk/kept/internal/web"
)

// node is one `kept serve` of several on one PostgreSQL database: its own store, service,
// pages and change bus, as serve wires them.
func startNode(t *testing.T, cfg store.Config, clk *clock.Fake) *testDesk {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	st, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	if err := st.Migrate(ctx, log); err != nil {
		t.Fatal(err)
	}
	d := &testDesk{t: t, St: st, Clock: clk}
	t.Cleanup(cancel)
	var bus *service.ChangeBus
	d.Svc = service.New(st, clk, log, service.WithEvents(func(e service.Event) {
		if d.Web != nil {
			d.Web.Changed(e)
		}
		bus.Publish(e)
	}))
	bus = d.Svc.ChangeBus()
	m := metrics.New()
	if d.Web, err = web.New(d.Svc, log, m, web.Options{Zone: time.UTC}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- bus.Run(ctx, d.Web.ShareLive(bus.PublishPresence)) }()
	select {
	case <-bus.Listening():
	case <-time.After(10 * time.Second):
		t.Fatal("the node's change bus does not listen")
	}
	srv := httptest.NewServer(d.Web.Handler(api.New(d.Svc, log, m, "test").DrawsRecords(web.DrawRecord).Handler()))
	d.URL = srv.URL
	t.Cleanup(func() {
		d.Web.CloseStreams()
		srv.Close()
		cancel()
		<-done
		st.Close()
	})
	return d
}

// Issue 20, finding 1 (and CONTRACT.md: "a signed-in agent's live stream on one node carries
// changes made through any node within 2 s"): with two nodes on one PostgreSQL database, an
// agent's /events stream on node A hears of a reply written through node B. Before, the
// stream lived in the process, and A never heard of it.
func TestLiveStreamAcrossNodes(t *testing.T) {
	cfg := storetest.Config(t, "postgres")
	clk := clock.NewFake(start)
	a, b := startNode(t, cfg, clk), startNode(t, cfg, clk)
	ctx := context.Background()
	ann := caseAgent(t, a, "Ann Tamm", "ann@example.com", "Care")
	cust, err := a.Svc.CreateCustomer(ctx, desk.SystemActor(), desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.ee"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := a.Svc.OpenCase(ctx, desk.SystemActor(), desk.NewCase{CustomerID: cust.ID, Subject: "Router", Body: "It blinks red.", Channel: "web", OwnerID: ann.ID})
	if err != nil {
		t.Fatal(err)
	}
	br := a.browser()
	br.signIn("ann@example.com", casePassword)
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(sctx, http.MethodGet, a.URL+"/events", nil)
	resp, err := br.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		s := bufio.NewScanner(resp.Body)
		for s.Scan() {
			lines <- s.Text()
		}
	}()
	written := time.Now()
	if _, err := b.Svc.AddMessage(ctx, desk.AgentActor(ann), c.ID, desk.NewMessage{Body: "Please restart it once."}); err != nil {
		t.Fatal(err)
	}
	want := "data: " + strconv.FormatInt(c.ID, 10)
	timeout := time.After(2 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("the stream ended")
			}
			if l == want {
				t.Logf("node A heard of node B's change after %s", time.Since(written).Round(time.Millisecond))
				return
			}
		case <-timeout:
			t.Fatal("node A's stream did not hear of node B's change within 2 s")
		}
	}
}

// stream opens a signed-in browser's /events (path with its query) and gives its lines.
func stream(t *testing.T, ctx context.Context, b *browser, path string) <-chan string {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.d.URL+path, nil)
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		s := bufio.NewScanner(resp.Body)
		for s.Scan() {
			lines <- s.Text()
		}
	}()
	return lines
}

// Issue 20, finding 1, the other half: "who is looking at this case" crosses nodes. Bob has the
// case open on node B; when Ann opens it on node A, Bob's page hears that she is there, and
// hears it again when she leaves. Before, presence lived in each node's memory only.
func TestPresenceAcrossNodes(t *testing.T) {
	cfg := storetest.Config(t, "postgres")
	clk := clock.NewFake(start)
	a, b := startNode(t, cfg, clk), startNode(t, cfg, clk)
	ctx := context.Background()
	ann := caseAgent(t, a, "Ann Tamm", "ann@example.com", "Care")
	caseAgent(t, a, "Bob Kask", "bob@example.com", "Care")
	cust, err := a.Svc.CreateCustomer(ctx, desk.SystemActor(), desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.ee"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := a.Svc.OpenCase(ctx, desk.SystemActor(), desk.NewCase{CustomerID: cust.ID, Subject: "Router", Body: "It blinks red.", Channel: "web", OwnerID: ann.ID})
	if err != nil {
		t.Fatal(err)
	}
	path := "/events?case=" + strconv.FormatInt(c.ID, 10)
	sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	bob := b.browser()
	bob.signIn("bob@example.com", casePassword)
	bobLines := stream(t, sctx, bob, path)
	wait := func(want string) {
		t.Helper()
		timeout := time.After(3 * time.Second)
		for {
			select {
			case l, ok := <-bobLines:
				if !ok {
					t.Fatal("Bob's stream ended")
				}
				if strings.HasPrefix(l, "data: ") && strings.Contains(l, `"case":`+strconv.FormatInt(c.ID, 10)) && strings.Contains(l, want) {
					return
				}
			case <-timeout:
				t.Fatalf("Bob's stream on node B did not hear %s within 3 s", want)
			}
		}
	}
	annB := a.browser()
	annB.signIn("ann@example.com", casePassword)
	actx, leave := context.WithCancel(sctx)
	stream(t, actx, annB, path)
	wait(`"names":["Ann Tamm"]`)
	leave()
	wait(`"names":[]`)
}
