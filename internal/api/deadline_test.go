package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/api"
	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/metrics"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// Issue 20, finding 4: while PostgreSQL was frozen an API write waited out the 75 s freeze, and
// a database that is down gave 500 internal. Now each request works to a deadline: a hanging
// database answers 503 with Retry-After (here within the 2 s the test allows, by default
// 20 s), reads and writes alike, and the desk answers again once the database does.
func TestHangingDatabaseAnswers503(t *testing.T) {
	frozen, proxy := storetest.Frozen(t)
	cfg := store.Config{URL: frozen}
	ctx := context.Background()
	st, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	svc := service.New(st, clock.NewFake(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)), slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(api.New(svc, slog.New(slog.DiscardHandler), metrics.New(), "test").WithDeadline(2 * time.Second).Handler())
	defer srv.Close()
	admin, _, err := svc.EnsureAgent(ctx, "admin@example.com", "Ada Admin", desk.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	token, err := svc.IssueToken(ctx, admin.ID, "tests")
	if err != nil {
		t.Fatal(err)
	}
	call := func(method, path string) (*http.Response, time.Duration) {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		start := time.Now()
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res, time.Since(start)
	}
	if res, _ := call("GET", "/api/v1/cases"); res.StatusCode != 200 {
		t.Fatalf("before the freeze: %d", res.StatusCode)
	}
	proxy.Freeze()
	for _, path := range []string{"/api/v1/cases", "/api/v1/customers/1"} {
		res, took := call("GET", path)
		if res.StatusCode != 503 || res.Header.Get("Retry-After") == "" || took > 5*time.Second {
			t.Errorf("GET %s with the database frozen: %d, Retry-After %q, after %s", path, res.StatusCode, res.Header.Get("Retry-After"), took)
		}
	}
	res, took := call("POST", "/api/v1/customers")
	if res.StatusCode != 503 || took > 5*time.Second {
		t.Errorf("a write with the database frozen: %d after %s", res.StatusCode, took)
	}
	t.Log("frozen calls done")
	proxy.Thaw()
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, _ := call("GET", "/api/v1/cases")
		if res.StatusCode == 200 {
			t.Log("thawed")
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the thaw: %d", res.StatusCode)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
