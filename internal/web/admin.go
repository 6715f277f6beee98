package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// The administration screens: agents, teams, case types, canned replies and the admin log.
// Every change is the service command the API runs too (CreateAgent, UpdateAgent,
// SetTeamSettings, …), which asks the permission table and writes the admin log; the pages only
// read forms, show the command's refusal in the reader's words beside the fields, and keep what
// was typed.

// MayAdmin: the nav shows "Admin" to those the permission table lets see the screens.
func (r *request) MayAdmin() bool { return service.Gate(r.sess.Actor, service.ActAdminView) == nil }

// MayAdminLog: the admin screens link the log for those who may read it.
func (r *request) MayAdminLog() bool { return service.Gate(r.sess.Actor, service.ActAdminLog) == nil }

// Languages are the languages the desk writes, for a form's list to pick from.
func (r *request) Languages() []string { return desk.Languages() }

// Dur writes a target as the forms take it.
func (r *request) Dur(d time.Duration) string { return formatDuration(d) }

// adminView is what every administration page shows: which screen, a notice, an error with
// the field it is about, and the form as typed.
type adminView struct {
	Tab    string
	Notice string
	Error  string
	Field  string
	Form   url.Values
	Data   any
}

// V is what the form had in a field (the entered text, kept on an error).
func (v adminView) V(field string) string { return v.Form.Get(field) }

func (s *Server) renderAdmin(w http.ResponseWriter, r *request, status int, page, title string, v adminView) error {
	return s.render(w, r, status, page, view{Title: title, Data: v})
}

// adminHome opens the admin pages at their first tab.
func (s *Server) adminHome(w http.ResponseWriter, r *request) error {
	if err := service.Gate(r.sess.Actor, service.ActAdminView); err != nil {
		return err
	}
	http.Redirect(w, r.Request, "/admin/agents", http.StatusSeeOther)
	return nil
}

// adminTab renders an admin tab (template admin_<tab>, title admin.<tab>.title) over the data
// read reads for it, once the permission table lets the reader view the admin pages.
func adminTab[T any](s *Server, w http.ResponseWriter, r *request, status int, v adminView, tab string, read func(context.Context, desk.Actor) (T, error)) error {
	if err := service.Gate(r.sess.Actor, service.ActAdminView); err != nil {
		return err
	}
	data, err := read(r.Context(), r.sess.Actor)
	if err != nil {
		return err
	}
	v.Tab, v.Data = tab, data
	return s.renderAdmin(w, r, status, "admin_"+tab, r.T("admin."+tab+".title"), v)
}

// days are the week's days in the order the forms show them.
var days = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// hoursForm reads the seven day fields of a form (prefix+day), each a list of spans such as
// "09:00-12:30, 13:30-17:00"; an empty field is a day off.
func hoursForm(f url.Values, prefix string) (map[string][]string, bool) {
	out := map[string][]string{}
	any := false
	for _, d := range days {
		out[d] = []string{}
		for _, span := range strings.FieldsFunc(f.Get(prefix+d), func(c rune) bool { return c == ',' || c == ';' || c == ' ' }) {
			out[d] = append(out[d], span)
			any = true
		}
	}
	return out, any
}

// hoursValues writes hours into form fields (prefix+day).
func hoursValues(f url.Values, prefix string, h *desk.Hours) {
	if h == nil {
		return
	}
	for i, d := range []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"} {
		spans := make([]string, 0, len(h[i]))
		for _, sp := range h[i] {
			spans = append(spans, sp.String())
		}
		f.Set(prefix+d, strings.Join(spans, ", "))
	}
}

// splitList reads a list typed one per line or separated by commas.
func splitList(s string) []string {
	out := []string{}
	for _, v := range strings.FieldsFunc(s, func(c rune) bool { return c == ',' || c == '\n' || c == '\r' || c == ';' }) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// dayField finds the day a field of an hours refusal names ("hours.mon[0]", "business_hours.tue").
var dayField = regexp.MustCompile(`^(?:business_)?hours\.([a-z]{3})`)

// formError is a command's refusal in the reader's words, naming what was typed where the
// catalogue has words for the field, and the form field it is about.
func formError(r *request, err error, f url.Values, prefix string) (text, field string) {
	e, ok := desk.AsError(err)
	if !ok || e.Kind != desk.KindInvalid {
		return r.ErrorText(err), ""
	}
	if m := dayField.FindStringSubmatch(e.Field); m != nil {
		return r.T("admin.error.hours", r.T("admin.day."+m[1]), f.Get(prefix+m[1])), prefix + m[1]
	}
	base, _, _ := strings.Cut(e.Field, "[")
	base, _, _ = strings.Cut(base, ".")
	if alias, ok := formFields[base]; ok {
		base = alias
	}
	key := "admin.error." + base
	if text, ok := r.s.cat[r.lang][key]; ok {
		if strings.Contains(text, "%") {
			return r.T(key, f.Get(base)), base
		}
		return r.T(key), base
	}
	return r.ErrorText(err), base
}

// formFields are the forms' names for the fields the commands name as the API does.
var formFields = map[string]string{"response_target_s": "response_target", "resolution_target_s": "resolution_target",
	"reminders_s": "reminders", "required_references": "references"}

// afterForm ends a form's post: on a refusal the page again (again) with the refusal in the
// reader's words and what was typed, else a redirect to the page that shows the change.
func afterForm(w http.ResponseWriter, r *request, err error, f url.Values, prefix string, again func(int, adminView) error, to string) error {
	if err != nil {
		text, field := formError(r, err, f, prefix)
		return again(statusOf(err), adminView{Error: text, Field: field, Form: f})
	}
	http.Redirect(w, r.Request, to, http.StatusSeeOther)
	return nil
}

// pathObject hands the path's {id} to the service call that reads (or acts on) that object,
// which checks the permission: how the pages and forms on one object begin.
func pathObject[T any](r *request, read func(context.Context, desk.Actor, int64) (T, error)) (int64, T, error) {
	id, err := pathInt(r, "id")
	if err != nil {
		var zero T
		return 0, zero, err
	}
	v, err := read(r.Context(), r.sess.Actor, id)
	return id, v, err
}

// teamNames are the desk's teams, for a form's list to pick from.
func (s *Server) teamNames(r *request) ([]string, error) {
	teams, err := s.svc.Teams(r.Context(), r.sess.Actor)
	names := make([]string, 0, len(teams))
	for _, t := range teams {
		names = append(names, t.Name)
	}
	return names, err
}

// Agents.

type adminAgentsData struct {
	Agents []service.AdminAgent
	Teams  []string
	Roles  []string
	Zones  []string
}

func (s *Server) agentsData(r *request) (adminAgentsData, error) {
	agents, err := s.svc.AdminAgents(r.Context(), r.sess.Actor)
	if err != nil {
		return adminAgentsData{}, err
	}
	d := adminAgentsData{Agents: agents, Roles: []string{"agent", "lead", "manager", "admin"}}
	d.Teams, err = s.teamNames(r)
	return d, err
}

func (s *Server) adminAgents(w http.ResponseWriter, r *request) error {
	return s.agentsPage(w, r, http.StatusOK, adminView{Notice: doneNotice(r), Form: url.Values{"timezone": {"UTC"}}})
}

func (s *Server) agentsPage(w http.ResponseWriter, r *request, status int, v adminView) error {
	d, err := s.agentsData(r)
	if err != nil {
		return err
	}
	v.Tab, v.Data = "agents", d
	if v.Form.Get("mon") == "" && v.Error == "" {
		h := desk.DefaultHours()
		hoursValues(v.Form, "", &h)
	}
	return s.renderAdmin(w, r, status, "admin_agents", r.T("admin.agents.title"), v)
}

// doneNotice is the notice for a change the page was redirected to after.
// noticeOf is the page's notice for what was just done (?done=), by the catalogue key notices
// gives it; "" for nothing done, or for what the page has no notice of.
func noticeOf(r *request, notices map[string]string) string {
	if key, ok := notices[r.URL.Query().Get("done")]; ok {
		return r.T(key)
	}
	return ""
}

func doneNotice(r *request) string {
	if d := r.URL.Query().Get("done"); d != "" {
		return r.T("admin.done." + strings.Trim(d, "./"))
	}
	return ""
}

func (s *Server) adminCreateAgent(w http.ResponseWriter, r *request) error {
	f := r.PostForm
	hours, _ := hoursForm(f, "")
	in := desk.NewAgent{Name: f.Get("name"), Email: f.Get("email"), Role: f.Get("role"), Team: strings.TrimSpace(f.Get("team")),
		Timezone: strings.TrimSpace(f.Get("timezone")), Hours: hours}
	if m := f.Get("manager_id"); m != "" {
		in.ManagerID, _ = strconv.ParseInt(m, 10, 64)
	}
	a, err := s.svc.CreateAgent(r.Context(), r.sess.Actor, in)
	return afterForm(w, r, err, f, "", func(status int, v adminView) error { return s.agentsPage(w, r, status, v) },
		fmt.Sprintf("/admin/agents/%d?done=created", a.ID))
}

// statusOf is the status a form shown again after a refusal answers with.
func statusOf(err error) int {
	if e, ok := desk.AsError(err); ok {
		switch e.Kind {
		case desk.KindForbidden:
			return http.StatusForbidden
		case desk.KindConflict:
			return http.StatusConflict
		case desk.KindNotFound:
			return http.StatusNotFound
		}
	}
	return http.StatusUnprocessableEntity
}

type adminAgentData struct {
	Agent  desk.Agent
	Others []service.AdminAgent // who may be their manager
	Teams  []string
	Roles  []string
	Toggle bool // the reader may deactivate or reactivate them
	Manage bool // the reader may change their role, team and manager (not only name, zone and hours)
	Reset  bool // the reader may have them mailed a password reset link
	Tokens []desk.Token
}

func (s *Server) adminAgent(w http.ResponseWriter, r *request) error {
	_, a, err := pathObject(r, s.svc.AgentToEdit)
	if err != nil {
		return err
	}
	f := url.Values{"name": {a.Name}, "role": {string(a.Role)}, "team": {a.Team}, "timezone": {a.Timezone},
		"manager_id": {strconv.FormatInt(a.ManagerID, 10)}}
	hoursValues(f, "", &a.Hours)
	return s.agentPage(w, r, http.StatusOK, a, adminView{Notice: doneNotice(r), Form: f})
}

func (s *Server) agentPage(w http.ResponseWriter, r *request, status int, a desk.Agent, v adminView) error {
	d := adminAgentData{Agent: a, Roles: []string{"agent", "lead", "manager", "admin"}}
	if a.Role == desk.RolePartner {
		d.Roles = []string{"partner"}
	}
	if list, err := s.agentsData(r); err == nil {
		d.Teams = list.Teams
		for _, o := range list.Agents {
			if o.ID != a.ID && (o.Agent.Active || o.ID == a.ManagerID) && o.Role != desk.RolePartner {
				d.Others = append(d.Others, o)
			}
			if o.ID == a.ID {
				d.Toggle, d.Manage = o.Toggle, o.Edit
			}
		}
	} else if e, ok := desk.AsError(err); !ok || e.Kind != desk.KindForbidden {
		return err
	}
	var err error
	if d.Reset, err = s.svc.May(r.Context(), r.sess.Actor, service.ActAgentPasswordReset, service.Object{Agent: &a}); err != nil {
		return err
	}
	// An admin sees anyone's tokens, an agent their own; for the rest the list is not shown.
	if d.Tokens, err = s.svc.AgentTokens(r.Context(), r.sess.Actor, a.ID); err != nil {
		if e, ok := desk.AsError(err); !ok || (e.Kind != desk.KindForbidden && e.Kind != desk.KindNotFound) {
			return err
		}
	}
	v.Tab, v.Data = "agents", d
	return s.renderAdmin(w, r, status, "admin_agent", a.Name, v)
}

func (s *Server) adminUpdateAgent(w http.ResponseWriter, r *request) error {
	id, a, err := pathObject(r, s.svc.AgentToEdit)
	if err != nil {
		return err
	}
	f := r.PostForm
	hours, _ := hoursForm(f, "")
	name, tz := f.Get("name"), f.Get("timezone")
	in := service.AgentUpdate{Name: &name, Timezone: &tz, Hours: hours}
	// What only a manager of the agent changes is sent only when it changed: an agent
	// editing their own name and hours asks for no more than that.
	if role := f.Get("role"); f.Has("role") && role != string(a.Role) {
		in.Role = &role
	}
	if team := strings.TrimSpace(f.Get("team")); f.Has("team") && team != a.Team {
		in.Team = &team
	}
	if m, err := strconv.ParseInt(cmpOr(f.Get("manager_id"), "0"), 10, 64); f.Has("manager_id") && err == nil && m != a.ManagerID {
		in.ManagerID = &m
	}
	_, err = s.svc.UpdateAgent(r.Context(), r.sess.Actor, id, in)
	return afterForm(w, r, err, f, "", func(status int, v adminView) error { return s.agentPage(w, r, status, a, v) },
		fmt.Sprintf("/admin/agents/%d?done=saved", id))
}

// adminPasswordReset has the agent mailed a one-time reset link; the page shows no password.
func (s *Server) adminPasswordReset(w http.ResponseWriter, r *request) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.svc.SendPasswordReset(r.Context(), r.sess.Actor, id, service.PortalLinkRequest{Lang: r.lang, BaseURL: s.baseURL(r)}); err != nil {
		return err
	}
	http.Redirect(w, r.Request, fmt.Sprintf("/admin/agents/%d?done=reset_sent", id), http.StatusSeeOther)
	return nil
}

// adminRevokeToken revokes an API token from its agent's page.
func (s *Server) adminRevokeToken(w http.ResponseWriter, r *request) error {
	_, k, err := pathObject(r, s.svc.RevokeToken)
	if err != nil {
		return err
	}
	http.Redirect(w, r.Request, fmt.Sprintf("/admin/agents/%d?done=token_revoked", k.AgentID), http.StatusSeeOther)
	return nil
}

func cmpOr(v, fallback string) string {
	if v == "" {
		return fallback
	}
	return v
}

// Teams.

func (s *Server) adminTeams(w http.ResponseWriter, r *request) error {
	return s.teamsPage(w, r, http.StatusOK, adminView{Notice: doneNotice(r), Form: url.Values{}})
}

func (s *Server) teamsPage(w http.ResponseWriter, r *request, status int, v adminView) error {
	return adminTab(s, w, r, status, v, "teams", s.svc.Teams)
}

func (s *Server) adminCreateTeam(w http.ResponseWriter, r *request) error {
	name := strings.TrimSpace(r.PostFormValue("name"))
	if name == "" || len(name) > 100 {
		return s.teamsPage(w, r, http.StatusUnprocessableEntity, adminView{Error: r.T("admin.error.team_name"), Field: "name", Form: r.PostForm})
	}
	_, err := s.svc.SetTeamSettings(r.Context(), r.sess.Actor, name, service.TeamSettingsIn{})
	return afterForm(w, r, err, r.PostForm, "", func(status int, v adminView) error { return s.teamsPage(w, r, status, v) },
		"/admin/teams/"+url.PathEscape(name)+"?done=team_created")
}

func (s *Server) adminTeam(w http.ResponseWriter, r *request) error {
	t, err := s.svc.TeamToEdit(r.Context(), r.sess.Actor, r.PathValue("name"))
	if err != nil {
		return err
	}
	f := url.Values{"timezone": {t.Timezone}, "holidays": {strings.Join(t.Holidays, "\n")}, "addresses": {strings.Join(t.Addresses, "\n")},
		"response_target": {formatDuration(t.ResponseTarget)}, "resolution_target": {formatDuration(t.ResolutionTarget)}, "language": {t.Language}}
	var rem []string
	for _, d := range t.ReminderOffsets {
		rem = append(rem, formatDuration(d))
	}
	f.Set("reminders", strings.Join(rem, ", "))
	hoursValues(f, "bh_", t.BusinessHours)
	return s.teamPageAdmin(w, r, http.StatusOK, t, adminView{Notice: doneNotice(r), Form: f})
}

func (s *Server) teamPageAdmin(w http.ResponseWriter, r *request, status int, t desk.TeamSettings, v adminView) error {
	v.Tab, v.Data = "teams", t
	return s.renderAdmin(w, r, status, "admin_team", t.Name, v)
}

func (s *Server) adminUpdateTeam(w http.ResponseWriter, r *request) error {
	t, err := s.svc.TeamToEdit(r.Context(), r.sess.Actor, r.PathValue("name"))
	if err != nil {
		return err
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			return desk.Invalid("holidays_ics", "%v", err)
		}
	}
	f := r.PostForm
	again := func(err error) error {
		text, field := formError(r, err, f, "bh_")
		return s.teamPageAdmin(w, r, statusOf(err), t, adminView{Error: text, Field: field, Form: f})
	}
	tz := strings.TrimSpace(f.Get("timezone"))
	bh, _ := hoursForm(f, "bh_")
	lang := f.Get("language")
	in := service.TeamSettingsIn{Timezone: &tz, BusinessHours: &bh, Holidays: splitList(f.Get("holidays")), Addresses: splitList(f.Get("addresses")),
		Language: &lang}
	if !slices.ContainsFunc(days, func(d string) bool { return len(bh[d]) > 0 }) {
		empty := map[string][]string{} // no hours at all: round the clock
		in.BusinessHours = &empty
	}
	durations := []struct {
		field string
		to    **time.Duration
	}{{"response_target", &in.ResponseTarget}, {"resolution_target", &in.ResolutionTarget}}
	for _, d := range durations {
		v, err := parseDuration(f.Get(d.field))
		if err != nil {
			return again(desk.Invalid(d.field, "%v", err))
		}
		*d.to = &v
	}
	for _, s := range splitList(f.Get("reminders")) {
		v, err := parseDuration(s)
		if err != nil || v <= 0 {
			return again(desk.Invalid("reminders", "%q", s))
		}
		in.ReminderOffsets = append(in.ReminderOffsets, v)
	}
	if in.ReminderOffsets == nil {
		in.ReminderOffsets = []time.Duration{}
	}
	if file, _, err := r.FormFile("holidays_ics"); err == nil {
		in.HolidaysICS, err = io.ReadAll(io.LimitReader(file, 1<<20))
		_ = file.Close()
		if err != nil {
			return err
		}
	}
	if _, err := s.svc.SetTeamSettings(r.Context(), r.sess.Actor, t.Name, in); err != nil {
		return again(err)
	}
	http.Redirect(w, r.Request, "/admin/teams/"+url.PathEscape(t.Name)+"?done=saved", http.StatusSeeOther)
	return nil
}

// formatDuration writes a target as the forms take it: "4h", "90m", "0".
func formatDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	}
	return strconv.FormatInt(int64(d/time.Second), 10) + "s"
}

// parseDuration reads "4h", "90m", "1h30m", "2d" or "0" ("" is 0).
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return 0, nil
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		if v, err := strconv.Atoi(n); err == nil && v >= 0 {
			return time.Duration(v) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a duration such as 4h or 30m", s)
	}
	return d, nil
}

// Case types.

type adminTypesData struct {
	Types []desk.CaseType
	Teams []string
}

func (s *Server) adminCaseTypes(w http.ResponseWriter, r *request) error {
	return s.typesPage(w, r, http.StatusOK, adminView{Notice: doneNotice(r), Form: url.Values{}})
}

func (s *Server) typesPage(w http.ResponseWriter, r *request, status int, v adminView) error {
	return adminTab(s, w, r, status, v, "types", func(ctx context.Context, a desk.Actor) (d adminTypesData, err error) {
		if d.Types, err = s.svc.CaseTypes(ctx, a); err == nil {
			d.Teams, err = s.teamNames(r)
		}
		return d, err
	})
}

// caseTypeForm reads a case type's form: its steps one per line, "name: explanation".
func caseTypeForm(f url.Values) (desk.NewCaseType, error) {
	in := desk.NewCaseType{Name: f.Get("name"), Team: f.Get("team"), RequiredReferences: splitList(f.Get("references")), Steps: []desk.Step{}}
	d, err := parseDuration(f.Get("response_target"))
	if err != nil {
		return in, desk.Invalid("response_target", "%v", err)
	}
	in.ResponseTarget = d
	for line := range strings.SplitSeq(f.Get("steps"), "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		name, expl, _ := strings.Cut(line, ":")
		in.Steps = append(in.Steps, desk.Step{Name: strings.TrimSpace(name), Explanation: strings.TrimSpace(expl)})
	}
	// The steps in the other languages, a line for each step in the same order ("" none). A
	// form that has the fields says every translation: one left out is removed.
	for _, lang := range stepLanguages() {
		if !f.Has("steps_" + lang) {
			continue
		}
		lines := strings.Split(strings.TrimRight(strings.ReplaceAll(f.Get("steps_"+lang), "\r", ""), "\n "), "\n")
		for i := range in.Steps {
			if in.Steps[i].Translations == nil {
				in.Steps[i].Translations = map[string]desk.StepWords{}
			}
			if i >= len(lines) || strings.TrimSpace(lines[i]) == "" {
				continue
			}
			name, expl, _ := strings.Cut(lines[i], ":")
			in.Steps[i].Translations[lang] = desk.StepWords{Name: strings.TrimSpace(name), Explanation: strings.TrimSpace(expl)}
		}
		if len(lines) > len(in.Steps) && len(in.Steps) > 0 {
			return in, desk.Invalid("steps_"+lang, "more lines than steps")
		}
	}
	return in, nil
}

// stepLanguages are the languages a step is translated into on the form: the desk's other
// than English, the language of a case type's own words.
func stepLanguages() []string {
	var out []string
	for _, l := range desk.Languages() {
		if l != "en" {
			out = append(out, l)
		}
	}
	return out
}

// StepLanguages: the case type forms have a field of translated steps for each.
func (r *request) StepLanguages() []string { return stepLanguages() }

func stepsText(steps []desk.Step) string {
	var b strings.Builder
	for _, s := range steps {
		fmt.Fprintf(&b, "%s: %s\n", s.Name, s.Explanation)
	}
	return b.String()
}

// stepsTextIn is the steps' translations into lang, a line for each step ("" where none).
func stepsTextIn(steps []desk.Step, lang string) string {
	var b strings.Builder
	for _, s := range steps {
		if t, ok := s.Translations[lang]; ok {
			fmt.Fprintf(&b, "%s: %s", t.Name, t.Explanation)
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func (s *Server) adminCreateCaseType(w http.ResponseWriter, r *request) error {
	f := r.PostForm
	in, err := caseTypeForm(f)
	if err == nil {
		_, err = s.svc.CreateCaseType(r.Context(), r.sess.Actor, in)
	}
	return afterForm(w, r, err, f, "", func(status int, v adminView) error { return s.typesPage(w, r, status, v) },
		"/admin/case-types?done=type_created")
}

func (s *Server) adminCaseType(w http.ResponseWriter, r *request) error {
	_, ct, err := pathObject(r, s.svc.CaseTypeByID)
	if err != nil {
		return err
	}
	f := url.Values{"team": {ct.Team}, "references": {strings.Join(ct.RequiredReferences, ", ")},
		"response_target": {formatDuration(ct.ResponseTarget)}, "steps": {stepsText(ct.Steps)}}
	for _, lang := range stepLanguages() {
		f.Set("steps_"+lang, stepsTextIn(ct.Steps, lang))
	}
	return s.typePage(w, r, http.StatusOK, ct, adminView{Notice: doneNotice(r), Form: f})
}

func (s *Server) typePage(w http.ResponseWriter, r *request, status int, ct desk.CaseType, v adminView) error {
	d := adminTypesData{Types: []desk.CaseType{ct}}
	var err error
	if d.Teams, err = s.teamNames(r); err != nil {
		return err
	}
	v.Tab, v.Data = "types", d
	return s.renderAdmin(w, r, status, "admin_type", ct.Name, v)
}

func (s *Server) adminUpdateCaseType(w http.ResponseWriter, r *request) error {
	id, ct, err := pathObject(r, s.svc.CaseTypeByID)
	if err != nil {
		return err
	}
	f := r.PostForm
	in, err := caseTypeForm(f)
	if err == nil {
		_, err = s.svc.UpdateCaseType(r.Context(), r.sess.Actor, id, service.CaseTypeUpdate{Team: &in.Team,
			RequiredReferences: in.RequiredReferences, ResponseTarget: &in.ResponseTarget, Steps: in.Steps})
	}
	return afterForm(w, r, err, f, "", func(status int, v adminView) error { return s.typePage(w, r, status, ct, v) },
		fmt.Sprintf("/admin/case-types/%d?done=saved", id))
}

// Canned replies.

type adminCannedData struct {
	Replies   []desk.CannedReply
	Items     []service.CannedItem // the list, with who may change each
	Variables []string
	Change    bool     // the reader may edit and delete it (one reply's page)
	Scopes    []string // a new reply's scopes
	Teams     []string // the teams a team's reply may be for
}

func (s *Server) adminCanned(w http.ResponseWriter, r *request) error {
	return s.cannedPage(w, r, http.StatusOK, adminView{Notice: doneNotice(r), Form: url.Values{}})
}

func (s *Server) cannedPage(w http.ResponseWriter, r *request, status int, v adminView) error {
	list, err := s.svc.CannedList(r.Context(), r.sess.Actor)
	if err != nil {
		return err
	}
	teams, err := s.teamNames(r)
	if err != nil {
		return err
	}
	v.Tab = "canned"
	v.Data = adminCannedData{Items: list, Variables: desk.CannedVariables, Scopes: desk.CannedScopes(), Teams: teams}
	return s.renderAdmin(w, r, status, "admin_canned", r.T("admin.canned.title"), v)
}

func (s *Server) adminCreateCanned(w http.ResponseWriter, r *request) error {
	f := r.PostForm
	_, err := s.svc.CreateCanned(r.Context(), r.sess.Actor, service.CannedIn{Name: f.Get("name"), Body: f.Get("body"), Offer: f.Get("offer") != "",
		Folder: f.Get("folder"), Scope: f.Get("scope"), Team: f.Get("team")})
	return afterForm(w, r, err, f, "", func(status int, v adminView) error { return s.cannedPage(w, r, status, v) },
		"/admin/canned?done=canned_created")
}

func (s *Server) adminCannedOne(w http.ResponseWriter, r *request) error {
	_, c, err := pathObject(r, s.svc.CannedReply)
	if err != nil {
		return err
	}
	f := url.Values{"name": {c.Name}, "body": {c.Body}, "folder": {c.Folder}}
	if c.Offer {
		f.Set("offer", "on")
	}
	return s.cannedOnePage(w, r, http.StatusOK, c, adminView{Notice: doneNotice(r), Form: f})
}

func (s *Server) cannedOnePage(w http.ResponseWriter, r *request, status int, c desk.CannedReply, v adminView) error {
	v.Tab, v.Data = "canned", adminCannedData{Replies: []desk.CannedReply{c}, Variables: desk.CannedVariables, Change: true}
	return s.renderAdmin(w, r, status, "admin_cannedone", c.Name, v)
}

func (s *Server) adminUpdateCanned(w http.ResponseWriter, r *request) error {
	id, c, err := pathObject(r, s.svc.CannedReply)
	if err != nil {
		return err
	}
	f := r.PostForm
	name, body, folder, offer := f.Get("name"), f.Get("body"), f.Get("folder"), f.Get("offer") != ""
	_, err = s.svc.UpdateCannedReply(r.Context(), r.sess.Actor, id, service.CannedPatch{Name: &name, Body: &body, Offer: &offer, Folder: &folder})
	return afterForm(w, r, err, f, "", func(status int, v adminView) error { return s.cannedOnePage(w, r, status, c, v) },
		fmt.Sprintf("/admin/canned/%d?done=saved", id))
}

func (s *Server) adminDeleteCanned(w http.ResponseWriter, r *request) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.svc.DeleteCannedReply(r.Context(), r.sess.Actor, id); err != nil {
		return err
	}
	http.Redirect(w, r.Request, "/admin/canned?done=canned_deleted", http.StatusSeeOther)
	return nil
}

// The admin log.

func (s *Server) adminLog(w http.ResponseWriter, r *request) error {
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	p, err := s.svc.AdminLog(r.Context(), r.sess.Actor, before)
	if err != nil {
		return err
	}
	return s.renderAdmin(w, r, http.StatusOK, "admin_log", r.T("admin.log.title"), adminView{Tab: "log", Data: p})
}

// Partners and their users.

func (s *Server) adminPartners(w http.ResponseWriter, r *request) error {
	return s.partnersPage(w, r, http.StatusOK, adminView{Notice: doneNotice(r), Form: url.Values{}})
}

func (s *Server) partnersPage(w http.ResponseWriter, r *request, status int, v adminView) error {
	return adminTab(s, w, r, status, v, "partners", s.svc.Partners)
}

func (s *Server) adminCreatePartner(w http.ResponseWriter, r *request) error {
	p, err := s.svc.CreatePartner(r.Context(), r.sess.Actor, r.PostFormValue("name"))
	if e, ok := desk.AsError(err); ok && e.Kind == desk.KindInvalid {
		return s.partnersPage(w, r, http.StatusUnprocessableEntity, adminView{Error: r.T("admin.error.partner_name"), Field: "name", Form: r.PostForm})
	}
	return afterForm(w, r, err, r.PostForm, "", func(status int, v adminView) error { return s.partnersPage(w, r, status, v) },
		fmt.Sprintf("/admin/partners/%d?done=partner_created", p.ID))
}

// partnerToEdit is one partner with its users, to those who may change it.
func (s *Server) partnerToEdit(r *request) (service.PartnerView, error) {
	if err := service.Gate(r.sess.Actor, service.ActPartnerUpdate); err != nil {
		return service.PartnerView{}, err
	}
	id, err := pathInt(r, "id")
	if err != nil {
		return service.PartnerView{}, err
	}
	list, err := s.svc.Partners(r.Context(), r.sess.Actor)
	if err != nil {
		return service.PartnerView{}, err
	}
	for _, p := range list {
		if p.ID == id {
			return p, nil
		}
	}
	return service.PartnerView{}, desk.NotFound("partner", id)
}

func (s *Server) adminPartner(w http.ResponseWriter, r *request) error {
	p, err := s.partnerToEdit(r)
	if err != nil {
		return err
	}
	f := url.Values{"name": {p.Name}, "timezone": {"UTC"}}
	if p.Active {
		f.Set("active", "on")
	}
	return s.partnerPage(w, r, http.StatusOK, p, adminView{Notice: doneNotice(r), Form: f})
}

func (s *Server) partnerPage(w http.ResponseWriter, r *request, status int, p service.PartnerView, v adminView) error {
	v.Tab, v.Data = "partners", p
	return s.renderAdmin(w, r, status, "admin_partner", p.Name, v)
}

func (s *Server) adminUpdatePartner(w http.ResponseWriter, r *request) error {
	p, err := s.partnerToEdit(r)
	if err != nil {
		return err
	}
	f := r.PostForm
	name, active := f.Get("name"), f.Get("active") != ""
	_, err = s.svc.UpdatePartner(r.Context(), r.sess.Actor, p.ID, service.PartnerUpdate{Name: &name, Active: &active})
	if e, ok := desk.AsError(err); ok && e.Kind == desk.KindInvalid {
		return s.partnerPage(w, r, http.StatusUnprocessableEntity, p, adminView{Error: r.T("admin.error.partner_name"), Field: "name", Form: f})
	}
	return afterForm(w, r, err, f, "", func(status int, v adminView) error { return s.partnerPage(w, r, status, p, v) },
		fmt.Sprintf("/admin/partners/%d?done=saved", p.ID))
}

// adminCreatePartnerUser adds a user of the partner: an agent with role partner, by the one
// command that adds agents.
func (s *Server) adminCreatePartnerUser(w http.ResponseWriter, r *request) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	f := r.PostForm
	_, err = s.svc.CreateAgent(r.Context(), r.sess.Actor, desk.NewAgent{Name: f.Get("user_name"), Email: f.Get("email"), Role: string(desk.RolePartner),
		PartnerID: id, Timezone: strings.TrimSpace(f.Get("timezone"))})
	if err == nil {
		http.Redirect(w, r.Request, fmt.Sprintf("/admin/partners/%d?done=partner_user_added", id), http.StatusSeeOther)
		return nil
	}
	p, perr := s.partnerToEdit(r)
	if perr != nil {
		return perr
	}
	text, field := formError(r, err, f, "")
	if field == "name" {
		field = "user_name"
	}
	f.Set("name", p.Name)
	if p.Active {
		f.Set("active", "on")
	}
	return s.partnerPage(w, r, statusOf(err), p, adminView{Error: text, Field: field, Form: f})
}
