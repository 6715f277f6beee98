package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestReviewRubricOverHTTP (issue 18, item 2): the admin lists the rubric, adds a criterion
// with a scale and a translation, rewrites and retires it; an agent reads the rubric but may
// not change it; a bad scale is refused.
func TestReviewRubricOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		list := d.call("GET", "/api/v1/review-criteria", nil, http.StatusOK).([]any)
		if len(list) != 3 || list[0].(map[string]any)["name"] != "Promise words clear" || list[0].(map[string]any)["scale"] != 5.0 {
			t.Fatalf("the rubric the desk starts with: %v", list)
		}
		in := map[string]any{"name": "Explained the process", "guidance": "The customer knows what happens next.", "scale": 4,
			"translations": map[string]any{"hr": map[string]any{"name": "Objasnio postupak"}}}
		c := d.call("POST", "/api/v1/review-criteria", in, http.StatusCreated).(map[string]any)
		id := int64(c["id"].(float64))
		if c["scale"] != 4.0 || c["translations"].(map[string]any)["hr"].(map[string]any)["name"] != "Objasnio postupak" || c["retired_at"] != nil {
			t.Errorf("the criterion added: %v", c)
		}
		d.call("POST", "/api/v1/review-criteria", map[string]any{"name": "Wide", "scale": 20}, http.StatusUnprocessableEntity)
		in["retired"] = true
		in["name"] = "Explained the process to the customer"
		c = d.call("PUT", fmt.Sprintf("/api/v1/review-criteria/%d", id), in, http.StatusOK).(map[string]any)
		if c["name"] != "Explained the process to the customer" || c["retired_at"] == nil {
			t.Errorf("the criterion retired: %v", c)
		}
		d.call("PUT", "/api/v1/review-criteria/9999", in, http.StatusNotFound)

		ann, err := d.svc.CreateAgent(context.Background(), desk.SystemActor(), desk.NewAgent{Name: "Ann Tamm", Email: "ann@desk.test", Role: "agent", Team: "Billing"})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := d.svc.IssueToken(context.Background(), ann.ID, "ann")
		if err != nil {
			t.Fatal(err)
		}
		if status, out := d.do("GET", "/api/v1/review-criteria", tok, nil); status != http.StatusOK || len(out.([]any)) != 4 {
			t.Errorf("Ann reading the rubric: %d %v", status, out)
		}
		if status, _ := d.do("POST", "/api/v1/review-criteria", tok, map[string]any{"name": "Mine"}); status != http.StatusForbidden {
			t.Errorf("Ann adding a criterion: %d", status)
		}
	})
}
