package store

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/keptdesk/kept/internal/desk"
)

// openLog is a write transaction's changes to agents' counts of open cases (agent_open_cases):
// which statuses count is the desk's rule (desk.Status.CountsTowardLoad); keeping the counts
// is the store's, here. Each case the transaction inserts or saves counts for its owner against
// how the transaction loaded it, so a case is saved only after it was loaded (Case,
// CasesForUpdate) or inserted in the same transaction. The changes are written with the
// transaction's other held writes (pending.go); owner pools add them up too, instead of reading
// the counts again for every mail of a group (see OwnerPool).
type openLog struct {
	gen     int // a new generation when the changes can no longer be followed (a savepoint rolled back)
	changes []openChange
	cases   map[int64]caseLoad // as this transaction last loaded or wrote each case
}

type openChange struct {
	agentID int64
	delta   int
}

// caseLoad is what of a case its owner's count follows: the owner, and whether it counts.
type caseLoad struct {
	owner int64
	open  bool
}

func loadOf(c desk.Case) caseLoad {
	return caseLoad{owner: c.OwnerID, open: c.OwnerID != 0 && c.Status.CountsTowardLoad()} // a queued case counts for nobody
}

// seen records a case as loaded in the transaction (locked, so nothing else changes it).
func (l *openLog) seen(c desk.Case) {
	if l.cases == nil {
		l.cases = map[int64]caseLoad{}
	}
	l.cases[c.ID] = loadOf(c)
}

// inserted records a new case and returns its change to the counts.
func (l *openLog) inserted(c desk.Case) []openChange {
	l.seen(c)
	if now := loadOf(c); now.open {
		return l.add(openChange{now.owner, 1})
	}
	return nil
}

// saved records a case written back and returns its changes to the counts.
func (l *openLog) saved(c desk.Case) ([]openChange, error) {
	was, ok := l.cases[c.ID]
	if !ok {
		return nil, fmt.Errorf("save case %d: not loaded in this transaction, so its owner's count of open cases cannot follow", c.ID)
	}
	now := loadOf(c)
	l.cases[c.ID] = now
	if was == now {
		return nil, nil
	}
	var out []openChange
	if was.open {
		out = l.add(openChange{was.owner, -1})
	}
	if now.open {
		out = append(out, l.add(openChange{now.owner, 1})...)
	}
	return out, nil
}

func (l *openLog) add(c openChange) []openChange {
	l.changes = append(l.changes, c)
	return []openChange{c}
}

// snapshot is what a savepoint restores when it is rolled back: the cases as loaded before it.
func (l *openLog) snapshot() map[int64]caseLoad { return maps.Clone(l.cases) }

// rolledBack restores the cases as they were before a savepoint that was rolled back, and
// starts a new generation: the changes pools followed may have been undone.
func (l *openLog) rolledBack(cases map[int64]caseLoad) {
	l.gen++
	l.changes, l.cases = nil, cases
}

// writeOpenCounts adds the held changes to the agents' counts, netted per agent, in one
// statement. On PostgreSQL each agent's count is spread over shards by connection (migration
// 00011), so concurrent transactions opening cases for one agent do not queue on one row.
func (t *Tx) writeOpenCounts(ctx context.Context, deltas map[int64]int) error {
	type row struct {
		AgentID int64 `json:"agent_id"`
		Delta   int   `json:"delta"`
	}
	var rows []row
	for id, d := range deltas {
		if d != 0 {
			rows = append(rows, row{id, d})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	slices.SortFunc(rows, func(a, b row) int { return cmp.Compare(a.AgentID, b.AgentID) }) // locks taken in one order
	// WHERE true: without it SQLite would read ON CONFLICT as part of the SELECT's join.
	return t.execRows(ctx, fmt.Sprintf("open counts of %d agents", len(rows)), `INSERT INTO agent_open_cases (agent_id, shard, open)
		SELECT j.agent_id, `+t.d.shard+`, j.delta FROM `+t.d.rowsOf("agent_id BIGINT", "delta INTEGER")+` WHERE true
		ON CONFLICT (agent_id, shard) DO UPDATE SET open = agent_open_cases.open + excluded.open`, rows)
}
