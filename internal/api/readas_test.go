package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestTokenOnReadPages checks the pages that check their token in the page's own read: each
// answers a line agent's token, refuses a missing, forged or malformed one with 401 and the
// Bearer challenge, still answers 404 for a case that is not there, and refuses the token at
// once when its agent is deactivated.
func TestTokenOnReadPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		ctx := context.Background()
		agent := d.call("POST", "/api/v1/agents", map[string]any{"name": "Ann Tamm", "email": "ann@example.ee", "role": "agent", "team": "Billing"}, 201)
		cust := d.call("POST", "/api/v1/customers", map[string]any{"name": "Mari Kask", "email": "mari@example.ee"}, 201)
		cs := d.call("POST", "/api/v1/cases", map[string]any{"customer_id": obj(cust)["id"], "subject": "Double charge", "body": "Tere!",
			"channel": "email", "owner_id": obj(agent)["id"]}, 201)
		agentID := int64(obj(agent)["id"].(float64))
		token, err := d.svc.IssueToken(ctx, agentID, "tests")
		if err != nil {
			t.Fatal(err)
		}
		pages := []string{"/api/v1/cases?owner_id=" + id(agent) + "&status=open,awaiting_confirmation&limit=50",
			"/api/v1/cases/" + id(cs), "/api/v1/cases/" + id(cs) + "/record"}
		for _, p := range pages {
			if status, ans := d.do("GET", p, token, nil); status != 200 {
				t.Errorf("GET %s as the agent: %d %v", p, status, ans)
			}
			for _, bad := range []string{"", "kept_1_" + strings.Repeat("A", 43), "kept_x", token + "x"} {
				req, _ := http.NewRequest("GET", d.url+p, nil)
				if bad != "" {
					req.Header.Set("Authorization", "Bearer "+bad)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != `Bearer realm="kept"` {
					t.Errorf("GET %s with token %q: %d (WWW-Authenticate %q), want 401 with the challenge", p, bad, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
				}
			}
		}
		if status, ans := d.do("GET", "/api/v1/cases/424242/record", token, nil); status != 404 {
			t.Errorf("record of no case: %d %v, want 404", status, ans)
		}
		admin, err := d.svc.Authenticate(ctx, d.token)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.svc.SetAgentActive(ctx, admin, agentID, false); err != nil {
			t.Fatal(err)
		}
		for _, p := range pages {
			if status, ans := d.do("GET", p, token, nil); status != 401 || !strings.Contains(errorCode(ans), "unauthorized") {
				t.Errorf("GET %s as the deactivated agent: %d %v, want 401", p, status, ans)
			}
		}
		if _, err := d.svc.SetAgentActive(ctx, admin, agentID, true); err != nil {
			t.Fatal(err)
		}
		if status, _ := d.do("GET", pages[1], token, nil); status != 200 {
			t.Errorf("reactivated agent: %d, want 200", status)
		}
	})
}

func errorCode(v any) string { code, _, _ := errorOf(v); return code }
