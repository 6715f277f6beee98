package api_test

import (
	"context"
	"testing"

	"github.com/keptdesk/kept/internal/auth"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// Issue 16, item 5, for admins' scripts: the desk's rule that every agent has a second factor
// (GET/PUT /api/v1/sign-in-policy) and removing an agent's (DELETE
// /api/v1/agents/{id}/second-factor), both for admins only.
func TestSignInPolicyOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		ctx := context.Background()
		ann := d.call("POST", "/api/v1/agents", map[string]any{"name": "Ann Tamm", "email": "ann@example.com", "role": "agent", "team": "Care", "timezone": "UTC"}, 201)
		annTok := d.tokenFor(obj(ann)["id"])
		if got := obj(d.call("GET", "/api/v1/sign-in-policy", nil, 200)); got["require_second_factor"] != false {
			t.Fatalf("a new desk's policy: %v", got)
		}
		if got := obj(d.call("PUT", "/api/v1/sign-in-policy", map[string]any{"require_second_factor": true}, 200)); got["require_second_factor"] != true {
			t.Fatalf("PUT answered %v", got)
		}
		if got := obj(d.call("GET", "/api/v1/sign-in-policy", nil, 200)); got["require_second_factor"] != true {
			t.Fatalf("after PUT: %v", got)
		}
		if status, ans := d.do("PUT", "/api/v1/sign-in-policy", d.token, map[string]any{}); status != 422 {
			t.Errorf("PUT without the field: %d %v", status, ans)
		}
		if st := d.status("PUT", "/api/v1/sign-in-policy", annTok); st != 403 {
			t.Errorf("an agent changes the policy: %d", st)
		}

		// Ann sets a factor up (in the desk: the key is shown to her alone).
		a := desk.Actor{Kind: desk.ActorAgent, ID: int64(obj(ann)["id"].(float64)), Role: desk.RoleAgent}
		st, err := d.svc.StartSecondFactor(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		code, _ := auth.HOTP(st.Secret, auth.TOTPStepAt(d.clock.Now()))
		if _, err := d.svc.ConfirmSecondFactor(ctx, a, code); err != nil {
			t.Fatal(err)
		}
		path := "/api/v1/agents/" + id(ann) + "/second-factor"
		if st := d.status("DELETE", path, annTok); st != 403 {
			t.Errorf("an agent removes a second factor: %d", st)
		}
		if got := obj(d.call("DELETE", path, nil, 200)); got["removed"] != true {
			t.Errorf("DELETE answered %v", got)
		}
		if got := obj(d.call("DELETE", path, nil, 200)); got["removed"] != false {
			t.Errorf("a second DELETE answered %v", got)
		}
		if s, err := d.svc.SecondFactor(ctx, a); err != nil || s.On {
			t.Errorf("after DELETE the factor is %+v (%v)", s, err)
		}
		if st := d.status("DELETE", "/api/v1/agents/999999/second-factor", d.token); st != 404 {
			t.Errorf("DELETE of no agent: %d", st)
		}
	})
}
