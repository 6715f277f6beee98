package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// nullID stores 0 as NULL for optional references to other rows.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// EnsureTeam returns the id of the team with this name, creating it if new.
func (t *Tx) EnsureTeam(ctx context.Context, name string, now time.Time) (int64, error) {
	// A new team starts with the desk's default targets (desk.DefaultTeamSettings), written
	// here rather than left to the columns' defaults, so the desk is the one place they are set.
	d := desk.DefaultTeamSettings()
	reminders, err := secondsJSON(d.ReminderOffsets)
	if err != nil {
		return 0, err
	}
	if _, err := t.tx.ExecContext(ctx, `INSERT INTO teams (name, created_at, response_target_s, repeat_contacts, reminders, confirm_wait_s)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO NOTHING`,
		name, now, int64(d.ResponseTarget/time.Second), d.RepeatContacts, reminders, int64(d.ConfirmWait/time.Second)); err != nil {
		return 0, fmt.Errorf("create team %q: %w", name, err)
	}
	var id int64
	if err := t.tx.QueryRowContext(ctx, `SELECT id FROM teams WHERE name = $1`, name).Scan(&id); err != nil {
		return 0, fmt.Errorf("find team %q: %w", name, err)
	}
	return id, nil
}

// InsertAgent stores a new agent and sets its id.
func (t *Tx) InsertAgent(ctx context.Context, a *desk.Agent) error {
	hours, err := json.Marshal(a.Hours)
	if err != nil {
		return fmt.Errorf("encode hours: %w", err)
	}
	err = t.tx.QueryRowContext(ctx, `INSERT INTO agents (name, email, role, team_id, manager_id, partner_id, timezone, hours, active, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		a.Name, a.Email, string(a.Role), nullID(a.TeamID), nullID(a.ManagerID), nullID(a.PartnerID), a.Timezone, string(hours), a.Active, a.CreatedAt).Scan(&a.ID)
	if err != nil {
		return fmt.Errorf("insert agent %s: %w", a.Email, err)
	}
	return nil
}

const agentColumns = `a.id, a.name, a.email, a.role, COALESCE(a.team_id, 0), COALESCE(tm.name, ''), COALESCE(a.manager_id, 0),
	COALESCE(a.partner_id, 0), a.timezone, a.hours, a.active, a.created_at`

const agentFrom = ` FROM agents a LEFT JOIN teams tm ON tm.id = a.team_id`

type scanner interface{ Scan(...any) error }

// scanAgent reads agentColumns. Hours and time zone come from the store's cache: a desk has a
// handful of each, and decoding them again for every row loaded was a tenth of mail intake's CPU.
func (t *Tx) scanAgent(row scanner) (desk.Agent, error) {
	var a desk.Agent
	var role, hours string
	if err := row.Scan(&a.ID, &a.Name, &a.Email, &role, &a.TeamID, &a.Team, &a.ManagerID, &a.PartnerID, &a.Timezone, &hours, &a.Active, &a.CreatedAt); err != nil {
		return a, err
	}
	a.Role = desk.Role(role)
	a.CreatedAt = a.CreatedAt.UTC()
	var err error
	if a.Hours, err = t.agents.hours(hours); err != nil {
		return a, fmt.Errorf("agent %d hours: %w", a.ID, err)
	}
	a.Loc = t.agents.zone(a.Timezone)
	return a, nil
}

// agentCache keeps agents' working hours parsed, by their stored JSON, and their time zones
// loaded, by name. Safe for concurrent use; bounded (a desk has a handful of each, so when
// full it simply starts over). A nil cache decodes every time and loads no zone.
type agentCache struct {
	mu     sync.RWMutex
	parsed map[string]desk.Hours
	zones  map[string]*time.Location
}

const maxCachedAgentValues = 256

func newAgentCache() *agentCache {
	return &agentCache{parsed: map[string]desk.Hours{}, zones: map[string]*time.Location{}}
}

// hours decodes stored hours. Cached hours share their spans with every agent given them:
// nothing changes an agent's hours in place, and their capacity is clipped so an append
// cannot write into another's.
func (c *agentCache) hours(text string) (desk.Hours, error) {
	if c != nil {
		c.mu.RLock()
		h, ok := c.parsed[text]
		c.mu.RUnlock()
		if ok {
			return h, nil
		}
	}
	var h desk.Hours
	if err := json.Unmarshal([]byte(text), &h); err != nil {
		return h, err
	}
	if c != nil {
		for d := range h {
			h[d] = slices.Clip(h[d])
		}
		c.mu.Lock()
		if len(c.parsed) >= maxCachedAgentValues {
			clear(c.parsed)
		}
		c.parsed[text] = h
		c.mu.Unlock()
	}
	return h, nil
}

// zone loads a time zone by name, or returns nil (desk.Agent.Location then decides).
func (c *agentCache) zone(name string) *time.Location {
	if c == nil || name == "" {
		return nil
	}
	c.mu.RLock()
	loc, ok := c.zones[name]
	c.mu.RUnlock()
	if ok {
		return loc
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc = nil // remembered as unloadable: Location falls back to UTC
	}
	c.mu.Lock()
	if len(c.zones) >= maxCachedAgentValues {
		clear(c.zones)
	}
	c.zones[name] = loc
	c.mu.Unlock()
	return loc
}

// Agent loads an agent by id.
func (t *Tx) Agent(ctx context.Context, id int64) (desk.Agent, error) {
	a, err := t.scanAgent(t.tx.QueryRowContext(ctx, `SELECT `+agentColumns+agentFrom+` WHERE a.id = $1`, id))
	if err != nil {
		return a, fmt.Errorf("load agent %d: %w", id, notFound(err))
	}
	return a, nil
}

// AgentByEmail loads an agent by their (canonical) email address.
func (t *Tx) AgentByEmail(ctx context.Context, email string) (desk.Agent, error) {
	a, err := t.scanAgent(t.tx.QueryRowContext(ctx, `SELECT `+agentColumns+agentFrom+` WHERE a.email = $1`, email))
	if err != nil {
		return a, fmt.Errorf("load agent %s: %w", email, notFound(err))
	}
	return a, nil
}

// Agents lists every agent, by id.
func (t *Tx) Agents(ctx context.Context) ([]desk.Agent, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT `+agentColumns+agentFrom+` ORDER BY a.id`)
	if err != nil {
		return nil, fmt.Errorf("list agents: %w", err)
	}
	defer rows.Close()
	var out []desk.Agent
	for rows.Next() {
		a, err := t.scanAgent(rows)
		if err != nil {
			return nil, fmt.Errorf("list agents: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// SetPassword stores an agent's password hash.
func (t *Tx) SetPassword(ctx context.Context, agentID int64, hash string) error {
	if _, err := t.tx.ExecContext(ctx, `UPDATE agents SET password_hash = $1 WHERE id = $2`, hash, agentID); err != nil {
		return fmt.Errorf("set password of agent %d: %w", agentID, err)
	}
	return nil
}

// AgentLang returns the language an agent chose ("" when never chosen).
func (t *Tx) AgentLang(ctx context.Context, agentID int64) (string, error) {
	var l string
	if err := t.tx.QueryRowContext(ctx, `SELECT lang FROM agents WHERE id = $1`, agentID).Scan(&l); err != nil {
		return "", fmt.Errorf("language of agent %d: %w", agentID, notFound(err))
	}
	return l, nil
}

// SetAgentActive deactivates or reactivates an agent.
func (t *Tx) SetAgentActive(ctx context.Context, agentID int64, active bool) error {
	if _, err := t.tx.ExecContext(ctx, `UPDATE agents SET active = $1 WHERE id = $2`, active, agentID); err != nil {
		return fmt.Errorf("set agent %d active=%v: %w", agentID, active, err)
	}
	return nil
}

// PasswordHash returns an agent's stored password hash ("" when none is set).
func (t *Tx) PasswordHash(ctx context.Context, agentID int64) (string, error) {
	var h string
	if err := t.tx.QueryRowContext(ctx, `SELECT password_hash FROM agents WHERE id = $1`, agentID).Scan(&h); err != nil {
		return "", fmt.Errorf("password of agent %d: %w", agentID, notFound(err))
	}
	return h, nil
}

// InsertCustomer stores a new customer with their contact points and references, and sets its id.
func (t *Tx) InsertCustomer(ctx context.Context, c *desk.Customer) error {
	if err := t.tx.QueryRowContext(ctx, `INSERT INTO customers (name, lang, timezone, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		c.Name, c.Lang, c.Timezone, c.CreatedAt).Scan(&c.ID); err != nil {
		return fmt.Errorf("insert customer: %w", err)
	}
	for _, p := range c.Contacts {
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO contact_points (customer_id, kind, value) VALUES ($1, $2, $3)`, c.ID, p.Kind, p.Value); err != nil {
			return fmt.Errorf("insert contact %s of customer %d: %w", p.Value, c.ID, err)
		}
	}
	for _, r := range c.References {
		if err := t.AddReference(ctx, c.ID, r, c.CreatedAt); err != nil {
			return err
		}
	}
	return nil
}

// AddReference attaches a reference to a customer (once).
func (t *Tx) AddReference(ctx context.Context, customerID int64, r desk.Reference, now time.Time) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO customer_refs (customer_id, kind, value, key, created_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (customer_id, kind, key) DO NOTHING`, customerID, r.Kind, r.Value, r.Key, now)
	if err != nil {
		return fmt.Errorf("add reference %s to customer %d: %w", r.Value, customerID, err)
	}
	return nil
}

// CustomerByContact finds the customer reachable at a contact point.
func (t *Tx) CustomerByContact(ctx context.Context, p desk.Contact) (int64, error) {
	var id int64
	err := t.tx.QueryRowContext(ctx, `SELECT customer_id FROM contact_points WHERE kind = $1 AND value = $2`, p.Kind, p.Value).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("find customer by %s: %w", p.Kind, notFound(err))
	}
	return id, nil
}

// Customer loads a customer with contact points and references.
func (t *Tx) Customer(ctx context.Context, id int64) (desk.Customer, error) {
	c, err := scanCustomer(t.tx.QueryRowContext(ctx, `SELECT id, name, timezone, lang, created_at FROM customers WHERE id = $1`, id))
	if err != nil {
		return c, fmt.Errorf("load customer %d: %w", id, notFound(err))
	}
	return c, t.customerDetails(ctx, &c)
}

// CustomerAt loads the customer reachable at a contact point, like CustomerByContact and
// then Customer but a statement shorter: every mail and inbound message looks up its sender.
func (t *Tx) CustomerAt(ctx context.Context, p desk.Contact) (desk.Customer, error) {
	// Cast parameters here and in customerDetails: compared bare with an indexed column, they
	// make SQLite plan the statement again for each new value on an analysed desk (sqlite_stat4),
	// which cost intake more than running these statements (probed at scale S: 19 µs a lookup
	// with bare parameters, 6 µs cast).
	c, err := scanCustomer(t.tx.QueryRowContext(ctx, `SELECT c.id, c.name, c.timezone, c.lang, c.created_at
		FROM contact_points p JOIN customers c ON c.id = p.customer_id WHERE p.kind = CAST($1 AS TEXT) AND p.value = CAST($2 AS TEXT)`, p.Kind, p.Value))
	if err != nil {
		return c, fmt.Errorf("find customer by %s: %w", p.Kind, notFound(err))
	}
	return c, t.customerDetails(ctx, &c)
}

func scanCustomer(row scanner) (desk.Customer, error) {
	var c desk.Customer
	err := row.Scan(&c.ID, &c.Name, &c.Timezone, &c.Lang, &c.CreatedAt)
	c.CreatedAt = c.CreatedAt.UTC()
	return c, err
}

// customerDetails loads a customer's contact points (by kind and value) and references (in
// the order they were added) in one statement: every mail looks its sender up, and on
// PostgreSQL each statement is a round trip.
func (t *Tx) customerDetails(ctx context.Context, c *desk.Customer) error {
	c.Contacts = []desk.Contact{}
	c.References = []desk.Reference{}
	rows, err := t.tx.QueryContext(ctx, `SELECT 0 AS part, kind, value, '' AS key, NULL AS created_at FROM contact_points WHERE customer_id = CAST($1 AS BIGINT)
		UNION ALL
		SELECT 1, kind, value, key, created_at FROM customer_refs WHERE customer_id = CAST($1 AS BIGINT)
		ORDER BY part, created_at, kind, key, value`, c.ID)
	if err != nil {
		return fmt.Errorf("load contacts and references of customer %d: %w", c.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var part int
		var kind, value, key string
		var at any
		if err := rows.Scan(&part, &kind, &value, &key, &at); err != nil {
			return fmt.Errorf("load contacts and references of customer %d: %w", c.ID, err)
		}
		if part == 0 {
			c.Contacts = append(c.Contacts, desk.Contact{Kind: kind, Value: value})
		} else {
			c.References = append(c.References, desk.Reference{Kind: kind, Value: value, Key: key})
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load contacts and references of customer %d: %w", c.ID, err)
	}
	return nil
}

// IsNotFound reports whether err says a lookup found nothing.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) || errors.Is(err, sql.ErrNoRows) }

// TeamID finds a team by name.
func (t *Tx) TeamID(ctx context.Context, name string) (int64, error) {
	var id int64
	if err := t.tx.QueryRowContext(ctx, `SELECT id FROM teams WHERE name = $1`, name).Scan(&id); err != nil {
		return 0, fmt.Errorf("find team %q: %w", name, notFound(err))
	}
	return id, nil
}

// InsertPartner stores a partner organisation and sets its id.
func (t *Tx) InsertPartner(ctx context.Context, p *desk.Partner) error {
	if err := t.tx.QueryRowContext(ctx, `INSERT INTO partners (name, created_at) VALUES ($1, $2) RETURNING id`, p.Name, p.CreatedAt).Scan(&p.ID); err != nil {
		return fmt.Errorf("insert partner %q: %w", p.Name, err)
	}
	return nil
}

// Partner loads a partner organisation.
func (t *Tx) Partner(ctx context.Context, id int64) (desk.Partner, error) {
	var p desk.Partner
	if err := t.tx.QueryRowContext(ctx, `SELECT id, name, created_at FROM partners WHERE id = $1`, id).Scan(&p.ID, &p.Name, &p.CreatedAt); err != nil {
		return p, fmt.Errorf("load partner %d: %w", id, notFound(err))
	}
	p.CreatedAt = p.CreatedAt.UTC()
	return p, nil
}

// PartnerCaseIDs lists the ids of the cases handed to a partner, newest first.
func (t *Tx) PartnerCaseIDs(ctx context.Context, partnerID int64, limit int) ([]int64, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT id FROM cases WHERE partner_id = $1 ORDER BY id DESC LIMIT $2`, partnerID, limit)
	if err != nil {
		return nil, fmt.Errorf("cases of partner %d: %w", partnerID, err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("cases of partner %d: %w", partnerID, err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// OwnerPool is what choosing a new case's owner reads that only changes when agents or
// absences are written: the agents (of one team, when the pool is a team's) and their leave and
// sickness around the time it was read. Whom of them a new case may go to is the desk's rule
// (desk.MayOwnNewCase, desk.AwayForNewCases); their counts of open cases come from OpenCounts.
// Mail intake reads a pool once per group transaction, where nothing writes agents or absences,
// and then only the open counts (which every case opened changes) for each mail.
type OwnerPool struct {
	Agents   []desk.Agent             // ID, Role, Active and TeamID: what choosing reads
	Absences map[int64][]desk.Absence // leave and sickness, by agent, that may count within an hour of Read
	Read     time.Time                // the time it was read for (see Holds)
	teamID   int64
	// counts reads the open counts of only the pool's agents (args, their ids) when they are a
	// team's: at scale M a team has a fifth of the desk's agents.
	counts string
	args   []any
	// open holds the counts as read at generation gen of the transaction's openLog, with its
	// changes up to changes added: nil until OpenCounts first reads them.
	open    map[int64]int
	gen     int
	changes int
}

// poolHolds is how far from the time it was read an owner pool holds: its absences are those
// that may count within the next day from any time in that window.
const poolHolds = time.Hour

// Holds reports whether the pool may stand for the agents and absences at now.
func (p *OwnerPool) Holds(now time.Time) bool {
	d := now.Sub(p.Read)
	return d >= -poolHolds && d <= poolHolds
}

// OwnerPool reads the agents (of one team, when teamID is not 0), with their leave and sickness
// that may count within an hour of now, in two statements.
func (t *Tx) OwnerPool(ctx context.Context, teamID int64, now time.Time) (OwnerPool, error) {
	p := OwnerPool{teamID: teamID, Read: now, Absences: map[int64][]desk.Absence{}}
	q := `SELECT a.id, a.role, a.active, COALESCE(a.team_id, 0) FROM agents a`
	var args []any
	if teamID != 0 {
		q += ` WHERE a.team_id = CAST($1 AS BIGINT)` // cast: see CustomerAt
		args = append(args, teamID)
	}
	rows, err := t.tx.QueryContext(ctx, q+` ORDER BY a.id`, args...)
	if err != nil {
		return p, fmt.Errorf("owner pool: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a desk.Agent
		var role string
		if err := rows.Scan(&a.ID, &role, &a.Active, &a.TeamID); err != nil {
			return p, fmt.Errorf("owner pool: %w", err)
		}
		a.Role = desk.Role(role)
		p.Agents = append(p.Agents, a)
	}
	if err := rows.Err(); err != nil {
		return p, fmt.Errorf("owner pool: %w", err)
	}
	rows.Close()
	p.counts = `SELECT agent_id, SUM(open) FROM agent_open_cases GROUP BY agent_id`
	if teamID != 0 && len(p.Agents) > 0 {
		in := make([]string, len(p.Agents))
		for i, a := range p.Agents {
			in[i] = fmt.Sprintf("$%d", i+1)
			p.args = append(p.args, a.ID)
		}
		p.counts = `SELECT agent_id, SUM(open) FROM agent_open_cases WHERE agent_id IN (` + strings.Join(in, ", ") + `) GROUP BY agent_id`
	}
	rows, err = t.tx.QueryContext(ctx, `SELECT agent_id, kind, from_at, to_at FROM absences
		WHERE kind IN ('leave', 'sick') AND to_at > CAST($1 AS `+t.d.timeType+`) AND from_at < CAST($2 AS `+t.d.timeType+`)`,
		now.Add(-poolHolds), now.Add(24*time.Hour+poolHolds))
	if err != nil {
		return p, fmt.Errorf("owner pool absences: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a desk.Absence
		var kind string
		if err := rows.Scan(&a.AgentID, &kind, &a.From, &a.To); err != nil {
			return p, fmt.Errorf("owner pool absences: %w", err)
		}
		a.Kind, a.From, a.To = desk.AbsenceKind(kind), a.From.UTC(), a.To.UTC()
		p.Absences[a.AgentID] = append(p.Absences[a.AgentID], a)
	}
	return p, rows.Err()
}

// OpenCounts is each of the pool's agents' count of open cases (missing: none), in the
// transaction that read the pool: read once, then kept with the transaction's own changes to
// them (see openLog), and read again only after a savepoint was rolled back.
//
// On PostgreSQL the counts kept miss what other transactions commit meanwhile, as a count read
// once per group would; they only balance new cases between agents.
func (t *Tx) OpenCounts(ctx context.Context, p *OwnerPool) (map[int64]int, error) {
	if len(p.Agents) == 0 {
		return map[int64]int{}, nil
	}
	if p.open == nil || p.gen != t.opens.gen {
		if err := t.poolCounts(ctx, p); err != nil {
			return nil, err
		}
	}
	for _, c := range t.opens.changes[p.changes:] {
		p.open[c.agentID] += c.delta
	}
	p.changes = len(t.opens.changes)
	return p.open, nil
}

// poolCounts reads the open counts of a pool's agents, at the openLog's generation.
func (t *Tx) poolCounts(ctx context.Context, p *OwnerPool) error {
	open := make(map[int64]int, len(p.Agents))
	rows, err := t.tx.QueryContext(ctx, p.counts, p.args...)
	if err != nil {
		return fmt.Errorf("open counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return fmt.Errorf("open counts: %w", err)
		}
		open[id] = n
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("open counts: %w", err)
	}
	p.open, p.gen, p.changes = open, t.opens.gen, len(t.opens.changes)
	return nil
}

// CountCases counts each owner's cases in these statuses, from the cases themselves: what the
// counts kept in agent_open_cases must agree with (the tests hold them to it).
func (t *Tx) CountCases(ctx context.Context, statuses []desk.Status) (map[int64]int, error) {
	ph := make([]string, len(statuses))
	args := make([]any, len(statuses))
	for i, st := range statuses {
		ph[i], args[i] = fmt.Sprintf("$%d", i+1), string(st)
	}
	rows, err := t.tx.QueryContext(ctx, `SELECT owner_id, COUNT(*) FROM cases WHERE status IN (`+strings.Join(ph, ", ")+`) GROUP BY owner_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("count cases: %w", err)
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("count cases: %w", err)
		}
		out[id] = n
	}
	return out, rows.Err()
}
