package service

import (
	"fmt"

	"github.com/keptdesk/kept/internal/desk"
)

// Desk events (desk/events.go) are raised here, in the unit of work of the command that caused
// them: their webhook deliveries are queued in its transaction, like an entry's.

// raise queues a desk event about a case (nil: about none) for the endpoints that hear of it.
func (s *Service) raise(w *work, c *desk.Case, typ desk.EventType, key string, data any) error {
	ev := hookEvent{id: fmt.Sprintf("evt_%s_%s", typ, key), typ: string(typ), at: w.now, data: data}
	if c == nil {
		return s.queueHooks(w, []hookEvent{ev})
	}
	ev.caseID = c.ID
	if err := s.queueHooks(w, []hookEvent{ev}); err != nil {
		return err
	}
	text := ""
	if typ == desk.EventCaseOpened {
		text = c.OriginalRequest
	}
	// A case opens once; the other desk events may be raised again under one key.
	return s.trigger(w, autoTrigger{caseID: c.ID, event: string(typ), key: "evt:" + key, text: text, once: typ == desk.EventCaseOpened})
}

// heard reports whether an endpoint or an automation hears of the event: an event nobody
// hears of costs its command nothing more.
func (s *Service) heard(w *work, typ desk.EventType) (bool, error) {
	hooks, err := s.activeHooks(w)
	if err != nil {
		return false, err
	}
	for _, h := range hooks {
		if h.Wants(string(typ)) {
			return true, nil
		}
	}
	autos, err := s.activeAutomations(w)
	return err == nil && autos.events[string(typ)], err
}

// caseOpened raises case_opened for a case just opened by owner.
func (s *Service) caseOpened(w *work, c *desk.Case, owner desk.Agent) error {
	if ok, err := s.heard(w, desk.EventCaseOpened); !ok || err != nil {
		return err
	}
	settings, err := w.settingsOf(*c)
	if err != nil {
		return err
	}
	d := desk.CaseOpenedData{CaseID: c.ID, Ref: c.Ref(), Subject: c.Subject, Status: c.Status, Channel: c.Channel, Type: c.Type,
		TeamID: c.TeamID, Team: settings.Name, CustomerID: c.CustomerID, Owner: ownerRef(owner), Actor: w.actor, CreatedAt: c.CreatedAt}
	return s.raise(w, c, desk.EventCaseOpened, fmt.Sprint(c.ID), d)
}

// ownerChanged raises owner_changed for a case moving from one owner to another.
func (s *Service) ownerChanged(w *work, c *desk.Case, fromID int64, to desk.Agent, reason string) error {
	if ok, err := s.heard(w, desk.EventOwnerChanged); !ok || err != nil {
		return err
	}
	var from desk.Agent
	if fromID != 0 {
		var err error
		if from, err = w.agent(fromID); err != nil {
			return err
		}
	}
	d := desk.OwnerChangedData{From: ownerRef(from), To: personRef(to), Reason: reason, Rung: c.Rung, Actor: w.actor}
	return s.raise(w, c, desk.EventOwnerChanged, fmt.Sprintf("%d_%d", c.ID, c.LastSeq), d)
}

// absenceStarted raises absence_started for an agent's leave or sickness that began, with the
// cases that went to manager (nil: none did) because of it.
func (s *Service) absenceStarted(w *work, agent desk.Agent, a desk.Absence, manager *desk.Agent, moved []string) error {
	if ok, err := s.heard(w, desk.EventAbsenceStarted); !ok || err != nil {
		return err
	}
	d := desk.AbsenceStartedData{AbsenceID: a.ID, Agent: personRef(agent), Kind: a.Kind, From: a.From, To: a.To, Cases: moved}
	if manager != nil && len(moved) > 0 {
		m := personRef(*manager)
		d.MovedTo = &m
	}
	return s.raise(w, nil, desk.EventAbsenceStarted, fmt.Sprint(a.ID), d)
}

// targetPassed raises target_passed for a case that passed its response or resolution target.
func (s *Service) targetPassed(w *work, c *desk.Case, target string, settings desk.TeamSettings) error {
	if ok, err := s.heard(w, desk.EventTargetPassed); !ok || err != nil {
		return err
	}
	var owner desk.Agent // nobody while the case waits in its team's queue
	if c.OwnerID != 0 {
		var err error
		if owner, err = w.agent(c.OwnerID); err != nil {
			return err
		}
	}
	limit := settings.ResponseTarget
	if target == desk.TargetResolution {
		limit = settings.ResolutionTarget
	}
	d := desk.TargetPassedData{Target: target, TargetSeconds: int64(limit.Seconds()), TeamID: c.TeamID, Team: settings.Name, Owner: ownerRef(owner)}
	return s.raise(w, c, desk.EventTargetPassed, fmt.Sprintf("%d_%s_%d", c.ID, target, c.LastSeq), d)
}

func personRef(a desk.Agent) desk.PersonRef { return desk.PersonRef{ID: a.ID, Name: a.Name} }

// ownerRef names a case's owner in an event's data; nobody (a case in its team's queue) is null.
func ownerRef(a desk.Agent) *desk.PersonRef {
	if a.ID == 0 {
		return nil
	}
	r := personRef(a)
	return &r
}

// EventShapes are the data of each desk event, by type, and of every entry kind's event (under
// "entry"): what the OpenAPI file documents as webhook payloads.
func EventShapes() map[string]any {
	return map[string]any{
		string(desk.EventCaseOpened):     desk.CaseOpenedData{},
		string(desk.EventOwnerChanged):   desk.OwnerChangedData{},
		string(desk.EventAbsenceStarted): desk.AbsenceStartedData{},
		string(desk.EventTargetPassed):   desk.TargetPassedData{},
		"entry":                          WebhookEntry{},
		"automation":                     desk.AutomationCalledData{},
	}
}
