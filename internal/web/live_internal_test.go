package web

import (
	"slices"
	"testing"
	"time"
)

// TestPresence: who has a case open, for the case page's collision notice.
func TestPresence(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	p := newPresence()
	p.now = func() time.Time { return now }
	changes, stop := p.subscribe()
	defer stop()
	next := func() presenceChange {
		t.Helper()
		select {
		case c := <-changes:
			return c
		default:
			t.Fatal("no presence change was published")
		}
		return presenceChange{}
	}
	if others := p.open(7, 1, "Ann"); len(others) != 0 {
		t.Fatalf("first to open: others = %v", others)
	}
	if c := next(); c.caseID != 7 || !slices.Equal(c.namesBut(2), []string{"Ann"}) || len(c.namesBut(1)) != 0 {
		t.Fatalf("change = %+v", c)
	}
	if others := p.open(7, 2, "Bob"); !slices.Equal(others, []string{"Ann"}) {
		t.Fatalf("Bob sees %v, want Ann", others)
	}
	next()
	if others := p.open(7, 1, "Ann"); !slices.Equal(others, []string{"Bob"}) {
		t.Fatalf("Ann again sees %v, want Bob", others)
	}
	select {
	case c := <-changes:
		t.Fatalf("opening again published %+v", c)
	default:
	}
	p.close(7, 2)
	if c := next(); !slices.Equal(c.namesBut(99), []string{"Ann"}) {
		t.Fatalf("after Bob left: %+v", c)
	}
	// A stream keeps its agent present past the time-to-live; opening alone expires.
	stopWatch := p.watch(7, 3, "Cid")
	next()
	now = now.Add(presenceTTL + time.Second)
	p.sweep()
	if c := next(); !slices.Equal(c.namesBut(99), []string{"Cid"}) {
		t.Fatalf("after the TTL: %+v, want only Cid (watching)", c)
	}
	if others := p.others(7, 1); !slices.Equal(others, []string{"Cid"}) {
		t.Fatalf("others = %v", others)
	}
	stopWatch()
	stopWatch() // twice is harmless
	if c := next(); len(c.namesBut(99)) != 0 {
		t.Fatalf("after the stream ended: %+v", c)
	}
	if len(p.cases) != 0 {
		t.Fatalf("presence still remembers %v", p.cases)
	}
}
