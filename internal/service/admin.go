package service

import (
	"cmp"
	"context"
	"fmt"
	"slices"
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
	ct, err := writeAs(s, ctx, actor, ActCaseTypeUpdate, func(w *work) (desk.CaseType, error) {
		if err := w.tx.LockToChange(ctx, store.CaseTypeToChange, id); err != nil {
			return desk.CaseType{}, notFoundAs(err, "case type", id)
		}
		was, err := w.tx.CaseType(ctx, id, "")
		if err != nil {
			return desk.CaseType{}, notFoundAs(err, "case type", id)
		}
		if err := w.allow(ActCaseTypeUpdate, Object{}); err != nil {
			return desk.CaseType{}, err
		}
		ct, err := desk.ValidateCaseType(mergeCaseType(was, up), was.CreatedAt)
		if err != nil {
			return ct, err
		}
		ct.ID = was.ID
		if ct.Team != "" {
			if ct.TeamID, err = w.tx.EnsureTeam(ctx, ct.Team, w.now); err != nil {
				return ct, err
			}
		}
		if err := w.tx.UpdateCaseType(ctx, ct); err != nil {
			return ct, err
		}
		return ct, w.audit(logCaseTypeUpdate, ct.Name, was, ct)
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
	ct, err := readTxAs(s, ctx, actor, ActCaseTypeUpdate, func(tx *store.Tx) (desk.CaseType, error) {
		ct, err := tx.CaseType(ctx, id, "")
		return ct, notFoundAs(err, "case type", id)
	})
	return ct, wrap("load case type", err)
}

// CannedIn is a canned reply's name, words, offer mark and folder, and when it is made its
// scope: the desk's (the default), a team's (Team by name; "" : the maker's own) or the
// maker's own (personal).
type CannedIn struct {
	Name   string
	Body   string
	Offer  bool
	Folder string
	Scope  string
	Team   string
}

// checkCanned checks a canned reply as it would be saved.
func checkCanned(in CannedIn) (desk.CannedReply, error) {
	r := desk.CannedReply{Name: strings.TrimSpace(in.Name), Body: in.Body, Offer: in.Offer, Folder: strings.TrimSpace(in.Folder),
		Scope: cmp.Or(strings.TrimSpace(in.Scope), desk.CannedDesk)}
	if r.Name == "" || len(r.Name) > 100 {
		return r, desk.Invalid("name", "a name of 1 to 100 characters is required")
	}
	if len(r.Folder) > 60 || strings.ContainsAny(r.Folder, "\r\n") {
		return r, desk.Invalid("folder", "a folder is a name of up to 60 characters on one line")
	}
	if !slices.Contains(desk.CannedScopes(), r.Scope) {
		return r, desk.Invalid("scope", "a canned reply is the desk's, a team's or personal (%s)", strings.Join(desk.CannedScopes(), ", "))
	}
	if strings.TrimSpace(r.Body) == "" {
		return r, desk.Invalid("body", "is required")
	}
	return r, desk.CheckCannedReply(r.Body)
}

// CreateCanned stores a prepared reply in its scope (desk, a team's, or the maker's own) and
// folder; marked offer, it is a sales offer. An unknown variable is refused.
func (s *Service) CreateCanned(ctx context.Context, actor desk.Actor, in CannedIn) (desk.CannedReply, error) {
	if err := gate(actor, ActCannedCreate); err != nil {
		return desk.CannedReply{}, err
	}
	r, err := checkCanned(in)
	if err != nil {
		return r, err
	}
	r.CreatedAt = s.now()
	err = s.write(ctx, actor, func(w *work) error {
		switch r.Scope {
		case desk.CannedTeam:
			if r.TeamID, r.Team, err = cannedTeam(w, strings.TrimSpace(in.Team)); err != nil {
				return err
			}
		case desk.CannedPersonal:
			if actor.Kind != desk.ActorAgent {
				return desk.Invalid("scope", "a personal reply is an agent's own")
			}
			r.AgentID = actor.ID
		}
		if err := w.allow(ActCannedCreate, Object{Canned: &r}); err != nil {
			return err
		}
		if err := w.tx.InsertCannedReply(ctx, &r); err != nil {
			return err
		}
		return w.audit(logCannedCreate, r.Name, nil, r)
	})
	if store.IsDuplicate(err) {
		return r, cannedExists(r.Name)
	}
	return r, wrap("create canned reply", err)
}

// cannedTeam is the team a team's reply is made for: the one named, else the maker's own.
func cannedTeam(w *work, name string) (int64, string, error) {
	if name == "" {
		if w.actor.Kind == desk.ActorAgent {
			me, err := w.agent(w.actor.ID)
			if err != nil {
				return 0, "", notFoundAs(err, "agent", w.actor.ID)
			}
			if me.TeamID != 0 {
				return me.TeamID, me.Team, nil
			}
		}
		return 0, "", desk.Invalid("team", "name the team whose reply it is")
	}
	id, err := w.tx.TeamID(w.ctx, name)
	if store.IsNotFound(err) {
		return 0, "", desk.Invalid("team", "no team %q", name)
	}
	return id, name, err
}

// CannedPatch names what to change of a canned reply; nil leaves it as it is.
type CannedPatch struct {
	Name, Body, Folder *string
	Offer              *bool
}

// UpdateCannedReply changes a canned reply's name, words, offer mark or folder (its scope stays
// as it was made); an unknown variable is refused as when it was made. The patch is laid over
// the reply in the same transaction that stores it, so two changes at once each keep theirs.
func (s *Service) UpdateCannedReply(ctx context.Context, actor desk.Actor, id int64, in CannedPatch) (desk.CannedReply, error) {
	if err := gate(actor, ActCannedChange); err != nil {
		return desk.CannedReply{}, err
	}
	var r desk.CannedReply
	err := s.write(ctx, actor, func(w *work) error {
		was, err := loadCannedFor(w, id, ActCannedChange)
		if err != nil {
			return err
		}
		c := CannedIn{Name: was.Name, Body: was.Body, Offer: was.Offer, Folder: was.Folder}
		for _, f := range []struct{ to, from *string }{{&c.Name, in.Name}, {&c.Body, in.Body}, {&c.Folder, in.Folder}} {
			if f.from != nil {
				*f.to = *f.from
			}
		}
		if in.Offer != nil {
			c.Offer = *in.Offer
		}
		if r, err = checkCanned(c); err != nil {
			return err
		}
		r.ID, r.CreatedAt, r.Scope, r.TeamID, r.Team, r.AgentID = was.ID, was.CreatedAt, was.Scope, was.TeamID, was.Team, was.AgentID
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
	was, err := writeAs(s, ctx, actor, ActCannedChange, func(w *work) (desk.CannedReply, error) {
		was, err := loadCannedFor(w, id, ActCannedChange)
		if err != nil {
			return was, err
		}
		if err := w.tx.DeleteCannedReply(ctx, id); err != nil {
			return was, err
		}
		return was, w.audit(logCannedDelete, was.Name, was, nil)
	})
	return was, wrap("delete canned reply", err)
}

// CannedReply is one canned reply, for its edit form (those who may change it).
func (s *Service) CannedReply(ctx context.Context, actor desk.Actor, id int64) (desk.CannedReply, error) {
	r, err := readAs(s, ctx, actor, ActCannedChange, func(w *work) (desk.CannedReply, error) {
		return loadCannedFor(w, id, ActCannedChange)
	})
	return r, wrap("load canned reply", err)
}

// loadCannedFor loads a canned reply the actor sees (another's personal one, or another team's,
// is not found) and may act on.
func loadCannedFor(w *work, id int64, act Action) (desk.CannedReply, error) {
	if err := w.tx.LockToChange(w.ctx, store.CannedReplyToChange, id); store.IsNotFound(err) {
		return desk.CannedReply{}, desk.NotFound("canned reply", id)
	} else if err != nil {
		return desk.CannedReply{}, err
	}
	rs, err := w.tx.CannedReplies(w.ctx, id)
	if err != nil {
		return desk.CannedReply{}, err
	}
	if len(rs) == 0 {
		return desk.CannedReply{}, desk.NotFound("canned reply", id)
	}
	if ok, err := seesCanned(w, rs[0]); err != nil || !ok {
		return desk.CannedReply{}, cmp.Or(err, error(desk.NotFound("canned reply", id)))
	}
	return rs[0], w.allow(act, Object{Canned: &rs[0]})
}

// seesCanned: every agent sees the desk's replies, their own team's and their own personal
// ones; an admin every team's too; nobody another's personal replies. The desk itself and
// automations see all but personal ones.
func seesCanned(w *work, r desk.CannedReply) (bool, error) {
	switch {
	case r.Scope == desk.CannedDesk || r.Scope == "":
		return true, nil
	case r.Scope == desk.CannedPersonal:
		return w.actor.Kind == desk.ActorAgent && r.AgentID == w.actor.ID, nil
	case w.actor.Kind != desk.ActorAgent || w.actor.Role == desk.RoleAdmin:
		return w.actor.Kind != desk.ActorCustomer, nil
	}
	me, err := w.agent(w.actor.ID)
	if err != nil {
		return false, notFoundAs(err, "agent", w.actor.ID)
	}
	return me.TeamID != 0 && me.TeamID == r.TeamID, nil
}

// visibleCanned is the replies the actor sees (seesCanned).
func visibleCanned(w *work) ([]desk.CannedReply, error) {
	all, err := w.tx.CannedReplies(w.ctx, 0)
	if err != nil {
		return nil, err
	}
	out := make([]desk.CannedReply, 0, len(all))
	for _, r := range all {
		ok, err := seesCanned(w, r)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, r)
		}
	}
	return out, nil
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
	out, err := readAs(s, ctx, actor, ActAdminView, func(w *work) ([]AdminAgent, error) {
		agents, err := w.tx.Agents(ctx)
		if err != nil {
			return nil, err
		}
		names := map[int64]string{}
		for _, a := range agents {
			names[a.ID] = a.Name
			w.keepAgent(a)
		}
		may, err := manageable(w, agents)
		if err != nil {
			return nil, err
		}
		var out []AdminAgent
		for _, a := range agents {
			edit, err := mayManageAgent(w, Object{Agent: &a})
			if err != nil {
				return out, err
			}
			out = append(out, AdminAgent{Agent: a, Manager: names[a.ManagerID], Edit: edit, Toggle: may[a.ID]})
		}
		return out, nil
	})
	return out, wrap("list agents", err)
}

// AgentToEdit is an agent for the edit form, to those the table lets change them.
func (s *Service) AgentToEdit(ctx context.Context, actor desk.Actor, id int64) (desk.Agent, error) {
	a, err := readAs(s, ctx, actor, ActAgentUpdate, func(w *work) (desk.Agent, error) {
		return agentFor(w, id, ActAgentUpdate)
	})
	return a, wrap("load agent", err)
}

// TeamToEdit is a team's settings for the edit form, to those the table lets change them.
func (s *Service) TeamToEdit(ctx context.Context, actor desk.Actor, name string) (desk.TeamSettings, error) {
	t, err := readAs(s, ctx, actor, ActTeamSettings, func(w *work) (desk.TeamSettings, error) {
		teams, err := w.tx.Teams(ctx)
		if err != nil {
			return desk.TeamSettings{}, err
		}
		for _, x := range teams {
			if x.Name == name {
				return x, w.allow(ActTeamSettings, Object{TeamID: x.ID})
			}
		}
		return desk.TeamSettings{}, desk.NotFound("team", name)
	})
	return t, wrap("load team", err)
}
