package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Imported finds what an earlier import made of a source's objects of one kind ("customer",
// "case"): the local ids by external id, for those it has. The ids go as one JSON parameter,
// each looked up by the table's key: an IN list of hundreds of parameters was a statement of
// its own for each length, which PostgreSQL, its statistics of the table growing under the
// import out of date, ran as a scan of the whole table (0.5–0.8 s a batch at 50,000 cases).
func (t *Tx) Imported(ctx context.Context, source, kind string, externalIDs []string) (map[string]int64, error) {
	out := make(map[string]int64, len(externalIDs))
	if len(externalIDs) == 0 {
		return out, nil
	}
	type row struct {
		ID string `json:"external_id"`
	}
	list := make([]row, len(externalIDs))
	for i, id := range externalIDs {
		list[i] = row{id}
	}
	param, err := t.d.jsonArg(list)
	if err != nil {
		return nil, fmt.Errorf("find imported %s %ss: %w", source, kind, err)
	}
	// A lookup of the key for each id, whatever the planner thinks of the table's size; ids not
	// imported come back without a local id.
	rows, err := t.tx.QueryContext(ctx, `SELECT j.external_id, (SELECT i.local_id FROM imports i WHERE i.source = CAST($2 AS TEXT)
		AND i.kind = CAST($3 AS TEXT) AND i.external_id = j.external_id) FROM `+t.d.jsonRows(1, "external_id TEXT"), param, source, kind)
	if err != nil {
		return nil, fmt.Errorf("find imported %s %ss: %w", source, kind, err)
	}
	defer rows.Close()
	for rows.Next() {
		var ext string
		var id sql.NullInt64
		if err := rows.Scan(&ext, &id); err != nil {
			return nil, fmt.Errorf("find imported %s %ss: %w", source, kind, err)
		}
		if id.Valid {
			out[ext] = id.Int64
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find imported %s %ss: %w", source, kind, err)
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

// ImportMerge is a case whose ticket the old desk had merged into another, by the other's
// external id, until the import links the two.
type ImportMerge struct {
	CaseID       int64
	Source       string
	IntoExternal string
}

// AddImportMerges remembers cases to link to the ticket their source merged them into.
func (t *Tx) AddImportMerges(ctx context.Context, merges []ImportMerge, now time.Time) error {
	for _, m := range merges {
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO import_merges (case_id, source, into_external, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (case_id) DO NOTHING`, m.CaseID, m.Source, m.IntoExternal, dbTime(now)); err != nil {
			return fmt.Errorf("remember the merge of case %d: %w", m.CaseID, err)
		}
	}
	return nil
}

// ImportMerges are up to n of the cases waiting to be linked to the ticket they were merged
// into, after case id after, in order.
func (t *Tx) ImportMerges(ctx context.Context, after int64, n int) ([]ImportMerge, error) {
	return listOf(ctx, t, "imported merges", func(row scanner) (ImportMerge, error) {
		var m ImportMerge
		err := row.Scan(&m.CaseID, &m.Source, &m.IntoExternal)
		return m, err
	}, `SELECT case_id, source, into_external FROM import_merges WHERE case_id > $1 ORDER BY case_id LIMIT $2`, after, n)
}

// DropImportMerge forgets a case's merge: linked, or found not to be linkable.
func (t *Tx) DropImportMerge(ctx context.Context, caseID int64) error {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM import_merges WHERE case_id = $1`, caseID); err != nil {
		return fmt.Errorf("forget the merge of case %d: %w", caseID, err)
	}
	return nil
}
