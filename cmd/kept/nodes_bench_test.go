package main

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/store/storetest"
)

// BenchmarkNodes measures read throughput (an agent's case list and a case, alternating) with
// 1, 2 and 3 `kept serve` nodes on one PostgreSQL database, in one run, 16 clients spread
// over the nodes. On this 2-core machine the nodes, PostgreSQL and the clients share the
// cores, so it shows what a node costs more than what one adds; docs/scaling.md reads it.
//
//	go test -run '^$' -bench Nodes -benchtime 1x ./cmd/kept/
func BenchmarkNodes(b *testing.B) {
	cfg := storetest.Config(b, "postgres")
	args := []string{"--db", cfg.URL}
	code, out, errOut := kept(b, "", append([]string{"token", "--email", "head@desk.test", "--role", "admin"}, args...)...)
	if code != 0 {
		b.Fatalf("kept token: %d %s%s", code, out, errOut)
	}
	token := lastLine(out)
	var nodes []*server
	for i := range 3 {
		nodes = append(nodes, startServer(b, append(args, "--node", fmt.Sprintf("node-%d", i))))
	}
	var ids []any
	for i := range 200 {
		cust := nodes[0].call(b, token, "POST", "/api/v1/customers", map[string]any{"name": fmt.Sprintf("Customer %d", i), "email": fmt.Sprintf("c%d@example.ee", i)}, 201)
		c := nodes[0].call(b, token, "POST", "/api/v1/cases", map[string]any{"customer_id": cust["id"], "subject": "Invoice charged twice", "body": "Please refund one.", "channel": "email"}, 201)
		ids = append(ids, c["id"])
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	const clients, phase = 16, 4 * time.Second
	b.ResetTimer()
	for n := 1; n <= 3; n++ {
		var done atomic.Int64
		var wg sync.WaitGroup
		stop := time.Now().Add(phase)
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; time.Now().Before(stop); i++ {
					path := "/api/v1/cases?limit=50"
					if i%2 == 1 {
						path = fmt.Sprintf("/api/v1/cases/%v", ids[(c*31+i)%len(ids)])
					}
					req, _ := http.NewRequest(http.MethodGet, nodes[(c+i)%n].url+path, nil)
					req.Header.Set("Authorization", "Bearer "+token)
					resp, err := client.Do(req)
					if err != nil || resp.StatusCode != 200 {
						b.Errorf("GET %s: %v %v", path, resp, err)
						return
					}
					resp.Body.Close()
					done.Add(1)
				}
			}()
		}
		wg.Wait()
		b.ReportMetric(float64(done.Load())/phase.Seconds(), fmt.Sprintf("reqs/s_%dnode", n))
	}
}
