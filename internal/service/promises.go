package service

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// Timer kinds the service schedules and handles (see Handlers).
const (
	timerPromiseReminder = "promise_reminder"
	timerPromiseDue      = "promise_due"
	timerResponseDue     = "response_due"
	timerAbsenceStart    = "absence_start"
	timerHandoverReturn  = "handover_return"
	timerEscalationWait  = "escalation_wait"
)

// PromiseView is a promise with the names a manager reads it by, and (when just made) how
// long such promises take.
type PromiseView struct {
	desk.Promise
	CaseRef  string         `json:"case_ref"`
	Maker    Person         `json:"maker"`
	Owner    Person         `json:"owner"`
	Estimate *desk.Estimate `json:"estimate"`
}

// MakePromise records a promise to the customer: the exact words, its maker and owner, and its
// due time, with reminders and the breach timer stored in the same transaction. A promise due
// when its owner is unavailable is refused with the owner's next free times and the teammates
// free at the asked time.
func (s *Service) MakePromise(ctx context.Context, actor desk.Actor, caseID int64, in desk.NewPromise) (PromiseView, error) {
	if err := gate(actor, ActPromiseMake); err != nil {
		return PromiseView{}, err
	}
	in, err := desk.ValidatePromise(in, s.now())
	if err != nil {
		return PromiseView{}, err
	}
	var view PromiseView
	err = s.write(ctx, actor, func(w *work) error {
		tx := w.tx
		c, err := w.loadCase(caseID)
		if err != nil {
			return err
		}
		p, err := s.promiseOn(w, c, in)
		if err != nil {
			return err
		}
		took, err := tx.KeptDurations(ctx, c.Type, p.Kind, 500)
		if err != nil {
			return err
		}
		if view, err = promiseView(w, p); err != nil {
			return err
		}
		view.Estimate = desk.EstimateFor(took, p.DueAt, w.now)
		return nil
	})
	return view, wrap("make promise", err)
}

// promiseOn makes a promise on a case the command has locked: the one path of MakePromise, of
// an incident's promise on each linked case and of a decision's due time. The promise is
// stored with its entry, its owner's introduction when new to the case, its reminders and its
// breach timer.
func (s *Service) promiseOn(w *work, c *desk.Case, in desk.NewPromise) (desk.Promise, error) {
	ctx, tx, now, actor := w.ctx, w.tx, w.now, w.actor
	if !c.Status.Active() {
		return desk.Promise{}, desk.Conflict("case_closed", fmt.Sprintf("%s is %s: reopen it before promising anything", c.Ref(), c.Status), nil)
	}
	ownerID := in.OwnerID
	if ownerID == 0 {
		ownerID = c.OwnerID
	}
	if ownerID == 0 && actor.Kind == desk.ActorAgent {
		ownerID = actor.ID // the case waits in its team's queue: who promises keeps it
	}
	if ownerID == 0 {
		return desk.Promise{}, desk.Invalid("owner_id", "%s waits in its team's queue: name who keeps the promise", c.Ref())
	}
	owner, err := w.agent(ownerID)
	if store.IsNotFound(err) {
		return desk.Promise{}, desk.Invalid("owner_id", "no agent %d", ownerID)
	} else if err != nil {
		return desk.Promise{}, err
	}
	if err := requireAvailable(w, owner, in.DueAt); err != nil {
		return desk.Promise{}, err
	}
	maker := owner.ID
	if actor.Kind == desk.ActorAgent {
		maker = actor.ID
	}
	p := desk.Promise{CaseID: c.ID, Kind: desk.PromiseKind(in.Kind), Words: in.Words, Place: in.Place, DueAt: in.DueAt.UTC(),
		State: desk.PromiseOpen, MakerID: maker, OwnerID: owner.ID, CaseType: c.Type, CreatedAt: now}
	if err := tx.InsertPromise(ctx, &p); err != nil {
		return desk.Promise{}, err
	}
	w.keepPromise(p)
	drafts := desk.MakePromise(c, p, actor)
	// A colleague new to the case who will keep the promise is introduced to the customer:
	// who they are, what they will do and by when.
	if owner.ID != c.OwnerID {
		added, err := w.participate(c, desk.ParticipantFor(desk.AgentActor(owner), now))
		if err != nil {
			return desk.Promise{}, err
		}
		if added {
			if err := w.readByCustomer(c); err != nil {
				return desk.Promise{}, err
			}
			zone, err := zoneOf(w, *c)
			if err != nil {
				return desk.Promise{}, err
			}
			intro := desk.Introduce(c.Reader, owner, false, now, time.Time{})
			drafts = append(drafts, desk.IntroducePromises(c.Reader, &intro, owner, []desk.Promise{p}, zone))
		}
	}
	// A written promise answers the customer (appendContact): their clock stops.
	if _, err := s.appendContact(w, c, drafts); err != nil {
		return desk.Promise{}, err
	}
	if err := s.schedulePromise(w, *c, p); err != nil {
		return desk.Promise{}, err
	}
	return p, nil
}

// requireAvailable refuses a due time when the agent cannot be booked, offering the agent's
// next free times and the teammates who are free at that time.
func requireAvailable(w *work, a desk.Agent, at time.Time) error {
	ctx, tx := w.ctx, w.tx
	absences, err := tx.Absences(ctx, a.ID, at.Add(-24*time.Hour), at.Add(15*24*time.Hour))
	if err != nil {
		return err
	}
	if desk.Available(a, absences, at) {
		return nil
	}
	slots := []map[string]any{}
	for _, t := range desk.FreeSlots(a, absences, at, 3) {
		slots = append(slots, map[string]any{"at": t.UTC().Format(time.RFC3339), "agent_id": a.ID, "agent": a.Name})
	}
	if a.TeamID != 0 {
		agents, err := tx.Agents(ctx)
		if err != nil {
			return err
		}
		for _, mate := range agents {
			if mate.ID == a.ID || mate.TeamID != a.TeamID || !mate.Active || mate.Role == desk.RolePartner {
				continue
			}
			abs, err := tx.Absences(ctx, mate.ID, at.Add(-time.Minute), at.Add(time.Minute))
			if err != nil {
				return err
			}
			if desk.Available(mate, abs, at) {
				slots = append(slots, map[string]any{"at": at.UTC().Format(time.RFC3339), "agent_id": mate.ID, "agent": mate.Name})
			}
		}
	}
	e := desk.Conflict("owner_unavailable",
		fmt.Sprintf("%s is not available at %s: %s", a.Name, at.In(a.Location()).Format("Mon 2 Jan 15:04 MST"), desk.Why(a, absences, at)),
		map[string]any{"free_slots": slots})
	e.Field = "due_at"
	return e
}

// schedulePromise stores a promise's reminders and its breach timer (replacing earlier ones).
func (s *Service) schedulePromise(w *work, c desk.Case, p desk.Promise) error {
	ctx, tx, now := w.ctx, w.tx, w.now
	if err := tx.CancelTimers(ctx, store.TimerRef{Kind: timerPromiseReminder, RefID: p.ID}); err != nil {
		return err
	}
	settings, err := w.settingsOf(c)
	if err != nil {
		return err
	}
	payload, _ := json.Marshal(map[string]string{"due_at": p.DueAt.UTC().Format(time.RFC3339Nano)})
	var reminders []time.Time
	for _, before := range settings.ReminderOffsets {
		if at := p.DueAt.Add(-before); at.After(now) {
			reminders = append(reminders, at)
		}
	}
	if len(reminders) == 0 && len(settings.ReminderOffsets) > 0 {
		// Due sooner than the first reminder would come: the owner is still reminded, halfway.
		if half := now.Add(p.DueAt.Sub(now) / 2); half.After(now) && half.Before(p.DueAt) {
			reminders = append(reminders, half.Truncate(time.Second))
		}
	}
	for _, at := range reminders {
		if _, err := tx.AddTimer(ctx, store.Timer{Kind: timerPromiseReminder, DueAt: at, CaseID: c.ID, RefID: p.ID, Payload: payload}, now); err != nil {
			return err
		}
	}
	_, err = tx.AddTimer(ctx, store.Timer{Kind: timerPromiseDue, DueAt: p.DueAt, CaseID: c.ID, RefID: p.ID,
		Key: fmt.Sprintf("promise_due:%d", p.ID), Payload: payload}, now)
	w.changed(Event{CaseID: c.ID, Timers: true})
	return err
}

func promiseView(w *work, p desk.Promise) (PromiseView, error) {
	people := map[int64]Person{}
	for _, id := range []int64{p.MakerID, p.OwnerID} {
		a, err := w.agent(id)
		if err != nil {
			return PromiseView{}, err
		}
		people[id] = Person{ID: a.ID, Name: a.Name, Role: string(a.Role), Team: a.Team}
	}
	return viewPromise(p, people), nil
}

// viewPromise names a promise's maker and owner from people (agents by id).
func viewPromise(p desk.Promise, people map[int64]Person) PromiseView {
	return PromiseView{Promise: p, CaseRef: desk.CaseRef(p.CaseID), Maker: people[p.MakerID], Owner: people[p.OwnerID]}
}

// loadPromise locks a promise and its case, if the actor may see the case.
func loadPromise(w *work, id int64) (*desk.Promise, *desk.Case, error) {
	p, err := w.promise(id)
	if store.IsNotFound(err) {
		return nil, nil, desk.NotFound("promise", id)
	} else if err != nil {
		return nil, nil, err
	}
	c, err := w.loadCase(p.CaseID)
	if e, ok := desk.AsError(err); ok && e.Kind == desk.KindNotFound {
		return nil, nil, desk.NotFound("promise", id)
	}
	return p, c, err
}

// KeepPromise records that a promise was kept; its reminders and breach are called off.
func (s *Service) KeepPromise(ctx context.Context, actor desk.Actor, id int64, note string) (PromiseView, error) {
	view, err := s.onPromise(ctx, actor, id, ActPromiseKeep, func(w *work, p *desk.Promise, c *desk.Case) error {
		return s.keepGroup(w, p, c, note)
	})
	return view, wrap("keep promise", err)
}

// SlipPromise moves a promise's due time with a reason and a message to the customer, both on
// the record. The second slip of one promise (and every one after it) escalates the case.
func (s *Service) SlipPromise(ctx context.Context, actor desk.Actor, id int64, in desk.Slip) (PromiseView, error) {
	view, err := s.onPromise(ctx, actor, id, ActPromiseSlip, func(w *work, p *desk.Promise, c *desk.Case) error {
		return s.slipGroup(w, p, c, in)
	})
	return view, wrap("slip promise", err)
}

// onPromise runs a command on one promise: the permission table's answer for the action, then
// do, then the promise as it is after. The caller wraps its errors with what it does.
func (s *Service) onPromise(ctx context.Context, actor desk.Actor, id int64, act Action,
	do func(w *work, p *desk.Promise, c *desk.Case) error) (PromiseView, error) {
	if err := gate(actor, act); err != nil {
		return PromiseView{}, err
	}
	var view PromiseView
	err := s.write(ctx, actor, func(w *work) error {
		p, c, err := loadPromise(w, id)
		if err != nil {
			return err
		}
		if err := w.allow(act, Object{Case: c, Promise: p}); err != nil {
			return err
		}
		if err := do(w, p, c); err != nil {
			return err
		}
		view, err = promiseView(w, *p)
		return err
	})
	return view, err
}

// keepOn keeps one open promise of a case the command has locked.
func (s *Service) keepOn(w *work, p *desk.Promise, c *desk.Case, note string) error {
	ctx, actor := w.ctx, w.actor
	drafts, err := desk.KeepPromise(p, actor, note, w.now)
	if err != nil {
		return err
	}
	intro, err := s.participate(w, c)
	if err != nil {
		return err
	}
	if err := w.tx.SavePromise(ctx, *p); err != nil {
		return err
	}
	if _, err := s.appendRecord(w, c, append(intro, drafts...)); err != nil {
		return err
	}
	if err := w.tx.CancelTimers(ctx, store.TimerRef{Kind: timerPromiseReminder, RefID: p.ID}, store.TimerRef{Kind: timerPromiseDue, RefID: p.ID}); err != nil {
		return err
	}
	return nil
}

// slipOn moves one open promise of a case the command has locked; with tell false its message
// is left out (the customer is told on another case of theirs).
func (s *Service) slipOn(w *work, p *desk.Promise, c *desk.Case, in desk.Slip, tell bool) error {
	tx, now, actor, ctx := w.tx, w.now, w.actor, w.ctx
	from := p.DueAt
	owner, err := w.agent(p.OwnerID)
	if err != nil {
		return err
	}
	// Words not restated by the caller are restated as the customer reads the time.
	if err := w.readByCustomer(c); err != nil {
		return err
	}
	in.Reader, in.Fallback = c.Reader, owner.Location()
	drafts, escalate, err := desk.SlipPromise(p, actor, in, now)
	if err != nil {
		return err
	}
	if !tell {
		drafts = slices.DeleteFunc(drafts, func(d desk.Draft) bool { return d.Kind == desk.KindMessageOut })
	}
	if err := requireAvailable(w, owner, p.DueAt); err != nil {
		return err
	}
	slipper := owner.ID
	if actor.Kind == desk.ActorAgent {
		slipper = actor.ID
	}
	if err := tx.InsertSlip(ctx, p.ID, slipper, c.TeamID, from, p.DueAt, in.Reason, now); err != nil {
		return err
	}
	if err := tx.SavePromise(ctx, *p); err != nil {
		return err
	}
	// The slip's message to the customer answers them (appendContact): their clock stops.
	if _, err := s.appendContact(w, c, drafts); err != nil {
		return err
	}
	if err := s.schedulePromise(w, *c, *p); err != nil {
		return err
	}
	if escalate {
		reason := fmt.Sprintf("the promise %q has slipped %d times", p.Words, p.Slips)
		if err := s.escalate(w, c, escalation{trigger: desk.TriggerSecondSlip, reason: reason}); err != nil {
			return err
		}
	}
	return nil
}

// Promise is one promise with its maker's and owner's names, if the actor may see its case.
func (s *Service) Promise(ctx context.Context, actor desk.Actor, id int64) (PromiseView, error) {
	view, err := readAs(s, ctx, actor, ActPromiseRead, func(w *work) (PromiseView, error) {
		p, _, err := loadPromise(w, id)
		if err != nil {
			return PromiseView{}, err
		}
		return promiseView(w, *p)
	})
	return view, wrap("load promise", err)
}

// PromiseList narrows Promises.
type PromiseList struct {
	State   desk.PromiseState
	Team    string
	OwnerID int64
	CaseID  int64
	Limit   int // at most this many (default 500, at most 1000)
}

// Promises lists promises, soonest due first: the manager's view of every open promise of the
// team with its words, maker and owner.
func (s *Service) Promises(ctx context.Context, actor desk.Actor, f PromiseList) ([]PromiseView, error) {
	out, err := readTxAs(s, ctx, actor, ActPromiseRead, func(tx *store.Tx) ([]PromiseView, error) {
		filter := store.PromiseFilter{State: f.State, OwnerID: f.OwnerID, CaseID: f.CaseID, Limit: f.Limit}
		if f.Team != "" {
			id, err := tx.TeamID(ctx, f.Team)
			if store.IsNotFound(err) {
				return nil, desk.Invalid("team", "no team %q", f.Team)
			} else if err != nil {
				return nil, err
			}
			filter.TeamID = id
		}
		ps, err := tx.Promises(ctx, filter)
		if err != nil {
			return nil, err
		}
		agents, err := tx.Agents(ctx) // one query for every maker and owner on the list
		if err != nil {
			return nil, err
		}
		people := make(map[int64]Person, len(agents))
		for _, a := range agents {
			people[a.ID] = Person{ID: a.ID, Name: a.Name, Role: string(a.Role), Team: a.Team}
		}
		out := []PromiseView{}
		for _, p := range ps {
			out = append(out, viewPromise(p, people))
		}
		return out, nil
	})
	return out, wrap("list promises", err)
}

// SlipCounts counts slips per agent and team since a time.
func (s *Service) SlipCounts(ctx context.Context, actor desk.Actor, since time.Time) (map[string][]desk.SlipCount, error) {
	out, err := readTxAs(s, ctx, actor, ActPromiseRead, func(tx *store.Tx) (map[string][]desk.SlipCount, error) {
		agents, teams, err := tx.SlipCounts(ctx, since)
		return map[string][]desk.SlipCount{"agents": agents, "teams": teams}, err
	})
	return out, wrap("count slips", err)
}

// Restate is a promise's words on a case, to be rewritten for its move from one due time
// (From) to another (To).
type Restate struct {
	CaseID   int64
	Words    string
	From, To time.Time
}

// RestatedWords are words rewritten for a promise on the case moving from one due time to
// another, as the case's customer reads the time (their language and zone, else the case's):
// what the forms pre-fill, for the agent to read, when a slip or an offered free time moves a
// promise (desk.Reader.RestatedWords).
func (s *Service) RestatedWords(ctx context.Context, actor desk.Actor, in Restate) (string, error) {
	caseID, words, from, to := in.CaseID, in.Words, in.From, in.To
	if err := requireStaff(actor); err != nil {
		return "", err
	}
	out, err := readCase(s, ctx, actor, caseID, func(w *work, c *desk.Case) (string, error) {
		// The zone of the promise mail's due line: the team's, else the keeper's (whoever makes a
		// promise on a case in its team's queue keeps it).
		kept := *c
		if kept.OwnerID == 0 {
			kept.OwnerID = actor.ID
		}
		zone, err := zoneOf(w, kept)
		if err != nil {
			return "", err
		}
		if err := w.readByCustomer(c); err != nil {
			return "", err
		}
		return c.Reader.RestatedWords(words, from, to, zone), nil
	})
	return out, wrap("restate words", err)
}
