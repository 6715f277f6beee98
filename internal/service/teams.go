package service

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/store"
)

// TeamSettingsIn changes a team's targets and calendar; nil fields stay as they are.
type TeamSettingsIn struct {
	ConfirmWait      *time.Duration
	ResponseTarget   *time.Duration
	ResolutionTarget *time.Duration // 0 removes the target
	RepeatContacts   *int
	RepeatWindow     *time.Duration // a new contact this soon after closing: a repeat contact
	ReviewShare      *int           // per cent of closed cases drawn for review each week
	ReminderOffsets  []time.Duration
	Timezone         *string
	BusinessHours    *map[string][]string // the hours shape; an empty map: round the clock
	Holidays         []string             // nil: unchanged; empty: none
	HolidaysICS      []byte               // a holiday calendar (.ics) whose whole days are added
	Addresses        []string             // nil: unchanged; empty: none
	Language         *string              // the default language ("en", "et", "hr"); "" none
}

// SetTeamSettings changes a team's targets, calendar and addresses; a new team name creates
// the team.
func (s *Service) SetTeamSettings(ctx context.Context, actor desk.Actor, name string, in TeamSettingsIn) (desk.TeamSettings, error) {
	if err := gate(actor, ActTeamSettings); err != nil {
		return desk.TeamSettings{}, err
	}
	var out desk.TeamSettings
	err := s.write(ctx, actor, func(w *work) error {
		tx := w.tx
		id, err := tx.EnsureTeam(ctx, name, w.now)
		if err != nil {
			return err
		}
		if err := w.allow(ActTeamSettings, Object{TeamID: id}); err != nil {
			return err
		}
		if err := tx.LockToChange(ctx, store.TeamToChange, id); err != nil {
			return err
		}
		if out, err = tx.TeamSettings(ctx, id); err != nil {
			return err
		}
		was := teamFields(out)
		if len(in.HolidaysICS) > 0 {
			if in.Holidays, err = holidaysFromCalendar(in, out.Holidays, w.now); err != nil {
				return err
			}
		}
		if err := applyTeamSettings(&out, in); err != nil {
			return err
		}
		if err := s.checkTeamAddresses(w, out); err != nil {
			return err
		}
		if err := tx.SaveTeamSettings(ctx, out); err != nil {
			return err
		}
		if err := w.audit(logTeamSettings, out.Name, was, teamFields(out)); err != nil {
			return err
		}
		w.afterCommit(func() { s.teamAddrs.Store(nil) }) // the mail door reads the addresses again
		return nil
	})
	return out, wrap("set team settings", err)
}

// holidaysFromCalendar adds the whole days of a holiday calendar, from a year ago to three
// years ahead, to the holidays given with it or else to the team's own.
func holidaysFromCalendar(in TeamSettingsIn, current []string, now time.Time) ([]string, error) {
	days, err := mail.HolidayDates(in.HolidaysICS, now.AddDate(-1, 0, 0), now.AddDate(3, 0, 0))
	if err != nil {
		return nil, desk.Invalid("holidays_ics", "%v", err)
	}
	if in.Holidays != nil {
		current = in.Holidays
	}
	return append(slices.Clone(current), days...), nil
}

// applyTeamSettings checks what a change of team settings gives and applies it to t.
func applyTeamSettings(t *desk.TeamSettings, in TeamSettingsIn) error {
	if in.ResponseTarget != nil {
		if *in.ResponseTarget < time.Minute || *in.ResponseTarget > desk.LongestTarget {
			return desk.Invalid("response_target_s", "must be between 60 seconds and 366 days")
		}
		t.ResponseTarget = *in.ResponseTarget
	}
	if in.ResolutionTarget != nil {
		if r := *in.ResolutionTarget; r != 0 && (r < time.Minute || r > desk.LongestTarget) {
			return desk.Invalid("resolution_target_s", "must be between 60 seconds and 366 days, or 0 for none")
		}
		t.ResolutionTarget = *in.ResolutionTarget
	}
	if in.ConfirmWait != nil {
		if *in.ConfirmWait < time.Hour || *in.ConfirmWait > desk.LongestTarget {
			return desk.Invalid("confirm_wait_s", "must be between 3600 seconds and 366 days")
		}
		t.ConfirmWait = *in.ConfirmWait
	}
	if in.RepeatContacts != nil {
		if *in.RepeatContacts < 1 || *in.RepeatContacts > 100 { // stored as a 32-bit number
			return desk.Invalid("repeat_contacts", "must be between 1 and 100")
		}
		t.RepeatContacts = *in.RepeatContacts
	}
	if in.RepeatWindow != nil {
		if *in.RepeatWindow < time.Hour || *in.RepeatWindow > 90*24*time.Hour {
			return desk.Invalid("repeat_window_s", "must be between 3600 seconds and 90 days")
		}
		t.RepeatWindow = *in.RepeatWindow
	}
	if in.ReviewShare != nil {
		if *in.ReviewShare < 0 || *in.ReviewShare > 100 {
			return desk.Invalid("review_share", "a share in per cent, 0 to 100")
		}
		t.ReviewShare = *in.ReviewShare
	}
	if in.ReminderOffsets != nil {
		for _, d := range in.ReminderOffsets {
			if d <= 0 {
				return desk.Invalid("reminders_s", "each reminder is a positive number of seconds before the due time")
			}
		}
		t.ReminderOffsets = in.ReminderOffsets
	}
	if in.Timezone != nil {
		zone := strings.TrimSpace(*in.Timezone)
		loc, err := time.LoadLocation(zone)
		if err != nil || zone == "Local" {
			return desk.Invalid("timezone", "unknown time zone %q (use a name such as Europe/Tallinn)", zone)
		}
		if zone == "" {
			loc = nil
		}
		t.Timezone, t.Loc = zone, loc
	}
	if in.BusinessHours != nil {
		t.BusinessHours = nil
		if len(*in.BusinessHours) > 0 {
			h, err := desk.ParseHours("business_hours", *in.BusinessHours)
			if err != nil {
				return err
			}
			t.BusinessHours = &h
		}
	}
	if in.Holidays != nil {
		days, err := desk.ParseHolidays("holidays", in.Holidays)
		if err != nil {
			return err
		}
		t.Holidays = days
	}
	if in.Language != nil {
		lang := strings.ToLower(strings.TrimSpace(*in.Language))
		if lang != "" && !slices.Contains(desk.Languages(), lang) {
			return desk.Invalid("language", "the desk writes %s; %q is none of them", strings.Join(desk.Languages(), ", "), *in.Language)
		}
		t.Language = lang
	}
	if in.Addresses != nil {
		t.Addresses = []string{}
		for i, a := range in.Addresses {
			c, err := desk.CanonicalContact(fmt.Sprintf("addresses[%d]", i), desk.ContactEmail, a)
			if err != nil {
				return err
			}
			if !slices.Contains(t.Addresses, c.Value) {
				t.Addresses = append(t.Addresses, c.Value)
			}
		}
	}
	return nil
}

// checkTeamAddresses refuses an address another team has: mail to it must go to one team.
func (s *Service) checkTeamAddresses(w *work, t desk.TeamSettings) error {
	if len(t.Addresses) == 0 {
		return nil
	}
	teams, err := w.tx.Teams(w.ctx)
	if err != nil {
		return err
	}
	for _, other := range teams {
		if other.ID == t.ID {
			continue
		}
		for _, a := range t.Addresses {
			if slices.Contains(other.Addresses, a) {
				return desk.Conflict("address_taken", fmt.Sprintf("%s already takes mail for %s", other.Name, a), map[string]any{"team": other.Name, "address": a})
			}
		}
	}
	return nil
}

// Teams lists the desk's teams with their targets, calendars and addresses.
func (s *Service) Teams(ctx context.Context, actor desk.Actor) ([]desk.TeamSettings, error) {
	out, err := readTxAs(s, ctx, actor, ActTeamRead, func(tx *store.Tx) ([]desk.TeamSettings, error) { return tx.Teams(ctx) })
	return out, wrap("list teams", err)
}
