package desk

import (
	"testing"
	"time"
)

func TestCalendar(t *testing.T) {
	tallinn, err := time.LoadLocation("Europe/Tallinn")
	if err != nil {
		t.Fatal(err)
	}
	week := DefaultHours() // Monday to Friday 09:00-17:00
	cal := Calendar{Hours: &week, Zone: tallinn, Holidays: []string{"2026-12-24", "2026-12-25"}}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, tallinn)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name string
		from string
		d    time.Duration
		want string
	}{
		{"within the day", "2026-12-07 10:00", 2 * time.Hour, "2026-12-07 12:00"},
		{"over the evening", "2026-12-07 16:00", 2 * time.Hour, "2026-12-08 10:00"},
		{"Friday afternoon to Monday", "2026-12-04 16:00", 8 * time.Hour, "2026-12-07 16:00"},
		{"set on a Saturday", "2026-12-05 15:30", 24 * time.Hour, "2026-12-09 17:00"},
		{"over Christmas", "2026-12-23 16:00", 2 * time.Hour, "2026-12-28 10:00"},
		{"ends at closing time", "2026-12-07 09:00", 8 * time.Hour, "2026-12-07 17:00"},
		{"over the spring clock change", "2027-03-26 16:00", 2 * time.Hour, "2027-03-29 10:00"},
	} {
		if got := cal.Add(at(tc.from), tc.d); !got.Equal(at(tc.want)) {
			t.Errorf("%s: %s + %s = %s, want %s", tc.name, tc.from, tc.d, got.In(tallinn).Format("Mon 2006-01-02 15:04"), tc.want)
		}
		if got := cal.Elapsed(at(tc.from), at(tc.want)); got != tc.d {
			t.Errorf("%s: elapsed %s, want %s", tc.name, got, tc.d)
		}
	}
	if !cal.Open(at("2026-12-07 09:00")) || cal.Open(at("2026-12-07 17:00")) || cal.Open(at("2026-12-05 12:00")) || cal.Open(at("2026-12-24 12:00")) {
		t.Error("open at the wrong times")
	}
	if got := cal.NextOpen(at("2026-12-05 12:00")); !got.Equal(at("2026-12-07 09:00")) {
		t.Errorf("next open after Saturday noon: %s", got)
	}
	// Without hours a team works round the clock.
	var always Calendar
	if !always.RoundTheClock() || !always.Add(at("2026-12-05 15:30"), time.Hour).Equal(at("2026-12-05 16:30")) {
		t.Error("a calendar without hours is not round the clock")
	}
	// Hours that never open do not hang the desk: the target falls due as if round the clock.
	var never Hours
	closed := Calendar{Hours: &never, Zone: tallinn}
	if got := closed.Add(at("2026-12-05 15:30"), time.Hour); !got.Equal(at("2026-12-05 16:30")) {
		t.Errorf("never open: %s", got)
	}
}

func TestParseHolidays(t *testing.T) {
	got, err := ParseHolidays("holidays", []string{"2026-12-25", " 2026-12-24", "2026-12-25"})
	if err != nil || len(got) != 2 || got[0] != "2026-12-24" || got[1] != "2026-12-25" {
		t.Errorf("ParseHolidays = %v, %v", got, err)
	}
	if _, err := ParseHolidays("holidays", []string{"24.12.2026"}); err == nil {
		t.Error("a date in another form was taken")
	}
}
