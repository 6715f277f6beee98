package service

import (
	"fmt"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// A team's queue (issue 16). A new case routed to a team (by its desk address, a routing rule
// or its case type) goes to the least loaded agent of that team who is at work now: within
// their working hours, not on a break, on leave or sick (nor leaving within the day, as for any
// new case), and within the team's business hours and not on its holiday. When nobody is, the
// case waits in the team's queue owned by nobody, never with someone off duty; a durable timer
// gives it out at the team's next opening (the first moment someone of the team is at work),
// to whoever is least loaded then, with an entry on the record saying so.

// timerQueueHandout gives a case waiting in its team's queue to an agent of the team.
const timerQueueHandout = "queue_handout"

// queueLookahead is how far ahead the next opening of a team is looked for; past it (a whole
// team on long leave) the timer looks again a day later.
const queueLookahead = 14 * 24 * time.Hour

// teamOwner is who of a team a new case goes to now (see above): ok is false when nobody is at
// work, and queue then says whether the case waits in the team's queue: it does when the team
// has anyone who may own cases at all (a team of nobody leaves the choice to the whole desk).
func teamOwner(w *work, teamID int64) (owner desk.Agent, queue bool, err error) {
	p, open, err := w.ownerPool(teamID)
	if err != nil {
		return desk.Agent{}, false, err
	}
	settings, err := w.settingsOf(desk.Case{TeamID: teamID})
	if err != nil {
		return desk.Agent{}, false, err
	}
	teamOpen := settings.Calendar().Open(w.now)
	loads := make([]desk.AgentLoad, 0, len(p.Agents))
	for _, a := range p.Agents {
		if desk.MayOwnNewCase(a) {
			queue = true
		}
		abs := p.Absences[a.ID]
		off := !teamOpen || !desk.Available(a, abs, w.now) || desk.AwayForNewCases(abs, w.now)
		loads = append(loads, desk.AgentLoad{Agent: a, Open: open[a.ID], Away: off})
	}
	owner, err = desk.ChooseOwner(loads)
	if _, none := desk.AsError(err); none {
		return desk.Agent{}, queue, nil
	}
	if err != nil {
		return desk.Agent{}, false, err
	}
	w.keepAgent(owner) // the pool's agents are whole rows (see chooseOwner)
	return owner, false, nil
}

// nextOpening is the first moment after now at which someone of the team may be given a new
// case (see teamOwner); ok is false when nobody is within queueLookahead.
func nextOpening(w *work, teamID int64) (time.Time, bool, error) {
	p, _, err := w.ownerPool(teamID)
	if err != nil {
		return time.Time{}, false, err
	}
	settings, err := w.settingsOf(desk.Case{TeamID: teamID})
	if err != nil {
		return time.Time{}, false, err
	}
	cal := settings.Calendar()
	var ids []int64
	for _, a := range p.Agents {
		if desk.MayOwnNewCase(a) {
			ids = append(ids, a.ID)
		}
	}
	absences, err := w.tx.AbsencesOf(w.ctx, ids, w.now.Add(-24*time.Hour), w.now.Add(queueLookahead+24*time.Hour))
	if err != nil {
		return time.Time{}, false, err
	}
	var best time.Time
	for _, a := range p.Agents {
		if !desk.MayOwnNewCase(a) {
			continue
		}
		abs := absences[a.ID]
		for _, s := range desk.AvailableStretches(a, abs, w.now.Add(time.Second), queueLookahead) {
			at := cal.NextOpen(desk.Latest(s.From, w.now.Add(time.Second)))
			if !at.Before(s.To) || desk.AwayForNewCases(abs, at) {
				continue
			}
			if best.IsZero() || at.Before(best) {
				best = at
			}
			break // this agent's first opening: later ones are later
		}
	}
	return best, !best.IsZero(), nil
}

// queueCase puts a new case in its team's queue: a note on the record says why and until when,
// and a timer gives it out then.
func (s *Service) queueCase(w *work, c *desk.Case) error {
	settings, err := w.settingsOf(*c)
	if err != nil {
		return err
	}
	at, err := s.scheduleHandout(w, c)
	if err != nil {
		return err
	}
	body := fmt.Sprintf("Waiting in %s's queue: nobody of the team is at work now.", settings.Name)
	if !at.IsZero() {
		body = fmt.Sprintf("Waiting in %s's queue: nobody of the team is at work now. It is given out when the team opens, %s.",
			settings.Name, at.In(teamZone(settings)).Format("Mon 2 Jan 15:04 MST"))
	}
	note := desk.Draft{Kind: desk.KindNote, Actor: desk.SystemActor(), Internal: true, Body: body}
	// The customer hears at once that their message arrived and when the team answers, in
	// their language and zone, naming nobody: the owner is introduced at the hand-out.
	told := desk.Queued(c, settings.Name, at, teamZone(settings))
	_, err = s.appendRecord(w, c, []desk.Draft{note, told})
	return err
}

// scheduleHandout sets the timer that gives a queued case out at its team's next opening (a
// day later when the team has none within queueLookahead); it returns the opening (zero: none).
func (s *Service) scheduleHandout(w *work, c *desk.Case) (time.Time, error) {
	at, ok, err := nextOpening(w, c.TeamID)
	if err != nil {
		return time.Time{}, err
	}
	due := at
	if !ok {
		due = w.now.Add(24 * time.Hour)
	}
	_, err = w.tx.AddTimer(w.ctx, store.Timer{Kind: timerQueueHandout, DueAt: due, CaseID: c.ID, RefID: c.ID}, w.now)
	w.changed(Event{CaseID: c.ID, Timers: true})
	if !ok {
		return time.Time{}, err
	}
	return at, err
}

// handOutQueued gives a case waiting in its team's queue to the least loaded agent of the team
// at work now; with nobody yet (a leave begun meanwhile), it waits for the next opening.
func (s *Service) handOutQueued(w *work, t store.Timer) error {
	c, err := w.lockCase(t.CaseID)
	if err != nil {
		return ignoreNotFound(err) // gone meanwhile: nothing left to do
	}
	if c.OwnerID != 0 || c.TeamID == 0 || !c.Status.Active() {
		return nil // taken by hand meanwhile, or no longer waiting for anyone
	}
	to, _, err := teamOwner(w, c.TeamID)
	if err != nil {
		return err
	}
	if to.ID == 0 {
		_, err := s.scheduleHandout(w, c)
		return err
	}
	settings, err := w.settingsOf(*c)
	if err != nil {
		return err
	}
	c.OwnerID = to.ID
	note := desk.Draft{Kind: desk.KindNote, Actor: desk.SystemActor(), Internal: true,
		Body: fmt.Sprintf("Given to %s at the start of business hours: the case waited in %s's queue since %s.",
			to.Name, settings.Name, c.CreatedAt.In(teamZone(settings)).Format("Mon 2 Jan 15:04 MST"))}
	// The customer meets their owner now (moveOwnership introduces them): nobody was named before.
	drafts, err := s.moveOwnership(w, c, ownerMove{from: 0, to: to, announce: true, reason: "queue"}, []desk.Draft{note})
	if err != nil {
		return err
	}
	if _, err := s.appendRecord(w, c, drafts); err != nil {
		return err
	}
	n := desk.Notification{AgentID: to.ID, CaseID: c.ID, Kind: "queue_handout", CreatedAt: w.now}
	return w.tx.Notify(w.ctx, n.Note(fmt.Sprintf("%s was given to you from %s's queue: %s", c.Ref(), settings.Name, c.Subject),
		"notif.detail.queue_handout", desk.TextArg(c.Ref()), desk.TextArg(settings.Name), desk.TextArg(c.Subject)))
}

// teamZone is the time zone the team's hours are in (UTC when it sets none).
func teamZone(t desk.TeamSettings) *time.Location {
	if t.Loc == nil {
		return time.UTC
	}
	return t.Loc
}

// notifyOwner tells a case's owner something they must act on. A case waiting in its team's
// queue has no owner, so the team's leads and managers (who watch the queue) are told, or the
// admins when the team has neither: what needs a person is never told to nobody.
// n says what (its kind and words); the rest is filled in here.
func notifyOwner(w *work, c desk.Case, n desk.Notification) error {
	n.CaseID, n.CreatedAt = c.ID, w.now
	if c.OwnerID != 0 {
		n.AgentID = c.OwnerID
		return w.tx.Notify(w.ctx, n)
	}
	agents, err := w.tx.Agents(w.ctx)
	if err != nil {
		return err
	}
	told := false
	for _, a := range agents {
		if a.Active && a.TeamID == c.TeamID && c.TeamID != 0 && (a.Role == desk.RoleLead || a.Role == desk.RoleManager) {
			n.AgentID = a.ID
			if err := w.tx.Notify(w.ctx, n); err != nil {
				return err
			}
			told = true
		}
	}
	if told {
		return nil
	}
	n.CaseID = 0
	return notifyAdmins(w, n)
}
