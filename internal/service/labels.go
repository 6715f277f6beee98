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
	if err != nil {
		return CaseView{}, wrap("set priority and tags", err)
	}
	return s.Case(ctx, actor, caseID)
}

// setLabels is the command within a unit of work (an automation's set_priority and add_tags run
// it too), with in already checked.
func (s *Service) setLabels(w *work, caseID int64, in LabelsIn) error {
	c, err := w.loadCase(caseID)
	if err != nil {
		return err
	}
	if err := w.allow(ActCaseLabel, Object{Case: c}); err != nil {
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
	moved, err := retype(w, c, in)
	if err != nil {
		return err
	}
	drafts = append(drafts, moved...)
	if len(drafts) == 0 {
		return nil
	}
	c.UpdatedAt = w.now
	_, err = s.appendRecord(w, c, drafts)
	return err
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
