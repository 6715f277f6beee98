package service

import (
	"context"
	"sort"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// AbsencesBetween lists an agent's absences that overlap [from, to), ended ones included: what a
// calendar of that week shows.
func (s *Service) AbsencesBetween(ctx context.Context, actor desk.Actor, agentID int64, from, to time.Time) ([]desk.Absence, error) {
	if err := requireStaff(actor); err != nil {
		return nil, err
	}
	if !to.After(from) {
		return []desk.Absence{}, nil
	}
	var out []desk.Absence
	err := s.readTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Agent(ctx, agentID); err != nil {
			return notFoundAs(err, "agent", agentID)
		}
		var err error
		out, err = tx.Absences(ctx, agentID, from, to)
		return err
	})
	return out, wrap("list absences", err)
}

// Colleague is an agent who might take over an away agent's cases, and whether they are away
// themselves (on leave or sick) at some point of the absence.
type Colleague struct {
	desk.Agent
	SameTeam bool
	Away     *desk.Absence // the first leave or sickness overlapping the absence; nil when there
}

// Colleagues lists who could look after agentID's cases during [from, to): the other active
// agents who may own cases (not partners), the agent's own team first, then by name. A
// colleague away on leave or sick during the absence is listed with Away set, so a form can
// say why they cannot be chosen; breaks do not count.
func (s *Service) Colleagues(ctx context.Context, actor desk.Actor, agentID int64, from, to time.Time) ([]Colleague, error) {
	if err := requireStaff(actor); err != nil {
		return nil, err
	}
	out := []Colleague{}
	err := s.readTx(ctx, func(tx *store.Tx) error {
		me, err := tx.Agent(ctx, agentID)
		if err != nil {
			return notFoundAs(err, "agent", agentID)
		}
		agents, err := tx.Agents(ctx)
		if err != nil {
			return err
		}
		for _, a := range agents {
			if a.ID == me.ID || !a.Active || a.Role == desk.RolePartner {
				continue
			}
			c := Colleague{Agent: a, SameTeam: me.TeamID != 0 && a.TeamID == me.TeamID}
			if to.After(from) {
				away, err := tx.Absences(ctx, a.ID, from, to)
				if err != nil {
					return err
				}
				for i := range away {
					if away[i].Kind != desk.AbsenceBreak {
						c.Away = &away[i]
						break
					}
				}
			}
			out = append(out, c)
		}
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].SameTeam != out[j].SameTeam {
			return out[i].SameTeam
		}
		return out[i].Name < out[j].Name
	})
	return out, wrap("list colleagues", err)
}
