package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// teamColumns are a team's settings as teamRow reads them.
const teamColumns = `tm.id, tm.name, tm.response_target_s, tm.repeat_contacts, tm.reminders, tm.confirm_wait_s, tm.timezone,
	tm.business_hours, tm.holidays, tm.resolution_target_s, tm.addresses,
	tm.repeat_window_s, tm.review_share, tm.language`

// teamRow reads teamColumns; their columns are NULL when no team was found (ok false).
type teamRow struct {
	id                                        sql.NullInt64
	name, reminders, zone, hours, days, addrs sql.NullString
	lang                                      sql.NullString
	target, repeat, wait, resolution          sql.NullInt64
	window, share                             sql.NullInt64
}

func (r *teamRow) dest() []any {
	return []any{&r.id, &r.name, &r.target, &r.repeat, &r.reminders, &r.wait, &r.zone, &r.hours, &r.days, &r.resolution, &r.addrs, &r.window, &r.share, &r.lang}
}

// settings are the row's team settings: the desk's defaults when no team was found.
func (t *Tx) teamSettings(r teamRow) (desk.TeamSettings, error) {
	s := desk.DefaultTeamSettings()
	if !r.id.Valid {
		return s, nil
	}
	s.ID, s.Name, s.RepeatContacts = r.id.Int64, r.name.String, int(r.repeat.Int64)
	s.ResponseTarget, s.ConfirmWait = time.Duration(r.target.Int64)*time.Second, time.Duration(r.wait.Int64)*time.Second
	s.ResolutionTarget, s.Timezone = time.Duration(r.resolution.Int64)*time.Second, r.zone.String
	s.Loc = t.agents.zone(s.Timezone)
	s.RepeatWindow, s.ReviewShare = time.Duration(r.window.Int64)*time.Second, int(r.share.Int64)
	s.Language = r.lang.String
	var secs []int64
	if err := json.Unmarshal([]byte(r.reminders.String), &secs); err != nil {
		return s, fmt.Errorf("team %d reminders: %w", s.ID, err)
	}
	s.ReminderOffsets = s.ReminderOffsets[:0]
	for _, v := range secs {
		s.ReminderOffsets = append(s.ReminderOffsets, time.Duration(v)*time.Second)
	}
	if r.hours.String != "" {
		h, err := t.agents.hours(r.hours.String)
		if err != nil {
			return s, fmt.Errorf("team %d business hours: %w", s.ID, err)
		}
		s.BusinessHours = &h
	}
	if err := json.Unmarshal([]byte(r.days.String), &s.Holidays); err != nil {
		return s, fmt.Errorf("team %d holidays: %w", s.ID, err)
	}
	if err := json.Unmarshal([]byte(r.addrs.String), &s.Addresses); err != nil {
		return s, fmt.Errorf("team %d addresses: %w", s.ID, err)
	}
	return s, nil
}

// TeamSettings loads a team's settings (the desk's defaults for team 0).
func (t *Tx) TeamSettings(ctx context.Context, teamID int64) (desk.TeamSettings, error) {
	if teamID == 0 {
		return desk.DefaultTeamSettings(), nil
	}
	var r teamRow
	if err := t.tx.QueryRowContext(ctx, `SELECT `+teamColumns+` FROM teams tm WHERE tm.id = $1`, teamID).Scan(r.dest()...); err != nil {
		return desk.DefaultTeamSettings(), fmt.Errorf("team %d settings: %w", teamID, notFound(err))
	}
	return t.teamSettings(r)
}

// Teams lists every team's settings, by name.
func (t *Tx) Teams(ctx context.Context) ([]desk.TeamSettings, error) {
	rows, err := t.unheld().QueryContext(ctx, `SELECT `+teamColumns+` FROM teams tm ORDER BY tm.name`) // nothing held writes teams
	if err != nil {
		return nil, fmt.Errorf("list teams: %w", err)
	}
	defer rows.Close()
	out := []desk.TeamSettings{}
	for rows.Next() {
		var r teamRow
		if err := rows.Scan(r.dest()...); err != nil {
			return nil, fmt.Errorf("list teams: %w", err)
		}
		s, err := t.teamSettings(r)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

// secondsJSON is how a team's reminders are kept: a JSON list of seconds before the due time.
func secondsJSON(ds []time.Duration) (string, error) {
	secs := make([]int64, len(ds))
	for i, d := range ds {
		secs[i] = int64(d / time.Second)
	}
	b, err := json.Marshal(secs)
	if err != nil {
		return "", fmt.Errorf("reminders: %w", err)
	}
	return string(b), nil
}

// SaveTeamSettings writes a team's settings.
func (t *Tx) SaveTeamSettings(ctx context.Context, s desk.TeamSettings) error {
	reminders, err := secondsJSON(s.ReminderOffsets)
	if err != nil {
		return err
	}
	hours := ""
	if s.BusinessHours != nil {
		b, err := json.Marshal(s.BusinessHours)
		if err != nil {
			return fmt.Errorf("team %d business hours: %w", s.ID, err)
		}
		hours = string(b)
	}
	days, err := json.Marshal(nonNil(s.Holidays))
	if err != nil {
		return fmt.Errorf("team %d holidays: %w", s.ID, err)
	}
	addrs, err := json.Marshal(nonNil(s.Addresses))
	if err != nil {
		return fmt.Errorf("team %d addresses: %w", s.ID, err)
	}
	_, err = t.tx.ExecContext(ctx, `UPDATE teams SET response_target_s = $1, repeat_contacts = $2, reminders = $3, confirm_wait_s = $4,
		timezone = $5, business_hours = $6, holidays = $7, resolution_target_s = $8, addresses = $9,
		repeat_window_s = $11, review_share = $12, language = $13 WHERE id = $10`,
		int64(s.ResponseTarget/time.Second), s.RepeatContacts, reminders, int64(s.ConfirmWait/time.Second),
		s.Timezone, hours, string(days), int64(s.ResolutionTarget/time.Second), string(addrs), s.ID,
		int64(s.RepeatWindow/time.Second), s.ReviewShare, s.Language)
	if err != nil {
		return fmt.Errorf("save team %d settings: %w", s.ID, err)
	}
	return nil
}

// EnsureTeam returns the id of the team with this name, creating it if new. A team that exists
// is only read: an INSERT that does nothing still fires PostgreSQL's statement trigger on teams,
// which moves the owner pools' stamp (migration 00053) and holds its row to the transaction's
// end (an import asks for its teams every batch).
func (t *Tx) EnsureTeam(ctx context.Context, name string, now time.Time) (int64, error) {
	if id, err := t.TeamID(ctx, name); err == nil || !IsNotFound(err) {
		return id, err
	}
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

// TeamID finds a team by name.
func (t *Tx) TeamID(ctx context.Context, name string) (int64, error) {
	var id int64
	if err := t.tx.QueryRowContext(ctx, `SELECT id FROM teams WHERE name = $1`, name).Scan(&id); err != nil {
		return 0, fmt.Errorf("find team %q: %w", name, notFound(err))
	}
	return id, nil
}
