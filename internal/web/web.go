// Package web is Kept's agent desk and customer portal: server-rendered pages (html/template,
// embedded) that call the same service commands as the API. Each page has its own handler file;
// this file holds the server, the routes and the wrapper every page request goes through.
package web

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/metrics"
	"github.com/keptdesk/kept/internal/realip"
	"github.com/keptdesk/kept/internal/service"
)

// Options tune the web server.
type Options struct {
	// Zone shows times to people who have not chosen one (default: UTC).
	Zone *time.Location
	// BaseURL is where the desk is reached from outside, for links in mail (e.g. the portal's
	// sign-in link). Empty means the address the request came in on.
	BaseURL string
	// Demo prints portal sign-in links to the log when no relay could deliver them.
	Demo bool
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the client (see
	// realip); without them the TCP peer is the client.
	TrustedProxies realip.Proxies
	// PageDeadline is how long a page may work before it answers 503 (default 20 s).
	PageDeadline time.Duration
	// SSO signs agents in with an OpenID Connect provider (off while its Issuer is empty).
	SSO SSOOptions
	// EmbedOrigins are the sites that may frame the embeddable request page (its CSP's
	// frame-ancestors), e.g. https://www.example.com; none: it works only opened directly.
	EmbedOrigins []string
}

// Server renders the desk's and the portal's pages.
type Server struct {
	svc      *service.Service
	log      *slog.Logger
	metrics  *metrics.Metrics
	opts     Options
	pages    *pages
	cat      catalogs
	throttle *throttle // slows down sign-in guesses and portal-link requests
	hub      *hub
	presence *presence // who has which case open (live.go)
	sso      *sso      // single sign-on, nil when off
	// untrustedProxy warns once that a peer sends X-Forwarded-For without being trusted.
	untrustedProxy sync.Once
}

// New prepares the templates and catalogs; an error here is a bug in the embedded files.
func New(svc *service.Service, log *slog.Logger, m *metrics.Metrics, opts Options) (*Server, error) {
	if opts.Zone == nil {
		opts.Zone = time.UTC
	}
	cat, err := loadCatalogs()
	if err != nil {
		return nil, err
	}
	p, err := loadPages()
	if err != nil {
		return nil, err
	}
	s := &Server{svc: svc, log: log, metrics: m, opts: opts, pages: p, cat: cat, throttle: newThrottle(), hub: newHub(), presence: newPresence()}
	if opts.SSO.Issuer != "" {
		if opts.SSO.ClientID == "" {
			return nil, fmt.Errorf("single sign-on needs a client id as well as the issuer")
		}
		if opts.SSO.Name == "" {
			opts.SSO.Name = "single sign-on"
		}
		s.sso = &sso{opts: opts.SSO}
	}
	// Sign-in links are mailed by a timer (see portalRequestLink), in the pages' words.
	svc.SetPortalLinkMail(service.PortalLinkMail{Compose: s.portalLinkMail, Done: s.portalLinkDone, ComposeReset: s.resetMail, ResetDone: s.resetDone,
		ComposeEmbed: s.embedMail})
	if opts.BaseURL != "" {
		svc.SetLinkBase(opts.BaseURL) // links in mails that commands write (agreement.go)
	}
	return s, nil
}

// DefaultBaseURL sets where links in mail point when no base URL was configured: the address
// the server listens on, rather than the Host header a stranger could forge. Call it before
// serving.
func (s *Server) DefaultBaseURL(u string) {
	if s.opts.BaseURL == "" {
		s.opts.BaseURL = u
		s.svc.SetLinkBase(u)
	}
}

// Changed tells open pages that a case changed (wired to the service's commit events).
func (s *Server) Changed(e service.Event) { s.hub.publish(e) }

// Handler routes every page of the desk and the portal. Requests it does not know go to next
// (the API, /healthz, /readyz, /metrics).
func (s *Server) Handler(next http.Handler) http.Handler {
	mux := s.mux(next)
	// Browsers say where a request comes from; one from another site that would change
	// something is refused before any handler runs. The CSRF token is the second lock.
	protected := http.NewCrossOriginProtection().Handler(mux.ServeMux)
	// The client is found once, here, for every page, the API and their log lines.
	return s.opts.TrustedProxies.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Forwarded-For") != "" && !s.opts.TrustedProxies.Trusts(realip.Peer(r)) {
			s.untrustedProxy.Do(func() {
				s.log.Warn("a request came with X-Forwarded-For from a peer that is not a trusted proxy: the header is ignored. "+
					"Behind a reverse proxy, set --trusted-proxies (KEPT_TRUSTED_PROXIES) to its address, or every client counts as the proxy",
					"peer", realip.String(realip.Peer(r)))
			})
		}
		protected.ServeHTTP(w, r)
	}))
}

// Route is a pattern the pages serve and the session it needs ("agent", "customer", or ""
// for anyone), for the permission matrix test.
type Route struct {
	Pattern string
	Need    desk.ActorKind
}

// Routes lists every pattern the pages serve (the API's are its own: api.Server.Routes).
func (s *Server) Routes() []Route {
	m := s.mux(http.NotFoundHandler())
	out := make([]Route, 0, len(m.patterns))
	for _, p := range m.patterns {
		out = append(out, Route{Pattern: p, Need: m.needs[p]})
	}
	return out
}

// routeMux is a ServeMux that remembers its patterns and the session each page needs.
type routeMux struct {
	*http.ServeMux
	s        *Server
	patterns []string
	needs    map[string]desk.ActorKind
}

// public, agent and customer serve pattern ("METHOD /path") by fn as the Server's methods of
// those names do, the path naming the page in the metrics and the log.
func (m *routeMux) public(pattern string, fn pageFunc) {
	m.Handle(pattern, m.s.public(routeOf(pattern), fn))
}

func (m *routeMux) agent(pattern string, fn pageFunc) {
	m.Handle(pattern, m.s.agent(routeOf(pattern), fn))
}

func (m *routeMux) customer(pattern string, fn pageFunc) {
	m.Handle(pattern, m.s.customer(routeOf(pattern), fn))
}

// routeOf is a pattern's path: "POST /cases/{id}/reply" is "/cases/{id}/reply".
func routeOf(pattern string) string {
	_, path, _ := strings.Cut(pattern, " ")
	return path
}

func (m *routeMux) Handle(pattern string, h http.Handler) {
	m.patterns = append(m.patterns, pattern)
	if p, ok := h.(page); ok {
		m.needs[pattern] = p.need
	}
	m.ServeMux.Handle(pattern, h)
}

// page is a wrapped page handler that knows the session it needs.
type page struct {
	http.Handler
	need desk.ActorKind
}

func (s *Server) mux(next http.Handler) *routeMux {
	mux := &routeMux{ServeMux: http.NewServeMux(), s: s, needs: map[string]desk.ActorKind{}}
	mux.Handle("/api/", next)
	mux.Handle("GET /healthz", next)
	mux.Handle("GET /readyz", next)
	mux.Handle("GET /metrics", next)
	mux.Handle("GET /static/{file}", http.HandlerFunc(s.static))
	mux.Handle("GET /{$}", s.public("/", s.home))
	s.loginRoutes(mux)
	s.inboxRoutes(mux)
	s.inboxToolRoutes(mux)
	s.casePageRoutes(mux)
	s.exportRoutes(mux)
	s.availabilityRoutes(mux)
	s.managerRoutes(mux)
	s.reportRoutes(mux)
	s.reviewRoutes(mux)
	s.incidentRoutes(mux)
	s.portalRoutes(mux)
	s.requestRoutes(mux)
	s.embedRoutes(mux)
	s.agreementRoutes(mux)
	s.feedRoutes(mux)
	s.notificationRoutes(mux)
	s.passwordRoutes(mux)
	s.resetRoutes(mux)
	s.secondFactorRoutes(mux)
	s.ssoRoutes(mux)
	s.webhookRoutes(mux)
	s.automationRoutes(mux)
	s.adminRoutes(mux)
	s.newCaseRoutes(mux)
	mux.Handle("/", s.public("/*", func(w http.ResponseWriter, r *request) error {
		return desk.NotFound("page", r.URL.Path)
	}))
	return mux
}

// home sends agents to their inbox, customers to the portal and everyone else to sign in.
func (s *Server) home(w http.ResponseWriter, r *request) error {
	switch r.sess.Actor.Kind {
	case desk.ActorAgent:
		http.Redirect(w, r.Request, "/inbox", http.StatusSeeOther)
	case desk.ActorCustomer:
		http.Redirect(w, r.Request, "/portal", http.StatusSeeOther)
	default:
		http.Redirect(w, r.Request, "/login", http.StatusSeeOther)
	}
	return nil
}

// pageFunc answers one page request; an error it returns is rendered as an error page.
type pageFunc func(w http.ResponseWriter, r *request) error

// pathCommand serves a form or a button that runs one command on the object in the path's {id}
// (a case, an incident, a webhook): do runs it and says what was done; answer answers the
// request with that, or with do's error.
func pathCommand(do func(r *request, id int64) (string, error), answer func(w http.ResponseWriter, r *request, id int64, done string, err error) error) pageFunc {
	return func(w http.ResponseWriter, r *request) error {
		id, err := pathInt(r, "id")
		if err != nil {
			return err
		}
		done, err := do(r, id)
		return answer(w, r, id, done, err)
	}
}

// public serves a page anyone may see; a session, if there is one, is still loaded.
func (s *Server) public(route string, fn pageFunc) http.Handler { return s.wrap(route, "", fn) }

// agent serves a page for signed-in agents; others are sent to sign in.
func (s *Server) agent(route string, fn pageFunc) http.Handler {
	return s.wrap(route, desk.ActorAgent, fn)
}

// customer serves a portal page for signed-in customers; others are sent to the portal's sign-in.
func (s *Server) customer(route string, fn pageFunc) http.Handler {
	return s.wrap(route, desk.ActorCustomer, fn)
}

func (s *Server) wrap(route string, need desk.ActorKind, fn pageFunc) http.Handler {
	return page{need: need, Handler: s.serve(route, need, fn)}
}

func (s *Server) serve(route string, need desk.ActorKind, fn pageFunc) http.Handler {
	return s.serveChecked(route, need, fn, s.checkCSRF)
}

// serveChecked serves a page whose posts must pass csrfOK (the session's token, for all but
// the embeddable page, which signs its forms itself).
func (s *Server) serveChecked(route string, need desk.ActorKind, fn pageFunc, csrfOK func(*request) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, hr *http.Request) {
		start := time.Now()
		if route != "/events" { // the live stream is meant to last
			// A database that hangs answers 503, never a page that hangs with it.
			ctx, cancel := context.WithTimeout(hr.Context(), cmp.Or(s.opts.PageDeadline, pageDeadline))
			defer cancel()
			hr = hr.WithContext(ctx)
		}
		sw := &metrics.Recorder{ResponseWriter: w}
		securityHeaders(sw.Header())
		r := s.newRequest(sw, hr)
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("panic answering page", "method", hr.Method, "path", hr.URL.Path, "panic", p)
				if sw.Code == 0 {
					s.renderError(sw, r, errors.New("internal error"))
				}
			}
			took := time.Since(start)
			s.metrics.Request(hr.Method, route, sw.Code, took)
			s.log.Info("page", "method", hr.Method, "path", hr.URL.Path, "status", sw.Code, "bytes", sw.Bytes,
				"ms", float64(took.Microseconds())/1000, "remote", clientIP(hr))
		}()
		if r.unavailable != nil {
			s.renderError(sw, r, r.unavailable)
			return
		}
		if need != "" && r.sess.Actor.Kind != need {
			s.signInFirst(sw, r, need)
			return
		}
		// The limit comes before the token check: reading the token parses the whole form.
		limit := int64(maxFormBody)
		if strings.HasPrefix(hr.Header.Get("Content-Type"), "multipart/form-data") {
			limit = desk.MaxDocumentSize + maxFormBody
		}
		hr.Body = http.MaxBytesReader(sw, hr.Body, limit)
		if !safeMethod(hr.Method) && tooLarge(hr) {
			msg := r.T("error.too_large", desk.MaxText>>20)
			if err := s.render(sw, r, http.StatusRequestEntityTooLarge, "error", view{Title: msg, Data: map[string]any{"Message": msg}}); err != nil {
				s.log.Error("render error page", "err", err)
			}
			return
		}
		if !safeMethod(hr.Method) && !csrfOK(r) {
			s.renderError(sw, r, &desk.Error{Kind: desk.KindForbidden, Code: "csrf",
				Message: r.T("error.csrf")})
			return
		}
		if err := fn(sw, r); err != nil {
			if service.Unavailable(err) {
				s.log.Warn("page answered 503: the database does not answer", "method", hr.Method, "path", hr.URL.Path, "err", err)
			} else if e, ok := desk.AsError(err); !ok || e.Kind == 0 {
				s.log.Error("page failed", "method", hr.Method, "path", hr.URL.Path, "err", err)
			}
			if sw.Code == 0 {
				s.renderError(sw, r, err)
			}
		}
	})
}

// pageDeadline is how long a page may work before it answers 503.
const pageDeadline = 20 * time.Second

// maxFormBody bounds a form post; an upload (multipart) may add one document's size. A form
// carries a text of up to desk.MaxText percent-encoded (a letter of two or three bytes is six
// or nine characters of the form), so the bound is a few times that.
const maxFormBody = 4*desk.MaxText + 64<<10

// tooLarge parses a post's form and reports whether it was larger than the bound: the page
// says so, rather than that the form expired (its token is read from the same form).
func tooLarge(r *http.Request) bool {
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(32 << 20)
	} else {
		err = r.ParseForm()
	}
	var big *http.MaxBytesError
	return errors.As(err, &big)
}

// signInFirst sends a visitor without the right session to the matching sign-in page, and
// brings them back afterwards. Partial requests from scripts get a 401 instead of a page.
func (s *Server) signInFirst(w http.ResponseWriter, r *request, need desk.ActorKind) {
	if r.Header.Get("Accept") == "text/event-stream" || r.Header.Get("X-Kept-Partial") != "" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	to := "/login"
	if need == desk.ActorCustomer {
		to = "/portal/login"
	}
	if r.Method == http.MethodGet {
		to += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r.Request, to, http.StatusSeeOther)
}

// safeMethod is a method that must not change anything, so needs no CSRF token.
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// localPath keeps a "next" address on this site: anything else becomes fallback.
func localPath(next, fallback string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return fallback
	}
	return next
}

// pageCSP is every page's policy: the desk's own scripts, styles, images and audio (calls'
// recordings), nothing inline.
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; " +
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// securityHeaders are on every page: no inline script, no framing, no sniffing.
func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
}
