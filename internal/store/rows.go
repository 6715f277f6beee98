package store

import (
	"context"
	"database/sql"
	"fmt"
)

// The few shapes every statement of the store takes, written once: run a query and read each
// row it answers (into a list, a map, or anything), read the one row of an id, count the rows
// a statement changed. They cost a function call a row, no reflection: the store's hot paths
// (intake, promise breaks, search, the case page) use them as freely as the rest.

// scanner is a row to read: a *sql.Row or the current row of a *sql.Rows.
type scanner interface{ Scan(...any) error }

// eachRow runs a query and calls fn with each row it answers, in order; it stops at the first
// error, fn's or the query's.
func (q sqlTx) eachRow(ctx context.Context, fn func(scanner) error, query string, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// appendTo is a row function for eachRow that scans the row and appends it to *out.
func appendTo[T any](out *[]T, scan func(scanner) (T, error)) func(scanner) error {
	return func(row scanner) error {
		v, err := scan(row)
		if err != nil {
			return err
		}
		*out = append(*out, v)
		return nil
	}
}

// queryAll runs a query and scans each row it answers (an empty list for none).
func queryAll[T any](ctx context.Context, t *Tx, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	out := []T{}
	if err := t.tx.eachRow(ctx, appendTo(&out, scan), query, args...); err != nil {
		return nil, err
	}
	return out, nil
}

// listOf is queryAll with what was listed named in its error.
func listOf[T any](ctx context.Context, t *Tx, what string, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	out, err := queryAll(ctx, t, scan, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// queryMap runs a query of two columns, a key and its value, into a map (empty for no rows),
// with what was read named in its error.
func queryMap[K comparable, V any](ctx context.Context, q sqlTx, what, query string, args ...any) (map[K]V, error) {
	out := map[K]V{}
	err := q.eachRow(ctx, func(row scanner) error {
		var k K
		var v V
		if err := row.Scan(&k, &v); err != nil {
			return err
		}
		out[k] = v
		return nil
	}, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// loadByID reads the row of an id that query (with the id as $1) answers; none is ErrNotFound.
// Its errors say "load what id".
func loadByID[T any](ctx context.Context, t *Tx, what string, id int64, scan func(scanner) (T, error), query string) (T, error) {
	v, err := scan(t.tx.QueryRowContext(ctx, query, id))
	if err != nil {
		return v, fmt.Errorf("load %s %d: %w", what, id, notFound(err))
	}
	return v, nil
}

// Changed names the rows that commands read, change and store whole, or check a change against:
// an agent, a team's settings, a partner, a case type, a canned reply, an automation, a webhook,
// an absence, a sign-in's second step (its count of wrong codes).
type Changed struct{ what, table string }

// The rows LockToChange locks.
var (
	AgentToChange       = Changed{"agent", "agents"}
	TeamToChange        = Changed{"team", "teams"}
	PartnerToChange     = Changed{"partner", "partners"}
	CaseTypeToChange    = Changed{"case type", "case_types"}
	CannedReplyToChange = Changed{"canned reply", "canned_replies"}
	AutomationToChange  = Changed{"automation", "automations"}
	WebhookToChange     = Changed{"webhook", "webhooks"}
	AbsenceToChange     = Changed{"absence", "absences"}
	SigninStepToChange  = Changed{"sign-in step", "signin_steps"}
)

// LockToChange locks a row by id inside a write on PostgreSQL, before a command reads it to lay
// a change over the whole: unlocked, two changes at once both started from the same old row, and
// the later put back what the earlier changed. SQLite's writer holds the whole database. Its own
// statement, not FOR UPDATE on the read: where a read joins another table, PostgreSQL rechecks
// only the locked row after the wait, and would pair its new values with the joined row's old
// ones (a team a change had just named would read as none). Reads that only use a row (a case
// type by every case opened, a canned reply by every agent sending it) wait on nothing.
// A missing row is ErrNotFound.
func (t *Tx) LockToChange(ctx context.Context, row Changed, id int64) error {
	if !t.writable || t.d.forUpdate == "" {
		return nil
	}
	var got int64
	return t.scanByID(ctx, "lock "+row.what, id, `SELECT id FROM `+row.table+` WHERE id = $1`+t.d.forUpdate, &got)
}

// scanByID reads the row of an id that query (with the id as $1) answers into dest; none is
// ErrNotFound. Its errors begin with what and the id.
func (t *Tx) scanByID(ctx context.Context, what string, id int64, query string, dest ...any) error {
	if err := t.tx.QueryRowContext(ctx, query, id).Scan(dest...); err != nil {
		return fmt.Errorf("%s %d: %w", what, id, notFound(err))
	}
	return nil
}

// insertID runs an INSERT … RETURNING id and returns the id, what was inserted named in its
// error.
func (t *Tx) insertID(ctx context.Context, what, query string, args ...any) (int64, error) {
	var id int64
	if err := t.tx.QueryRowContext(ctx, query, args...).Scan(&id); err != nil {
		return 0, fmt.Errorf("insert %s: %w", what, err)
	}
	return id, nil
}

// changedRows runs a statement and counts the rows it changed, what it was in its errors: how
// one-time links are used and grants revoked, so that of two racing requests one wins.
func (t *Tx) changedRows(ctx context.Context, what, q string, args ...any) (int64, error) {
	res, err := t.tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	return n, nil
}

// oneRow checks that a statement changed the one row, of that id, it was for: none is
// ErrNotFound. Its errors begin with what and the id.
func oneRow(res sql.Result, err error, what string, id int64) error {
	if err != nil {
		return fmt.Errorf("%s %d: %w", what, id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("%s %d: %w", what, id, err)
	} else if n == 0 {
		return fmt.Errorf("%s %d: %w", what, id, ErrNotFound)
	}
	return nil
}

// scanValue reads a row of one column.
func scanValue[T any](row scanner) (T, error) {
	var v T
	err := row.Scan(&v)
	return v, err
}

// walkRows runs a query and hands each row, as scan reads it, to fn: for reads too large to
// hold (a whole desk's records, for kept verify). Its errors name what was walked, but for
// fn's, returned as they are.
func walkRows[T any](ctx context.Context, t *Tx, what string, scan func(scanner) (T, error), fn func(T) error, query string, args ...any) error {
	fnFailed := false
	err := t.tx.eachRow(ctx, func(row scanner) error {
		v, err := scan(row)
		if err != nil {
			return err
		}
		err = fn(v)
		fnFailed = err != nil
		return err
	}, query, args...)
	if err != nil && !fnFailed {
		return fmt.Errorf("%s: %w", what, err)
	}
	return err
}

// narrowed is q with cond (on $1, the id) as its WHERE when id is not 0, and the arguments:
// a walk over everything, or over one case's rows.
func narrowed(q, cond string, id int64) (string, []any) {
	if id == 0 {
		return q, nil
	}
	return q + ` WHERE ` + cond, []any{id}
}

// boxes hands out each distinct short text of a statement's arguments boxed once: boxing a
// string as an argument allocates, and a batch's rows repeat most of theirs (a status, a
// measure, a day, a kind). Long texts (bodies, hashes) are rarely repeated and boxed as they
// come.
type boxes map[string]any

func (b boxes) of(s string) any {
	if len(s) >= 64 {
		return s
	}
	v, ok := b[s]
	if !ok {
		v = s
		b[s] = v
	}
	return v
}

// rollRows is how many rows one of PostgreSQL's insertRows statements writes.
const rollRows = 500

// insertRows runs head, n rows of cols values each, then tail, many rows a statement. On
// SQLite the placeholders are anonymous and the rows go in chunks of chunkSizes (so a few
// statement texts are cached): modernc looks up each numbered placeholder's name in a list as
// long as the statement's parameters, which made a break's roll-ups three times its own cost.
// On PostgreSQL they are numbered, rollRows rows a statement. row appends row i's values.
func (t *Tx) insertRows(ctx context.Context, head, tail string, cols, n int, row func(i int, args []any) []any) error {
	if t.d.name != "postgres" {
		return chunks(n, func(lo, hi int) error {
			args := make([]any, 0, cols*(hi-lo))
			for i := lo; i < hi; i++ {
				args = row(i, args)
			}
			_, err := t.tx.ExecContext(ctx, head+valuesRows(hi-lo, cols)+tail, args...)
			return err
		})
	}
	for lo := 0; lo < n; lo += rollRows {
		hi := min(n, lo+rollRows)
		args := make([]any, 0, cols*(hi-lo))
		for i := lo; i < hi; i++ {
			args = row(i, args)
		}
		if _, err := t.tx.ExecContext(ctx, head+t.d.valuesRows(hi-lo, cols)+tail, args...); err != nil {
			return err
		}
	}
	return nil
}
