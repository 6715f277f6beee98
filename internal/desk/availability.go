package desk

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// AbsenceKind is why an agent is away: a break (lunch) never needs a hand-over, leave does, sickness never blocks.
type AbsenceKind string

// The kinds of absence.
const (
	AbsenceBreak AbsenceKind = "break"
	AbsenceLeave AbsenceKind = "leave"
	AbsenceSick  AbsenceKind = "sick"
)

// Absence is a stretch of time [From, To) an agent is away.
type Absence struct {
	ID        int64       `json:"id"`
	AgentID   int64       `json:"agent_id"`
	Kind      AbsenceKind `json:"kind"`
	From      time.Time   `json:"from"`
	To        time.Time   `json:"to"`
	CreatedAt time.Time   `json:"created_at"`
}

// NewAbsence is what it takes to record an absence.
type NewAbsence struct {
	Kind     string
	From, To time.Time
}

const (
	maxAbsence = 366 * 24 * time.Hour
	// A form filled in "now" reaches the server a little later; that is not backdating.
	absenceStartSlack = 5 * time.Minute
	// How far ahead FreeSlots looks: offering a time weeks away is no longer an answer to "when?".
	freeSlotsHorizon = 14 * 24 * time.Hour
	slotGrid         = 15 * time.Minute
)

// ValidateAbsence checks an absence: a known kind (field "kind"), From and To present (fields "from", "to"),
// To after From, at most 366 days long, and To not in the past (now passed in). A sick absence may start
// before now (it is reported late); others may start in the past only by up to 5 minutes.
func ValidateAbsence(in NewAbsence, agentID int64, now time.Time) (Absence, error) {
	kind := AbsenceKind(strings.ToLower(strings.TrimSpace(in.Kind)))
	switch kind {
	case AbsenceBreak, AbsenceLeave, AbsenceSick:
	case "":
		return Absence{}, Invalid("kind", "a kind is required (break, leave or sick)")
	default:
		return Absence{}, Invalid("kind", "unknown absence kind %q (use break, leave or sick)", in.Kind)
	}
	switch {
	case in.From.IsZero():
		return Absence{}, Invalid("from", "a start time is required")
	case in.To.IsZero():
		return Absence{}, Invalid("to", "an end time is required")
	case !in.To.After(in.From):
		return Absence{}, Invalid("to", "the absence must end after it starts")
	case in.To.Sub(in.From) > maxAbsence:
		return Absence{}, Invalid("to", "an absence may last at most 366 days")
	case !in.To.After(now):
		return Absence{}, Invalid("to", "the absence has already ended")
	case kind != AbsenceSick && in.From.Before(now.Add(-absenceStartSlack)):
		// Only sickness is reported after the fact; backdated leave would dodge the hand-over.
		return Absence{}, Invalid("from", "only a sickness may start in the past")
	}
	return Absence{AgentID: agentID, Kind: kind, From: in.From, To: in.To, CreatedAt: now}, nil
}

// Overlaps reports whether the absence covers any of [from, to).
func (a Absence) Overlaps(from, to time.Time) bool {
	return from.Before(to) && a.From.Before(a.To) && a.From.Before(to) && from.Before(a.To)
}

// Covers reports whether the absence covers instant t.
func (a Absence) Covers(t time.Time) bool {
	return !t.Before(a.From) && t.Before(a.To)
}

// appliesTo tells whether an absence is the agent's; callers may pass a whole team's absences.
func (a Absence) appliesTo(ag Agent) bool {
	return a.AgentID == 0 || a.AgentID == ag.ID
}

// Available reports whether the agent can be booked at instant t: t falls inside the agent's working
// hours on the local weekday and time of day in the agent's time zone (DST-correct: judge by local wall
// clock), the agent is active, and no absence covers t.
func Available(a Agent, absences []Absence, t time.Time) bool {
	if !a.Active || !inHours(a.Hours, t.In(a.Location())) {
		return false
	}
	for _, ab := range absences {
		if ab.appliesTo(a) && ab.Covers(t) {
			return false
		}
	}
	return true
}

// Why returns a short human reason the agent is not available at t, e.g. "on leave until Mon 7 Dec 09:00
// (Europe/Tallinn)", "on a break until 13:30", "outside working hours (works Mon–Fri 09:00–17:00)",
// "not working on Saturdays"; "" when available. Times in the agent's zone.
func Why(a Agent, absences []Absence, t time.Time) string {
	if !a.Active {
		return "not an active agent"
	}
	loc := a.Location()
	local := t.In(loc)
	// Of several absences covering t, the one lasting longest says when the agent is back.
	var cover *Absence
	for i, ab := range absences {
		if ab.appliesTo(a) && ab.Covers(t) && (cover == nil || ab.To.After(cover.To)) {
			cover = &absences[i]
		}
	}
	if cover != nil {
		// A sickness running straight into leave is one stretch away for whoever is booking.
		end := cover.To
		for grown := true; grown; {
			grown = false
			for _, ab := range absences {
				if ab.appliesTo(a) && !ab.From.After(end) && ab.To.After(end) {
					end, grown = ab.To, true
				}
			}
		}
		what := "away"
		switch cover.Kind {
		case AbsenceBreak:
			what = "on a break"
		case AbsenceLeave:
			what = "on leave"
		case AbsenceSick:
			what = "off sick"
		}
		return what + " until " + untilText(local, end.In(loc))
	}
	if inHours(a.Hours, local) {
		return ""
	}
	if len(a.Hours[local.Weekday()]) == 0 {
		return "not working on " + local.Weekday().String() + "s"
	}
	return "outside working hours (works " + weekSummary(a.Hours) + ")"
}

// untilText says when an absence ends: the time alone on the same day, else day, date and zone.
func untilText(now, end time.Time) string {
	switch {
	case end.Year() == now.Year() && end.YearDay() == now.YearDay():
		return end.Format("15:04")
	case end.Year() == now.Year():
		return end.Format("Mon 2 Jan 15:04") + " (" + end.Location().String() + ")"
	}
	return end.Format("Mon 2 Jan 2006 15:04") + " (" + end.Location().String() + ")"
}

// weekSummary writes the week Monday first, runs of days with the same spans joined: "Mon–Fri 09:00–17:00".
func weekSummary(h Hours) string {
	var groups []string
	for i := 0; i < 7; {
		d := time.Weekday((i + 1) % 7)
		j := i + 1
		for j < 7 && sameSpans(h[d], h[(j+1)%7]) {
			j++
		}
		if len(h[d]) > 0 {
			days := d.String()[:3]
			if j-i > 1 {
				days += "–" + time.Weekday(j % 7).String()[:3]
			}
			spans := make([]string, len(h[d]))
			for k, s := range h[d] {
				spans[k] = fmt.Sprintf("%02d:%02d–%02d:%02d", s.From/60, s.From%60, s.To/60, s.To%60)
			}
			groups = append(groups, days+" "+strings.Join(spans, ", "))
		}
		i = j
	}
	if len(groups) == 0 {
		return "no days"
	}
	return strings.Join(groups, "; ")
}

func sameSpans(a, b []Span) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Stretch is a time the agent is available, [From, To).
type Stretch struct {
	From, To time.Time
}

// AvailableStretches lists the agent's available stretches that intersect [from, from+horizon), in order,
// clipped to that window: working spans of each local day in the agent's zone turned into instants, minus
// the absences, adjacent pieces merged (e.g. 09:00-12:30 and a span starting exactly at 12:30 are one).
func AvailableStretches(a Agent, absences []Absence, from time.Time, horizon time.Duration) []Stretch {
	if !a.Active || horizon <= 0 {
		return nil
	}
	to := from.Add(horizon)
	loc := a.Location()
	var cuts []Stretch
	for _, ab := range absences {
		if ab.appliesTo(a) && ab.Overlaps(from, to) {
			cuts = append(cuts, Stretch{Latest(ab.From, from), Earliest(ab.To, to)})
		}
	}
	out := subtractStretches(workingStretches(a.Hours, loc, from, to), mergeStretches(cuts))
	for i := range out {
		out[i] = Stretch{out[i].From.In(loc), out[i].To.In(loc)}
	}
	return out
}

// FreeSlots returns up to n times the agent can be booked at or after t, within 14 days: the first is the
// earliest available instant >= t (t itself when available), then the start of each following stretch.
// Times are rounded UP to the next whole quarter hour in the agent's zone when they are not on one
// (a stretch starting 12:31 offers 12:45, dropped if the stretch ends before that).
func FreeSlots(a Agent, absences []Absence, t time.Time, n int) []time.Time {
	if n <= 0 {
		return nil
	}
	loc := a.Location()
	var out []time.Time
	for _, s := range AvailableStretches(a, absences, t, freeSlotsHorizon) {
		if slot := roundUpQuarter(s.From, loc); slot.Before(s.To) {
			out = append(out, slot)
			if len(out) == n {
				break
			}
		}
	}
	return out
}

// roundUpQuarter moves t to the next quarter hour on the agent's wall clock; customers are offered
// 10:15, not 10:07:31.
func roundUpQuarter(t time.Time, loc *time.Location) time.Time {
	lt := t.In(loc)
	rem := time.Duration(lt.Minute())*time.Minute%slotGrid +
		time.Duration(lt.Second())*time.Second + time.Duration(lt.Nanosecond())
	if rem == 0 {
		return lt
	}
	return lt.Add(slotGrid - rem)
}

// wallClock is t's local date and time of day written on a plain UTC time line, where days are
// always 24 hours long, so spans can be laid out without thinking about offsets.
func wallClock(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// spanBounds is a span as offsets from midnight, kept within the day so that Available (which only
// looks at the day t is on) and workingStretches agree even for hand-built Hours.
func spanBounds(s Span) (from, to time.Duration) {
	f, e := min(max(s.From, 0), 24*60), min(max(s.To, 0), 24*60)
	return time.Duration(f) * time.Minute, time.Duration(e) * time.Minute
}

// inHours judges by the wall clock: local is t in the agent's zone.
func inHours(h Hours, local time.Time) bool {
	w := wallClock(local)
	since := w.Sub(w.Truncate(24 * time.Hour))
	for _, s := range h[local.Weekday()] {
		if f, e := spanBounds(s); since >= f && since < e {
			return true
		}
	}
	return false
}

// workingStretches returns the instants of [from, to) whose wall clock in loc falls in the hours. The
// window is cut where the zone's offset changes; within each piece the wall clock is the instant plus
// a fixed offset, so the spans map to instants by a plain shift. That keeps a skipped hour out and
// counts a repeated hour twice, exactly as inHours sees them, where time.Date on a non-existent local
// time would pick an instant of its own.
func workingStretches(h Hours, loc *time.Location, from, to time.Time) []Stretch {
	var out []Stretch
	for start := from; start.Before(to); {
		local := start.In(loc)
		_, offset := local.Zone()
		end := to
		if _, next := local.ZoneBounds(); next.After(start) && next.Before(to) {
			end = next
		}
		shift := time.Duration(offset) * time.Second
		wallFrom := wallClock(local)
		wallTo := wallFrom.Add(end.Sub(start))
		for day := wallFrom.Truncate(24 * time.Hour); day.Before(wallTo); day = day.Add(24 * time.Hour) {
			for _, s := range h[day.Weekday()] {
				f, e := spanBounds(s)
				p := Stretch{Latest(day.Add(f), wallFrom), Earliest(day.Add(e), wallTo)}
				if p.From.Before(p.To) {
					out = append(out, Stretch{p.From.Add(-shift), p.To.Add(-shift)})
				}
			}
		}
		start = end
	}
	return mergeStretches(out)
}

// mergeStretches sorts stretches and joins those that overlap or touch.
func mergeStretches(s []Stretch) []Stretch {
	if len(s) == 0 {
		return nil
	}
	sort.Slice(s, func(i, j int) bool { return s[i].From.Before(s[j].From) })
	out := []Stretch{s[0]}
	for _, x := range s[1:] {
		last := &out[len(out)-1]
		if x.From.After(last.To) {
			out = append(out, x)
		} else if x.To.After(last.To) {
			last.To = x.To
		}
	}
	return out
}

// subtractStretches removes cuts from pieces; both are sorted and merged.
func subtractStretches(pieces, cuts []Stretch) []Stretch {
	var out []Stretch
	j := 0
	for _, p := range pieces {
		for j < len(cuts) && !cuts[j].To.After(p.From) {
			j++
		}
		cur := p.From
		for k := j; k < len(cuts) && cuts[k].From.Before(p.To); k++ {
			if cuts[k].From.After(cur) {
				out = append(out, Stretch{cur, cuts[k].From})
			}
			cur = Latest(cur, cuts[k].To)
		}
		if cur.Before(p.To) {
			out = append(out, Stretch{cur, p.To})
		}
	}
	return out
}

// Latest is the later of two times.
func Latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Earliest is the earlier of two times.
func Earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// AtWork reports whether an escalation may go to the agent at t: active, within their working
// hours in their zone, and not on leave or sick (a break is short: they are back within the
// hour, so it does not count).
func AtWork(a Agent, absences []Absence, t time.Time) bool {
	return Available(a, awayOnly(absences), t)
}

// NextAtWork is when the agent is next at work (see AtWork) at or after t, within 14 days; ok is
// false when they are not.
func NextAtWork(a Agent, absences []Absence, t time.Time) (time.Time, bool) {
	s := AvailableStretches(a, awayOnly(absences), t, freeSlotsHorizon)
	if len(s) == 0 {
		return time.Time{}, false
	}
	return s[0].From, true
}

// awayOnly are the absences that keep an agent from escalations: leave and sickness.
func awayOnly(absences []Absence) []Absence {
	var out []Absence
	for _, ab := range absences {
		if ab.Kind == AbsenceLeave || ab.Kind == AbsenceSick {
			out = append(out, ab)
		}
	}
	return out
}
