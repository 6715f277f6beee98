package api

import (
	"net/http"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

type webhookIn struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
	Secret string   `json:"secret"`
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
			"told. Loopback and private addresses are refused unless serve runs with --webhook-allow-private.",
			status: http.StatusCreated, body: webhookIn{}, answer: desk.Webhook{}, handle: s.createWebhook},
		{method: "GET", path: "/api/v1/webhooks", summary: "The webhook endpoints.", status: http.StatusOK, answer: []desk.Webhook{}, handle: s.listWebhooks},
		{method: "GET", path: "/api/v1/webhooks/{id}/deliveries", summary: "An endpoint's deliveries, newest first: state, attempts, the last status and error.",
			status: http.StatusOK, answer: []service.WebhookDelivery{}, handle: s.webhookDeliveries},
		{method: "POST", path: "/api/v1/webhooks/{id}/deliveries/{delivery_id}/resend", summary: "Send a delivered or failed delivery again, at once and with the same " +
			"webhook-id; a disabled endpoint is turned back on. 409 not_done for a delivery still on its way.",
			status: http.StatusOK, answer: map[string]string{}, handle: s.resendDelivery},
	}
}

func (s *Server) createWebhook(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	var in webhookIn
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return svc.CreateWebhook(r.Context(), a, service.WebhookIn{URL: in.URL, Events: in.Events, Secret: in.Secret})
}

func (s *Server) listWebhooks(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	return svc.Webhooks(r.Context(), a)
}

func (s *Server) webhookDeliveries(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return svc.WebhookDeliveries(r.Context(), a, id)
}

func (s *Server) resendDelivery(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	did, err := pathID(r, "delivery_id")
	if err != nil {
		return nil, err
	}
	if err := svc.ResendDelivery(r.Context(), a, id, did); err != nil {
		return nil, err
	}
	return map[string]string{"state": "pending"}, nil
}
