package store

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/keptdesk/kept/internal/desk"
)

// TestAgentCache decodes hours and loads zones as the uncached path does, once per text or
// name, and stays bounded.
func TestAgentCache(t *testing.T) {
	text := `{"fri":["09:00-12:30","13:00-16:00"],"mon":["08:00-16:00"],"sat":[],"sun":[],"thu":[],"tue":[],"wed":[]}`
	var want desk.Hours
	if err := json.Unmarshal([]byte(text), &want); err != nil {
		t.Fatal(err)
	}
	c := newAgentCache()
	var none *agentCache
	for _, cache := range []*agentCache{c, c, none} {
		got, err := cache.hours(text)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("hours = %v, %v; want %v", got, err, want)
		}
	}
	first, _ := c.hours(text)
	again, _ := c.hours(text)
	if &first[5][0] != &again[5][0] {
		t.Error("the same hours were decoded twice")
	}
	if cap(first[5]) != len(first[5]) {
		t.Errorf("cached spans have room to append into: len %d, cap %d", len(first[5]), cap(first[5]))
	}
	if _, err := c.hours(`{"mon":["17:00-09:00"]}`); err == nil {
		t.Error("hours ending before they start were accepted")
	}

	tallinn := c.zone("Europe/Tallinn")
	if tallinn == nil || tallinn.String() != "Europe/Tallinn" || c.zone("Europe/Tallinn") != tallinn {
		t.Errorf("zone Europe/Tallinn = %v, loaded again: %v", tallinn, c.zone("Europe/Tallinn") != tallinn)
	}
	if c.zone("Mars/Olympus") != nil || c.zone("") != nil || none.zone("Europe/Tallinn") != nil {
		t.Error("a zone for an unknown name, no name, or without a cache")
	}
	a := desk.Agent{Timezone: "Europe/Tallinn", Loc: tallinn}
	if a.Location() != tallinn {
		t.Error("an agent with its zone loaded loads it again")
	}

	for i := range maxCachedAgentValues + 10 {
		c.zone(fmt.Sprintf("Nowhere/%d", i))
		if _, err := c.hours(fmt.Sprintf(`{"mon":["09:%02d-17:00"]}`, i%60)); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.zones) > maxCachedAgentValues || len(c.parsed) > maxCachedAgentValues {
		t.Errorf("cache grew to %d zones, %d hours; bound %d", len(c.zones), len(c.parsed), maxCachedAgentValues)
	}
}
