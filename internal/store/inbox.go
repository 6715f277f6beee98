package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// InboxFilter chooses whose open cases an inbox lists. OwnerID, TeamID and PartnerID narrow
// together; at least one should be set (with none, every case in the statuses is listed).
type InboxFilter struct {
	OwnerID   int64         // cases this agent owns
	TeamID    int64         // cases owned by agents of this team
	Queued    bool          // instead: the cases waiting in TeamID's queue, owned by nobody yet
	PartnerID int64         // only cases handed to this partner organisation
	Statuses  []desk.Status // default: open
	// ResponseTimer is the timer kind of a response target (default "response_due").
	ResponseTimer string
	Limit         int    // default 100, at most 500
	Priority      string // only cases of this priority ("": any)
	Tag           string // only cases with this tag ("": any)
	Sort          string // InboxSorts: "" is SortDue
	After         string // a page's cursor (InboxRow.Cursor): the rows after it in the sort
	// OnCustomer narrows to cases the desk waits on the customer for ("yes") or to the others
	// ("no"); "": both.
	OnCustomer string
}

// Inbox sorts.
const (
	SortDue      = "due"      // what falls due next first; nothing due last, then the most recently updated
	SortUpdated  = "updated"  // the most recently updated first
	SortPriority = "priority" // the most urgent first, then the most recently updated
	SortCreated  = "created"  // the newest first
)

// InboxSorts are the sorts an inbox may be listed in.
var InboxSorts = []string{SortDue, SortUpdated, SortPriority, SortCreated}

// What an inbox row's next due time is.
const (
	DuePromise  = "promise"  // an open promise to the customer
	DueResponse = "response" // the response target of an unanswered contact
)

// InboxRow is one case of an inbox, with what falls due on it next.
type InboxRow struct {
	CaseID       int64
	Ref          string
	Subject      string
	Status       desk.Status
	OwnerID      int64
	PartnerID    int64
	CustomerID   int64
	CustomerName string
	Rung         int
	Flags        []string
	Priority     string
	Tags         []string
	UpdatedAt    time.Time
	NextDue      time.Time // zero when nothing is due
	NextDueKind  string    // DuePromise, DueResponse, or "" when nothing is due
	OnCustomer   bool      // the desk waits on the customer (set waiting)
}

// Cursor is where the next page of an inbox in the sort starts: after this row.
func (r InboxRow) Cursor(sort string) string {
	due := int64(-1)
	if !r.NextDue.IsZero() {
		due = r.NextDue.UnixNano()
	}
	return fmt.Sprintf("%s.%d.%d.%d.%d", cmp.Or(sort, SortDue), due, priorityRank(r.Priority), r.UpdatedAt.UnixNano(), r.CaseID)
}

// inboxCursor is a parsed Cursor.
type inboxCursor struct {
	sort    string
	due     int64 // -1: nothing due
	rank    int
	updated int64
	id      int64
}

func parseInboxCursor(s string) (inboxCursor, bool) {
	var c inboxCursor
	parts := strings.Split(s, ".")
	if len(parts) != 5 {
		return c, false
	}
	c.sort = parts[0]
	var err [4]error
	c.due, err[0] = strconv.ParseInt(parts[1], 10, 64)
	c.rank, err[1] = strconv.Atoi(parts[2])
	c.updated, err[2] = strconv.ParseInt(parts[3], 10, 64)
	c.id, err[3] = strconv.ParseInt(parts[4], 10, 64)
	return c, errors.Join(err[:]...) == nil && slices.Contains(InboxSorts, c.sort)
}

// priorityRank orders priorities: urgent highest.
func priorityRank(p string) int {
	return slices.Index(desk.Priorities(), cmp.Or(p, desk.PriorityNormal))
}

// priorityRankSQL is priorityRank in SQL.
const priorityRankSQL = `CASE c.priority WHEN 'urgent' THEN 3 WHEN 'high' THEN 2 WHEN 'low' THEN 0 ELSE 1 END`

// Overdue reports whether the row's next due time has passed at now.
func (r InboxRow) Overdue(now time.Time) bool { return !r.NextDue.IsZero() && r.NextDue.Before(now) }

// Escalated reports whether the case has climbed the ladder.
func (r InboxRow) Escalated() bool { return r.Rung > 0 }

// Inbox lists open cases by what is due next: the earlier of the case's nearest open promise
// and its pending response target first, cases with nothing due last, then the most recently
// updated first. Each open case of the owner or team costs two index probes (its open
// promises, its pending timers): the list costs what the owner or team has open, not what the
// desk holds.
func (t *Tx) Inbox(ctx context.Context, f InboxFilter) ([]InboxRow, error) {
	timerKind := f.ResponseTimer
	if timerKind == "" {
		timerKind = "response_due"
	}
	cs := conds{args: []any{timerKind}}
	if f.OwnerID != 0 {
		cs.add("c.owner_id = $%d", f.OwnerID)
	}
	switch {
	case f.Queued:
		cs.add("c.owner_id IS NULL AND c.team_id = $%d", f.TeamID) // the partial index cases_team_queue
	case f.TeamID != 0:
		cs.add("c.owner_id IN (SELECT id FROM agents WHERE team_id = $%d)", f.TeamID)
	}
	if f.PartnerID != 0 {
		cs.add("c.partner_id = $%d", f.PartnerID)
	}
	statuses := f.Statuses
	if len(statuses) == 0 {
		statuses = []desk.Status{desk.StatusOpen}
	}
	ph := make([]string, len(statuses))
	for i, s := range statuses {
		cs.args = append(cs.args, string(s))
		ph[i] = fmt.Sprintf("$%d", len(cs.args))
	}
	cs.where = append(cs.where, "c.status IN ("+strings.Join(ph, ", ")+")")
	if f.Priority != "" {
		cs.add("c.priority = $%d", f.Priority)
	}
	switch f.OnCustomer {
	case "yes":
		cs.where = append(cs.where, "c.waiting_since IS NOT NULL")
	case "no":
		cs.where = append(cs.where, "c.waiting_since IS NULL")
	}
	if f.Tag != "" {
		// Tags are a JSON list of words without quotes (desk.ParseTags): the quoted tag is found whole.
		cs.add(`c.tags LIKE $%d ESCAPE '\'`, `%"`+strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(f.Tag)+`"%`)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	sort := cmp.Or(f.Sort, SortDue)
	if !slices.Contains(InboxSorts, sort) {
		return nil, fmt.Errorf("inbox: no sort %q", sort)
	}
	// The due times are computed once per case (a materialized CTE: inlined, PostgreSQL
	// evaluated each subquery again in every sort key), and the customer's name is looked up
	// for the page only, after the limit. A page after a cursor starts past the cursor's row
	// in the sort's order (keyset paging: the cost does not grow with the page's depth).
	order := map[string]string{
		SortDue:      `ORDER BY nodue, next_due, updated_at DESC, id DESC`,
		SortUpdated:  `ORDER BY updated_at DESC, id DESC`,
		SortPriority: `ORDER BY prank DESC, updated_at DESC, id DESC`,
		SortCreated:  `ORDER BY id DESC`,
	}[sort]
	after := ""
	if f.After != "" {
		c, ok := parseInboxCursor(f.After)
		if !ok || c.sort != sort {
			return nil, desk.Invalid("after", "not a cursor of this list")
		}
		after, cs.args = keysetAfter(c, cs.args)
	}
	// Only the sort keys are computed for every case of the list; the rest of a row is read for
	// the page's rows alone (a team of 5,000 open cases: the owner index covers id and
	// updated_at, so the cases themselves are read 200 times, not 5,000).
	prank := "0"
	if sort == SortPriority {
		prank = priorityRankSQL
	}
	q := `WITH due AS MATERIALIZED (
		SELECT c.id, c.updated_at, ` + prank + ` AS prank,
			(SELECT MIN(p.due_at) FROM promises p WHERE p.case_id = c.id AND p.state = 'open') AS promise_due,
			(SELECT MIN(tm.due_at) FROM timers tm WHERE tm.case_id = c.id AND tm.state = 'pending' AND tm.kind = $1) AS response_due
		FROM cases c
		WHERE ` + strings.Join(cs.where, " AND ") + `
	), keyed AS (
		SELECT due.*, CASE WHEN promise_due IS NULL AND response_due IS NULL THEN 1 ELSE 0 END AS nodue,
			CASE WHEN response_due IS NULL OR promise_due <= response_due THEN promise_due ELSE response_due END AS next_due
		FROM due
	), page AS MATERIALIZED (
		SELECT * FROM keyed ` + after + ` ` + order + ` LIMIT ` + fmt.Sprint(limit) + `
	)
	SELECT page.id, c.subject, c.status, COALESCE(c.owner_id, 0), COALESCE(c.partner_id, 0), c.customer_id, cu.name, c.rung, c.flags, page.updated_at,
		page.promise_due, page.response_due, c.priority, c.tags, CASE WHEN c.waiting_since IS NULL THEN 0 ELSE 1 END
	FROM page JOIN cases c ON c.id = page.id JOIN customers cu ON cu.id = c.customer_id ` + pageOrder.Replace(order)
	rows, err := t.tx.QueryContext(ctx, q, cs.args...)
	if err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	defer rows.Close()
	out := []InboxRow{}
	for rows.Next() {
		var r InboxRow
		var status, flags, tags string
		var promiseDue, responseDue anyTime
		var onCustomer int
		if err := rows.Scan(&r.CaseID, &r.Subject, &status, &r.OwnerID, &r.PartnerID, &r.CustomerID, &r.CustomerName, &r.Rung, &flags, &r.UpdatedAt,
			&promiseDue, &responseDue, &r.Priority, &tags, &onCustomer); err != nil {
			return nil, fmt.Errorf("inbox: %w", err)
		}
		r.Ref, r.Status, r.UpdatedAt, r.OnCustomer = desk.CaseRef(r.CaseID), desk.Status(status), r.UpdatedAt.UTC(), onCustomer == 1
		if r.Flags, err = decodeStrings(flags); err != nil {
			return nil, fmt.Errorf("inbox: case %d flags: %w", r.CaseID, err)
		}
		if r.Tags, err = decodeStrings(tags); err != nil {
			return nil, fmt.Errorf("inbox: case %d tags: %w", r.CaseID, err)
		}
		switch {
		case promiseDue.Valid && (!responseDue.Valid || !responseDue.Time.Before(promiseDue.Time)):
			r.NextDue, r.NextDueKind = promiseDue.Time, DuePromise
		case responseDue.Valid:
			r.NextDue, r.NextDueKind = responseDue.Time, DueResponse
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// pageOrder is a sort's ORDER BY on the page's own columns, beside the cases' of the same names.
var pageOrder = strings.NewReplacer("nodue", "page.nodue", "next_due", "page.next_due", "updated_at", "page.updated_at", "prank", "page.prank", "id DESC", "page.id DESC")

// anyTime scans a time that may come back as text: SQLite gives an aggregate or subquery of
// a TIMESTAMP column no declared type, so the driver hands over the stored text.
type anyTime struct {
	Time  time.Time
	Valid bool
}

// SQLite's stored form (the driver's _time_format=sqlite) and its shorter variants.
var sqliteTimeLayouts = []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999Z07:00"}

// driverTimeLayouts are the SQLite driver's other layouts of a stored time (modernc's
// parseTimeFormats), read after a "Z" suffix is cut, as it does.
var driverTimeLayouts = []string{"2006-01-02T15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"}

func (a *anyTime) Scan(v any) error {
	*a = anyTime{}
	switch v := v.(type) {
	case nil:
		return nil
	case time.Time:
		a.Time, a.Valid = v.UTC(), true
		return nil
	case string:
		return a.parse(v)
	case []byte:
		return a.parse(string(v))
	}
	return fmt.Errorf("scan time: unexpected %T", v)
}

func (a *anyTime) parse(s string) error {
	if t, ok := parseStoredTime(s); ok {
		a.Time, a.Valid = t, true
		return nil
	}
	for _, layout := range sqliteTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			a.Time, a.Valid = t.UTC(), true
			return nil
		}
	}
	// What else the SQLite driver reads from a column of times (columns read untyped, see
	// dialect.untyped, are read as it would).
	trimmed, _ := strings.CutSuffix(s, "Z")
	for _, layout := range driverTimeLayouts {
		if t, err := time.Parse(layout, trimmed); err == nil {
			a.Time, a.Valid = t.UTC(), true
			return nil
		}
	}
	if t, err := time.Parse("2006-01-02 15:04:05.999999999 -0700 MST", strings.TrimSpace(strings.Split(s, " m=")[0])); err == nil {
		a.Time, a.Valid = t.UTC(), true
		return nil
	}
	return fmt.Errorf("scan time: cannot read %q", s)
}

// parseStoredTime reads the one layout the SQLite drivers write, "2006-01-02
// 15:04:05.999999999-07:00", by hand: a page of cases or entries parses one or two times a
// row, and time.Parse (through the driver, which tries a layout that fails first) was 7% of
// the inbox's CPU. Anything else reports false and is left to time.Parse.
func parseStoredTime(s string) (time.Time, bool) {
	if len(s) < 25 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	num := func(s string) (int, bool) {
		n := 0
		for i := 0; i < len(s); i++ {
			d := s[i] - '0'
			if d > 9 {
				return 0, false
			}
			n = n*10 + int(d)
		}
		return n, true
	}
	year, ok1 := num(s[0:4])
	month, ok2 := num(s[5:7])
	day, ok3 := num(s[8:10])
	hour, ok4 := num(s[11:13])
	minute, ok5 := num(s[14:16])
	sec, ok6 := num(s[17:19])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	rest, nsec := s[19:], 0
	if rest[0] == '.' {
		digits := 0
		for digits+1 < len(rest) && rest[digits+1] >= '0' && rest[digits+1] <= '9' {
			digits++
		}
		if digits == 0 || digits > 9 {
			return time.Time{}, false
		}
		nsec, _ = num(rest[1 : 1+digits])
		for range 9 - digits {
			nsec *= 10
		}
		rest = rest[1+digits:]
	}
	if len(rest) != 6 || (rest[0] != '+' && rest[0] != '-') || rest[3] != ':' {
		return time.Time{}, false
	}
	zh, ok1 := num(rest[1:3])
	zm, ok2 := num(rest[4:6])
	if !ok1 || !ok2 || zh > 23 || zm > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if t.Day() != day { // 31 November and the like: time.Parse refuses them too
		return time.Time{}, false
	}
	offset := time.Duration(zh)*time.Hour + time.Duration(zm)*time.Minute
	if rest[0] == '-' {
		offset = -offset
	}
	return t.Add(-offset), true
}

// keysetAfter is the WHERE of the rows after a cursor's row in its sort (keyed's columns), with
// the cursor's values added to args.
func keysetAfter(c inboxCursor, args []any) (string, []any) {
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	updated, id := time.Unix(0, c.updated).UTC(), c.id
	// Later in "updated_at DESC, id DESC": older, or as old with a lower id.
	older := func() string {
		u := arg(updated)
		return fmt.Sprintf("(updated_at < %s OR (updated_at = %s AND id < %s))", u, u, arg(id))
	}
	switch c.sort {
	case SortUpdated:
		return "WHERE " + older(), args
	case SortCreated:
		return "WHERE id < " + arg(id), args
	case SortPriority:
		r := arg(c.rank)
		return fmt.Sprintf("WHERE (prank < %s OR (prank = %s AND %s))", r, r, older()), args
	}
	if c.due < 0 { // past every case with something due: among those with nothing due
		return "WHERE (nodue = 1 AND " + older() + ")", args
	}
	d := arg(time.Unix(0, c.due).UTC())
	return fmt.Sprintf("WHERE (nodue = 1 OR (nodue = 0 AND (next_due > %s OR (next_due = %s AND %s))))", d, d, older()), args
}
