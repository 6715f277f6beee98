package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// "My availability": the agent's working week on a calendar with breaks and absences, a form
// to add one, and the hand-over walk-through that leave needs (PRODUCT.md story 2).

// absenceForm is what the agent typed into the absence form, kept as typed.
type absenceForm struct {
	Kind, From, To string
	Error          string
	Field          string // the input the error is about
}

type availData struct {
	Agent    desk.Agent
	Week     calWeek
	Upcoming []absenceRow
	Form     absenceForm
	Handed   []handedRow
	Kinds    []option
}

// option is one choice of a select, its label translated.
type option struct {
	Value, Label string
}

type absenceRow struct {
	ID             int64
	ToValue        string // the end as the shorten form shows it, in the agent's zone
	Kind, KindText string
	From, To       time.Time
	Now            bool // going on now
}

// handedRow is a case just handed over, as it stands now.
type handedRow struct {
	ID           int64
	Ref, Subject string
	Owner        string
}

func (s *Server) availabilityPage(w http.ResponseWriter, r *request) error {
	me, err := s.svc.Agent(r.Context(), r.sess.Actor, r.sess.Actor.ID)
	if err != nil {
		return err
	}
	loc := me.Location()
	now := s.svc.Now()
	form := absenceForm{Kind: string(desk.AbsenceBreak)}
	start := roundUpQuarter(now.In(loc))
	form.From, form.To = localValue(start, loc), localValue(start.Add(time.Hour), loc)
	if k := r.URL.Query().Get("kind"); k != "" {
		form.Kind = k
	}
	d, err := s.availability(r, me, r.URL.Query().Get("week"), form)
	if err != nil {
		return err
	}
	for _, id := range strings.Split(r.URL.Query().Get("handed"), ",") {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n <= 0 || len(d.Handed) >= 50 {
			continue
		}
		c, err := s.svc.Case(r.Context(), r.sess.Actor, n)
		if err != nil {
			continue // gone or not visible: the notice is only a courtesy
		}
		row := handedRow{ID: c.ID, Ref: c.Ref, Subject: c.Subject}
		if c.Owner != nil {
			row.Owner = c.Owner.Name
		}
		d.Handed = append(d.Handed, row)
	}
	return s.render(w, r, http.StatusOK, "availability", view{Title: r.T("avail.title"), Data: d})
}

// availability gathers the page: the week around the day asked for (this week by default) and
// the absences not yet ended.
func (s *Server) availability(r *request, me desk.Agent, week string, form absenceForm) (availData, error) {
	loc := me.Location()
	now := s.svc.Now()
	day := now.In(loc)
	if week != "" {
		if t, err := time.ParseInLocation("2006-01-02", week, loc); err == nil {
			day = t
		}
	}
	monday := weekStart(day)
	end := monday.AddDate(0, 0, 7)
	absences, err := s.svc.AbsencesBetween(r.Context(), r.sess.Actor, me.ID, monday, end)
	if err != nil {
		return availData{}, err
	}
	upcoming, err := s.svc.Absences(r.Context(), r.sess.Actor, me.ID)
	if err != nil {
		return availData{}, err
	}
	d := availData{Agent: me, Week: buildWeek(r, me, monday, absences, now), Form: form}
	for _, a := range upcoming {
		d.Upcoming = append(d.Upcoming, absenceRow{ID: a.ID, ToValue: localValue(a.To, loc), Kind: string(a.Kind), KindText: r.T("avail.kind." + string(a.Kind)),
			From: a.From, To: a.To, Now: a.Covers(now)})
	}
	for _, k := range []desk.AbsenceKind{desk.AbsenceBreak, desk.AbsenceLeave, desk.AbsenceSick} {
		d.Kinds = append(d.Kinds, option{Value: string(k), Label: r.T("avail.kind." + string(k))})
	}
	return d, nil
}

// addAbsence records a break, leave or sickness. Leave while the agent owns open cases turns
// into the hand-over form.
func (s *Server) addAbsence(w http.ResponseWriter, r *request) error {
	me, err := s.svc.Agent(r.Context(), r.sess.Actor, r.sess.Actor.ID)
	if err != nil {
		return err
	}
	form, in, ferr := s.askedAbsence(r, me, "")
	if ferr == nil {
		_, err = s.svc.AddAbsence(r.Context(), r.sess.Actor, me.ID, in, nil)
		if e, ok := desk.AsError(err); ok && e.Code == "handover_required" {
			return s.leaveForm(w, r, me, form, in, nil, "", http.StatusConflict)
		}
		if err == nil {
			return absenceAdded(w, r, me, in, nil)
		}
		if _, _, ok := formRefusal(err); !ok {
			return err
		}
		form.Error, form.Field = r.ErrorText(err), fieldOf(err)
	}
	week := ""
	if !in.From.IsZero() {
		week = in.From.In(me.Location()).Format("2006-01-02")
	}
	return s.absenceRefused(w, r, me, week, form)
}

// absenceRefused shows the availability page again (422), at week, with the absence form as
// typed and why it was refused.
func (s *Server) absenceRefused(w http.ResponseWriter, r *request, me desk.Agent, week string, form absenceForm) error {
	d, err := s.availability(r, me, week, form)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusUnprocessableEntity, "availability", view{Title: r.T("avail.title"), Data: d})
}

// askedAbsence reads the absence the agent asks for (kind, from, to: the posted form or the
// query; a kind not given is orKind, and with orKind "" is refused) and checks it as
// checkAbsence does. The form comes back as typed, with what is wrong with it.
func (s *Server) askedAbsence(r *request, me desk.Agent, orKind desk.AbsenceKind) (absenceForm, desk.NewAbsence, error) {
	form := absenceForm{Kind: r.FormValue("kind"), From: r.FormValue("from"), To: r.FormValue("to")}
	if form.Kind == "" {
		form.Kind = string(orKind)
	}
	in, err := s.checkAbsence(r, me, &form)
	return form, in, err
}

// checkAbsence reads the absence form in the agent's zone and says in the reader's language
// what is wrong with it (the service checks again; these are the same rules, translated).
func (s *Server) checkAbsence(r *request, me desk.Agent, f *absenceForm) (desk.NewAbsence, error) {
	loc := me.Location()
	in := desk.NewAbsence{Kind: strings.TrimSpace(f.Kind)}
	fail := func(field, key string) (desk.NewAbsence, error) {
		f.Field, f.Error = field, r.T(key)
		return in, desk.Invalid(field, "%s", f.Error)
	}
	switch desk.AbsenceKind(in.Kind) {
	case desk.AbsenceBreak, desk.AbsenceLeave, desk.AbsenceSick:
	default:
		return fail("kind", "avail.err.kind")
	}
	var err error
	if in.From, err = parseLocalIn(loc, f.From); err != nil {
		return fail("from", "error.datetime")
	}
	if in.To, err = parseLocalIn(loc, f.To); err != nil {
		return fail("to", "error.datetime")
	}
	now := s.svc.Now()
	switch {
	case !in.To.After(in.From):
		return fail("to", "avail.err.order")
	case in.To.Sub(in.From) > 366*24*time.Hour:
		return fail("to", "avail.err.too_long")
	case !in.To.After(now):
		return fail("to", "avail.err.ended")
	case in.Kind != string(desk.AbsenceSick) && in.From.Before(now.Add(-5*time.Minute)):
		return fail("from", "avail.err.past")
	}
	return in, nil
}

// handoverRow is one open case of the hand-over form, with what was entered for it.
type handoverRow struct {
	CaseID   int64
	Ref      string
	Subject  string
	Customer string
	// CustomerID groups the cases of one customer on the bulk hand-over page.
	CustomerID int64
	Promises   []leavePromise
	To         int64
	Briefing   string
	Error      string
}

// leavePromise is an open promise of a case to hand over, and whether it falls due during the
// leave (not before it starts: the agent keeps that one themselves, or hands it over).
type leavePromise struct {
	service.PromiseView
	InLeave bool
}

// colleagueOpt is a colleague to choose; Away says why they cannot be (empty: they can).
type colleagueOpt struct {
	ID   int64
	Name string
	Team string
	Away string
}

type leaveData struct {
	Form       absenceForm
	From, To   time.Time
	Rows       []handoverRow
	Colleagues []colleagueOpt
	ToAll      int64
	Error      string
}

// leaveForm shows the hand-over walk-through: one row per open case the agent owns, each with
// a colleague and a briefing to fill in. entered holds what was typed before, by case.
func (s *Server) leaveForm(w http.ResponseWriter, r *request, me desk.Agent, form absenceForm, in desk.NewAbsence,
	entered map[int64]handoverRow, formErr string, status int) error {
	d, err := s.leave(r, me, form, in, entered)
	if err != nil {
		return err
	}
	d.Error = formErr
	return s.render(w, r, status, "leave", view{Title: r.T("avail.leave.title"), Data: d})
}

// leave gathers the hand-over form: the agent's open cases (as the rule counts them), their
// open promises, and the colleagues with who is away during the leave.
func (s *Server) leave(r *request, me desk.Agent, form absenceForm, in desk.NewAbsence, entered map[int64]handoverRow) (leaveData, error) {
	ctx := r.Context()
	d := leaveData{Form: form, From: in.From, To: in.To}
	cases, err := s.svc.Inbox(ctx, r.sess.Actor, service.InboxQuery{OwnerID: me.ID,
		Statuses: []desk.Status{desk.StatusOpen, desk.StatusAwaitingConfirmation, desk.StatusQuarantined}, Limit: 500})
	if err != nil {
		return d, err
	}
	promises, err := s.svc.Promises(ctx, r.sess.Actor, service.PromiseList{OwnerID: me.ID, State: desk.PromiseOpen})
	if err != nil {
		return d, err
	}
	byCase := map[int64][]leavePromise{}
	for _, p := range promises {
		in := !p.DueAt.Before(in.From) && p.DueAt.Before(in.To)
		byCase[p.CaseID] = append(byCase[p.CaseID], leavePromise{PromiseView: p, InLeave: in})
	}
	for _, c := range cases {
		row := entered[c.CaseID]
		row.CaseID, row.Ref, row.Subject, row.Customer, row.Promises = c.CaseID, c.Ref, c.Subject, c.CustomerName, byCase[c.CaseID]
		row.CustomerID = c.CustomerID
		d.Rows = append(d.Rows, row)
	}
	colleagues, err := s.svc.Colleagues(ctx, r.sess.Actor, me.ID, in.From, in.To)
	if err != nil {
		return d, err
	}
	for _, c := range colleagues {
		o := colleagueOpt{ID: c.ID, Name: c.Name, Team: c.Team}
		if c.Away != nil {
			o.Away = r.T("avail.leave.away", r.T("avail.kind."+string(c.Away.Kind)), r.When(c.Away.To))
		}
		d.Colleagues = append(d.Colleagues, o)
	}
	return d, nil
}

// startLeave takes the filled-in hand-over form: every case needs a colleague who is there and
// a briefing; then the leave and the hand-overs are recorded in one command.
func (s *Server) startLeave(w http.ResponseWriter, r *request) error {
	me, err := s.svc.Agent(r.Context(), r.sess.Actor, r.sess.Actor.ID)
	if err != nil {
		return err
	}
	form, in, ferr := s.askedAbsence(r, me, "")
	if ferr != nil {
		return s.absenceRefused(w, r, me, "", form)
	}
	entered := map[int64]handoverRow{}
	toAll, _ := strconv.ParseInt(r.FormValue("to_all"), 10, 64)
	for _, v := range r.Form["case"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			continue
		}
		to, _ := strconv.ParseInt(r.FormValue(fmt.Sprintf("to_%d", id)), 10, 64)
		entered[id] = handoverRow{To: to, Briefing: r.FormValue(fmt.Sprintf("briefing_%d", id))}
	}
	d, err := s.leave(r, me, form, in, entered)
	if err != nil {
		return err
	}
	d.ToAll = toAll
	away := map[int64]string{}
	known := map[int64]bool{}
	for _, c := range d.Colleagues {
		known[c.ID], away[c.ID] = true, c.Away
	}
	bad := false
	var handovers []service.CaseHandover
	for i := range d.Rows {
		row := &d.Rows[i]
		if _, asked := entered[row.CaseID]; !asked {
			// A case that reached the agent since the form was shown: it needs its own briefing.
			row.Error, bad = r.T("avail.err.new_case"), true
			continue
		}
		to := row.To
		if to == 0 {
			to = toAll
		}
		switch {
		case to == 0:
			row.Error = r.T("avail.err.colleague_missing")
		case !known[to]:
			row.Error = r.T("avail.err.colleague_unknown")
		case away[to] != "":
			row.Error = r.T("avail.err.colleague_away", away[to])
		case strings.TrimSpace(row.Briefing) == "":
			row.Error = r.T("avail.err.briefing_missing")
		}
		if row.Error != "" {
			bad = true
			continue
		}
		handovers = append(handovers, service.CaseHandover{CaseID: row.CaseID, ToAgentID: to, Briefing: row.Briefing})
	}
	if bad {
		d.Error = r.T("avail.leave.fix")
		return s.render(w, r, http.StatusUnprocessableEntity, "leave", view{Title: r.T("avail.leave.title"), Data: d})
	}
	_, err = s.svc.AddAbsence(r.Context(), r.sess.Actor, me.ID, in, handovers)
	if err != nil {
		e, _, ok := formRefusal(err) // the page answers 422 whatever the refusal
		if !ok {
			return err
		}
		if i, field, ok := handoverField(e.Field); ok && i < len(handovers) {
			for j := range d.Rows {
				if d.Rows[j].CaseID == handovers[i].CaseID {
					d.Rows[j].Error = handoverError(r, e, field)
				}
			}
			d.Error = r.T("avail.leave.fix")
		} else if e.Code == "handover_required" {
			d.Error = r.T("avail.err.still_open")
		} else {
			d.Error = r.ErrorText(err)
		}
		return s.render(w, r, http.StatusUnprocessableEntity, "leave", view{Title: r.T("avail.leave.title"), Data: d})
	}
	return absenceAdded(w, r, me, in, handovers)
}

// absenceAdded sends the browser to the week the absence begins in, naming the cases handed
// over with it, if any (the page lists them with their new owners).
func absenceAdded(w http.ResponseWriter, r *request, me desk.Agent, in desk.NewAbsence, handovers []service.CaseHandover) error {
	ids := make([]string, 0, len(handovers))
	for _, h := range handovers {
		ids = append(ids, strconv.FormatInt(h.CaseID, 10))
	}
	q := url.Values{"week": {in.From.In(me.Location()).Format("2006-01-02")}}
	if len(ids) > 0 {
		q.Set("handed", strings.Join(ids, ","))
	}
	http.Redirect(w, r.Request, "/availability?"+q.Encode(), http.StatusSeeOther)
	return nil
}

// handoverField splits "handovers[2].briefing" into 2 and "briefing".
func handoverField(f string) (int, string, bool) {
	rest, ok := strings.CutPrefix(f, "handovers[")
	if !ok {
		return 0, "", false
	}
	n, field, ok := strings.Cut(rest, "]")
	i, err := strconv.Atoi(n)
	if !ok || err != nil {
		return 0, "", false
	}
	return i, strings.TrimPrefix(field, "."), true
}

// handoverError says in the reader's language why the desk refused one case's hand-over.
func handoverError(r *request, e *desk.Error, field string) string {
	switch {
	case e.Code == "downward_reassignment":
		return r.T("avail.err.downward")
	case field == "briefing":
		return r.T("avail.err.briefing_missing")
	case field == "to_agent_id":
		return r.T("avail.err.colleague_cannot")
	}
	return r.ErrorText(e)
}

// fieldOf is the input an error is about, if it names one.
func fieldOf(err error) string {
	if e, ok := desk.AsError(err); ok {
		return e.Field
	}
	return ""
}

// parseLocalIn reads a datetime-local value on the wall clock of loc.
func parseLocalIn(loc *time.Location, v string) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01-02T15:04", strings.TrimSpace(v), loc)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

// localValue is t on the wall clock of loc as a datetime-local value.
func localValue(t time.Time, loc *time.Location) string { return t.In(loc).Format("2006-01-02T15:04") }

// roundUpQuarter moves t to the next quarter hour of its own wall clock.
func roundUpQuarter(t time.Time) time.Time {
	r := t.Truncate(time.Minute)
	if m := r.Minute() % 15; m != 0 || r.Before(t) {
		r = r.Add(time.Duration(15-m) * time.Minute)
	}
	return r
}

// weekStart is the Monday 00:00 of t's week on t's own wall clock.
func weekStart(t time.Time) time.Time {
	back := (int(t.Weekday()) + 6) % 7
	return time.Date(t.Year(), t.Month(), t.Day()-back, 0, 0, 0, 0, t.Location())
}

// changeAbsence shortens one of the agent's absences to the end given, or cancels it (one
// that has started ends now); the service decides who may (the permission table).
func (s *Server) changeAbsence(w http.ResponseWriter, r *request) error {
	id, err := strconv.ParseInt(r.PathValue("absence_id"), 10, 64)
	if err != nil {
		return desk.NotFound("absence", r.PathValue("absence_id"))
	}
	me, err := s.svc.Agent(r.Context(), r.sess.Actor, r.sess.Actor.ID)
	if err != nil {
		return err
	}
	in := desk.AbsenceChange{Cancel: r.FormValue("cancel") != ""}
	if !in.Cancel {
		if in.To, err = parseLocalIn(me.Location(), r.FormValue("to")); err != nil {
			return desk.Invalid("to", "%s", r.T("avail.err.when"))
		}
	}
	if _, err := s.svc.ChangeAbsence(r.Context(), r.sess.Actor, me.ID, id, in); err != nil {
		return err
	}
	http.Redirect(w, r.Request, "/availability", http.StatusSeeOther)
	return nil
}
