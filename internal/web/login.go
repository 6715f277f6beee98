package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

func (s *Server) loginRoutes(mux *http.ServeMux) {
	mux.Handle("GET /login", s.public("/login", s.loginForm))
	mux.Handle("POST /login", s.public("/login", s.login))
	mux.Handle("POST /logout", s.public("/logout", s.logout))
	mux.Handle("POST /lang", s.public("/lang", s.setLang))
}

type loginData struct {
	Email string
	Next  string
	Error string
}

func (s *Server) loginForm(w http.ResponseWriter, r *request) error {
	next := localPath(r.URL.Query().Get("next"), "/inbox")
	if r.sess.Actor.Kind == desk.ActorAgent {
		http.Redirect(w, r.Request, next, http.StatusSeeOther)
		return nil
	}
	return s.render(w, r, http.StatusOK, "login", view{Title: r.T("login.title"), Data: loginData{Next: next}})
}

func (s *Server) login(w http.ResponseWriter, r *request) error {
	email := strings.ToLower(strings.TrimSpace(r.FormValue("email")))
	next := localPath(r.FormValue("next"), "/inbox")
	again := func(status int, msg string) error {
		return s.render(w, r, status, "login", view{Title: r.T("login.title"), Data: loginData{Email: email, Next: next, Error: msg}})
	}
	now := s.svc.Now()
	ipKey, mailKey := "ip:"+clientIP(r.Request), "email:"+email
	if blocked, wait := s.limiter.blocked(now, ipKey, mailKey); blocked {
		s.log.Warn("sign-in refused: too many failures", "email", email, "remote", clientIP(r.Request))
		w.Header().Set("Retry-After", itoa(int(wait/time.Second)+1))
		return again(http.StatusTooManyRequests, r.T("login.too_many", int(wait/time.Minute)+1))
	}
	sess, err := s.svc.SignIn(r.Context(), email, r.FormValue("password"))
	if err != nil {
		e, ok := desk.AsError(err)
		if !ok {
			return err
		}
		if e.Kind == desk.KindForbidden {
			s.limiter.fail(now, ipKey, mailKey)
			s.log.Info("sign-in failed", "email", email, "remote", clientIP(r.Request))
			return again(http.StatusUnauthorized, r.T("login.wrong"))
		}
		return again(http.StatusUnprocessableEntity, r.T("login.missing"))
	}
	s.limiter.reset(mailKey)
	s.startBrowserSession(w, r, sess, service.AgentSessionLength)
	s.log.Info("signed in", "agent", sess.Actor.ID)
	http.Redirect(w, r.Request, next, http.StatusSeeOther)
	return nil
}

// startBrowserSession sets the session cookie; a language chosen before signing in is kept
// for a person who never chose one, and a customer's browser zone for one who has none.
func (s *Server) startBrowserSession(w http.ResponseWriter, r *request, sess service.Session, length time.Duration) {
	setCookie(w, r.Request, sessionCookie, sess.Token, length)
	clearCookie(w, r.Request, csrfCookie)
	// A customer's zone is what their browser said, until they choose one: the desk's messages
	// to them then say their own time.
	if sess.Actor.Kind == desk.ActorCustomer && sess.Zone == "" {
		if c, err := r.Cookie(zoneCookie); err == nil && c.Value != "" {
			if err := s.svc.SetCustomerTimezone(r.Context(), sess.Actor, sess.Actor.ID, c.Value); err != nil {
				s.log.Info("browser time zone not kept", "zone", c.Value, "err", err)
			}
		}
	}
	if sess.Lang == "" {
		if c, err := r.Cookie(langCookie); err == nil {
			if _, ok := s.cat[c.Value]; ok {
				if err := s.svc.SetLanguage(r.Context(), sess.Actor, c.Value); err != nil {
					s.log.Error("keep language chosen before sign-in", "err", err)
				}
			}
		}
	}
}

func (s *Server) logout(w http.ResponseWriter, r *request) error {
	to := "/login"
	if r.sess.Actor.Kind == desk.ActorCustomer {
		to = "/portal/login"
	}
	if r.token != "" {
		if err := s.svc.SignOut(r.Context(), r.token); err != nil {
			return err
		}
	}
	clearCookie(w, r.Request, sessionCookie)
	http.Redirect(w, r.Request, to, http.StatusSeeOther)
	return nil
}

// setLang switches the language: remembered in a cookie, and on the person when signed in.
func (s *Server) setLang(w http.ResponseWriter, r *request) error {
	lang := r.FormValue("lang")
	if _, ok := s.cat[lang]; !ok {
		return desk.Invalid("lang", "unknown language %q", lang)
	}
	if r.sess.Actor.Kind != "" {
		if err := s.svc.SetLanguage(r.Context(), r.sess.Actor, lang); err != nil {
			return err
		}
	}
	setCookie(w, r.Request, langCookie, lang, 365*24*time.Hour)
	http.Redirect(w, r.Request, localPath(r.FormValue("next"), "/"), http.StatusSeeOther)
	return nil
}
