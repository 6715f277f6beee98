package service_test

import (
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestReportRollupsRebuilt: after the report week (promises kept, slipped and broken, an
// escalation moving a case to another owner, a repeat contact, confirmations), the roll-ups the
// commands kept are the ones a rebuild from the tables gives, sum for sum (both databases).
func TestReportRollupsRebuilt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		w := newReportWeek(t, backend)
		sums := func() string {
			var out []string
			if err := w.st.Read(w.ctx, func(tx *store.Tx) (err error) { out, err = tx.RollupSums(w.ctx); return err }); err != nil {
				t.Fatal(err)
			}
			return strings.Join(out, "\n")
		}
		live := sums()
		for _, want := range []string{"agents made ", "agents kept ", "agents broken ", "agents slipped ", "agents repeated ", "days answered ", "days closed ", "days backlog "} {
			if !strings.Contains(live, want) {
				t.Errorf("the live roll-ups have no %q:\n%s", want, live)
			}
		}
		done := 0
		if err := w.svc.RebuildReports(w.ctx, func(n, total int) { done = n }); err != nil {
			t.Fatal(err)
		}
		if done != 6 {
			t.Errorf("rebuild went through %d cases, want the week's 6", done)
		}
		if got := sums(); got != live {
			t.Errorf("rebuilt roll-ups:\n%s\n\nwant the live ones:\n%s", got, live)
		}
	})
}
