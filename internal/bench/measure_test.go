package bench

import (
	"testing"
	"time"
)

// The idle measure's PostgreSQL CPU counts what each process used in the window: a backend a
// connection pool closed during it takes nothing away (the sum of the totals went to -109% at
// scale M), one started during it counts whole, and a pid used again by a new process counts as
// the new process.
func TestCPUSinceCountsTheWindowOnly(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	before := map[string]time.Duration{"100": ms(500), "200": ms(90_000), "300": ms(4_000)}
	after := map[string]time.Duration{"100": ms(530), "300": ms(20), "400": ms(10)}
	if got, want := cpuSince(before, after), ms(30+20+10); got != want {
		t.Errorf("cpuSince = %v, want %v: 30 ms of the postmaster, the 200's exit nothing, 20 ms of a new 300, 10 ms of 400", got, want)
	}
}
