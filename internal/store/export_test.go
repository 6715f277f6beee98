package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// PlannerRows is what PostgreSQL's planner believes a table holds (pg_class.reltuples): -1
// until the table's statistics are first gathered. Tests only.
func (s *Store) PlannerRows(ctx context.Context, table string) (float64, error) {
	var n float64
	if err := s.writer.QueryRowContext(ctx, `SELECT reltuples FROM pg_class WHERE oid = to_regclass($1)`, table).Scan(&n); err != nil {
		return 0, fmt.Errorf("planner rows of %s: %w", table, err)
	}
	return n, nil
}

// FirstAnswerPlan is PostgreSQL's plan for the first answers of the cases, as the roll-ups ask
// for them (firstAnswer). Tests only.
func (s *Store) FirstAnswerPlan(ctx context.Context, ids []int64) (string, error) {
	var lines []string
	err := s.Read(ctx, func(tx *Tx) error {
		return tx.tx.eachRow(ctx, appendTo(&lines, scanValue[string]), `EXPLAIN SELECT c.id, `+firstAnswer+` FROM cases c WHERE c.id IN `+s.d.jsonIDs(1), idList(ids))
	})
	return strings.Join(lines, "\n"), err
}

// planOf is a statement's plan on the writer: on PostgreSQL with its run (EXPLAIN ANALYZE), on
// SQLite its steps (EXPLAIN QUERY PLAN), one a line.
func (s *Store) planOf(ctx context.Context, q string, args ...any) (string, error) {
	var lines []string
	err := s.Write(ctx, func(tx *Tx) error {
		if s.d.name == "postgres" {
			return tx.tx.eachRow(ctx, appendTo(&lines, scanValue[string]), `EXPLAIN ANALYZE `+q, args...)
		}
		return tx.tx.eachRow(ctx, appendTo(&lines, func(row scanner) (string, error) {
			var id, parent, unused int
			var detail string
			err := row.Scan(&id, &parent, &unused, &detail)
			return detail, err
		}), `EXPLAIN QUERY PLAN `+q, args...)
	})
	return strings.Join(lines, "\n"), err
}

// RolledEntriesPlan is the plan, on the writer where the roll-ups run, for their read of
// status changes, escalations and hand-overs (rolledEntries) of the cases ids. Tests only.
func (s *Store) RolledEntriesPlan(ctx context.Context, ids string) (string, error) {
	return s.planOf(ctx, rolledEntries(s.d), ids)
}

// CustomerLookupPlans is the plans for finding customers by contact point (customersAt, of
// contacts: a JSON array) and reading several customers' contact points and references
// (customerDetails, of ids: a JSON array). Tests only.
func (s *Store) CustomerLookupPlans(ctx context.Context, contacts, ids string) (at, details string, err error) {
	if at, err = s.planOf(ctx, customersAt(s.d), contacts); err != nil {
		return "", "", err
	}
	details, err = s.planOf(ctx, customerDetails(`IN `+s.d.jsonIDs(1)), ids)
	return at, details, err
}

// CaseListPlan is the plan of CaseList's statement for f. Tests only.
func (s *Store) CaseListPlan(ctx context.Context, f CaseFilter) (string, error) {
	return s.planOf(ctx, caseList(s.d, f), f.args()...)
}

// ExecForTest runs statements on the writing connection, outside the store's commands. Tests only.
func (s *Store) ExecForTest(ctx context.Context, stmts ...string) error {
	for _, q := range stmts {
		if _, err := s.writer.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// PoolStamp is the owner pools' stamp (migration 00053). Tests only.
func (s *Store) PoolStamp(ctx context.Context) (int64, error) {
	var n int64
	err := s.writer.QueryRowContext(ctx, `SELECT stamp FROM owner_pool_stamp`).Scan(&n)
	return n, err
}

// CountRows counts a table's rows in the transaction. Tests only.
func (t *Tx) CountRows(ctx context.Context, table string) (int, error) {
	var n int
	err := t.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n)
	return n, err
}

// MigrateTo applies the migrations up to version and no further. Tests only.
func (s *Store) MigrateTo(ctx context.Context, version int64) error {
	p, err := s.migrations(ctx)
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}

// StoredFact is a fact of a case's roll-ups as the store keeps it.
type StoredFact = fact

// StoredFacts are the stored roll-up facts of the cases, sorted. Tests only.
func (s *Store) StoredFacts(ctx context.Context, ids ...int64) ([]StoredFact, error) {
	var out []fact
	err := s.Read(ctx, func(tx *Tx) error {
		var err error
		out, err = tx.storedFacts(ctx, idList(ids), 0)
		return err
	})
	slices.SortFunc(out, compareFacts)
	return out, err
}

// LinkMailsPlan is PostgreSQL's plan, with its run, for linking the mails to entries as a
// command's held writes do (linkMails). Tests only.
func (s *Store) LinkMailsPlan(ctx context.Context, mails ...int64) (string, error) {
	rows := make([]mailLink, len(mails))
	for i, id := range mails {
		rows[i] = mailLink{ID: id, CaseID: 1, Seq: 1}
	}
	q := linkMailsSQL(s.d)
	args, err := s.d.rowsArgs(q, rows)
	if err != nil {
		return "", err
	}
	return s.planOf(ctx, q, args...)
}

// TraceStatements has fn see each statement the store's transactions and loose reads run from
// now on, with its arguments (nil: none). Set it before the transactions it is to see begin.
// Tests only.
func (s *Store) TraceStatements(fn func(q string, args []any)) { s.trace = fn }

// PlanOf is a statement's plan on the writer (see planOf). Tests only.
func (s *Store) PlanOf(ctx context.Context, q string, args ...any) (string, error) {
	return s.planOf(ctx, q, args...)
}
