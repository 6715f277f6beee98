package desk

import (
	"slices"
	"testing"
)

// The draw is seeded by the week: the same cases in any order draw the same ones; another week
// draws others; the share is rounded up per agent, and a share of 0 draws none.
func TestDrawReviews(t *testing.T) {
	var cases []ReviewCandidate
	for id := int64(1); id <= 40; id++ {
		cases = append(cases, ReviewCandidate{CaseID: id, AgentID: 1 + id%2, TeamID: 7, Share: 10})
	}
	cases = append(cases, ReviewCandidate{CaseID: 99, AgentID: 3, TeamID: 8, Share: 0})
	ids := func(week string, in []ReviewCandidate) []int64 {
		var out []int64
		for _, c := range DrawReviews(week, slices.Clone(in)) {
			out = append(out, c.CaseID)
		}
		slices.Sort(out)
		return out
	}
	first := ids("2026-11-23", cases)
	reversed := slices.Clone(cases)
	slices.Reverse(reversed)
	if len(first) != 4 || !slices.Equal(first, ids("2026-11-23", reversed)) {
		t.Fatalf("draw %v, reversed %v: want the same 4 (2 of each agent's 20)", first, ids("2026-11-23", reversed))
	}
	if slices.Equal(first, ids("2026-11-30", cases)) {
		t.Errorf("another week drew the same cases %v", first)
	}
	if got := ids("2026-11-23", cases[:1]); len(got) != 1 {
		t.Errorf("one case at 10%%: drawn %v, want it (rounded up)", got)
	}
}
