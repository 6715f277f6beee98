package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// The inbox's tools: bulk actions on the cases checked (each case done by the same command as
// on its page, a case refused saying why while the others are done) and the agent's saved
// views (a named filter and sort, listed as links).

// inboxTools is what the inbox shows of its tools.
type inboxTools struct {
	Views     []viewLink
	SaveQuery string // the current filter and sort, as a saved view keeps it
	SaveName  string // the name typed, kept after a refusal
	ViewErr   string
	Bulk      bool // the reader may act on cases in bulk (the desk's own people)
	Back      string
	Pick      []pickGroup
	Incidents []desk.Incident
	BulkErr   string
	Result    *bulkResult
	Notice    string // what the last action did
}

type viewLink struct {
	ID      int64
	Name    string
	URL     string
	Current bool
}

// bulkResult is what a bulk action did: how many cases were done, and each refused one with why.
type bulkResult struct {
	Done    int
	Refused []bulkRefusal
}

type bulkRefusal struct {
	CaseID int64
	Ref    string
	Why    string
}

// inboxOutcome is what a tool's post brings back to the inbox page, when it is shown again.
type inboxOutcome struct {
	Bulk    *bulkResult
	BulkErr string
	ViewErr string
	Name    string
}

// viewQuery is a filter as a saved view keeps it: the query string without the page.
func viewQuery(f inboxFilter) string {
	f.After = ""
	_, q, _ := strings.Cut(f.URL(), "?")
	return q
}

// readTools is what the inbox showing f shows of its tools, from what its read brought (the
// bulk form only when there are cases to act on).
func readTools(r *request, f inboxFilter, tv service.InboxToolsView, rows int, out inboxOutcome) *inboxTools {
	t := &inboxTools{SaveQuery: viewQuery(f), Back: f.URL(), Result: out.Bulk, BulkErr: out.BulkErr, ViewErr: out.ViewErr,
		SaveName: out.Name}
	for _, v := range tv.Views {
		u := "/inbox"
		if v.Query != "" {
			u += "?" + v.Query
		}
		t.Views = append(t.Views, viewLink{ID: v.ID, Name: v.Name, URL: u, Current: v.Query == t.SaveQuery})
	}
	if t.Bulk = tv.Agents != nil && rows > 0; t.Bulk {
		t.Pick, t.Incidents = r.agentGroups(tv.Agents, 0), tv.Incidents
	}
	q := r.URL.Query()
	switch done := q.Get("done"); done {
	case "view_saved", "view_deleted":
		t.Notice = r.T("tools." + done)
	case "bulk":
		n, _ := strconv.Atoi(q.Get("n"))
		t.Notice = r.T("tools.bulk.done", n)
	}
	return t
}

// inboxBack is the inbox a tool's form came from (its filter; another site's address is not
// followed).
func inboxBack(r *request) inboxFilter {
	u, err := url.Parse(localPath(r.PostFormValue("back"), "/inbox"))
	if err != nil || u.Path != "/inbox" {
		return readInboxFilter(url.Values{})
	}
	return readInboxFilter(u.Query())
}

// withDone adds what was done to an inbox address, for the notice on the page it leads to.
func withDone(to string, kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	if strings.Contains(to, "?") {
		return to + "&" + q.Encode()
	}
	return to + "?" + q.Encode()
}

// inboxBulk does one action on every case checked (POST /inbox/bulk) by service.Bulk: each
// case by the command its page uses; a case refused says why in the reader's language, the
// others are done.
func (s *Server) inboxBulk(w http.ResponseWriter, r *request) error {
	actor := r.sess.Actor
	if err := service.Gate(actor, service.ActCaseBulk); err != nil {
		return err
	}
	f := inboxBack(r)
	in := service.BulkIn{Action: r.PostFormValue("action"), Briefing: r.PostFormValue("briefing"), Tags: splitList(r.PostFormValue("tag")),
		Priority: r.PostFormValue("priority"), Summary: r.PostFormValue("summary")}
	for _, v := range r.PostForm["case"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			in.CaseIDs = append(in.CaseIDs, id)
		}
	}
	in.ToAgentID, _ = strconv.ParseInt(r.PostFormValue("to"), 10, 64)
	in.IncidentID, _ = strconv.ParseInt(r.PostFormValue("incident"), 10, 64)
	done, err := s.svc.Bulk(r.Context(), actor, in)
	if err != nil {
		e, ok := desk.AsError(err)
		if !ok || e.Kind != desk.KindInvalid {
			return err
		}
		return s.showInbox(w, r, f, http.StatusUnprocessableEntity, inboxOutcome{BulkErr: bulkFormText(r, e)})
	}
	if len(done.Refused) == 0 {
		http.Redirect(w, r.Request, withDone(f.URL(), "done", "bulk", "n", strconv.Itoa(len(done.Done))), http.StatusSeeOther)
		return nil
	}
	res := &bulkResult{Done: len(done.Done)}
	for _, ref := range done.Refused {
		why, _ := s.caseErrorText(r, ref.Err)
		name := "#" + strconv.FormatInt(ref.CaseID, 10)
		if c, err := s.svc.Case(r.Context(), actor, ref.CaseID); err == nil {
			name = c.Ref
		}
		res.Refused = append(res.Refused, bulkRefusal{CaseID: ref.CaseID, Ref: name, Why: why})
	}
	status := http.StatusOK
	if res.Done == 0 {
		status = http.StatusUnprocessableEntity
	}
	return s.showInbox(w, r, f, status, inboxOutcome{Bulk: res})
}

// bulkFormText is why the bulk form as a whole could not be done, in the reader's words.
func bulkFormText(r *request, e *desk.Error) string {
	switch e.Field {
	case "case_ids":
		if len(r.PostForm["case"]) > service.MaxBulk {
			return r.T("tools.bulk.too_many", service.MaxBulk)
		}
		return r.T("tools.bulk.none")
	case "to_agent_id":
		return r.T("tools.bulk.choose_agent")
	case "priority":
		return r.T("tools.bulk.choose_priority")
	case "incident_id":
		return r.T("tools.bulk.choose_incident")
	case "action":
		return r.T("tools.bulk.choose_action")
	}
	return r.T("tools.bulk.choose_tag") // tags
}

// inboxSaveView keeps the inbox's current filter and sort under a name (POST /inbox/views).
func (s *Server) inboxSaveView(w http.ResponseWriter, r *request) error {
	f := inboxBack(r)
	if _, err := s.svc.SaveView(r.Context(), r.sess.Actor, r.PostFormValue("name"), viewQuery(f)); err != nil {
		e, ok := desk.AsError(err)
		if !ok || e.Kind == desk.KindForbidden {
			return err
		}
		text := r.ErrorText(err)
		if e.Field == "name" {
			text = r.T("tools.view.name_required", desk.MaxViewName)
		} else if e.Code == "too_many_views" {
			text = r.T("tools.view.too_many", desk.MaxViews)
		}
		return s.showInbox(w, r, f, http.StatusUnprocessableEntity, inboxOutcome{ViewErr: text, Name: r.PostFormValue("name")})
	}
	f.After = ""
	http.Redirect(w, r.Request, withDone(f.URL(), "done", "view_saved"), http.StatusSeeOther)
	return nil
}

// inboxDeleteView deletes one of the reader's saved views and goes back to the inbox.
func (s *Server) inboxDeleteView(r *request, id int64) (string, error) {
	return withDone(inboxBack(r).URL(), "done", "view_deleted"), s.svc.DeleteView(r.Context(), r.sess.Actor, id)
}
