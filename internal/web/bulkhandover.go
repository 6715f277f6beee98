package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// The bulk hand-over of a leave: an agent with 150 open cases hands them over a page of 25 at a
// time, the cases grouped (by the colleague chosen, by customer, or by due date) with one
// briefing per group and an optional note per case. What is written is kept as a draft in the
// service between pages; "Hand over all" records the leave with every case's hand-over, its
// briefing being the briefings of the groups it is in and its own note.

// bulkPageSize is how many cases a page of the bulk hand-over shows.
const bulkPageSize = 25

// Groupings of the bulk hand-over.
var bulkGroupings = []string{"customer", "due", "colleague"}

type bulkGroup struct {
	N         int    // its place on the page, naming its fields
	Key       string // e.g. "customer:7"
	Title     string
	Chooses   bool // the group chooses a colleague for its cases (not when grouped by colleague)
	To        int64
	Briefing  string
	Rows      []bulkRow
	CaseCount int // the group's cases on every page
}

type bulkRow struct {
	handoverRow
	Note string
}

type bulkData struct {
	Form       absenceForm
	From, To   time.Time
	Query      string // kind, from and to, for links
	Group      string
	Groupings  []string
	Page, Of   int
	Total      int
	Groups     []bulkGroup
	Colleagues []colleagueOpt
	Error      string
	Saved      bool
}

// bulkDrafts are an agent's drafts by kind and key.
type bulkDrafts struct {
	caseTo   map[int64]int64
	caseNote map[int64]string
	groupTo  map[string]int64
	groupTxt map[string]string
}

func readBulkDrafts(ds []desk.HandoverDraft) bulkDrafts {
	b := bulkDrafts{caseTo: map[int64]int64{}, caseNote: map[int64]string{}, groupTo: map[string]int64{}, groupTxt: map[string]string{}}
	for _, d := range ds {
		switch d.Kind {
		case service.DraftCase:
			id, err := strconv.ParseInt(d.Key, 10, 64)
			if err == nil {
				b.caseTo[id], b.caseNote[id] = d.ToAgentID, d.Text
			}
		case service.DraftGroup:
			b.groupTo[d.Key], b.groupTxt[d.Key] = d.ToAgentID, d.Text
		}
	}
	return b
}

// groupKey is the group of a case in a grouping.
func (b bulkDrafts) groupKey(r *request, row handoverRow, grouping string) string {
	switch grouping {
	case "due":
		if len(row.Promises) == 0 {
			return "due:none"
		}
		first := row.Promises[0].DueAt
		for _, p := range row.Promises {
			if p.DueAt.Before(first) {
				first = p.DueAt
			}
		}
		return "due:" + first.In(r.zone).Format("2006-01-02")
	case "colleague":
		return "colleague:" + strconv.FormatInt(b.caseTo[row.CaseID], 10)
	}
	return "customer:" + strconv.FormatInt(row.CustomerID, 10)
}

// colleagueOf is who a case goes to: its own choice, else its customer's group's, else its
// due date's group's.
func (b bulkDrafts) colleagueOf(r *request, row handoverRow) int64 {
	if to := b.caseTo[row.CaseID]; to != 0 {
		return to
	}
	if to := b.groupTo[b.groupKey(r, row, "customer")]; to != 0 {
		return to
	}
	return b.groupTo[b.groupKey(r, row, "due")]
}

// briefingOf is a case's briefing: the briefings of each group it is in, then its own note.
func (b bulkDrafts) briefingOf(r *request, row handoverRow) string {
	var parts []string
	for _, g := range bulkGroupings {
		if t := strings.TrimSpace(b.groupTxt[b.groupKey(r, row, g)]); t != "" && !slices.Contains(parts, t) {
			parts = append(parts, t)
		}
	}
	if n := strings.TrimSpace(b.caseNote[row.CaseID]); n != "" {
		parts = append(parts, n)
	}
	return strings.Join(parts, "\n\n")
}

// bulkForm reads the leave (kind, from, to) from the query or the posted form.
func (s *Server) bulkForm(r *request) (desk.Agent, absenceForm, desk.NewAbsence, error) {
	me, err := s.svc.Agent(r.Context(), r.sess.Actor, r.sess.Actor.ID)
	if err != nil {
		return me, absenceForm{}, desk.NewAbsence{}, err
	}
	form, in, err := s.askedAbsence(r, me, desk.AbsenceLeave) // the bulk page is for a leave
	return me, form, in, err
}

// bulk gathers the page: the cases (as the leave form lists them) sorted into their groups,
// the page's 25, and what was drafted for them.
func (s *Server) bulk(r *request, me desk.Agent, form absenceForm, in desk.NewAbsence) (bulkData, bulkDrafts, []handoverRow, error) {
	d := bulkData{Form: form, From: in.From, To: in.To, Groupings: bulkGroupings, Group: r.FormValue("group")}
	if !slices.Contains(bulkGroupings, d.Group) {
		d.Group = bulkGroupings[0]
	}
	d.Query = url.Values{"kind": {form.Kind}, "from": {form.From}, "to": {form.To}}.Encode()
	ld, err := s.leave(r, me, form, in, nil)
	if err != nil {
		return d, bulkDrafts{}, nil, err
	}
	d.Colleagues = ld.Colleagues
	ds, err := s.svc.HandoverDrafts(r.Context(), r.sess.Actor, me.ID)
	if err != nil {
		return d, bulkDrafts{}, nil, err
	}
	drafts := readBulkDrafts(ds)
	names := map[int64]string{}
	for _, c := range ld.Colleagues {
		names[c.ID] = c.Name
	}
	// Groups in the order people look for them: customers and colleagues by name (nobody
	// chosen first), due dates soonest first (nothing due last).
	order := func(row handoverRow) string {
		key := drafts.groupKey(r, row, d.Group)
		switch d.Group {
		case "customer":
			return strings.ToLower(row.Customer) + "\x00" + key
		case "colleague":
			return strings.ToLower(names[drafts.caseTo[row.CaseID]]) + "\x00" + key
		}
		return strings.Replace(key, "none", "~", 1)
	}
	rows := ld.Rows
	slices.SortStableFunc(rows, func(a, b handoverRow) int { return strings.Compare(order(a), order(b)) })
	d.Total = len(rows)
	d.Of = max(1, (len(rows)+bulkPageSize-1)/bulkPageSize)
	d.Page, _ = strconv.Atoi(r.FormValue("page"))
	d.Page = min(max(d.Page, 1), d.Of)
	count := map[string]int{}
	for _, row := range rows {
		count[drafts.groupKey(r, row, d.Group)]++
	}
	lo, hi := (d.Page-1)*bulkPageSize, min(d.Page*bulkPageSize, len(rows))
	for _, row := range rows[lo:hi] {
		key := drafts.groupKey(r, row, d.Group)
		if n := len(d.Groups); n == 0 || d.Groups[n-1].Key != key {
			g := bulkGroup{N: len(d.Groups), Key: key, Chooses: d.Group != "colleague", To: drafts.groupTo[key],
				Briefing: drafts.groupTxt[key], CaseCount: count[key]}
			g.Title = groupTitle(r, key, row, names)
			d.Groups = append(d.Groups, g)
		}
		row.To = drafts.caseTo[row.CaseID]
		g := &d.Groups[len(d.Groups)-1]
		g.Rows = append(g.Rows, bulkRow{handoverRow: row, Note: drafts.caseNote[row.CaseID]})
	}
	return d, drafts, rows, nil
}

// groupTitle names a group in the reader's language.
func groupTitle(r *request, key string, row handoverRow, names map[int64]string) string {
	kind, v, _ := strings.Cut(key, ":")
	switch kind {
	case "due":
		if v == "none" {
			return r.T("bulk.group.no_due")
		}
		return r.T("bulk.group.due_on", v)
	case "colleague":
		id, _ := strconv.ParseInt(v, 10, 64)
		if id == 0 {
			return r.T("bulk.group.none_chosen")
		}
		return r.T("bulk.group.to", names[id])
	}
	return r.T("bulk.group.customer", row.Customer)
}

func (s *Server) bulkPage(w http.ResponseWriter, r *request) error {
	me, form, in, err := s.bulkForm(r)
	if err != nil {
		return err
	}
	d, _, _, err := s.bulk(r, me, form, in)
	if err != nil {
		return err
	}
	d.Saved = r.FormValue("saved") == "1"
	return s.render(w, r, http.StatusOK, "bulkhandover", view{Title: r.T("bulk.title"), Data: d})
}

// bulkSave keeps what the page's fields say as drafts, then moves to the page asked for, or
// (action "start") records the leave with every case's hand-over.
func (s *Server) bulkSave(w http.ResponseWriter, r *request) error {
	me, form, in, err := s.bulkForm(r)
	if err != nil {
		return err
	}
	var drafts []desk.HandoverDraft
	for _, v := range r.Form["case"] {
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			continue
		}
		to, _ := strconv.ParseInt(r.FormValue("to_"+v), 10, 64)
		drafts = append(drafts, desk.HandoverDraft{Kind: service.DraftCase, Key: v, ToAgentID: to, Text: r.FormValue("note_" + v)})
	}
	for i := 0; ; i++ {
		key := r.FormValue(fmt.Sprintf("gkey_%d", i))
		if key == "" {
			break
		}
		to, _ := strconv.ParseInt(r.FormValue(fmt.Sprintf("gto_%d", i)), 10, 64)
		drafts = append(drafts, desk.HandoverDraft{Kind: service.DraftGroup, Key: key, ToAgentID: to, Text: r.FormValue(fmt.Sprintf("gtext_%d", i))})
	}
	if err := s.svc.SaveHandoverDrafts(r.Context(), r.sess.Actor, me.ID, drafts); err != nil {
		return err
	}
	page, _ := strconv.Atoi(r.FormValue("page"))
	switch r.FormValue("action") {
	case "next":
		page++
	case "prev":
		page--
	case "start":
		return s.bulkStart(w, r, me, form, in)
	}
	q := url.Values{"kind": {form.Kind}, "from": {form.From}, "to": {form.To}, "group": {r.FormValue("group")},
		"page": {strconv.Itoa(max(page, 1))}, "saved": {"1"}}
	http.Redirect(w, r.Request, "/availability/handover?"+q.Encode(), http.StatusSeeOther)
	return nil
}

// bulkStart records the leave with a hand-over of every case, or shows which cases still lack
// a colleague or a briefing.
func (s *Server) bulkStart(w http.ResponseWriter, r *request, me desk.Agent, form absenceForm, in desk.NewAbsence) error {
	d, drafts, rows, err := s.bulk(r, me, form, in)
	if err != nil {
		return err
	}
	away := map[int64]bool{}
	for _, c := range d.Colleagues {
		away[c.ID] = c.Away != ""
	}
	var handovers []service.CaseHandover
	var missing []string
	for _, row := range rows {
		to, briefing := drafts.colleagueOf(r, row), drafts.briefingOf(r, row)
		if _, known := away[to]; to == 0 || !known || away[to] || briefing == "" {
			missing = append(missing, row.Ref)
			continue
		}
		handovers = append(handovers, service.CaseHandover{CaseID: row.CaseID, ToAgentID: to, Briefing: briefing})
	}
	if len(missing) > 0 {
		shown := missing[:min(len(missing), 10)]
		d.Error = r.T("bulk.missing", len(missing), strings.Join(shown, ", "))
		return s.render(w, r, http.StatusUnprocessableEntity, "bulkhandover", view{Title: r.T("bulk.title"), Data: d})
	}
	if _, err := s.svc.AddAbsence(r.Context(), r.sess.Actor, me.ID, in, handovers); err != nil {
		e, _, ok := formRefusal(err) // the page answers 422 whatever the refusal
		if !ok {
			return err
		}
		d.Error = r.ErrorText(err)
		if i, field, ok := handoverField(e.Field); ok && i < len(handovers) {
			d.Error = desk.CaseRef(handovers[i].CaseID) + ": " + handoverError(r, e, field)
		}
		return s.render(w, r, http.StatusUnprocessableEntity, "bulkhandover", view{Title: r.T("bulk.title"), Data: d})
	}
	return absenceAdded(w, r, me, in, handovers)
}
