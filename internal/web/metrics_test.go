package web_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestMetricsStayBounded: requests with invented methods and paths, sent to the real server,
// leave /metrics with the series it had; every label is a method of HTTP's own (or "other")
// and a route pattern, never what the client wrote (issue 13, finding 10: 5,000 such requests
// took /metrics from 141 KB to 13 MB).
func TestMetricsStayBounded(t *testing.T) {
	d := newDesk(t, "sqlite")
	send := func(method, path string) {
		t.Helper()
		req, err := http.NewRequest(method, d.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	scrape := func() (series []string, size int) {
		t.Helper()
		resp, err := http.Get(d.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		for _, line := range strings.Split(string(body), "\n") {
			if strings.HasPrefix(line, "kept_http_") {
				series = append(series, line)
			}
		}
		return series, len(body)
	}
	// A warm-up with every kind of answer the invented requests will get.
	paths := func(i int) []string {
		return []string{fmt.Sprintf("/nothing-%d", i), fmt.Sprintf("/api/v1/nothing/%d", i), fmt.Sprintf("/cases/%d", 1000+i),
			fmt.Sprintf("/portal/cases/%d", i), fmt.Sprintf("/login?x=%d", i)}
	}
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "WARMUP"} {
		for _, p := range paths(0) {
			send(m, p)
		}
	}
	scrape() // so that /metrics itself is counted before the count that matters
	before, sizeBefore := scrape()
	for i := range 300 {
		for _, p := range paths(i + 1) {
			send(fmt.Sprintf("M%dX", i), p)
		}
	}
	after, sizeAfter := scrape()
	if len(after) != len(before) {
		t.Errorf("%d kept_http_ series before 1,500 requests with invented methods and paths, %d after", len(before), len(after))
	}
	for _, line := range after {
		if strings.Contains(line, "M1X") || strings.Contains(line, "nothing-") || strings.Contains(line, "/cases/10") ||
			strings.Contains(line, `method="WARMUP"`) {
			t.Fatalf("a label holds what a client wrote: %s", line)
		}
	}
	if sizeAfter > sizeBefore+2048 {
		t.Errorf("/metrics grew from %d to %d bytes", sizeBefore, sizeAfter)
	}
	t.Logf("/metrics: %d series, %d -> %d bytes", len(after), sizeBefore, sizeAfter)
}
