package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/text"
)

// The automations, administered in the desk (admins: automations.manage): the rules with what
// starts them, their conditions and actions; a simple form for a rule of one action (the API
// takes several); turning one off and on, and removing it.

// MayManageAutomations says whether the reader sees the automations page: the permission table's answer.
func (r *request) MayManageAutomations() bool {
	return r.sess.Actor.Kind == desk.ActorAgent && service.Gate(r.sess.Actor, service.ActAutomations) == nil
}

type automationsData struct {
	Rules  []desk.Automation
	Events []webhookEvent // what a rule may start on
	Form   map[string]string
	Error  string
	Done   string
	// What the form offers for set_priority and remind_customer, and the kinds of reference
	// a rule may ask were found.
	Priorities, Reminders, RefKinds []string
}

func (s *Server) automationsPage(w http.ResponseWriter, r *request) error {
	return s.showAutomations(w, r, http.StatusOK, automationsData{Done: r.URL.Query().Get("done")})
}

func (s *Server) showAutomations(w http.ResponseWriter, r *request, status int, d automationsData) error {
	rules, err := s.svc.Automations(r.Context(), r.sess.Actor)
	if err != nil {
		return err
	}
	d.Rules, d.Priorities, d.Reminders, d.RefKinds = rules, desk.Priorities(), desk.CustomerReminders(), text.RefKindNames()
	for _, e := range webhookEvents() {
		if e.Name != "*" && e.Name != string(desk.EventAbsenceStarted) {
			d.Events = append(d.Events, e)
		}
	}
	if d.Form == nil {
		d.Form = map[string]string{"when": "event", "do": desk.DoNote}
	}
	return s.render(w, r, status, "automations", view{Title: r.T("auto.title"), Data: d})
}

// automationForm reads the simple form: one trigger, the conditions, one action.
func automationForm(r *request) (desk.Automation, map[string]string) {
	form := map[string]string{}
	for _, k := range []string{"name", "when", "event", "count", "team", "type", "channel", "language", "words", "refs", "do", "body", "canned_reply_id", "webhook_id", "incident_id", "assign_team", "priority", "tags", "say", "case_type"} {
		form[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	n, _ := strconv.Atoi(form["count"])
	a := desk.Automation{Name: form["name"], Active: true}
	switch form["when"] {
	case "event":
		a.When.Event = form["event"]
	case "idle_hours":
		a.When.IdleHours = n
	case "waiting_days":
		a.When.WaitingDays = n
	case "promise_due_hours":
		a.When.PromiseDueHours = n
	}
	a.If = desk.AutomationIf{Team: form["team"], Type: form["type"], Channel: form["channel"], Language: form["language"]}
	for _, w := range strings.Split(form["words"], ",") {
		if w = strings.TrimSpace(w); w != "" {
			a.If.Words = append(a.If.Words, w)
		}
	}
	if form["refs"] != "" {
		a.If.Refs = []string{form["refs"]}
	}
	act := desk.AutomationAction{Do: form["do"], Body: form["body"], Team: form["assign_team"], Priority: form["priority"], Say: form["say"], Type: form["case_type"]}
	for _, t := range strings.Split(form["tags"], ",") {
		if t = strings.TrimSpace(t); t != "" {
			act.Tags = append(act.Tags, t)
		}
	}
	act.CannedReplyID, _ = strconv.ParseInt(form["canned_reply_id"], 10, 64)
	act.WebhookID, _ = strconv.ParseInt(form["webhook_id"], 10, 64)
	act.IncidentID, _ = strconv.ParseInt(form["incident_id"], 10, 64)
	a.Then = []desk.AutomationAction{act}
	return a, form
}

func (s *Server) createAutomation(w http.ResponseWriter, r *request) error {
	if err := service.Gate(r.sess.Actor, service.ActAutomations); err != nil {
		return err
	}
	a, form := automationForm(r)
	_, err := s.svc.CreateAutomation(r.Context(), r.sess.Actor, a)
	if _, _, ok := formRefusal(err); ok { // the page answers 422 whatever the refusal
		return s.showAutomations(w, r, http.StatusUnprocessableEntity, automationsData{Form: form, Error: r.ErrorText(err)})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r.Request, "/settings/automations?done=created", http.StatusSeeOther)
	return nil
}

func (s *Server) setAutomationActive(r *request, id int64, on bool) error {
	_, err := s.svc.UpdateAutomation(r.Context(), r.sess.Actor, id, service.AutomationPatch{Active: &on})
	return err
}

func (s *Server) deleteAutomation(r *request, id int64) (string, error) {
	return "/settings/automations?done=deleted", s.svc.DeleteAutomation(r.Context(), r.sess.Actor, id)
}
