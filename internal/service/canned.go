package service

import (
	"context"
	"strings"

	"github.com/keptdesk/kept/internal/desk"
)

// cannedForCase lists the canned replies the reader sees on a case page, each previewed as it
// would reach the customer (variables filled in their language and zone).
func cannedForCase(w *work, c *desk.Case, p *CasePage) error {
	var err error
	if p.Canned, err = visibleCanned(w); err != nil {
		return err
	}
	p.Previews = make(map[int64]string, len(p.Canned))
	var fill *desk.CannedFill
	for _, r := range p.Canned {
		if !strings.Contains(r.Body, "{{") {
			p.Previews[r.ID] = r.Body
			continue
		}
		if fill == nil { // read once, for the replies that name something
			f, err := cannedFill(w, *c)
			if err != nil {
				return err
			}
			fill = &f
		}
		if text, err := desk.FillCannedReply(r.Body, *fill); err == nil {
			p.Previews[r.ID] = text
		}
	}
	return nil
}

// mayCreateCanned: anyone of the desk makes a desk-wide reply or a personal one; a team's reply
// is made by the team's lead or manager, or an admin.
func mayCreateCanned(w *work, o Object) (bool, error) {
	if o.Canned == nil || o.Canned.Scope != desk.CannedTeam {
		return true, nil
	}
	return leadsCannedTeam(w, o.Canned.TeamID)
}

// mayChangeCanned: a desk-wide reply is changed by an admin or a manager, a team's by its lead
// or manager or an admin, a personal one by its agent only.
func mayChangeCanned(w *work, o Object) (bool, error) {
	switch {
	case o.Canned == nil || o.Canned.Scope == desk.CannedDesk:
		return isManagerOrAdmin(w.actor), nil
	case o.Canned.Scope == desk.CannedPersonal:
		return w.actor.Kind == desk.ActorAgent && o.Canned.AgentID == w.actor.ID, nil
	}
	return leadsCannedTeam(w, o.Canned.TeamID)
}

// leadsCannedTeam: an admin, or the team's own lead or manager.
func leadsCannedTeam(w *work, teamID int64) (bool, error) {
	a := w.actor
	if a.Kind != desk.ActorAgent {
		return false, nil
	}
	if a.Role == desk.RoleAdmin {
		return true, nil
	}
	if a.Role != desk.RoleLead && a.Role != desk.RoleManager {
		return false, nil
	}
	me, err := w.agent(a.ID)
	if err != nil {
		return false, notFoundAs(err, "agent", a.ID)
	}
	return teamID != 0 && me.TeamID == teamID, nil
}

// CannedItem is a canned reply as the administration list shows it, with whether the reader
// may change it.
type CannedItem struct {
	desk.CannedReply
	MayChange bool
}

// CannedList is the canned replies the reader sees, each with whether they may change it, in
// one read.
func (s *Service) CannedList(ctx context.Context, actor desk.Actor) ([]CannedItem, error) {
	out, err := readAs(s, ctx, actor, ActDeskRead, func(w *work) ([]CannedItem, error) {
		mine, err := visibleCanned(w)
		if err != nil {
			return nil, err
		}
		var out []CannedItem
		for _, r := range mine {
			ok, err := w.may(ActCannedChange, Object{Canned: &r})
			if err != nil {
				return out, err
			}
			out = append(out, CannedItem{CannedReply: r, MayChange: ok})
		}
		return out, nil
	})
	return out, wrap("list canned replies", err)
}
