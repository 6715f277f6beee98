package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// The webhook endpoints, administered in the desk (admins: webhooks.manage): the list with each
// one's newest delivery, a form to register one (its secret shown once when the desk makes it
// up), turning one off and on, removing it, and its delivery log with "send again".

func (s *Server) webhookRoutes(mux *routeMux) {
	mux.Handle("GET /settings/webhooks", s.agent("/settings/webhooks", s.webhooksPage))
	mux.Handle("POST /settings/webhooks", s.agent("/settings/webhooks", s.createWebhook))
	mux.Handle("GET /settings/webhooks/{id}", s.agent("/settings/webhooks/{id}", s.webhookPage))
	mux.Handle("POST /settings/webhooks/{id}/active", s.agent("/settings/webhooks/{id}/active", s.setWebhookActive))
	mux.Handle("POST /settings/webhooks/{id}/delete", s.agent("/settings/webhooks/{id}/delete", s.deleteWebhook))
	mux.Handle("POST /settings/webhooks/{id}/deliveries/{delivery_id}/resend",
		s.agent("/settings/webhooks/{id}/deliveries/{delivery_id}/resend", s.resendWebhookDelivery))
}

// MayManageWebhooks says whether the reader sees the webhooks page: the permission table's answer.
func (r *request) MayManageWebhooks() bool {
	return r.sess.Actor.Kind == desk.ActorAgent && service.Gate(r.sess.Actor, service.ActWebhooks) == nil
}

type webhooksData struct {
	Hooks  []desk.Webhook
	Events []webhookEvent // the picker: every event, desk events first
	// The form as sent, when it is shown again.
	URL    string
	Picked map[string]bool
	Error  string
	// Secret is the secret the desk made up for the endpoint just created: shown once.
	Secret  string
	Created int64
	Done    string // what the last action did: off, on, deleted
}

type webhookEvent struct {
	Name string
	Desk bool // a desk event rather than an entry kind
}

func webhookEvents() []webhookEvent {
	out := []webhookEvent{{Name: "*"}}
	for _, e := range desk.EventTypes() {
		out = append(out, webhookEvent{Name: string(e), Desk: true})
	}
	for _, k := range desk.EntryKinds() {
		out = append(out, webhookEvent{Name: string(k)})
	}
	return out
}

func (s *Server) webhooksPage(w http.ResponseWriter, r *request) error {
	return s.showWebhooks(w, r, http.StatusOK, webhooksData{Done: r.URL.Query().Get("done")})
}

func (s *Server) showWebhooks(w http.ResponseWriter, r *request, status int, d webhooksData) error {
	hooks, err := s.svc.Webhooks(r.Context(), r.sess.Actor)
	if err != nil {
		return err
	}
	d.Hooks, d.Events = hooks, webhookEvents()
	if d.Picked == nil {
		d.Picked = map[string]bool{}
	}
	return s.render(w, r, status, "webhooks", view{Title: r.T("hooks.title"), Data: d})
}

func (s *Server) createWebhook(w http.ResponseWriter, r *request) error {
	if err := service.Gate(r.sess.Actor, service.ActWebhooks); err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return desk.Invalid("form", "unreadable form")
	}
	in := service.WebhookIn{URL: strings.TrimSpace(r.PostFormValue("url")), Events: r.PostForm["events"], Secret: r.PostFormValue("secret")}
	h, err := s.svc.CreateWebhook(r.Context(), r.sess.Actor, in)
	if e, ok := desk.AsError(err); ok && e.Kind == desk.KindInvalid {
		picked := map[string]bool{}
		for _, e := range in.Events {
			picked[e] = true
		}
		return s.showWebhooks(w, r, http.StatusUnprocessableEntity, webhooksData{URL: in.URL, Picked: picked, Error: r.ErrorText(err)})
	}
	if err != nil {
		return err
	}
	// The secret the desk made up is shown on this answer only: it is not stored where a page
	// could show it again.
	return s.showWebhooks(w, r, http.StatusCreated, webhooksData{Secret: h.Secret, Created: h.ID, Picked: map[string]bool{}})
}

type webhookData struct {
	Hook       desk.Webhook
	Deliveries []service.WebhookDelivery
	Done       string
}

func (s *Server) webhookPage(w http.ResponseWriter, r *request) error {
	id, err := webhookID(r, "id")
	if err != nil {
		return err
	}
	h, err := s.svc.Webhook(r.Context(), r.sess.Actor, id)
	if err != nil {
		return err
	}
	ds, err := s.svc.WebhookDeliveries(r.Context(), r.sess.Actor, id)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "webhook", view{Title: r.T("hooks.log_title", h.URL),
		Data: webhookData{Hook: h, Deliveries: ds, Done: r.URL.Query().Get("done")}})
}

func (s *Server) setWebhookActive(w http.ResponseWriter, r *request) error {
	id, err := webhookID(r, "id")
	if err != nil {
		return err
	}
	on := r.PostFormValue("active") == "on"
	if v := r.PostFormValue("active"); v != "on" && v != "off" {
		if err := service.Gate(r.sess.Actor, service.ActWebhooks); err != nil {
			return err
		}
		return desk.Invalid("active", "on or off")
	}
	if _, err := s.svc.UpdateWebhook(r.Context(), r.sess.Actor, id, service.WebhookPatch{Active: &on}); err != nil {
		return err
	}
	done := "off"
	if on {
		done = "on"
	}
	http.Redirect(w, r.Request, "/settings/webhooks?done="+done, http.StatusSeeOther)
	return nil
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *request) error {
	id, err := webhookID(r, "id")
	if err != nil {
		return err
	}
	if err := s.svc.DeleteWebhook(r.Context(), r.sess.Actor, id); err != nil {
		return err
	}
	http.Redirect(w, r.Request, "/settings/webhooks?done=deleted", http.StatusSeeOther)
	return nil
}

func (s *Server) resendWebhookDelivery(w http.ResponseWriter, r *request) error {
	id, err := webhookID(r, "id")
	if err != nil {
		return err
	}
	did, err := webhookID(r, "delivery_id")
	if err != nil {
		return err
	}
	if err := s.svc.ResendDelivery(r.Context(), r.sess.Actor, id, did); err != nil {
		return err
	}
	http.Redirect(w, r.Request, "/settings/webhooks/"+strconv.FormatInt(id, 10)+"?done=resent", http.StatusSeeOther)
	return nil
}

// webhookID is a settings page's object id from its path (a webhook, a delivery, an automation).
func webhookID(r *request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, desk.NotFound(name, r.PathValue(name))
	}
	return id, nil
}
