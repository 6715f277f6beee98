package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/api"
	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/metrics"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
	"github.com/keptdesk/kept/internal/web"
)

// Issue 20, finding 4, for the pages: while PostgreSQL hangs, a signed-in agent's page answers
// 503 with Retry-After and says why in their words, within the page deadline (2 s here, 20 s
// by default), rather than hanging or sending them to sign in again.
func TestHangingDatabasePage503(t *testing.T) {
	dsn, freezer := storetest.Frozen(t)
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{URL: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	d := &testDesk{t: t, St: st, Clock: clock.NewFake(start)}
	d.Svc = service.New(st, d.Clock, log)
	m := metrics.New()
	if d.Web, err = web.New(d.Svc, log, m, web.Options{Zone: time.UTC, PageDeadline: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(d.Web.Handler(api.New(d.Svc, log, m, "test").DrawsRecords(web.DrawRecord).Handler()))
	defer srv.Close()
	d.URL = srv.URL
	caseAgent(t, d, "Ann Tamm", "ann@example.com", "Care")
	b := d.browser()
	b.signIn("ann@example.com", casePassword)
	if p := b.get("/inbox"); p.Status != http.StatusOK {
		t.Fatalf("the inbox before the freeze: %d", p.Status)
	}
	freezer.Freeze()
	started := time.Now()
	p := b.get("/inbox")
	if p.Status != http.StatusServiceUnavailable || p.Header.Get("Retry-After") == "" || time.Since(started) > 6*time.Second {
		t.Fatalf("the inbox with the database frozen: %d, Retry-After %q, after %v", p.Status, p.Header.Get("Retry-After"), time.Since(started))
	}
	if !strings.Contains(p.Body, "does not answer just now") {
		t.Errorf("the page does not say why:\n%s", p.Body)
	}
	freezer.Thaw()
	deadline := time.Now().Add(10 * time.Second)
	for b.get("/inbox").Status != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("the inbox did not come back after the thaw")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
