package bench

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
)

// onData opens the data set kept bench generated that KEPT_BENCH_DATA names (the SQLite data
// folder) or KEPT_BENCH_DB (a PostgreSQL URL; KEPT_BENCH_SCALE its scale, S when unset), migrated, with a service on the system
// clock, and finds its generator: what the *OnData benchmarks share. Skipped without data.
func onData(b *testing.B, o Options, opts ...service.Option) *env {
	b.Helper()
	cfg := store.Config{DataDir: os.Getenv("KEPT_BENCH_DATA"), URL: os.Getenv("KEPT_BENCH_DB")}
	if cfg.DataDir == "" && cfg.URL == "" {
		b.Skip("neither KEPT_BENCH_DATA nor KEPT_BENCH_DB names a data set")
	}
	o.Scale = os.Getenv("KEPT_BENCH_SCALE")
	if o.Scale == "" {
		o.Scale = "S"
	}
	o.Seed, o.Say, o.Progress = 1, io.Discard, func(string, int, int) {}
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	st, err := store.Open(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx, log); err != nil {
		b.Fatal(err)
	}
	svc := service.New(st, clock.System{}, log, opts...)
	g, _, err := prepare(ctx, st, svc, Scales[o.Scale], o, &profiler{})
	if err != nil {
		b.Fatal(err)
	}
	return &env{g: g, svc: svc, st: st, o: o}
}
