package desk

import (
	"sort"
	"strings"
	"time"
)

// Calendar is when a team works: its weekly business hours in its time zone, less its holidays
// (whole days in that zone). A team's targets (the response and resolution targets) count only
// this business time. A calendar without hours works round the clock.
type Calendar struct {
	Hours    *Hours         // nil: round the clock
	Zone     *time.Location // nil: UTC
	Holidays []string       // dates, "2006-01-02", in Zone
}

// calendarWindow is how far ahead a calendar looks at once, and calendarHorizon how far at most:
// hours that never open (every day empty, or all holidays) must not loop forever.
const (
	calendarWindow  = 14 * 24 * time.Hour
	calendarHorizon = 2 * 366 * 24 * time.Hour
)

func (c Calendar) zone() *time.Location {
	if c.Zone == nil {
		return time.UTC
	}
	return c.Zone
}

// RoundTheClock reports whether every moment is business time.
func (c Calendar) RoundTheClock() bool { return c.Hours == nil && len(c.Holidays) == 0 }

// stretches are the business time within [from, to), sorted and merged.
func (c Calendar) stretches(from, to time.Time) []Stretch {
	var open []Stretch
	if c.Hours == nil {
		open = []Stretch{{from, to}}
	} else {
		open = workingStretches(*c.Hours, c.zone(), from, to)
	}
	if len(c.Holidays) == 0 {
		return open
	}
	return subtractStretches(open, c.holidayStretches(from, to))
}

// holidayStretches are the holidays that meet [from, to), each from its local midnight to the
// next (23 or 25 hours on a day the clocks change).
func (c Calendar) holidayStretches(from, to time.Time) []Stretch {
	var out []Stretch
	loc := c.zone()
	for _, h := range c.Holidays {
		d, err := time.ParseInLocation(time.DateOnly, h, loc)
		if err != nil {
			continue // checked when the team's holidays were set
		}
		s := Stretch{d, time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc)}
		if s.To.After(from) && s.From.Before(to) {
			out = append(out, s)
		}
	}
	return mergeStretches(out)
}

// Open reports whether t is business time.
func (c Calendar) Open(t time.Time) bool {
	s := c.stretches(t, t.Add(time.Second))
	return len(s) > 0 && !s[0].From.After(t)
}

// Add is the moment at which d of business time has passed since from: a target of 8 business
// hours set on Friday at 16:00, with Monday-to-Friday 09:00-17:00, falls due on Monday at 16:00.
// When the calendar never opens within two years, it is from+d (a target must fall due).
func (c Calendar) Add(from time.Time, d time.Duration) time.Time {
	if c.RoundTheClock() || d <= 0 {
		return from.Add(d)
	}
	left := d
	for start := from; start.Sub(from) < calendarHorizon; start = start.Add(calendarWindow) {
		for _, s := range c.stretches(start, start.Add(calendarWindow)) {
			n := s.To.Sub(s.From)
			if n >= left {
				return s.From.Add(left)
			}
			left -= n
		}
	}
	return from.Add(d)
}

// Elapsed is the business time between from and to (0 when to is not after from).
func (c Calendar) Elapsed(from, to time.Time) time.Duration {
	var n time.Duration
	for start := from; start.Before(to); start = start.Add(calendarWindow) {
		for _, s := range c.stretches(start, Earliest(start.Add(calendarWindow), to)) {
			n += s.To.Sub(s.From)
		}
	}
	return n
}

// NextOpen is the first business moment at or after t (t itself when it is business time);
// when the calendar never opens within two years, t.
func (c Calendar) NextOpen(t time.Time) time.Time {
	for start := t; start.Sub(t) < calendarHorizon; start = start.Add(calendarWindow) {
		if s := c.stretches(start, start.Add(calendarWindow)); len(s) > 0 {
			return s[0].From
		}
	}
	return t
}

// AddDays is the moment n business days after from: the same clock time in the calendar's
// zone on the nth later day on which the team works at all (a weekend or a holiday does not
// count). Round the clock, every day counts; a calendar that never opens within two years
// counts every day as well (a condition must come true).
func (c Calendar) AddDays(from time.Time, n int) time.Time {
	loc := c.zone()
	local := from.In(loc)
	at := func(i int) time.Time {
		return time.Date(local.Year(), local.Month(), local.Day()+i, local.Hour(), local.Minute(), local.Second(), local.Nanosecond(), loc)
	}
	if c.RoundTheClock() || n <= 0 {
		return at(n)
	}
	horizon := int(calendarHorizon / (24 * time.Hour))
	for i, counted := 1, 0; i <= horizon; i++ {
		day := time.Date(local.Year(), local.Month(), local.Day()+i, 0, 0, 0, 0, loc)
		if len(c.stretches(day, time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc))) > 0 {
			if counted++; counted == n {
				return at(i)
			}
		}
	}
	return at(n)
}

// ParseHolidays checks a team's holidays (dates, "2006-01-02") and returns them sorted, each once.
func ParseHolidays(field string, days []string) ([]string, error) {
	seen := map[string]bool{}
	out := []string{}
	for i, d := range days {
		d = strings.TrimSpace(d)
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return nil, Invalid(field, "holiday %d, %q, is not a date like 2026-12-24", i+1, d)
		}
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	sort.Strings(out)
	return out, nil
}
