package service

import (
	"context"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/store"
)

// The desk's clock on PostgreSQL is the database's: each node reads it now and then and moves
// on by its monotonic clock between reads (clock.Follow), so nodes whose own clocks differ, or
// jump, still agree on when a promise is due and when an entry was written.

// dbClockEvery is how often a node reads the database's clock again.
const dbClockEvery = 30 * time.Minute

// DeskClock is the clock a desk on st tells: the database's on PostgreSQL, read now; this
// machine's on SQLite.
func DeskClock(ctx context.Context, st *store.Store) (clock.Clock, error) {
	start := time.Now()
	t, ok, err := st.DBTime(ctx)
	if err != nil || !ok {
		return clock.System{}, err
	}
	f := clock.NewFollow(t)
	f.Set(t, time.Since(start))
	return f, nil
}

// FollowDatabaseClock reads the database's clock again every dbClockEvery until ctx ends, when
// the desk tells it (DeskClock); a reading that moves the clock by more than a second is
// logged (the database's clock was set).
func (s *Service) FollowDatabaseClock(ctx context.Context) error {
	f, ok := s.clock.(*clock.Follow)
	if !ok {
		return nil
	}
	t := time.NewTicker(dbClockEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		start := time.Now()
		now, _, err := s.store.DBTime(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("could not read the database's clock; the desk's keeps time by this machine's meanwhile", "err", err)
			}
			continue
		}
		if moved := f.Set(now, time.Since(start)); moved > time.Second || moved < -time.Second {
			s.log.Warn("the database's clock moved; the desk's follows it", "by", moved.Round(time.Millisecond))
		}
	}
}

// ClockSource is the clock the desk tells (for the mail workers, which keep the same time).
func (s *Service) ClockSource() clock.Clock { return s.clock }
