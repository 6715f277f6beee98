package service

import (
	"context"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// InboxQuery chooses whose inbox to list. With neither OwnerID nor a team, an agent gets their
// own cases; a partner user always gets only the cases handed to their organisation.
type InboxQuery struct {
	OwnerID  int64
	TeamID   int64
	Team     string        // a team by name (instead of TeamID)
	Statuses []desk.Status // default: open
	Limit    int           // default 100, at most 500
}

// InboxItem is one case of an inbox with what falls due on it next.
type InboxItem struct {
	CaseID       int64       `json:"case_id"`
	Ref          string      `json:"ref"`
	Subject      string      `json:"subject"`
	Status       desk.Status `json:"status"`
	OwnerID      int64       `json:"owner_id"`
	CustomerID   int64       `json:"customer_id"`
	CustomerName string      `json:"customer_name"`
	Rung         int         `json:"rung"`
	Flags        []string    `json:"flags"`
	UpdatedAt    time.Time   `json:"updated_at"`
	NextDue      *time.Time  `json:"next_due,omitempty"`      // nil when nothing is due
	NextDueKind  string      `json:"next_due_kind,omitempty"` // "promise" or "response"
	Overdue      bool        `json:"overdue"`
	Escalated    bool        `json:"escalated"`
}

// Inbox lists open cases by what falls due next (the nearest open promise or response target;
// cases with nothing due last, most recently updated first). Customers have no inbox; partner
// users see only cases handed to their organisation.
func (s *Service) Inbox(ctx context.Context, actor desk.Actor, q InboxQuery) ([]InboxItem, error) {
	filter := store.InboxFilter{OwnerID: q.OwnerID, TeamID: q.TeamID, Statuses: q.Statuses, ResponseTimer: timerResponseDue, Limit: q.Limit}
	switch {
	case actor.Kind == desk.ActorCustomer:
		return []InboxItem{}, nil
	case actor.Role == desk.RolePartner:
		if actor.PartnerID == 0 {
			return []InboxItem{}, nil
		}
		filter.PartnerID = actor.PartnerID
	case !desk.IsStaff(actor):
		return []InboxItem{}, nil
	}
	if filter.OwnerID == 0 && filter.TeamID == 0 && q.Team == "" && actor.Kind == desk.ActorAgent && actor.Role != desk.RolePartner {
		filter.OwnerID = actor.ID
	}
	now := s.now()
	out := []InboxItem{}
	err := s.readLoose(ctx, func(tx *store.Tx) error { // one list query (and a team name)
		if q.Team != "" {
			id, err := tx.TeamID(ctx, q.Team)
			if store.IsNotFound(err) {
				return desk.Invalid("team", "no team %q", q.Team)
			} else if err != nil {
				return err
			}
			filter.TeamID = id
		}
		rows, err := tx.Inbox(ctx, filter)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if !desk.CanSeeCase(actor, desk.Case{ID: r.CaseID, CustomerID: r.CustomerID, OwnerID: r.OwnerID, PartnerID: r.PartnerID}) {
				continue
			}
			item := InboxItem{CaseID: r.CaseID, Ref: r.Ref, Subject: r.Subject, Status: r.Status, OwnerID: r.OwnerID, CustomerID: r.CustomerID,
				CustomerName: r.CustomerName, Rung: r.Rung, Flags: r.Flags, UpdatedAt: r.UpdatedAt, NextDueKind: r.NextDueKind,
				Overdue: r.Overdue(now), Escalated: r.Escalated()}
			if !r.NextDue.IsZero() {
				due := r.NextDue
				item.NextDue = &due
			}
			out = append(out, item)
		}
		return nil
	})
	return out, wrap("inbox", err)
}
