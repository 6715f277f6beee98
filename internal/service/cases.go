package service

import (
	"context"
	"fmt"
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
	Owner           Person             `json:"owner"`
	OwnerID         int64              `json:"owner_id"`
	Partner         *desk.Partner      `json:"partner,omitempty"`
	Team            string             `json:"team,omitempty"`
	Rung            int                `json:"rung"`
	OriginalRequest string             `json:"original_request"`
	Flags           []string           `json:"flags"`
	Participants    []desk.Participant `json:"participants"`
	Step            *StepView          `json:"step"`
	Promises        []desk.Promise     `json:"promises"`
	CreatedAt       time.Time          `json:"created_at"`
	UpdatedAt       time.Time          `json:"updated_at"`
}

// OpenCase opens a case for a customer: the customer's words become the original request and
// the record's first entry. With no owner named, the least busy active agent owns it.
func (s *Service) OpenCase(ctx context.Context, actor desk.Actor, in desk.NewCase) (CaseView, error) {
	if err := requireStaff(actor); err != nil {
		return CaseView{}, err
	}
	in, err := desk.ValidateNewCase(in)
	if err != nil {
		return CaseView{}, err
	}
	var id int64
	err = s.write(ctx, func(tx *store.Tx, ev *[]Event) error {
		cust, err := tx.Customer(ctx, in.CustomerID)
		if store.IsNotFound(err) {
			return desk.Invalid("customer_id", "no customer %d", in.CustomerID)
		} else if err != nil {
			return err
		}
		c, _, err := s.openCase(ctx, tx, actor, in, cust, ev)
		id = c.ID
		return err
	})
	if err != nil {
		return CaseView{}, wrap("open case", err)
	}
	return s.Case(ctx, actor, id)
}

// openCase is OpenCase inside a transaction that has loaded the customer; it returns the case
// and its first entries. flags are set on the case from the start (a malformed mail's, say).
func (s *Service) openCase(ctx context.Context, tx *store.Tx, actor desk.Actor, in desk.NewCase, cust desk.Customer, ev *[]Event, flags ...string) (desk.Case, []desk.Entry, error) {
	now := s.now()
	var ct desk.CaseType
	if in.Type != "" {
		var err error
		if ct, err = findCaseType(ctx, tx, "type", in.Type); err != nil {
			return desk.Case{}, nil, err
		}
		if err := missingReferences(ct, in.References, cust.References); err != nil {
			return desk.Case{}, nil, err
		}
	}
	var owner desk.Agent
	var err error
	if in.OwnerID != 0 {
		owner, err = tx.Agent(ctx, in.OwnerID)
		if store.IsNotFound(err) || (err == nil && (!owner.Active || owner.Role == desk.RolePartner)) {
			return desk.Case{}, nil, desk.Invalid("owner_id", "no active agent %d to own the case", in.OwnerID)
		}
	} else {
		var loads []desk.AgentLoad
		if loads, err = ownerLoads(ctx, tx, ct.TeamID, now); err == nil && len(loads) == 0 && ct.TeamID != 0 {
			loads, err = ownerLoads(ctx, tx, 0, now) // nobody in the type's team: anyone present
		}
		if err == nil {
			owner, err = desk.ChooseOwner(loads)
		}
		if err == nil {
			owner, err = tx.Agent(ctx, owner.ID) // the loads carry only what choosing reads
		}
	}
	if err != nil {
		return desk.Case{}, nil, err
	}
	var recorder *desk.Agent
	if actor.Kind == desk.ActorAgent {
		r, err := tx.Agent(ctx, actor.ID)
		if err != nil {
			return desk.Case{}, nil, err
		}
		recorder = &r
	}
	c, drafts, parts := desk.OpenCase(in, cust, owner, recorder, now)
	c.Type = ct.Name
	for _, f := range flags {
		c.AddFlag(f)
	}
	if err := tx.InsertCase(ctx, &c); err != nil {
		return c, nil, err
	}
	tx.Memo()[lastMailKey(c.ID)] = "" // a new case has received no mail yet: its first replies answer none
	*ev = append(*ev, Event{CaseID: c.ID, CaseOpened: true})
	// The subject and the references given with the case are searchable like the record.
	refs := text.RefKeys(in.Subject)
	for _, r := range in.References {
		refs = append(refs, r.Key)
		if err := tx.AddReference(ctx, cust.ID, r, now); err != nil {
			return c, nil, err
		}
	}
	if err := tx.Index(ctx, store.SearchDoc{CaseID: c.ID, CustomerID: c.CustomerID, Words: text.Words(in.Subject), Refs: refs}); err != nil {
		return c, nil, err
	}
	if err := tx.AddParticipants(ctx, c.ID, parts); err != nil {
		return c, nil, err
	}
	entries, err := s.appendRecord(ctx, tx, &c, drafts, now, ev)
	if err != nil {
		return c, nil, err
	}
	if len(ct.Steps) > 0 {
		// The customer reads at once what happens to their case and what comes next.
		if err := s.enterStep(ctx, tx, &c, ct, 1, desk.SystemActor(), now, ev); err != nil {
			return c, nil, err
		}
	}
	if c.Unanswered == 0 || c.Status == desk.StatusQuarantined {
		return c, entries, nil // nobody is waiting for an answer (or it may be spam: an agent looks first)
	}
	return c, entries, s.startResponseClock(ctx, tx, c, now, ev)
}

// Case returns a case as the actor may see it.
func (s *Service) Case(ctx context.Context, actor desk.Actor, id int64) (CaseView, error) {
	var v CaseView
	err := s.store.Read(ctx, func(tx *store.Tx) error {
		c, err := loadCase(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		owner, err := tx.Agent(ctx, c.OwnerID)
		if err != nil {
			return err
		}
		parts, err := tx.Participants(ctx, c.ID)
		if err != nil {
			return err
		}
		promises, err := tx.Promises(ctx, store.PromiseFilter{CaseID: c.ID})
		if err != nil {
			return err
		}
		step, err := stepView(ctx, tx, c)
		if err != nil {
			return err
		}
		var partner *desk.Partner
		if c.PartnerID != 0 {
			p, err := tx.Partner(ctx, c.PartnerID)
			if err != nil {
				return err
			}
			partner = &p
		}
		v = CaseView{ID: c.ID, Ref: c.Ref(), Subject: c.Subject, Status: c.Status, Type: c.Type, Channel: c.Channel,
			CustomerID: c.CustomerID, Owner: Person{ID: owner.ID, Name: owner.Name, Role: string(owner.Role), Team: owner.Team},
			OwnerID: owner.ID, Team: owner.Team, Rung: c.Rung, OriginalRequest: c.OriginalRequest, Flags: c.Flags,
			Participants: parts, Promises: promises, Step: step, Partner: partner, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
		return nil
	})
	return v, wrap("load case", err)
}

// CaseByRef finds the id of the case with this ref, if the actor may see it.
func (s *Service) CaseByRef(ctx context.Context, actor desk.Actor, ref string) (int64, error) {
	id, ok := desk.ParseCaseRef(ref)
	if !ok {
		return 0, desk.NotFound("case", ref)
	}
	err := s.store.Read(ctx, func(tx *store.Tx) error {
		_, err := loadCase(ctx, tx, actor, id)
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
	err := s.store.ReadLoose(ctx, func(tx *store.Tx) error {
		c, err := loadCase(ctx, tx, actor, caseID)
		if err != nil {
			return err
		}
		all, err := tx.Record(ctx, c)
		out = all[:0]
		for _, e := range all {
			if desk.CanSeeEntry(actor, e) {
				out = append(out, e)
			}
		}
		return err
	})
	return out, wrap("load record", err)
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
	err := s.store.ReadLoose(ctx, func(tx *store.Tx) error { // one statement
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
	var first desk.Entry
	warnings := []Warning{}
	err := s.write(ctx, func(tx *store.Tx, ev *[]Event) error {
		c, err := loadCase(ctx, tx, actor, caseID)
		if err != nil {
			return err
		}
		if in, err = prepareMessage(ctx, tx, c, in); err != nil {
			return err
		}
		now := s.now()
		drafts, err := desk.AddMessage(&c, actor, in, now)
		if err != nil {
			return err
		}
		if actor.Kind == desk.ActorAgent && !in.Internal {
			docs, err := documentsAskedAgain(ctx, tx, c.CustomerID, in.Body)
			if err != nil {
				return err
			}
			for _, d := range docs {
				warnings = append(warnings, Warning{Code: "document_on_file", ID: d.ID,
					Message: fmt.Sprintf("the customer already gave a %s (%s, %s): it is on their file", d.Kind, d.Filename, d.CreatedAt.Format("2 Jan 2006"))})
			}
		}
		first, err = s.appendContact(ctx, tx, &c, actor, drafts, now, ev)
		return err
	})
	return MessageResult{Entry: first, Warnings: warnings}, wrap("add message", err)
}

// LogCall puts a phone call on a case's record.
func (s *Service) LogCall(ctx context.Context, actor desk.Actor, caseID int64, in desk.NewCall) (desk.Entry, error) {
	if err := requireWorker(actor); err != nil {
		return desk.Entry{}, err
	}
	return s.addToRecord(ctx, actor, caseID, func(c *desk.Case, now time.Time) ([]desk.Draft, error) {
		return desk.LogCall(c, actor, in, now)
	})
}

// addToRecord is the shape of every command on an existing case: lock it, let the rule decide,
// introduce the actor if new to the case, append, and apply the ladder's contact rules. It
// returns the first entry the rule decided.
func (s *Service) addToRecord(ctx context.Context, actor desk.Actor, caseID int64, rule func(c *desk.Case, now time.Time) ([]desk.Draft, error)) (desk.Entry, error) {
	var first desk.Entry
	err := s.write(ctx, func(tx *store.Tx, ev *[]Event) error {
		c, err := loadCase(ctx, tx, actor, caseID)
		if err != nil {
			return err
		}
		now := s.now()
		drafts, err := rule(&c, now)
		if err != nil {
			return err
		}
		first, err = s.appendContact(ctx, tx, &c, actor, drafts, now, ev)
		return err
	})
	return first, wrap("add to record", err)
}

// appendContact appends what a rule decided on a case, with the actor's introduction when new,
// and applies the ladder's contact rules: a customer's message counts towards escalation and
// starts the response clock; a public answer stops it. It returns the first decided entry.
func (s *Service) appendContact(ctx context.Context, tx *store.Tx, c *desk.Case, actor desk.Actor, drafts []desk.Draft, now time.Time, ev *[]Event) (desk.Entry, error) {
	intro, err := s.participate(ctx, tx, c, actor, now)
	if err != nil {
		return desk.Entry{}, err
	}
	settings, err := s.settingsOf(ctx, tx, *c)
	if err != nil {
		return desk.Entry{}, err
	}
	escalate, answered := false, false
	for _, d := range drafts {
		switch {
		case d.Kind == desk.KindMessageIn:
			escalate = desk.CountContact(c, settings.RepeatContacts)
		case (d.Kind == desk.KindMessageOut || d.Kind == desk.KindCall || d.Kind == desk.KindResolutionAsked) && actor.Kind == desk.ActorAgent:
			answered = true
		}
	}
	entries, err := s.appendRecord(ctx, tx, c, append(intro, drafts...), now, ev)
	if err != nil {
		return desk.Entry{}, err
	}
	if err := notifyOwnerOfPartner(ctx, tx, *c, actor, fmt.Sprintf("%s: %s", drafts[0].Kind, firstLine(drafts[0].Body)), now); err != nil {
		return desk.Entry{}, err
	}
	switch {
	case escalate:
		reason := fmt.Sprintf("the customer wrote %d times without an answer", settings.RepeatContacts)
		if err := s.escalate(ctx, tx, c, desk.TriggerRepeatContacts, reason, now, ev); err != nil {
			return desk.Entry{}, err
		}
	case answered:
		if _, err := tx.CancelTimers(ctx, timerResponseDue, c.ID); err != nil {
			return desk.Entry{}, err
		}
	case c.Unanswered == 1:
		if err := s.startResponseClock(ctx, tx, *c, now, ev); err != nil {
			return desk.Entry{}, err
		}
	}
	return entries[len(intro)], nil
}

// startResponseClock schedules the escalation of a customer's contact left unanswered past the
// case's response target (its type's, else its team's).
func (s *Service) startResponseClock(ctx context.Context, tx *store.Tx, c desk.Case, now time.Time, ev *[]Event) error {
	settings, err := s.settingsOf(ctx, tx, c)
	if err != nil {
		return err
	}
	_, err = tx.AddTimer(ctx, store.Timer{Kind: timerResponseDue, DueAt: now.Add(settings.ResponseTarget), CaseID: c.ID, RefID: c.ID,
		Key: fmt.Sprintf("response_due:%d", c.ID)}, now)
	*ev = append(*ev, Event{CaseID: c.ID, Timers: true})
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

type settingsKey struct {
	teamID   int64
	caseType string
}

// settingsOf is caseSettings in one query, looked up once per command: a customer's message
// needs them for the repeat-contact rule and again to start the response clock.
func (s *Service) settingsOf(ctx context.Context, tx *store.Tx, c desk.Case) (store.TeamSettings, error) {
	key := settingsKey{c.TeamID, c.Type}
	if v, ok := tx.Memo()[key].(store.TeamSettings); ok {
		return v, nil
	}
	settings, err := tx.CaseSettings(ctx, c.TeamID, c.Type)
	if err == nil {
		tx.Memo()[key] = settings
	}
	return settings, err
}
