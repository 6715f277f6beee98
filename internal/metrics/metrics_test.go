package metrics_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/metrics"
)

// series counts the lines of one measure in the text /metrics answers, and returns them.
func series(t *testing.T, m *metrics.Metrics, name string) []string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	var out []string
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, name+"{") {
			out = append(out, line)
		}
	}
	return out
}

// TestMethodLabelIsBounded: invented methods all count as "other", so they cannot add series.
func TestMethodLabelIsBounded(t *testing.T) {
	m := metrics.New()
	for _, method := range []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"} {
		m.Request(method, "/inbox", 200, time.Millisecond)
	}
	before := len(series(t, m, "kept_http_requests_total"))
	for i := range 500 {
		m.Request(fmt.Sprintf("INVENTED%d", i), "/inbox", 200, time.Millisecond)
		m.Request("get", "/inbox", 200, time.Millisecond) // methods are case-sensitive: not GET
	}
	got := series(t, m, "kept_http_requests_total")
	if len(got) != before+1 {
		t.Fatalf("%d series after 1,000 requests with invented methods, want %d:\n%s", len(got), before+1, strings.Join(got, "\n"))
	}
	want := `kept_http_requests_total{code="200",method="other",route="/inbox"} 1000`
	if !strings.Contains(strings.Join(got, "\n"), want) {
		t.Errorf("no %s in:\n%s", want, strings.Join(got, "\n"))
	}
}
