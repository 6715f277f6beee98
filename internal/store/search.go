package store

import (
	"context"
	"fmt"
	"strings"
)

// SearchDoc is one text of a case made searchable: its folded words go to the full-text
// index and its reference keys to the exact reference index (both from internal/text).
type SearchDoc struct {
	CaseID     int64
	CustomerID int64
	EntryID    int64 // 0 for the case's subject
	Internal   bool
	Words      []string
	Refs       []string
}

// Index adds a text to the search indexes, in the same transaction as the text itself.
func (t *Tx) Index(ctx context.Context, d SearchDoc) error {
	if words := dedupe(d.Words); len(words) > 0 {
		var err error
		if t.d.name == "postgres" {
			// Exact lexemes: PostgreSQL's parser and dictionaries never see the text.
			_, err = t.tx.ExecContext(ctx, `INSERT INTO search_docs (case_id, customer_id, entry_id, internal, words)
				VALUES ($1, $2, $3, $4, array_to_tsvector($5::text[]))`, d.CaseID, d.CustomerID, d.EntryID, d.Internal, words)
		} else {
			_, err = t.tx.ExecContext(ctx, `INSERT INTO search_fts (words, case_id, customer_id, entry_id, internal) VALUES ($1, $2, $3, $4, $5)`,
				strings.Join(words, " "), d.CaseID, d.CustomerID, d.EntryID, d.Internal)
		}
		if err != nil {
			return fmt.Errorf("index words of case %d: %w", d.CaseID, err)
		}
	}
	for _, k := range dedupe(d.Refs) {
		_, err := t.tx.ExecContext(ctx, `INSERT INTO search_refs (key, case_id, customer_id, entry_id, internal) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (key, case_id, entry_id) DO NOTHING`, k, d.CaseID, d.CustomerID, d.EntryID, d.Internal)
		if err != nil {
			return fmt.Errorf("index reference %q of case %d: %w", k, d.CaseID, err)
		}
	}
	return nil
}

func dedupe(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := in[:0:0]
	for _, s := range in {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// SearchFilter limits what a search may return to what the searcher may see.
type SearchFilter struct {
	CustomerID int64   // only this customer's cases (a customer searching)
	PublicOnly bool    // leave out internal notes
	CaseIDs    []int64 // only these cases (already narrowed by references)
}

// Hit is a case found by a search and the entry that matched (0: the subject or a customer reference).
type Hit struct {
	CaseID  int64
	EntryID int64
}

func (f SearchFilter) conditions(args []any, caseCol, customerCol, internalCol string) ([]any, string) {
	var conds []string
	if f.CustomerID != 0 {
		args = append(args, f.CustomerID)
		if customerCol == "" {
			// Through the customer's cases: a customer has few, and each has few texts.
			conds = append(conds, fmt.Sprintf("%s IN (SELECT id FROM cases WHERE customer_id = $%d)", caseCol, len(args)))
		} else {
			conds = append(conds, fmt.Sprintf("%s = $%d", customerCol, len(args)))
		}
	}
	if f.PublicOnly {
		conds = append(conds, "NOT "+internalCol)
	}
	if len(f.CaseIDs) > 0 {
		conds = append(conds, fmt.Sprintf("%s IN (%s)", caseCol, placeholders(len(args)+1, len(f.CaseIDs))))
		args = append(args, int64Args(f.CaseIDs)...)
	}
	if len(conds) == 0 {
		return args, ""
	}
	return args, " AND " + strings.Join(conds, " AND ")
}

// SearchWords finds the newest texts holding every word (folded words, from text.ParseQuery).
// Words are quoted as literal terms, so nothing a user types is read as query syntax.
func (t *Tx) SearchWords(ctx context.Context, words []string, f SearchFilter, limit int) ([]Hit, error) {
	if len(words) == 0 {
		return nil, nil
	}
	var q string
	var args []any
	if t.d.name == "postgres" {
		terms := make([]string, len(words))
		for i, w := range words {
			terms[i] = "'" + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(w) + "'"
		}
		args = append(args, strings.Join(terms, " & "))
		var cond string
		args, cond = f.conditions(args, "case_id", "", "internal")
		// Newest first: the planner walks the primary key back for common words (found at
		// once) and reads the word index for rare ones (few to sort), given statistics on
		// enough words (migration 00011); a customer's or a partner's search goes through
		// their cases (search_docs_case).
		q = `SELECT case_id, entry_id FROM search_docs WHERE words @@ $1::tsquery` + cond
		q += fmt.Sprintf(" ORDER BY id DESC LIMIT %d", limit)
	} else {
		terms := make([]string, len(words))
		for i, w := range words {
			terms[i] = `"` + strings.ReplaceAll(w, `"`, `""`) + `"`
		}
		args = append(args, strings.Join(terms, " "))
		var cond string
		args, cond = f.conditions(args, "case_id", "customer_id", "internal")
		q = `SELECT case_id, entry_id FROM search_fts WHERE search_fts MATCH $1` + cond
		q += fmt.Sprintf(" ORDER BY rowid DESC LIMIT %d", limit)
	}
	return t.hits(ctx, q, args)
}

// SearchRefs finds the cases that hold every reference key, in their texts or among their
// customer's references, newest case first. Keys are compared whole, through a plain index.
func (t *Tx) SearchRefs(ctx context.Context, keys []string, f SearchFilter, limit int) ([]Hit, error) {
	keys = dedupe(keys)
	if len(keys) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(keys)+2)
	for _, k := range keys {
		args = append(args, k)
	}
	in := placeholders(1, len(keys))
	args, textCond := f.conditions(args, "case_id", "customer_id", "internal")
	custFilter := f
	custFilter.PublicOnly = false // a customer's references are not internal
	args, custCond := custFilter.conditions(args, "c.id", "c.customer_id", "FALSE")
	q := `SELECT case_id, MAX(entry_id) FROM (
		SELECT case_id, entry_id, key FROM search_refs WHERE key IN (` + in + `)` + textCond + `
		UNION ALL
		SELECT c.id, 0, r.key FROM customer_refs r JOIN cases c ON c.customer_id = r.customer_id WHERE r.key IN (` + in + `)` + custCond + `
	) found GROUP BY case_id HAVING COUNT(DISTINCT key) = ` + fmt.Sprint(len(keys)) + fmt.Sprintf(" ORDER BY case_id DESC LIMIT %d", limit)
	return t.hits(ctx, q, args)
}

func (t *Tx) hits(ctx context.Context, q string, args []any) ([]Hit, error) {
	rows, err := t.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	var out []Hit
	for rows.Next() {
		var h Hit
		if err := rows.Scan(&h.CaseID, &h.EntryID); err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}
