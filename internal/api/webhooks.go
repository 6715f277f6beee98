package api

import (
	"net/http"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

type webhookIn struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
	Secret string   `json:"secret,omitempty"`
}

type webhookPatch struct {
	Active *bool    `json:"active,omitempty"`
	Events []string `json:"events,omitempty"`
}

// The endpoints that hear of the desk's events, and their delivery logs (admins).
func (s *Server) webhookRoutes() []route {
	return []route{
		{method: "POST", path: "/api/v1/webhooks", summary: "Register a webhook endpoint: url, events (entry kinds such as message_in or promise_broken, desk events " +
			`case_opened, owner_changed, absence_started and target_passed, or ["*"] for all of them, internal notes included) and secret. ` +
			"Each event is POSTed as JSON {id, type, at, case_id, ref, data} (data: for an entry, the entry as /record shows it; for a desk event, " +
			"its data as x-webhooks documents it) " +
			"with the headers webhook-id, webhook-timestamp and webhook-signature (v1, and the base64 HMAC-SHA256 of id.timestamp.body keyed with the " +
			"secret; a whsec_ secret is base64 after its prefix), at least once, retried for about 18 hours; then the endpoint is disabled and the admins " +
			"told. Without a secret the desk makes one up (whsec_…) and answers it once, in secret. " +
			"Loopback and private addresses are refused unless serve runs with --webhook-allow-private.",
			status: http.StatusCreated, body: webhookIn{}, answer: desk.Webhook{}, handle: withBody(s.createWebhook)},
		{method: "GET", path: "/api/v1/webhooks", summary: "The webhook endpoints, each with its newest delivery's state (last_delivery).",
			status: http.StatusOK, answer: []desk.Webhook{}, handle: byActor((*service.Service).Webhooks)},
		{method: "PATCH", path: "/api/v1/webhooks/{id}", summary: "Turn an endpoint off or on (active; turning it on sends its waiting deliveries), " +
			"or change the events it hears of.", status: http.StatusOK, body: webhookPatch{}, answer: desk.Webhook{}, handle: withIDBody(decode, s.updateWebhook)},
		{method: "DELETE", path: "/api/v1/webhooks/{id}", summary: "Remove an endpoint and its delivery log; nothing more is sent to it.",
			status: http.StatusOK, answer: map[string]bool{}, handle: deleted((*service.Service).DeleteWebhook)},
		{method: "GET", path: "/api/v1/webhooks/{id}/deliveries", summary: "An endpoint's deliveries, newest first: state, attempts, the last status and error.",
			status: http.StatusOK, answer: []service.WebhookDelivery{}, handle: byID((*service.Service).WebhookDeliveries)},
		{method: "POST", path: "/api/v1/webhooks/{id}/deliveries/{delivery_id}/resend", summary: "Send a delivered or failed delivery again, at once and with the same " +
			"webhook-id; a disabled endpoint is turned back on. 409 not_done for a delivery still on its way.",
			status: http.StatusOK, answer: map[string]string{}, handle: s.resendDelivery},
	}
}

func (s *Server) createWebhook(r *http.Request, svc *service.Service, a desk.Actor, in webhookIn) (any, error) {
	return svc.CreateWebhook(r.Context(), a, service.WebhookIn{URL: in.URL, Events: in.Events, Secret: in.Secret})
}

func (s *Server) resendDelivery(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	id, did, err := pathIDs(r, "delivery_id")
	if err != nil {
		return nil, err
	}
	if err := svc.ResendDelivery(r.Context(), a, id, did); err != nil {
		return nil, err
	}
	return map[string]string{"state": "pending"}, nil
}

func (s *Server) updateWebhook(r *http.Request, svc *service.Service, a desk.Actor, id int64, in webhookPatch) (any, error) {
	return svc.UpdateWebhook(r.Context(), a, id, service.WebhookPatch{Active: in.Active, Events: in.Events})
}
