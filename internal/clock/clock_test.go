package clock

import (
	"testing"
	"time"
)

// Follow tells its source's time, not this machine's wall clock: a node whose clock is a day
// wrong still tells the database's time, moving on by the time that passes.
func TestFollowTellsTheSourcesTime(t *testing.T) {
	source := time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC) // far from this machine's wall clock
	f := NewFollow(source)
	time.Sleep(20 * time.Millisecond)
	got := f.Now()
	if got.Before(source.Add(20*time.Millisecond)) || got.After(source.Add(time.Second)) {
		t.Fatalf("Now = %v, want just after %v", got, source)
	}
	// A new reading a minute on (the source's clock was adjusted) moves it by about a minute.
	if moved := f.Set(source.Add(time.Minute), 10*time.Millisecond); moved < 59*time.Second || moved > time.Minute {
		t.Errorf("a reading a minute on moved the clock %v", moved)
	}
	if got := f.Now(); got.Before(source.Add(time.Minute)) || got.After(source.Add(time.Minute+time.Second)) {
		t.Errorf("after the reading Now = %v", got)
	}
}
