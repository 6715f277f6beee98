package api_test

import (
	"context"
	"testing"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// POST /api/v1/cases/bulk: one action on several cases, each by its own command; a case
// refused is listed with its refusal and the others are done.
func TestBulkByAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		ctx, sys := context.Background(), desk.SystemActor()
		ann, err := d.svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ann Tamm", Email: "ann@example.ee", Role: "agent", Team: "Billing"})
		if err != nil {
			t.Fatal(err)
		}
		cid, err := d.svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Cid Saar", Email: "cid@example.ee", Role: "agent", Team: "Shipping"})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := d.svc.CreateToken(ctx, sys, service.NewToken{AgentID: ann.ID, Label: "ann"})
		if err != nil {
			t.Fatal(err)
		}
		cust := obj(d.call("POST", "/api/v1/customers", map[string]any{"name": "Mari Mets", "email": "mari@example.ee"}, 201))
		open := func(owner int64) any {
			return obj(d.call("POST", "/api/v1/cases", map[string]any{"customer_id": cust["id"], "subject": "Help", "body": "Please", "channel": "email", "owner_id": owner}, 201))["id"]
		}
		mine, theirs := open(ann.ID), open(cid.ID)

		status, ans := d.do("POST", "/api/v1/cases/bulk", tok.Secret, map[string]any{"action": "priority", "priority": "urgent", "case_ids": []any{mine, theirs}})
		if res := obj(ans); status != 200 || len(list(res["done"])) != 2 || len(list(res["refused"])) != 0 {
			t.Fatalf("bulk priority: %d %v", status, ans)
		}
		status, ans = d.do("POST", "/api/v1/cases/bulk", tok.Secret, map[string]any{"action": "resolve", "summary": "Fixed.", "case_ids": []any{mine, theirs, 999999}})
		res := obj(ans)
		if status != 200 || len(list(res["done"])) != 1 || list(res["done"])[0] != mine {
			t.Fatalf("bulk resolve: %d %v", status, ans)
		}
		refused := list(res["refused"])
		if len(refused) != 2 || obj(obj(refused[0])["error"])["code"] != "forbidden" || obj(obj(refused[1])["error"])["code"] != "not_found" {
			t.Errorf("refused: %v, want Cid's case forbidden and the unknown one not found", refused)
		}
		if status, ans = d.do("POST", "/api/v1/cases/bulk", tok.Secret, map[string]any{"action": "assign", "case_ids": []any{mine}}); status != 422 {
			t.Errorf("assign without a colleague: %d %v", status, ans)
		}
	})
}
