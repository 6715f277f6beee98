package service

import (
	"context"
	"slices"

	"github.com/keptdesk/kept/internal/desk"
)

// Bulk actions: one action on many cases (the inbox's checked cases, POST /api/v1/cases/bulk),
// each case done by the very command its own page and API call run, in its own unit of work.
// A case that command refuses is listed with the refusal; the others are done.

// Bulk actions.
const (
	BulkAssign   = "assign"   // HandOver to ToAgentID with Briefing
	BulkTag      = "tag"      // SetLabels with AddTags
	BulkPriority = "priority" // SetLabels with Priority
	BulkResolve  = "resolve"  // Resolve with Summary
	BulkIncident = "incident" // LinkCases to IncidentID
)

// MaxBulk bounds one bulk action (the inbox shows at most 500 cases).
const MaxBulk = 500

// BulkIn is a bulk action and what it needs.
type BulkIn struct {
	Action     string
	CaseIDs    []int64
	ToAgentID  int64    // assign
	Briefing   string   // assign
	Tags       []string // tag: added to each case's tags
	Priority   string   // priority
	Summary    string   // resolve
	IncidentID int64    // incident
}

// BulkRefusal is a case the action was refused on, and why.
type BulkRefusal struct {
	CaseID int64
	Err    *desk.Error
}

// BulkResult is what a bulk action did: the cases done, and those refused with the refusal.
type BulkResult struct {
	Done    []int64
	Refused []BulkRefusal
}

// Bulk runs one action on each case by the action's own command. What makes the whole action
// impossible (no case, no such action, no colleague named) is refused before any case is done.
func (s *Service) Bulk(ctx context.Context, actor desk.Actor, in BulkIn) (BulkResult, error) {
	res := BulkResult{Done: []int64{}, Refused: []BulkRefusal{}}
	if err := gate(actor, ActCaseBulk); err != nil {
		return res, err
	}
	var ids []int64
	for _, id := range in.CaseIDs {
		if id > 0 && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return res, desk.Invalid("case_ids", "name at least one case")
	}
	if len(ids) > MaxBulk {
		return res, desk.Invalid("case_ids", "at most %d cases at once", MaxBulk)
	}
	do, err := s.bulkCommand(ctx, actor, in)
	if err != nil {
		return res, err
	}
	for _, id := range ids {
		err := do(id)
		if err == nil {
			res.Done = append(res.Done, id)
			continue
		}
		e, ok := desk.AsError(err)
		if !ok {
			return res, err // a failure of the desk, not a refusal by the rules
		}
		res.Refused = append(res.Refused, BulkRefusal{CaseID: id, Err: e})
	}
	return res, nil
}

// bulkCommand is the command the action runs on each case.
func (s *Service) bulkCommand(ctx context.Context, actor desk.Actor, in BulkIn) (func(id int64) error, error) {
	switch in.Action {
	case BulkAssign:
		if in.ToAgentID <= 0 {
			return nil, desk.Invalid("to_agent_id", "name the colleague to hand the cases to")
		}
		h := desk.Handover{ToAgentID: in.ToAgentID, Briefing: in.Briefing}
		return func(id int64) error { _, err := s.HandOver(ctx, actor, id, h); return err }, nil
	case BulkTag:
		add, err := desk.ParseTags("tags", in.Tags)
		if err != nil {
			return nil, err
		}
		if len(add) == 0 {
			return nil, desk.Invalid("tags", "name the tag to add")
		}
		// Added within the command's own read of the case, so a tag set meanwhile is kept.
		return func(id int64) error { _, err := s.SetLabels(ctx, actor, id, LabelsIn{AddTags: add}); return err }, nil
	case BulkPriority:
		p, err := desk.ParsePriority("priority", in.Priority)
		if err != nil {
			return nil, err
		}
		return func(id int64) error { _, err := s.SetLabels(ctx, actor, id, LabelsIn{Priority: &p}); return err }, nil
	case BulkResolve:
		return func(id int64) error { _, err := s.Resolve(ctx, actor, id, in.Summary); return err }, nil
	case BulkIncident:
		if in.IncidentID <= 0 {
			return nil, desk.Invalid("incident_id", "name the open incident to link the cases to")
		}
		// The case page's link, one case at a time: a case refused does not hold back the others.
		return func(id int64) error { _, err := s.LinkCases(ctx, actor, in.IncidentID, []int64{id}); return err }, nil
	}
	return nil, desk.Invalid("action", "one of assign, tag, priority, resolve, incident")
}
