package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/store/storetest"
)

// status sends a request with a token and returns only the status, for checks of many routes.
func (d *testDesk) status(method, path, token string) int {
	d.t.Helper()
	req, _ := http.NewRequest(method, d.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestTokensOverAPI: tokens are issued, listed and revoked over the API by their owner or an
// admin; a revoked or expired token gets 401 on every kind of route (read page, command,
// download) at once; the list shows when each was last used. (Before, there were no such routes,
// and nothing revoked or expired a token.)
func TestTokensOverAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		ann := d.call("POST", "/api/v1/agents", map[string]any{"name": "Ann Tamm", "email": "ann@example.ee", "role": "agent", "team": "Billing"}, 201)
		cust := d.call("POST", "/api/v1/customers", map[string]any{"name": "Mari Kask", "email": "mari@example.ee"}, 201)
		cs := d.call("POST", "/api/v1/cases", map[string]any{"customer_id": obj(cust)["id"], "subject": "Double charge", "body": "Tere!",
			"channel": "email", "owner_id": obj(ann)["id"]}, 201)
		doc := d.call("POST", "/api/v1/customers/"+id(cust)+"/documents", map[string]any{"kind": "invoice", "filename": "arve.pdf",
			"content_type": "application/pdf", "content_base64": "JVBERi0xLjQKJcTl8uXrCg=="}, 201)
		routes := []struct{ method, path string }{
			{"GET", "/api/v1/cases/" + id(cs)},                   // a read page (one read transaction with the check)
			{"GET", "/api/v1/cases?owner_id=" + id(ann)},         // a loose read page
			{"POST", "/api/v1/cases/" + id(cs) + "/messages"},    // a command (answers 400 to no body once the token passes)
			{"GET", "/api/v1/documents/" + id(doc) + "/content"}, // a download
			{"GET", "/api/v1/tokens"},
		}
		works := func(token string) bool {
			t.Helper()
			n := 0
			for _, r := range routes {
				if d.status(r.method, r.path, token) == http.StatusUnauthorized {
					n++
				}
			}
			if n != 0 && n != len(routes) {
				t.Errorf("the token was refused on %d of %d routes", n, len(routes))
			}
			return n == 0
		}

		// An admin issues Ann a token with an expiry; Ann issues herself one.
		issuedAt := d.clock.Now()
		issued := obj(d.call("POST", "/api/v1/tokens", map[string]any{"agent_id": obj(ann)["id"], "label": "Ann's script", "expires": "2h"}, 201))
		annToken, _ := issued["token"].(string)
		if !strings.HasPrefix(annToken, "kept_") || issued["state"] != "active" || issued["agent_email"] != "ann@example.ee" ||
			issued["expires_at"] != issuedAt.Add(2*time.Hour).Format(time.RFC3339) || issued["last_used_at"] != nil {
			t.Fatalf("issued %v", issued)
		}
		own := obj(d.call2(annToken, "POST", "/api/v1/tokens", map[string]any{"label": "laptop"}, 201))
		ownToken := own["token"].(string)
		if fmt.Sprint(own["issued_by"]) != id(ann) || own["expires_at"] != nil {
			t.Errorf("Ann's own token %v", own)
		}
		if !works(annToken) || !works(ownToken) {
			t.Fatal("new tokens do not work")
		}

		// Ann sees her own tokens only, and may not grant scopes, issue for others or revoke theirs.
		mine := list(d.call2(annToken, "GET", "/api/v1/tokens", nil, 200))
		if len(mine) != 2 {
			t.Errorf("Ann's list %v, want her two tokens", mine)
		}
		for _, k := range mine {
			if _, ok := obj(k)["token"]; ok {
				t.Errorf("a list shows a secret: %v", k)
			}
		}
		all := list(d.call("GET", "/api/v1/tokens", nil, 200))
		if len(all) != 3 {
			t.Errorf("the admin's list has %d tokens, want 3", len(all))
		}
		adminTokenID := id(all[0])
		for _, c := range []struct {
			method, path string
			body         any
			want         int
		}{
			{"POST", "/api/v1/tokens", map[string]any{"label": "Phone", "scopes": []string{"customer-voice"}}, 403},
			{"POST", "/api/v1/tokens", map[string]any{"agent_id": 1}, 403},
			{"POST", "/api/v1/tokens", map[string]any{"expires": "yesterday"}, 422},
			{"DELETE", "/api/v1/tokens/" + adminTokenID, nil, 404},
		} {
			if status, ans := d.do(c.method, c.path, annToken, c.body); status != c.want {
				t.Errorf("Ann: %s %s %v: %d %v, want %d", c.method, c.path, c.body, status, ans, c.want)
			}
		}

		// Last use: the first request writes it, the next within a minute does not.
		d.clock.Advance(10 * time.Minute)
		t0 := d.clock.Now()
		d.call2(annToken, "GET", "/api/v1/cases/"+id(cs), nil, 200)
		d.clock.Advance(30 * time.Second)
		d.call2(annToken, "GET", "/api/v1/cases/"+id(cs), nil, 200)
		lastUsed := func() any {
			for _, k := range list(d.call("GET", "/api/v1/tokens", nil, 200)) {
				if id(k) == fmt.Sprint(issued["id"]) {
					return obj(k)["last_used_at"]
				}
			}
			return "missing"
		}
		if got := lastUsed(); got != t0.Format(time.RFC3339) {
			t.Errorf("last used %v, want %v", got, t0.Format(time.RFC3339))
		}

		// Revoked by its owner: refused at once everywhere; revoking again answers it as it is.
		rev := obj(d.call2(ownToken, "DELETE", "/api/v1/tokens/"+id(own), nil, 200))
		if rev["state"] != "revoked" || rev["revoked_at"] == nil {
			t.Errorf("revoked %v", rev)
		}
		if works(ownToken) {
			t.Error("a revoked token still works")
		}
		d.call("DELETE", "/api/v1/tokens/"+id(own), nil, 200)
		if !works(annToken) {
			t.Error("revoking one of Ann's tokens stopped the other")
		}

		// Expired: refused from the second it expires.
		d.clock.Set(issuedAt.Add(2*time.Hour - time.Second))
		if !works(annToken) {
			t.Error("the token stopped a second before it expires")
		}
		d.clock.Advance(time.Second)
		if works(annToken) {
			t.Error("an expired token still works")
		}
		for _, k := range list(d.call("GET", "/api/v1/tokens", nil, 200)) {
			if id(k) == fmt.Sprint(issued["id"]) && obj(k)["state"] != "expired" {
				t.Errorf("the expired token is listed as %v", k)
			}
		}
		// The admin revokes anyone's.
		d.call("DELETE", "/api/v1/tokens/"+fmt.Sprint(issued["id"]), nil, 200)
	})
}
