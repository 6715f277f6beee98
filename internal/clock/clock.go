// Package clock gives the desk its notion of now, so rules and scenario tests can run on
// a clock that tests move by hand instead of sleeping.
package clock

import (
	"sync"
	"time"
)

// Clock tells the current time.
type Clock interface {
	Now() time.Time
}

// System is the wall clock.
type System struct{}

// Now returns the current UTC time cut to microseconds, the precision both databases keep,
// so a time written and read back hashes the same.
func (System) Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// processStart is when this process started, by the wall clock and by the clock of time
// passed (passed).
var processStart, passedAtStart = time.Now().Round(0), passed()

// Drift is how far a clock's wall time has moved from the time that really passed since the
// process started (a clock nobody sets, counting time the machine slept): positive when the
// wall clock was set forward, negative when set back. Clocks that cannot tell have none.
func Drift(c Clock) time.Duration {
	switch c := c.(type) {
	case System:
		return time.Now().Round(0).Sub(processStart) - (passed() - passedAtStart)
	case *Fake:
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.jumped
	}
	return 0
}

// Fake is a clock that only moves when told to.
type Fake struct {
	mu     sync.Mutex
	now    time.Time
	jumped time.Duration // what Jump moved it, for Drift
}

// NewFake returns a fake clock standing at t.
func NewFake(t time.Time) *Fake { return &Fake{now: t.UTC().Truncate(time.Microsecond)} }

// Now returns the fake clock's time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Advance moves the clock forward by d.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d).Truncate(time.Microsecond)
}

// Set puts the clock at t.
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = t.UTC().Truncate(time.Microsecond)
}

// Jump sets the wall clock d later (earlier, when negative) without time passing, as a wrong
// setting of a server's clock would.
func (f *Fake) Jump(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d).Truncate(time.Microsecond)
	f.jumped += d
}

// Follow is a clock that tells another source's time (the database's, so that every node of a
// desk tells the same time): the source is read now and then (Set), and between reads the
// time moves on by the monotonic clock, which nobody sets. A node whose own wall clock is
// wrong, or jumps, still tells the source's time.
type Follow struct {
	mu   sync.Mutex
	at   time.Time // the source's time when last read
	mono time.Time // this process's clock then, with its monotonic reading
}

// NewFollow returns a clock standing at the source's time t, read just now.
func NewFollow(t time.Time) *Follow { return &Follow{at: t.UTC(), mono: time.Now()} }

// Now returns the source's time as of its last reading plus the time passed since.
func (f *Follow) Now() time.Time {
	f.mu.Lock()
	at, mono := f.at, f.mono
	f.mu.Unlock()
	return at.Add(time.Since(mono)).UTC().Truncate(time.Microsecond)
}

// Set takes a new reading of the source, read over roundTrip (its time is taken to be of the
// middle of the trip). It returns how far it moved the clock from where it stood.
func (f *Follow) Set(t time.Time, roundTrip time.Duration) time.Duration {
	now := time.Now()
	t = t.UTC().Add(roundTrip / 2)
	f.mu.Lock()
	defer f.mu.Unlock()
	moved := t.Sub(f.at.Add(now.Sub(f.mono)))
	f.at, f.mono = t, now
	return moved
}
