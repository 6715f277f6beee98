package service

import (
	"context"
	"slices"
	"strings"
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
	MyTeam   bool          // the reader's own team (nothing when they are in none)
	Queued   bool          // instead of the team's cases: those waiting in its queue, owned by nobody yet
	Statuses []desk.Status // default: open
	Limit    int           // default 100, at most 500
	Priority string        // only cases of this priority ("": any)
	Tag      string        // only cases with this tag ("": any)
	Sort     string        // store.InboxSorts ("": what falls due next first)
	After    string        // the cursor of the page before (InboxView.Next)
	// Tools reads the inbox page's tools in the same read: the reader's saved views, and when
	// cases are listed and they may act in bulk, the bulk form's choices (InboxView.Tools).
	Tools bool
	// OnCustomer: "yes" only cases waiting on the customer, "no" none of them, "" both.
	OnCustomer string
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
	Priority     string      `json:"priority"`
	Tags         []string    `json:"tags"`
	UpdatedAt    time.Time   `json:"updated_at"`
	NextDue      *time.Time  `json:"next_due,omitempty"`      // nil when nothing is due
	NextDueKind  string      `json:"next_due_kind,omitempty"` // "promise" or "response"
	Overdue      bool        `json:"overdue"`
	Escalated    bool        `json:"escalated"`
	OnCustomer   bool        `json:"waiting_on_customer"` // set waiting on the customer (no response is owed)
}

// Inbox lists open cases by what falls due next (the nearest open promise or response target;
// cases with nothing due last, most recently updated first). Customers have no inbox; partner
// users see only cases handed to their organisation.
func (s *Service) Inbox(ctx context.Context, actor desk.Actor, q InboxQuery) ([]InboxItem, error) {
	var out []InboxItem
	err := s.readLooseAs(ctx, actor, func(w *work) error { // one list query (and a team name)
		var err error
		out, _, err = inboxItems(w, q)
		return err
	})
	return out, wrap("inbox", err)
}

// InboxView is the inbox page: the cases, the names of their owners and the reader's team.
type InboxView struct {
	Items  []InboxItem
	Owners map[int64]string // the listed cases' owners by id (for the desk's own people)
	Team   string           // the reader's team; "" when they are in none
	NoTeam bool             // their team's cases were asked for, and they are in no team
	Next   string           // the cursor of the next page; "" when this is the last
	Tools  InboxToolsView   // when asked for (InboxQuery.Tools)
	// Left is, for the cases of a team's queue, the business time (the team's hours, less its
	// holidays) left on each one's response clock; negative once it has passed.
	Left map[int64]time.Duration
}

// InboxPage reads the inbox page in one read. Its statements need not agree (a name changed
// between the reader's row and the list is harmless), so on PostgreSQL they run without a
// transaction (see store.ReadLoose): BEGIN and COMMIT would cost about what the list does.
func (s *Service) InboxPage(ctx context.Context, actor desk.Actor, q InboxQuery) (InboxView, error) {
	v := InboxView{Items: []InboxItem{}, Owners: map[int64]string{actor.ID: actor.Name}}
	err := s.readLooseAs(ctx, actor, func(w *work) error {
		if isStaffAgent(actor) {
			me, err := w.agent(actor.ID)
			if err != nil {
				return notFoundAs(err, "agent", actor.ID)
			}
			v.Team = me.Team
			v.NoTeam = q.MyTeam && me.TeamID == 0
		}
		items, next, err := inboxItems(w, q)
		v.Next = next
		if err == nil && q.Tools {
			v.Tools, err = inboxTools(w, len(items) > 0)
		}
		if err != nil || !desk.IsStaff(actor) {
			v.Items = items
			return err
		}
		if q.Queued {
			if v.Left, err = responseLeft(w, items); err != nil {
				return err
			}
		}
		owners := make([]int64, 0, len(items))
		for _, it := range items {
			owners = append(owners, it.OwnerID)
		}
		if err := w.loadAgents(owners); err != nil { // set-wise; usually only the reader, read above
			return err
		}
		for _, id := range owners {
			v.Owners[id] = w.agents[id].Name
		}
		v.Items = items
		return nil
	})
	return v, wrap("inbox", err)
}

// isStaffAgent is one of the desk's own agents (not a partner's user, not the desk itself).
func isStaffAgent(actor desk.Actor) bool {
	return actor.Kind == desk.ActorAgent && desk.IsStaff(actor)
}

// inboxItems lists an inbox (see Inbox) and the cursor of its next page ("" for none).
func inboxItems(w *work, q InboxQuery) ([]InboxItem, string, error) {
	items, next, err := inboxList(w, q)
	if items == nil {
		items = []InboxItem{}
	}
	return items, next, err
}

func inboxList(w *work, q InboxQuery) ([]InboxItem, string, error) {
	ctx, tx, actor := w.ctx, w.tx, w.actor
	filter := store.InboxFilter{OwnerID: q.OwnerID, TeamID: q.TeamID, Queued: q.Queued, Statuses: q.Statuses, ResponseTimer: timerResponseDue, Limit: q.Limit,
		Priority: q.Priority, Tag: q.Tag, Sort: q.Sort, After: q.After, OnCustomer: q.OnCustomer}
	if filter.Priority != "" {
		if _, err := desk.ParsePriority("priority", filter.Priority); err != nil {
			return nil, "", err
		}
	}
	if filter.Sort != "" && !slices.Contains(store.InboxSorts, filter.Sort) {
		return nil, "", desk.Invalid("sort", "sort by %s", strings.Join(store.InboxSorts, ", "))
	}
	switch {
	case actor.Kind == desk.ActorCustomer:
		return nil, "", nil
	case actor.Role == desk.RolePartner:
		if actor.PartnerID == 0 {
			return nil, "", nil
		}
		filter.PartnerID = actor.PartnerID
	case !desk.IsStaff(actor):
		return nil, "", nil
	case q.MyTeam && actor.Kind == desk.ActorAgent:
		me, err := w.agent(actor.ID)
		if err != nil {
			return nil, "", notFoundAs(err, "agent", actor.ID)
		}
		if me.TeamID == 0 {
			return nil, "", nil
		}
		filter.TeamID = me.TeamID
	}
	if filter.OwnerID == 0 && filter.TeamID == 0 && q.Team == "" && actor.Kind == desk.ActorAgent && actor.Role != desk.RolePartner {
		filter.OwnerID = actor.ID
	}
	if q.Team != "" {
		id, err := tx.TeamID(ctx, q.Team)
		if store.IsNotFound(err) {
			return nil, "", desk.Invalid("team", "no team %q", q.Team)
		} else if err != nil {
			return nil, "", err
		}
		filter.TeamID = id
	}
	if filter.Queued && filter.TeamID == 0 {
		return nil, "", nil // a queue is a team's
	}
	rows, err := tx.Inbox(ctx, filter)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if limit := filter.Limit; len(rows) > 0 && (len(rows) == limit || (len(rows) == 100 && (limit <= 0 || limit > 500))) { // a full page: maybe more
		next = rows[len(rows)-1].Cursor(filter.Sort)
	}
	out := []InboxItem{}
	for _, r := range rows {
		if !desk.CanSeeCase(actor, desk.Case{ID: r.CaseID, CustomerID: r.CustomerID, OwnerID: r.OwnerID, PartnerID: r.PartnerID}) {
			continue
		}
		item := InboxItem{CaseID: r.CaseID, Ref: r.Ref, Subject: r.Subject, Status: r.Status, OwnerID: r.OwnerID, CustomerID: r.CustomerID,
			CustomerName: r.CustomerName, Rung: r.Rung, Flags: r.Flags, Priority: r.Priority, Tags: r.Tags, UpdatedAt: r.UpdatedAt, NextDueKind: r.NextDueKind,
			Overdue: r.Overdue(w.now), Escalated: r.Escalated(), OnCustomer: r.OnCustomer}
		if !r.NextDue.IsZero() {
			due := r.NextDue
			item.NextDue = &due
		}
		out = append(out, item)
	}
	return out, next, nil
}

// responseLeft is the business time left on the response clock of each case of a team's queue
// that has one running, counted in its team's calendar.
func responseLeft(w *work, items []InboxItem) (map[int64]time.Duration, error) {
	left := map[int64]time.Duration{}
	for _, it := range items {
		if it.NextDue == nil || it.NextDueKind != store.DueResponse {
			continue
		}
		c, err := w.loadCase(it.CaseID)
		if err != nil {
			return nil, err
		}
		settings, err := w.settingsOf(*c)
		if err != nil {
			return nil, err
		}
		cal := settings.Calendar()
		if due := *it.NextDue; due.After(w.now) {
			left[it.CaseID] = cal.Elapsed(w.now, due)
		} else {
			left[it.CaseID] = -cal.Elapsed(due, w.now)
		}
	}
	return left, nil
}
