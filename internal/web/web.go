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
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/metrics"
	"github.com/keptdesk/kept/internal/realip"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/text"
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
	svc.SetPortalLinkMail(service.PortalLinkMail{Compose: s.portalLinkMail, Done: s.portalLinkDone, ComposeReset: s.resetMail, ResetDone: s.resetDone, ComposeReminder: s.reminderMail,
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

// mux is every page the desk serves and who may open it (agent, customer, or anyone: public),
// in one table; the pages are in the files named above their groups.
func (s *Server) mux(next http.Handler) *routeMux {
	mux := &routeMux{ServeMux: http.NewServeMux(), s: s, needs: map[string]desk.ActorKind{}}
	mux.Handle("/api/", next)
	mux.Handle("GET /healthz", next)
	mux.Handle("GET /readyz", next)
	mux.Handle("GET /metrics", next)
	mux.Handle("GET /static/{file}", http.HandlerFunc(s.static))
	mux.Handle("GET /{$}", s.public("/", s.home))
	// login.go
	mux.public("GET /login", s.loginForm)
	mux.public("POST /login", s.login)
	mux.public("POST /logout", s.logout)
	mux.public("POST /lang", s.setLang)
	// inbox.go
	mux.agent("GET /inbox", s.inbox)
	mux.agent("GET /search", s.search)
	mux.agent("POST /search/incident", s.searchLinkIncident)
	mux.agent("GET /events", s.events)
	// inboxtools.go
	mux.agent("POST /inbox/bulk", s.inboxBulk)
	mux.agent("POST /inbox/views", s.inboxSaveView)
	mux.agent("POST /inbox/views/{id}/delete", objectAction(s.inboxDeleteView))
	// casepage.go
	mux.agent("GET /cases/{id}", s.casePage)
	mux.agent("GET /cases/{id}/estimate", s.caseEstimate)
	mux.agent("POST /cases/{id}/reply", s.caseReply)
	mux.agent("POST /cases/{id}/call", s.caseForm("call", []string{"direction", "at", "duration", "summary", "transcript"}, "", s.caseCall))
	mux.agent("POST /cases/{id}/promises", s.casePromise)
	mux.agent("POST /cases/{id}/promises/{pid}/keep", s.caseKeep)
	mux.agent("POST /cases/{id}/promises/{pid}/slip", s.caseSlip)
	mux.agent("POST /cases/{id}/handover", s.caseHandover)
	mux.agent("POST /cases/{id}/escalate", s.caseEscalate)
	mux.agent("POST /cases/{id}/release", s.caseForm("release", nil, "", s.caseRelease))
	mux.agent("POST /cases/{id}/resolve", s.caseForm("resolve", []string{"summary"}, "", s.caseResolve))
	mux.agent("POST /cases/{id}/reopen", s.caseForm("reopen", []string{"reason"}, "", s.caseReopen))
	mux.agent("POST /cases/{id}/outbox/{mail}/resend", s.caseForm("resend", nil, "", s.caseResend))
	mux.agent("POST /cases/{id}/step", s.caseForm("step", nil, "process", s.caseStep))
	mux.agent("POST /cases/{id}/references", s.caseForm("reference", []string{"kind", "value"}, "customer", s.caseReference))
	mux.agent("POST /cases/{id}/labels", s.caseForm("labels", []string{"priority", "tags"}, "", s.caseLabels))
	mux.agent("POST /cases/{id}/documents", s.caseForm("document", []string{"kind", "file"}, "customer", s.caseUpload))
	mux.agent("GET /cases/{id}/documents/{doc}", s.caseDocument)
	mux.agent("POST /cases/{id}/calls/{seq}/recording", s.caseRecordingUpload)
	mux.agent("GET /cases/{id}/recordings/{doc}", s.caseRecording)
	mux.agent("GET /cases/{id}/mails/{mail}/html", s.caseMailHTML)
	mux.agent("GET /cases/{id}/mails/{mail}/raw", s.caseMailRaw)
	mux.agent("GET /cases/{id}/mails/{mail}/attachments/{n}", s.caseMailAttachment)
	// case_work.go
	mux.agent("POST /cases/{id}/waiting", s.caseForm("waiting", []string{"until"}, "waiting", s.caseWaiting))
	mux.agent("POST /cases/{id}/merge", s.caseMerge)
	// export.go
	mux.agent("GET /cases/{id}/export", s.caseExport)
	mux.customer("GET /portal/cases/{id}/export", s.caseExport)
	// availability.go
	mux.agent("GET /availability", s.availabilityPage)
	mux.agent("POST /availability/absences", s.addAbsence)
	mux.agent("POST /availability/leave", s.startLeave)
	mux.agent("POST /availability/absences/{absence_id}", s.changeAbsence)
	mux.agent("GET /availability/handover", s.bulkPage)
	mux.agent("POST /availability/handover", s.bulkSave)
	// manager.go
	mux.agent("GET /team", s.teamPage)
	mux.agent("POST /team/agents/{id}/active", s.setAgentActive)
	// reports.go
	mux.agent("GET /reports", s.reportsPage)
	mux.agent("GET /reports/csv", s.reportCSV)
	// reviews.go
	mux.agent("GET /reviews", s.reviewsPage)
	mux.agent("POST /reviews", s.scoreReview)
	mux.agent("POST /reviews/answer", s.answerReview)
	mux.agent("GET /reviews/rubric", s.rubricPage)
	mux.agent("POST /reviews/rubric", s.addCriterion)
	mux.agent("POST /reviews/rubric/{id}", s.editCriterion)
	mux.agent("POST /reviews/share", s.setReviewShare)
	// incidents.go
	mux.agent("GET /incidents", s.incidentsPage)
	mux.agent("POST /incidents", s.createIncident)
	mux.agent("GET /incidents/{id}", s.incidentPage)
	mux.agent("POST /incidents/{id}/cases", s.incidentForm("link", s.incidentLink))
	mux.agent("POST /incidents/{id}/promises", s.incidentForm("promise", s.incidentPromise))
	mux.agent("POST /incidents/{id}/status", s.incidentForm("status", s.incidentStatus))
	mux.agent("POST /incidents/{id}/resolve", s.incidentForm("resolve", s.incidentResolve))
	mux.agent("POST /cases/{id}/incident", s.caseForm("incident", []string{"incident"}, "incidents", s.caseLinkIncident))
	mux.agent("POST /cases/{id}/decisions", s.caseForm("decision", []string{"kind", "amount", "currency", "reason"}, "decisions", s.caseDecision))
	mux.agent("POST /decisions/{id}/answer", s.decisionAnswer)
	// portal.go
	mux.public("GET /portal/login", s.portalLoginForm)
	mux.public("POST /portal/login", s.portalRequestLink)
	mux.public("GET /portal/signin", s.portalSigninForm)
	mux.public("POST /portal/signin", s.portalSignin)
	mux.customer("GET /portal", s.portalHome)
	mux.customer("GET /portal/cases/{id}", s.portalCase)
	mux.customer("POST /portal/cases/{id}/reply", s.portalForm("reply", "record", []string{"body"}, s.portalReply))
	mux.customer("POST /portal/cases/{id}/reference", s.portalForm("reference", "references", []string{"kind", "value"}, s.portalReference))
	mux.Handle("POST /portal/cases/{id}/documents", portalUploadLimit(s.customer("/portal/cases/{id}/documents", s.portalUpload)))
	mux.customer("POST /portal/cases/{id}/escalate", s.portalForm("escalate", "people", []string{"reason"}, s.portalEscalate))
	mux.customer("POST /portal/cases/{id}/confirm", s.portalConfirm)
	mux.customer("POST /portal/cases/{id}/rating", s.portalForm("rating", "resolution", []string{"comment"}, s.portalRate))
	mux.customer("GET /portal/documents/{doc}", s.portalDocument)
	// requests.go
	mux.customer("GET /portal/new", s.portalNewForm)
	mux.customer("POST /portal/new", s.portalNewRequest)
	// embed.go
	mux.Handle("GET /embed/request", s.embedded("/embed/request", s.embedForm))
	mux.Handle("POST /embed/request", s.embedded("/embed/request", s.embedSubmit))
	mux.public("GET /embed/confirm", s.embedConfirmForm)
	mux.public("POST /embed/confirm", s.embedConfirm)
	// agreement.go
	s.answerRoutes(mux, s.handoverPage())
	s.answerRoutes(mux, s.resolutionPage())
	mux.public("POST /portal/resolution/rating", s.rateByLink)
	mux.customer("POST /portal/cases/{id}/handover", s.portalHandoverAnswer)
	mux.agent("POST /cases/{id}/handover/ask", s.caseAskAgreement)
	// feeds.go
	mux.public("GET /calendar/{file}", s.calendarFeed)
	mux.agent("GET /availability/feed", s.feedPage)
	mux.agent("POST /availability/feed", s.makeFeed)
	mux.agent("POST /availability/feed/revoke", s.revokeFeed)
	// notifications.go
	mux.agent("GET /notifications", s.notificationsPage)
	mux.agent("POST /notifications/read", s.notificationsRead)
	// password.go
	mux.agent("GET /account/password", s.passwordForm)
	mux.agent("POST /account/password", s.changePassword)
	// reset.go
	mux.public("GET /login/reset", s.resetForm)
	mux.public("POST /login/reset", s.requestReset)
	mux.public("POST /login/reset/password", s.resetPassword)
	// second.go
	mux.public("GET /login/second", s.secondStepForm)
	mux.public("POST /login/second", s.secondStep)
	mux.agent("GET /account/second-factor", s.factorPage)
	mux.agent("POST /account/second-factor", s.startFactor)
	mux.agent("POST /account/second-factor/confirm", s.confirmFactor)
	mux.agent("POST /account/second-factor/off", s.turnOffFactor)
	mux.agent("GET /security", s.securityPage)
	mux.agent("POST /security", s.setSecurity)
	mux.agent("POST /team/agents/{id}/second-factor/reset", s.resetFactor)
	// sso.go
	mux.public("GET /login/sso", s.ssoStart)
	mux.public("GET /login/sso/callback", s.ssoCallback)
	// webhooks.go
	mux.agent("GET /settings/webhooks", s.webhooksPage)
	mux.agent("POST /settings/webhooks", s.createWebhook)
	mux.agent("GET /settings/webhooks/{id}", s.webhookPage)
	mux.agent("POST /settings/webhooks/{id}/active", switchAction(service.ActWebhooks, "/settings/webhooks", s.setWebhookActive))
	mux.agent("POST /settings/webhooks/{id}/delete", objectAction(s.deleteWebhook))
	mux.agent("POST /settings/webhooks/{id}/deliveries/{delivery_id}/resend", objectAction(s.resendWebhookDelivery))
	// automations.go
	mux.agent("GET /settings/automations", s.automationsPage)
	mux.agent("POST /settings/automations", s.createAutomation)
	mux.agent("POST /settings/automations/{id}/active", switchAction(service.ActAutomations, "/settings/automations", s.setAutomationActive))
	mux.agent("POST /settings/automations/{id}/delete", objectAction(s.deleteAutomation))
	// admin.go
	mux.agent("GET /admin", s.adminHome)
	mux.agent("GET /admin/agents", s.adminAgents)
	mux.agent("POST /admin/agents", s.adminCreateAgent)
	mux.agent("GET /admin/agents/{id}", s.adminAgent)
	mux.agent("POST /admin/agents/{id}", s.adminUpdateAgent)
	mux.agent("POST /admin/agents/{id}/password-reset", s.adminPasswordReset)
	mux.agent("POST /admin/tokens/{id}/revoke", s.adminRevokeToken)
	mux.agent("GET /admin/teams", s.adminTeams)
	mux.agent("POST /admin/teams", s.adminCreateTeam)
	mux.agent("GET /admin/teams/{name}", s.adminTeam)
	mux.agent("POST /admin/teams/{name}", s.adminUpdateTeam)
	mux.agent("GET /admin/case-types", s.adminCaseTypes)
	mux.agent("POST /admin/case-types", s.adminCreateCaseType)
	mux.agent("GET /admin/case-types/{id}", s.adminCaseType)
	mux.agent("POST /admin/case-types/{id}", s.adminUpdateCaseType)
	mux.agent("GET /admin/canned", s.adminCanned)
	mux.agent("POST /admin/canned", s.adminCreateCanned)
	mux.agent("GET /admin/canned/{id}", s.adminCannedOne)
	mux.agent("POST /admin/canned/{id}", s.adminUpdateCanned)
	mux.agent("POST /admin/canned/{id}/delete", s.adminDeleteCanned)
	mux.agent("GET /admin/partners", s.adminPartners)
	mux.agent("POST /admin/partners", s.adminCreatePartner)
	mux.agent("GET /admin/partners/{id}", s.adminPartner)
	mux.agent("POST /admin/partners/{id}", s.adminUpdatePartner)
	mux.agent("POST /admin/partners/{id}/users", s.adminCreatePartnerUser)
	mux.agent("GET /admin/log", s.adminLog)
	// newcase.go
	mux.agent("GET /cases/new", s.newCaseForm)
	mux.agent("POST /cases/new", s.openCaseForCaller)
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
		if unreadableText(hr) {
			s.renderError(sw, r, desk.Invalid("", "a text holds a NUL character (U+0000) or bytes that are not UTF-8, which no text of the desk may"))
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

// unreadableText reports whether a request's path, query or form (parsed above for a post)
// holds a NUL character or bytes that are not UTF-8: no text of the desk may, and PostgreSQL
// refuses both in text, so the page failed with a server error.
func unreadableText(r *http.Request) bool {
	if !text.Storable(r.URL.Path) {
		return true
	}
	forms := []url.Values{r.URL.Query(), r.PostForm}
	if r.MultipartForm != nil {
		forms = append(forms, r.MultipartForm.Value)
	}
	for _, form := range forms {
		for _, vs := range form {
			if slices.ContainsFunc(vs, func(v string) bool { return !text.Storable(v) }) {
				return true
			}
		}
	}
	return false
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
