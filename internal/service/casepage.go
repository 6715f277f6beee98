package service

import (
	"context"
	"slices"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// CasePageQuery asks for a case page.
type CasePageQuery struct {
	CaseID int64
	// EstimateFor is an open promise of the case whose estimate the page shows beside it (the
	// promise just made); 0 for none.
	EstimateFor int64
}

// CasePage is everything the case page shows, read in one transaction so that its parts agree:
// the case (as the API answers it), its record as the actor may see it, its promises, and, for
// the desk's own people, who could take it over, the customer with their cases and documents,
// the canned replies and whether offers are blocked.
type CasePage struct {
	Case   CaseView
	Record []desk.Entry // oldest first, without what the actor may not see
	// Promises are the case's promises, soonest due first, with their makers' and owners'
	// names; a partner user gets only the open ones, without names.
	Promises []PromiseView

	// For the desk's own people only (empty for partner users):
	Colleagues []desk.Agent       // active agents who may own cases: the owner and hand-over choices
	Customer   *CustomerView      // the customer with their cases
	Owners     map[int64]Person   // the owners of the customer's cases
	Documents  []desk.Document    // what the customer has given, whichever case it came with
	Canned     []desk.CannedReply // the reader's: the desk's, their team's, their own; by folder and name
	// Previews are the canned replies filled in for this case as the reader would send them
	// (the customer's names, the next promise in their language and zone), by id; a reply that
	// cannot be filled here (it names a promise the case lacks) has none.
	Previews map[int64]string
	// OfferBlockedBy are the refs of the customer's cases that stop offers (see
	// desk.BlocksOffers); offers are refused while there is any.
	OfferBlockedBy []string
	// Estimate is how long promises like the one asked for (EstimateFor) took to keep; nil when
	// none was asked for or it is not an open promise of the case due in the future.
	Estimate *PromiseEstimateView
	// Question is the last question put to the customer about a move down the ladder, with its
	// answer; nil when none was asked (only a case up the ladder has one).
	Question *HandoverQuestion
	// May is what the permission table lets the reader do to the case, for the page to offer
	// only those buttons (the commands ask again).
	May CasePermissions
	// HeldUp are the case's mails to customers the mail server has put off, or that wait
	// behind one it put off, oldest first: not delivered yet, and perhaps never (see heldUp).
	HeldUp []OutboxMail
	// Incidents the case is linked to, and the open ones it could be linked to (story 19).
	Incidents, OpenIncidents []desk.Incident
	// Decisions on the case with the policy and the evidence beside them (story 20).
	Decisions DecisionsView
	// Recordings are the case's calls' recordings the reader may hear, by the call's seq: staff
	// and partner users of the firm the case is handed to (story 14).
	Recordings map[int64]desk.Document
}

// CasePermissions are the table's answers for one case and reader.
type CasePermissions struct {
	HandOver, Ask, Resolve, Reopen, Release, Resend bool
	Label                                           bool           // priority and tags
	Record                                          bool           // add a call's recording
	Copies, Wait, Merge                             bool           // the case's cc and bcc; waiting on the customer; merging another case in
	Keep, Slip                                      map[int64]bool // by promise
	// Incidents and decisions: open or link an incident, record a decision, answer a pending
	// one (by decision).
	CreateIncident, LinkIncident, Decide bool
	Answer                               map[int64]bool
}

// casePermissions asks the table about the case and each of its promises.
func casePermissions(w *work, c *desk.Case, promises []desk.Promise) (CasePermissions, error) {
	me, err := w.agent(w.actor.ID)
	if err != nil {
		return CasePermissions{}, err
	}
	out := CasePermissions{Keep: map[int64]bool{}, Slip: map[int64]bool{}}
	for act, to := range map[Action]*bool{ActCaseAsk: &out.Ask, ActCaseResolve: &out.Resolve, ActCaseReopen: &out.Reopen, ActCaseRelease: &out.Release,
		ActMailResend: &out.Resend, ActCaseLabel: &out.Label, ActRecordingAdd: &out.Record,
		ActCaseCopies: &out.Copies, ActCaseWait: &out.Wait, ActCaseMerge: &out.Merge} {
		if *to, err = w.may(act, Object{Case: c}); err != nil {
			return out, err
		}
	}
	// Handing over includes taking an unowned case for oneself.
	if out.HandOver, err = w.may(ActCaseHandover, Object{Case: c, Agent: &me}); err != nil {
		return out, err
	}
	for _, p := range promises {
		if out.Keep[p.ID], err = w.may(ActPromiseKeep, Object{Case: c, Promise: &p}); err != nil {
			return out, err
		}
		if out.Slip[p.ID], err = w.may(ActPromiseSlip, Object{Case: c, Promise: &p}); err != nil {
			return out, err
		}
	}
	return out, nil
}

// PromiseEstimateView is the estimate for one promise of the case page.
type PromiseEstimateView struct {
	PromiseID int64
	DueAt     time.Time
	Estimate  *desk.Estimate // nil while history is short
}

// CasePage reads the case page in one read transaction.
func (s *Service) CasePage(ctx context.Context, actor desk.Actor, q CasePageQuery) (CasePage, error) {
	var p CasePage
	err := s.read(ctx, actor, func(w *work) error {
		c, err := w.loadCase(q.CaseID)
		if err != nil {
			return err
		}
		if p.Case, err = caseView(w, c); err != nil {
			return err
		}
		if p.Record, err = visibleRecord(w, c); err != nil {
			return err
		}
		if p.Recordings, err = caseRecordings(w, c); err != nil {
			return err
		}
		if !desk.IsStaff(actor) {
			// What a partner's user reads of the promises: the open ones, as the case lists them.
			p.Promises = []PromiseView{}
			for _, pr := range p.Case.Promises {
				if pr.State == desk.PromiseOpen {
					p.Promises = append(p.Promises, PromiseView{Promise: pr, CaseRef: p.Case.Ref})
				}
			}
			return nil
		}
		return staffCasePage(w, c, q, &p)
	})
	return p, wrap("load case page", err)
}

// staffCasePage reads what only the desk's own people see of a case page.
func staffCasePage(w *work, c *desk.Case, q CasePageQuery, p *CasePage) error {
	agents, err := w.tx.Agents(w.ctx) // one query names every maker, owner and colleague
	if err != nil {
		return err
	}
	if p.HeldUp, err = heldUp(w, c.ID); err != nil {
		return err
	}
	people := make(map[int64]Person, len(agents))
	for _, a := range agents {
		people[a.ID] = Person{ID: a.ID, Name: a.Name, Role: string(a.Role), Team: a.Team}
		if a.Active && a.Role != desk.RolePartner {
			p.Colleagues = append(p.Colleagues, a)
		}
	}
	for _, pr := range p.Case.Promises {
		pv := viewPromise(pr, people)
		p.Promises = append(p.Promises, pv)
		if pr.ID == q.EstimateFor && pr.State == desk.PromiseOpen && pr.DueAt.After(w.now) {
			est, err := promiseEstimate(w, *c, string(pr.Kind), pr.DueAt)
			if err != nil {
				return err
			}
			p.Estimate = &PromiseEstimateView{PromiseID: pr.ID, DueAt: pr.DueAt, Estimate: est}
		}
	}
	cust, err := customerView(w, c.CustomerID)
	if err != nil {
		return err
	}
	p.Customer = &cust
	p.Owners = map[int64]Person{}
	for _, cs := range cust.Cases {
		p.Owners[cs.OwnerID] = people[cs.OwnerID]
		if desk.BlocksOffers(cs.Status) {
			p.OfferBlockedBy = append(p.OfferBlockedBy, cs.Ref)
		}
	}
	if p.Documents, err = w.tx.Documents(w.ctx, c.CustomerID); err != nil {
		return err
	}
	// The calls' recordings play on their calls; this list is what the customer gave.
	p.Documents = slices.DeleteFunc(p.Documents, desk.Document.IsRecording)
	if err := cannedForCase(w, c, p); err != nil {
		return err
	}
	if c.Rung > 0 {
		if p.Question, err = lastQuestion(w, c); err != nil {
			return err
		}
	}
	if p.May, err = casePermissions(w, c, p.Case.Promises); err != nil {
		return err
	}
	return incidentsAndDecisions(w, c, p)
}

// incidentsAndDecisions reads the case page's incidents and decisions, and what the reader
// may do about them.
func incidentsAndDecisions(w *work, c *desk.Case, p *CasePage) error {
	var err error
	if p.Decisions.Decisions, err = w.tx.DecisionsOfCase(w.ctx, c.ID); err != nil {
		return err
	}
	if p.Decisions.Policy, err = policyOf(w, c.TeamID); err != nil {
		return err
	}
	if p.Decisions.Evidence, err = evidenceOf(w, c.ID); err != nil {
		return err
	}
	p.Incidents = p.Decisions.Evidence.Incidents
	open, err := w.tx.Incidents(w.ctx, desk.IncidentOpen)
	if err != nil {
		return err
	}
	for _, i := range open {
		if !slices.ContainsFunc(p.Incidents, func(l desk.Incident) bool { return l.ID == i.ID }) {
			p.OpenIncidents = append(p.OpenIncidents, i)
		}
	}
	m := &p.May
	m.Answer = map[int64]bool{}
	for act, to := range map[Action]*bool{ActIncidentCreate: &m.CreateIncident, ActIncidentLink: &m.LinkIncident, ActDecisionMake: &m.Decide} {
		if *to, err = w.may(act, Object{Case: c}); err != nil {
			return err
		}
	}
	for _, d := range p.Decisions.Decisions {
		if d.State == desk.DecisionPending {
			if m.Answer[d.ID], err = w.may(ActDecisionApprove, Object{Case: c, Decision: &d}); err != nil {
				return err
			}
		}
	}
	return nil
}

// PromiseEstimate says how long promises of this kind took to keep on cases of the case's
// type, and warns when one due at due would be sooner than the desk can realistically keep:
// what the agent reads while choosing a due time, before the promise is made. It is nil while
// history is short (fewer than desk.MinEstimateSamples kept promises).
func (s *Service) PromiseEstimate(ctx context.Context, actor desk.Actor, caseID int64, kind string, due time.Time) (*desk.Estimate, error) {
	est, err := readCase(s, ctx, actor, caseID, func(w *work, c *desk.Case) (*desk.Estimate, error) {
		if err := gate(actor, ActCaseRead); err != nil {
			return nil, err
		}
		return promiseEstimate(w, *c, kind, due)
	})
	return est, wrap("estimate promise", err)
}

// promiseEstimate is the estimate for a promise of this kind due at due on case c.
func promiseEstimate(w *work, c desk.Case, kind string, due time.Time) (*desk.Estimate, error) {
	in, err := desk.ValidatePromise(desk.NewPromise{Kind: kind, DueAt: due, Words: "estimate"}, w.now)
	if err != nil {
		return nil, err
	}
	took, err := w.tx.KeptDurations(w.ctx, c.Type, desk.PromiseKind(in.Kind), 500)
	if err != nil {
		return nil, err
	}
	return desk.EstimateFor(took, in.DueAt, w.now), nil
}

// caseRecordings are the recordings of a case's calls the reader may hear, by call seq.
func caseRecordings(w *work, c *desk.Case) (map[int64]desk.Document, error) {
	out := map[int64]desk.Document{}
	if w.actor.Kind == desk.ActorCustomer {
		return out, nil // never read for a customer
	}
	docs, err := w.tx.Documents(w.ctx, c.CustomerID)
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		if desk.CanHearRecording(w.actor, *c, d) {
			out[d.CallSeq] = d
		}
	}
	return out, nil
}
