package desk

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestAgentLocation uses a zone loaded with the agent only while it is the agent's zone, and
// loads it otherwise (agents built by tests and the demo have none); it is never sent.
func TestAgentLocation(t *testing.T) {
	tallinn, err := time.LoadLocation("Europe/Tallinn")
	if err != nil {
		t.Skip("no zone database:", err)
	}
	cases := []struct {
		a    Agent
		want string
	}{
		{Agent{Timezone: "Europe/Tallinn"}, "Europe/Tallinn"},
		{Agent{Timezone: "Europe/Tallinn", Loc: tallinn}, "Europe/Tallinn"},
		{Agent{Timezone: "Europe/London", Loc: tallinn}, "Europe/London"}, // zone changed since loading
		{Agent{Timezone: "", Loc: tallinn}, "UTC"},
		{Agent{Timezone: "Mars/Olympus"}, "UTC"},
	}
	for _, c := range cases {
		if got := c.a.Location().String(); got != c.want {
			t.Errorf("Location of %q (loaded %v) = %s, want %s", c.a.Timezone, c.a.Loc, got, c.want)
		}
	}
	if a := (Agent{Timezone: "Europe/Tallinn", Loc: tallinn}); a.Location() != tallinn {
		t.Error("the loaded zone is loaded again")
	}
	b, err := json.Marshal(Agent{Timezone: "Europe/Tallinn", Loc: tallinn})
	if err != nil || strings.Contains(string(b), "Loc") {
		t.Errorf("agent JSON %s (%v) carries the loaded zone", b, err)
	}
}
