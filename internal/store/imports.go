package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Imported finds what an earlier import made of a source's objects of one kind ("customer",
// "case"): the local ids by external id, for those it has.
func (t *Tx) Imported(ctx context.Context, source, kind string, externalIDs []string) (map[string]int64, error) {
	out := make(map[string]int64, len(externalIDs))
	const chunk = 500
	for start := 0; start < len(externalIDs); start += chunk {
		ids := externalIDs[start:min(start+chunk, len(externalIDs))]
		args := make([]any, 0, len(ids)+2)
		args = append(args, source, kind)
		marks := make([]string, len(ids))
		for i, id := range ids {
			args = append(args, id)
			marks[i] = fmt.Sprintf("$%d", i+3)
		}
		rows, err := t.tx.QueryContext(ctx, `SELECT external_id, local_id FROM imports WHERE source = $1 AND kind = $2
			AND external_id IN (`+strings.Join(marks, ", ")+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("find imported %s %ss: %w", source, kind, err)
		}
		for rows.Next() {
			var ext string
			var id int64
			if err := rows.Scan(&ext, &id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("find imported %s %ss: %w", source, kind, err)
			}
			out[ext] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("find imported %s %ss: %w", source, kind, err)
		}
	}
	return out, nil
}

// ImportedRow is what one object of a source became here.
type ImportedRow struct {
	Source, Kind, ExternalID string
	LocalID                  int64
}

// AddImported remembers what a source's objects became here, in the transaction that made
// them: one statement for a batch.
func (t *Tx) AddImported(ctx context.Context, rows []ImportedRow, now time.Time) error {
	const chunk = 200 // 5 parameters a row, well under either database's limit
	for start := 0; start < len(rows); start += chunk {
		part := rows[start:min(start+chunk, len(rows))]
		marks := make([]string, len(part))
		args := make([]any, 0, 5*len(part))
		for i, r := range part {
			marks[i] = fmt.Sprintf("($%d, $%d, $%d, $%d, $%d)", 5*i+1, 5*i+2, 5*i+3, 5*i+4, 5*i+5)
			args = append(args, r.Source, r.Kind, r.ExternalID, r.LocalID, now)
		}
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO imports (source, kind, external_id, local_id, created_at) VALUES `+strings.Join(marks, ", "), args...); err != nil {
			return fmt.Errorf("remember %d imported objects: %w", len(part), err)
		}
	}
	return nil
}
