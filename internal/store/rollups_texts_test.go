package store

import (
	"slices"
	"testing"
)

// A case's facts are stored as one text (factsText) and read back (appendFacts) exactly, whatever
// a channel or case type holds; a text that is not such facts is refused rather than misread.
func TestFactsTextReadsBack(t *testing.T) {
	facts := []fact{
		{CaseID: 7, Measure: "opened", Day: "2026-03-02", TeamID: 3, AgentID: 11, Channel: "email", Type: "billing", N: 1},
		{CaseID: 7, Measure: "backlog_hour", Day: "2026-03-02T09", TeamID: 3, AgentID: 11, N: -1},
		{CaseID: 7, Measure: "answered", Day: "2026-03-02", TeamID: 0, AgentID: 0, Channel: "a\tchannel\nwith\\odd\\tbytes\\", Type: "Käsitlus, pikk: \\n é",
			Bucket: 131, N: 1, Secs: 9_223_372_036_854_775_807},
		{CaseID: 7, Measure: "escalated:promise_broken", Day: "2026-03-03", TeamID: -5, AgentID: 2, Channel: "\\t", Type: "\t\n"},
	}
	text := factsText(facts)
	got, err := appendFacts(nil, 7, text)
	if err != nil || !slices.Equal(got, facts) {
		t.Fatalf("read back %q: %+v, %v; want %+v", text, got, err, facts)
	}
	if got, err := appendFacts(nil, 7, ""); err != nil || len(got) != 0 {
		t.Errorf("no facts read as %+v, %v", got, err)
	}
	for _, bad := range []string{
		"opened\t2026-03-02\t3\t11\temail\tbilling\t0\t1",       // a field short
		"opened\t2026-03-02\t3\t11\temail\tbilling\t0\t1\t0\t9", // a field over
		"opened\t2026-03-02\tthree\t11\temail\tbilling\t0\t1\t0",
		"opened 2026-03-02 3 11 email billing 0 1 0",
	} {
		if got, err := appendFacts(nil, 7, bad); err == nil {
			t.Errorf("%q read as %+v", bad, got)
		}
	}
}
