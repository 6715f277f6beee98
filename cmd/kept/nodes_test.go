package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/store/storetest"
)

// CONTRACT.md: "On PostgreSQL several serve nodes share one database; a signed-in agent's live
// stream (GET /events) on one node carries changes made through any node within 2 s". Three
// `kept serve` nodes on one database: an agent's stream on node A hears of a message written
// through node B's API (before, each process kept its stream to itself), and a promise breaks
// once, though every node runs timers (issue 20: "timers fire once").
func TestBinaryNodesShareLiveUpdates(t *testing.T) {
	cfg := storetest.Config(t, "postgres")
	args := []string{"--db", cfg.URL}
	code, out, errOut := kept(t, "", append([]string{"token", "--email", "head@desk.test", "--role", "admin"}, args...)...)
	if code != 0 {
		t.Fatalf("kept token: %d %s%s", code, out, errOut)
	}
	token := lastLine(out)
	const password = "two nodes, one desk"
	if code, out, errOut := kept(t, password+"\n", append([]string{"password", "--email", "head@desk.test"}, args...)...); code != 0 {
		t.Fatalf("kept password: %d %s%s", code, out, errOut)
	}
	a := startServer(t, append(args, "--node", "node-a"))
	b := startServer(t, append(args, "--node", "node-b"))
	startServer(t, append(args, "--node", "node-c")) // a third runs timers too
	cust := b.call(t, token, "POST", "/api/v1/customers", map[string]any{"name": "Mari Mets", "email": "mari@example.ee"}, 201)
	c := b.call(t, token, "POST", "/api/v1/cases", map[string]any{"customer_id": cust["id"], "subject": "Router", "body": "It blinks red.", "channel": "web"}, 201)

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err := browser.Get(a.url + "/login")
	if err != nil {
		t.Fatal(err)
	}
	form, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(form)
	if m == nil {
		t.Fatalf("no form token on node A's sign-in page:\n%s", form)
	}
	resp, err = browser.PostForm(a.url+"/login", url.Values{"csrf": {string(m[1])}, "email": {"head@desk.test"}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, a.url+"/events", nil)
	resp, err = browser.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("node A's /events: %v %v", resp, err)
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
	want := fmt.Sprintf("data: %v", c["id"])
	// The nodes start listening to each other as they start: a write is given the contract's
	// 2 s, and written again if a node was still connecting its listener for the first.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		written := time.Now()
		b.call(t, token, "POST", fmt.Sprintf("/api/v1/cases/%v/messages", c["id"]), map[string]any{"body": "Please restart it once.", "internal": true}, 201)
		timeout := time.After(2 * time.Second)
	read:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatal("node A's stream ended")
				}
				if strings.TrimSpace(l) == want {
					t.Logf("node A heard of node B's write after %s", time.Since(written).Round(time.Millisecond))
					breaksOnce(t, b, token, c["id"])
					return
				}
			case <-timeout:
				break read
			}
		}
	}
	t.Fatal("node A's stream never heard of node B's writes")
}

// breaksOnce makes a promise due in two seconds on a desk of three nodes, all running timers,
// and checks that it breaks once: one promise_broken entry on the record.
func breaksOnce(t *testing.T, s *server, token string, caseID any) {
	t.Helper()
	// The owner works round the clock, so a promise may be due in two seconds whatever the day.
	day := []string{"00:00-24:00"}
	always := map[string]any{"mon": day, "tue": day, "wed": day, "thu": day, "fri": day, "sat": day, "sun": day}
	for _, a := range s.call(t, token, "GET", "/api/v1/agents", nil, 200)["list"].([]any) {
		if agent := a.(map[string]any); agent["email"] == "head@desk.test" {
			s.call(t, token, "PATCH", fmt.Sprintf("/api/v1/agents/%v", agent["id"]), map[string]any{"hours": always}, 200)
		}
	}
	due := time.Now().UTC().Add(2 * time.Second).Format(time.RFC3339Nano)
	s.call(t, token, "POST", fmt.Sprintf("/api/v1/cases/%v/promises", caseID), map[string]any{"kind": "callback", "due_at": due,
		"words": "I call you back in two seconds."}, 201)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(500 * time.Millisecond)
		broken := 0
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/api/v1/cases/%v/record", s.url, caseID), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		broken = strings.Count(string(body), `"kind":"promise_broken"`)
		if broken > 1 {
			t.Fatalf("the promise broke %d times on three nodes", broken)
		}
		if broken == 1 {
			time.Sleep(time.Second) // a second break, if any, would come now
			resp, err := http.DefaultClient.Do(req.Clone(context.Background()))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if n := strings.Count(string(body), `"kind":"promise_broken"`); n != 1 {
				t.Fatalf("the promise broke %d times on three nodes", n)
			}
			return
		}
	}
	t.Fatal("the promise did not break within 10 s of its due time")
}

// balancer spreads requests over the nodes in turn, as a load balancer would; a node that is
// gone answers 502 (the client sees no acknowledgement, so nothing it was told is lost).
func balancer(t *testing.T, nodes []*server) string {
	t.Helper()
	var next atomic.Int64
	var proxies []*httputil.ReverseProxy
	for _, n := range nodes {
		u, _ := url.Parse(n.url)
		p := httputil.NewSingleHostReverseProxy(u)
		p.ErrorLog = log.New(io.Discard, "", 0) // a killed node's refusals are expected
		proxies = append(proxies, p)
	}
	lb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxies[int(next.Add(1))%len(proxies)].ServeHTTP(w, r)
	}))
	t.Cleanup(lb.Close)
	return lb.URL
}

// Issue 20: "killing a node under load loses no acknowledged mail or write". Three nodes behind
// a balancer take replies from four clients; one node is killed (SIGKILL) in the middle. Every
// reply that was answered 201 is on the record afterwards, once.
func TestBinaryNodeKilledUnderLoad(t *testing.T) {
	cfg := storetest.Config(t, "postgres")
	args := []string{"--db", cfg.URL}
	code, out, errOut := kept(t, "", append([]string{"token", "--email", "head@desk.test", "--role", "admin"}, args...)...)
	if code != 0 {
		t.Fatalf("kept token: %d %s%s", code, out, errOut)
	}
	token := lastLine(out)
	var nodes []*server
	for i := range 3 {
		nodes = append(nodes, startServer(t, append(args, "--node", fmt.Sprintf("node-%d", i))))
	}
	cust := nodes[0].call(t, token, "POST", "/api/v1/customers", map[string]any{"name": "Mari Mets", "email": "mari@example.ee"}, 201)
	c := nodes[0].call(t, token, "POST", "/api/v1/cases", map[string]any{"customer_id": cust["id"], "subject": "Router", "body": "It blinks red.", "channel": "web"}, 201)
	lb := balancer(t, nodes)
	var mu sync.Mutex
	acked := map[string]bool{}
	var wg sync.WaitGroup
	stop := time.Now().Add(2 * time.Second)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(stop); i++ {
				body := fmt.Sprintf("note %d-%d", w, i)
				b, _ := json.Marshal(map[string]any{"body": body, "internal": true})
				req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/v1/cases/%v/messages", lb, c["id"]), bytes.NewReader(b))
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					continue
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusCreated {
					mu.Lock()
					acked[body] = true
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(time.Second)
	if err := nodes[1].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if len(acked) == 0 {
		t.Fatal("no write was acknowledged")
	}
	rec := nodes[0].call(t, token, "GET", fmt.Sprintf("/api/v1/cases/%v/record", c["id"]), nil, 200)["list"].([]any)
	seen := map[string]int{}
	for _, e := range rec {
		seen[e.(map[string]any)["body"].(string)]++
	}
	for body := range acked {
		if seen[body] != 1 {
			t.Errorf("%q was acknowledged and is on the record %d times", body, seen[body])
		}
	}
	t.Logf("%d writes acknowledged through three nodes, one killed in the middle; every one on the record once", len(acked))
}
