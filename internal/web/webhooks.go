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
	id, err := pathInt(r, "id")
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

func (s *Server) setWebhookActive(r *request, id int64, on bool) error {
	_, err := s.svc.UpdateWebhook(r.Context(), r.sess.Actor, id, service.WebhookPatch{Active: &on})
	return err
}

func (s *Server) deleteWebhook(r *request, id int64) (string, error) {
	return "/settings/webhooks?done=deleted", s.svc.DeleteWebhook(r.Context(), r.sess.Actor, id)
}

func (s *Server) resendWebhookDelivery(r *request, id int64) (string, error) {
	did, err := pathInt(r, "delivery_id")
	if err == nil {
		err = s.svc.ResendDelivery(r.Context(), r.sess.Actor, id, did)
	}
	return "/settings/webhooks/" + strconv.FormatInt(id, 10) + "?done=resent", err
}

// switchAction serves an object's on/off button (a webhook, an automation): the form's active
// is "on" or "off", set turns the object in the path's {id} so, and the browser goes back to
// the list at base with what was done. A reader who may not act (act) hears that rather than
// that the form is wrong.
func switchAction(act service.Action, base string, set func(r *request, id int64, on bool) error) pageFunc {
	return objectAction(func(r *request, id int64) (string, error) {
		v := r.PostFormValue("active")
		if v != "on" && v != "off" {
			if err := service.Gate(r.sess.Actor, act); err != nil {
				return "", err
			}
			return "", desk.Invalid("active", "on or off")
		}
		return base + "?done=" + v, set(r, id, v == "on")
	})
}

// objectAction serves a button that runs one command on the object in the path's {id} (a
// webhook, an automation, a saved view): do runs it and says where the browser goes next (303).
// Its error goes to the error page: the button has no form to show it beside.
func objectAction(do func(r *request, id int64) (to string, err error)) pageFunc {
	return pathCommand(do, func(w http.ResponseWriter, r *request, _ int64, to string, err error) error {
		if err != nil {
			return err
		}
		http.Redirect(w, r.Request, to, http.StatusSeeOther)
		return nil
	})
}
