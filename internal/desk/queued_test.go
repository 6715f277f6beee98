package desk

import (
	"strings"
	"testing"
	"time"
)

// A customer whose case waits in its team's queue reads when the team answers in their own
// language and zone; with no opening known, that the team answers when back.
func TestQueuedWordsInTheCustomersLanguageAndZone(t *testing.T) {
	opens := time.Date(2026, 11, 30, 7, 0, 0, 0, time.UTC) // Monday 09:00 in Tallinn, 08:00 in Zagreb
	for _, tc := range []struct {
		lang, zone, want string
	}{
		{"en", "Europe/Tallinn", "We have your message (K-1007). Nobody of our team is at work just now; we answer from Mon 30 Nov 09:00 EET."},
		{"et", "Europe/Tallinn", "vastame alates esmaspäevast, 30.11.2026 kell 09.00 EET."},
		{"hr", "Europe/Zagreb", "odgovaramo od ponedjeljka, 30. 11. 2026. u 08:00 CET."},
	} {
		c := &Case{ID: 7, Reader: ReaderFor(tc.lang, tc.zone)}
		d := Queued(c, "Billing", opens, time.UTC)
		if !strings.Contains(d.Body, tc.want) || d.Internal || d.Kind != KindQueued {
			t.Errorf("%s: %+v, want the body to hold %q", tc.lang, d, tc.want)
		}
		if q, ok := d.Data.(QueuedData); !ok || q.Team != "Billing" || q.Opens == nil || !q.Opens.Time().Equal(opens) {
			t.Errorf("%s: data %+v", tc.lang, d.Data)
		}
		later := Queued(c, "Billing", time.Time{}, time.UTC)
		if later.Body == d.Body || strings.Contains(later.Body, "2026") || later.Data.(QueuedData).Opens != nil {
			t.Errorf("%s with no opening known: %q", tc.lang, later.Body)
		}
	}
}
