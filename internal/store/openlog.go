package store

import "github.com/keptdesk/kept/internal/desk"

// openLog follows the changes a write transaction makes to agents' open-case counts (which
// triggers keep in agent_open_cases), so an owner pool can keep the counts it read and add
// them up instead of reading them again for every mail of a group. A write whose effect on
// the counts it cannot know (a case saved that this transaction did not load or insert, a
// batch of cases saved, a savepoint rolled back) starts a new generation: pools read again.
type openLog struct {
	gen     int
	changes []openChange
	cases   map[int64]caseLoad // as this transaction last loaded or wrote each case
}

type openChange struct {
	agentID int64
	delta   int
}

// caseLoad is what of a case the counts follow: its owner, and whether it counts as open
// (as the triggers decide: open or awaiting confirmation).
type caseLoad struct {
	owner int64
	open  bool
}

func loadOf(c desk.Case) caseLoad {
	return caseLoad{owner: c.OwnerID, open: c.Status == desk.StatusOpen || c.Status == desk.StatusAwaitingConfirmation}
}

// seen records a case as loaded in the transaction (locked, so nothing else changes it).
func (l *openLog) seen(c desk.Case) {
	if l.cases == nil {
		l.cases = map[int64]caseLoad{}
	}
	l.cases[c.ID] = loadOf(c)
}

// inserted records a new case.
func (l *openLog) inserted(c desk.Case) {
	l.seen(c)
	if now := loadOf(c); now.open {
		l.changes = append(l.changes, openChange{now.owner, 1})
	}
}

// saved records a case written back: exactly when it was loaded or inserted here.
func (l *openLog) saved(c desk.Case) {
	was, ok := l.cases[c.ID]
	if !ok {
		l.unknown()
		return
	}
	if was.open {
		l.changes = append(l.changes, openChange{was.owner, -1})
	}
	l.inserted(c)
}

// unknown starts a new generation: the counts changed in a way not followed here.
func (l *openLog) unknown() {
	l.gen++
	l.changes, l.cases = nil, nil
}
