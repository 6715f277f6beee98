package store

import (
	"testing"
	"time"
)

// TestParseStoredTime checks the hand-written parser against time.Parse on the layout the
// drivers write, and that it leaves everything else to time.Parse.
func TestParseStoredTime(t *testing.T) {
	const layout = "2006-01-02 15:04:05.999999999-07:00"
	for _, s := range []string{"2024-12-05 19:36:09.649+00:00", "2024-12-05 19:36:09+00:00", "2026-02-28 23:59:59.123456789+00:00",
		"2026-11-30 01:02:03.5+02:00", "2026-11-30 01:02:03.000001-03:30", "2024-02-29 00:00:00+00:00"} {
		want, err := time.Parse(layout, s)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := parseStoredTime(s)
		if !ok || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("%s: got %v (%v), want %v in UTC", s, got, ok, want.UTC())
		}
	}
	for _, s := range []string{"", "2024-12-05", "2024-12-05T19:36:09Z", "2024-12-05 19:36:09", "2024-11-31 10:00:00+00:00",
		"2024-13-05 19:36:09+00:00", "2024-12-05 19:36:09.+00:00", "2024-12-05 19:36:09.1234567890+00:00", "2024-12-05 19:36:09+0000",
		"2024-12-05 25:36:09+00:00", "2O24-12-05 19:36:09+00:00"} {
		if got, ok := parseStoredTime(s); ok {
			t.Errorf("%q read as %v, want it left to time.Parse", s, got)
		}
	}
}
