package web

import (
	"net/http"
	"strconv"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// An agent's own password: changed from the desk, not only with `kept password` on the server.

type passwordData struct {
	Error string // the refusal, in the reader's words
	Field string // the input it is about
	Done  bool
}

func (s *Server) passwordForm(w http.ResponseWriter, r *request) error {
	return s.render(w, r, http.StatusOK, "password", view{Title: r.T("password.title"), Data: passwordData{Done: r.URL.Query().Get("done") == "1"}})
}

func (s *Server) changePassword(w http.ResponseWriter, r *request) error {
	again := func(status int, field, key string) error {
		return s.render(w, r, status, "password", view{Title: r.T("password.title"), Data: passwordData{Error: r.T(key), Field: field}})
	}
	next := r.PostFormValue("password")
	if next != r.PostFormValue("repeat") {
		return again(http.StatusUnprocessableEntity, "repeat", "password.mismatch")
	}
	// Guessing the current password from a session left open is paced like signing in.
	key := "password " + strconv.FormatInt(r.sess.Actor.ID, 10)
	if wait := s.throttle.take(s.svc.Now(), limit{key, signInAccount}); wait > 0 {
		retryAfter(w, wait)
		return s.render(w, r, http.StatusTooManyRequests, "password", view{Title: r.T("password.title"),
			Data: passwordData{Error: r.T("login.too_many", r.wait(wait)), Field: "current"}})
	}
	sess, err := s.svc.ChangePassword(r.Context(), r.sess.Actor, r.PostFormValue("current"), next)
	if e, ok := desk.AsError(err); ok && e.Kind == desk.KindInvalid {
		if e.Field == "current" {
			return again(http.StatusUnprocessableEntity, "current", "password.wrong")
		}
		s.throttle.refund(key)
		return again(http.StatusUnprocessableEntity, "password", "password.short")
	}
	if err != nil {
		return err
	}
	s.throttle.clear(key)
	s.startBrowserSession(w, r, sess, service.AgentSessionLength)
	http.Redirect(w, r.Request, "/account/password?done=1", http.StatusSeeOther)
	return nil
}
