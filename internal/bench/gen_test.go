package bench

import (
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

func testGenerator(seed uint64) *Generator {
	g := newGenerator(seed, Scales["S"], time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))
	g.ppl = deskPeople{byID: map[int64]desk.Agent{}, absences: map[int64][]desk.Absence{}}
	for i, team := range teams {
		g.ppl.line = append(g.ppl.line, desk.Agent{ID: int64(10 + i), Name: "Agent " + team, Team: team, Role: desk.RoleAgent, Active: true,
			Timezone: "Europe/Tallinn", Hours: desk.DefaultHours()})
	}
	g.ids.Customer, g.ids.Case, g.ids.Entry, g.ids.Promise = 1, 1, 1, 1
	return g
}

// TestGenerate checks the generated records: every chain holds, one case in a hundred has
// exactly 100 entries, about ten entries a case on average, promises only on open cases, and
// the same seed gives the same bytes.
func TestGenerate(t *testing.T) {
	gen := func(seed uint64, n int) *chunk {
		g := testGenerator(seed)
		ch := &chunk{}
		for k := 0; k < n; k++ {
			if err := g.genCase(k, ch); err != nil {
				t.Fatal(err)
			}
		}
		return ch
	}
	ch := gen(1, 1000)
	byCase := map[int64][]desk.Entry{}
	for _, e := range ch.batch.Entries {
		byCase[e.CaseID] = append(byCase[e.CaseID], e)
	}
	for _, c := range ch.batch.Cases {
		check := desk.NewChainChecker(c.Ref())
		for _, e := range byCase[c.ID] {
			check.Add(e)
		}
		if f := check.Finish(c.LastSeq, c.LastHash); f != nil {
			t.Fatalf("case %d: %v", c.ID, f)
		}
		if (c.ID-1)%100 == 7 && len(byCase[c.ID]) != 100 {
			t.Errorf("case %d has %d entries, want 100", c.ID, len(byCase[c.ID]))
		}
		if c.Status != desk.StatusOpen && c.Status != desk.StatusClosed {
			t.Errorf("case %d is %s", c.ID, c.Status)
		}
	}
	if avg := float64(len(ch.batch.Entries)) / float64(len(ch.batch.Cases)); avg < 9 || avg > 12 {
		t.Errorf("%.1f entries a case, want about 10", avg)
	}
	if len(ch.batch.Promises) != 0 {
		t.Errorf("%d promises among the oldest cases, want none", len(ch.batch.Promises))
	}
	again := gen(1, 1000)
	for i := range ch.batch.Entries {
		if ch.batch.Entries[i].Hash != again.batch.Entries[i].Hash {
			t.Fatalf("entry %d differs between two runs of seed 1", i)
		}
	}
	if other := gen(2, 1); other.batch.Entries[0].Hash == ch.batch.Entries[0].Hash {
		t.Error("seeds 1 and 2 gave the same first entry")
	}
	// Promises: 5% of all cases, open, due within the next 30 days when the owner works.
	g := testGenerator(1)
	var promised, open, n int
	for k := 0; k < g.scale.Cases; k += 7 {
		p := g.plan(k)
		n++
		if p.promise {
			promised++
			if !p.open {
				t.Fatalf("case %d has a promise but is not open", k)
			}
		}
		if p.open {
			open++
		}
	}
	if pc := float64(promised) * 100 / float64(n); pc < 4 || pc > 6 {
		t.Errorf("%.1f%% of cases with promises, want 5%%", pc)
	}
	late := &chunk{}
	for k := g.scale.Cases - 200; k < g.scale.Cases; k++ {
		if err := g.genCase(k, late); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range late.batch.Promises {
		if !p.DueAt.After(g.now) || p.DueAt.After(g.now.Add(31*24*time.Hour)) {
			t.Errorf("promise due %s", p.DueAt)
		}
	}
	if len(late.batch.Promises) == 0 || len(late.batch.Timers) < len(late.batch.Promises) {
		t.Errorf("%d promises and %d timers among the newest cases", len(late.batch.Promises), len(late.batch.Timers))
	}
}

func TestPct(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	if pct(d, 50) != 50 || pct(d, 99) != 99 || pct(nil, 99) != 0 {
		t.Errorf("p50 %v p99 %v", pct(d, 50), pct(d, 99))
	}
}
