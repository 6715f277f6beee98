package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// OwnerPool is what choosing a new case's owner reads that only changes when agents or
// absences are written: the agents (of one team, when the pool is a team's) and their leave and
// sickness around the time it was read. Whom of them a new case may go to is the desk's rule
// (desk.MayOwnNewCase, desk.AwayForNewCases); their counts of open cases come from OpenCounts.
// Mail intake reads a pool once per group transaction, where nothing writes agents or absences,
// and then only the open counts (which every case opened changes) for each mail.
type OwnerPool struct {
	Agents   []desk.Agent             // whole: a team's queue asks who is at work (hours, zone)
	Absences map[int64][]desk.Absence // breaks, leave and sickness, by agent, that may count within an hour of Read
	Read     time.Time                // the time it was read for (see Holds)
	teamID   int64
	// counts reads the open counts of only the pool's agents (args, their ids) when they are a
	// team's: at scale M a team has a fifth of the desk's agents.
	counts string
	args   []any
	// open holds the counts as read at generation gen of the transaction's openLog, with its
	// changes up to changes added: nil until OpenCounts first reads them.
	open    map[int64]int
	gen     int
	changes int
}

// Holds reports whether the pool may stand for the agents and absences at now.
func (p *OwnerPool) Holds(now time.Time) bool {
	d := now.Sub(p.Read)
	return d >= -poolHolds && d <= poolHolds
}

// OwnerPool is the agents (of one team, when teamID is not 0), with their leave and sickness
// that may count within an hour of now. The store keeps each team's pool between transactions
// and reads it again, in two statements, only when agents, teams or absences were written since
// (owner_pool_stamp, migration 00053) or it no longer holds at now.
func (t *Tx) OwnerPool(ctx context.Context, teamID int64, now time.Time) (OwnerPool, error) {
	// The stamp before the pool: a pool read after it is at least as new as the stamp.
	var stamp int64
	if err := t.unheld().QueryRowContext(ctx, `SELECT stamp FROM owner_pool_stamp`).Scan(&stamp); err != nil {
		return OwnerPool{}, fmt.Errorf("owner pool stamp: %w", err)
	}
	if p, ok := t.agents.pool(teamID, stamp, now); ok {
		return p, nil
	}
	p, err := t.readOwnerPool(ctx, teamID, now)
	if err == nil {
		t.agents.keepPool(teamID, stamp, p)
	}
	return p, err
}

// readOwnerPool reads a team's owner pool (see OwnerPool).
func (t *Tx) readOwnerPool(ctx context.Context, teamID int64, now time.Time) (OwnerPool, error) {
	p := OwnerPool{teamID: teamID, Read: now, Absences: map[int64][]desk.Absence{}}
	q, args := narrowed(`SELECT `+agentColumns+agentFrom, `a.team_id = CAST($1 AS BIGINT)`, teamID) // cast: see CustomerAt
	// Unheld (pending.go), as the absences below: nothing held writes agents or absences.
	if err := t.unheld().eachRow(ctx, appendTo(&p.Agents, t.scanAgent), q+` ORDER BY a.id`, args...); err != nil {
		return p, fmt.Errorf("owner pool: %w", err)
	}
	p.counts = `SELECT agent_id, SUM(open) FROM agent_open_cases GROUP BY agent_id`
	if teamID != 0 && len(p.Agents) > 0 {
		in := make([]string, len(p.Agents))
		for i, a := range p.Agents {
			in[i] = fmt.Sprintf("$%d", i+1)
			p.args = append(p.args, a.ID)
		}
		p.counts = `SELECT agent_id, SUM(open) FROM agent_open_cases WHERE agent_id IN (` + strings.Join(in, ", ") + `) GROUP BY agent_id`
	}
	err := t.unheld().eachRow(ctx, func(row scanner) error {
		var a desk.Absence
		var kind string
		if err := row.Scan(&a.AgentID, &kind, &a.From, &a.To); err != nil {
			return err
		}
		a.Kind, a.From, a.To = desk.AbsenceKind(kind), a.From.UTC(), a.To.UTC()
		p.Absences[a.AgentID] = append(p.Absences[a.AgentID], a)
		return nil
	}, `SELECT agent_id, kind, from_at, to_at FROM absences
		WHERE kind IN ('break', 'leave', 'sick') AND to_at > CAST($1 AS `+t.d.timeType+`) AND from_at < CAST($2 AS `+t.d.timeType+`)`,
		now.Add(-poolHolds), now.Add(24*time.Hour+poolHolds))
	if err != nil {
		return p, fmt.Errorf("owner pool absences: %w", err)
	}
	return p, nil
}

// OpenCounts is each of the pool's agents' count of open cases (missing: none), in the
// transaction that read the pool: read once, then kept with the transaction's own changes to
// them (see openLog), and read again only after a savepoint was rolled back.
//
// On PostgreSQL the counts kept miss what other transactions commit meanwhile, as a count read
// once per group would; they only balance new cases between agents.
func (t *Tx) OpenCounts(ctx context.Context, p *OwnerPool) (map[int64]int, error) {
	if len(p.Agents) == 0 {
		return map[int64]int{}, nil
	}
	if p.open == nil || p.gen != t.opens.gen {
		if err := t.poolCounts(ctx, p); err != nil {
			return nil, err
		}
	}
	for _, c := range t.opens.changes[p.changes:] {
		p.open[c.agentID] += c.delta
	}
	p.changes = len(t.opens.changes)
	return p.open, nil
}

// poolCounts reads the open counts of a pool's agents, at the openLog's generation.
func (t *Tx) poolCounts(ctx context.Context, p *OwnerPool) error {
	// Unheld, with the changes held (not yet written) added below: every change the openLog
	// has is either written or held, so the counts are as if the held writes were made.
	open, err := queryMap[int64, int](ctx, t.unheld(), "open counts", p.counts, p.args...)
	if err != nil {
		return err
	}
	for _, a := range p.Agents {
		if d := t.pend.opens[a.ID]; d != 0 {
			open[a.ID] += d
		}
	}
	p.open, p.gen, p.changes = open, t.opens.gen, len(t.opens.changes)
	return nil
}

// CountCases counts each owner's cases in these statuses, from the cases themselves: what the
// counts kept in agent_open_cases must agree with (the tests hold them to it).
func (t *Tx) CountCases(ctx context.Context, statuses []desk.Status) (map[int64]int, error) {
	ph := make([]string, len(statuses))
	args := make([]any, len(statuses))
	for i, st := range statuses {
		ph[i], args[i] = fmt.Sprintf("$%d", i+1), string(st)
	}
	return queryMap[int64, int](ctx, t.tx, "count cases",
		`SELECT owner_id, COUNT(*) FROM cases WHERE owner_id IS NOT NULL AND status IN (`+strings.Join(ph, ", ")+`) GROUP BY owner_id`, args...)
}
