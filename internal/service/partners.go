package service

import (
	"context"
	"fmt"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// requireWorker lets the desk's people and partners' users work on cases; which cases a
// partner may touch is then decided by loadCase (only those handed to their organisation).
func requireWorker(actor desk.Actor) error {
	if desk.IsStaff(actor) || (actor.Kind == desk.ActorAgent && actor.Role == desk.RolePartner && actor.PartnerID != 0) {
		return nil
	}
	return desk.Forbidden("only the desk's agents and its partners may do this")
}

// CreatePartner adds a partner organisation (a contractor that works on cases handed to it).
func (s *Service) CreatePartner(ctx context.Context, actor desk.Actor, name string) (desk.Partner, error) {
	if err := gate(actor, ActPartnerCreate); err != nil {
		return desk.Partner{}, err
	}
	p, err := desk.ValidatePartner(name, s.now())
	if err != nil {
		return p, err
	}
	err = s.write(ctx, actor, func(w *work) error {
		if err := w.tx.InsertPartner(ctx, &p); err != nil {
			return err
		}
		return w.audit(logPartnerCreate, p.Name, nil, partnerFields(p))
	})
	if store.IsDuplicate(err) {
		return p, desk.Conflict("partner_exists", fmt.Sprintf("a partner named %q exists", p.Name), nil)
	}
	return p, wrap("create partner", err)
}

// partnerFields is what the admin log keeps of a partner.
func partnerFields(p desk.Partner) map[string]any {
	return map[string]any{"name": p.Name, "active": p.Active}
}

// PartnerUpdate changes a partner organisation; nil fields stay as they are.
type PartnerUpdate struct {
	Name   *string
	Active *bool // false: no case is handed to it any more, and its users are deactivated (each is reactivated by hand)
}

// UpdatePartner renames a partner organisation or stops (or resumes) handing it cases.
func (s *Service) UpdatePartner(ctx context.Context, actor desk.Actor, id int64, in PartnerUpdate) (desk.Partner, error) {
	if err := gate(actor, ActPartnerUpdate); err != nil {
		return desk.Partner{}, err
	}
	var p desk.Partner
	err := s.write(ctx, actor, func(w *work) error {
		var err error
		if p, err = loadToChange(w, store.PartnerToChange, id, w.tx.Partner); err != nil {
			return notFoundAs(err, "partner", id)
		}
		was := p
		if in.Name != nil {
			v, err := desk.ValidatePartner(*in.Name, p.CreatedAt)
			if err != nil {
				return err
			}
			p.Name = v.Name
		}
		if in.Active != nil {
			p.Active = *in.Active
		}
		if err := w.tx.UpdatePartner(ctx, p); err != nil {
			return err
		}
		if err := w.audit(logPartnerUpdate, was.Name, partnerFields(was), partnerFields(p)); err != nil {
			return err
		}
		if was.Active && !p.Active {
			return s.deactivatePartnerUsers(w, p)
		}
		return nil
	})
	if store.IsDuplicate(err) {
		return p, desk.Conflict("partner_exists", fmt.Sprintf("a partner named %q exists", p.Name), nil)
	}
	return p, wrap("update partner", err)
}

// deactivatePartnerUsers ends the access of a partner's users when the desk stops working with
// the partner: a firm whose contract ended must not keep reading the cases it was handed.
func (s *Service) deactivatePartnerUsers(w *work, p desk.Partner) error {
	agents, err := w.tx.Agents(w.ctx)
	if err != nil {
		return err
	}
	for _, a := range agents {
		if a.PartnerID != p.ID || !a.Active {
			continue
		}
		if err := w.tx.SetAgentActive(w.ctx, a.ID, false); err != nil {
			return err
		}
		was := a
		a.Active = false
		if err := w.audit(logAgentDeactivate, a.Email, agentFields(was), agentFields(a)); err != nil {
			return err
		}
		if err := w.tx.DeleteSessions(w.ctx, string(desk.ActorAgent), a.ID, w.now); err != nil {
			return err
		}
	}
	return nil
}

// PartnerView is a partner organisation with its users.
type PartnerView struct {
	desk.Partner
	Users []desk.Agent `json:"users"`
}

// Partners lists the partner organisations with their users (staff: they hand cases to them).
func (s *Service) Partners(ctx context.Context, actor desk.Actor) ([]PartnerView, error) {
	out, err := readTxAs(s, ctx, actor, ActPartnerRead, func(tx *store.Tx) ([]PartnerView, error) {
		list, err := tx.Partners(ctx)
		if err != nil {
			return nil, err
		}
		agents, err := tx.Agents(ctx)
		if err != nil {
			return nil, err
		}
		out := []PartnerView{}
		for _, p := range list {
			v := PartnerView{Partner: p, Users: []desk.Agent{}}
			for _, a := range agents {
				if a.PartnerID == p.ID {
					v.Users = append(v.Users, a)
				}
			}
			out = append(out, v)
		}
		return out, nil
	})
	return out, wrap("list partners", err)
}

// AssignPartner hands a case (or one step of its process) to a partner organisation, whose
// users then see and work on it and nothing else; partnerID 0 takes it back. The owner stays
// the owner.
func (s *Service) AssignPartner(ctx context.Context, actor desk.Actor, caseID, partnerID int64, step int) (CaseView, error) {
	err := s.writeGated(ctx, actor, ActCasePartner, func(w *work) error {
		tx := w.tx
		c, err := w.loadCase(caseID)
		if err != nil {
			return err
		}
		var p *desk.Partner
		if partnerID != 0 {
			found, err := tx.Partner(ctx, partnerID)
			if store.IsNotFound(err) {
				return desk.Invalid("partner_id", "no partner %d", partnerID)
			} else if err != nil {
				return err
			}
			if !found.Active {
				return desk.Conflict("partner_inactive", fmt.Sprintf("the desk no longer works with %s", found.Name), nil)
			}
			p = &found
		}
		var ct desk.CaseType
		if step != 0 {
			if c.Type == "" {
				return desk.Invalid("step", "%s has no process to hand a step of", c.Ref())
			}
			if ct, err = tx.CaseType(ctx, 0, c.Type); err != nil {
				return err
			}
		}
		if err := w.readByCustomer(c); err != nil { // the notice is the customer's to read
			return err
		}
		drafts, err := desk.AssignPartner(c, p, ct, step, actor)
		if err != nil {
			return err
		}
		now := w.now
		if _, err := s.appendRecord(w, c, drafts); err != nil {
			return err
		}
		if p == nil {
			return nil
		}
		// Only the partner's own users hear of it, and only now that they can open it.
		agents, err := tx.Agents(ctx)
		if err != nil {
			return err
		}
		for _, a := range agents {
			if a.PartnerID == p.ID && a.Active {
				n := desk.Notification{AgentID: a.ID, CaseID: c.ID, Kind: "partner_assigned", CreatedAt: now}
				n = n.Note(fmt.Sprintf("%s was handed to %s: %s", c.Ref(), p.Name, c.Subject), "notif.detail.partner_assigned",
					desk.TextArg(c.Ref()), desk.TextArg(p.Name), desk.TextArg(c.Subject))
				if err := tx.Notify(ctx, n); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return s.caseAfter(ctx, actor, caseID, "assign partner", err)
}

// notifyOwnerOfPartner tells the case's owner what a partner's user just did on it: the owner
// keeps following a case they handed out. what is it in English; key and args say it to the
// owner (after the partner's name and the case).
func notifyOwnerOfPartner(w *work, c desk.Case, what, key string, args ...desk.NoteArg) error {
	if w.actor.Role != desk.RolePartner {
		return nil
	}
	body := fmt.Sprintf("%s (partner) on %s: %s", w.actor.Name, c.Ref(), what)
	return notifyOwner(w, c, desk.Notification{Kind: "partner_progress"}.Note(body, key,
		append([]desk.NoteArg{desk.TextArg(w.actor.Name), desk.TextArg(c.Ref())}, args...)...))
}
