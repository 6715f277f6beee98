package service

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// The administration screens' reads and the changes no other surface had: a case type's
// process, a canned reply's words. Each change runs the table's check and writes the admin log
// in its own unit of work.

// CaseTypeUpdate changes a case type; nil fields stay as they are.
type CaseTypeUpdate struct {
	Team               *string // "": no team
	RequiredReferences []string
	ResponseTarget     *time.Duration // 0: the team's
	Steps              []desk.Step    // the whole process; a step kept by name keeps its translations and partner when given none
}

// UpdateCaseType changes a case type's team, required references, response target and
// process; its name stays, since cases name their type by it.
func (s *Service) UpdateCaseType(ctx context.Context, actor desk.Actor, id int64, up CaseTypeUpdate) (desk.CaseType, error) {
	if err := gate(actor, ActCaseTypeUpdate); err != nil {
		return desk.CaseType{}, err
	}
	var ct desk.CaseType
	err := s.write(ctx, actor, func(w *work) error {
		was, err := w.tx.CaseType(ctx, id, "")
		if err != nil {
			return notFoundAs(err, "case type", id)
		}
		if err := w.allow(ActCaseTypeUpdate, Object{}); err != nil {
			return err
		}
		in := mergeCaseType(was, up)
		if ct, err = desk.ValidateCaseType(in, was.CreatedAt); err != nil {
			return err
		}
		ct.ID = was.ID
		if ct.Team != "" {
			if ct.TeamID, err = w.tx.EnsureTeam(ctx, ct.Team, w.now); err != nil {
				return err
			}
		}
		if err := w.tx.UpdateCaseType(ctx, ct); err != nil {
			return err
		}
		return w.audit(logCaseTypeUpdate, ct.Name, was, ct)
	})
	return ct, wrap("update case type", err)
}

// mergeCaseType is a case type with an update's fields in place of its own.
func mergeCaseType(was desk.CaseType, up CaseTypeUpdate) desk.NewCaseType {
	in := desk.NewCaseType{Name: was.Name, Team: was.Team, RequiredReferences: was.RequiredReferences, ResponseTarget: was.ResponseTarget, Steps: was.Steps}
	if up.Team != nil {
		in.Team = *up.Team
	}
	if up.RequiredReferences != nil {
		in.RequiredReferences = up.RequiredReferences
	}
	if up.ResponseTarget != nil {
		in.ResponseTarget = *up.ResponseTarget
	}
	if up.Steps != nil {
		in.Steps = make([]desk.Step, len(up.Steps))
		for i, st := range up.Steps {
			for _, old := range was.Steps {
				if old.Name == strings.TrimSpace(st.Name) {
					if st.Translations == nil {
						st.Translations = old.Translations
					}
					if st.Partner == "" {
						st.Partner = old.Partner
					}
				}
			}
			in.Steps[i] = st
		}
	}
	return in
}

// CaseTypeByID is one case type, for its edit form (those who may change it).
func (s *Service) CaseTypeByID(ctx context.Context, actor desk.Actor, id int64) (desk.CaseType, error) {
	if err := gate(actor, ActCaseTypeUpdate); err != nil {
		return desk.CaseType{}, err
	}
	var ct desk.CaseType
	err := s.readTx(ctx, func(tx *store.Tx) error {
		var err error
		ct, err = tx.CaseType(ctx, id, "")
		return notFoundAs(err, "case type", id)
	})
	return ct, wrap("load case type", err)
}

// CannedIn is a canned reply's name, words and offer mark.
type CannedIn struct {
	Name  string
	Body  string
	Offer bool
}

// checkCanned checks a canned reply as it would be saved.
func checkCanned(in CannedIn) (desk.CannedReply, error) {
	r := desk.CannedReply{Name: strings.TrimSpace(in.Name), Body: in.Body, Offer: in.Offer}
	if r.Name == "" || len(r.Name) > 100 {
		return r, desk.Invalid("name", "a name of 1 to 100 characters is required")
	}
	if strings.TrimSpace(r.Body) == "" {
		return r, desk.Invalid("body", "is required")
	}
	return r, desk.CheckCannedReply(r.Body)
}

// UpdateCannedReply changes a canned reply's name, words or offer mark; an unknown variable
// is refused as when it was made.
func (s *Service) UpdateCannedReply(ctx context.Context, actor desk.Actor, id int64, in CannedIn) (desk.CannedReply, error) {
	if err := gate(actor, ActCannedChange); err != nil {
		return desk.CannedReply{}, err
	}
	r, err := checkCanned(in)
	if err != nil {
		return r, err
	}
	err = s.write(ctx, actor, func(w *work) error {
		was, err := loadCanned(w, id)
		if err != nil {
			return err
		}
		r.ID, r.CreatedAt = was.ID, was.CreatedAt
		if err := w.tx.UpdateCannedReply(ctx, r); err != nil {
			return err
		}
		return w.audit(logCannedUpdate, r.Name, was, r)
	})
	if store.IsDuplicate(err) {
		return r, cannedExists(r.Name)
	}
	return r, wrap("update canned reply", err)
}

// DeleteCannedReply removes a canned reply and answers it as it was; what was sent with it
// stays on the records.
func (s *Service) DeleteCannedReply(ctx context.Context, actor desk.Actor, id int64) (desk.CannedReply, error) {
	if err := gate(actor, ActCannedChange); err != nil {
		return desk.CannedReply{}, err
	}
	var was desk.CannedReply
	err := s.write(ctx, actor, func(w *work) error {
		var err error
		if was, err = loadCanned(w, id); err != nil {
			return err
		}
		if err := w.tx.DeleteCannedReply(ctx, id); err != nil {
			return err
		}
		return w.audit(logCannedDelete, was.Name, was, nil)
	})
	return was, wrap("delete canned reply", err)
}

// CannedReply is one canned reply, for its edit form (those who may change it).
func (s *Service) CannedReply(ctx context.Context, actor desk.Actor, id int64) (desk.CannedReply, error) {
	if err := gate(actor, ActCannedChange); err != nil {
		return desk.CannedReply{}, err
	}
	var r desk.CannedReply
	err := s.read(ctx, actor, func(w *work) error {
		var err error
		r, err = loadCanned(w, id)
		return err
	})
	return r, wrap("load canned reply", err)
}

func loadCanned(w *work, id int64) (desk.CannedReply, error) {
	rs, err := w.tx.CannedReplies(w.ctx, id)
	if err != nil {
		return desk.CannedReply{}, err
	}
	if len(rs) == 0 {
		return desk.CannedReply{}, desk.NotFound("canned reply", id)
	}
	return rs[0], nil
}

func cannedExists(name string) error {
	return desk.Conflict("canned_reply_exists", fmt.Sprintf("a canned reply named %q exists", name), nil)
}

// AdminAgent is an agent as the administration screen lists them.
type AdminAgent struct {
	desk.Agent
	Manager string // the manager's name
	Edit    bool   // the reader may change them (agent.update, beyond their own name and hours)
	Toggle  bool   // the reader may deactivate or reactivate them (agent.deactivate)
}

// AdminAgents lists every agent with what the reader may do to each: the administration
// screen's list (admins and managers).
func (s *Service) AdminAgents(ctx context.Context, actor desk.Actor) ([]AdminAgent, error) {
	if err := gate(actor, ActAdminView); err != nil {
		return nil, err
	}
	var out []AdminAgent
	err := s.read(ctx, actor, func(w *work) error {
		agents, err := w.tx.Agents(ctx)
		if err != nil {
			return err
		}
		names := map[int64]string{}
		for _, a := range agents {
			names[a.ID] = a.Name
			w.keepAgent(a)
		}
		may, err := manageable(w, agents)
		if err != nil {
			return err
		}
		for _, a := range agents {
			edit, err := mayManageAgent(w, Object{Agent: &a})
			if err != nil {
				return err
			}
			out = append(out, AdminAgent{Agent: a, Manager: names[a.ManagerID], Edit: edit, Toggle: may[a.ID]})
		}
		return nil
	})
	return out, wrap("list agents", err)
}

// AgentToEdit is an agent for the edit form, to those the table lets change them.
func (s *Service) AgentToEdit(ctx context.Context, actor desk.Actor, id int64) (desk.Agent, error) {
	if err := gate(actor, ActAgentUpdate); err != nil {
		return desk.Agent{}, err
	}
	var a desk.Agent
	err := s.read(ctx, actor, func(w *work) error {
		var err error
		if a, err = w.agent(id); err != nil {
			return notFoundAs(err, "agent", id)
		}
		return w.allow(ActAgentUpdate, Object{Agent: &a})
	})
	return a, wrap("load agent", err)
}

// TeamToEdit is a team's settings for the edit form, to those the table lets change them.
func (s *Service) TeamToEdit(ctx context.Context, actor desk.Actor, name string) (desk.TeamSettings, error) {
	if err := gate(actor, ActTeamSettings); err != nil {
		return desk.TeamSettings{}, err
	}
	var t desk.TeamSettings
	err := s.read(ctx, actor, func(w *work) error {
		teams, err := w.tx.Teams(ctx)
		if err != nil {
			return err
		}
		for _, x := range teams {
			if x.Name == name {
				t = x
				return w.allow(ActTeamSettings, Object{TeamID: x.ID})
			}
		}
		return desk.NotFound("team", name)
	})
	return t, wrap("load team", err)
}
