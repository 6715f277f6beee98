package desk

import (
	"testing"
	"time"
)

func TestRestateWords(t *testing.T) {
	tallinn, _ := time.LoadLocation("Europe/Tallinn")
	zagreb, _ := time.LoadLocation("Europe/Zagreb")
	at := func(loc *time.Location, d, hh, mm int) time.Time { return time.Date(2026, 11, d, hh, mm, 0, 0, loc) }
	for _, tc := range []struct {
		name, lang  string
		zone        *time.Location
		words, want string
		from, to    time.Time
		ok          bool
	}{
		{"free slot, same day", "en", tallinn, "I will call you on Monday at 12:45.", "I will call you on Monday at 13:30.",
			at(tallinn, 23, 12, 45), at(tallinn, 23, 13, 30), true},
		{"next day", "en", tallinn, "By Thursday 3 December at 14.00 you have the refund.", "By Monday 7 December at 09.00 you have the refund.",
			time.Date(2026, 12, 3, 14, 0, 0, 0, tallinn), time.Date(2026, 12, 7, 9, 0, 0, 0, tallinn), true},
		{"customer's zone", "en", zagreb, "We call you Monday 23 Nov at 11:45", "We call you Tuesday 24 Nov at 09:00",
			at(tallinn, 23, 12, 45), at(tallinn, 24, 10, 0), true},
		{"estonian", "et", tallinn, "Helistan teile esmaspäeval, 23. novembril kell 12.45.", "Helistan teile teisipäeval, 24. novembril kell 10.00.",
			at(tallinn, 23, 12, 45), at(tallinn, 24, 10, 0), true},
		{"croatian", "hr", zagreb, "Nazvat ćemo vas u ponedjeljak, 23. studenoga, u 11:45.", "Nazvat ćemo vas u srijedu, 25. studenoga, u 09:00.",
			at(tallinn, 23, 12, 45), at(tallinn, 25, 10, 0), true},
		{"numeric date", "hr", zagreb, "Rok: 23. 11. 2026. u 11:45", "Rok: 1. 12. 2026. u 09:00",
			at(tallinn, 23, 12, 45), time.Date(2026, 12, 1, 10, 0, 0, 0, tallinn), true},
		{"bare hour", "en", tallinn, "I will call you back on Tuesday at 10.", "I will call you back on Wednesday at 14:30.",
			at(tallinn, 24, 10, 0), at(tallinn, 25, 14, 30), true},
		{"tomorrow cannot move", "en", tallinn, "I call you tomorrow at 12:45.", "I call you tomorrow at 12:45.",
			at(tallinn, 23, 12, 45), at(tallinn, 24, 12, 45), false},
		{"no time in the words", "en", tallinn, "I will call you after lunch.", "I will call you after lunch.",
			at(tallinn, 23, 12, 45), at(tallinn, 23, 13, 30), false},
		{"clock only, day moved", "en", tallinn, "You will hear from us by 15:00.", "You will hear from us by 15:00.",
			at(tallinn, 23, 15, 0), at(tallinn, 24, 10, 0), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Reader{Lang: tc.lang, Zone: tc.zone}.RestateWords(tc.words, tc.from, tc.to, nil)
			if got != tc.want || ok != tc.ok {
				t.Errorf("RestateWords(%q) = %q, %v; want %q, %v", tc.words, got, ok, tc.want, tc.ok)
			}
		})
	}
	// Words whose time cannot be rewritten get the new time from the catalogue, in the
	// customer's language and zone, for the agent to correct.
	got := Reader{Lang: "et", Zone: tallinn}.RestatedWords("Helistan teile pärast lõunat.", at(tallinn, 23, 12, 45), at(tallinn, 23, 13, 30), nil)
	if want := "Helistan teile pärast lõunat. (Uus aeg: E 23. nov 13:30 EET.)"; got != want {
		t.Errorf("RestatedWords = %q, want %q", got, want)
	}
}
