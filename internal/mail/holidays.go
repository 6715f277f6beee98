package mail

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/emersion/go-ical"
)

// maxHolidays bounds what one calendar file may add: a public-holiday calendar has a few dozen
// days a year, and a rule repeating daily must not fill a team's settings.
const maxHolidays = 1000

// ErrNoHolidays says a calendar file held no whole-day event in the window asked for.
var ErrNoHolidays = errors.New("the calendar has no whole-day events in the years around today")

// HolidayDates reads a holiday calendar (an .ics file, as calendar apps and public-holiday
// sites publish them) and gives each day its whole-day events cover from from until until,
// as 2026-12-24, sorted and once each. Events with a time of day are not holidays and are left
// out, as are cancelled ones; yearly rules are followed within the window.
func HolidayDates(data []byte, from, until time.Time) ([]string, error) {
	cal, err := ical.NewDecoder(bytes.NewReader(data)).Decode()
	if err != nil {
		return nil, fmt.Errorf("read the calendar: %w", err)
	}
	// Dates are read as days, with no zone of their own: UTC keeps each one the day it names.
	from = time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC)
	seen := map[string]bool{}
	for _, ev := range cal.Events() {
		start := ev.Props.Get(ical.PropDateTimeStart)
		if start == nil || !isDate(start) {
			continue
		}
		start.SetValueType(ical.ValueDate) // a bare 20261224 is read as a day, as calendar apps do
		if st, _ := ev.Status(); st == ical.EventCancelled {
			continue
		}
		first, err := ev.DateTimeStart(time.UTC)
		if err != nil {
			return nil, fmt.Errorf("read the start of %q: %w", summaryOf(ev), err)
		}
		end, err := ev.DateTimeEnd(time.UTC)
		if err != nil {
			return nil, fmt.Errorf("read the end of %q: %w", summaryOf(ev), err)
		}
		days := max(1, int(end.Sub(first).Hours()+12)/24) // a DTEND is exclusive; DST cannot shift a UTC day
		starts := []time.Time{first}
		rules, err := ev.RecurrenceSet(time.UTC)
		if err != nil {
			return nil, fmt.Errorf("read the repeat rule of %q: %w", summaryOf(ev), err)
		}
		if rules != nil {
			if starts, err = occurrences(rules.Iterator(), from.AddDate(0, 0, -days), until); err != nil {
				return nil, fmt.Errorf("the repeat rule of %q: %w", summaryOf(ev), err)
			}
		}
		for _, s := range starts {
			for d := range days {
				day := s.AddDate(0, 0, d)
				if day.Before(from) || day.After(until) {
					continue
				}
				seen[day.Format(time.DateOnly)] = true
				if len(seen) > maxHolidays {
					return nil, fmt.Errorf("the calendar gives more than %d whole days off between %s and %s", maxHolidays, from.Format(time.DateOnly), until.Format(time.DateOnly))
				}
			}
		}
	}
	if len(seen) == 0 {
		return nil, ErrNoHolidays
	}
	out := make([]string, 0, len(seen))
	for d := range seen {
		out = append(out, d)
	}
	sort.Strings(out)
	return out, nil
}

// maxOccurrences bounds how far a repeat rule is followed: a rule repeating every second was
// unrolled in full before the window was looked at (5 s and 1 GB for one repeating every ten
// seconds). A yearly or daily holiday from decades back stays far below it.
const maxOccurrences = 100_000

// occurrences are the starts next gives from from until until, followed at most
// maxOccurrences times from the rule's first.
func occurrences(next func() (time.Time, bool), from, until time.Time) ([]time.Time, error) {
	var out []time.Time
	for n := 0; ; n++ {
		s, ok := next()
		if !ok || s.After(until) {
			return out, nil
		}
		if n == maxOccurrences {
			return nil, errors.New("it repeats too often for a holiday (whole days off repeat at most daily)")
		}
		if !s.Before(from) {
			out = append(out, s)
		}
	}
}

// isDate reports whether a start is a whole day (VALUE=DATE, or the bare eight digits).
func isDate(p *ical.Prop) bool {
	return p.ValueType() == ical.ValueDate || len(p.Value) == len("20060102")
}

func summaryOf(ev ical.Event) string {
	s, _ := ev.Props.Text(ical.PropSummary)
	return s
}
