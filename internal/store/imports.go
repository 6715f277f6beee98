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

// AddImported remembers what a source's object became here, in the transaction that made it.
func (t *Tx) AddImported(ctx context.Context, source, kind, externalID string, localID int64, now time.Time) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO imports (source, kind, external_id, local_id, created_at) VALUES ($1, $2, $3, $4, $5)`,
		source, kind, externalID, localID, now)
	if err != nil {
		return fmt.Errorf("remember imported %s %s %s: %w", source, kind, externalID, err)
	}
	return nil
}
