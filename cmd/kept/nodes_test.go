package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
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
