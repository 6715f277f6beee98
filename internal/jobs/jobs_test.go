package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

var t0 = time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)

var errBoom = errors.New("boom")

// logBuffer collects log lines; Run logs from its own goroutine.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newRunner(st *store.Store, clk clock.Clock, handlers map[string]single) (*Runner, *logBuffer) {
	logs := &logBuffer{}
	return NewRunner(st, clk, slog.New(slog.NewTextHandler(logs, nil)), singles(handlers)), logs
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// single is a handler of one timer at a time: most tests' handlers.
type single func(ctx context.Context, tx *store.Tx, tm store.Timer, now time.Time) error

// singles makes Handlers of singles: each runs its timers one after the other.
func singles(hs map[string]single) map[string]Handler {
	out := make(map[string]Handler, len(hs))
	for kind, h := range hs {
		out[kind] = func(ctx context.Context, tx *store.Tx, tms []store.Timer, now time.Time) (func(), error) {
			for _, tm := range tms {
				if err := h(ctx, tx, tm, now); err != nil {
					return nil, err
				}
			}
			return nil, nil
		}
	}
	return out
}

// calls counts handler calls per timer id.
type calls struct {
	mu sync.Mutex
	n  map[int64]int
}

func newCalls() *calls { return &calls{n: map[int64]int{}} }

// handler counts each call, then returns what result says (nil when result is nil).
func (c *calls) handler(result func(tm store.Timer, call int) error) single {
	return func(ctx context.Context, tx *store.Tx, tm store.Timer, now time.Time) error {
		c.mu.Lock()
		c.n[tm.ID]++
		n := c.n[tm.ID]
		c.mu.Unlock()
		if result == nil {
			return nil
		}
		return result(tm, n)
	}
}

func (c *calls) of(id int64) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[id]
}

func (c *calls) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	total := 0
	for _, n := range c.n {
		total += n
	}
	return total
}

func add(t testing.TB, st *store.Store, tms ...store.Timer) []int64 {
	t.Helper()
	ctx := context.Background()
	var ids []int64
	err := st.Write(ctx, func(tx *store.Tx) error {
		for _, tm := range tms {
			id, err := tx.AddTimer(ctx, tm, t0)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("add timers: %v", err)
	}
	return ids
}

func runDue(t *testing.T, r *Runner) int {
	t.Helper()
	n, err := r.RunDue(context.Background())
	if err != nil {
		t.Fatalf("run due: %v", err)
	}
	return n
}

func pending(t *testing.T, st *store.Store, caseID int64) []store.Timer {
	t.Helper()
	return storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) ([]store.Timer, error) { return tx.PendingTimers(ctx, caseID) })
}

func TestBackoff(t *testing.T) {
	for attempts, want := range map[int]time.Duration{1: time.Second, 2: 4 * time.Second, 9: 81 * time.Second, 60: time.Hour, 61: time.Hour, 1 << 40: time.Hour} {
		if got := backoff(attempts); got != want {
			t.Errorf("backoff(%d) = %v, want %v", attempts, got, want)
		}
	}
}

func TestRunDue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()

		t.Run("a timer added in a rolled back transaction never fires", func(t *testing.T) {
			st := storetest.Open(t, backend)
			c := newCalls()
			r, _ := newRunner(st, clock.NewFake(t0.Add(time.Hour)), map[string]single{"k": c.handler(nil)})
			err := st.Write(ctx, func(tx *store.Tx) error {
				if _, err := tx.AddTimer(ctx, store.Timer{Kind: "k", DueAt: t0}, t0); err != nil {
					return err
				}
				return errBoom
			})
			if !errors.Is(err, errBoom) {
				t.Fatal(err)
			}
			if n := runDue(t, r); n != 0 || c.total() != 0 {
				t.Errorf("fired %d, %d handler calls; want none", n, c.total())
			}
		})

		t.Run("due timers fire once and are deleted", func(t *testing.T) {
			st := storetest.Open(t, backend)
			clk := clock.NewFake(t0)
			c := newCalls()
			var got []store.Timer
			var nows []time.Time
			r, _ := newRunner(st, clk, map[string]single{
				"promise.remind": c.handler(nil),
				"promise.break": func(ctx context.Context, tx *store.Tx, tm store.Timer, now time.Time) error {
					got = append(got, tm)
					nows = append(nows, now)
					return nil
				},
			})
			ids := add(t, st,
				store.Timer{Kind: "promise.remind", DueAt: t0.Add(-time.Minute), CaseID: 1, RefID: 4},
				store.Timer{Kind: "promise.remind", DueAt: t0, CaseID: 1, RefID: 4},
				store.Timer{Kind: "promise.break", DueAt: t0.Add(time.Hour), CaseID: 1, RefID: 4, Key: "promise:4:break", Payload: json.RawMessage(`{"words":"call back"}`)},
			)
			if n := runDue(t, r); n != 2 || c.of(ids[0]) != 1 || c.of(ids[1]) != 1 || len(got) != 0 {
				t.Fatalf("fired %d (calls %v, break %v), want the 2 reminders", n, c.n, got)
			}
			if n := runDue(t, r); n != 0 || c.total() != 2 {
				t.Errorf("fired %d more, %d calls, on a second run at the same time", n, c.total())
			}
			if p := pending(t, st, 1); len(p) != 1 || p[0].ID != ids[2] {
				t.Errorf("pending after the reminders: %+v", p)
			}
			clk.Advance(time.Hour - time.Microsecond)
			if n := runDue(t, r); n != 0 {
				t.Errorf("fired %d a microsecond early", n)
			}
			clk.Advance(time.Microsecond)
			if n := runDue(t, r); n != 1 || len(got) != 1 {
				t.Fatalf("fired %d at the due time, want the break", n)
			}
			if tm := got[0]; tm.ID != ids[2] || tm.Kind != "promise.break" || tm.CaseID != 1 || tm.RefID != 4 || tm.Key != "promise:4:break" ||
				string(tm.Payload) != `{"words":"call back"}` || !tm.DueAt.Equal(t0.Add(time.Hour)) || !nows[0].Equal(t0.Add(time.Hour)) {
				t.Errorf("handler got %+v at %v", tm, nows[0])
			}
			if at, ok := nextDue(t, st); ok {
				t.Errorf("a timer is left, due %v", at)
			}
		})

		t.Run("a failing handler is retried with back-off, then succeeds", func(t *testing.T) {
			st := storetest.Open(t, backend)
			clk := clock.NewFake(t0)
			c := newCalls()
			r, logs := newRunner(st, clk, map[string]single{"reply.target": c.handler(func(tm store.Timer, call int) error {
				if call <= 2 {
					return fmt.Errorf("mail server away (call %d)", call)
				}
				return nil
			})})
			id := add(t, st, store.Timer{Kind: "reply.target", DueAt: t0, CaseID: 2})[0]
			for i, wait := range []time.Duration{time.Second, 4 * time.Second} {
				if n := runDue(t, r); n != 0 || c.of(id) != i+1 {
					t.Fatalf("attempt %d: fired %d, calls %d", i+1, n, c.of(id))
				}
				p := pending(t, st, 2)
				if len(p) != 1 || p[0].Attempts != i+1 || !p[0].DueAt.Equal(clk.Now().Add(wait)) || !strings.Contains(p[0].LastError, "mail server away") {
					t.Fatalf("after attempt %d: %+v", i+1, p)
				}
				clk.Advance(wait - time.Microsecond)
				if n := runDue(t, r); n != 0 || c.of(id) != i+1 {
					t.Fatalf("retried before its back-off: calls %d", c.of(id))
				}
				clk.Advance(time.Microsecond)
			}
			if n := runDue(t, r); n != 1 || c.of(id) != 3 {
				t.Fatalf("third attempt fired %d, calls %d", n, c.of(id))
			}
			if p := pending(t, st, 2); len(p) != 0 {
				t.Errorf("left after success: %+v", p)
			}
			if n := strings.Count(logs.String(), `level=ERROR msg="timer failed; will retry"`); n != 2 {
				t.Errorf("%d retry log lines, want 2:\n%s", n, logs)
			}
		})

		t.Run("a timer failing 10 times is marked failed", func(t *testing.T) {
			st := storetest.Open(t, backend)
			clk := clock.NewFake(t0)
			c := newCalls()
			r, logs := newRunner(st, clk, map[string]single{"k": c.handler(func(store.Timer, int) error { return errBoom })})
			id := add(t, st, store.Timer{Kind: "k", DueAt: t0, CaseID: 3})[0]
			for range 30 {
				runDue(t, r)
				clk.Advance(time.Hour)
			}
			if c.of(id) != maxAttempts {
				t.Errorf("handler ran %d times, want %d", c.of(id), maxAttempts)
			}
			if p := pending(t, st, 3); len(p) != 0 {
				t.Errorf("still pending: %+v", p)
			}
			if at, ok := nextDue(t, st); ok {
				t.Errorf("next due %v: a failed timer counts", at)
			}
			out := logs.String()
			if strings.Count(out, "will retry") != maxAttempts-1 || strings.Count(out, "marked failed after its last attempt") != 1 {
				t.Errorf("log:\n%s", out)
			}
		})

		t.Run("a handler's own writes roll back with its error, and only its own", func(t *testing.T) {
			st := storetest.Open(t, backend)
			clk := clock.NewFake(t0)
			effect := func(ctx context.Context, tx *store.Tx, tm store.Timer, now time.Time) error {
				_, err := tx.AddTimer(ctx, store.Timer{Kind: "effect", DueAt: now.Add(24 * time.Hour), CaseID: tm.CaseID}, now)
				return err
			}
			failedOnce := map[int64]bool{}
			r, _ := newRunner(st, clk, map[string]single{
				"ok": effect,
				"flaky": func(ctx context.Context, tx *store.Tx, tm store.Timer, now time.Time) error {
					if err := effect(ctx, tx, tm, now); err != nil {
						return err
					}
					if !failedOnce[tm.ID] {
						failedOnce[tm.ID] = true
						return errBoom
					}
					return nil
				},
				"panics": func(ctx context.Context, tx *store.Tx, tm store.Timer, now time.Time) error {
					if err := effect(ctx, tx, tm, now); err != nil {
						return err
					}
					panic("a bug")
				},
			})
			add(t, st,
				store.Timer{Kind: "flaky", DueAt: t0, CaseID: 10},
				store.Timer{Kind: "ok", DueAt: t0, CaseID: 11},
				store.Timer{Kind: "panics", DueAt: t0, CaseID: 12},
			)
			if n := runDue(t, r); n != 1 {
				t.Fatalf("fired %d, want only the ok one", n)
			}
			kinds := func(caseID int64) string {
				var ks []string
				for _, tm := range pending(t, st, caseID) {
					ks = append(ks, tm.Kind)
				}
				return strings.Join(ks, ",")
			}
			if got := kinds(10) + "|" + kinds(11) + "|" + kinds(12); got != "flaky|effect|panics" {
				t.Errorf("after the first run: %s, want flaky|effect|panics", got)
			}
			if p := pending(t, st, 12); len(p) != 1 || !strings.Contains(p[0].LastError, "handler panicked: a bug") {
				t.Errorf("the panicking timer: %+v", p)
			}
			clk.Advance(time.Second)
			if n := runDue(t, r); n != 1 {
				t.Fatalf("retry fired %d, want the flaky one", n)
			}
			if got := kinds(10) + "|" + kinds(11); got != "effect|effect" {
				t.Errorf("after the retry: %s", got)
			}
		})

		t.Run("a kind without a handler is marked failed", func(t *testing.T) {
			st := storetest.Open(t, backend)
			c := newCalls()
			r, logs := newRunner(st, clock.NewFake(t0), map[string]single{"known": c.handler(nil)})
			ids := add(t, st, store.Timer{Kind: "mystery", DueAt: t0, CaseID: 5}, store.Timer{Kind: "known", DueAt: t0, CaseID: 5})
			if n := runDue(t, r); n != 1 || c.of(ids[1]) != 1 {
				t.Fatalf("fired %d, want the known one", n)
			}
			if p := pending(t, st, 5); len(p) != 0 {
				t.Errorf("pending: %+v", p)
			}
			if at, ok := nextDue(t, st); ok {
				t.Errorf("next due %v", at)
			}
			out := logs.String()
			if !strings.Contains(out, "no handler for its kind") || !strings.Contains(out, "kind=mystery") || !strings.Contains(out, fmt.Sprintf("timer=%d", ids[0])) {
				t.Errorf("log:\n%s", out)
			}
		})

		t.Run("a timer cancelled or moved by an earlier handler in the batch does not fire", func(t *testing.T) {
			st := storetest.Open(t, backend)
			clk := clock.NewFake(t0)
			c := newCalls()
			r, _ := newRunner(st, clk, map[string]single{
				"promise.break": func(ctx context.Context, tx *store.Tx, tm store.Timer, now time.Time) error {
					if err := tx.CancelTimers(ctx, store.TimerRef{Kind: "promise.remind", RefID: tm.RefID}); err != nil {
						return err
					}
					_, err := tx.AddTimer(ctx, store.Timer{Kind: "reply.target", DueAt: now.Add(time.Hour), CaseID: tm.CaseID, Key: "reply:7"}, now)
					return err
				},
				"promise.remind": c.handler(nil),
				"reply.target":   c.handler(nil),
			})
			ids := add(t, st,
				store.Timer{Kind: "promise.break", DueAt: t0.Add(-time.Hour), CaseID: 7, RefID: 3},
				store.Timer{Kind: "promise.remind", DueAt: t0, CaseID: 7, RefID: 3},
				store.Timer{Kind: "reply.target", DueAt: t0, CaseID: 7, Key: "reply:7"},
			)
			if n := runDue(t, r); n != 1 || c.total() != 0 {
				t.Errorf("fired %d, calls %v; want only the break", n, c.n)
			}
			if p := pending(t, st, 7); len(p) != 1 || p[0].ID != ids[2] || !p[0].DueAt.Equal(t0.Add(time.Hour)) {
				t.Errorf("pending: %+v", p)
			}
		})

		t.Run("a handler may schedule its own key again", func(t *testing.T) {
			st := storetest.Open(t, backend)
			clk := clock.NewFake(t0)
			r, _ := newRunner(st, clk, map[string]single{
				"tick": func(ctx context.Context, tx *store.Tx, tm store.Timer, now time.Time) error {
					_, err := tx.AddTimer(ctx, store.Timer{Kind: "tick", DueAt: now.Add(time.Hour), CaseID: tm.CaseID, Key: tm.Key}, now)
					return err
				},
			})
			add(t, st, store.Timer{Kind: "tick", DueAt: t0, CaseID: 8, Key: "tick:8"})
			for i := range 3 {
				if n := runDue(t, r); n != 1 {
					t.Fatalf("run %d fired %d", i, n)
				}
				clk.Advance(time.Hour)
			}
			if p := pending(t, st, 8); len(p) != 1 || !p[0].DueAt.Equal(t0.Add(3*time.Hour)) || p[0].Key != "tick:8" {
				t.Errorf("pending: %+v", p)
			}
		})

		t.Run("two runners fire each of 200 timers exactly once", func(t *testing.T) {
			st := storetest.Open(t, backend)
			other, err := store.Open(ctx, store.Config{DataDir: st.DataDir(), URL: st.URL()})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { other.Close() })
			clk := clock.NewFake(t0)
			c := newCalls()
			handlers := map[string]single{"k": c.handler(nil)}
			var tms []store.Timer
			for i := range 200 {
				tms = append(tms, store.Timer{Kind: "k", DueAt: t0.Add(-time.Duration(i) * time.Second), CaseID: 9})
			}
			ids := add(t, st, tms...)
			quiet := slog.New(slog.DiscardHandler)
			runners := []*Runner{NewRunner(st, clk, quiet, singles(handlers)), NewRunner(other, clk, quiet, singles(handlers))}
			fired := make([]int, len(runners))
			errs := make([]error, len(runners))
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i, r := range runners {
				wg.Go(func() {
					<-start
					fired[i], errs[i] = r.RunDue(ctx)
				})
			}
			close(start)
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatal(err)
			}
			t.Logf("runner 1 fired %d, runner 2 fired %d", fired[0], fired[1])
			if fired[0]+fired[1] != 200 {
				t.Errorf("fired %d + %d, want 200", fired[0], fired[1])
			}
			for _, id := range ids {
				if n := c.of(id); n != 1 {
					t.Errorf("timer %d ran %d times", id, n)
				}
			}
			if c.total() != 200 {
				t.Errorf("%d handler calls, want 200", c.total())
			}
			if p := pending(t, st, 9); len(p) != 0 {
				t.Errorf("%d timers left", len(p))
			}
		})
	})
}

// startRun runs r.Run until the test ends, and checks that it then returns nil.
func startRun(t *testing.T, r *Runner) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("run did not stop")
		}
	})
}

func TestRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		t.Run("wakes for a timer added while it sleeps", func(t *testing.T) {
			st := storetest.Open(t, backend)
			fired := make(chan int64, 10)
			r, logs := newRunner(st, clock.NewFake(t0), map[string]single{
				"k": func(ctx context.Context, tx *store.Tx, tm store.Timer, now time.Time) error {
					fired <- tm.ID
					return nil
				},
			})
			r.loop.Poll = time.Hour // so only Wake can explain the second timer firing
			first := add(t, st, store.Timer{Kind: "k", DueAt: t0})[0]
			startRun(t, r)
			wait := func(id int64) {
				t.Helper()
				select {
				case got := <-fired:
					if got != id {
						t.Errorf("fired %d, want %d", got, id)
					}
				case <-time.After(5 * time.Second):
					t.Fatalf("timer %d did not fire; log:\n%s", id, logs)
				}
			}
			wait(first)
			second := add(t, st, store.Timer{Kind: "k", DueAt: t0})[0]
			r.Wake()
			wait(second)
			for range 100 {
				r.Wake() // never blocks, however many
			}
		})

		t.Run("fires on the system clock within a second of its due time", func(t *testing.T) {
			st := storetest.Open(t, backend)
			clk := clock.System{}
			type firing struct{ due, at time.Time }
			fired := make(chan firing, 1)
			r, logs := newRunner(st, clk, map[string]single{
				"k": func(ctx context.Context, tx *store.Tx, tm store.Timer, now time.Time) error {
					fired <- firing{tm.DueAt, time.Now()}
					return nil
				},
			})
			startRun(t, r)
			// Added without Wake, as another node would: the one-second poll must find it.
			due := clk.Now().Add(300 * time.Millisecond)
			add(t, st, store.Timer{Kind: "k", DueAt: due})
			select {
			case f := <-fired:
				late := f.at.Sub(f.due)
				t.Logf("fired %v after its due time", late)
				if late < 0 || late > 1200*time.Millisecond {
					t.Errorf("fired %v after its due time, want within a second", late)
				}
			case <-time.After(3 * time.Second):
				t.Fatalf("did not fire; log:\n%s", logs)
			}
		})
	})
}

func BenchmarkRunDue(b *testing.B) {
	const n = 10000
	for _, backend := range storetest.Backends {
		b.Run(backend, func(b *testing.B) {
			st := storetest.Open(b, backend)
			r := NewRunner(st, clock.NewFake(t0), slog.New(slog.DiscardHandler), map[string]Handler{
				"bench": func(context.Context, *store.Tx, []store.Timer, time.Time) (func(), error) { return nil, nil },
			})
			tms := make([]store.Timer, n)
			for i := range tms {
				tms[i] = store.Timer{Kind: "bench", DueAt: t0.Add(-time.Duration(i) * time.Millisecond), CaseID: int64(i % 500)}
			}
			var spent time.Duration
			runs := 0
			for b.Loop() {
				runs++
				b.StopTimer()
				add(b, st, tms...)
				b.StartTimer()
				start := time.Now()
				fired, err := r.RunDue(context.Background())
				spent += time.Since(start)
				if err != nil || fired != n {
					b.Fatalf("fired %d, %v; want %d", fired, err, n)
				}
			}
			b.ReportMetric(float64(n*runs)/spent.Seconds(), "timers/s")
		})
	}
}

func nextDue(t *testing.T, st *store.Store) (time.Time, bool) {
	t.Helper()
	type due struct {
		at time.Time
		ok bool
	}
	d := storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) (due, error) {
		at, ok, err := tx.NextTimerDue(ctx)
		return due{at, ok}, err
	})
	return d.at, d.ok
}
