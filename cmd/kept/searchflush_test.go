package main

import (
	"context"
	"log/slog"
	"testing"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
)

// flushSearch indexes for search what the server's mail intake queued (its words go into the
// full-text index shortly after commit: service.FlushSearch), so that a test searching for the
// words of a mail it just delivered finds them without waiting. It opens the server's database
// beside it, as a second node would.
func (s *server) flushSearch(t testing.TB) {
	t.Helper()
	var cfg store.Config
	for i := 0; i+1 < len(s.args); i++ {
		switch s.args[i] {
		case "--data":
			cfg.DataDir = s.args[i+1]
		case "--db":
			cfg.URL = s.args[i+1]
		}
	}
	ctx := context.Background()
	st, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open the server's database to index its mail: %v", err)
	}
	defer st.Close()
	if err := service.New(st, clock.System{}, slog.New(slog.DiscardHandler)).FlushSearch(ctx); err != nil {
		t.Fatalf("index the server's mail for search: %v", err)
	}
}
