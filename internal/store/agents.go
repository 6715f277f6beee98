package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
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
	pools  map[int64]stampedPool // by team (0: the desk's)
}

// stampedPool is an owner pool as read at a stamp of owner_pool_stamp.
type stampedPool struct {
	stamp int64
	pool  OwnerPool
}

// pool is the team's owner pool as kept, if it was read at stamp and holds at now. Its agents
// and absences are shared with every transaction given it: nothing changes them in place.
func (c *agentCache) pool(teamID, stamp int64, now time.Time) (OwnerPool, bool) {
	if c == nil {
		return OwnerPool{}, false
	}
	c.mu.RLock()
	kept, ok := c.pools[teamID]
	c.mu.RUnlock()
	if !ok || kept.stamp != stamp || !kept.pool.Holds(now) {
		return OwnerPool{}, false
	}
	return kept.pool, true
}

// keepPool keeps a team's owner pool as read at stamp, before any open counts were read into it.
func (c *agentCache) keepPool(teamID, stamp int64, p OwnerPool) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pools == nil || len(c.pools) >= maxCachedAgentValues {
		c.pools = map[int64]stampedPool{}
	}
	c.pools[teamID] = stampedPool{stamp, p}
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
	a, err := t.scanAgent(t.unheld().QueryRowContext(ctx, `SELECT `+agentColumns+agentFrom+` WHERE a.id = $1`, id)) // nothing held writes agents
	if err != nil {
		return a, fmt.Errorf("load agent %d: %w", id, notFound(err))
	}
	return a, nil
}

// AgentByEmail loads an agent by their (canonical) email address.
func (t *Tx) AgentByEmail(ctx context.Context, email string) (desk.Agent, error) {
	a, err := t.scanAgent(t.unheld().QueryRowContext(ctx, `SELECT `+agentColumns+agentFrom+` WHERE a.email = $1`, email))
	if err != nil {
		return a, fmt.Errorf("load agent %s: %w", email, notFound(err))
	}
	return a, nil
}

// Agents lists every agent, by id.
func (t *Tx) Agents(ctx context.Context) ([]desk.Agent, error) {
	var out []desk.Agent
	if err := t.tx.eachRow(ctx, appendTo(&out, t.scanAgent), `SELECT `+agentColumns+agentFrom+` ORDER BY a.id`); err != nil {
		return nil, fmt.Errorf("list agents: %w", err)
	}
	return out, nil
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
	err := t.scanByID(ctx, "language of agent", agentID, `SELECT lang FROM agents WHERE id = $1`, &l)
	return l, err
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
	err := t.scanByID(ctx, "password of agent", agentID, `SELECT password_hash FROM agents WHERE id = $1`, &h)
	return h, err
}

// poolHolds is how far from the time it was read an owner pool holds: its absences are those
// that may count within the next day from any time in that window.
const poolHolds = time.Hour
