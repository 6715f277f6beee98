package mail

import (
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestHolidayDates reads a public-holiday calendar shaped as calendar apps export one: a
// three-day event (DTEND exclusive), yearly rules with an exception, a single date, a timed
// event (not a holiday) and a cancelled one.
func TestHolidayDates(t *testing.T) {
	data, err := os.ReadFile("testdata/holidays-ee.ics")
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 12, 5, 19, 0, 0, 0, time.UTC)
	got, err := HolidayDates(data, from, from.AddDate(2, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	want := "2026-12-24 2026-12-25 2026-12-26 2027-01-01 2027-02-24 2027-03-26 2028-01-01"
	if strings.Join(got, " ") != want {
		t.Errorf("holidays\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	// A day that started before the window but runs into it counts from the window's first day.
	got, _ = HolidayDates(data, time.Date(2026, 12, 25, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	if strings.Join(got, " ") != "2026-12-25 2026-12-26 2027-01-01" {
		t.Errorf("from Christmas Day: %v", got)
	}
	if _, err := HolidayDates([]byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nEND:VCALENDAR\r\n"), from, from.AddDate(1, 0, 0)); !errors.Is(err, ErrNoHolidays) {
		t.Errorf("an empty calendar: %v", err)
	}
	if _, err := HolidayDates([]byte("Christmas: 24 December"), from, from.AddDate(1, 0, 0)); err == nil {
		t.Error("a file that is no calendar was read")
	}
	daily := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:d\r\nDTSTAMP:20261101T090000Z\r\nDTSTART;VALUE=DATE:20260101\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	if _, err := HolidayDates([]byte(daily), from, from.AddDate(5, 0, 0)); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("a daily rule over five years: %v", err)
	}
}

// TestHolidayRuleRepeatingBySeconds: a whole-day event repeating every ten seconds is refused
// quickly, the rule followed only so far. It was unrolled in full first: 5 s of CPU and about
// 1 GB for one team-settings request, longer the more often it repeated.
func TestHolidayRuleRepeatingBySeconds(t *testing.T) {
	from := time.Date(2026, 12, 5, 19, 0, 0, 0, time.UTC)
	for _, rule := range []string{"FREQ=SECONDLY;INTERVAL=10", "FREQ=SECONDLY", "FREQ=MINUTELY"} {
		ics := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:s\r\nDTSTAMP:20261101T090000Z\r\nDTSTART;VALUE=DATE:20250101\r\nRRULE:" +
			rule + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		before := m.TotalAlloc
		if _, err := HolidayDates([]byte(ics), from.AddDate(-1, 0, 0), from.AddDate(3, 0, 0)); err == nil || !strings.Contains(err.Error(), "repeats too often") {
			t.Errorf("%s: %v", rule, err)
		}
		runtime.ReadMemStats(&m)
		if got := m.TotalAlloc - before; got > 256<<20 {
			t.Errorf("%s: reading the calendar allocated %d MB", rule, got>>20)
		}
	}
}
