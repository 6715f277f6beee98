package bench

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// BenchmarkSearchOnData runs kept bench's search mix, one query kind per sub-benchmark, through
// the service as the head of care, against a data set kept bench generated (KEPT_BENCH_DATA, the
// SQLite data folder; KEPT_BENCH_SCALE, S when unset), one query at a time, so CPU per search
// can be compared between builds without HTTP or the load generator (cpu_us/op: the process's
// CPU per search, which on a loaded machine says more than the wall time). Skipped without data.
//
//	KEPT_BENCH_DATA=/tmp/kept-bench/m-sqlite KEPT_BENCH_SCALE=M go test -run '^$' -bench SearchOnData -benchtime 200x ./internal/bench/
func BenchmarkSearchOnData(b *testing.B) {
	e := onData(b, Options{})
	ctx, svc, g := context.Background(), e.svc, e.g
	byKind := map[string][]string{}
	for _, q := range e.queries(500) {
		byKind[q.kind] = append(byKind[q.kind], q.q)
	}
	head := desk.AgentActor(g.ppl.head)
	for _, kind := range []string{"word", "two words", "word+ref", "reference", "case ref"} {
		qs := byKind[kind]
		b.Run(kind, func(b *testing.B) {
			cpu0 := cpuTime()
			for i := range b.N {
				if _, err := svc.Search(ctx, head, qs[i%len(qs)], 20); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu_us/op")
		})
	}
	// The bench's mix from 16 clients at once, as the search measure sends it but without HTTP:
	// the tail a slow kind of search gives every other one when the cores are shared.
	all := e.queries(500)
	b.Run("mix, 16 clients", func(b *testing.B) { searchMix(b, e, all, 0) })
	// The same while an agent writes notes at 100 a second (each queues its words, which the
	// searches on this node must find): what searching costs while the desk works.
	b.Run("mix, 16 clients, notes written meanwhile", func(b *testing.B) { searchMix(b, e, all, 100) })
}

// searchMix runs b.N searches of all from 16 clients at once, with notesPerSecond internal
// notes written to open cases meanwhile (none when 0), and reports the searches' p50 and p99.
func searchMix(b *testing.B, e *env, all []query, notesPerSecond int) {
	ctx, svc, g := context.Background(), e.svc, e.g
	head := desk.AgentActor(g.ppl.head)
	stop := make(chan struct{})
	var notes sync.WaitGroup
	if notesPerSecond > 0 {
		var open []int64
		for k := 0; k < g.scale.Cases && len(open) < 1000; k++ {
			if p := g.plan(k); p.open {
				open = append(open, p.id)
			}
		}
		if len(open) == 0 {
			b.Fatal("no open case to write notes to")
		}
		notes.Add(1)
		go func() {
			defer notes.Done()
			tick := time.NewTicker(time.Second / time.Duration(notesPerSecond))
			defer tick.Stop()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				note := desk.NewMessage{Body: fmt.Sprintf("bench note %d: checked the parcel with the courier", n), Internal: true}
				if _, err := svc.AddMessage(ctx, head, open[n%len(open)], note); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	defer notes.Wait()
	defer close(stop)
	took := make([]time.Duration, b.N)
	var next atomic.Int64
	var wg sync.WaitGroup
	cpu0 := cpuTime()
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < b.N; i = int(next.Add(1) - 1) {
				t0 := time.Now()
				if _, err := svc.Search(ctx, head, all[i%len(all)].q, 20); err != nil {
					b.Error(err)
					return
				}
				took[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99_ms")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu_us/op")
}
