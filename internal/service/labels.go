package service

import (
	"context"
	"slices"

	"github.com/keptdesk/kept/internal/desk"
)

// LabelsIn changes a case's priority and tags, and its type and team (by name; "" for no
// type); nil leaves each as it is (an empty list of tags takes them all off).
type LabelsIn struct {
	Priority *string
	Tags     []string
	AddTags  []string // added to the case's tags as they are when the command reads them (bulk, add_tags)
	Type     *string
	Team     *string
}

// SetLabels sets a case's priority and tags (PATCH /api/v1/cases/{id}, the case page): each
// change is an internal entry on the record, from what to what; no change writes nothing.
func (s *Service) SetLabels(ctx context.Context, actor desk.Actor, caseID int64, in LabelsIn) (CaseView, error) {
	if err := gate(actor, ActCaseLabel); err != nil {
		return CaseView{}, err
	}
	if in.Priority != nil {
		p, err := desk.ParsePriority("priority", *in.Priority)
		if err != nil {
			return CaseView{}, err
		}
		in.Priority = &p
	}
	if in.Tags != nil {
		tags, err := desk.ParseTags("tags", in.Tags)
		if err != nil {
			return CaseView{}, err
		}
		in.Tags = tags
	}
	err := s.write(ctx, actor, func(w *work) error { return s.setLabels(w, caseID, in) })
	return s.caseAfter(ctx, actor, caseID, "set priority and tags", err)
}

// setLabels is the command within a unit of work (an automation's set_priority and add_tags run
// it too), with in already checked.
func (s *Service) setLabels(w *work, caseID int64, in LabelsIn) error {
	c, err := w.caseFor(caseID, ActCaseLabel)
	if err != nil {
		return err
	}
	if len(in.AddTags) > 0 {
		base := in.Tags
		if base == nil {
			base = c.Tags
		}
		if in.Tags, err = desk.ParseTags("tags", append(slices.Clone(base), in.AddTags...)); err != nil {
			return err
		}
	}
	drafts := desk.LabelChange(c, w.actor, in.Priority, in.Tags)
	was := *c
	moved, err := retype(w, c, in)
	if err != nil {
		return err
	}
	drafts = append(drafts, moved...)
	if len(drafts) == 0 {
		return nil
	}
	c.UpdatedAt = w.now
	if _, err = s.appendRecord(w, c, drafts); err != nil {
		return err
	}
	if was.TeamID == c.TeamID {
		return nil
	}
	return rearmTargets(w, was, *c)
}

// rearmTargets moves a case's response and resolution clocks to its new team's hours: the
// business time left under the old team's hours is counted on in the new team's, so a move
// neither restarts what the customer has waited nor lets a clock run out on the new team's
// weekend.
func rearmTargets(w *work, was, c desk.Case) error {
	from, err := w.settingsOf(was)
	if err != nil {
		return err
	}
	to, err := w.settingsOf(c)
	if err != nil {
		return err
	}
	timers, err := w.tx.PendingTimers(w.ctx, c.ID)
	if err != nil {
		return err
	}
	for _, t := range timers {
		if t.Kind != timerResponseDue && t.Kind != timerResolutionDue {
			continue
		}
		t.DueAt = to.Calendar().Add(w.now, from.Calendar().Elapsed(w.now, t.DueAt))
		// Held to the commit by its key, as startTargetClock sets it: the later of two wins.
		if err := w.tx.HoldTimer(w.ctx, t, w.now); err != nil {
			return err
		}
		w.changed(Event{CaseID: c.ID, Timers: true})
	}
	return nil
}

// retype is the change of a case's type or team (LabelsIn.Type, Team), each named as it is
// stored: a type the desk defines ("" for none), a team the desk has.
func retype(w *work, c *desk.Case, in LabelsIn) ([]desk.Draft, error) {
	if in.Type == nil && in.Team == nil {
		return nil, nil
	}
	caseType := in.Type
	if caseType != nil && *caseType != "" {
		ct, err := findCaseType(w, "type", *caseType)
		if err != nil {
			return nil, err
		}
		caseType = &ct.Name
	}
	var team *desk.TeamRef
	from := ""
	if in.Team != nil {
		id, err := teamNamed(w, *in.Team)
		if err != nil {
			return nil, err
		}
		if id == 0 {
			return nil, desk.Invalid("team", "name the team")
		}
		to, err := w.settingsOf(desk.Case{TeamID: id})
		if err != nil {
			return nil, err
		}
		was, err := w.settingsOf(desk.Case{TeamID: c.TeamID})
		if err != nil {
			return nil, err
		}
		team, from = &desk.TeamRef{ID: id, Name: to.Name}, was.Name
	}
	return desk.Retype(c, w.actor, caseType, team, from)
}
