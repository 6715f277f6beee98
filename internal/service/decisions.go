package service

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// Decisions (story 20): a credit, refund or waived fee on a case. Within the actor's limit of
// the team's written policy it is granted (or refused, with a reason) at once; above it, it
// goes to the next rung up whose limit covers it, as an approval request whose due time is a
// promise to the customer ("you will have our decision by …"). Either way the customer is told
// the decision and its reason in their language, and the decision is on the record.

// DecisionsView is what a case's decision form shows: its decisions, the policy it is decided
// by, and the evidence the desk has.
type DecisionsView struct {
	Decisions []desk.Decision     `json:"decisions"`
	Policy    desk.DecisionPolicy `json:"policy"`
	Evidence  Evidence            `json:"evidence"`
}

// Evidence is what the desk already knows that bears on a decision.
type Evidence struct {
	Incidents      []desk.Incident `json:"incidents"`       // faults the customer's case is linked to
	BrokenPromises []desk.Promise  `json:"broken_promises"` // promises broken on the case
	Slips          int             `json:"slips"`           // how often the case's promises moved
}

// policyOf is the policy a team decides by: its own, else the desk's, else the default; a
// role it names no limit for has the default's.
func policyOf(w *work, teamID int64) (desk.DecisionPolicy, error) {
	def := desk.DefaultPolicy()
	for _, id := range []int64{teamID, 0} {
		p, ok, err := w.tx.DecisionPolicy(w.ctx, id)
		if err != nil {
			return p, err
		}
		if ok {
			limits := maps.Clone(def.Limits)
			maps.Copy(limits, p.Limits)
			p.Limits = limits
			return p, nil
		}
		if id == 0 {
			break
		}
	}
	return def, nil
}

// teamPolicy is policyOf as the policy screens show it, with the team's name.
func teamPolicy(w *work, teamID int64, team string) (desk.DecisionPolicy, error) {
	p, err := policyOf(w, teamID)
	p.Team = team
	return p, err
}

// MakeDecision records a decision on a case: granted (or refused) at once within the actor's
// limit, else sent up for approval with a promise of a decision by a time.
func (s *Service) MakeDecision(ctx context.Context, actor desk.Actor, caseID int64, in desk.NewDecision) (desk.Decision, error) {
	if err := gate(actor, ActDecisionMake); err != nil {
		return desk.Decision{}, err
	}
	in, err := desk.ValidateDecision(in)
	if err != nil {
		return desk.Decision{}, err
	}
	var d desk.Decision
	err = s.write(ctx, actor, func(w *work) error {
		c, err := w.caseFor(caseID, ActDecisionMake)
		if err != nil {
			return err
		}
		me, err := w.agent(actor.ID)
		if err != nil {
			return err
		}
		policy, err := policyOf(w, c.TeamID)
		if err != nil {
			return err
		}
		if err := w.readByCustomer(c); err != nil {
			return err
		}
		now := w.now
		d = desk.Decision{CaseID: c.ID, Kind: desk.DecisionKind(in.Kind), Amount: desk.MoneyOf(in.Amount), Currency: in.Currency,
			Reason: in.Reason, RequestedBy: me.ID, CreatedAt: now}
		d.Rung = policy.RungFor(d.Amount)
		switch {
		case in.Refuse:
			d.State = desk.DecisionRefused
		case policy.MayGrant(me.Role, d.Amount):
			d.State = desk.DecisionGranted
		default:
			d.State = desk.DecisionPending
		}
		if d.State != desk.DecisionPending {
			d.Answer, d.DecidedBy, d.DecidedAt = d.Reason, me.ID, &now
			if err := w.tx.InsertDecision(ctx, &d, c.TeamID); err != nil {
				return err
			}
			_, err := s.appendContact(w, c, desk.DecidedDrafts(c, d, actor))
			return err
		}
		approver, err := approverFor(w, me, policy, d.Amount)
		if err != nil {
			return err
		}
		d.ApproverID = approver.ID
		if err := w.tx.InsertDecision(ctx, &d, c.TeamID); err != nil {
			return err
		}
		due, err := decisionDue(w, approver, now.Add(policy.DecideWithin))
		if err != nil {
			return err
		}
		if _, err := s.appendRecord(w, c, []desk.Draft{desk.RequestedDraft(d, actor, approver)}); err != nil {
			return err
		}
		zone, err := zoneOf(w, *c) // the zone of the mail's due line, not the approver's
		if err != nil {
			return err
		}
		p, err := s.promiseOn(w, c, desk.NewPromise{Kind: string(desk.PromiseUpdate), DueAt: due, OwnerID: approver.ID,
			Words: c.Reader.PendingWords(d, due, zone)})
		if err != nil {
			return err
		}
		d.PromiseID = p.ID
		if err := w.tx.SaveDecision(ctx, d); err != nil {
			return err
		}
		body := fmt.Sprintf("%s: %s asks you to decide a %s of %s %s (above their limit) by %s. %s", c.Ref(), me.Name, d.Kind, d.Amount, d.Currency,
			due.In(approver.Location()).Format("Mon 2 Jan 15:04 MST"), d.Reason)
		n := desk.Notification{AgentID: approver.ID, CaseID: c.ID, Kind: "decision_requested", CreatedAt: now}
		return w.tx.Notify(ctx, n.Note(body, "notif.detail.decision_requested", desk.TextArg(c.Ref()), desk.TextArg(me.Name),
			desk.WordArg("case.decisions.kind."+string(d.Kind), string(d.Kind)), desk.TextArg(d.Amount.String()), desk.TextArg(d.Currency), desk.TimeArg(due), desk.TextArg(d.Reason)))
	})
	return d, wrap("make decision", err)
}

// approverFor is the next rung up from the requester whose limit covers the amount, skipping
// those who are away; else an active admin.
func approverFor(w *work, from desk.Agent, policy desk.DecisionPolicy, amount desk.Money) (desk.Agent, error) {
	cur := from
	for range maxLadder {
		if cur.ManagerID == 0 || cur.ManagerID == cur.ID {
			break
		}
		next, err := w.agent(cur.ManagerID)
		if store.IsNotFound(err) {
			break
		} else if err != nil {
			return next, err
		}
		if next.Active && policy.MayGrant(next.Role, amount) {
			return next, nil
		}
		cur = next
	}
	agents, err := w.tx.Agents(w.ctx)
	if err != nil {
		return desk.Agent{}, err
	}
	for _, a := range agents {
		if a.Active && a.Role == desk.RoleAdmin && a.ID != from.ID && policy.MayGrant(a.Role, amount) {
			return a, nil
		}
	}
	return desk.Agent{}, desk.Conflict("no_approver", fmt.Sprintf("nobody above %s may grant %s: raise a limit in the decision policy", from.Name, amount), nil)
}

// decisionDue is when the approver will have decided: the policy's time, or the approver's
// next free time after it.
func decisionDue(w *work, a desk.Agent, at time.Time) (time.Time, error) {
	at = at.UTC().Truncate(time.Minute)
	absences, err := w.tx.Absences(w.ctx, a.ID, at.Add(-24*time.Hour), at.Add(15*24*time.Hour))
	if err != nil {
		return at, err
	}
	if desk.Available(a, absences, at) {
		return at, nil
	}
	if free := desk.FreeSlots(a, absences, at, 1); len(free) > 0 {
		return free[0], nil
	}
	return at, nil
}

// AnswerDecision approves or refuses a decision waiting for approval; a refusal needs a
// reason. The customer is told the decision and its reason, and the promise of a decision is
// kept.
func (s *Service) AnswerDecision(ctx context.Context, actor desk.Actor, id int64, approve bool, reason string) (desk.Decision, error) {
	if err := gate(actor, ActDecisionApprove); err != nil {
		return desk.Decision{}, err
	}
	reason = strings.TrimSpace(reason)
	var d desk.Decision
	err := s.write(ctx, actor, func(w *work) error {
		var err error
		d, err = w.tx.Decision(ctx, id)
		if store.IsNotFound(err) {
			return desk.NotFound("decision", id)
		} else if err != nil {
			return err
		}
		c, err := w.loadCase(d.CaseID)
		if e, ok := desk.AsError(err); ok && e.Kind == desk.KindNotFound {
			return desk.NotFound("decision", id)
		} else if err != nil {
			return err
		}
		if err := w.allow(ActDecisionApprove, Object{Case: c, Decision: &d}); err != nil {
			return err
		}
		if !approve && reason == "" {
			return desk.Invalid("reason", "a refusal is told to the customer with its reason")
		}
		if len(reason) > 4000 {
			return desk.Invalid("reason", "at most 4000 characters")
		}
		if d.State != desk.DecisionPending {
			return desk.Conflict("decision_settled", fmt.Sprintf("the decision is already %s", d.State), map[string]any{"state": string(d.State)})
		}
		now := w.now
		d.State, d.Answer, d.DecidedBy, d.DecidedAt = desk.DecisionGranted, reason, actor.ID, &now
		if !approve {
			d.State = desk.DecisionRefused
		}
		if d.Answer == "" {
			d.Answer = d.Reason
		}
		if err := w.tx.SaveDecision(ctx, d); err != nil {
			return err
		}
		if err := w.readByCustomer(c); err != nil {
			return err
		}
		if _, err := s.appendContact(w, c, desk.DecidedDrafts(c, d, actor)); err != nil {
			return err
		}
		if d.PromiseID != 0 {
			p, err := w.promise(d.PromiseID)
			if err != nil {
				return err
			}
			if p.State == desk.PromiseOpen {
				return s.keepOn(w, p, c, "")
			}
		}
		return nil
	})
	return d, wrap("answer decision", err)
}

// mayApprove: the approver the request went to, an admin, or anyone above the requester in
// the chain whose limit covers the amount.
func mayApprove(w *work, o Object) (bool, error) {
	a, d := w.actor, o.Decision
	if d == nil || isAdminActor(a) || d.ApproverID == a.ID {
		return true, nil
	}
	if o.Case == nil {
		return false, nil
	}
	policy, err := policyOf(w, o.Case.TeamID)
	if err != nil {
		return false, err
	}
	if !policy.MayGrant(a.Role, d.Amount) {
		return false, nil
	}
	return aboveAgent(w, a.ID, d.RequestedBy)
}

// CaseDecisions are a case's decisions with the policy and the evidence beside them.
func (s *Service) CaseDecisions(ctx context.Context, actor desk.Actor, caseID int64) (DecisionsView, error) {
	if err := gate(actor, ActDecisionRead); err != nil {
		return DecisionsView{}, err
	}
	v, err := readCase(s, ctx, actor, caseID, func(w *work, c *desk.Case) (v DecisionsView, err error) {
		if v.Decisions, err = w.tx.DecisionsOfCase(ctx, c.ID); err != nil {
			return v, err
		}
		if v.Policy, err = policyOf(w, c.TeamID); err != nil {
			return v, err
		}
		v.Evidence, err = evidenceOf(w, c.ID)
		return v, err
	})
	return v, wrap("case decisions", err)
}

func evidenceOf(w *work, caseID int64) (Evidence, error) {
	e := Evidence{BrokenPromises: []desk.Promise{}}
	var err error
	if e.Incidents, err = caseIncidents(w, caseID); err != nil {
		return e, err
	}
	ps, err := w.tx.Promises(w.ctx, store.PromiseFilter{CaseID: caseID, Limit: 1000})
	if err != nil {
		return e, err
	}
	for _, p := range ps {
		e.Slips += p.Slips
		if p.State == desk.PromiseBroken {
			e.BrokenPromises = append(e.BrokenPromises, p)
		}
	}
	return e, nil
}

// DecisionPolicy is the policy a team (or, for "", the desk) decides by.
func (s *Service) DecisionPolicy(ctx context.Context, actor desk.Actor, team string) (desk.DecisionPolicy, error) {
	p, err := readAs(s, ctx, actor, ActDecisionRead, func(w *work) (desk.DecisionPolicy, error) {
		teamID, err := teamNamed(w, team)
		if err != nil {
			return desk.DecisionPolicy{}, err
		}
		return teamPolicy(w, teamID, team)
	})
	return p, wrap("decision policy", err)
}

// SetDecisionPolicy writes the policy of a team (a manager's own, an admin's any) or of the
// desk (team "": admin).
func (s *Service) SetDecisionPolicy(ctx context.Context, actor desk.Actor, team string, p desk.DecisionPolicy) (desk.DecisionPolicy, error) {
	out, err := writeAs(s, ctx, actor, ActDecisionPolicy, func(w *work) (desk.DecisionPolicy, error) {
		teamID, err := teamNamed(w, team)
		if err != nil {
			return desk.DecisionPolicy{}, err
		}
		if err := w.allow(ActDecisionPolicy, Object{TeamID: teamID}); err != nil {
			return desk.DecisionPolicy{}, err
		}
		if p, err = desk.ValidatePolicy(p); err != nil {
			return desk.DecisionPolicy{}, err
		}
		if err := w.tx.SaveDecisionPolicy(ctx, teamID, p, actor.ID, w.now); err != nil {
			return desk.DecisionPolicy{}, err
		}
		return teamPolicy(w, teamID, team)
	})
	return out, wrap("set decision policy", err)
}

// teamNamed is a team's id by name ("" is 0: the desk's own).
func teamNamed(w *work, name string) (int64, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return 0, nil
	}
	id, err := w.tx.TeamID(w.ctx, name)
	if store.IsNotFound(err) {
		return 0, desk.Invalid("team", "no team %q", name)
	}
	return id, err
}
