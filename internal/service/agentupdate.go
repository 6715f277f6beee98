package service

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// AgentUpdate changes an agent; nil fields stay as they are.
type AgentUpdate struct {
	Name      *string
	Role      *string
	Team      *string // "" takes them out of any team; a new name creates the team
	ManagerID *int64  // 0: nobody
	Timezone  *string
	Hours     map[string][]string
	Active    *bool
}

// own reports whether the update touches only what an agent may change of themselves.
func (u AgentUpdate) own() bool {
	return u.Role == nil && u.Team == nil && u.ManagerID == nil && u.Active == nil
}

// UpdateAgent changes an agent (PATCH /api/v1/agents/{id}). An agent changes their own name,
// zone and hours; the rest is for whoever manages them (the table's agent.update: an admin, or a
// manager for people below them, never admins), and only an admin makes admins and managers.
// Deactivating ends the agent's sessions, as SetAgentActive does.
func (s *Service) UpdateAgent(ctx context.Context, actor desk.Actor, id int64, in AgentUpdate) (desk.Agent, error) {
	a, err := s.onAgent(ctx, actor, id, ActAgentUpdate, func(w *work, a *desk.Agent) error {
		if !in.own() && actor.Kind != desk.ActorSystem {
			// Role, team, manager and active are for those who manage the agent, themselves too.
			if ok, err := mayManageAgent(w, Object{Agent: a}); err != nil {
				return err
			} else if !ok {
				return refusal(ActAgentUpdate)
			}
		}
		was := *a
		if err := applyAgentUpdate(w, a, in); err != nil {
			return err
		}
		if a.Role != was.Role || a.ManagerID != was.ManagerID {
			// The agent as changed must be one the actor could have added (mayCreateAgent).
			if err := w.allow(ActAgentCreate, Object{Agent: a}); err != nil {
				return err
			}
		}
		if err := w.tx.UpdateAgent(ctx, *a); err != nil {
			return err
		}
		w.keepAgent(*a)
		if err := w.audit(logAgentUpdate, a.Email, agentFields(was), agentFields(*a)); err != nil {
			return err
		}
		if was.Active && !a.Active {
			return w.tx.DeleteSessions(ctx, string(desk.ActorAgent), a.ID, w.now)
		}
		return nil
	})
	return a, wrap("update agent", err)
}

// applyAgentUpdate checks the changes and makes them on a.
func applyAgentUpdate(w *work, a *desk.Agent, in AgentUpdate) error {
	if in.Name != nil {
		name := strings.TrimSpace(*in.Name)
		if name == "" || utf8.RuneCountInString(name) > 200 {
			return desk.Invalid("name", "a name of 1 to 200 characters is required")
		}
		a.Name = name
	}
	if in.Role != nil {
		role, err := desk.ParseRole("role", *in.Role)
		if err != nil {
			return err
		}
		if (role == desk.RolePartner) != (a.Role == desk.RolePartner) {
			return desk.Invalid("role", "a partner user stays a partner user (and an agent never becomes one): add a new account")
		}
		if a.Role == desk.RoleAdmin && role != desk.RoleAdmin && w.actor.ID == a.ID && w.actor.Kind == desk.ActorAgent {
			// As nobody deactivates themselves: the only admin could leave the desk without one.
			return desk.Invalid("role", "you cannot take away your own admin role; ask another admin")
		}
		a.Role = role
	}
	if in.Team != nil {
		a.TeamID, a.Team = 0, strings.TrimSpace(*in.Team)
		if a.Team != "" {
			id, err := w.tx.EnsureTeam(w.ctx, a.Team, w.now)
			if err != nil {
				return err
			}
			a.TeamID = id
		}
	}
	if in.ManagerID != nil {
		m := *in.ManagerID
		if m == a.ID {
			return desk.Invalid("manager_id", "an agent cannot be their own manager")
		}
		if m != 0 {
			boss, err := w.agent(m)
			if store.IsNotFound(err) {
				return desk.Invalid("manager_id", "no agent %d to be the manager", m)
			} else if err != nil {
				return err
			}
			if up, err := above(w, a.ID, boss); err != nil {
				return err
			} else if up {
				return desk.Invalid("manager_id", "%s reports to %s: the chain would go round", boss.Name, a.Name)
			}
		}
		a.ManagerID = m
	}
	if in.Timezone != nil {
		tz := strings.TrimSpace(*in.Timezone)
		loc, err := time.LoadLocation(tz)
		if err != nil || tz == "" || strings.EqualFold(tz, "local") {
			return desk.Invalid("timezone", "%q is not an IANA time zone such as Europe/Tallinn", *in.Timezone)
		}
		a.Timezone, a.Loc = tz, loc
	}
	if in.Hours != nil {
		h, err := desk.ParseHours("hours", in.Hours)
		if err != nil {
			return err
		}
		a.Hours = h
	}
	if in.Active != nil {
		if !*in.Active && w.actor.ID == a.ID {
			return desk.Invalid("active", "you cannot deactivate yourself; ask another manager")
		}
		a.Active = *in.Active
	}
	return nil
}
