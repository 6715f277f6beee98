package service

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/jobs"
	"github.com/keptdesk/kept/internal/store"
)

// Handlers are what the service's timers do when they fire. Each runs inside the transaction
// that also removes its timer, so a timer's effect happens exactly once.
func (s *Service) Handlers() map[string]jobs.Handler {
	return map[string]jobs.Handler{
		timerPromiseReminder: s.remindPromise,
		timerPromiseDue:      s.promiseDue,
		timerResponseDue:     s.responseDue,
		timerAbsenceStart:    s.absenceStarts,
		timerHandoverReturn:  s.handoverReturns,
		timerResolutionWait:  s.closeUnconfirmed,
	}
}

// timerDue reads the due time a promise timer was set for: a timer left from before a slip
// must not act on the promise's new time.
func timerDue(t store.Timer) time.Time {
	var p struct {
		DueAt time.Time `json:"due_at"`
	}
	_ = json.Unmarshal(t.Payload, &p) // an unreadable payload reads as zero: treated as stale
	return p.DueAt
}

// remindPromise pushes the owner, before the due time, to keep the promise or tell the customer.
func (s *Service) remindPromise(ctx context.Context, tx *store.Tx, t store.Timer, now time.Time) error {
	p, err := tx.Promise(ctx, t.RefID)
	if store.IsNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	if p.State != desk.PromiseOpen || !p.DueAt.Equal(timerDue(t)) {
		return nil
	}
	owner, err := tx.Agent(ctx, p.OwnerID)
	if err != nil {
		return err
	}
	body := fmt.Sprintf("%s: %q is due %s (in %s). If it cannot be kept, slip it now and tell the customer why.",
		desk.CaseRef(p.CaseID), p.Words, p.DueAt.In(owner.Location()).Format("Mon 2 Jan 15:04 MST"), desk.RoundDuration(p.DueAt.Sub(now)))
	if err := tx.Notify(ctx, store.Notification{AgentID: owner.ID, CaseID: p.CaseID, Kind: "promise_reminder", Body: body, CreatedAt: now}); err != nil {
		return err
	}
	// The reminder reaches the owner's inbox too; its id is unique per promise and reminder time.
	msgID := fmt.Sprintf("reminder.%d.%d@%s", p.ID, t.DueAt.Unix(), s.mailDomain())
	if err := s.mailAgent(ctx, tx, owner, p.CaseID, fmt.Sprintf("Reminder: a promise on %s is due in %s", desk.CaseRef(p.CaseID), desk.RoundDuration(p.DueAt.Sub(now))), body, msgID, now); err != nil {
		return err
	}
	ev := s.timerEvents(ctx)
	*ev = append(*ev, Event{CaseID: p.CaseID, Mail: s.mailCfg.Outbound})
	return nil
}

// promiseDue breaks a promise nobody kept by its due time, tells the customer, and escalates.
func (s *Service) promiseDue(ctx context.Context, tx *store.Tx, t store.Timer, now time.Time) error {
	p, err := tx.Promise(ctx, t.RefID)
	if store.IsNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	c, err := tx.Case(ctx, p.CaseID)
	if err != nil {
		return err
	}
	owner, err := agentOf(ctx, tx, p.OwnerID)
	if err != nil {
		return err
	}
	if err := readByCustomer(ctx, tx, &c); err != nil {
		return err
	}
	drafts, err := desk.BreakPromise(&c, &p, owner.Location(), now)
	if err != nil || len(drafts) == 0 {
		return err
	}
	ev := s.timerEvents(ctx)
	if err := tx.SavePromise(ctx, p); err != nil {
		return err
	}
	reason := fmt.Sprintf("the promise %q was due %s and was not kept", p.Words, p.DueAt.In(owner.Location()).Format("Mon 2 Jan 15:04 MST"))
	// The break's entries are appended with the escalation's (one case save for both), and its
	// reminders cancelled with the case's response target (one statement).
	reminders := []store.TimerRef{{Kind: timerPromiseReminder, RefID: p.ID}}
	if err := s.escalateAfter(ctx, tx, &c, drafts, reminders, desk.TriggerBrokenPromise, reason, now, ev); err != nil {
		return err
	}
	// Logged once committed: a batch that rolls back (to run again, see jobs) broke nothing.
	jobs.AfterCommit(ctx, func() {
		s.log.Info("promise broken", "case", c.Ref(), "promise", p.ID, "due", p.DueAt, "late_ms", now.Sub(p.DueAt).Milliseconds())
	})
	return nil
}

// agentOf loads an agent once per timer batch (a hundred breaks escalate to a handful of
// managers), and from the database outside one.
func agentOf(ctx context.Context, tx *store.Tx, id int64) (desk.Agent, error) {
	memo := jobs.BatchMemo(ctx)
	if a, ok := memo[agentKey(id)].(desk.Agent); ok {
		return a, nil
	}
	a, err := tx.Agent(ctx, id)
	if err == nil && memo != nil {
		memo[agentKey(id)] = a
	}
	return a, err
}

type agentKey int64

// responseDue escalates a case whose customer has waited past the team's response target.
func (s *Service) responseDue(ctx context.Context, tx *store.Tx, t store.Timer, now time.Time) error {
	c, err := tx.Case(ctx, t.CaseID)
	if store.IsNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	if !c.Status.Active() || c.Unanswered == 0 {
		return nil
	}
	settings, err := caseSettings(ctx, tx, c)
	if err != nil {
		return err
	}
	ev := s.timerEvents(ctx)
	reason := fmt.Sprintf("the customer has had no answer within the response target of %s", desk.RoundDuration(settings.ResponseTarget))
	return s.escalate(ctx, tx, &c, desk.TriggerResponseTarget, reason, now, ev)
}

// absenceStarts sends what an agent still owns when their leave or sickness starts to their
// manager: a case that reached them after the hand-overs is not left unattended.
func (s *Service) absenceStarts(ctx context.Context, tx *store.Tx, t store.Timer, now time.Time) error {
	a, err := tx.Absence(ctx, t.RefID)
	if store.IsNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	agent, err := tx.Agent(ctx, a.AgentID)
	if err != nil {
		return err
	}
	ev := s.timerEvents(ctx)
	_, err = s.startAbsence(ctx, tx, agent, a, now, ev)
	return err
}

// handoverReturns gives a temporarily handed-over case back to its owner when the hand-over
// ends, if nothing has changed on the ladder meanwhile; otherwise it leaves the case and tells
// the one who has it.
func (s *Service) handoverReturns(ctx context.Context, tx *store.Tx, t store.Timer, now time.Time) error {
	var p struct {
		BackTo int64 `json:"back_to"`
		From   int64 `json:"from"`
		Rung   int   `json:"rung"`
	}
	if err := json.Unmarshal(t.Payload, &p); err != nil {
		return fmt.Errorf("hand-over return payload: %w", err)
	}
	c, err := tx.Case(ctx, t.CaseID)
	if err != nil {
		return notFoundAs(err, "case", t.CaseID)
	}
	if c.OwnerID != p.From || c.Rung != p.Rung || !c.Status.Active() {
		return nil
	}
	ev := s.timerEvents(ctx)
	in := desk.Handover{ToAgentID: p.BackTo, Briefing: "The temporary hand-over has ended: the case returns to its owner."}
	err = s.handOver(ctx, tx, desk.SystemActor(), c.ID, in, false, time.Time{}, ev)
	if e, ok := desk.AsError(err); ok {
		// The owner is still away, or the case has climbed: it stays, and its keeper is told.
		return tx.Notify(ctx, store.Notification{AgentID: c.OwnerID, CaseID: c.ID, Kind: "handover_kept",
			Body: fmt.Sprintf("%s stays with you after the hand-over ended: %s", c.Ref(), e.Message), CreatedAt: now})
	}
	return err
}
