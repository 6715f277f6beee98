package store

import (
	"context"
	"fmt"
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
