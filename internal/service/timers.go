package service

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/jobs"
	"github.com/keptdesk/kept/internal/store"
)

// Handlers are what the service's timers do when they fire. Each runs inside the transaction
// that also removes its timers, so a timer's effect happens exactly once; the runner hands a
// run of due timers of one kind to its handler at once.
func (s *Service) Handlers() map[string]jobs.Handler {
	return map[string]jobs.Handler{
		timerPromiseReminder: s.onTimers(each(s.remindPromise)),
		timerPromiseDue:      s.onTimers(s.promisesDue),
		timerResponseDue:     s.onTimers(each(s.responseDue)),
		timerAbsenceStart:    s.onTimers(each(s.absenceStarts)),
		timerHandoverReturn:  s.onTimers(each(s.handoverReturns)),
		timerResolutionWait:  s.onTimers(each(s.closeUnconfirmed)),
		timerResolutionDue:   s.onTimers(each(s.resolutionDue)),
		timerEscalationWait:  s.onTimers(each(s.escalationDue)),
		timerPortalLink:      s.onTimers(each(s.sendPortalLink)),
		timerPasswordReset:   s.onTimers(each(s.sendPasswordReset)),
		timerAutomationSweep: s.onTimers(each(s.sweepAutomations)),
		timerQueueHandout:    s.onTimers(each(s.handOutQueued)),
		timerWaitingDue:      s.onTimers(each(s.waitingDue)),
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
func (s *Service) remindPromise(w *work, t store.Timer) error {
	p, err := w.promise(t.RefID)
	if err != nil {
		return ignoreNotFound(err) // gone meanwhile: nothing left to do
	}
	if p.State != desk.PromiseOpen || !p.DueAt.Equal(timerDue(t)) {
		return nil
	}
	owner, err := w.agent(p.OwnerID)
	if err != nil {
		return err
	}
	body := fmt.Sprintf("%s: %q is due %s (in %s). If it cannot be kept, slip it now and tell the customer why.",
		desk.CaseRef(p.CaseID), p.Words, p.DueAt.In(owner.Location()).Format("Mon 2 Jan 15:04 MST"), desk.RoundDuration(p.DueAt.Sub(w.now)))
	n := desk.Notification{AgentID: owner.ID, CaseID: p.CaseID, Kind: "promise_reminder", CreatedAt: w.now}
	n = n.Note(body, "notif.detail.promise_reminder", desk.TextArg(desk.CaseRef(p.CaseID)), desk.TextArg(p.Words), desk.TimeArg(p.DueAt))
	if err := w.tx.Notify(w.ctx, n); err != nil {
		return err
	}
	// The reminder reaches the owner's inbox too, in their language (its words are the pages'
	// catalogue's; in English where no pages compose it); its id is unique per promise and
	// reminder time.
	m := agentMail{to: owner, caseID: p.CaseID, text: body,
		subject:   fmt.Sprintf("Reminder: a promise on %s is due in %s", desk.CaseRef(p.CaseID), desk.RoundDuration(p.DueAt.Sub(w.now))),
		messageID: fmt.Sprintf("reminder.%d.%d@%s", p.ID, t.DueAt.Unix(), s.mailDomain())}
	if pm := s.portalMail.Load(); pm != nil && pm.ComposeReminder != nil && s.mailCfg.Outbound {
		lang, err := w.tx.AgentLang(w.ctx, owner.ID)
		if err != nil {
			return err
		}
		m.subject, m.text = pm.ComposeReminder(lang, owner.Location(), desk.CaseRef(p.CaseID), p.Words, p.DueAt)
	}
	if err := s.mailAgent(w, m); err != nil {
		return err
	}
	w.changed(Event{CaseID: p.CaseID, Mail: s.mailCfg.Outbound})
	return nil
}

// promisesDue breaks the promises nobody kept by their due time: one, or a run of them at once.
// What the breaks need is read set-wise first (their promises, cases, customers, the agents
// they escalate between, who is on each case); then each is the same rule as a single break
// (breakPromise), and the store writes each table once.
func (s *Service) promisesDue(w *work, timers []store.Timer) error {
	ids := make([]int64, len(timers))
	for i, t := range timers {
		ids[i] = t.RefID
	}
	if len(timers) > 1 {
		if err := s.prefetchBreaks(w, ids); err != nil {
			return err
		}
	}
	for _, t := range timers {
		if err := s.breakPromise(w, t.RefID); err != nil {
			return err
		}
	}
	return nil
}

// prefetchBreaks reads what the breaks of these promises need, a statement per table.
func (s *Service) prefetchBreaks(w *work, promiseIDs []int64) error {
	if err := w.lockPromises(promiseIDs); err != nil {
		return err
	}
	var caseIDs []int64
	for _, id := range promiseIDs {
		if p, ok := w.promises[id]; ok {
			caseIDs = append(caseIDs, p.CaseID)
		}
	}
	if err := w.lockCases(caseIDs); err != nil {
		return err
	}
	var customers, owners []int64
	for _, id := range caseIDs {
		if c, ok := w.cases[id]; ok {
			customers, owners = append(customers, c.CustomerID), append(owners, c.OwnerID)
		}
	}
	for _, id := range promiseIDs {
		if p, ok := w.promises[id]; ok {
			owners = append(owners, p.OwnerID)
		}
	}
	if err := w.loadReaders(customers); err != nil {
		return err
	}
	// The owners, then their managers, in a statement each.
	if err := w.loadAgents(owners); err != nil {
		return err
	}
	var managers []int64
	for _, id := range owners {
		if a, ok := w.agents[id]; ok && a.ManagerID != 0 {
			managers = append(managers, a.ManagerID)
		}
	}
	if err := w.loadAgents(managers); err != nil {
		return err
	}
	if err := w.loadAbsences(managers); err != nil { // who of them is at work (escalationTarget)
		return err
	}
	if err := w.loadIncidentPromises(promiseIDs); err != nil {
		return err
	}
	return w.loadParticipants(caseIDs)
}

// breakPromise breaks a promise nobody kept by its due time, tells the customer, and escalates.
func (s *Service) breakPromise(w *work, id int64) error {
	p, err := w.promise(id)
	if store.IsNotFound(err) {
		return nil // the promise is gone: nothing is due
	} else if err != nil {
		return err
	}
	c, err := w.lockCase(p.CaseID)
	if err != nil {
		return err
	}
	owner, err := w.agent(p.OwnerID)
	if err != nil {
		return err
	}
	if err := w.readByCustomer(c); err != nil {
		return err
	}
	drafts, err := desk.BreakPromise(c, p, owner.Location(), w.now)
	if err != nil || len(drafts) == 0 {
		return err // kept, already broken, or slipped to later (a stale timer)
	}
	if err := w.tx.SavePromise(w.ctx, *p); err != nil {
		return err
	}
	// The break's entries are appended with the escalation's (one case save for both), and its
	// reminders cancelled with the case's response target (one statement).
	e := escalation{trigger: desk.TriggerBrokenPromise, before: drafts,
		reason: fmt.Sprintf("the promise %q was due %s and was not kept", p.Words, p.DueAt.In(owner.Location()).Format("Mon 2 Jan 15:04 MST")),
		cancel: []store.TimerRef{{Kind: timerPromiseReminder, RefID: p.ID}}}
	if err := s.escalate(w, c, e); err != nil {
		return err
	}
	if err := s.incidentBreak(w, p, c); err != nil {
		return err
	}
	ref, due := c.Ref(), p.DueAt
	w.afterCommit(func() {
		s.log.Info("promise broken", "case", ref, "promise", id, "due", due, "late_ms", w.now.Sub(due).Milliseconds())
	})
	return nil
}

// responseDue escalates a case whose customer has waited past the team's response target.
func (s *Service) responseDue(w *work, t store.Timer) error {
	c, err := w.lockCase(t.CaseID)
	if err != nil {
		return ignoreNotFound(err) // gone meanwhile: nothing left to do
	}
	if !c.Status.Active() || c.Unanswered == 0 || c.Waiting() {
		return nil // answered, closed, or the desk waits on the customer (waiting.go)
	}
	return s.targetDue(w, c, desk.TargetResponse)
}

// resolutionDue escalates a case its team has not resolved within the resolution target.
func (s *Service) resolutionDue(w *work, t store.Timer) error {
	c, err := w.lockCase(t.CaseID)
	if err != nil {
		return ignoreNotFound(err) // gone meanwhile: nothing left to do
	}
	if c.Status != desk.StatusOpen {
		return nil // resolved (or closed) meanwhile
	}
	return s.targetDue(w, c, desk.TargetResolution)
}

// targetDue notes that c passed its team's target (desk.TargetResponse or TargetResolution)
// and escalates it from its owner.
func (s *Service) targetDue(w *work, c *desk.Case, target string) error {
	settings, err := w.settingsOf(*c)
	if err != nil {
		return err
	}
	if err := s.targetPassed(w, c, target, settings); err != nil {
		return err
	}
	if c.OwnerID == 0 {
		return nil // in its team's queue: nobody to escalate from; the queue view shows it overdue
	}
	if target == desk.TargetResolution {
		reason := fmt.Sprintf("the case has not been resolved within the resolution target of %s", desk.RoundDuration(settings.ResolutionTarget))
		return s.escalate(w, c, escalation{trigger: desk.TriggerResolution, reason: reason})
	}
	reason := fmt.Sprintf("the customer has had no answer within the response target of %s", desk.RoundDuration(settings.ResponseTarget))
	return s.escalate(w, c, escalation{trigger: desk.TriggerResponseTarget, reason: reason})
}

// absenceStarts sends what an agent still owns when their leave or sickness starts to their
// manager: a case that reached them after the hand-overs is not left unattended.
func (s *Service) absenceStarts(w *work, t store.Timer) error {
	a, err := loadToChange(w, store.AbsenceToChange, t.RefID, w.tx.Absence) // as a change of it does
	if err != nil {
		return ignoreNotFound(err) // gone meanwhile: nothing left to do
	}
	agent, err := w.agent(a.AgentID)
	if err != nil {
		return err
	}
	_, err = s.startAbsence(w, agent, a)
	return err
}

// handoverReturns gives a temporarily handed-over case back to its owner when the hand-over
// ends, if nothing has changed on the ladder meanwhile; otherwise it leaves the case and tells
// the one who has it.
func (s *Service) handoverReturns(w *work, t store.Timer) error {
	var p struct {
		BackTo int64 `json:"back_to"`
		From   int64 `json:"from"`
		Rung   int   `json:"rung"`
	}
	if err := json.Unmarshal(t.Payload, &p); err != nil {
		return fmt.Errorf("hand-over return payload: %w", err)
	}
	c, err := w.lockCase(t.CaseID)
	if err != nil {
		return notFoundAs(err, "case", t.CaseID)
	}
	if c.OwnerID != p.From || c.Rung != p.Rung || !c.Status.Active() {
		return nil
	}
	in := desk.Handover{ToAgentID: p.BackTo, Briefing: "The temporary hand-over has ended: the case returns to its owner."}
	err = s.handOver(w, c.ID, handover{Handover: in, back: true})
	if e, ok := desk.AsError(err); ok {
		// The owner is still away, or the case has climbed: it stays, and its keeper is told.
		n := desk.Notification{AgentID: c.OwnerID, CaseID: c.ID, Kind: "handover_kept", CreatedAt: w.now}
		return w.tx.Notify(w.ctx, n.Note(fmt.Sprintf("%s stays with you after the hand-over ended: %s", c.Ref(), e.Message),
			"notif.detail.handover_kept", desk.TextArg(c.Ref()), desk.WordArg("error."+e.Code, e.Message)))
	}
	return err
}
