package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// A forgotten password: the agent asks for a one-time link by mail (the same answer for any
// address), opens it and sets a new password. Opening the link uses nothing: only the form's
// post does, so a mail scanner that fetches links leaves it working.

type resetData struct {
	Email  string
	Token  string // set: the form for the new password
	Sent   bool
	Error  string
	Field  string
	Demo   bool // the link goes to the log (a demo desk without a relay)
	Broken bool // the link does not work; ask for a new one
}

func (s *Server) resetForm(w http.ResponseWriter, r *request) error {
	token := r.URL.Query().Get("token")
	if token == "" {
		return s.render(w, r, http.StatusOK, "reset", view{Title: r.T("reset.title"), Data: resetData{}})
	}
	if err := s.svc.CheckPasswordReset(r.Context(), token); err != nil {
		if _, ok := desk.AsError(err); !ok {
			return err
		}
		return s.render(w, r, http.StatusGone, "reset", view{Title: r.T("reset.title"), Data: resetData{Broken: true, Error: r.T("reset.broken")}})
	}
	return s.render(w, r, http.StatusOK, "reset", view{Title: r.T("reset.title"), Data: resetData{Token: token}})
}

func (s *Server) requestReset(w http.ResponseWriter, r *request) error {
	email := strings.ToLower(strings.TrimSpace(r.FormValue("email")))
	data := resetData{Email: email, Demo: s.linkInLog()}
	// Paced like portal links: per address from this client, and per client.
	address, from := throttleKeys("reset", r, email)
	if wait := s.throttle.take(s.svc.Now(), limit{address, portalAddress}, limit{from, portalClient}); wait > 0 {
		retryAfter(w, wait)
		data.Error = r.T("login.too_many", r.wait(wait))
		return s.render(w, r, http.StatusTooManyRequests, "reset", view{Title: r.T("reset.title"), Data: data})
	}
	err := s.svc.RequestPasswordReset(r.Context(), service.PortalLinkRequest{Email: email, Lang: r.lang, BaseURL: s.baseURL(r)})
	if e, ok := desk.AsError(err); ok && e.Kind == desk.KindInvalid {
		s.throttle.refund(address, from)
		data.Error, data.Field = r.T("reset.bad_email"), "email"
		return s.render(w, r, http.StatusUnprocessableEntity, "reset", view{Title: r.T("reset.title"), Data: data})
	} else if err != nil {
		return err
	}
	s.log.Info("password reset asked for", "email", email, "remote", clientIP(r.Request))
	data.Sent = true
	return s.render(w, r, http.StatusOK, "reset", view{Title: r.T("reset.title"), Data: data})
}

func (s *Server) resetPassword(w http.ResponseWriter, r *request) error {
	token := r.PostFormValue("token")
	again := func(status int, field, key string) error {
		return s.render(w, r, status, "reset", view{Title: r.T("reset.title"), Data: resetData{Token: token, Error: r.T(key), Field: field}})
	}
	next := r.PostFormValue("password")
	if next != r.PostFormValue("repeat") {
		return again(http.StatusUnprocessableEntity, "repeat", "password.mismatch")
	}
	sess, err := s.svc.ResetPassword(r.Context(), token, next)
	if e, ok := desk.AsError(err); ok {
		if e.Kind == desk.KindInvalid {
			return again(http.StatusUnprocessableEntity, "password", "password.short")
		}
		return s.render(w, r, http.StatusGone, "reset", view{Title: r.T("reset.title"), Data: resetData{Broken: true, Error: r.T("reset.broken")}})
	} else if err != nil {
		return err
	}
	if sess.Step != nil {
		s.startSecondStep(w, r, sess.Step, "/inbox")
		return nil
	}
	s.startBrowserSession(w, r, sess, service.AgentSessionLength)
	http.Redirect(w, r.Request, "/inbox", http.StatusSeeOther)
	return nil
}

// resetMail writes the reset mail in the agent's language.
func (s *Server) resetMail(lang, link string, _ time.Time) (string, string) {
	return s.cat.t(lang, "reset.mail.subject"), s.cat.t(lang, "reset.mail.text", link, int(service.PasswordResetLength/time.Minute))
}

// reminderMail writes the mail reminding a promise's owner that it falls due, in their language,
// the due time in their zone.
func (s *Server) reminderMail(lang string, zone *time.Location, ref, words string, due time.Time) (string, string) {
	if _, ok := s.cat[lang]; !ok {
		lang = "en"
	}
	r := &request{s: s, lang: lang, zone: zone} // a page's words without a page
	when := r.When(due) + " " + due.In(zone).Format("MST")
	return r.T("notif.mail.promise_reminder", ref, when), r.T("notif.detail.promise_reminder", ref, words, when)
}

// resetDone logs what became of a reset request (the asker was told the same whatever it was).
func (s *Server) resetDone(res service.PortalLinkResult) {
	s.logLinkDone(res, linkLog{
		unknown: "password reset asked for an address no active agent has",
		mailed:  "password reset link mailed",
		demo:    "password reset link cannot be mailed: no relay is configured (KEPT_SMTP_RELAY); demo mode prints it instead",
		noRelay: "password reset link cannot be mailed: no relay is configured (KEPT_SMTP_RELAY)",
	}, "email", res.Email)
}
