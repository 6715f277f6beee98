package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// Automations: the rules admins set up, and the runs each made (service/automations.go).

// InsertAutomation stores a rule and sets its id.
func (t *Tx) InsertAutomation(ctx context.Context, a *desk.Automation, by int64) error {
	when, cond, acts, err := automationJSON(*a)
	if err != nil {
		return err
	}
	err = t.tx.QueryRowContext(ctx, `INSERT INTO automations (name, active, starts_on, conditions, actions, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`, a.Name, a.Active, when, cond, acts, nullID(by), dbTime(a.CreatedAt)).Scan(&a.ID)
	if err != nil {
		return fmt.Errorf("insert automation: %w", err)
	}
	return nil
}

// SaveAutomation writes a rule's changes.
func (t *Tx) SaveAutomation(ctx context.Context, a desk.Automation) error {
	when, cond, acts, err := automationJSON(a)
	if err != nil {
		return err
	}
	res, err := t.tx.ExecContext(ctx, `UPDATE automations SET name = $1, active = $2, starts_on = $3, conditions = $4, actions = $5, updated_at = $6 WHERE id = $7`,
		a.Name, a.Active, when, cond, acts, dbTime(a.UpdatedAt), a.ID)
	if err != nil {
		return fmt.Errorf("save automation %d: %w", a.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("save automation %d: %w", a.ID, errors.Join(err, ErrNotFound))
	}
	return nil
}

func automationJSON(a desk.Automation) (when, cond, acts string, err error) {
	w, err1 := json.Marshal(a.When)
	c, err2 := json.Marshal(a.If)
	x, err3 := json.Marshal(a.Then)
	if err := errors.Join(err1, err2, err3); err != nil {
		return "", "", "", fmt.Errorf("automation %q: %w", a.Name, err)
	}
	return string(w), string(c), string(x), nil
}

const automationColumns = `id, name, active, starts_on, conditions, actions, created_at, updated_at`

func scanAutomation(row scanner) (desk.Automation, error) {
	var a desk.Automation
	var when, cond, acts string
	if err := row.Scan(&a.ID, &a.Name, &a.Active, &when, &cond, &acts, &a.CreatedAt, &a.UpdatedAt); err != nil {
		return a, err
	}
	if err := errors.Join(json.Unmarshal([]byte(when), &a.When), json.Unmarshal([]byte(cond), &a.If), json.Unmarshal([]byte(acts), &a.Then)); err != nil {
		return a, fmt.Errorf("automation %d: %w", a.ID, err)
	}
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return a, nil
}

// Automations lists the rules, by id.
func (t *Tx) Automations(ctx context.Context) ([]desk.Automation, error) {
	out, err := queryAll(ctx, t, scanAutomation, `SELECT `+automationColumns+` FROM automations ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list automations: %w", err)
	}
	return out, nil
}

// Automation reads one rule.
func (t *Tx) Automation(ctx context.Context, id int64) (desk.Automation, error) {
	a, err := scanAutomation(t.tx.QueryRowContext(ctx, `SELECT `+automationColumns+` FROM automations WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("automation %d: %w", id, ErrNotFound)
	}
	return a, err
}

// HoldAutomation reports whether a rule is still there before a command notes a run of it, and
// on PostgreSQL holds it there until the command commits. A node's list of rules is up to ten
// seconds old: without this, a run noted on a rule removed meanwhile failed the command (an
// agent's reply, a mail's intake) on the foreign key, or the removal, on a run noted after it
// cleared the rule's runs.
func (t *Tx) HoldAutomation(ctx context.Context, id int64) (bool, error) {
	var got int64
	err := t.tx.QueryRowContext(ctx, `SELECT id FROM automations WHERE id = $1`+t.d.forKeyShare, id).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("hold automation %d: %w", id, err)
	}
	return true, nil
}

// DeleteAutomation removes a rule and its runs.
func (t *Tx) DeleteAutomation(ctx context.Context, id int64) error {
	return t.deleteWithRows(ctx, "automation", "automations", "automation_runs", "automation_id", id)
}

// deleteWithRows removes a row of table by id, and first its rows in child (by column); a
// missing row is ErrNotFound.
func (t *Tx) deleteWithRows(ctx context.Context, what, table, child, column string, id int64) error {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM `+child+` WHERE `+column+` = $1`, id); err != nil {
		return fmt.Errorf("delete %s %d: %w", what, id, err)
	}
	res, err := t.tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete %s %d: %w", what, id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("delete %s %d: %w", what, id, errors.Join(err, ErrNotFound))
	}
	return nil
}

// ClaimAutomationRun notes that a rule runs on a case for an event, and reports whether it is
// the first time: a rule acts once per case and event.
func (t *Tx) ClaimAutomationRun(ctx context.Context, automationID, caseID int64, key string, now time.Time) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `INSERT INTO automation_runs (automation_id, case_id, event_key, at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (automation_id, case_id, event_key) DO NOTHING`, automationID, caseID, key, dbTime(now))
	if err != nil {
		return false, fmt.Errorf("automation %d run on case %d: %w", automationID, caseID, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// NoteAutomationRun notes that a rule runs on a case for an event that happens once by its
// nature (an entry just appended, a case opened), so no earlier run can be there to ask about:
// the note is held with the transaction's set-wise writes (pending.go) instead of a statement
// of its own in the middle of a command.
func (t *Tx) NoteAutomationRun(automationID, caseID int64, key string, now time.Time) {
	t.pend.runs = append(t.pend.runs, automationRun{automationID, caseID, key, dbTime(now)})
}

type automationRun struct {
	automationID, caseID int64
	key                  string
	at                   time.Time
}

// insertAutomationRuns writes held runs, many a statement.
func (t *Tx) insertAutomationRuns(ctx context.Context, runs []automationRun) error {
	err := t.insertRows(ctx, `INSERT INTO automation_runs (automation_id, case_id, event_key, at) VALUES `,
		` ON CONFLICT (automation_id, case_id, event_key) DO NOTHING`, 4, len(runs), func(i int, args []any) []any {
			r := runs[i]
			return append(args, r.automationID, r.caseID, r.key, r.at)
		})
	if err != nil {
		return fmt.Errorf("note automation runs: %w", err)
	}
	return nil
}

// QuietCases lists up to limit cases of the statuses with nothing new since before, quietest
// first: what the automations' time conditions look at.
func (t *Tx) QuietCases(ctx context.Context, statuses []desk.Status, before time.Time, limit int) ([]desk.Case, error) {
	args := []any{dbTime(before), limit}
	ph := make([]string, len(statuses))
	for i, s := range statuses {
		args = append(args, string(s))
		ph[i] = fmt.Sprintf("$%d", i+3)
	}
	out, err := queryAll(ctx, t, scanCase, `SELECT `+t.d.cols(caseColumns)+` FROM cases WHERE status IN (`+strings.Join(ph, ", ")+`) AND updated_at <= $1
		ORDER BY updated_at, id LIMIT $2`, args...)
	if err != nil {
		return nil, fmt.Errorf("quiet cases: %w", err)
	}
	return out, nil
}

// ClaimShipped marks a shipped example as offered; it reports whether it was the first time.
func (t *Tx) ClaimShipped(ctx context.Context, key string, now time.Time) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `INSERT INTO shipped_automations (key, shipped_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, key, dbTime(now))
	if err != nil {
		return false, fmt.Errorf("ship automation %q: %w", key, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
