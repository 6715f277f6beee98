package web

import (
	"cmp"
	"slices"
	"strings"

	"github.com/keptdesk/kept/internal/desk"
)

// Agent pickers that stay usable with hundreds of agents: the options grouped by team
// (<optgroup>), the reader's own team first, and a search box above (kept.js) that hides the
// options not matching what is typed. Without script it is a plain grouped select.

type pickOption struct {
	ID    int64
	Label string
}

type pickGroup struct {
	Label   string
	Mine    bool // the reader's own team
	Options []pickOption
}

// agentGroups groups the agents by team, the reader's team first, the others by name and
// those in no team last; skip leaves one agent out (the case's owner, for a hand-over).
func (r *request) agentGroups(agents []desk.Agent, skip int64) []pickGroup {
	mine := ""
	for _, a := range agents {
		if a.ID == r.sess.Actor.ID {
			mine = a.Team
		}
	}
	byTeam := map[string]*pickGroup{}
	var order []string
	for _, a := range agents {
		if a.ID == skip || !a.Active || a.Role == desk.RolePartner {
			continue
		}
		g, ok := byTeam[a.Team]
		if !ok {
			label := a.Team
			if label == "" {
				label = r.T("pick.noteam")
			}
			g = &pickGroup{Label: label, Mine: a.Team == mine && a.Team != ""}
			byTeam[a.Team] = g
			order = append(order, a.Team)
		}
		g.Options = append(g.Options, pickOption{ID: a.ID, Label: a.Name + " · " + r.T("case.role."+string(a.Role))})
	}
	slices.SortFunc(order, func(a, b string) int {
		ga, gb := byTeam[a], byTeam[b]
		switch {
		case ga.Mine != gb.Mine:
			return btoi(gb.Mine) - btoi(ga.Mine)
		case (a == "") != (b == ""):
			return btoi(a == "") - btoi(b == "")
		}
		return cmp.Compare(strings.ToLower(a), strings.ToLower(b))
	})
	out := make([]pickGroup, 0, len(order))
	for _, t := range order {
		g := byTeam[t]
		slices.SortStableFunc(g.Options, func(a, b pickOption) int { return cmp.Compare(strings.ToLower(a.Label), strings.ToLower(b.Label)) })
		out = append(out, *g)
	}
	return out
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
