package desk

import (
	"slices"
	"time"
)

// Desk events: what happens to the desk that is not itself a record entry (a case opened, its
// owner changed, an absence started, a target passed). Webhooks hear of them beside the entry
// kinds, and automations start on them. Each has a stable JSON shape (its data below), which the
// OpenAPI file documents; a field is only ever added, never renamed or removed.

// EventType names a desk event.
type EventType string

// The desk events.
const (
	EventCaseOpened     EventType = "case_opened"
	EventOwnerChanged   EventType = "owner_changed"
	EventAbsenceStarted EventType = "absence_started"
	EventTargetPassed   EventType = "target_passed"
)

// EventTypes are the desk events, in the order the documentation lists them.
func EventTypes() []EventType {
	return []EventType{EventCaseOpened, EventOwnerChanged, EventAbsenceStarted, EventTargetPassed}
}

// EntryKinds are the record's entry kinds, which are events too: every kind with its typed
// data (entrydata.go), so a kind added there is offered to webhooks and documented at once.
func EntryKinds() []EntryKind {
	out := make([]EntryKind, 0, len(dataReaders))
	for k := range dataReaders {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// PersonRef names an agent in an event: their id and name.
type PersonRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// CaseOpenedData is case_opened's data: the case as it opened.
type CaseOpenedData struct {
	CaseID     int64      `json:"case_id"`
	Ref        string     `json:"ref"`
	Subject    string     `json:"subject"`
	Status     Status     `json:"status"`
	Channel    string     `json:"channel"`
	Type       string     `json:"type"`
	TeamID     int64      `json:"team_id"`
	Team       string     `json:"team"`
	CustomerID int64      `json:"customer_id"`
	Owner      *PersonRef `json:"owner" openapi:"nullable"` // null while the case waits in its team's queue
	Actor      Actor      `json:"actor"`                    // who opened it (the desk itself for mail)
	CreatedAt  time.Time  `json:"created_at"`
}

// OwnerChangedData is owner_changed's data: a case went from one owner to another, by a
// hand-over (reason "handover") or an escalation ("escalation").
type OwnerChangedData struct {
	From   *PersonRef `json:"from" openapi:"nullable"` // null when taken from the team's queue
	To     PersonRef  `json:"to"`
	Reason string     `json:"reason"`
	Rung   int        `json:"rung"`
	Actor  Actor      `json:"actor"`
}

// AbsenceStartedData is absence_started's data: an agent's leave or sickness began, and the
// cases that went to their manager because of it (refs; empty when all were handed over).
type AbsenceStartedData struct {
	AbsenceID int64       `json:"absence_id"`
	Agent     PersonRef   `json:"agent"`
	Kind      AbsenceKind `json:"kind"`
	From      time.Time   `json:"from"`
	To        time.Time   `json:"to"`
	MovedTo   *PersonRef  `json:"moved_to,omitempty"`
	Cases     []string    `json:"cases"`
}

// Targets a case is held to (target_passed's target).
const (
	TargetResponse   = "response"
	TargetResolution = "resolution"
)

// TargetPassedData is target_passed's data: a case passed its team's response target (a
// customer waited unanswered) or resolution target (not resolved in time), counted in the
// team's business time.
type TargetPassedData struct {
	Target        string     `json:"target"`         // response or resolution
	TargetSeconds int64      `json:"target_seconds"` // the target, in business seconds
	TeamID        int64      `json:"team_id"`
	Team          string     `json:"team"`
	Owner         *PersonRef `json:"owner" openapi:"nullable"` // the owner when it passed (before any escalation); null in the team's queue
}
