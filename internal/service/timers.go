package service

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
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
		timerPortalLink:      s.sendPortalLink,
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

// BatchHandlers are the timers the service can run many at once (see jobs.BatchHandler):
// promise breaks, which fall due by the thousand a minute at a large desk. Give them to the
// runner with jobs.WithBatches.
func (s *Service) BatchHandlers() map[string]jobs.BatchHandler {
	return map[string]jobs.BatchHandler{timerPromiseDue: s.promisesDue}
}

// promisesDue is promiseDue for many timers at once: the same rules (desk.BreakPromise,
// desk.Escalate) case by case in memory, with the batch's promises, cases, customers and
// agents read in a statement each and its writes made in a statement per table. A case with
// several promises in the batch breaks the first here and the others after it, one by one.
func (s *Service) promisesDue(ctx context.Context, tx *store.Tx, timers []store.Timer, now time.Time) error {
	ids := make([]int64, len(timers))
	for i, t := range timers {
		ids[i] = t.RefID
	}
	promises, err := tx.PromisesForUpdate(ctx, ids)
	if err != nil {
		return err
	}
	var caseIDs []int64
	var later []store.Timer // a case's second promise: broken once the first's writes are in
	first := map[int64]bool{}
	for _, t := range timers {
		p, ok := promises[t.RefID]
		switch {
		case !ok: // the promise is gone: nothing is due
		case first[p.CaseID]:
			later = append(later, t)
		default:
			first[p.CaseID] = true
			caseIDs = append(caseIDs, p.CaseID)
		}
	}
	cases, err := tx.CasesForUpdate(ctx, caseIDs)
	if err != nil {
		return err
	}
	customerIDs := make([]int64, 0, len(cases))
	for _, c := range cases {
		customerIDs = append(customerIDs, c.CustomerID)
	}
	readers, err := tx.Readers(ctx, customerIDs)
	if err != nil {
		return err
	}
	// The promises' and cases' owners, then their managers, in a statement each.
	var owners []int64
	for _, p := range promises {
		owners = append(owners, p.OwnerID)
	}
	for _, c := range cases {
		owners = append(owners, c.OwnerID)
	}
	if err := prefetchAgents(ctx, tx, owners); err != nil {
		return err
	}
	var managers []int64
	for _, id := range owners {
		if a, ok := jobs.BatchMemo(ctx)[agentKey(id)].(desk.Agent); ok && a.ManagerID != 0 {
			managers = append(managers, a.ManagerID)
		}
	}
	if err := prefetchAgents(ctx, tx, managers); err != nil {
		return err
	}
	b := breakBatch{reassign: map[int64]int64{}}
	for _, t := range timers {
		p, ok := promises[t.RefID]
		if !ok || !first[p.CaseID] {
			continue
		}
		first[p.CaseID] = false // a later timer of the case is in later
		c, ok := cases[p.CaseID]
		if !ok {
			return fmt.Errorf("load case %d: %w", p.CaseID, store.ErrNotFound)
		}
		if c.Reader, ok = readers[c.CustomerID]; !ok {
			return fmt.Errorf("language and zone of customer %d: %w", c.CustomerID, store.ErrNotFound)
		}
		if err := s.breakOne(ctx, tx, &b, c, p, now); err != nil {
			return err
		}
	}
	if err := s.writeBreaks(ctx, tx, &b, now); err != nil {
		return err
	}
	for _, t := range later {
		tx.ResetMemo() // each is a command of its own, as when the runner calls promiseDue
		if err := s.promiseDue(ctx, tx, t, now); err != nil {
			return err
		}
	}
	return nil
}

// breakBatch is what the breaks of a batch (promisesDue) write, collected to go out a statement
// per table.
type breakBatch struct {
	breaks       []caseBreak
	promises     []int64         // broken
	reassign     map[int64]int64 // case → new owner of its open promises
	participants []store.CaseParticipant
	notes        []store.Notification
	cancel       []store.TimerRef
}

// caseBreak is one case's break and escalation, in memory until the batch writes it.
type caseBreak struct {
	c       desk.Case
	p       desk.Promise
	drafts  []desk.Draft
	manager *desk.Agent
}

// breakOne is promiseDue and escalateAfter for one case of a batch: the same rules and drafts,
// with the writes collected in b.
func (s *Service) breakOne(ctx context.Context, tx *store.Tx, b *breakBatch, c desk.Case, p desk.Promise, now time.Time) error {
	owner, err := agentOf(ctx, tx, p.OwnerID)
	if err != nil {
		return err
	}
	drafts, err := desk.BreakPromise(&c, &p, owner.Location(), now)
	if err != nil || len(drafts) == 0 {
		return err // kept, already broken, or slipped to later (a stale timer)
	}
	reason := fmt.Sprintf("the promise %q was due %s and was not kept", p.Words, p.DueAt.In(owner.Location()).Format("Mon 2 Jan 15:04 MST"))
	caseOwner, err := agentOf(ctx, tx, c.OwnerID)
	if err != nil {
		return err
	}
	var manager *desk.Agent
	if caseOwner.ManagerID != 0 {
		m, err := agentOf(ctx, tx, caseOwner.ManagerID)
		if err != nil {
			return err
		}
		if m.Active {
			manager = &m
		}
	}
	drafts = append(drafts, desk.Escalate(&c, caseOwner, manager, desk.TriggerBrokenPromise, reason, now)...)
	b.promises = append(b.promises, p.ID)
	b.cancel = append(b.cancel, store.TimerRef{Kind: timerPromiseReminder, RefID: p.ID})
	if manager != nil {
		trigger := strings.ReplaceAll(desk.TriggerBrokenPromise, "_", " ")
		b.reassign[c.ID] = manager.ID
		b.participants = append(b.participants, store.CaseParticipant{CaseID: c.ID, Participant: desk.ParticipantFor(desk.AgentActor(*manager), now)})
		b.notes = append(b.notes, store.Notification{AgentID: manager.ID, CaseID: c.ID, Kind: "escalated",
			Body: fmt.Sprintf("%s was escalated to you (%s): %s", c.Ref(), trigger, reason), CreatedAt: now})
		b.cancel = append(b.cancel, store.TimerRef{Kind: timerResponseDue, RefID: c.ID})
	}
	b.breaks = append(b.breaks, caseBreak{c: c, p: p, drafts: drafts, manager: manager})
	return nil
}

// writeBreaks writes a batch's breaks: in the order escalateAfter writes one, a statement per
// table for the whole batch (mail to customers still goes case by case).
func (s *Service) writeBreaks(ctx context.Context, tx *store.Tx, b *breakBatch, now time.Time) error {
	if len(b.breaks) == 0 {
		return nil
	}
	if err := tx.ClosePromises(ctx, b.promises, desk.PromiseBroken, now); err != nil {
		return err
	}
	if err := tx.ReassignOpenPromisesOf(ctx, b.reassign); err != nil {
		return err
	}
	added, err := tx.AddCaseParticipants(ctx, b.participants, now)
	if err != nil {
		return err
	}
	isNew := make(map[int64]bool, len(added))
	for _, a := range added {
		isNew[a.CaseID] = true
	}
	if err := tx.NotifyAll(ctx, b.notes, now); err != nil {
		return err
	}
	if _, err := tx.CancelTimersOf(ctx, b.cancel...); err != nil {
		return err
	}
	var entries []desk.Entry
	cases := make([]desk.Case, len(b.breaks))
	chained := make([][]desk.Entry, len(b.breaks))
	for i := range b.breaks {
		br := &b.breaks[i]
		if m := br.manager; m != nil && isNew[br.c.ID] && !introduced(br.drafts, m.ID) {
			br.drafts = append(br.drafts, desk.Introduce(br.c.Reader, *m, true, now, time.Time{}))
		}
		es, err := desk.Chain(&br.c, br.drafts, now)
		if err != nil {
			return err
		}
		chained[i] = es
		entries = append(entries, es...)
	}
	if err := tx.AppendEntries(ctx, entries); err != nil {
		return err
	}
	at := 0
	for i := range b.breaks {
		br := &b.breaks[i]
		chained[i] = entries[at : at+len(chained[i])] // with their ids
		at += len(chained[i])
		for _, e := range chained[i] {
			if doc, ok := EntryDoc(br.c, e); ok {
				if err := tx.Index(ctx, doc); err != nil {
					return err
				}
			}
		}
		cases[i] = br.c
	}
	if err := tx.SaveCases(ctx, cases); err != nil {
		return err
	}
	ev := s.timerEvents(ctx)
	for i, br := range b.breaks {
		if err := s.queueMail(ctx, tx, br.c, chained[i], now); err != nil {
			return err
		}
		*ev = append(*ev, Event{CaseID: br.c.ID, Entries: len(chained[i])})
	}
	// Logged once committed: a batch that rolls back (to run again, see jobs) broke nothing.
	jobs.AfterCommit(ctx, func() {
		for _, br := range b.breaks {
			s.log.Info("promise broken", "case", br.c.Ref(), "promise", br.p.ID, "due", br.p.DueAt, "late_ms", now.Sub(br.p.DueAt).Milliseconds())
		}
	})
	return nil
}

// introduced says whether drafts already introduce the agent.
func introduced(drafts []desk.Draft, agentID int64) bool {
	for _, d := range drafts {
		if d.Kind == desk.KindIntroduction && d.Actor.ID == agentID {
			return true
		}
	}
	return false
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

// prefetchAgents reads into the batch's memo, in one statement, those of the agents that are
// not there yet, for agentOf to find.
func prefetchAgents(ctx context.Context, tx *store.Tx, ids []int64) error {
	memo := jobs.BatchMemo(ctx)
	var missing []int64
	seen := map[int64]bool{}
	for _, id := range ids {
		if _, ok := memo[agentKey(id)]; !ok && id != 0 && !seen[id] {
			seen[id] = true
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 || memo == nil {
		return nil
	}
	agents, err := tx.AgentsByID(ctx, missing)
	for id, a := range agents {
		memo[agentKey(id)] = a
	}
	return err
}

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
