package web

import (
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// inboxFilter is what the inbox shows, read from the query string (so every view has an
// address and works without script). Unknown values fall back to the defaults.
type inboxFilter struct {
	Scope    string // "mine" (default), "team" or "queue" (the team's cases waiting for someone at work)
	Show     string // "all" (default), "overdue" or "escalated"
	Status   string // "open" (default), "on_customer", "waiting", "quarantined", "closed" or "any"
	Priority string // "" (any) or a priority
	Tag      string // "" (any) or a tag
	Sort     string // "" (what falls due next) or another of store's sorts
	After    string // the cursor of the page before ("": the first page)
}

var (
	inboxScopes   = []string{"mine", "team", "queue"}
	inboxShows    = []string{"all", "overdue", "escalated"}
	inboxStatuses = map[string][]desk.Status{
		"open":        {desk.StatusOpen},
		"on_customer": {desk.StatusOpen},
		"waiting":     {desk.StatusAwaitingConfirmation},
		"quarantined": {desk.StatusQuarantined},
		"closed":      {desk.StatusClosed, desk.StatusClosedUnconfirmed},
		"any": {desk.StatusOpen, desk.StatusAwaitingConfirmation, desk.StatusQuarantined,
			desk.StatusClosed, desk.StatusClosedUnconfirmed},
	}
	inboxStatusOrder = []string{"open", "on_customer", "waiting", "quarantined", "closed", "any"}
)

func readInboxFilter(q url.Values) inboxFilter {
	f := inboxFilter{Scope: "mine", Show: "all", Status: "open"}
	scope := q.Get("scope")
	if scope == "" {
		scope = q.Get("view") // an older name for it
	}
	for _, v := range inboxScopes {
		if scope == v {
			f.Scope = v
		}
	}
	for _, v := range inboxShows {
		if q.Get("show") == v {
			f.Show = v
		}
	}
	if _, ok := inboxStatuses[q.Get("status")]; ok {
		f.Status = q.Get("status")
	}
	if slices.Contains(desk.Priorities(), q.Get("priority")) {
		f.Priority = q.Get("priority")
	}
	if tags, err := desk.ParseTags("tag", []string{q.Get("tag")}); err == nil && len(tags) == 1 {
		f.Tag = tags[0]
	}
	if slices.Contains(inboxSorts, q.Get("sort")) && q.Get("sort") != "due" {
		f.Sort = q.Get("sort")
	}
	f.After = q.Get("after")
	return f
}

// inboxSorts are the sorts the inbox offers, the default first.
var inboxSorts = []string{"due", "updated", "priority", "created"}

// URL is the inbox address showing this filter, with the defaults left out.
func (f inboxFilter) URL() string {
	q := url.Values{}
	if f.Scope != "mine" {
		q.Set("scope", f.Scope)
	}
	if f.Show != "all" {
		q.Set("show", f.Show)
	}
	if f.Status != "open" {
		q.Set("status", f.Status)
	}
	for k, v := range map[string]string{"priority": f.Priority, "tag": f.Tag, "sort": f.Sort, "after": f.After} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if len(q) == 0 {
		return "/inbox"
	}
	return "/inbox?" + q.Encode()
}

// inboxRow is one case line of the inbox.
type inboxRow struct {
	service.InboxItem
	Due        time.Time // zero when nothing is due
	DueLabel   string    // "Promise due" / "Reply due"
	StatusText string
	Owner      string
	Left       string // a queued case's business time left on its response clock ("" for none)
	Mine       bool
	Flags      []string // translated
}

type inboxTab struct {
	Label   string
	URL     string
	Current bool
}

type inboxOption struct {
	Value, Label string
	Selected     bool
}

type inboxData struct {
	Filter     inboxFilter
	Scopes     []inboxTab
	Shows      []inboxOption
	Statuses   []inboxOption
	Priorities []inboxOption
	Sorts      []inboxOption
	Older      string // the next page's address; "" on the last
	Rows       []inboxRow
	Team       string // the agent's team, "" when in none
	Partner    bool   // a partner user: only the cases handed to their organisation
	NoTeam     bool   // asked for the team's cases without a team
	Overdue    int
	Escalated  int
	Truncated  bool // more cases than one page holds
	Limit      int
	Tools      *inboxTools // bulk actions and saved views (inboxtools.go)
}

// inboxPage is how many cases the inbox shows at most.
const inboxPage = 200

// inbox lists the agent's (or their team's) cases by what falls due next.
func (s *Server) inbox(w http.ResponseWriter, r *request) error {
	return s.showInbox(w, r, readInboxFilter(r.URL.Query()), http.StatusOK, inboxOutcome{})
}

// showInbox renders the inbox showing f, with what a tool's post brought back.
func (s *Server) showInbox(w http.ResponseWriter, r *request, f inboxFilter, status int, out inboxOutcome) error {
	actor := r.sess.Actor
	data := inboxData{Filter: f, Partner: actor.Role == desk.RolePartner}
	// A page of the cases due soonest is what an agent works from; the overdue and escalated
	// views are filtered here, so they look further.
	q := service.InboxQuery{Statuses: inboxStatuses[f.Status], Limit: inboxPage, Priority: f.Priority, Tag: f.Tag, Sort: f.Sort, After: f.After}
	// Cases waiting on the customer are apart: back in the open list when the customer writes.
	switch f.Status {
	case "open":
		q.OnCustomer = "no"
	case "on_customer":
		q.OnCustomer = "yes"
	}
	if f.Show != "all" {
		q.Limit = 500
	}
	partial := r.URL.Query().Get("partial") != "" && r.Header.Get("X-Kept-Partial") != ""
	q.Tools = !partial // saved views and the bulk form's choices, in the page's one read
	switch {
	case data.Partner: // the service lists only the cases handed to their organisation
	case f.Scope == "team":
		q.MyTeam = true
	case f.Scope == "queue":
		q.MyTeam, q.Queued = true, true
	default:
		q.OwnerID = actor.ID
	}
	page, err := s.svc.InboxPage(r.Context(), actor, q)
	if err != nil {
		return err
	}
	items, names := page.Items, page.Owners
	data.Team, data.NoTeam = page.Team, page.NoTeam
	data.Limit = q.Limit
	if page.Next != "" {
		g := f
		g.After = page.Next
		data.Older = g.URL()
	}
	for _, it := range items {
		if it.Overdue {
			data.Overdue++
		}
		if it.Escalated {
			data.Escalated++
		}
		if (f.Show == "overdue" && !it.Overdue) || (f.Show == "escalated" && !it.Escalated) {
			continue
		}
		row := inboxRow{InboxItem: it, StatusText: r.T("inbox.status." + string(it.Status)), Owner: names[it.OwnerID], Mine: it.OwnerID == actor.ID}
		if it.OwnerID == 0 {
			row.Owner = r.T("queue.nobody")
		}
		if left, ok := page.Left[it.CaseID]; ok {
			row.Left = r.T("queue.left", s.duration(r, left))
			if left <= 0 {
				row.Left = r.T("queue.passed", s.duration(r, -left))
			}
		}
		if it.NextDue != nil {
			row.Due = *it.NextDue
			row.DueLabel = r.T("inbox.due." + it.NextDueKind)
		}
		for _, fl := range it.Flags {
			row.Flags = append(row.Flags, r.flagText(fl))
		}
		data.Rows = append(data.Rows, row)
	}

	for _, sc := range inboxScopes {
		g := f
		g.Scope, g.After = sc, "" // another list starts at its first page
		label := r.T("inbox.scope." + sc)
		if sc == "team" && data.Team != "" {
			label = r.T("inbox.scope.team_named", data.Team)
		}
		if sc == "queue" && data.Partner {
			continue
		}
		data.Scopes = append(data.Scopes, inboxTab{Label: label, URL: g.URL(), Current: sc == f.Scope})
	}
	for _, v := range inboxShows {
		data.Shows = append(data.Shows, inboxOption{Value: v, Label: r.T("inbox.show." + v), Selected: v == f.Show})
	}
	data.Priorities = append(data.Priorities, inboxOption{Value: "", Label: r.T("labels.priority.any"), Selected: f.Priority == ""})
	for _, v := range desk.Priorities() {
		data.Priorities = append(data.Priorities, inboxOption{Value: v, Label: r.T("labels.priority." + v), Selected: v == f.Priority})
	}
	for _, v := range inboxSorts {
		data.Sorts = append(data.Sorts, inboxOption{Value: v, Label: r.T("labels.sort." + v), Selected: v == f.Sort || (v == "due" && f.Sort == "")})
	}
	for _, v := range inboxStatusOrder {
		data.Statuses = append(data.Statuses, inboxOption{Value: v, Label: r.T("inbox.statuses." + v), Selected: v == f.Status})
	}
	if partial {
		data.Tools = &inboxTools{Bulk: service.Gate(actor, service.ActCaseBulk) == nil} // the rows' checkboxes
	} else {
		data.Tools = readTools(r, f, page.Tools, len(data.Rows), out)
	}
	v := view{Title: r.T("inbox.title"), Data: data}
	if partial {
		return s.renderPart(w, r, "inbox", "rows", v)
	}
	return s.render(w, r, status, "inbox", v)
}

// flagText names a case flag in the reader's language (an unknown flag shows as itself).
func (r *request) flagText(flag string) string {
	key := "inbox.flag." + flag
	if t := r.T(key); t != key {
		return t
	}
	return flag
}
