package web

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/realip"
	"github.com/keptdesk/kept/internal/service"
)

// The customer portal: sign-in by a mailed one-time link, the customer's cases across every
// team, and what they may do on a case (reply, give a reference or a document, ask for
// escalation, confirm or reject a resolution, rate). Every page has the portal's header.

// portalView is a page with the portal's header.
func portalView(title string, data any) view { return view{Title: title, Data: data, Portal: true} }

// ---- Sign-in ----

type portalLoginData struct {
	Email string
	Error string
	Sent  bool // the "if this address is known, a link is on its way" answer
	Demo  bool
	// Refused says why a sign-in link did not work: "used", "expired" or "unknown".
	Refused string
	Token   string // a link that still works, for its Continue button
}

func (s *Server) portalLoginForm(w http.ResponseWriter, r *request) error {
	if r.sess.Actor.Kind == desk.ActorCustomer {
		http.Redirect(w, r.Request, "/portal", http.StatusSeeOther)
		return nil
	}
	return s.render(w, r, http.StatusOK, "portal_login", portalView(r.T("portal.login.title"), portalLoginData{Demo: s.linkInLog()}))
}

// portalRequestLink mails a sign-in link if a customer has the address. The answer is the
// same whether or not one does, so the form cannot be used to learn who is a customer.
func (s *Server) portalRequestLink(w http.ResponseWriter, r *request) error {
	email := strings.ToLower(strings.TrimSpace(r.FormValue("email")))
	data := portalLoginData{Email: email, Demo: s.linkInLog()}
	title := r.T("portal.login.title")
	// Every request counts, known address or not (the answer must not tell which): per
	// address from this client, so a stranger cannot stop a customer asking for a link, and
	// per client, so nobody floods mailboxes or tries addresses by the thousand.
	address, from := throttleKeys("portal", r, email)
	if wait := s.throttle.take(s.svc.Now(), limit{address, portalAddress}, limit{from, portalClient}); wait > 0 {
		s.log.Warn("portal link refused: too many requests from this client", "email", email, "remote", clientIP(r.Request), "retry_after", wait)
		retryAfter(w, wait)
		data.Error = r.T("portal.login.too_many", r.wait(wait))
		return s.render(w, r, http.StatusTooManyRequests, "portal_login", portalView(title, data))
	}
	err := s.svc.RequestPortalLink(r.Context(), service.PortalLinkRequest{Email: email, Lang: r.lang, BaseURL: s.baseURL(r)})
	if e, ok := desk.AsError(err); ok && e.Kind == desk.KindInvalid {
		s.throttle.refund(address, from) // nothing can be sent to it
		data.Error = r.T("portal.login.bad_email")
		return s.render(w, r, http.StatusUnprocessableEntity, "portal_login", portalView(title, data))
	} else if err != nil {
		return err
	}
	s.log.Info("portal link asked for", "email", email, "remote", clientIP(r.Request))
	if s.opts.BaseURL == "" {
		// Whoever sends the request chooses its Host header, and so where the mailed link
		// points: only a configured address is safe on an open network.
		s.log.Warn("portal link points at the request's Host header; set --base-url (KEPT_BASE_URL) so a forged Host cannot redirect sign-in links",
			"host", r.Host)
	}
	data.Sent = true
	return s.render(w, r, http.StatusOK, "portal_login", portalView(title, data))
}

// portalLinkDone logs what became of a request for a sign-in link, once the queued work has
// run (see service.RequestPortalLink): the asker was told the same whatever it was.
func (s *Server) portalLinkDone(res service.PortalLinkResult) {
	s.logLinkDone(res, linkLog{
		unknown: "portal link asked for an address no customer has",
		mailed:  "portal link mailed",
		demo:    "portal link cannot be mailed: no relay is configured (KEPT_SMTP_RELAY); demo mode prints it instead",
		noRelay: "portal link cannot be mailed: no relay is configured (KEPT_SMTP_RELAY); the customer cannot sign in",
	}, "customer", res.CustomerID)
}

// linkLog is what the log says of each end of a request for a one-time link.
type linkLog struct{ unknown, mailed, demo, noRelay string }

// logLinkDone logs what became of a request for a one-time link (a portal sign-in, a password
// reset): the address was nobody's, the link was mailed, or, with no relay, printed on a demo
// desk or lost. who names the person the link was for.
func (s *Server) logLinkDone(res service.PortalLinkResult, say linkLog, who ...any) {
	switch {
	case !res.Known:
		s.log.Info(say.unknown, "email", res.Email)
	case res.Queued:
		s.log.Info(say.mailed, who...)
	case s.opts.Demo:
		s.log.Warn(say.demo, append(who, "link", res.Link)...)
	default:
		s.log.Warn(say.noRelay, who...)
	}
}

// linkInLog says the page may tell the customer that sign-in links are printed in the log, not
// mailed: only on a demo desk that has no relay, which is the only desk that does so.
func (s *Server) linkInLog() bool { return s.opts.Demo && !s.svc.MailsOut() }

// portalLinkMail writes the sign-in mail in the customer's language.
func (s *Server) portalLinkMail(lang, link string, _ time.Time) (string, string) {
	minutes := int(service.PortalLinkLength / time.Minute)
	return s.cat.t(lang, "portal.mail.subject"), s.cat.t(lang, "portal.mail.text", link, minutes)
}

// baseURL is where the desk is reached from outside, for links in mail. Without a configured
// one it is the address the request came to.
func (s *Server) baseURL(r *request) string {
	if s.opts.BaseURL != "" {
		return strings.TrimRight(s.opts.BaseURL, "/")
	}
	scheme := "http"
	if realip.HTTPS(r.Request) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// portalSigninForm shows the link's one Continue button: opening a link never uses it, so a
// mail scanner that fetches links does not spend the customer's sign-in.
func (s *Server) portalSigninForm(w http.ResponseWriter, r *request) error {
	token := r.URL.Query().Get("token")
	if err := s.svc.CheckPortalLink(r.Context(), token); err != nil {
		return s.portalLinkRefused(w, r, err)
	}
	return s.render(w, r, http.StatusOK, "portal_login", portalView(r.T("portal.signin.title"), portalLoginData{Token: token}))
}

func (s *Server) portalSignin(w http.ResponseWriter, r *request) error {
	sess, err := s.svc.UsePortalLink(r.Context(), r.FormValue("token"))
	if err != nil {
		return s.portalLinkRefused(w, r, err)
	}
	s.startBrowserSession(w, r, sess, service.CustomerSessionLength)
	s.log.Info("customer signed in by portal link", "customer", sess.Actor.ID)
	http.Redirect(w, r.Request, "/portal", http.StatusSeeOther)
	return nil
}

// portalLinkRefused says why a link does not work and offers a new one.
func (s *Server) portalLinkRefused(w http.ResponseWriter, r *request, err error) error {
	e, ok := desk.AsError(err)
	if !ok {
		return err
	}
	data := portalLoginData{Demo: s.linkInLog()}
	var status int
	data.Refused, status = linkRefusal(e.Code, map[string]string{"portal_link_used": "used", "portal_link_expired": "expired"})
	return s.render(w, r, status, "portal_login", portalView(r.T("portal.refused.title"), data))
}

// ---- The customer's cases ----

type portalHomeData struct {
	Cases []service.PortalCaseSummary
}

func (s *Server) portalHome(w http.ResponseWriter, r *request) error {
	cases, err := s.svc.PortalCases(r.Context(), r.sess.Actor, 200)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "portal_home", portalView(r.T("portal.home.title"), portalHomeData{Cases: cases}))
}

// ---- One case ----

// portalPerson is someone looking after the customer.
type portalPerson struct {
	Name, Role, Team string
	Owner            bool
}

// portalPromise is an open promise with the names of who made it and, when someone else
// keeps it, who keeps it.
type portalPromise struct {
	desk.Promise
	Maker, Keeper string
}

type portalEntry struct {
	Kind  string // translated
	Who   string
	Mine  bool
	At    time.Time
	Body  string
	DocID int64       // a document_added entry's document
	Files []desk.File // a reply's attachments
}

type portalCaseData struct {
	service.PortalCaseView
	Request  string // the original request, as the customer reads it
	People   []portalPerson
	Promises []portalPromise
	Entries  []portalEntry
	// Form names the form an error belongs to; Error is its text.
	Form, Error string
	// Done names what was just done, for a short notice.
	Done      string
	MaxUpload int64
	// Values a form sent back when it was refused, so nothing typed is lost.
	Sent map[string]string
	// Question is the desk's open question whether a colleague below the case's rung may take
	// it (nil: none waits for the customer).
	Question *service.HandoverQuestion
}

func portalCaseID(r *request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, desk.NotFound("case", r.PathValue("id"))
	}
	return id, nil
}

func (s *Server) portalCase(w http.ResponseWriter, r *request) error {
	id, err := portalCaseID(r)
	if err != nil {
		return err
	}
	data := portalCaseData{Done: r.URL.Query().Get("done")}
	if r.URL.Query().Get("error") == "too_large" {
		data.Form, data.Error = "document", r.T("portal.error.too_large", desk.MaxDocumentSize>>20)
	}
	return s.showPortalCase(w, r, id, http.StatusOK, data)
}

func (s *Server) showPortalCase(w http.ResponseWriter, r *request, id int64, status int, data portalCaseData) error {
	v, err := s.svc.PortalCase(r.Context(), r.sess.Actor, id)
	if err != nil {
		return err
	}
	data.PortalCaseView = v
	data.Request = portalText(r, v.Case.OriginalRequest)
	data.MaxUpload = desk.MaxDocumentSize
	if v.Case.Rung > 0 {
		q, err := s.svc.HandoverQuestionOf(r.Context(), r.sess.Actor, id)
		if err != nil {
			return err
		}
		if q != nil && q.Open {
			data.Question = q
		}
	}
	names := map[int64]string{}
	if o := v.Case.Owner; o != nil { // nobody yet while the case waits in its team's queue
		names[o.ID] = o.Name
		data.People = append(data.People, portalPerson{Name: o.Name, Role: s.portalRole(r, o.Role), Team: o.Team, Owner: true})
	}
	for _, p := range v.Case.Participants {
		if p.Kind != desk.ActorAgent {
			continue
		}
		names[p.PersonID] = p.Name
		if p.PersonID == v.Case.OwnerID {
			continue
		}
		data.People = append(data.People, portalPerson{Name: p.Name, Role: s.portalRole(r, p.Role)})
	}
	if v.Case.Partner != nil {
		data.People = append(data.People, portalPerson{Name: v.Case.Partner.Name, Role: r.T("portal.role.partner")})
	}
	for _, p := range v.Case.Promises {
		if p.State == desk.PromiseOpen {
			pp := portalPromise{Promise: p, Maker: names[p.MakerID]}
			if pp.Maker == "" { // made by the desk for its owner (an import): the owner's word
				pp.Maker = names[p.OwnerID]
			}
			if p.OwnerID != p.MakerID {
				pp.Keeper = names[p.OwnerID]
			}
			data.Promises = append(data.Promises, pp)
		}
	}
	me := r.sess.Actor
	for i := len(v.Record) - 1; i >= 0; i-- { // newest first: what happened last is on top
		e := v.Record[i]
		if e.Internal { // the service leaves these out for a customer; never show one anyway
			continue
		}
		pe := portalEntry{Kind: s.portalT(r, "portal.kind."+string(e.Kind), "portal.kind.other"), At: e.At, Body: e.Body}
		switch e.Actor.Kind {
		case desk.ActorCustomer:
			pe.Mine = e.Actor.ID == me.ID
			pe.Who = e.Actor.Name
			if pe.Mine {
				pe.Who = r.T("portal.you")
			}
		case desk.ActorSystem, desk.ActorAutomation:
			pe.Who = r.T("portal.desk")
		default:
			pe.Who = e.Actor.Name
		}
		pe.Body = customerLine(r, e)
		switch e.Kind {
		case desk.KindDocumentAdded:
			d, _ := desk.DataOf[desk.DocumentAddedData](e)
			pe.DocID = d.DocumentID
		case desk.KindMessageOut:
			d, _ := desk.DataOf[desk.MessageOutData](e)
			for _, f := range d.Files {
				if f.DocumentID != 0 {
					pe.Files = append(pe.Files, f)
				}
			}
		}
		data.Entries = append(data.Entries, pe)
	}
	return s.render(w, r, status, "portal_case", portalView(v.Case.Subject, data))
}

// portalText is a customer's message as they read it: the record's "(no text)" for a mail
// without text is the desk's English, said here in the reader's language.
// recordLines translates a record's lines for their reader: a page's request, or a PDF's words.
type recordLines interface {
	T(key string, args ...any) string
	When(t time.Time) string
	tOr(key, otherwise string) string // key's text, or otherwise where no catalogue has key
}

// customerLine is what an entry says to the customer, in their language: the desk's own lines,
// which the record keeps in English (a status change, copies, a merge, a kept promise, a
// message with no text, a reference's or a document's kind), are said in the reader's words;
// the rest as written. The portal and the customer's PDF of the record both read it.
func customerLine(l recordLines, e desk.Entry) string {
	switch e.Kind {
	case desk.KindStatusChanged:
		if d, _ := desk.DataOf[desk.StatusChangedData](e); d.To != "" {
			return l.T("portal.status_now", l.tOr("portal.status."+string(d.To), l.T("portal.status.open")))
		}
	case desk.KindReferenceAdded:
		if d, ok := desk.DataOf[desk.ReferenceAddedData](e); ok && d.Kind != "" {
			return l.tOr("portal.refkind."+d.Kind, d.Kind) + ": " + d.Value // a case type's own kind as it is named
		}
	case desk.KindDocumentAdded:
		if d, ok := desk.DataOf[desk.DocumentAddedData](e); ok && d.Kind != "" {
			return l.tOr("portal.dockind."+d.Kind, d.Kind) + ": " + d.Filename
		}
	case desk.KindMessageIn:
		return portalText(l, e.Body)
	case desk.KindCopiesChanged, desk.KindMerged:
		return caseWorkText(l, e)
	case desk.KindPromiseKept:
		if words, ok := strings.CutPrefix(e.Body, "Kept: "); ok {
			return l.T("portal.kept_words", words)
		}
	}
	return e.Body
}

func portalText(r recordLines, body string) string {
	if body == desk.NoText {
		return r.T("portal.no_text")
	}
	if names, ok := strings.CutPrefix(body, desk.NoTextAttached); ok {
		return r.T("portal.no_text_attached", strings.TrimSuffix(names, ")"))
	}
	return body
}

// portalT translates key, or fallback when no catalog has key (a kind the portal does not name).
func (s *Server) portalT(r *request, key, fallback string, args ...any) string {
	if _, ok := s.cat["en"][key]; ok {
		return r.T(key, args...)
	}
	return r.T(fallback, args...)
}

func (s *Server) portalRole(r *request, role string) string {
	return s.portalT(r, "portal.role."+role, "portal.role.agent")
}

func (s *Server) portalStatus(r *request, st desk.Status) string {
	return s.portalT(r, "portal.status."+string(st), "portal.status.open")
}

// PortalStatus is a case status in the reader's language, for the portal's templates.
func (r *request) PortalStatus(st desk.Status) string { return r.s.portalStatus(r, st) }

// PortalPromiseKind is a promise's kind in the reader's language.
func (r *request) PortalPromiseKind(k desk.PromiseKind) string {
	return r.s.portalT(r, "portal.promise."+string(k), "portal.promise.update")
}

// portalOption is one choice of a select: the value sent and the label shown.
type portalOption struct{ Value, Label string }

// Reference and document kinds the portal offers; a case type may ask for others.
var (
	portalRefKinds = []string{"order", "invoice", "tracking", "account", "serial", "contract"}
	portalDocKinds = []string{"receipt", "invoice", "photo", "warranty", "contract", "document"}
)

// PortalDone is the notice after an action ("reply", "confirmed", …).
func (r *request) PortalDone(done string) string {
	return r.s.portalT(r, "portal.done."+done, "portal.done.other")
}

// PortalScores are the marks a case can be rated with.
func (r *request) PortalScores() []int { return []int{5, 4, 3, 2, 1} }

// PortalRefKind names a reference kind in the reader's language; a kind of the desk's own
// (from a case type) is shown as the desk wrote it.
func (r *request) PortalRefKind(kind string) string { return r.tOr("portal.refkind."+kind, kind) }

// PortalRefKinds are the kinds offered for a new reference: the ones the case still needs first.
func (r *request) PortalRefKinds(missing []string) []portalOption {
	var out []portalOption
	seen := map[string]bool{}
	for _, k := range append(append([]string{}, missing...), portalRefKinds...) {
		if !seen[k] {
			seen[k] = true
			out = append(out, portalOption{Value: k, Label: r.PortalRefKind(k)})
		}
	}
	return out
}

// PortalDocKind names a document kind in the reader's language (others as given).
func (r *request) PortalDocKind(kind string) string { return r.tOr("portal.dockind."+kind, kind) }

// PortalDocKinds are the kinds offered for an upload.
func (r *request) PortalDocKinds() []portalOption {
	out := make([]portalOption, 0, len(portalDocKinds))
	for _, k := range portalDocKinds {
		out = append(out, portalOption{Value: k, Label: r.PortalDocKind(k)})
	}
	return out
}

// portalDone sends the customer back to the case after an action (POST → 303 → GET).
func portalDone(w http.ResponseWriter, r *request, id int64, done, anchor string) error {
	http.Redirect(w, r.Request, fmt.Sprintf("/portal/cases/%d?done=%s#%s", id, done, anchor), http.StatusSeeOther)
	return nil
}

// portalForm serves a form on the customer's case that runs one command: do runs it and says
// what was done. Its refusal shows the case again with the reason beside the form (name) and
// the fields named in kept as typed; else the customer goes back to the case, at anchor.
func (s *Server) portalForm(name, anchor string, kept []string, do func(r *request, id int64) (done string, err error)) pageFunc {
	return func(w http.ResponseWriter, r *request) error {
		id, err := portalCaseID(r)
		if err != nil {
			return err
		}
		done, err := do(r, id)
		if err != nil {
			sent := make(map[string]string, len(kept))
			for _, k := range kept {
				sent[k] = r.FormValue(k)
			}
			return s.portalRefused(w, r, id, name, err, sent)
		}
		return portalDone(w, r, id, done, anchor)
	}
}

// portalRefused shows the case again with a refused form's reason beside it; what was typed is
// kept. Errors that are not the rules' refusals (a broken database) go to the error page.
func (s *Server) portalRefused(w http.ResponseWriter, r *request, id int64, form string, err error, sent map[string]string) error {
	e, status, ok := formRefusal(err)
	if !ok {
		return err
	}
	text := s.portalT(r, "portal.error."+e.Code, "portal.error.invalid")
	if e.Kind == desk.KindInvalid && e.Code == "invalid" {
		field, _, _ := strings.Cut(e.Field, "[")
		text = s.portalT(r, "portal.error.field."+form+"."+field, "portal.error.invalid")
	}
	return s.showPortalCase(w, r, id, status, portalCaseData{Form: form, Error: text, Sent: sent})
}

func (s *Server) portalReply(r *request, id int64) (string, error) {
	_, err := s.svc.AddMessage(r.Context(), r.sess.Actor, id, desk.NewMessage{Body: r.FormValue("body"), Channel: "web"})
	return "reply", err
}

func (s *Server) portalReference(r *request, id int64) (string, error) {
	_, err := s.svc.AddCaseReference(r.Context(), r.sess.Actor, id, desk.Reference{Kind: r.FormValue("kind"), Value: r.FormValue("value")})
	return "reference", err
}

// portalMaxUpload bounds an upload's whole request: the largest document and the form around it.
const portalMaxUpload = desk.MaxDocumentSize + 1<<20

// portalUploadLimit refuses an upload that says it is too large before its body is read (the
// page says why), and bounds one that does not say.
func portalUploadLimit(next http.Handler) http.Handler {
	need := desk.ActorKind("")
	if p, ok := next.(page); ok {
		need = p.need // the matrix test reads what session the page needs
	}
	return page{need: need, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > portalMaxUpload {
			securityHeaders(w.Header())
			http.Redirect(w, r, "/portal/cases/"+r.PathValue("id")+"?error=too_large#documents", http.StatusSeeOther)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, portalMaxUpload)
		next.ServeHTTP(w, r)
	})}
}

func (s *Server) portalUpload(w http.ResponseWriter, r *request) error {
	id, err := portalCaseID(r)
	if err != nil {
		return err
	}
	kind := strings.TrimSpace(r.FormValue("kind"))
	if kind == "" {
		kind = "document"
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return s.portalRefused(w, r, id, "document", desk.Invalid("file", "choose a file"), map[string]string{"kind": kind})
	}
	defer f.Close()
	content, err := io.ReadAll(io.LimitReader(f, desk.MaxDocumentSize+1))
	if err != nil {
		return fmt.Errorf("read upload: %w", err)
	}
	ctype := hdr.Header.Get("Content-Type")
	if _, err := s.svc.AddDocument(r.Context(), r.sess.Actor, service.DocumentIn{CustomerID: r.sess.Actor.ID, CaseID: id, Kind: kind, Filename: hdr.Filename, ContentType: ctype, Content: content}); err != nil {
		if e, ok := desk.AsError(err); ok && e.Kind == desk.KindInvalid && e.Field == "case_id" {
			return desk.NotFound("case", id) // not their case
		}
		return s.portalRefused(w, r, id, "document", err, map[string]string{"kind": kind})
	}
	return portalDone(w, r, id, "document", "documents")
}

func (s *Server) portalEscalate(r *request, id int64) (string, error) {
	_, err := s.svc.Escalate(r.Context(), r.sess.Actor, id, r.FormValue("reason"))
	return "escalate", err
}

func (s *Server) portalConfirm(w http.ResponseWriter, r *request) error {
	id, err := portalCaseID(r)
	if err != nil {
		return err
	}
	answer := r.FormValue("answer")
	if answer != "yes" && answer != "no" {
		return s.portalRefused(w, r, id, "confirm", desk.Invalid("answer", "confirm or reject"), nil)
	}
	words := r.FormValue("words")
	if _, err := s.svc.Confirm(r.Context(), r.sess.Actor, id, desk.Confirmation{Confirmed: answer == "yes", Words: words, Via: desk.AnsweredInPortal}); err != nil {
		return s.portalRefused(w, r, id, "confirm", err, map[string]string{"words": words})
	}
	done := "confirmed"
	if answer == "no" {
		done = "rejected"
	}
	return portalDone(w, r, id, done, "resolution")
}

func (s *Server) portalRate(r *request, id int64) (string, error) {
	score, err := strconv.Atoi(r.FormValue("score"))
	if err != nil {
		score = 0 // refused by the command as out of range
	}
	_, err = s.svc.Rate(r.Context(), r.sess.Actor, id, score, r.FormValue("comment"))
	return "rating", err
}

// portalDocument sends one of the customer's own documents, as a download that never renders
// in the browser.
func (s *Server) portalDocument(w http.ResponseWriter, r *request) error {
	id, err := strconv.ParseInt(r.PathValue("doc"), 10, 64)
	if err != nil || id <= 0 {
		return desk.NotFound("document", r.PathValue("doc"))
	}
	d, content, err := s.svc.DocumentContent(r.Context(), r.sess.Actor, id)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Content-Type", desk.DownloadContentType(d.ContentType))
	name := d.Filename
	if name == "" {
		name = "document"
	}
	// RFC 6266: a plain filename when it is ASCII, filename* (RFC 2231/8187) when it is not.
	disp := mime.FormatMediaType("attachment", map[string]string{"filename": name})
	if disp == "" {
		disp = "attachment"
	}
	h.Set("Content-Disposition", disp)
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	http.ServeContent(w, r.Request, "", time.Time{}, bytes.NewReader(content))
	return nil
}
