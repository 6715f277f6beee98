package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"

	"net/http"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/realip"
	"github.com/keptdesk/kept/internal/service"
)

// Cookie names. The session cookie holds "kept_<id>_<secret>"; the desk keeps only a digest.
const (
	sessionCookie = "kept_session"
	csrfCookie    = "kept_csrf"
	langCookie    = "kept_lang"
	zoneCookie    = "kept_tz"
)

// request is one page request with what every page needs: who asks, in which language and
// time zone, and the token their forms must carry.
type request struct {
	*http.Request
	sess  service.Session
	token string // the session cookie's value, "" when signed out
	lang  string
	zone  *time.Location
	csrf  string
	s     *Server
	// unavailable is why the session could not be read: the database did not answer (the page
	// then says so, rather than sending a signed-in agent to sign in).
	unavailable error
}

// T translates a catalog key into the request's language.
func (r *request) T(key string, args ...any) string { return r.s.cat.t(r.lang, key, args...) }

// tOr translates key when the catalog has it, and is otherwise when it does not (a name the
// desk was given, a kind the catalog has no words for yet).
func (r *request) tOr(key, otherwise string) string {
	if _, ok := r.s.cat["en"][key]; ok {
		return r.T(key)
	}
	return otherwise
}

func (s *Server) newRequest(w http.ResponseWriter, hr *http.Request) *request {
	r := &request{Request: hr, s: s, zone: s.opts.Zone}
	if c, err := hr.Cookie(sessionCookie); err == nil && c.Value != "" {
		sess, err := s.svc.SessionFor(hr.Context(), c.Value)
		switch {
		case err == nil:
			r.sess, r.token = sess, c.Value
		case isNotFound(err):
			s.clearCookie(w, hr, sessionCookie) // expired or ended elsewhere: forget it
		case service.Unavailable(err):
			r.unavailable = err
		default:
			s.log.Error("load session", "err", err)
		}
	}
	r.lang = s.chooseLang(hr, r.sess.Lang)
	if loc, err := time.LoadLocation(r.sess.Zone); r.sess.Zone != "" && err == nil {
		r.zone = loc
	} else if c, err := hr.Cookie(zoneCookie); err == nil && c.Value != "" {
		if loc, err := time.LoadLocation(c.Value); err == nil {
			r.zone = loc
		}
	}
	if r.token != "" {
		r.csrf = sessionCSRF(r.token)
	} else {
		r.csrf = s.anonymousCSRF(w, hr)
	}
	return r
}

func isNotFound(err error) bool {
	e, ok := desk.AsError(err)
	return ok && e.Kind == desk.KindNotFound
}

// sessionCSRF derives a signed-in browser's form token from its session secret, so nothing
// more is stored and a token from one session is worthless in another.
func sessionCSRF(token string) string {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("kept form token"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// anonymousCSRF gives a signed-out browser (the sign-in forms) a random token in a cookie;
// the form must send the same value back.
func (s *Server) anonymousCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand does not fail on supported platforms
	v := base64.RawURLEncoding.EncodeToString(b)
	s.setCookie(w, r, csrfCookie, v, 0)
	r.AddCookie(&http.Cookie{Name: csrfCookie, Value: v})
	return v
}

// checkCSRF accepts a state-changing request only with the browser's token in the form or in
// the X-CSRF-Token header (scripts).
func (s *Server) checkCSRF(r *request) bool {
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.FormValue("csrf")
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(r.csrf)) == 1
}

func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	c := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.secure(r)}
	if maxAge > 0 {
		c.MaxAge = int(maxAge / time.Second)
	}
	http.SetCookie(w, c)
}

func (s *Server) clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.secure(r)})
}

// secure says whether the browser is to send a cookie back over HTTPS only: when the request
// came over it, or the desk's configured address is https (behind a TLS proxy not named in
// --trusted-proxies a request looks plain, though the browser's address bar says https).
func (s *Server) secure(r *http.Request) bool {
	return realip.HTTPS(r) || strings.HasPrefix(strings.ToLower(s.opts.BaseURL), "https://")
}

// clientIP is the address a request came from: behind trusted proxies, the client's (realip).
func clientIP(r *http.Request) string { return realip.String(realip.From(r)) }
