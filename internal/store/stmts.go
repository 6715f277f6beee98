package store

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
)

// sqlTx runs a Tx's statements: in its transaction, or (a loose read on PostgreSQL, see
// ReadLoose) straight on the pool, each statement on its own.
//
// In a transaction it uses the store's prepared statements where it has them. On SQLite,
// parsing and planning a statement costs about as much as running it (a fifth of mail
// intake's CPU went to the parser), and database/sql prepares anew on every call made on a
// transaction; a prepared statement is kept for reuse by both drivers (modernc and mattn), so
// preparing each text once per connection and binding new arguments is enough. PostgreSQL needs none of this:
// pgx caches prepared statements per connection.
type sqlTx struct {
	tx     *sql.Tx                     // nil for a loose read
	db     *sql.DB                     // a loose read's pool
	stmts  *stmtCache                  // nil: no caching (PostgreSQL)
	local  *txStmts                    // SQLite writes: what this transaction prepared itself
	before func(context.Context) error // runs before each statement: the Tx's held writes (pending.go)
	count  *atomic.Int64               // the store's count of statements run (Store.Statements)
	trace  func(q string, args []any)  // tests: sees each statement asked for (Store.trace)
}

// txStmts are statements a transaction prepared on its own connection. The store's cache
// prepares a text on the pool while the transaction runs, but SQLite's writer has one
// connection, which a write transaction holds: a long one (a demo's seed of thousands of
// commands, one transaction) would parse every statement each time. A text run a second time in
// the transaction is prepared on it instead, for the rest of it.
type txStmts struct {
	uses  map[string]int
	stmts map[string]*sql.Stmt
}

func newTxStmts() *txStmts { return &txStmts{uses: map[string]int{}, stmts: map[string]*sql.Stmt{}} }

// get returns the transaction's prepared statement for q, preparing it on its second use; nil
// when it is not (yet) prepared. The transaction closes its statements when it ends.
func (l *txStmts) get(ctx context.Context, tx *sql.Tx, q string) *sql.Stmt {
	if l == nil || tx == nil {
		return nil
	}
	if st := l.stmts[q]; st != nil {
		return st
	}
	if l.uses[q]++; l.uses[q] < 2 || len(l.stmts) >= maxStmts {
		return nil
	}
	st, err := tx.PrepareContext(ctx, sqliteText(q))
	if err != nil {
		return nil // runs unprepared; a statement the database refuses fails where it is used
	}
	l.stmts[q] = st
	return st
}

type queryer interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

func (t sqlTx) on() queryer {
	if t.tx == nil {
		return t.db
	}
	return t.tx
}

// text is q as the SQLite driver must see it (see sqliteText); PostgreSQL takes it as it is.
func (t sqlTx) text(q string) string {
	if t.stmts == nil {
		return q
	}
	return sqliteText(q)
}

func (t sqlTx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	t.counted(q, args)
	if err := t.ready(ctx); err != nil {
		return nil, err
	}
	if st := t.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.on().QueryContext(ctx, t.text(q), args...)
}

func (t sqlTx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	t.counted(q, args)
	if err := t.ready(ctx); err != nil {
		// A *sql.Row cannot be made with an error: the query runs cancelled and fails, and
		// the transaction reports the write that failed (Tx.failed).
		cctx, cancel := context.WithCancelCause(ctx)
		cancel(err)
		ctx = cctx
	}
	if st := t.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.on().QueryRowContext(ctx, t.text(q), args...)
}

// counted counts a statement the caller asked for (the held writes it sets off count as they
// run: they are statements too), and shows it to a test's trace.
func (t sqlTx) counted(q string, args []any) {
	if t.count != nil {
		t.count.Add(1)
	}
	if t.trace != nil {
		t.trace(q, args)
	}
}

// ready runs what must come before each statement (the Tx's held writes, see pending.go).
func (t sqlTx) ready(ctx context.Context) error {
	if t.before == nil {
		return nil
	}
	return t.before(ctx)
}

// stmt is the prepared statement to run q with in the transaction, or nil for none (yet): the
// store's, or else the transaction's own.
func (t sqlTx) stmt(ctx context.Context, q string) *sql.Stmt {
	if st := t.stmts.get(q); st != nil && t.tx != nil {
		return t.tx.StmtContext(ctx, st)
	}
	return t.local.get(ctx, t.tx, q)
}

func (t sqlTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	t.counted(q, args)
	if err := t.ready(ctx); err != nil {
		return nil, err
	}
	if st := t.stmt(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.on().ExecContext(ctx, t.text(q), args...)
}

// stmtCache holds a SQLite database's prepared statements by their text. A text seen for the first
// time runs unprepared while a goroutine prepares it on the pool: preparing needs a
// connection of its own, and the SQLite writer's only connection is the one the calling
// transaction holds. Texts past maxStmts (queries built with a varying number of
// placeholders) are never cached.
type stmtCache struct {
	db      *sql.DB
	mu      sync.RWMutex
	stmts   map[string]*sql.Stmt
	pending map[string]bool
	closed  bool
}

const maxStmts = 400

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, stmts: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

// get returns the prepared statement for q, or nil (and starts preparing it).
func (c *stmtCache) get(q string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.RLock()
	st := c.stmts[q]
	c.mu.RUnlock()
	if st != nil {
		return st
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.pending[q] || len(c.stmts)+len(c.pending) >= maxStmts {
		return nil
	}
	c.pending[q] = true
	go c.prepare(q)
	return nil
}

func (c *stmtCache) prepare(q string) {
	st, err := c.db.PrepareContext(context.Background(), sqliteText(q))
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.pending, q)
	if err != nil {
		return // runs unprepared; a statement the database refuses fails where it is used
	}
	if c.closed {
		st.Close()
		return
	}
	c.stmts[q] = st
}

// close closes the prepared statements; later calls run unprepared.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for q, st := range c.stmts {
		st.Close()
		delete(c.stmts, q)
	}
}
