package desk

import (
	"errors"
	"math/rand/v2"
	"sort"
	"testing"
	"time"
)

// at reads an RFC 3339 time; the offsets in the tests say which side of a clock change an instant is on.
func at(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// weekdays gives the same spans Monday to Friday.
func weekdays(spans ...Span) Hours {
	var h Hours
	for d := time.Monday; d <= time.Friday; d++ {
		h[d] = spans
	}
	return h
}

// lunchAgent works 09:00-12:30 and 13:30-17:00 on weekdays in Tallinn.
func lunchAgent() Agent {
	return Agent{ID: 1, Name: "Ann", Timezone: "Europe/Tallinn", Active: true,
		Hours: weekdays(Span{9 * 60, 12*60 + 30}, Span{13*60 + 30, 17 * 60})}
}

func absence(t testing.TB, kind AbsenceKind, from, to string) Absence {
	return Absence{AgentID: 1, Kind: kind, From: at(t, from), To: at(t, to)}
}

func TestAvailable(t *testing.T) {
	allDay := lunchAgent()
	for d := range allDay.Hours {
		allDay.Hours[d] = []Span{{0, 24 * 60}}
	}
	inactive := lunchAgent()
	inactive.Active = false
	utc := lunchAgent()
	utc.Timezone = ""
	// Tuesday 1 December 2026; Tallinn is at +02:00.
	leave := absence(t, AbsenceLeave, "2026-12-02T00:00:00+02:00", "2026-12-03T00:00:00+02:00")
	sick := absence(t, AbsenceSick, "2026-12-01T14:00:00+02:00", "2026-12-01T15:00:00+02:00")
	brk := absence(t, AbsenceBreak, "2026-12-01T11:00:00+02:00", "2026-12-01T11:15:00+02:00")
	others := Absence{AgentID: 2, Kind: AbsenceLeave, From: leave.From, To: leave.To}
	tests := []struct {
		name     string
		agent    Agent
		absences []Absence
		at       string
		want     bool
	}{
		{"morning", lunchAgent(), nil, "2026-12-01T10:00:00+02:00", true},
		{"start of day", lunchAgent(), nil, "2026-12-01T09:00:00+02:00", true},
		{"before start", lunchAgent(), nil, "2026-12-01T08:59:59+02:00", false},
		{"last second before lunch", lunchAgent(), nil, "2026-12-01T12:29:59+02:00", true},
		{"lunch starts", lunchAgent(), nil, "2026-12-01T12:30:00+02:00", false},
		{"at lunch", lunchAgent(), nil, "2026-12-01T12:45:00+02:00", false},
		{"back from lunch", lunchAgent(), nil, "2026-12-01T13:30:00+02:00", true},
		{"last minute", lunchAgent(), nil, "2026-12-01T16:59:59+02:00", true},
		{"end of day", lunchAgent(), nil, "2026-12-01T17:00:00+02:00", false},
		{"instant given in UTC", lunchAgent(), nil, "2026-12-01T07:00:00Z", true},
		{"Saturday", lunchAgent(), nil, "2026-12-05T10:00:00+02:00", false},
		{"whole day at midnight", allDay, nil, "2026-12-05T00:00:00+02:00", true},
		{"whole day last second", allDay, nil, "2026-12-05T23:59:59.999+02:00", true},
		{"on leave", lunchAgent(), []Absence{leave}, "2026-12-02T10:00:00+02:00", false},
		{"after leave", lunchAgent(), []Absence{leave}, "2026-12-03T09:00:00+02:00", true},
		{"off sick", lunchAgent(), []Absence{sick}, "2026-12-01T14:30:00+02:00", false},
		{"on a break", lunchAgent(), []Absence{brk}, "2026-12-01T11:00:00+02:00", false},
		{"break over", lunchAgent(), []Absence{brk}, "2026-12-01T11:15:00+02:00", true},
		{"another agent's leave", lunchAgent(), []Absence{others}, "2026-12-02T10:00:00+02:00", true},
		{"inactive", inactive, nil, "2026-12-01T10:00:00+02:00", false},
		{"no zone is UTC", utc, nil, "2026-12-01T09:00:00Z", true},
		{"no zone is UTC, not Tallinn", utc, nil, "2026-12-01T09:00:00+02:00", false},
	}
	for _, tt := range tests {
		if got := Available(tt.agent, tt.absences, at(t, tt.at)); got != tt.want {
			t.Errorf("%s: Available(%s) = %v, want %v", tt.name, tt.at, got, tt.want)
		}
	}
}

func TestWhy(t *testing.T) {
	inactive := lunchAgent()
	inactive.Active = false
	uneven := lunchAgent()
	uneven.Hours = weekdays(Span{9 * 60, 17 * 60})
	uneven.Hours[time.Friday] = []Span{{9 * 60, 15 * 60}}
	uneven.Hours[time.Saturday] = []Span{{10 * 60, 14 * 60}}
	tests := []struct {
		name     string
		agent    Agent
		absences []Absence
		at       string
		want     string
	}{
		{"available", lunchAgent(), nil, "2026-12-01T10:00:00+02:00", ""},
		{"break", lunchAgent(), []Absence{absence(t, AbsenceBreak, "2026-12-01T11:00:00+02:00", "2026-12-01T11:30:00+02:00")},
			"2026-12-01T11:10:00+02:00", "on a break until 11:30"},
		{"break, asked in UTC", lunchAgent(), []Absence{absence(t, AbsenceBreak, "2026-12-01T11:00:00+02:00", "2026-12-01T11:30:00+02:00")},
			"2026-12-01T09:10:00Z", "on a break until 11:30"},
		{"leave", lunchAgent(), []Absence{absence(t, AbsenceLeave, "2026-11-30T09:00:00+02:00", "2026-12-07T09:00:00+02:00")},
			"2026-12-02T10:00:00+02:00", "on leave until Mon 7 Dec 09:00 (Europe/Tallinn)"},
		{"sick into next year", lunchAgent(), []Absence{absence(t, AbsenceSick, "2026-12-28T09:00:00+02:00", "2027-01-04T00:00:00+02:00")},
			"2026-12-29T10:00:00+02:00", "off sick until Mon 4 Jan 2027 00:00 (Europe/Tallinn)"},
		{"sick then leave", lunchAgent(), []Absence{
			absence(t, AbsenceLeave, "2026-12-03T00:00:00+02:00", "2026-12-07T09:00:00+02:00"),
			absence(t, AbsenceSick, "2026-12-01T08:00:00+02:00", "2026-12-03T00:00:00+02:00"),
		}, "2026-12-02T10:00:00+02:00", "off sick until Mon 7 Dec 09:00 (Europe/Tallinn)"},
		{"lunch, nothing recorded", lunchAgent(), nil, "2026-12-01T12:45:00+02:00",
			"outside working hours (works Mon–Fri 09:00–12:30, 13:30–17:00)"},
		{"evening", uneven, nil, "2026-12-04T16:00:00+02:00",
			"outside working hours (works Mon–Thu 09:00–17:00; Fri 09:00–15:00; Sat 10:00–14:00)"},
		{"weekend", lunchAgent(), nil, "2026-12-05T10:00:00+02:00", "not working on Saturdays"},
		{"Saturday in UTC is Sunday in Tallinn", uneven, nil, "2026-12-05T22:30:00Z", "not working on Sundays"},
		{"inactive", inactive, nil, "2026-12-01T10:00:00+02:00", "not an active agent"},
	}
	for _, tt := range tests {
		if got := Why(tt.agent, tt.absences, at(t, tt.at)); got != tt.want {
			t.Errorf("%s: Why(%s) = %q, want %q", tt.name, tt.at, got, tt.want)
		}
	}
}

func TestAvailableStretches(t *testing.T) {
	joined := lunchAgent()
	joined.Hours = weekdays(Span{9 * 60, 12*60 + 30}, Span{12*60 + 30, 17 * 60})
	tests := []struct {
		name    string
		agent   Agent
		from    string
		horizon time.Duration
		want    []string // From, To pairs
	}{
		{"clipped to the window", lunchAgent(), "2026-12-01T10:00:00+02:00", 4 * time.Hour, []string{
			"2026-12-01T10:00:00+02:00", "2026-12-01T12:30:00+02:00",
			"2026-12-01T13:30:00+02:00", "2026-12-01T14:00:00+02:00"}},
		{"adjacent spans merge", joined, "2026-12-01T00:00:00+02:00", 24 * time.Hour, []string{
			"2026-12-01T09:00:00+02:00", "2026-12-01T17:00:00+02:00"}},
		{"weekend skipped", lunchAgent(), "2026-12-04T16:00:00+02:00", 3 * 24 * time.Hour, []string{
			"2026-12-04T16:00:00+02:00", "2026-12-04T17:00:00+02:00",
			"2026-12-07T09:00:00+02:00", "2026-12-07T12:30:00+02:00",
			"2026-12-07T13:30:00+02:00", "2026-12-07T16:00:00+02:00"}},
		{"nothing in the window", lunchAgent(), "2026-12-05T00:00:00+02:00", 48 * time.Hour, nil},
	}
	for _, tt := range tests {
		got := AvailableStretches(tt.agent, nil, at(t, tt.from), tt.horizon)
		checkStretches(t, tt.name, got, tt.want)
	}
}

func checkStretches(t *testing.T, name string, got []Stretch, want []string) {
	t.Helper()
	if len(got) != len(want)/2 {
		t.Errorf("%s: %d stretches %v, want %d", name, len(got), got, len(want)/2)
		return
	}
	for i, s := range got {
		if !s.From.Equal(at(t, want[2*i])) || !s.To.Equal(at(t, want[2*i+1])) {
			t.Errorf("%s: stretch %d is %s – %s, want %s – %s", name, i,
				s.From.Format(time.RFC3339), s.To.Format(time.RFC3339), want[2*i], want[2*i+1])
		}
	}
}

func TestFreeSlots(t *testing.T) {
	allDay := lunchAgent()
	allDay.Hours = weekdays(Span{9 * 60, 17 * 60})
	none := lunchAgent()
	none.Hours = Hours{}
	inactive := lunchAgent()
	inactive.Active = false
	leaveWeek := absence(t, AbsenceLeave, "2026-12-07T00:00:00+02:00", "2026-12-14T00:00:00+02:00")
	tests := []struct {
		name     string
		agent    Agent
		absences []Absence
		at       string
		n        int
		want     []string
	}{
		{"at lunch", lunchAgent(), nil, "2026-12-01T12:45:00+02:00", 4, []string{
			"2026-12-01T13:30:00+02:00", "2026-12-02T09:00:00+02:00", "2026-12-02T13:30:00+02:00", "2026-12-03T09:00:00+02:00"}},
		{"available now", lunchAgent(), nil, "2026-12-01T10:00:00+02:00", 2, []string{
			"2026-12-01T10:00:00+02:00", "2026-12-01T13:30:00+02:00"}},
		{"now rounds up", lunchAgent(), nil, "2026-12-01T10:07:31+02:00", 2, []string{
			"2026-12-01T10:15:00+02:00", "2026-12-01T13:30:00+02:00"}},
		{"too late to round up before lunch", lunchAgent(), nil, "2026-12-01T12:20:00+02:00", 1, []string{
			"2026-12-01T13:30:00+02:00"}},
		{"break ends off the quarter", allDay, []Absence{absence(t, AbsenceBreak, "2026-12-01T12:00:00+02:00", "2026-12-01T12:31:00+02:00")},
			"2026-12-01T12:00:00+02:00", 2, []string{"2026-12-01T12:45:00+02:00", "2026-12-02T09:00:00+02:00"}},
		{"stretch too short after rounding", allDay, []Absence{
			absence(t, AbsenceBreak, "2026-12-01T12:00:00+02:00", "2026-12-01T12:31:00+02:00"),
			absence(t, AbsenceSick, "2026-12-01T12:40:00+02:00", "2026-12-01T18:00:00+02:00"),
		}, "2026-12-01T12:00:00+02:00", 1, []string{"2026-12-02T09:00:00+02:00"}},
		{"leave week skipped", lunchAgent(), []Absence{leaveWeek}, "2026-12-04T16:00:00+02:00", 3, []string{
			"2026-12-04T16:00:00+02:00", "2026-12-14T09:00:00+02:00", "2026-12-14T13:30:00+02:00"}},
		{"asked in UTC", lunchAgent(), nil, "2026-12-01T10:45:00Z", 2, []string{
			"2026-12-01T13:30:00+02:00", "2026-12-02T09:00:00+02:00"}},
		{"n is a limit", lunchAgent(), nil, "2026-12-01T12:45:00+02:00", 1, []string{"2026-12-01T13:30:00+02:00"}},
		{"n zero", lunchAgent(), nil, "2026-12-01T12:45:00+02:00", 0, nil},
		{"no hours", none, nil, "2026-12-01T12:45:00+02:00", 3, nil},
		{"inactive", inactive, nil, "2026-12-01T12:45:00+02:00", 3, nil},
		{"away beyond 14 days", lunchAgent(), []Absence{absence(t, AbsenceLeave, "2026-12-01T00:00:00+02:00", "2026-12-22T00:00:00+02:00")},
			"2026-12-01T10:00:00+02:00", 3, nil},
	}
	for _, tt := range tests {
		got := FreeSlots(tt.agent, tt.absences, at(t, tt.at), tt.n)
		if len(got) != len(tt.want) {
			t.Errorf("%s: %d slots %v, want %v", tt.name, len(got), got, tt.want)
			continue
		}
		for i, s := range got {
			if !s.Equal(at(t, tt.want[i])) {
				t.Errorf("%s: slot %d is %s, want %s", tt.name, i, s.Format(time.RFC3339), tt.want[i])
			}
			if !Available(tt.agent, tt.absences, s) {
				t.Errorf("%s: slot %s is not available", tt.name, s.Format(time.RFC3339))
			}
		}
	}
}

func TestDaylightSaving(t *testing.T) {
	tests := []struct {
		name      string
		zone      string
		day       string // the Sunday of the change, local
		spans     []Span
		want      []string // stretch From, To pairs
		real      time.Duration
		inside    []string
		outside   []string
		wantEmpty bool
	}{
		{"Tallinn spring forward", "Europe/Tallinn", "2026-03-29", []Span{{60, 300}},
			[]string{"2026-03-29T01:00:00+02:00", "2026-03-29T05:00:00+03:00"}, 3 * time.Hour,
			[]string{"2026-03-29T01:00:00+02:00", "2026-03-29T02:59:59+02:00", "2026-03-29T04:00:00+03:00", "2026-03-29T04:59:59+03:00"},
			[]string{"2026-03-29T00:59:59+02:00", "2026-03-29T05:00:00+03:00"}, false},
		{"Tallinn fall back", "Europe/Tallinn", "2026-10-25", []Span{{60, 300}},
			[]string{"2026-10-25T01:00:00+03:00", "2026-10-25T05:00:00+02:00"}, 5 * time.Hour,
			[]string{"2026-10-25T01:00:00+03:00", "2026-10-25T03:30:00+03:00", "2026-10-25T03:30:00+02:00", "2026-10-25T04:59:59+02:00"},
			[]string{"2026-10-25T00:59:59+03:00", "2026-10-25T05:00:00+02:00"}, false},
		{"New York spring forward", "America/New_York", "2026-03-08", []Span{{60, 300}},
			[]string{"2026-03-08T01:00:00-05:00", "2026-03-08T05:00:00-04:00"}, 3 * time.Hour,
			[]string{"2026-03-08T01:59:59-05:00", "2026-03-08T03:00:00-04:00", "2026-03-08T04:59:59-04:00"},
			[]string{"2026-03-08T00:59:59-05:00", "2026-03-08T05:00:00-04:00"}, false},
		{"New York fall back", "America/New_York", "2026-11-01", []Span{{60, 300}},
			[]string{"2026-11-01T01:00:00-04:00", "2026-11-01T05:00:00-05:00"}, 5 * time.Hour,
			[]string{"2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-05:00", "2026-11-01T04:59:59-05:00"},
			[]string{"2026-11-01T00:59:59-04:00", "2026-11-01T05:00:00-05:00"}, false},
		// Spans inside or across the skipped hour: no wall-clock time 03:15-03:45 exists that day.
		{"span inside the skipped hour", "Europe/Tallinn", "2026-03-29", []Span{{3*60 + 15, 3*60 + 45}},
			nil, 0, nil, []string{"2026-03-29T02:59:59+02:00", "2026-03-29T04:15:00+03:00"}, true},
		{"span from inside the skipped hour", "Europe/Tallinn", "2026-03-29", []Span{{3*60 + 30, 5 * 60}},
			[]string{"2026-03-29T04:00:00+03:00", "2026-03-29T05:00:00+03:00"}, time.Hour,
			[]string{"2026-03-29T04:00:00+03:00"}, []string{"2026-03-29T02:59:59+02:00"}, false},
		// 03:30-04:00 happens twice when the clock falls back.
		{"span inside the repeated hour", "Europe/Tallinn", "2026-10-25", []Span{{3*60 + 30, 4 * 60}},
			[]string{"2026-10-25T03:30:00+03:00", "2026-10-25T04:00:00+03:00", "2026-10-25T03:30:00+02:00", "2026-10-25T04:00:00+02:00"},
			time.Hour, []string{"2026-10-25T03:45:00+03:00", "2026-10-25T03:45:00+02:00"},
			[]string{"2026-10-25T03:15:00+02:00", "2026-10-25T04:00:00+02:00"}, false},
		{"whole short day", "Europe/Tallinn", "2026-03-29", []Span{{0, 24 * 60}},
			[]string{"2026-03-29T00:00:00+02:00", "2026-03-30T00:00:00+03:00"}, 23 * time.Hour,
			[]string{"2026-03-29T23:59:59+03:00"}, []string{"2026-03-30T00:00:00+03:00"}, false},
		{"whole long day", "Europe/Tallinn", "2026-10-25", []Span{{0, 24 * 60}},
			[]string{"2026-10-25T00:00:00+03:00", "2026-10-26T00:00:00+02:00"}, 25 * time.Hour,
			[]string{"2026-10-25T23:59:59+02:00"}, []string{"2026-10-24T23:59:59+03:00"}, false},
	}
	for _, tt := range tests {
		a := Agent{ID: 1, Timezone: tt.zone, Active: true}
		a.Hours[time.Sunday] = tt.spans
		// Look from the day before to two days after: the only working day is the Sunday of the change.
		from := at(t, tt.day+"T00:00:00Z").Add(-24 * time.Hour)
		got := AvailableStretches(a, nil, from, 72*time.Hour)
		checkStretches(t, tt.name, got, tt.want)
		var real time.Duration
		for _, s := range got {
			real += s.To.Sub(s.From)
		}
		if real != tt.real {
			t.Errorf("%s: %v of real time, want %v", tt.name, real, tt.real)
		}
		for _, s := range tt.inside {
			if !Available(a, nil, at(t, s)) {
				t.Errorf("%s: not available at %s", tt.name, s)
			}
		}
		for _, s := range tt.outside {
			if Available(a, nil, at(t, s)) {
				t.Errorf("%s: available at %s", tt.name, s)
			}
		}
	}
}

// TestAvailableMatchesStretches checks, over 30-day windows that cross clock changes (New York 8 March,
// Tallinn 29 March, Santiago and Lord Howe 5 April, Santiago 6 September, Tallinn 25 October, New York
// 1 November), that Available and AvailableStretches agree about every instant tried.
func TestAvailableMatchesStretches(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	var hours Hours
	hours = weekdays(Span{9 * 60, 12*60 + 30}, Span{12*60 + 30, 13 * 60}, Span{13*60 + 30, 17 * 60})
	hours[time.Saturday] = []Span{{0, 24 * 60}}
	hours[time.Sunday] = []Span{{0, 45}, {60, 3*60 + 15}, {3*60 + 45, 4 * 60}, {23 * 60, 24 * 60}}
	zones := []string{"Europe/Tallinn", "America/New_York", "America/Santiago", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC"}
	windows := []string{"2026-03-01T00:00:00Z", "2026-03-20T00:00:00Z", "2026-08-25T00:00:00Z", "2026-10-15T00:00:00Z"}
	const span = 30 * 24 * time.Hour
	for _, zone := range zones {
		for _, w := range windows {
			from := at(t, w)
			a := Agent{ID: 1, Timezone: zone, Hours: hours, Active: true}
			var absences []Absence
			for i := 0; i < 6; i++ {
				start := from.Add(time.Duration(rng.Int64N(int64(span))))
				kind := []AbsenceKind{AbsenceBreak, AbsenceLeave, AbsenceSick}[i%3]
				absences = append(absences, Absence{AgentID: 1, Kind: kind, From: start,
					To: start.Add(time.Duration(rng.Int64N(int64(36 * time.Hour))))})
			}
			stretches := AvailableStretches(a, absences, from, span)
			for i, s := range stretches {
				if !s.From.Before(s.To) || (i > 0 && !stretches[i-1].To.Before(s.From)) {
					t.Fatalf("%s from %s: stretches out of order or touching at %d: %v", zone, w, i, stretches)
				}
			}
			probes := make([]time.Time, 0, 500+4*len(stretches))
			for i := 0; i < 500; i++ {
				probes = append(probes, from.Add(time.Duration(rng.Int64N(int64(span)))))
			}
			for _, s := range stretches {
				probes = append(probes, s.From, s.From.Add(-time.Nanosecond), s.To, s.To.Add(-time.Nanosecond))
			}
			for _, p := range probes {
				if p.Before(from) || !p.Before(from.Add(span)) {
					continue
				}
				in := inStretches(stretches, p)
				if got := Available(a, absences, p); got != in {
					t.Errorf("%s: Available(%s) = %v, but in stretches: %v", zone, p.In(a.Location()).Format(time.RFC3339Nano), got, in)
				}
				if why := Why(a, absences, p); (why == "") != in {
					t.Errorf("%s: Why(%s) = %q, but in stretches: %v", zone, p.In(a.Location()).Format(time.RFC3339Nano), why, in)
				}
			}
		}
	}
}

func inStretches(s []Stretch, t time.Time) bool {
	i := sort.Search(len(s), func(i int) bool { return s[i].To.After(t) })
	return i < len(s) && !t.Before(s[i].From)
}

func TestAbsenceCovers(t *testing.T) {
	a := absence(t, AbsenceBreak, "2026-12-01T12:00:00+02:00", "2026-12-01T13:00:00+02:00")
	tests := []struct {
		from, to string
		overlaps bool
	}{
		{"2026-12-01T11:00:00+02:00", "2026-12-01T12:00:00+02:00", false},
		{"2026-12-01T11:00:00+02:00", "2026-12-01T12:00:01+02:00", true},
		{"2026-12-01T12:59:59+02:00", "2026-12-01T14:00:00+02:00", true},
		{"2026-12-01T13:00:00+02:00", "2026-12-01T14:00:00+02:00", false},
		{"2026-12-01T12:10:00+02:00", "2026-12-01T12:10:00+02:00", false},
	}
	for _, tt := range tests {
		if got := a.Overlaps(at(t, tt.from), at(t, tt.to)); got != tt.overlaps {
			t.Errorf("Overlaps(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.overlaps)
		}
	}
	if !a.Covers(a.From) || a.Covers(a.To) || !a.Covers(at(t, "2026-12-01T10:30:00Z")) {
		t.Error("Covers must hold from From up to but not at To")
	}
}

func TestValidateAbsence(t *testing.T) {
	clock := at(t, "2026-12-01T10:00:00+02:00")
	rel := func(d time.Duration) time.Time { return clock.Add(d) }
	day := 24 * time.Hour
	tests := []struct {
		name  string
		in    NewAbsence
		field string // "" when valid
	}{
		{"leave next week", NewAbsence{"leave", rel(6 * day), rel(13 * day)}, ""},
		{"kind is trimmed and folded", NewAbsence{" Break ", rel(0), rel(time.Hour)}, ""},
		{"sick reported late", NewAbsence{"sick", rel(-3 * day), rel(day)}, ""},
		{"break started a moment ago", NewAbsence{"break", rel(-4 * time.Minute), rel(time.Hour)}, ""},
		{"a leap year of leave", NewAbsence{"leave", rel(day), rel(367 * day)}, ""},
		{"no kind", NewAbsence{"", rel(day), rel(2 * day)}, "kind"},
		{"unknown kind", NewAbsence{"holiday", rel(day), rel(2 * day)}, "kind"},
		{"no start", NewAbsence{"leave", time.Time{}, rel(2 * day)}, "from"},
		{"no end", NewAbsence{"leave", rel(day), time.Time{}}, "to"},
		{"ends before it starts", NewAbsence{"leave", rel(2 * day), rel(day)}, "to"},
		{"ends as it starts", NewAbsence{"leave", rel(day), rel(day)}, "to"},
		{"too long", NewAbsence{"leave", rel(day), rel(368 * day)}, "to"},
		{"already over", NewAbsence{"sick", rel(-3 * day), rel(-time.Hour)}, "to"},
		{"backdated leave", NewAbsence{"leave", rel(-6 * time.Minute), rel(day)}, "from"},
	}
	for _, tt := range tests {
		got, err := ValidateAbsence(tt.in, 9, clock)
		if tt.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			} else if got.AgentID != 9 || !got.From.Equal(tt.in.From) || !got.To.Equal(tt.in.To) || !got.CreatedAt.Equal(clock) ||
				(got.Kind != AbsenceBreak && got.Kind != AbsenceLeave && got.Kind != AbsenceSick) {
				t.Errorf("%s: got %+v", tt.name, got)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindInvalid || e.Field != tt.field {
			t.Errorf("%s: error %v, want invalid %q", tt.name, err, tt.field)
		}
	}
}

func BenchmarkFreeSlots(b *testing.B) {
	a := lunchAgent()
	t0 := at(b, "2026-12-01T12:45:00+02:00")
	var absences []Absence
	for i := 0; i < 5; i++ {
		start := t0.Add(time.Duration(i) * 50 * time.Hour)
		absences = append(absences, Absence{AgentID: 1, Kind: AbsenceBreak, From: start, To: start.Add(3 * time.Hour)})
	}
	for b.Loop() {
		if len(FreeSlots(a, absences, t0, 5)) != 5 {
			b.Fatal("want 5 slots")
		}
	}
}
