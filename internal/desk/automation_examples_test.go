package desk_test

import (
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// Business days skip the days a team does not work: Thursday 10:00 plus 3 business days of a
// Monday-to-Friday team is Tuesday 10:00; with Monday a holiday, Wednesday; round the clock,
// Sunday.
func TestCalendarAddDays(t *testing.T) {
	tallinn, _ := time.LoadLocation("Europe/Tallinn")
	week, err := desk.ParseHours("hours", map[string][]string{"mon": {"09:00-17:00"}, "tue": {"09:00-17:00"}, "wed": {"09:00-17:00"}, "thu": {"09:00-17:00"}, "fri": {"09:00-17:00"}})
	if err != nil {
		t.Fatal(err)
	}
	thu := time.Date(2026, 12, 3, 10, 0, 0, 0, tallinn)
	for _, tc := range []struct {
		cal  desk.Calendar
		want time.Time
	}{
		{desk.Calendar{Hours: &week, Zone: tallinn}, time.Date(2026, 12, 8, 10, 0, 0, 0, tallinn)},
		{desk.Calendar{Hours: &week, Zone: tallinn, Holidays: []string{"2026-12-07"}}, time.Date(2026, 12, 9, 10, 0, 0, 0, tallinn)},
		{desk.Calendar{}, thu.AddDate(0, 0, 3)},
	} {
		if got := tc.cal.AddDays(thu, 3); !got.Equal(tc.want) {
			t.Errorf("%+v: %s, want %s", tc.cal, got, tc.want)
		}
	}
}

// Every reminder an automation may send reads in each of the desk's languages, names the case
// and is signed by the desk; the shipped examples pass the checks an admin's rule does.
func TestCustomerRemindersAndShippedExamples(t *testing.T) {
	c := desk.Case{ID: 1042, Subject: "Router"}
	for _, lang := range desk.Languages() {
		r := desk.Reader{Lang: lang}
		seen := map[string]bool{}
		for _, say := range desk.CustomerReminders() {
			b := r.CustomerReminder(say, c)
			if !strings.Contains(b, c.Ref()) || !strings.Contains(b, "Router") || !strings.HasSuffix(b, r.MailSender()) || strings.Contains(b, "%!") || seen[b] {
				t.Errorf("%s %s: %q", lang, say, b)
			}
			seen[b] = true
		}
	}
	if en, et := (desk.Reader{Lang: "en"}).CustomerReminder(desk.SayWaiting, c), (desk.Reader{Lang: "et"}).CustomerReminder(desk.SayWaiting, c); en == et {
		t.Error("the Estonian reminder is the English one")
	}
	for _, ex := range desk.ShippedAutomations() {
		if err := desk.CheckAutomation(ex.Rule); err != nil || ex.Rule.Active {
			t.Errorf("%s: %v (active %v)", ex.Key, err, ex.Rule.Active)
		}
	}
}
