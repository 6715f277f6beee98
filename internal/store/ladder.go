package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// EntriesOfKinds lists a case's entries of these kinds, oldest first: what the ladder's rules
// read of a record (desk.LadderKinds) without loading all of it.
func (t *Tx) EntriesOfKinds(ctx context.Context, caseID int64, kinds []desk.EntryKind) ([]desk.Entry, error) {
	if len(kinds) == 0 {
		return nil, nil
	}
	args := []any{caseID}
	marks := make([]string, len(kinds))
	for i, k := range kinds {
		args = append(args, string(k))
		marks[i] = fmt.Sprintf("$%d", i+2)
	}
	var out []desk.Entry
	err := t.tx.eachRow(ctx, appendTo(&out, newEntryScan().scan),
		`SELECT `+entryColumns+` FROM entries WHERE case_id = $1 AND kind IN (`+strings.Join(marks, ", ")+`) ORDER BY seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("entries of case %d by kind: %w", caseID, err)
	}
	return out, nil
}

// AwayAt is the set of agents on leave or sick at now (a break keeps no one from a case).
func (t *Tx) AwayAt(ctx context.Context, now time.Time) (map[int64]bool, error) {
	ids, err := listOf(ctx, t, "agents away", scanValue[int64],
		`SELECT DISTINCT agent_id FROM absences WHERE kind IN ('leave', 'sick') AND from_at < $1 AND to_at > $2`, now.Add(time.Second), now)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// HandoverLink is a one-time link mailed to a customer to answer a question the desk asked on
// their case (the entry at AskedSeq): for Purpose "handover", whether a colleague below the
// case's rung may take it; for "resolution", whether the resolution proposed answers what they
// asked.
type HandoverLink struct {
	ID         int64
	CaseID     int64
	AskedSeq   int64
	CustomerID int64
	Purpose    string // "" is "handover"
	Digest     []byte
	ExpiresAt  time.Time
	Used       bool
}

// InsertHandoverLink stores a link's digest and returns its id.
func (t *Tx) InsertHandoverLink(ctx context.Context, l HandoverLink, now time.Time) (int64, error) {
	var id int64
	if l.Purpose == "" {
		l.Purpose = "handover"
	}
	err := t.tx.QueryRowContext(ctx, `INSERT INTO handover_links (case_id, asked_seq, customer_id, purpose, digest, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, l.CaseID, l.AskedSeq, l.CustomerID, l.Purpose, l.Digest, dbTime(now), dbTime(l.ExpiresAt)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert hand-over link of case %d: %w", l.CaseID, err)
	}
	return id, nil
}

// HandoverLinkByID loads a link.
func (t *Tx) HandoverLinkByID(ctx context.Context, id int64) (HandoverLink, error) {
	l := HandoverLink{ID: id}
	var used *time.Time
	err := t.tx.QueryRowContext(ctx, `SELECT case_id, asked_seq, customer_id, purpose, digest, expires_at, used_at FROM handover_links WHERE id = $1`, id).
		Scan(&l.CaseID, &l.AskedSeq, &l.CustomerID, &l.Purpose, &l.Digest, &l.ExpiresAt, &used)
	if err != nil {
		return l, fmt.Errorf("load hand-over link %d: %w", id, notFound(err))
	}
	l.ExpiresAt, l.Used = l.ExpiresAt.UTC(), used != nil
	return l, nil
}

// UseHandoverLinks marks every link of a question used (it was answered, by whichever way) and
// reports how many this call marked: a link that was used already is not marked again, so of
// two answers racing each other only one finds its link unused.
func (t *Tx) UseHandoverLinks(ctx context.Context, caseID, askedSeq int64, now time.Time) (int64, error) {
	return t.changedRows(ctx, fmt.Sprintf("use hand-over links of case %d", caseID), `UPDATE handover_links SET used_at = $1 WHERE case_id = $2 AND asked_seq = $3 AND used_at IS NULL`,
		dbTime(now), caseID, askedSeq)
}
