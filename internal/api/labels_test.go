package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/store/storetest"
)

// Issue 16, finding 3: no priority, no tags, and social complaints not prioritised (story 11).
// A case answers its priority and tags; PATCH sets them, each change an internal entry on the
// record; a public complaint on a social channel starts high.
func TestCasePriorityAndTags(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		cust := obj(d.call("POST", "/api/v1/customers", map[string]any{"name": "Mari Mets", "email": "mari@example.ee"}, 201))
		c := obj(d.call("POST", "/api/v1/cases", map[string]any{"customer_id": cust["id"], "subject": "Kettle", "body": "It leaks.", "channel": "email"}, 201))
		if c["priority"] != "normal" || fmt.Sprint(c["tags"]) != "[]" {
			t.Fatalf("a new case: priority %v, tags %v", c["priority"], c["tags"])
		}
		social := obj(d.call("POST", "/api/v1/cases", map[string]any{"customer_id": cust["id"], "subject": "Public post", "body": "@desk your kettles leak", "channel": "social"}, 201))
		if social["priority"] != "high" {
			t.Errorf("a social complaint starts %v, want high", social["priority"])
		}
		path := fmt.Sprintf("/api/v1/cases/%v", c["id"])
		got := obj(d.call("PATCH", path, map[string]any{"priority": "Urgent", "tags": []string{"Refund", "kettle", "refund", "  leaking  water "}}, 200))
		if got["priority"] != "urgent" || fmt.Sprint(got["tags"]) != "[refund kettle leaking-water]" {
			t.Fatalf("after PATCH: priority %v, tags %v", got["priority"], got["tags"])
		}
		d.call("PATCH", path, map[string]any{"tags": []string{}}, 200)
		d.call("PATCH", path, map[string]any{"priority": "urgent"}, 200) // no change: nothing written
		again := obj(d.call("GET", path, nil, 200))
		if again["priority"] != "urgent" || fmt.Sprint(again["tags"]) != "[]" {
			t.Fatalf("read back: %v %v", again["priority"], again["tags"])
		}
		var changes []string
		for _, e := range d.call("GET", path+"/record", nil, 200).([]any) {
			e := obj(e)
			if k := e["kind"].(string); strings.HasSuffix(k, "_changed") && k != "status_changed" {
				changes = append(changes, k+": "+e["body"].(string))
				if e["internal"] != true {
					t.Errorf("%s is not internal", k)
				}
			}
		}
		want := "priority_changed: Priority: normal → urgent|tags_changed: Tags: none → refund, kettle, leaking-water|tags_changed: Tags: refund, kettle, leaking-water → none"
		if got := strings.Join(changes, "|"); got != want {
			t.Errorf("the record's changes:\n%s\nwant\n%s", got, want)
		}
		status, ans := d.do("PATCH", path, d.token, map[string]any{"priority": "asap"})
		if code, field, _ := errorOf(ans); status != 422 || code != "invalid" || field != "priority" {
			t.Errorf("a priority that is none: %d %v", status, ans)
		}
		if status, _ := d.do("PATCH", "/api/v1/cases/999999", d.token, map[string]any{"priority": "low"}); status != 404 {
			t.Errorf("a case that is not there: %d", status)
		}
	})
}
