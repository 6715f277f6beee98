package service

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
)

// The timers trust the wall clock: one set forward would break promises early and mail their
// customers about it; one set back makes every timer wait the jump. The guard compares the
// wall clock with the time that really passed (clock.Drift): a jump forward of more than
// clockJumpLimit holds every timer and tells the admins, until an admin confirms the clock is
// right (ConfirmClock) or it comes back; a jump back is logged.

// clockJumpLimit is how far the wall clock may move from the time that passed unremarked.
const clockJumpLimit = time.Minute

// clockGuard is this process's view of its wall clock.
type clockGuard struct {
	mu       sync.Mutex
	accepted time.Duration // the drift an admin confirmed as right
	held     bool          // timers are held (the admins were told)
	back     time.Duration // the last jump back logged
}

// ClockState says whether the desk's timers trust its wall clock.
type ClockState struct {
	Now    time.Time `json:"now"`
	DriftS int64     `json:"drift_s"` // how far the wall clock moved from the time that passed, beyond what an admin confirmed
	Held   bool      `json:"held"`    // timers wait for an admin to confirm the clock
}

// timersHeld reports whether the timers must wait: the wall clock jumped forward beyond the
// limit since it was last trusted. Holding starts and ends with a log line, and starts with a
// notification to every admin.
func (s *Service) timersHeld() bool {
	g := s.clockOK
	drift := clock.Drift(s.clock)
	g.mu.Lock()
	d := drift - g.accepted
	wasHeld := g.held
	g.held = d > clockJumpLimit
	logBack := d < -clockJumpLimit && d != g.back
	if logBack {
		g.back = d
	}
	g.mu.Unlock()
	switch {
	case g.held && !wasHeld:
		s.log.Error("the wall clock jumped forward: timers are held until an admin confirms the clock (POST /api/v1/clock/confirm) or it comes back",
			"jump", d.Round(time.Second))
		jump := d.Round(time.Second).String()
		s.tellAdmins(desk.Notification{Kind: "clock_jumped"}.Note(fmt.Sprintf("The desk's clock jumped %s forward. No promise is broken and no reminder sent until an admin confirms the clock is right (POST /api/v1/clock/confirm), or until it comes back.", jump),
			"notif.detail.clock_jumped", desk.DurationArg(d)))
	case !g.held && wasHeld:
		s.log.Info("the wall clock is back within a minute of the time that passed: timers run again", "drift", d.Round(time.Second))
	case logBack:
		s.log.Warn("the wall clock jumped back: timers due meanwhile wait that long", "jump", (-d).Round(time.Second))
	}
	return g.held
}

// tellAdmins notifies every active admin, in a command of its own (a failure is logged).
func (s *Service) tellAdmins(n desk.Notification) {
	err := s.write(context.Background(), desk.SystemActor(), func(w *work) error { return notifyAdmins(w, n) })
	if err != nil {
		s.log.Error("could not tell the admins", "kind", n.Kind, "err", err)
	}
}

// BackupFailed tells the admins that serve's scheduled backup failed: a desk whose backups
// stopped must not learn it from a log line only.
func (s *Service) BackupFailed(dir string, err error) {
	s.tellAdmins(desk.Notification{Kind: "backup_failed"}.Note(fmt.Sprintf("The scheduled backup into %s failed: %v. The next is tried at its time; until one succeeds, the newest backup is older than it should be.", dir, err),
		"notif.detail.backup_failed", desk.TextArg(dir), desk.TextArg(err.Error())))
}

// notifyAdmins notifies every active admin, in the command's transaction, of n (its kind and
// words).
func notifyAdmins(w *work, n desk.Notification) error {
	agents, err := w.tx.Agents(w.ctx)
	if err != nil {
		return err
	}
	for _, a := range agents {
		if a.Active && a.Role == desk.RoleAdmin {
			n.AgentID, n.CreatedAt = a.ID, w.now
			if err := w.tx.Notify(w.ctx, n); err != nil {
				return err
			}
		}
	}
	return nil
}

// Clock says whether the timers trust the wall clock now.
func (s *Service) Clock(actor desk.Actor) (ClockState, error) {
	if err := gate(actor, ActClockRead); err != nil {
		return ClockState{}, err
	}
	held := s.timersHeld()
	g := s.clockOK
	g.mu.Lock()
	defer g.mu.Unlock()
	return ClockState{Now: s.now(), DriftS: int64((clock.Drift(s.clock) - g.accepted) / time.Second), Held: held}, nil
}

// ConfirmClock is an admin's word that the wall clock is right now: the timers trust it from
// here, and what is due by it fires.
func (s *Service) ConfirmClock(actor desk.Actor) (ClockState, error) {
	if err := gate(actor, ActClockConfirm); err != nil {
		return ClockState{}, err
	}
	g := s.clockOK
	g.mu.Lock()
	g.accepted, g.held, g.back = clock.Drift(s.clock), false, 0
	g.mu.Unlock()
	s.log.Warn("an admin confirmed the wall clock: timers trust it from now", "by", actor.Name, "now", s.now())
	s.onCommit(Event{Timers: true}) // wake a sleeping runner
	return ClockState{Now: s.now()}, nil
}
