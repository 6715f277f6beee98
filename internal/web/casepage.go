package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// The case page: the customer's original request pinned on top, the record as a timeline,
// the promises panel, the people and the process, and every action an agent takes on a case.
// Each action is a plain form posting to its own route and coming back here (303), or, when
// the desk refuses it, the page again with the reason beside the form and the text kept.

// casePage is what the case template reads.
type casePage struct {
	Case         service.CaseView
	Original     entryView
	Entries      []entryView
	Open         []service.PromiseView
	Done         []service.PromiseView
	Agents       []desk.Agent // colleagues who can own cases, for the owner and hand-over choices
	OwnerPick    []pickGroup  // Agents grouped by team for the pickers; HandPick without the owner
	HandPick     []pickGroup
	Canned       []cannedView
	CannedByDir  []cannedFolder // Canned by folder, for the composer's choice
	OfferBlocked string         // why offers cannot be sent now; "" when they can
	Customer     *service.CustomerView
	Cases        []customerCase
	Documents    []desk.Document
	Viewers      []string // colleagues who have the case open too
	Notice       string
	Warnings     []string
	HeldUp       []heldUpView // mails to customers not delivered yet, and why
	Estimate     string
	Forms        map[string]*formState
	Staff        bool
	May          service.CasePermissions // which of the settling buttons the service would allow
	Priorities   []string
	Kinds        []string
	Flags        []string // the case's flags, in the reader's words
	ShowHTML     int64    // the mail whose original HTML is shown (sandboxed), 0 for none
	Images       bool     // with its remote images, asked for by the agent
	StepTypical  string   // how long the current step usually takes
	// Question is the last question to the customer about a downward hand-over since the
	// case last climbed, with its answer (nil: none).
	Question *service.HandoverQuestion
	// Incidents the case is linked to and the open ones it may be linked to; its decisions
	// with the written policy and its limits per role beside them.
	Incidents, OpenIncidents []desk.Incident
	Decisions                service.DecisionsView
	Limits                   []limitView
	// The daily work: how long the case has waited on its customer (business time), the
	// case it was merged into, and the attachment limit the composer says.
	Waited               string
	MergedID             int64
	AttachMax, AttachMiB int64
}

// limitView is one role's limit of the decision policy, as the page writes it.
type limitView struct{ Role, Limit string }

// F is the state of one form of the page (values kept after a refusal, and the refusal).
func (p casePage) F(name string) *formState {
	if f, ok := p.Forms[name]; ok {
		return f
	}
	return &formState{}
}

// formState is a form sent back with what was entered and why it was refused.
type formState struct {
	Values values
	Field  string // the field the refusal is about; "" for the form as a whole
	Err    string
	Detail string
	Notice string // not a refusal: what to check before sending the form again
	// Preview is what the customer will read, shown for the agent to confirm before it is sent.
	Preview string
	Slots   []slotView
	// After a downward_reassignment: who may take the case instead, and the colleague the
	// customer could be asked about.
	Allowed []allowedView
	AskTo   int64
}

type values = map[string]string

// V is the value entered in a field.
func (f *formState) V(field string) string { return f.Values[field] }

// E is the refusal when it is about this field.
func (f *formState) E(field string) string {
	if f.Field == field {
		return f.Err
	}
	return ""
}

// General is the refusal when it is about no one field.
func (f *formState) General() string {
	if f.Field == "" {
		return f.Err
	}
	return ""
}

// slotView is a time the promise's owner (or a teammate) is free, offered as a button.
type slotView struct {
	Value string // "RFC 3339|agent id", posted back as the slot
	At    time.Time
	Agent string
}

type cannedView struct {
	desk.CannedReply
	Disabled bool
	Preview  string // as the customer would read it (variables filled); the body when it cannot be
}

// cannedFolder is one folder of canned replies in the composer ("": those in none, first).
type cannedFolder struct {
	Name    string
	Replies []cannedView
}

type customerCase struct {
	service.CaseSummary
	Team    string
	Owner   string
	Current bool
}

// entryView is one entry of the record as the timeline shows it.
type entryView struct {
	desk.Entry
	Label       string
	Who         string
	FromCust    bool
	Subject     string
	MailID      int64
	HTML        bool
	Attachments []string
	Files       []desk.File // an imported message's or note's attachments (kept import)
	Transcript  string
	Direction   string
	Duration    string
	Due         time.Time
	SlipFrom    time.Time
	SlipTo      time.Time
	Earlier     string // a slip's words before they were restated for the new time
	Reason      string
	Offer       bool
	Missing     bool
	Undelivered *desk.DeliveryFailedData // a mail of the case not delivered
	Recording   *desk.Document           // a call's recording the reader may hear
}

func (s *Server) casePage(w http.ResponseWriter, r *request) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	return s.showCase(w, r, id, http.StatusOK, map[string]*formState{})
}

// showCase renders the case page with the forms' states (after a refusal, with the refusal).
func (s *Server) showCase(w http.ResponseWriter, r *request, id int64, status int, forms map[string]*formState) error {
	page, err := s.readCasePage(r, id)
	if err != nil {
		return err
	}
	return s.renderCase(w, r, page, status, forms)
}

// readCasePage reads what the case page shows, in one read (service.CasePage); the estimate
// is asked for when the page comes back from making a promise.
func (s *Server) readCasePage(r *request, id int64) (service.CasePage, error) {
	q := service.CasePageQuery{CaseID: id}
	if r.URL.Query().Get("done") == "promise" {
		q.EstimateFor, _ = strconv.ParseInt(r.URL.Query().Get("p"), 10, 64)
	}
	return s.svc.CasePage(r.Context(), r.sess.Actor, q)
}

// renderCase renders a case page read by readCasePage.
func (s *Server) renderCase(w http.ResponseWriter, r *request, page service.CasePage, status int, forms map[string]*formState) error {
	me := r.sess.Actor
	c := page.Case
	p := casePage{Case: c, Forms: forms, Staff: desk.IsStaff(me), May: page.May, Priorities: desk.Priorities(),
		Kinds: []string{"callback", "update", "delivery", "fix", "appointment"}}
	q := r.URL.Query()
	p.ShowHTML, _ = strconv.ParseInt(q.Get("html"), 10, 64)
	p.AttachMax, p.AttachMiB = desk.MaxDocumentSize, desk.MaxDocumentSize>>20
	if c.Waiting != nil {
		p.Waited = s.waitedText(r, c.Waiting.Waited)
	}
	p.MergedID, _ = desk.ParseCaseRef(c.MergedInto)
	p.Images = p.ShowHTML != 0 && q.Get("images") == "1"
	for _, f := range c.Flags {
		if _, ok := s.cat["en"]["case.flag."+f]; ok {
			f = r.T("case.flag." + f)
		}
		p.Flags = append(p.Flags, f)
	}
	p.Open = []service.PromiseView{}
	for _, pv := range page.Promises {
		if pv.State == desk.PromiseOpen {
			p.Open = append(p.Open, pv)
		} else {
			p.Done = append(p.Done, pv)
		}
	}
	p.Agents, p.Customer, p.Documents, p.Question = page.Colleagues, page.Customer, page.Documents, page.Question
	p.OwnerPick, p.HandPick = r.agentGroups(page.Colleagues, 0), r.agentGroups(page.Colleagues, c.OwnerID)
	p.Incidents, p.OpenIncidents, p.Decisions = page.Incidents, page.OpenIncidents, page.Decisions
	for _, role := range []desk.Role{desk.RoleAgent, desk.RoleLead, desk.RoleManager, desk.RoleAdmin} {
		limit, ok := page.Decisions.Policy.Limits[role]
		if !ok {
			continue
		}
		text := limit.String()
		if limit == desk.Unlimited {
			text = r.T("case.decisions.unlimited")
		}
		p.Limits = append(p.Limits, limitView{Role: r.T("case.role." + string(role)), Limit: text})
	}
	if p.Customer != nil {
		for _, cs := range p.Customer.Cases {
			owner := page.Owners[cs.OwnerID]
			p.Cases = append(p.Cases, customerCase{CaseSummary: cs, Team: owner.Team, Owner: owner.Name, Current: cs.ID == c.ID})
		}
	}
	if len(page.OfferBlockedBy) > 0 {
		p.OfferBlocked = r.T("case.offer.blocked", strings.Join(page.OfferBlockedBy, ", "))
	}
	for _, cr := range page.Canned {
		cv := cannedView{CannedReply: cr, Disabled: cr.Offer && p.OfferBlocked != "", Preview: cannedPreview(page, cr)}
		p.Canned = append(p.Canned, cv)
		if n := len(p.CannedByDir); n == 0 || p.CannedByDir[n-1].Name != cr.Folder {
			p.CannedByDir = append(p.CannedByDir, cannedFolder{Name: cr.Folder})
		}
		last := &p.CannedByDir[len(p.CannedByDir)-1]
		last.Replies = append(last.Replies, cv)
	}
	for i, e := range page.Record {
		ev := s.entryView(r, e)
		if d, ok := page.Recordings[e.Seq]; ok && e.Kind == desk.KindCall {
			ev.Recording = &d
		}
		if i == 0 && e.Kind == desk.KindMessageIn {
			p.Original = ev // pinned on top; the timeline starts after it
			continue
		}
		p.Entries = append(p.Entries, ev)
	}
	slices.Reverse(p.Entries) // newest first: what happened last is what the agent needs
	p.HeldUp = heldUpViews(r, page)
	if p.Original.Seq == 0 {
		p.Original = entryView{Entry: desk.Entry{Body: c.OriginalRequest, At: c.CreatedAt}, Label: r.T("case.kind.message_in")}
	}
	if c.Step != nil && c.Step.Typical != nil {
		p.StepTypical = r.T("case.step.typical", s.duration(r, time.Duration(c.Step.Typical.MedianS)*time.Second),
			s.duration(r, time.Duration(c.Step.Typical.P90S)*time.Second))
	}
	s.noticeFor(r, &p)
	if e := page.Estimate; e != nil {
		p.Estimate = s.estimateText(r, e.Estimate, e.DueAt)
	}
	p.Viewers = s.caseViewers(c.ID, me)
	title := c.Ref + " · " + c.Subject
	w.Header().Set("Content-Security-Policy", casePageCSP)
	return s.render(w, r, status, "case", view{Title: title, Data: p})
}

// noticeFor turns the "done" of a redirect into what the agent reads at the top of the page.
func (s *Server) noticeFor(r *request, p *casePage) {
	q := r.URL.Query()
	done := q.Get("done")
	if done == "" {
		return
	}
	switch done {
	case "reply", "note", "call", "promise", "kept", "slipped", "handover", "escalated", "released", "resolved", "reopened", "step", "reference", "document", "asked", "resent",
		"linked", "decision_granted", "decision_refused", "decision_pending_approval", "opened", "opened_new", "labels", "recording",
		"waiting", "waiting_stopped", "merged":
		p.Notice = r.T("case.done." + done)
	}
	for _, d := range strings.Split(q.Get("doc"), ",") {
		id, err := strconv.ParseInt(d, 10, 64)
		if err != nil {
			continue
		}
		for _, doc := range p.Documents {
			if doc.ID == id {
				p.Warnings = append(p.Warnings, r.T("case.warn.document_on_file", doc.Kind, doc.Filename, r.Date(doc.CreatedAt)))
			}
		}
	}
}

// entryView prepares one entry for the timeline.
func (s *Server) entryView(r *request, e desk.Entry) entryView {
	v := entryView{Entry: e, Who: e.Actor.Name, FromCust: e.Actor.Kind == desk.ActorCustomer}
	key := "case.kind." + string(e.Kind)
	if _, ok := s.cat["en"][key]; ok {
		v.Label = r.T(key)
	} else {
		v.Label = r.T("case.kind.other")
	}
	if e.Actor.Kind == desk.ActorSystem {
		v.Who = r.T("case.by_desk")
	}
	// The desk wrote the data; data that does not read only hides the extras.
	switch e.Kind {
	case desk.KindMessageIn:
		d, _ := desk.DataOf[desk.MessageInData](e)
		v.Subject, v.MailID, v.HTML, v.Attachments = d.Subject, d.MailID, d.HTML, d.Attachments
		if !d.FromMail() {
			v.Files = d.Files // a stored mail lists its own attachments
		}
	case desk.KindMessageOut:
		d, _ := desk.DataOf[desk.MessageOutData](e)
		v.Offer, v.Files = d.Offer, d.Files
	case desk.KindNote:
		d, _ := desk.DataOf[desk.NoteData](e)
		v.Files = d.Files // an imported private comment's
	case desk.KindCopiesChanged, desk.KindMerged, desk.KindWaitingChanged:
		v.Body = caseWorkText(r, e)
	case desk.KindHandover:
		d, _ := desk.DataOf[desk.HandoverData](e)
		v.Missing = d.Missing
	case desk.KindDeliveryFailed:
		if d, ok := desk.DataOf[desk.DeliveryFailedData](e); ok {
			v.Undelivered = &d
		}
	case desk.KindCall:
		d, _ := desk.DataOf[desk.CallData](e)
		v.Transcript = d.Transcript
		v.Direction = r.T("case.call." + strings.TrimSuffix(d.Direction, "bound"))
		v.Duration = r.T("case.call.minutes", (d.DurationS+59)/60)
	case desk.KindPromiseMade:
		d, _ := desk.DataOf[desk.PromiseMadeData](e)
		v.Due = d.DueAt.Time()
	case desk.KindPromiseKept:
		d, _ := desk.DataOf[desk.PromiseKeptData](e)
		v.Due = d.DueAt.Time()
	case desk.KindPromiseBroken:
		d, _ := desk.DataOf[desk.PromiseBrokenData](e)
		v.Due = d.DueAt.Time()
	case desk.KindPromiseSlipped:
		d, _ := desk.DataOf[desk.PromiseSlippedData](e)
		v.SlipFrom, v.SlipTo, v.Reason, v.Earlier = d.From.Time(), d.To.Time(), d.Reason, d.EarlierWords
	case desk.KindEscalated:
		if d, _ := desk.DataOf[desk.EscalatedData](e); d.Trigger != "" {
			v.Reason = r.T("case.trigger." + d.Trigger)
		}
	}
	return v
}

// estimateText says how long such promises took, in the agent's language.
func (s *Server) estimateText(r *request, e *desk.Estimate, due time.Time) string {
	if e == nil {
		return r.T("case.estimate.none")
	}
	median, p90 := time.Duration(e.MedianS)*time.Second, time.Duration(e.P90S)*time.Second
	out := r.T("case.estimate.took", s.duration(r, median), s.duration(r, p90), e.Samples)
	if left := due.Sub(s.svc.Now()); left < p90 {
		out += " " + r.T("case.estimate.warn", s.duration(r, left))
	}
	return out
}

// duration says a length of time the way people do: "90 minutes", "5 hours", "2.5 days".
func (s *Server) duration(r *request, d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return r.T("case.dur.d", d.Hours()/24)
	case d >= 2*time.Hour:
		return r.T("case.dur.h", int(d.Hours()+0.5))
	case d < 90*time.Second:
		return r.T("case.dur.min.one") // "1 minute", never "1 minutes"
	default:
		return r.T("case.dur.min", int(d.Minutes()+0.5))
	}
}

// caseEstimate answers the estimate for a kind and due time as a line of text, for the
// promise form's script while the agent chooses.
func (s *Server) caseEstimate(w http.ResponseWriter, r *request) error {
	id, err := s.allowedCase(r, service.ActCaseRead)
	if err != nil {
		return err
	}
	due, err := r.ParseLocal("due", r.URL.Query().Get("due"))
	if err != nil {
		return err
	}
	est, err := s.svc.PromiseEstimate(r.Context(), r.sess.Actor, id, r.URL.Query().Get("kind"), due)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, err = fmt.Fprint(w, s.estimateText(r, est, due))
	return err
}

// pathInt reads a numeric path value; anything else is a page that does not exist.
// allowedCase is the path's case, once the permission table says the reader may act on it
// (act): for forms that answer who may before they read what was sent.
func (s *Server) allowedCase(r *request, act service.Action) (int64, error) {
	id, err := pathInt(r, "id")
	if err != nil {
		return 0, err
	}
	return id, s.svc.AllowOn(r.Context(), r.sess.Actor, act, id, 0)
}

func pathInt(r *request, name string) (int64, error) {
	v, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || v <= 0 {
		return 0, desk.NotFound(name, r.PathValue(name))
	}
	return v, nil
}

// caseViewers marks the agent as having the case open and names the colleagues who have it
// open too (live.go's presence; the page's script keeps it current through /events?case=).
func (s *Server) caseViewers(caseID int64, me desk.Actor) []string {
	if !desk.IsStaff(me) || me.Kind != desk.ActorAgent {
		return nil
	}
	return s.presence.open(caseID, me.ID, me.Name)
}

// cannedPreview is a canned reply as the customer of the case would read it; its own words
// when it cannot be filled in (it names a promise the case lacks: sending it says so).
func cannedPreview(page service.CasePage, cr desk.CannedReply) string {
	if text, ok := page.Previews[cr.ID]; ok {
		return text
	}
	return cr.Body
}

// heldUpView is a mail to a customer the mail server has put off, or that waits behind one it
// put off, as the case page says it: Anchor is its entry's id on the page ("" for a mail of no
// entry).
type heldUpView struct {
	Text, Reason, Anchor string
}

func heldUpViews(r *request, page service.CasePage) []heldUpView {
	seqs := map[int64]int64{}
	for _, e := range page.Record {
		seqs[e.ID] = e.Seq
	}
	var out []heldUpView
	for _, m := range page.HeldUp {
		v := heldUpView{Text: r.T("case.held_up.deferred", m.To, m.Attempts), Reason: m.LastError}
		if m.WaitingFor != 0 {
			v = heldUpView{Text: r.T("case.held_up.waiting", m.To)}
		}
		if seq, ok := seqs[m.EntryID]; ok && m.EntryID != 0 {
			v.Anchor = fmt.Sprintf("e%d", seq)
		}
		out = append(out, v)
	}
	return out
}
