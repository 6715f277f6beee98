package bench

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
)

// BenchmarkSearchOnData runs kept bench's search mix, one query kind per sub-benchmark, through
// the service as the head of care, against a data set kept bench generated (KEPT_BENCH_DATA, the
// SQLite data folder; KEPT_BENCH_SCALE, S when unset), one query at a time, so CPU per search
// can be compared between builds without HTTP or the load generator. Skipped without data.
//
//	KEPT_BENCH_DATA=/tmp/kept-bench/m-sqlite KEPT_BENCH_SCALE=M go test -run '^$' -bench SearchOnData -benchtime 200x ./internal/bench/
func BenchmarkSearchOnData(b *testing.B) {
	dir := os.Getenv("KEPT_BENCH_DATA")
	if dir == "" {
		b.Skip("KEPT_BENCH_DATA names no data set")
	}
	scale := os.Getenv("KEPT_BENCH_SCALE")
	if scale == "" {
		scale = "S"
	}
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	st, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx, log); err != nil {
		b.Fatal(err)
	}
	svc := service.New(st, clock.System{}, log)
	o := Options{Scale: scale, Seed: 1, Say: io.Discard, Progress: func(string, int, int) {}}
	g, _, err := prepare(ctx, st, svc, Scales[scale], o, &profiler{})
	if err != nil {
		b.Fatal(err)
	}
	e := &env{g: g, svc: svc, st: st, o: o}
	byKind := map[string][]string{}
	for _, q := range e.queries(500) {
		byKind[q.kind] = append(byKind[q.kind], q.q)
	}
	head := desk.AgentActor(g.ppl.head)
	for _, kind := range []string{"word", "two words", "word+ref", "reference", "case ref"} {
		qs := byKind[kind]
		b.Run(kind, func(b *testing.B) {
			for i := range b.N {
				if _, err := svc.Search(ctx, head, qs[i%len(qs)], 20); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
