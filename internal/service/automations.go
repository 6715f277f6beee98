package service

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// Automations (desk/automation.go): an admin's rules, run inside the unit of work of what
// started them. An event (an entry appended, a desk event raised) queues a trigger on the
// command; as the command ends (finish), each trigger runs the active rules that start on it
// and whose conditions the case meets, once per rule, case and event (automation_runs). A
// rule acts as itself (desk.AutomationActor) through the same command code as people
// (addMessage, handOver), asking its own row of the permission table (automation.act), so the
// desk's rules hold for it; a refusal goes on the record, never silently. Time conditions are
// looked for by one timer (automation_sweep) that sets itself again while a timed rule is on.
//
// Loops are cut: a rule never starts on what it did itself (directly or through other rules),
// and no more than maxAutomationDepth rules start one another in a row; the record says so once.

// maxAutomationDepth is how many automations may start one another in a row.
const maxAutomationDepth = 3

// Automation sweeps: how often the time conditions are looked for.
const (
	timerAutomationSweep = "automation_sweep"
	automationSweepEvery = 5 * time.Minute
)

// autoList is the active automations as commands last read them, compiled once for every
// command until they change: the rules by the event they start on, and by id.
type autoList struct {
	byEvent map[string][]*desk.Rule
	byID    map[int64]*desk.Rule
	events  map[string]bool // the events some rule starts on
	readAt  time.Time
}

// autoTrigger is something that may start automations on a case.
type autoTrigger struct {
	caseID int64
	event  string // an event type, or idle, waiting, promise_due
	key    string // unique among the case's events: a rule acts once per key
	text   string // the event's words (a message's body), for a words condition
	depth  int    // how many automations in a row led to it (0: a person or the desk)
	chain  []int64
	only   int64 // a time condition's trigger is for its one rule
	// once: the event happens once by its nature (an entry just appended, a case opened), so
	// a rule cannot have run on it before; its run is noted without asking.
	once bool
}

// activeAutomations are the active rules, read once per hooksFor (and again after a change).
func (s *Service) activeAutomations(w *work) (*autoList, error) {
	if cur := s.autos.Load(); cur != nil && w.now.Sub(cur.readAt) < hooksFor && !w.now.Before(cur.readAt) {
		return cur, nil
	}
	all, err := w.tx.Automations(w.ctx)
	if err != nil {
		return nil, err
	}
	next := &autoList{readAt: w.now, events: map[string]bool{}, byEvent: map[string][]*desk.Rule{}, byID: map[int64]*desk.Rule{}}
	for _, a := range all {
		if a.Active {
			r := desk.CompileAutomation(a)
			next.byID[a.ID] = &r
			if !a.When.Timed() {
				next.byEvent[a.When.Event] = append(next.byEvent[a.When.Event], &r)
				next.events[a.When.Event] = true
			}
		}
	}
	s.autos.Store(next)
	return next, nil
}

// trigger queues t on the command when some rule starts on its event. What an automation did
// past the loop's limit starts nothing more.
func (s *Service) trigger(w *work, t autoTrigger) error {
	if w.autoDepth > maxAutomationDepth {
		return nil
	}
	list, err := s.activeAutomations(w)
	if err != nil || !list.events[t.event] {
		return err
	}
	t.depth, t.chain = w.autoDepth, w.autoChain
	w.autoQueue = append(w.autoQueue, t)
	return nil
}

// triggerEntries queues the entries just appended to a case as triggers.
func (s *Service) triggerEntries(w *work, c desk.Case, entries []desk.Entry) error {
	list, err := s.activeAutomations(w)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !list.events[string(e.Kind)] {
			continue // no rule starts on it: its trigger is not made (trigger would drop it)
		}
		if err := s.trigger(w, autoTrigger{caseID: c.ID, event: string(e.Kind), key: fmt.Sprintf("entry:%d", e.Seq), text: e.Body, once: true}); err != nil {
			return err
		}
	}
	return nil
}

// runAutomations runs the command's triggers, and those its automations' actions add, in order.
func (s *Service) runAutomations(w *work) error {
	for len(w.autoQueue) > 0 {
		t := w.autoQueue[0]
		w.autoQueue = w.autoQueue[1:]
		list, err := s.activeAutomations(w)
		if err != nil {
			return err
		}
		rules := list.byEvent[t.event]
		if t.only != 0 {
			rules = nil
			if r := list.byID[t.only]; r != nil {
				rules = []*desk.Rule{r}
			}
		}
		if len(rules) == 0 {
			continue
		}
		if err := s.runRules(w, rules, t); err != nil {
			return err
		}
	}
	return nil
}

// runRules runs the rules that start on a trigger and whose conditions its case meets. The
// case is read once for them all, its team's name and its customer's language only when a
// rule asks for them.
func (s *Service) runRules(w *work, rules []*desk.Rule, t autoTrigger) error {
	c, err := w.lockCase(t.caseID)
	if err != nil {
		return ignoreNotFound(err) // gone meanwhile: nothing left to do
	}
	facts := desk.CaseFacts{Text: t.text}
	for _, r := range rules {
		if r.NeedsTeam {
			settings, err := w.settingsOf(*c)
			if err != nil {
				return err
			}
			facts.Team = settings.Name
		}
		if r.NeedsLanguage {
			if err := w.readByCustomer(c); err != nil {
				return err
			}
		}
		facts.Case, facts.Language = *c, c.Reader.Lang // as the rules before left it
		if !r.Matches(&facts) {
			continue
		}
		if err := s.runAutomation(w, r.Automation, c, t); err != nil {
			return fmt.Errorf("automation %q: %w", r.Name, err)
		}
	}
	return nil
}

// runAutomation runs one rule whose conditions the case meets on a trigger, if it has not
// acted on this event before.
func (s *Service) runAutomation(w *work, a desk.Automation, c *desk.Case, t autoTrigger) error {
	if there, err := w.tx.HoldAutomation(w.ctx, a.ID); err != nil || !there {
		return err // removed since the node read its rules: it does not run
	}
	if t.depth >= maxAutomationDepth || slices.Contains(t.chain, a.ID) {
		return s.cutLoop(w, a, c, t)
	}
	if t.once {
		w.tx.NoteAutomationRun(a.ID, c.ID, t.key, w.now)
	} else if first, err := w.tx.ClaimAutomationRun(w.ctx, a.ID, c.ID, t.key, w.now); err != nil || !first {
		return err
	}
	actor, depth, chain := w.actor, w.autoDepth, w.autoChain
	w.actor, w.autoDepth, w.autoChain = a.Actor(), t.depth+1, append(slices.Clone(t.chain), a.ID)
	defer func() { w.actor, w.autoDepth, w.autoChain = actor, depth, chain }()
	for _, act := range a.Then {
		err := s.automationAct(w, a, c.ID, act, t)
		if e, ok := desk.AsError(err); ok {
			if err := s.automationRefused(w, a, c.ID, act, e); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
	}
	ref := c.Ref()
	w.afterCommit(func() { s.log.Info("automation ran", "automation", a.Name, "case", ref, "event", t.event) })
	return nil
}

// cutLoop stops a rule started by what it did itself, or by too many automations in a row,
// and says so on the case's record (once per rule and case).
func (s *Service) cutLoop(w *work, a desk.Automation, c *desk.Case, t autoTrigger) error {
	first, err := w.tx.ClaimAutomationRun(w.ctx, a.ID, c.ID, "loop", w.now)
	ref := c.Ref()
	w.afterCommit(func() {
		s.log.Warn("automation loop cut", "automation", a.Name, "case", ref, "event", t.event, "depth", t.depth)
	})
	if err != nil || !first {
		return err
	}
	body := fmt.Sprintf("The automation %q did not run on %s: it was started by automations' own actions (%d in a row), and an automation never starts on what it did itself. The loop is cut here.",
		a.Name, t.event, t.depth)
	// The note starts nothing: it is past the limit.
	depth := w.autoDepth
	w.autoDepth = maxAutomationDepth + 1
	defer func() { w.autoDepth = depth }()
	_, err = s.appendRecord(w, c, []desk.Draft{{Kind: desk.KindNote, Actor: desk.SystemActor(), Internal: true, Body: body}})
	return err
}

// automationRefused puts an action the desk's rules refused on the record, as the automation.
func (s *Service) automationRefused(w *work, a desk.Automation, caseID int64, act desk.AutomationAction, e *desk.Error) error {
	body := fmt.Sprintf("The automation %q could not %s: %s", a.Name, act.Do, e.Message)
	w.afterCommit(func() {
		s.log.Warn("automation refused", "automation", a.Name, "case", desk.CaseRef(caseID), "action", act.Do, "code", e.Code, "why", e.Message)
	})
	_, _, err := s.addMessage(w, caseID, desk.NewMessage{Body: body, Internal: true})
	return err
}

// automationAct runs one action, as the automation, through the command people use for it.
func (s *Service) automationAct(w *work, a desk.Automation, caseID int64, act desk.AutomationAction, t autoTrigger) error {
	switch act.Do {
	case desk.DoNote:
		_, _, err := s.addMessage(w, caseID, desk.NewMessage{Body: act.Body, Internal: true})
		return err
	case desk.DoReply:
		_, _, err := s.addMessage(w, caseID, desk.NewMessage{CannedReplyID: act.CannedReplyID})
		return err
	case desk.DoAssign:
		return s.automationAssign(w, a, caseID, act)
	case desk.DoRemind:
		c, err := w.loadCase(caseID)
		if err != nil {
			return err
		}
		if c.OwnerID == 0 { // refused and noted, like any action that cannot run
			return desk.Conflict("case_queued", fmt.Sprintf("%s waits in its team's queue: nobody owns it to remind", c.Ref()), nil)
		}
		owner, err := w.agent(c.OwnerID)
		if err != nil {
			return err
		}
		n := desk.Notification{AgentID: owner.ID, CaseID: c.ID, Kind: "automation", CreatedAt: w.now}
		n = n.Note(fmt.Sprintf("%s: %s (automation %q)", c.Ref(), act.Body, a.Name), "notif.detail.automation",
			desk.TextArg(c.Ref()), desk.TextArg(act.Body), desk.TextArg(a.Name))
		if err := w.tx.Notify(w.ctx, n); err != nil {
			return err
		}
		_, _, err = s.addMessage(w, caseID, desk.NewMessage{Body: fmt.Sprintf("Reminded %s: %s", owner.Name, act.Body), Internal: true})
		return err
	case desk.DoWebhook:
		return s.automationCall(w, a, caseID, act, t)
	case desk.DoSetPriority:
		p, err := desk.ParsePriority("priority", act.Priority)
		if err != nil {
			return err
		}
		return s.setLabels(w, caseID, LabelsIn{Priority: &p})
	case desk.DoSetType:
		return s.setLabels(w, caseID, LabelsIn{Type: &act.Type})
	case desk.DoSetTeam:
		return s.setLabels(w, caseID, LabelsIn{Team: &act.Team})
	case desk.DoAddTags:
		return s.setLabels(w, caseID, LabelsIn{AddTags: act.Tags})
	case desk.DoRemindCustomer:
		c, err := w.loadCase(caseID)
		if err != nil {
			return err
		}
		r, err := w.reader(c.CustomerID)
		if err != nil {
			return err
		}
		_, _, err = s.addMessage(w, caseID, desk.NewMessage{Body: r.CustomerReminder(act.Say, *c)})
		return err
	case desk.DoLinkIncident:
		// Resolved or gone: a desk error, noted on the record as refused; nothing is linked.
		inc, err := openIncident(w, act.IncidentID, ActIncidentLink)
		if err != nil {
			return err
		}
		l, err := s.incidentLinker(w, inc)
		if err != nil {
			return err
		}
		return l.link(w, caseID)
	}
	return desk.Invalid("do", "%q is not an action", act.Do)
}

// automationAssign hands the case to the least busy agent at work in the team (the one new
// cases would go to), by the hand-over command: a case that has climbed the ladder does not go
// below its rung.
func (s *Service) automationAssign(w *work, a desk.Automation, caseID int64, act desk.AutomationAction) error {
	c, err := w.loadCase(caseID)
	if err != nil {
		return err
	}
	teamID, team := c.TeamID, act.Team
	if team != "" {
		if teamID, err = teamNamed(w, team); err != nil {
			return err
		}
	}
	loads, err := w.ownerLoads(teamID)
	if err != nil {
		return err
	}
	to, err := desk.ChooseOwner(loads)
	if err != nil {
		return desk.Conflict("nobody_available", fmt.Sprintf("nobody of the team %s is at work to take %s", cmpOr(team, "of the case"), c.Ref()), nil)
	}
	if to.ID == c.OwnerID {
		return nil // the one it would go to has it
	}
	briefing := fmt.Sprintf("Assigned by the automation %q (the least busy colleague at work in the team). Read the record from the original request.", a.Name)
	return s.handOver(w, caseID, handover{Handover: desk.Handover{ToAgentID: to.ID, Briefing: briefing}, automation: a.Name})
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// automationCall queues a delivery to the rule's webhook endpoint (whatever events it hears
// of), type "automation", and notes it on the record.
func (s *Service) automationCall(w *work, a desk.Automation, caseID int64, act desk.AutomationAction, t autoTrigger) error {
	c, err := w.loadCase(caseID)
	if err != nil {
		return err
	}
	h, err := w.tx.Webhook(w.ctx, act.WebhookID)
	if store.IsNotFound(err) {
		return desk.Conflict("webhook_gone", fmt.Sprintf("the webhook endpoint %d is gone", act.WebhookID), nil)
	} else if err != nil {
		return err
	}
	if !h.Active {
		return desk.Conflict("webhook_off", fmt.Sprintf("the webhook endpoint %s is turned off", h.URL), nil)
	}
	var owner desk.Agent // nobody while the case waits in its team's queue
	if c.OwnerID != 0 {
		if owner, err = w.agent(c.OwnerID); err != nil {
			return err
		}
	}
	ev := hookEvent{id: fmt.Sprintf("auto_%d_%d_%s", a.ID, c.ID, strings.ReplaceAll(t.key, ":", "_")), typ: "automation", caseID: c.ID, at: w.now,
		data: desk.AutomationCalledData{AutomationID: a.ID, Automation: a.Name, Event: t.event, Subject: c.Subject, Status: c.Status, Owner: ownerRef(owner)}}
	e, err := storedEvent(ev, []int64{h.ID})
	if err != nil {
		return err
	}
	if err := w.tx.QueueEvents(w.ctx, []store.WebhookEvent{e}, w.now); err != nil {
		return err
	}
	w.changed(Event{Hooks: true})
	_, _, err = s.addMessage(w, caseID, desk.NewMessage{Body: "Called the webhook " + h.URL, Internal: true})
	return err
}

// sweepAutomations looks for the cases that meet the active rules' time conditions and runs
// them (as the command ends); it sets itself again while a timed rule is on.
func (s *Service) sweepAutomations(w *work, _ store.Timer) error {
	all, err := w.tx.Automations(w.ctx)
	if err != nil {
		return err
	}
	timed := 0
	for _, a := range all {
		if !a.Active || !a.When.Timed() {
			continue
		}
		timed++
		if err := s.sweepRule(w, a); err != nil {
			return fmt.Errorf("automation %q: %w", a.Name, err)
		}
	}
	if timed == 0 {
		return nil
	}
	return s.armSweep(w)
}

// sweepLimit bounds the cases one sweep looks at per rule; the next sweep takes the rest.
const sweepLimit = 200

// sweepRule queues a trigger for each case that meets a rule's time condition now.
func (s *Service) sweepRule(w *work, a desk.Automation) error {
	when := a.When
	add := func(c desk.Case, event, key string) {
		w.autoQueue = append(w.autoQueue, autoTrigger{caseID: c.ID, event: event, key: key, only: a.ID})
	}
	switch {
	case when.IdleHours > 0:
		idle := time.Duration(when.IdleHours) * time.Hour
		// Business hours are never fewer than wall hours: the wall clock bounds the query.
		cases, err := w.tx.QuietCases(w.ctx, []desk.Status{desk.StatusOpen, desk.StatusAwaitingConfirmation}, w.now.Add(-idle), sweepLimit)
		if err != nil {
			return err
		}
		for _, c := range cases {
			settings, err := w.settingsOf(c)
			if err != nil {
				return err
			}
			if settings.Calendar().Add(c.UpdatedAt, idle).After(w.now) {
				continue
			}
			add(c, "idle", fmt.Sprintf("idle:%d", c.UpdatedAt.UnixMicro()))
		}
	case when.WaitingDays > 0:
		cases, err := w.tx.QuietCases(w.ctx, []desk.Status{desk.StatusOpen, desk.StatusAwaitingConfirmation},
			w.now.Add(-time.Duration(when.WaitingDays)*24*time.Hour), sweepLimit)
		if err != nil {
			return err
		}
		for _, c := range cases {
			// Set waiting on the customer by the desk (casework.go), awaiting their confirmation,
			// or answered with nothing since.
			if !c.Waiting() && c.Status != desk.StatusAwaitingConfirmation && c.Unanswered != 0 {
				continue
			}
			// Business days are never fewer than days of the clock: the query bounds them.
			settings, err := w.settingsOf(c)
			if err != nil {
				return err
			}
			if settings.Calendar().AddDays(c.UpdatedAt, when.WaitingDays).After(w.now) {
				continue
			}
			add(c, "waiting", fmt.Sprintf("waiting:%d", c.UpdatedAt.UnixMicro()))
		}
	case when.PromiseDueHours > 0:
		// Due within N of the case's team's business hours: due before N business hours from
		// now end. Those end no sooner than N hours of the clock, so a promise due within N
		// wall hours is due soon whatever the calendar; one due later is, over a weekend or a
		// holiday, when the calendar says so (looked for up to four days further).
		within := time.Duration(when.PromiseDueHours) * time.Hour
		ps, err := w.tx.Promises(w.ctx, store.PromiseFilter{State: desk.PromiseOpen, DueFrom: w.now,
			DueTo: w.now.Add(within + 4*24*time.Hour), Limit: sweepLimit})
		if err != nil {
			return err
		}
		for _, p := range ps {
			if p.DueAt.After(w.now.Add(within)) {
				c, err := w.lockCase(p.CaseID)
				if err != nil {
					return err
				}
				settings, err := w.settingsOf(*c)
				if err != nil {
					return err
				}
				if p.DueAt.After(settings.Calendar().Add(w.now, within)) {
					continue
				}
			}
			w.autoQueue = append(w.autoQueue, autoTrigger{caseID: p.CaseID, event: "promise_due", key: fmt.Sprintf("promise:%d:%d", p.ID, p.DueAt.Unix()),
				text: p.Words, only: a.ID})
		}
	}
	return nil
}

// armSweep sets the sweep's timer (one for the desk).
func (s *Service) armSweep(w *work) error {
	_, err := w.tx.AddTimer(w.ctx, store.Timer{Kind: timerAutomationSweep, DueAt: w.now.Add(automationSweepEvery), Key: timerAutomationSweep}, w.now)
	w.changed(Event{Timers: true})
	return err
}

// Administering automations (admins: automations.manage).

// CreateAutomation sets up a rule.
func (s *Service) CreateAutomation(ctx context.Context, actor desk.Actor, in desk.Automation) (desk.Automation, error) {
	if err := gate(actor, ActAutomations); err != nil {
		return desk.Automation{}, err
	}
	in.Name = strings.TrimSpace(in.Name)
	if err := desk.CheckAutomation(in); err != nil {
		return in, err
	}
	err := s.write(ctx, actor, func(w *work) error {
		if err := checkAutomationRefs(w, in); err != nil {
			return err
		}
		in.CreatedAt, in.UpdatedAt = w.now, w.now
		if err := w.tx.InsertAutomation(w.ctx, &in, actor.ID); err != nil {
			if store.IsDuplicate(err) {
				return desk.Conflict("name_taken", fmt.Sprintf("an automation is already named %q", in.Name), nil)
			}
			return err
		}
		if err := w.audit(logAutomationCreate, in.Name, nil, automationFields(in)); err != nil {
			return err
		}
		return s.automationsChanged(w, in)
	})
	if err != nil {
		return in, wrap("create automation", err)
	}
	s.log.Info("automation set up", "automation", in.ID, "name", in.Name, "active", in.Active, "by", actor.Name)
	return in, nil
}

// automationsChanged makes commands read the rules again, and sets the sweep going for a
// timed rule that is on.
func (s *Service) automationsChanged(w *work, a desk.Automation) error {
	w.afterCommit(func() { s.autos.Store(nil) })
	if a.Active && a.When.Timed() {
		return s.armSweep(w)
	}
	return nil
}

// checkAutomationRefs refuses a rule naming a team, canned reply or webhook that is not there.
func checkAutomationRefs(w *work, a desk.Automation) error {
	if a.If.Team != "" {
		if _, err := teamNamed(w, a.If.Team); err != nil {
			return desk.Invalid("if.team", "no team %q", a.If.Team)
		}
	}
	for i, act := range a.Then {
		field := fmt.Sprintf("then[%d]", i)
		switch act.Do {
		case desk.DoSetType:
			if _, err := findCaseType(w, field+".type", act.Type); err != nil {
				return err
			}
		case desk.DoSetTeam:
			if _, err := teamNamed(w, act.Team); err != nil {
				return desk.Invalid(field+".team", "no team %q", act.Team)
			}
		case desk.DoAssign:
			if act.Team != "" {
				if _, err := teamNamed(w, act.Team); err != nil {
					return desk.Invalid(field+".team", "no team %q", act.Team)
				}
			}
		case desk.DoReply:
			rs, err := w.tx.CannedReplies(w.ctx, act.CannedReplyID)
			if err != nil {
				return err
			}
			if len(rs) == 0 {
				return desk.Invalid(field+".canned_reply_id", "no canned reply %d", act.CannedReplyID)
			}
			if rs[0].Scope == desk.CannedPersonal {
				// Someone's own reply is theirs to send; the automation would be refused it at every run.
				return desk.Invalid(field+".canned_reply_id", "canned reply %d is someone's personal reply", act.CannedReplyID)
			}
		case desk.DoWebhook:
			if _, err := w.tx.Webhook(w.ctx, act.WebhookID); store.IsNotFound(err) {
				return desk.Invalid(field+".webhook_id", "no webhook endpoint %d", act.WebhookID)
			} else if err != nil {
				return err
			}
		case desk.DoLinkIncident:
			if _, err := w.tx.Incident(w.ctx, act.IncidentID); store.IsNotFound(err) {
				return desk.Invalid(field+".incident_id", "no incident %d", act.IncidentID)
			} else if err != nil {
				return err
			}
		}
	}
	return nil
}

// Automations lists the rules.
func (s *Service) Automations(ctx context.Context, actor desk.Actor) ([]desk.Automation, error) {
	out, err := readTxAs(s, ctx, actor, ActAutomations, func(tx *store.Tx) ([]desk.Automation, error) { return tx.Automations(ctx) })
	return out, wrap("list automations", err)
}

// AutomationPatch changes a rule; nil fields stay as they are.
type AutomationPatch struct {
	Name   *string
	Active *bool
	When   *desk.AutomationWhen
	If     *desk.AutomationIf
	Then   []desk.AutomationAction
}

// UpdateAutomation changes a rule: turns it off or on, or changes what it does.
func (s *Service) UpdateAutomation(ctx context.Context, actor desk.Actor, id int64, in AutomationPatch) (desk.Automation, error) {
	if err := gate(actor, ActAutomations); err != nil {
		return desk.Automation{}, err
	}
	if in.Name == nil && in.Active == nil && in.When == nil && in.If == nil && in.Then == nil {
		return desk.Automation{}, desk.Invalid("active", "send what to change: name, active, when, if or then")
	}
	var a desk.Automation
	err := s.write(ctx, actor, func(w *work) error {
		var err error
		if a, err = loadToChange(w, store.AutomationToChange, id, w.tx.Automation); err != nil {
			return notFoundAs(err, "automation", id)
		}
		was := a
		if in.Name != nil {
			a.Name = strings.TrimSpace(*in.Name)
		}
		if in.Active != nil {
			a.Active = *in.Active
		}
		if in.When != nil {
			a.When = *in.When
		}
		if in.If != nil {
			a.If = *in.If
		}
		if in.Then != nil {
			a.Then = in.Then
		}
		if err := desk.CheckAutomation(a); err != nil {
			return err
		}
		if err := checkAutomationRefs(w, a); err != nil {
			return err
		}
		a.UpdatedAt = w.now
		if err := w.tx.SaveAutomation(w.ctx, a); err != nil {
			if store.IsDuplicate(err) {
				return desk.Conflict("name_taken", fmt.Sprintf("an automation is already named %q", a.Name), nil)
			}
			return err
		}
		if err := w.audit(logAutomationUpdate, was.Name, automationFields(was), automationFields(a)); err != nil {
			return err
		}
		return s.automationsChanged(w, a)
	})
	if err != nil {
		return a, wrap("update automation", err)
	}
	s.log.Info("automation changed", "automation", id, "name", a.Name, "active", a.Active, "by", actor.Name)
	return a, nil
}

// DeleteAutomation removes a rule (what it did stays on the records).
func (s *Service) DeleteAutomation(ctx context.Context, actor desk.Actor, id int64) error {
	err := s.writeGated(ctx, actor, ActAutomations, func(w *work) error {
		// Locked first: a command noting a run of it (HoldAutomation) commits before its runs
		// are cleared, or waits and finds the rule gone.
		was, err := loadToChange(w, store.AutomationToChange, id, w.tx.Automation)
		if err != nil {
			return notFoundAs(err, "automation", id)
		}
		if err := w.tx.DeleteAutomation(w.ctx, id); err != nil {
			return notFoundAs(err, "automation", id)
		}
		w.afterCommit(func() { s.autos.Store(nil) })
		return w.audit(logAutomationDelete, was.Name, automationFields(was), nil)
	})
	if err == nil {
		s.log.Info("automation removed", "automation", id, "by", actor.Name)
	}
	return wrap("delete automation", err)
}
