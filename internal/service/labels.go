package service

import (
	"context"

	"github.com/keptdesk/kept/internal/desk"
)

// LabelsIn changes a case's priority and tags; nil leaves each as it is (an empty list of tags
// takes them all off).
type LabelsIn struct {
	Priority *string
	Tags     []string
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
	drafts := desk.LabelChange(c, w.actor, in.Priority, in.Tags)
	if len(drafts) == 0 {
		return nil
	}
	c.UpdatedAt = w.now
	_, err = s.appendRecord(w, c, drafts)
	return err
}
