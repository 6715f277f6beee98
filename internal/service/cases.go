package service

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/text"
)

// Person is someone named on a case: the customer sees who and in what role.
type Person struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"`
	Team string `json:"team,omitempty"`
}

// CaseView is a case as the actor may see it.
type CaseView struct {
	ID              int64              `json:"id"`
	Ref             string             `json:"ref"`
	Subject         string             `json:"subject"`
	Status          desk.Status        `json:"status"`
	Type            string             `json:"type,omitempty"`
	Channel         string             `json:"channel"`
	CustomerID      int64              `json:"customer_id"`
	Owner           *Person            `json:"owner" openapi:"nullable"`    // null while the case waits in its team's queue
	OwnerID         int64              `json:"owner_id" openapi:"nullable"` // 0 in Go, null in JSON, while it waits (see MarshalJSON)
	Queued          bool               `json:"queued,omitempty"`
	Partner         *desk.Partner      `json:"partner,omitempty"`
	Team            string             `json:"team,omitempty"`
	Rung            int                `json:"rung"`
	OriginalRequest string             `json:"original_request"`
	Flags           []string           `json:"flags"`
	Priority        string             `json:"priority"`
	Tags            []string           `json:"tags"`
	Participants    []desk.Participant `json:"participants"`
	Step            *StepView          `json:"step"`
	Promises        []desk.Promise     `json:"promises"`
	CC              []string           `json:"cc"`
	BCC             []string           `json:"bcc,omitempty"` // staff only
	Waiting         *WaitingView       `json:"waiting,omitempty"`
	MergedInto      string             `json:"merged_into,omitempty"` // the ref of the case it was merged into
	CreatedAt       time.Time          `json:"created_at"`
	UpdatedAt       time.Time          `json:"updated_at"`
	// HeadSeq and HeadHash are the record's last entry and its hash: what the pages show, for
	// an exported record's head to be compared with (the API's record has every hash).
	HeadSeq  int64  `json:"-"`
	HeadHash string `json:"-"`
}

// MarshalJSON writes owner_id as null while the case waits in its team's queue: no agent 0
// owns it.
func (v CaseView) MarshalJSON() ([]byte, error) {
	type plain CaseView
	out := struct {
		plain
		OwnerID *int64 `json:"owner_id"`
	}{plain: plain(v)}
	if v.OwnerID != 0 {
		out.OwnerID = &v.OwnerID
	}
	return json.Marshal(out)
}

// caseAfter answers a command on a case that ended with err: the case as the command left it,
// read as the actor sees it, or err wrapped as what the command did.
func (s *Service) caseAfter(ctx context.Context, actor desk.Actor, caseID int64, what string, err error) (CaseView, error) {
	if err != nil {
		return CaseView{}, wrap(what, err)
	}
	return s.Case(ctx, actor, caseID)
}

// OpenCase opens a case for a customer: the customer's words become the original request and
// the record's first entry. With no owner named, the least busy active agent owns it.
func (s *Service) OpenCase(ctx context.Context, actor desk.Actor, in desk.NewCase) (CaseView, error) {
	if err := gate(actor, ActCaseOpen); err != nil {
		return CaseView{}, err
	}
	in, err := desk.ValidateNewCase(in)
	if err != nil {
		return CaseView{}, err
	}
	var id int64
	err = s.write(ctx, actor, func(w *work) error {
		cust, err := w.customer(in.CustomerID)
		if store.IsNotFound(err) {
			return desk.Invalid("customer_id", "no customer %d", in.CustomerID)
		} else if err != nil {
			return err
		}
		c, _, err := s.openCase(w, in, cust)
		if c != nil {
			id = c.ID
		}
		return err
	})
	return s.caseAfter(ctx, actor, id, "open case", err)
}

// openCase is OpenCase inside a command that has loaded the customer; it returns the case and
// its first entries. flags are set on the case from the start (a malformed mail's, say).
func (s *Service) openCase(w *work, in desk.NewCase, cust desk.Customer, flags ...string) (*desk.Case, []desk.Entry, error) {
	var ct desk.CaseType
	if in.Type != "" {
		var err error
		if ct, err = findCaseType(w, "type", in.Type); err != nil {
			return nil, nil, err
		}
		if err := missingReferences(ct, in.References, cust.References); err != nil {
			return nil, nil, err
		}
	}
	team := ct.TeamID
	if in.TeamID != 0 {
		team = in.TeamID
	}
	owner, err := chooseOwner(w, in.OwnerID, team)
	if err != nil {
		return nil, nil, err
	}
	in.TeamID = team // the queue the case waits in when it has no owner yet
	var recorder *desk.Agent
	if w.actor.Kind == desk.ActorAgent {
		r, err := w.agent(w.actor.ID)
		if err != nil {
			return nil, nil, err
		}
		recorder = &r
	}
	nc, drafts, parts := desk.OpenCase(in, cust, owner, recorder, w.now)
	nc.Type = ct.Name
	for _, f := range flags {
		nc.AddFlag(f)
	}
	if err := w.tx.InsertCase(w.ctx, &nc); err != nil {
		return nil, nil, err
	}
	c := w.keepCase(nc)
	w.lastMailOf(c.ID, "") // a new case has received no mail yet: its first replies answer none
	w.changed(Event{CaseID: c.ID, CaseOpened: true})
	// The subject and the references given with the case are searchable like the record.
	refs := text.RefKeys(in.Subject)
	for _, r := range in.References {
		refs = append(refs, r.Key)
		if err := w.tx.AddReference(w.ctx, cust.ID, r, w.now); err != nil {
			return c, nil, err
		}
	}
	if err := w.tx.Index(w.ctx, store.SearchDoc{CaseID: c.ID, CustomerID: c.CustomerID, Words: text.Words(in.Subject), Refs: refs}); err != nil {
		return c, nil, err
	}
	w.keepParticipants(c.ID, nil)
	for _, p := range parts {
		if _, err := w.participate(c, p); err != nil {
			return c, nil, err
		}
	}
	entries, err := s.appendRecord(w, c, drafts)
	if err != nil {
		return c, nil, err
	}
	if err := s.caseOpened(w, c, owner); err != nil {
		return c, nil, err
	}
	if c.OwnerID == 0 {
		if err := s.queueCase(w, c); err != nil {
			return c, nil, err
		}
	}
	if len(ct.Steps) > 0 {
		// The customer reads at once what happens to their case and what comes next.
		if err := s.enterStep(w, c, ct, 1); err != nil {
			return c, nil, err
		}
	}
	if c.Status == desk.StatusQuarantined {
		return c, entries, nil // it may be spam: an agent looks first (Release starts its clocks)
	}
	if err := s.startResolutionClock(w, *c); err != nil {
		return c, entries, err
	}
	if c.Unanswered == 0 {
		return c, entries, nil // nobody is waiting for an answer
	}
	return c, entries, s.startResponseClock(w, *c)
}

// chooseOwner is the owner a new case gets: the agent named, or else the least busy agent at
// work of the team it was routed to (see teamOwner), or nobody (the zero agent) when the team
// has nobody at work: the case waits in the team's queue. Without a team, or when the team
// has nobody who may own cases at all, the least busy agent present of the whole desk.
func chooseOwner(w *work, ownerID, teamID int64) (desk.Agent, error) {
	if ownerID != 0 {
		owner, err := w.agent(ownerID)
		if store.IsNotFound(err) || (err == nil && (!owner.Active || owner.Role == desk.RolePartner)) {
			return owner, desk.Invalid("owner_id", "no active agent %d to own the case", ownerID)
		}
		return owner, err
	}
	if teamID != 0 {
		owner, queue, err := teamOwner(w, teamID)
		if err != nil || owner.ID != 0 || queue {
			return owner, err
		}
	}
	loads, err := w.ownerLoads(0)
	if err != nil {
		return desk.Agent{}, err
	}
	owner, err := desk.ChooseOwner(loads)
	if err != nil {
		return owner, err
	}
	// The pool's agents are whole rows, read in this transaction: reading the owner again was
	// a statement a new case (a round trip on PostgreSQL).
	w.keepAgent(owner)
	return owner, nil
}

// Case returns a case as the actor may see it: the API's case, built as the case page's head
// is (see caseView).
func (s *Service) Case(ctx context.Context, actor desk.Actor, id int64) (CaseView, error) {
	v, err := readCase(s, ctx, actor, id, caseView)
	return v, wrap("load case", err)
}

// caseView is a case the actor may see with its owner, participants, promises, process step
// and partner: what the API answers for a case and what heads the case page.
func caseView(w *work, c *desk.Case) (CaseView, error) {
	ctx, tx := w.ctx, w.tx
	var owner *Person
	if c.OwnerID != 0 { // else it waits in its team's queue
		a, err := w.agent(c.OwnerID)
		if err != nil {
			return CaseView{}, err
		}
		owner = &Person{ID: a.ID, Name: a.Name, Role: string(a.Role), Team: a.Team}
	}
	parts, err := tx.Participants(ctx, c.ID)
	if err != nil {
		return CaseView{}, err
	}
	promises, err := tx.Promises(ctx, store.PromiseFilter{CaseID: c.ID})
	if err != nil {
		return CaseView{}, err
	}
	step, err := stepView(w, *c)
	if err != nil {
		return CaseView{}, err
	}
	team := ""
	if owner != nil {
		team = owner.Team
	} else if c.TeamID != 0 {
		settings, err := w.settingsOf(*c)
		if err != nil {
			return CaseView{}, err
		}
		team = settings.Name
	}
	var partner *desk.Partner
	if c.PartnerID != 0 {
		p, err := tx.Partner(ctx, c.PartnerID)
		if err != nil {
			return CaseView{}, err
		}
		partner = &p
	}
	v := CaseView{ID: c.ID, Ref: c.Ref(), Subject: c.Subject, Status: c.Status, Type: c.Type, Channel: c.Channel,
		CustomerID: c.CustomerID, Owner: owner, OwnerID: c.OwnerID, Queued: owner == nil, Team: team, Rung: c.Rung, OriginalRequest: c.OriginalRequest, Flags: c.Flags,
		Priority: c.Priority, Tags: c.Tags, Participants: parts, Promises: promises, Step: step, Partner: partner, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
		HeadSeq: c.LastSeq, HeadHash: c.LastHash,
		CC: slices.Clone(c.CC)}
	if v.CC == nil {
		v.CC = []string{}
	}
	if desk.IsStaff(w.actor) {
		v.BCC = slices.Clone(c.BCC)
	} else if w.actor.Role == desk.RolePartner {
		v.CC = []string{} // the customer's contacts are not a partner's to read
	}
	if c.MergedInto != 0 {
		v.MergedInto = desk.CaseRef(c.MergedInto)
	}
	if c.Waiting() {
		settings, err := w.settingsOf(*c)
		if err != nil {
			return CaseView{}, err
		}
		v.Waiting = &WaitingView{Since: c.WaitingSince, Waited: int64(settings.Calendar().Elapsed(c.WaitingSince, w.now) / time.Second)}
		if !c.WaitingUntil.IsZero() {
			until := c.WaitingUntil
			v.Waiting.Until = &until
		}
	}
	return v, nil
}

// WaitingView is a case waiting on its customer: since when, until when (a snooze), and the
// waiting clock: how long it has waited in its team's business time.
type WaitingView struct {
	Since  time.Time  `json:"since"`
	Until  *time.Time `json:"until,omitempty"`
	Waited int64      `json:"waited_s"` // seconds of business time
}

// CaseByRef finds the id of the case with this ref, if the actor may see it.
func (s *Service) CaseByRef(ctx context.Context, actor desk.Actor, ref string) (int64, error) {
	id, ok := desk.ParseCaseRef(ref)
	if !ok {
		return 0, desk.NotFound("case", ref)
	}
	err := s.read(ctx, actor, func(w *work) error {
		_, err := w.loadCase(id)
		return err
	})
	return id, wrap("find case", err)
}

// Record returns a case's record, oldest first, without what the actor may not see. A record
// is only ever appended to, so the case (for the access check) and its entries are read as
// statements of their own (see store.ReadLoose): entries written between the two are simply
// part of the record.
func (s *Service) Record(ctx context.Context, actor desk.Actor, caseID int64) ([]desk.Entry, error) {
	var out []desk.Entry
	err := s.readLooseAs(ctx, actor, func(w *work) error {
		c, err := w.loadCase(caseID)
		if err != nil {
			return err
		}
		out, err = visibleRecord(w, c)
		return err
	})
	return out, wrap("load record", err)
}

// visibleRecord is a case's record, oldest first, without what the actor may not see: the
// API's record and the case page's timeline.
func visibleRecord(w *work, c *desk.Case) ([]desk.Entry, error) {
	all, err := w.tx.Record(w.ctx, *c)
	out := all[:0]
	for _, e := range all {
		if desk.CanSeeEntry(w.actor, e) {
			out = append(out, e)
		}
	}
	return out, err
}

// CaseList narrows Cases.
type CaseList struct {
	OwnerID    int64
	CustomerID int64
	Statuses   []desk.Status
	BeforeID   int64
	Limit      int
}

// Cases lists the cases the actor may see, newest first.
func (s *Service) Cases(ctx context.Context, actor desk.Actor, f CaseList) ([]CaseSummary, error) {
	filter := store.CaseFilter{OwnerID: f.OwnerID, CustomerID: f.CustomerID, Statuses: f.Statuses, BeforeID: f.BeforeID, Limit: f.Limit}
	switch {
	case actor.Kind == desk.ActorCustomer:
		filter.CustomerID = actor.ID
	case actor.Role == desk.RolePartner && actor.PartnerID != 0:
		filter.PartnerID = actor.PartnerID
	case !desk.IsStaff(actor):
		return []CaseSummary{}, nil
	}
	out := []CaseSummary{}
	err := s.readLoose(ctx, func(tx *store.Tx) error { // one statement
		cases, err := tx.CaseList(ctx, filter)
		for _, c := range cases {
			if desk.CanSeeCase(actor, c.Case()) {
				out = append(out, summarize(c.Case()))
			}
		}
		return err
	})
	return out, wrap("list cases", err)
}

// Warning is something the agent should know about what they just did; it did not stop it.
type Warning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	ID      int64  `json:"id,omitempty"` // the object it is about, e.g. the document on file
}

// MessageResult is the message's entry and what the desk noticed about it.
type MessageResult struct {
	desk.Entry
	Warnings []Warning `json:"warnings"`
}

// AddMessage adds a message (or, from an agent, an internal note) to a case. An offer is
// refused while any complaint of the customer is open (409 complaint_open). A reply asking for a
// document the customer already gave comes back with a warning naming it.
func (s *Service) AddMessage(ctx context.Context, actor desk.Actor, caseID int64, in desk.NewMessage) (MessageResult, error) {
	if err := gate(actor, ActCaseReply); err != nil {
		return MessageResult{}, err
	}
	var first []desk.Entry // the message's entry, its id set once written
	var warnings []Warning
	err := s.write(ctx, actor, func(w *work) error {
		var err error
		first, warnings, err = s.addMessage(w, caseID, in)
		return err
	})
	if err != nil {
		return MessageResult{}, wrap("add message", err)
	}
	return MessageResult{Entry: first[0], Warnings: warnings}, nil
}

// addMessage is AddMessage inside a command, by the command's actor (a person, or an
// automation's note or canned reply).
func (s *Service) addMessage(w *work, caseID int64, in desk.NewMessage) ([]desk.Entry, []Warning, error) {
	warnings := []Warning{}
	c, err := w.loadCase(caseID)
	if err != nil {
		return nil, nil, err
	}
	if w.actor.Kind == desk.ActorCustomer {
		// A customer writing on a merged case (its portal page) writes on the case it went into.
		if c, err = mergedTarget(w, c); err != nil {
			return nil, nil, err
		}
	}
	if err := w.allow(ActCaseReply, Object{Case: c}); err != nil {
		return nil, nil, err
	}
	if in, err = prepareMessage(w, *c, in); err != nil {
		return nil, nil, err
	}
	drafts, err := desk.AddMessage(c, w.actor, in, w.now)
	if err != nil {
		return nil, nil, err
	}
	files, err := s.messageExtras(w, c, in)
	if err != nil {
		return nil, nil, err
	}
	if err := withFiles(drafts, files); err != nil {
		return nil, nil, err
	}
	if w.actor.Kind == desk.ActorAgent && !in.Internal {
		docs, err := documentsAskedAgain(w.ctx, w.tx, c.CustomerID, in.Body)
		if err != nil {
			return nil, nil, err
		}
		for _, d := range docs {
			warnings = append(warnings, Warning{Code: "document_on_file", ID: d.ID,
				Message: fmt.Sprintf("the customer already gave a %s (%s, %s): it is on their file", d.Kind, d.Filename, d.CreatedAt.Format("2 Jan 2006"))})
		}
	}
	first, err := s.appendContact(w, c, drafts)
	return first, warnings, err
}

// LogCall puts a phone call on a case's record.
func (s *Service) LogCall(ctx context.Context, actor desk.Actor, caseID int64, in desk.NewCall) (desk.Entry, error) {
	if err := gate(actor, ActCaseCall); err != nil {
		return desk.Entry{}, err
	}
	var first []desk.Entry
	err := s.write(ctx, actor, func(w *work) error {
		c, err := w.loadCase(caseID)
		if err != nil {
			return err
		}
		drafts, err := desk.LogCall(c, actor, in, w.now)
		if err != nil {
			return err
		}
		first, err = s.appendContact(w, c, drafts)
		return err
	})
	if err != nil {
		return desk.Entry{}, wrap("log call", err)
	}
	return first[0], nil
}

// appendContact appends what a rule decided on a case, with the actor's introduction when new,
// and applies the ladder's contact rules: a customer's message counts towards escalation and
// starts the response clock; a public answer stops it. It returns the decided entries (not the
// introduction), whose ids are set once written.
func (s *Service) appendContact(w *work, c *desk.Case, drafts []desk.Draft) ([]desk.Entry, error) {
	intro, err := s.participate(w, c)
	if err != nil {
		return nil, err
	}
	settings, err := w.settingsOf(*c)
	if err != nil {
		return nil, err
	}
	if err := s.customerAnswered(w, c, drafts); err != nil {
		return nil, err
	}
	escalate, answered := false, desk.Answered(c, w.actor, drafts)
	for _, d := range drafts {
		if d.Kind == desk.KindMessageIn {
			escalate = desk.CountContact(c, settings.RepeatContacts)
		}
	}
	entries, err := s.appendRecord(w, c, append(intro, drafts...))
	if err != nil {
		return nil, err
	}
	said := firstLine(drafts[0].Body)
	if err := notifyOwnerOfPartner(w, *c, fmt.Sprintf("%s: %s", drafts[0].Kind, said), "notif.detail.partner_wrote",
		desk.WordArg("case.kind."+string(drafts[0].Kind), string(drafts[0].Kind)), desk.TextArg(said)); err != nil {
		return nil, err
	}
	if err := notifyNewOwner(w, *c, drafts); err != nil {
		return nil, err
	}
	switch {
	case escalate && c.OwnerID == 0:
		// Waiting in its team's queue: nobody owns it to escalate from, and nobody of the team
		// is at work; it is given out at the team's opening.
	case escalate:
		reason := fmt.Sprintf("the customer wrote %d times without an answer", settings.RepeatContacts)
		if err := s.escalate(w, c, escalation{trigger: desk.TriggerRepeatContacts, reason: reason}); err != nil {
			return nil, err
		}
	case answered:
		if err := w.tx.CancelTimers(w.ctx, store.TimerRef{Kind: timerResponseDue, RefID: c.ID}); err != nil {
			return nil, err
		}
	case c.Unanswered == 1:
		if err := s.startResponseClock(w, *c); err != nil {
			return nil, err
		}
	}
	return entries[len(intro):], nil
}

// startResponseClock schedules the escalation of a customer's contact left unanswered past the
// case's response target (its type's, else its team's), counted in the team's business time.
func (s *Service) startResponseClock(w *work, c desk.Case) error {
	return startTargetClock(w, c, timerResponseDue, func(t desk.TeamSettings) time.Duration { return t.ResponseTarget })
}

// startResolutionClock schedules the escalation of a case not resolved within its team's
// resolution target (none when the team sets none), counted in the team's business time.
func (s *Service) startResolutionClock(w *work, c desk.Case) error {
	return startTargetClock(w, c, timerResolutionDue, func(t desk.TeamSettings) time.Duration { return t.ResolutionTarget })
}

// startTargetClock sets the timer kind on a case for when the target its settings give
// (target; none when unset) has passed in the team's business time.
func startTargetClock(w *work, c desk.Case, kind string, target func(desk.TeamSettings) time.Duration) error {
	settings, err := w.settingsOf(c)
	if err != nil || target(settings) <= 0 {
		return err
	}
	due := settings.Calendar().Add(w.now, target(settings))
	// Held to the commit with the command's other writes (a mail group's in one statement).
	err = w.tx.HoldTimer(w.ctx, store.Timer{Kind: kind, DueAt: due, CaseID: c.ID, RefID: c.ID,
		Key: fmt.Sprintf("%s:%d", kind, c.ID)}, w.now)
	w.changed(Event{CaseID: c.ID, Timers: true})
	return err
}

// firstLine is the start of a text, for a notification.
func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	if r := []rune(line); len(r) > 120 {
		line = string(r[:120]) + "…"
	}
	return line
}

// notifyNewOwner tells an owner who took a case over after it opened (by a hand-over or an
// escalation) that its customer wrote: the customer answers a thread the owner did not start
// and may not watch (issue 15, finding 11: such a reply notified nobody).
func notifyNewOwner(w *work, c desk.Case, drafts []desk.Draft) error {
	var in *desk.Draft
	for i := range drafts {
		if drafts[i].Kind == desk.KindMessageIn {
			in = &drafts[i]
		}
	}
	if in == nil || c.OwnerID == 0 {
		return nil
	}
	ps, err := w.tx.Participants(w.ctx, c.ID)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if p.Kind == desk.ActorAgent && p.PersonID == c.OwnerID {
			if !p.Since.After(c.CreatedAt) {
				return nil // the owner since the case opened: their inbox is where they watch it
			}
			body := fmt.Sprintf("%s: the customer wrote on a case handed to you: %s", c.Ref(), firstLine(in.Body))
			n := desk.Notification{AgentID: c.OwnerID, CaseID: c.ID, Kind: "customer_message", CreatedAt: w.now}
			return w.tx.Notify(w.ctx, n.Note(body, "notif.detail.customer_message", desk.TextArg(c.Ref()), desk.TextArg(firstLine(in.Body))))
		}
	}
	return nil
}
