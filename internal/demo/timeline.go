package demo

import (
	"context"
	"slices"
	"time"
)

// event is one thing that happens on the demo desk at a planned time: a case opening, a
// customer writing, a promise kept, an agent going on leave.
type event struct {
	at time.Time
	do func(ctx context.Context) error
}

// timeline is every planned event of the demo. The cases are planned one after the other, but
// they are played in time order across all cases, with the desk's timers firing in between at
// their due times, as they would in production: a promise nobody kept breaks at its due time,
// and the escalation it causes is on the record before anything that happens after it.
type timeline struct {
	events []event
}

func (tl *timeline) add(at time.Time, do func(ctx context.Context) error) {
	tl.events = append(tl.events, event{at: at, do: do})
}

// play runs the events in time order (events at the same time in the order they were planned)
// and ends with the clock at end, every timer due by then fired.
func (s *seeder) play(ctx context.Context, end time.Time) error {
	slices.SortStableFunc(s.tl.events, func(a, b event) int { return a.at.Compare(b.at) })
	for _, e := range s.tl.events {
		if err := s.moveTo(ctx, e.at); err != nil {
			return err
		}
		if err := e.do(ctx); err != nil {
			return err
		}
	}
	s.tl.events = nil
	return s.moveTo(ctx, end)
}

// moveTo moves the clock forward to t, stopping at each timer due on the way to fire it at its
// own time.
func (s *seeder) moveTo(ctx context.Context, t time.Time) error {
	for {
		// Cancelled timers only make the next one later, so a known next due time after t
		// stands until a command adds a timer.
		if s.timersAdded || !s.nextDue.IsZero() && !s.nextDue.After(t) {
			next, ok, err := s.timers.NextDue(ctx)
			if err != nil {
				return err
			}
			s.timersAdded, s.nextDue = false, next
			if !ok {
				s.nextDue = time.Time{}
			}
		}
		if s.nextDue.IsZero() || s.nextDue.After(t) {
			break
		}
		next := s.nextDue
		if next.After(s.clk.Now()) {
			s.clk.Set(next)
		}
		fired, err := s.timers.RunDue(ctx)
		if err != nil {
			return err
		}
		s.fired += fired
		s.timersAdded = true // the handlers may have set timers of their own
	}
	if t.After(s.clk.Now()) {
		s.clk.Set(t)
	}
	return nil
}
