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
// stream (GET /events) on one node carries changes made through any node within 2 s". Two
// `kept serve` nodes on one database: an agent's stream on node A hears of a message written
// through node B's API. Before, each process kept its stream to itself.
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
					return
				}
			case <-timeout:
				break read
			}
		}
	}
	t.Fatal("node A's stream never heard of node B's writes")
}
