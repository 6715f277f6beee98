package store

import "testing"

// A stored fact's measure, day and channel come as one text; the channel is the rest of it,
// whatever it holds, and a text that is not such a fact is refused rather than misread.
func TestFactTexts(t *testing.T) {
	for _, c := range []struct {
		in                    string
		measure, day, channel string
		ok                    bool
	}{
		{"opened 2026-03-02 email", "opened", "2026-03-02", "email", true},
		{"backlog_hour 2026-03-02T09 ", "backlog_hour", "2026-03-02T09", "", true},
		{"closed_unconfirmed 2026-03-02 a channel, with: spaces é", "closed_unconfirmed", "2026-03-02", "a channel, with: spaces é", true},
		{"opened 2026-03-02", "", "", "", false},
		{"opened two words email", "", "", "", false},
		{" 2026-03-02 email", "", "", "", false},
	} {
		m, d, ch, ok := factTexts(c.in)
		if ok != c.ok || (ok && (m != c.measure || d != c.day || ch != c.channel)) {
			t.Errorf("factTexts(%q) = %q, %q, %q, %v; want %q, %q, %q, %v", c.in, m, d, ch, ok, c.measure, c.day, c.channel, c.ok)
		}
	}
}
