package web

import (
	"crypto/sha256"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/realip"
	"github.com/keptdesk/kept/internal/service"
)

type loginData struct {
	Email string
	Next  string
	Error string
	SSO   string // the identity provider's name, when single sign-on is set up
}

func (s *Server) loginForm(w http.ResponseWriter, r *request) error {
	next := localPath(r.URL.Query().Get("next"), "/inbox")
	if r.sess.Actor.Kind == desk.ActorAgent {
		http.Redirect(w, r.Request, next, http.StatusSeeOther)
		return nil
	}
	return s.render(w, r, http.StatusOK, "login", view{Title: r.T("login.title"), Data: loginData{Next: next, SSO: s.ssoName()}})
}

func (s *Server) login(w http.ResponseWriter, r *request) error {
	email := strings.ToLower(strings.TrimSpace(r.FormValue("email")))
	password := r.FormValue("password")
	next := localPath(r.FormValue("next"), "/inbox")
	again := func(status int, msg string) error {
		return s.render(w, r, status, "login", view{Title: r.T("login.title"), Data: loginData{Email: email, Next: next, Error: msg, SSO: s.ssoName()}})
	}
	if email == "" || password == "" {
		return again(http.StatusUnprocessableEntity, r.T("login.missing"))
	}
	// Wrong passwords slow down the account from this client, and this client across
	// accounts: never the account everywhere, which anyone could do to anyone.
	client := clientIP(r.Request)
	account, from := throttleKeys("signin", r, email)
	if wait := s.throttle.take(s.svc.Now(), limit{account, signInAccount}, limit{from, signInClient}); wait > 0 {
		s.log.Warn("sign-in refused: too many failures from this client", "email", email, "remote", client, "retry_after", wait)
		retryAfter(w, wait)
		return again(http.StatusTooManyRequests, r.T("login.too_many", r.wait(wait)))
	}
	sess, err := s.svc.SignIn(r.Context(), email, password)
	if err != nil {
		if e, ok := desk.AsError(err); ok && e.Kind == desk.KindForbidden {
			s.log.Info("sign-in failed", "email", email, "remote", client)
			return again(http.StatusUnauthorized, r.T("login.wrong"))
		}
		s.throttle.refund(account, from) // not a wrong password: nothing was guessed
		if e, ok := desk.AsError(err); ok && e.Kind == desk.KindInvalid {
			return again(http.StatusUnprocessableEntity, r.T("login.missing"))
		}
		return err
	}
	if sess.Step != nil {
		// The password was right; the charge stays until the code is (the second step
		// clears it), so a password known to a stranger still buys them few tries.
		s.log.Info("password right; the second step waits", "agent", sess.Actor.ID, "remote", client)
		s.startSecondStep(w, r, sess.Step, next)
		return nil
	}
	s.throttle.clear(account)
	s.throttle.refund(from)
	s.startBrowserSession(w, r, sess, service.AgentSessionLength)
	s.log.Info("signed in", "agent", sess.Actor.ID, "remote", client)
	http.Redirect(w, r.Request, next, http.StatusSeeOther)
	return nil
}

// throttleKeys are the keys an attempt counts against: the account (or address) from the
// client, and the client (an IPv6 client by its /64, see realip.Key). The account is kept as
// a digest, so a key's size does not depend on what a client typed into the form; a client's
// key holds no newline, so no account can make one key look like another's.
func throttleKeys(what string, r *request, account string) (accountFromClient, client string) {
	c := realip.Key(realip.From(r.Request))
	sum := sha256.Sum256([]byte(account))
	return what + "\n" + c + "\n" + string(sum[:16]), what + "-client\n" + c
}

// retryAfter tells a throttled client, in whole seconds, when to try again.
func retryAfter(w http.ResponseWriter, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
}

// wait says a wait in the reader's language: seconds under a minute, else minutes, rounded up.
func (r *request) wait(d time.Duration) string {
	if d <= 59*time.Second {
		return r.T("wait.seconds", int((d+time.Second-1)/time.Second))
	}
	return r.T("wait.minutes", int((d+time.Minute-1)/time.Minute))
}

// startBrowserSession sets the session cookie; a language chosen before signing in is kept
// for a person who never chose one, and a customer's browser zone for one who has none.
func (s *Server) startBrowserSession(w http.ResponseWriter, r *request, sess service.Session, length time.Duration) {
	s.setCookie(w, r.Request, sessionCookie, sess.Token, length)
	s.clearCookie(w, r.Request, csrfCookie)
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
	s.clearCookie(w, r.Request, sessionCookie)
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
	s.setCookie(w, r.Request, langCookie, lang, 365*24*time.Hour)
	http.Redirect(w, r.Request, localPath(r.FormValue("next"), "/"), http.StatusSeeOther)
	return nil
}
