package api

import (
	"net/http"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

type automationIn struct {
	Name   string                  `json:"name"`
	Active *bool                   `json:"active,omitempty"`
	When   desk.AutomationWhen     `json:"when"`
	If     desk.AutomationIf       `json:"if"`
	Then   []desk.AutomationAction `json:"then"`
}

type automationPatch struct {
	Name   *string                 `json:"name,omitempty"`
	Active *bool                   `json:"active,omitempty"`
	When   *desk.AutomationWhen    `json:"when,omitempty"`
	If     *desk.AutomationIf      `json:"if,omitempty"`
	Then   []desk.AutomationAction `json:"then,omitempty"`
}

// Automations: an admin's rules that do the routine (admins).
func (s *Server) automationRoutes() []route {
	return []route{
		{method: "POST", path: "/api/v1/automations", summary: "Set up an automation: name; when (one of event: an entry kind or a desk event about a case, " +
			"idle_hours: nothing on an active case for so many of its team's business hours, waiting_days: waiting on the customer so many of its team's business days, " +
			"promise_due_hours: an open promise due within so many hours); if (team, type, channel, language, words, customer_id, status, priority, tags: all that are " +
			"given must hold; words: any of them in the subject or the event's text); then (actions: assign [team], note [body], reply [canned_reply_id], " +
			"webhook [webhook_id], remind [body], set_priority [priority], add_tags [tags], set_type [type: a case type; not for a case following its type's steps], " +
			"set_team [team: the owner stays; an assign after it hands the case within the new team], remind_customer [say: waiting or closed_unconfirmed, the desk's words " +
			"in the customer's language], link_incident [incident_id: the case is linked to that incident while it is open, as the incident page links it]). It acts as itself (\"automation: <name>\" on the record) under the same rules as people; a refused " +
			"action goes on the record. It acts once per case and event, never on what it did itself, and at most 3 automations start one another in a row. " +
			"active defaults to true. Kept ships three examples, turned off.",
			status: http.StatusCreated, body: automationIn{}, answer: desk.Automation{}, handle: withBody(s.createAutomation)},
		{method: "GET", path: "/api/v1/automations", summary: "The automations.", status: http.StatusOK, answer: []desk.Automation{}, handle: byActor((*service.Service).Automations)},
		{method: "PATCH", path: "/api/v1/automations/{id}", summary: "Change an automation: turn it off or on (active), rename it, or replace its when, if or then.",
			status: http.StatusOK, body: automationPatch{}, answer: desk.Automation{}, handle: withIDBody(decode, s.updateAutomation)},
		{method: "DELETE", path: "/api/v1/automations/{id}", summary: "Remove an automation; what it did stays on the records.",
			status: http.StatusOK, answer: map[string]bool{}, handle: deleted((*service.Service).DeleteAutomation)},
	}
}

func (s *Server) createAutomation(r *http.Request, svc *service.Service, a desk.Actor, in automationIn) (any, error) {
	active := in.Active == nil || *in.Active
	return svc.CreateAutomation(r.Context(), a, desk.Automation{Name: in.Name, Active: active, When: in.When, If: in.If, Then: in.Then})
}

func (s *Server) updateAutomation(r *http.Request, svc *service.Service, a desk.Actor, id int64, in automationPatch) (any, error) {
	return svc.UpdateAutomation(r.Context(), a, id, service.AutomationPatch{Name: in.Name, Active: in.Active, When: in.When, If: in.If, Then: in.Then})
}
