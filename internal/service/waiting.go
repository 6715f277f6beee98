package service

import (
	"context"
	"fmt"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// A case waiting on its customer (issue 16). The desk sets it so when it has asked the customer
// for something: it is shown apart in the inbox, its response clock does not run (nobody on the
// desk owes an answer), and the waiting clock (WaitingSince) does. When the customer writes, the
// case stops waiting and is back in its owner's inbox; when a snooze's time comes first, the
// owner is reminded (a durable timer, at the team's first business moment from then).

// timerWaitingDue fires when a snoozed case's waiting time ends without an answer.
const timerWaitingDue = "waiting_due"

// WaitingIn sets a case waiting on its customer; Until, when not zero, is when its owner is
// reminded if the customer has not answered. Stop takes the case back from waiting.
type WaitingIn struct {
	Until time.Time
	Stop  bool
}

// SetWaiting sets a case waiting on its customer, or (Stop) takes it back: the case page and
// POST/DELETE /api/v1/cases/{id}/waiting. Each change is an internal entry.
func (s *Service) SetWaiting(ctx context.Context, actor desk.Actor, caseID int64, in WaitingIn) (CaseView, error) {
	err := s.onCase(ctx, actor, caseID, ActCaseWait, func(w *work, c *desk.Case) error {
		if in.Stop {
			if !c.Waiting() {
				return desk.Conflict("not_waiting", fmt.Sprintf("%s is not waiting on its customer", c.Ref()), nil)
			}
			return s.stopWaiting(w, c, desk.WaitingEnded)
		}
		d, err := desk.SetWaiting(c, w.actor, in.Until, w.now)
		if err != nil {
			return err
		}
		c.UpdatedAt = w.now
		if _, err := s.appendRecord(w, c, []desk.Draft{d}); err != nil {
			return err
		}
		// Nobody on the desk owes an answer while the desk waits on the customer.
		cancel := []store.TimerRef{{Kind: timerResponseDue, RefID: c.ID}}
		if c.WaitingUntil.IsZero() {
			cancel = append(cancel, store.TimerRef{Kind: timerWaitingDue, RefID: c.ID})
			return w.tx.CancelTimers(w.ctx, cancel...)
		}
		if err := w.tx.CancelTimers(w.ctx, cancel...); err != nil {
			return err
		}
		settings, err := w.settingsOf(*c)
		if err != nil {
			return err
		}
		due := settings.Calendar().NextOpen(c.WaitingUntil)
		_, err = w.tx.AddTimer(w.ctx, store.Timer{Kind: timerWaitingDue, DueAt: due, CaseID: c.ID, RefID: c.ID,
			Key: fmt.Sprintf("waiting_due:%d", c.ID)}, w.now)
		w.changed(Event{CaseID: c.ID, Timers: true})
		return err
	})
	return s.caseAfter(ctx, actor, caseID, "set waiting", err)
}

// stopWaiting takes a waiting case back, for a reason: an entry, the reminder cancelled, and
// the response clock running again for a customer still owed an answer.
func (s *Service) stopWaiting(w *work, c *desk.Case, reason string) error {
	d, ok := desk.StopWaiting(c, w.actor, reason, w.now)
	if !ok {
		return nil
	}
	c.UpdatedAt = w.now
	if _, err := s.appendRecord(w, c, []desk.Draft{d}); err != nil {
		return err
	}
	if reason != desk.WaitingReminded { // a fired reminder is gone already
		if err := w.tx.CancelTimers(w.ctx, store.TimerRef{Kind: timerWaitingDue, RefID: c.ID}); err != nil {
			return err
		}
	}
	if c.Unanswered > 0 {
		return s.startResponseClock(w, *c)
	}
	return nil
}

// waitingDue reminds the owner of a case whose waiting time ended without the customer's
// answer, and takes it back from waiting into their inbox.
func (s *Service) waitingDue(w *work, t store.Timer) error {
	c, err := w.lockCase(t.CaseID)
	if err != nil {
		return ignoreNotFound(err) // gone meanwhile: nothing left to do
	}
	if !c.Waiting() || c.WaitingUntil.IsZero() || w.now.Before(c.WaitingUntil) {
		return nil // answered, taken back or moved meanwhile
	}
	if c.Status != desk.StatusOpen {
		// Resolved (or closed) while it waited: nobody needs reminding, it just stops waiting.
		return s.stopWaiting(w, c, desk.WaitingEnded)
	}
	since := c.WaitingSince
	if err := s.stopWaiting(w, c, desk.WaitingReminded); err != nil {
		return err
	}
	if c.OwnerID == 0 {
		return nil // in its team's queue: back among the cases waiting for the team, nobody to remind
	}
	owner, err := w.agent(c.OwnerID)
	if err != nil {
		return err
	}
	body := fmt.Sprintf("%s: the customer has not answered since %s; the case is back in your inbox.",
		c.Ref(), since.In(owner.Location()).Format("Mon 2 Jan 15:04 MST"))
	n := desk.Notification{AgentID: c.OwnerID, CaseID: c.ID, Kind: "waiting_ended", CreatedAt: w.now}
	return w.tx.Notify(w.ctx, n.Note(body, "notif.detail.waiting_ended", desk.TextArg(c.Ref()), desk.TimeArg(since)))
}

// customerAnswered takes a case that waited on its customer back when they write.
func (s *Service) customerAnswered(w *work, c *desk.Case, drafts []desk.Draft) error {
	if !c.Waiting() {
		return nil
	}
	for _, d := range drafts {
		if d.Kind == desk.KindMessageIn {
			return w.as(desk.SystemActor(), func() error { return s.stopWaiting(w, c, desk.WaitingAnswered) })
		}
	}
	return nil
}

// MergeIn merges case from into case into: the case page's merge form and POST
// /api/v1/cases/{id}/merge. Both must be open cases of one customer, and whoever merges must
// settle both (their owner, above them, their team's lead or manager, an admin). Each record
// says so; from is closed and points to into, where its later mail lands.
//
// A case with open promises is not merged (409 merge_open_promises): a promise stays on the
// record it was made on, where the customer read it and where its keeping or slipping is told;
// keep it (or let it fall due) first.
func (s *Service) MergeIn(ctx context.Context, actor desk.Actor, into, from int64) (CaseView, error) {
	err := s.writeGated(ctx, actor, ActCaseMerge, func(w *work) error {
		if err := w.lockCases([]int64{into, from}); err != nil {
			return err
		}
		a, err := w.loadCase(into)
		if err != nil {
			return err
		}
		b, err := w.loadCase(from)
		if store.IsNotFound(err) {
			return desk.Invalid("from", "no case %s", desk.CaseRef(from))
		} else if err != nil {
			return err
		}
		for _, c := range []*desk.Case{a, b} {
			if err := w.allow(ActCaseMerge, Object{Case: c}); err != nil {
				return err
			}
		}
		intoDrafts, fromDrafts, err := desk.Merge(a, b, w.actor, w.now)
		if err != nil {
			return err
		}
		open, err := w.tx.Promises(w.ctx, store.PromiseFilter{CaseID: b.ID, State: desk.PromiseOpen})
		if err != nil {
			return err
		}
		if len(open) > 0 {
			return desk.Conflict("merge_open_promises", fmt.Sprintf("%s has %d open promise(s): a promise stays on the case it was made on; keep it first, then merge",
				b.Ref(), len(open)), nil)
		}
		a.UpdatedAt, b.UpdatedAt = w.now, w.now
		if _, err := s.appendRecord(w, b, fromDrafts); err != nil {
			return err
		}
		if _, err := s.appendRecord(w, a, intoDrafts); err != nil {
			return err
		}
		// The merged case's clocks stop: whatever it still needed goes on in the other.
		if err := w.tx.CancelTimers(w.ctx, store.TimerRef{Kind: timerResponseDue, RefID: b.ID}, store.TimerRef{Kind: timerResolutionDue, RefID: b.ID},
			store.TimerRef{Kind: timerWaitingDue, RefID: b.ID}); err != nil {
			return err
		}
		if b.Unanswered > 0 && a.Unanswered == 0 {
			// The customer still waits for an answer on what was merged in.
			a.Unanswered = b.Unanswered
			if err := w.tx.SaveCase(w.ctx, *a); err != nil {
				return err
			}
			return s.startResponseClock(w, *a)
		}
		return nil
	})
	return s.caseAfter(ctx, actor, into, "merge cases", err)
}

// mergedTarget is the case a mail threaded to a merged case lands on: the case it was merged
// into (followed a few times, for a case merged into one merged later).
func mergedTarget(w *work, c *desk.Case) (*desk.Case, error) {
	for range 5 {
		if c == nil || c.MergedInto == 0 {
			return c, nil
		}
		next, err := w.loadCase(c.MergedInto)
		if err != nil {
			return nil, err
		}
		c = next
	}
	return c, nil
}
