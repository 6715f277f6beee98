package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// An agent's list of cases, as the API's busiest page reads it: each request costs its CPU in
// reading rows, so the list reads only the columns it shows, in one statement.

// ListedCase is a case as a list shows it, with what access checks read.
type ListedCase struct {
	ID         int64
	CustomerID int64
	OwnerID    int64
	PartnerID  int64
	Subject    string
	Status     desk.Status
	Rung       int
	Flags      []string
	UpdatedAt  time.Time
}

// Case is the listed case as a desk.Case for access checks; the columns a list does not read
// are left zero.
func (c ListedCase) Case() desk.Case {
	return desk.Case{ID: c.ID, CustomerID: c.CustomerID, OwnerID: c.OwnerID, PartnerID: c.PartnerID, Subject: c.Subject,
		Status: c.Status, Rung: c.Rung, Flags: c.Flags, UpdatedAt: c.UpdatedAt}
}

// caseList is CaseList's statement, of f's args.
func caseList(d dialect, f CaseFilter) string {
	return `SELECT id, customer_id, COALESCE(owner_id, 0), COALESCE(partner_id, 0), subject, status, rung, flags, ` + d.untyped("updated_at") + `
		FROM cases` + f.where(d)
}

// CaseList is Cases with only the columns a list shows: a page of 50 read twenty columns a row
// (the original request among them) and parsed two times, for eight.
func (t *Tx) CaseList(ctx context.Context, f CaseFilter) ([]ListedCase, error) {
	rows, err := t.tx.QueryContext(ctx, caseList(t.d, f), f.args()...)
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	defer rows.Close()
	out := make([]ListedCase, 0, min(max(f.Limit, 0), 500))
	var c ListedCase
	var status, flags string
	var updatedAt anyTime
	dest := []any{&c.ID, &c.CustomerID, &c.OwnerID, &c.PartnerID, &c.Subject, &status, &c.Rung, &flags, &updatedAt}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("list cases: %w", err)
		}
		c.Status, c.UpdatedAt = desk.Status(status), updatedAt.Time
		if c.Flags, err = decodeStrings(flags); err != nil {
			return nil, fmt.Errorf("list cases: case %d flags: %w", c.ID, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// decodeStrings reads a case's flags or tags column, a JSON list of strings (never nil); most
// cases have none.
func decodeStrings(s string) ([]string, error) {
	if s == "[]" {
		return []string{}, nil
	}
	var flags []string
	if err := json.Unmarshal([]byte(s), &flags); err != nil {
		return nil, err
	}
	if flags == nil {
		flags = []string{}
	}
	return flags, nil
}
