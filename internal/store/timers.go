package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Timer is a durable timer.
type Timer struct {
	ID        int64
	Kind      string
	DueAt     time.Time
	CaseID    int64
	RefID     int64
	Key       string // optional: at most one timer per key, so re-scheduling moves it
	Payload   json.RawMessage
	Attempts  int
	LastError string
}

var timerColumns = timesUntyped(`id, kind, due_at, case_id, ref_id, COALESCE(key, ''), payload, attempts, last_error`, "due_at")

func scanTimer(row scanner) (Timer, error) {
	var d struct { // one allocation for the destinations (see scanCase)
		tm      Timer
		payload []byte
		due     anyTime
	}
	tm := &d.tm
	if err := row.Scan(&tm.ID, &tm.Kind, &d.due, &tm.CaseID, &tm.RefID, &tm.Key, &d.payload, &tm.Attempts, &tm.LastError); err != nil {
		return *tm, err
	}
	tm.DueAt = d.due.Time
	tm.Payload = json.RawMessage(d.payload)
	return *tm, nil
}

func (t *Tx) timers(ctx context.Context, what, q string, args ...any) ([]Timer, error) {
	return listOf(ctx, t, what, scanTimer, q, args...)
}

// dbTime is how timer times are written: UTC at the microseconds PostgreSQL keeps. On SQLite
// the column holds text, and one zone and format keep its order the order of the times.
func dbTime(at time.Time) time.Time { return at.UTC().Truncate(time.Microsecond) }

// AddTimer stores a timer and returns its id. With Key set, an existing timer of that key is
// moved to the new due time, kind, case, ref and payload instead, so re-scheduling is
// idempotent; a failed timer of that key is armed again, since a new schedule is a new intent.
func (t *Tx) AddTimer(ctx context.Context, tm Timer, now time.Time) (int64, error) {
	if tm.Kind == "" || tm.DueAt.IsZero() {
		return 0, fmt.Errorf("add timer: kind and due time are required (kind %q, due %v)", tm.Kind, tm.DueAt)
	}
	payload := "{}"
	if len(tm.Payload) > 0 {
		if !json.Valid(tm.Payload) {
			return 0, fmt.Errorf("add %s timer: payload is not JSON", tm.Kind)
		}
		payload = string(tm.Payload)
	}
	var key any
	if tm.Key != "" {
		key = tm.Key
	}
	var id int64
	err := t.tx.QueryRowContext(ctx, `INSERT INTO timers (kind, due_at, case_id, ref_id, key, payload, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, due_at = excluded.due_at, case_id = excluded.case_id,
			ref_id = excluded.ref_id, payload = excluded.payload, attempts = 0, last_error = '', state = 'pending'
		RETURNING id`,
		tm.Kind, dbTime(tm.DueAt), tm.CaseID, tm.RefID, key, payload, dbTime(now)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("add %s timer: %w", tm.Kind, err)
	}
	return id, nil
}

// HoldTimer is AddTimer for a caller that needs no id: the timer is held with the
// transaction's other writes (pending.go) and written with them, a statement for all. A
// CancelTimers of its kind and ref later in the transaction drops it, as it would delete it.
func (t *Tx) HoldTimer(ctx context.Context, tm Timer, now time.Time) error {
	if tm.Kind == "" || tm.DueAt.IsZero() {
		return fmt.Errorf("add timer: kind and due time are required (kind %q, due %v)", tm.Kind, tm.DueAt)
	}
	if len(tm.Payload) > 0 && !json.Valid(tm.Payload) {
		return fmt.Errorf("add %s timer: payload is not JSON", tm.Kind)
	}
	tm.Attempts = 0
	t.pend.timers = append(t.pend.timers, heldTimer{tm, now})
	return nil
}

type heldTimer struct {
	Timer
	now time.Time
}

// addTimers writes held timers (HoldTimer): after the held cancels, which dropped the timers
// held before them; of two with one key, the later.
func (t *Tx) addTimers(ctx context.Context, held []heldTimer) error {
	type row struct {
		Kind      string  `json:"kind"`
		DueAt     string  `json:"due_at"`
		CaseID    int64   `json:"case_id"`
		RefID     int64   `json:"ref_id"`
		Key       *string `json:"key"`
		Payload   string  `json:"payload"`
		CreatedAt string  `json:"created_at"`
	}
	last := map[string]int{}
	for i, h := range held {
		if h.Key != "" {
			last[h.Key] = i
		}
	}
	var rows []row
	for i, h := range held {
		if h.Key != "" && last[h.Key] != i {
			continue
		}
		r := row{Kind: h.Kind, DueAt: t.d.timeParam(h.DueAt), CaseID: h.CaseID, RefID: h.RefID, Payload: "{}", CreatedAt: t.d.timeParam(h.now)}
		if h.Key != "" {
			k := h.Key
			r.Key = &k
		}
		if len(h.Payload) > 0 {
			r.Payload = string(h.Payload)
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		return nil
	}
	// WHERE true: without it SQLite would read ON CONFLICT as part of the SELECT's join.
	return t.execRows(ctx, fmt.Sprintf("add %d timers", len(rows)), `INSERT INTO timers (kind, due_at, case_id, ref_id, key, payload, created_at)
		SELECT j.kind, `+t.d.timeColumn("j.due_at")+`, j.case_id, j.ref_id, j.key, j.payload, `+t.d.timeColumn("j.created_at")+`
		FROM `+t.d.rowsOf("kind TEXT", "due_at TEXT", "case_id BIGINT", "ref_id BIGINT", "key TEXT", "payload TEXT", "created_at TEXT")+` WHERE true
		ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, due_at = excluded.due_at, case_id = excluded.case_id,
			ref_id = excluded.ref_id, payload = excluded.payload, attempts = 0, last_error = '', state = 'pending'`, rows)
}

// TimerRef names the timers of one kind for one ref (a promise, a case).
type TimerRef struct {
	Kind  string
	RefID int64
}

// NextTimerDue returns the earliest due time of a pending timer, read from the (state, due_at)
// index so an idle runner costs one index probe, not a scan. ORDER BY instead of MIN keeps the
// column's type, so SQLite returns a time, not text.
func (t *Tx) NextTimerDue(ctx context.Context) (time.Time, bool, error) {
	var at time.Time
	err := t.tx.QueryRowContext(ctx, `SELECT due_at FROM timers WHERE state = 'pending' ORDER BY due_at LIMIT 1`).Scan(&at)
	if IsNotFound(err) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next timer due: %w", err)
	}
	return at.UTC(), true, nil
}

// ClaimDueTimers returns up to limit pending timers due at or before now, oldest first, locked
// until the transaction ends. On PostgreSQL rows another node holds are skipped (SKIP LOCKED),
// so nodes never take the same timer; on SQLite the write transaction already excludes others.
func (t *Tx) ClaimDueTimers(ctx context.Context, now time.Time, limit int) ([]Timer, error) {
	if !t.writable {
		return nil, errors.New("claim due timers: not in a write transaction")
	}
	if limit <= 0 {
		limit = 100
	}
	q := `SELECT ` + t.d.cols(timerColumns) + ` FROM timers WHERE state = 'pending' AND due_at <= $1 ORDER BY due_at, id LIMIT $2`
	if t.d.forUpdate != "" {
		q += t.d.forUpdate + " SKIP LOCKED"
	}
	return t.timers(ctx, "claim due timers", q, dbTime(now), limit)
}

// TakeTimer deletes a claimed timer if it is still pending and due at now, and returns it as it
// is now. A runner takes each timer this way just before running it, because an earlier handler
// in the same transaction may have cancelled or moved it since the claim.
func (t *Tx) TakeTimer(ctx context.Context, id int64, now time.Time) (Timer, bool, error) {
	tm, err := scanTimer(t.tx.QueryRowContext(ctx, `DELETE FROM timers WHERE id = $1 AND state = 'pending' AND due_at <= $2
		RETURNING `+t.d.cols(timerColumns), id, dbTime(now)))
	if IsNotFound(err) {
		return Timer{}, false, nil
	}
	if err != nil {
		return Timer{}, false, fmt.Errorf("take timer %d: %w", id, err)
	}
	return tm, true, nil
}

// TakeTimers is TakeTimer for several claimed timers in one statement: it deletes those still
// pending and due at now and returns them as they are now, in the order of ids.
func (t *Tx) TakeTimers(ctx context.Context, ids []int64, now time.Time) ([]Timer, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var taken []Timer
	err := t.idLists(ids, 1, func(in string, list []any) error {
		tms, err := t.timers(ctx, "take timers", `DELETE FROM timers WHERE state = 'pending' AND due_at <= $1 AND id IN `+in+`
			RETURNING `+t.d.cols(timerColumns), append([]any{dbTime(now)}, list...)...)
		taken = append(taken, tms...)
		return err
	})
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]Timer, len(taken))
	for _, tm := range taken {
		byID[tm.ID] = tm
	}
	out := taken[:0]
	for _, id := range ids {
		if tm, ok := byID[id]; ok {
			out = append(out, tm)
			delete(byID, id) // an id listed twice is taken once
		}
	}
	return out, nil
}

// DropTimers deletes timers just claimed in this transaction, before anything else has run in
// it: they are as the claim read them, so TakeTimers' second reading of them is spared.
func (t *Tx) DropTimers(ctx context.Context, ids []int64) error {
	return t.idLists(ids, 0, func(in string, list []any) error {
		if _, err := t.tx.ExecContext(ctx, `DELETE FROM timers WHERE id IN `+in, list...); err != nil {
			return fmt.Errorf("drop %d claimed timers: %w", len(list), err)
		}
		return nil
	})
}

// FinishTimer deletes a timer that has run; the record, not this table, keeps the history.
func (t *Tx) FinishTimer(ctx context.Context, id int64) error {
	res, err := t.tx.ExecContext(ctx, `DELETE FROM timers WHERE id = $1`, id)
	return oneRow(res, err, "finish timer", id)
}

// maxErrorText bounds last_error: a handler's error (a panic's stack, say) should not bloat the row.
const maxErrorText = 2000

// RetryTimer records a failed run: one more attempt, the error, and the next due time; with
// failed set the timer is parked as 'failed' and never fires again.
func (t *Tx) RetryTimer(ctx context.Context, id int64, at time.Time, errText string, failed bool) error {
	if len(errText) > maxErrorText {
		cut := maxErrorText
		for cut > 0 && !utf8.RuneStart(errText[cut]) { // cut at a character, not inside one
			cut--
		}
		errText = errText[:cut]
	}
	// PostgreSQL refuses invalid UTF-8 in TEXT, and an error may quote any bytes.
	errText = strings.ToValidUTF8(errText, "\uFFFD")
	state := "pending"
	if failed {
		state = "failed"
	}
	res, err := t.tx.ExecContext(ctx, `UPDATE timers SET attempts = attempts + 1, due_at = $1, last_error = $2, state = $3 WHERE id = $4`,
		dbTime(at), errText, state, id)
	return oneRow(res, err, "retry timer", id)
}

// PendingTimers lists a case's pending timers, soonest first.
func (t *Tx) PendingTimers(ctx context.Context, caseID int64) ([]Timer, error) {
	return t.timers(ctx, fmt.Sprintf("pending timers of case %d", caseID),
		`SELECT `+t.d.cols(timerColumns)+` FROM timers WHERE case_id = $1 AND state = 'pending' ORDER BY due_at, id`, caseID)
}

// Savepoint runs fn inside a savepoint, so that when fn fails only fn's writes are undone and
// the transaction goes on: one failing timer need not cost the others in its batch their
// commit. fnErr is fn's error; txErr is a failure of the savepoint itself, after which the
// transaction is unusable and must be rolled back.
func (t *Tx) Savepoint(ctx context.Context, fn func() error) (fnErr, txErr error) {
	if _, err := t.tx.ExecContext(ctx, `SAVEPOINT kept_savepoint`); err != nil { // makes the writes held before it
		return nil, fmt.Errorf("savepoint: %w", err)
	}
	indexed, written, loaded := len(t.index), t.pend.written(), t.opens.snapshot()
	if fnErr = fn(); fnErr == nil {
		fnErr = t.flush(ctx) // fn's held writes are fn's: if they fail, only fn is undone
	}
	if fnErr != nil {
		t.index = t.index[:indexed] // texts fn buffered for indexing are undone with its writes
		t.pend.drop()               // and the writes it held
		t.pend.forget(written)      // and the ids of entries it wrote
		t.opens.rolledBack(loaded)  // and what it did to cases' owners' counts
		t.rowKeys = nil             // case rows it saved are as they were: their saves write every column
		// On PostgreSQL a failed statement blocks the transaction until this rollback.
		if _, err := t.tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT kept_savepoint`); err != nil {
			return fnErr, fmt.Errorf("roll back to savepoint after %v: %w", fnErr, err)
		}
	}
	// Released after a rollback too, so nested savepoints of the same name stay balanced.
	if _, err := t.tx.ExecContext(ctx, `RELEASE SAVEPOINT kept_savepoint`); err != nil {
		return fnErr, fmt.Errorf("release savepoint: %w", err)
	}
	return fnErr, nil
}
