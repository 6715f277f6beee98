package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// The embeddable request page (story 21): a company's own site frames it, and a visitor who is
// not signed in sends a request. Framed on another site, the browser withholds the desk's
// cookies, so the form carries a token the desk signed with its own key instead of the
// session's; the request waits until the mailed link confirms the address (service/embed.go).

// embedded serves the embeddable page: anyone may open it, and its posts carry the signed
// form token (checked by the handler, which answers in the page's language) instead of the
// session's.
func (s *Server) embedded(route string, fn pageFunc) http.Handler {
	return page{need: "", Handler: s.serveChecked(route, "", fn, func(*request) bool { return true })}
}

// ParseEmbedOrigins reads the sites that may frame the embeddable page, comma-separated: each
// a scheme and host (and port), nothing else, so none can widen the page's policy.
func ParseEmbedOrigins(list string) ([]string, error) {
	var out []string
	for _, o := range strings.Split(list, ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "" || u.RawQuery != "" ||
			u.Fragment != "" || u.User != nil || strings.ContainsAny(o, " ;'\"") {
			return nil, fmt.Errorf("embed origin %q: want a scheme and host, e.g. https://www.example.com", o)
		}
		out = append(out, u.Scheme+"://"+u.Host)
	}
	return out, nil
}

// embedCSP is the page's policy: the desk's own styles, no script at all, forms only to the
// desk, framed only by the sites the admin allows.
func (s *Server) embedCSP() string {
	ancestors := "'none'"
	if len(s.opts.EmbedOrigins) > 0 {
		ancestors = strings.Join(s.opts.EmbedOrigins, " ")
	}
	return "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors " + ancestors
}

type embedData struct {
	Form      service.RequestForm
	TypeID    int64
	Token     string // the signed form token
	Error     string
	Sent      values
	Done      string // the address the confirmation link was mailed to
	Demo      bool
	AskedLang string // the page's language when the site chose it (?lang=)
}

// embedLang takes the language the site chose for the page (?lang= or the form's), if the
// desk has it; otherwise the browser's stays.
func (s *Server) embedLang(r *request) string {
	l := r.FormValue("lang")
	if _, ok := s.cat[l]; ok && l != "" {
		r.lang = l
		return l
	}
	return ""
}

func (s *Server) embedForm(w http.ResponseWriter, r *request) error {
	d := embedData{AskedLang: s.embedLang(r)}
	d.TypeID, _ = strconv.ParseInt(r.URL.Query().Get("type"), 10, 64)
	return s.showEmbed(w, r, http.StatusOK, d)
}

func (s *Server) showEmbed(w http.ResponseWriter, r *request, status int, d embedData) error {
	var err error
	if d.Done == "" {
		if d.Form, err = s.svc.EmbedRequestForm(r.Context(), d.TypeID); err != nil {
			return err
		}
		if d.Token, err = s.svc.EmbedFormToken(r.Context()); err != nil {
			return err
		}
	}
	h := w.Header()
	h.Set("Content-Security-Policy", s.embedCSP())
	h.Del("X-Frame-Options") // frame-ancestors says who may frame it
	return s.execute(w, r, status, "embed", "embed", view{Title: r.T("embed.title"), Data: d})
}

func (s *Server) embedSubmit(w http.ResponseWriter, r *request) error {
	d := embedData{AskedLang: s.embedLang(r), Sent: postedValues(r)}
	d.TypeID, _ = strconv.ParseInt(r.PostFormValue("type"), 10, 64)
	if err := s.svc.CheckEmbedFormToken(r.Context(), r.PostFormValue("form")); err != nil {
		d.Error = r.T("embed.expired")
		return s.showEmbed(w, r, http.StatusBadRequest, d)
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	address, from := throttleKeys("embed", r, strings.ToLower(email))
	if wait := s.throttle.take(s.svc.Now(), limit{address, portalAddress}, limit{from, portalClient}); wait > 0 {
		s.log.Warn("embedded request refused: too many from this client", "remote", clientIP(r.Request), "retry_after", wait)
		retryAfter(w, wait)
		d.Error = r.T("embed.too_many", r.wait(wait))
		return s.showEmbed(w, r, http.StatusTooManyRequests, d)
	}
	in := service.EmbedSubmission{Name: r.PostFormValue("name"), Email: email, Lang: r.lang, BaseURL: s.baseURL(r),
		Request: service.NewRequest{TypeID: d.TypeID, Body: r.PostFormValue("body"), References: postedReferences(r)}}
	res, err := s.svc.SubmitEmbedRequest(r.Context(), in)
	if e, ok := desk.AsError(err); ok && (e.Kind == desk.KindInvalid || e.Kind == desk.KindNotFound) {
		switch {
		case e.Code == "missing_references":
			d.Error = r.T("portal.new.missing")
		case e.Field == "email":
			d.Error = r.T("portal.login.bad_email")
		case e.Field == "name":
			d.Error = r.T("embed.no_name")
		default:
			d.Error = r.T("portal.new.error")
		}
		return s.showEmbed(w, r, http.StatusUnprocessableEntity, d)
	} else if err != nil {
		return err
	}
	if res.Link != "" {
		if s.linkInLog() {
			s.log.Warn("a request's confirmation link cannot be mailed: no relay is configured (KEPT_SMTP_RELAY); demo mode prints it instead", "link", res.Link)
		} else {
			s.log.Warn("a request's confirmation link cannot be mailed: no relay is configured (KEPT_SMTP_RELAY); the request waits unconfirmed")
		}
	}
	d.Done, d.Demo = email, s.linkInLog()
	return s.showEmbed(w, r, http.StatusOK, d)
}

// postedReferences are the references a request form sent (fields ref_<kind>), blanks left out.
func postedReferences(r *request) []desk.Reference {
	var out []desk.Reference
	for key, vals := range r.PostForm {
		if kind, ok := strings.CutPrefix(key, "ref_"); ok && len(vals) > 0 && strings.TrimSpace(vals[0]) != "" {
			out = append(out, desk.Reference{Kind: kind, Value: strings.TrimSpace(vals[0])})
		}
	}
	return out
}

// embedMail writes the mail with the link that confirms a request, in the visitor's language.
func (s *Server) embedMail(lang, link string, _ time.Time) (string, string) {
	return s.cat.t(lang, "embed.mail.subject"), s.cat.t(lang, "embed.mail.text", link, int(service.EmbedLinkLength/time.Hour))
}

type embedConfirmData struct {
	Token   string
	Refused string // used, expired or unknown
}

// embedConfirmForm shows the link's one Continue button: opening the link opens nothing, so a
// mail scanner that fetches it does not open the case.
func (s *Server) embedConfirmForm(w http.ResponseWriter, r *request) error {
	token := r.URL.Query().Get("token")
	lang, err := s.svc.CheckEmbedLink(r.Context(), token)
	if err != nil {
		return s.embedRefused(w, r, lang, err)
	}
	s.readerLang(r, lang)
	return s.render(w, r, http.StatusOK, "embed_confirm", portalView(r.T("embed.confirm.title"), embedConfirmData{Token: token}))
}

func (s *Server) embedConfirm(w http.ResponseWriter, r *request) error {
	sess, id, lang, err := s.svc.ConfirmEmbedRequest(r.Context(), r.PostFormValue("token"))
	if err != nil {
		return s.embedRefused(w, r, lang, err)
	}
	s.startBrowserSession(w, r, sess, service.CustomerSessionLength)
	s.log.Info("request from the embeddable page confirmed", "customer", sess.Actor.ID, "case", id)
	http.Redirect(w, r.Request, fmt.Sprintf("/portal/cases/%d?done=opened", id), http.StatusSeeOther)
	return nil
}

// readerLang answers in the language the request was written in, when the desk has it.
func (s *Server) readerLang(r *request, lang string) {
	if _, ok := s.cat[lang]; ok && lang != "" && r.sess.Actor.Kind == "" {
		r.lang = lang
	}
}

// embedRefused says why a confirmation link does not work, in the request's language.
func (s *Server) embedRefused(w http.ResponseWriter, r *request, lang string, err error) error {
	e, ok := desk.AsError(err)
	if !ok || (e.Kind != desk.KindNotFound && e.Kind != desk.KindConflict) {
		return err
	}
	s.readerLang(r, lang)
	var d embedConfirmData
	var status int
	d.Refused, status = linkRefusal(e.Code, map[string]string{"embed_link_used": "used", "embed_link_expired": "expired"})
	return s.render(w, r, status, "embed_confirm", portalView(r.T("embed.refused.title"), d))
}
