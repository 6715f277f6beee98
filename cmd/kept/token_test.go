package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/store/storetest"
)

var listLine = regexp.MustCompile(`^id=(\d+) email=(\S+) created=(\S+) last_used=(\S+) expires=(\S+) revoked=(\S+) state=(\S+) label="([^"]*)" scopes=(\S*) issued_by="([^"]*)"$`)

// TestTokenCommand drives `kept token` as an operator would: tokens with an expiry and for an
// integration that acts for customers, --list with one line per token, and --revoke, which a
// running desk honours at its next request. (Before, --list, --revoke, --expires and --scope
// were unknown flags.)
func TestTokenCommand(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		t.Parallel()
		db := dbArgsOf(t, backend)
		token := func(args ...string) (int, string, string) {
			t.Helper()
			return kept(t, "", append(append([]string{"token"}, args...), db...)...)
		}
		code, out, errOut := token("--email", "head@desk.test", "--role", "admin", "--expires", "90d")
		if code != 0 || !regexp.MustCompile(`token 1 for head@desk.test, expires \d{4}-\d\d-\d\dT`).MatchString(out) {
			t.Fatalf("kept token --expires 90d: %d\n%s%s", code, out, errOut)
		}
		admin := lastLine(out)
		code, out, errOut = token("--email", "phone@desk.test", "--integration", "Phone system", "--scope", "customer-voice")
		if code != 0 || !strings.Contains(out, "scopes customer-voice") {
			t.Fatalf("kept token --integration --scope: %d\n%s%s", code, out, errOut)
		}
		phone := lastLine(out)
		for _, bad := range [][]string{
			{"--email", "x@desk.test", "--scope", "root"},
			{"--email", "x@desk.test", "--expires", "yesterday"},
			{"--email", "x@desk.test", "--expires", "2001-01-01"},
			{"--list", "--revoke", "1"},
			{"--list", "--email", "x@desk.test"},
		} {
			if code, _, errOut := token(bad...); code != 2 {
				t.Errorf("kept token %v: exit %d (%s), want 2", bad, code, errOut)
			}
		}
		list := func() [][]string {
			t.Helper()
			code, out, errOut := token("--list")
			if code != 0 {
				t.Fatalf("kept token --list: %d %s", code, errOut)
			}
			var rows [][]string
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				m := listLine.FindStringSubmatch(line)
				if m == nil {
					t.Fatalf("kept token --list printed %q", line)
				}
				rows = append(rows, m[1:])
			}
			return rows
		}
		rows := list()
		if len(rows) != 2 {
			t.Fatalf("kept token --list: %d lines, want one per token", len(rows))
		}
		head, ph := rows[0], rows[1]
		if head[0] != "1" || head[1] != "head@desk.test" || head[3] != "never" || head[4] == "never" || head[5] != "no" || head[6] != "active" || head[9] != "the command line" {
			t.Errorf("the admin's token is listed as %v", head)
		}
		if exp, err := time.Parse(time.RFC3339, head[4]); err != nil || exp.Sub(time.Now()) < 89*24*time.Hour || exp.Sub(time.Now()) > 91*24*time.Hour {
			t.Errorf("the admin's token expires %q, want in 90 days", head[4])
		}
		if ph[1] != "phone@desk.test" || ph[4] != "never" || ph[7] != "Phone system" || ph[8] != "customer-voice" {
			t.Errorf("the phone system's token is listed as %v", ph)
		}

		srv := startServer(t, db)
		srv.call(t, admin, "GET", "/api/v1/cases", nil, 200)
		srv.call(t, phone, "GET", "/api/v1/cases", nil, 200)
		if used := list()[0][3]; used == "never" {
			t.Error("the admin's token was used but --list says never")
		}
		// Revoked from the command line while the desk runs: refused at its next request.
		code, out, errOut = token("--revoke", ph[0])
		if code != 0 || !strings.Contains(out, "token "+ph[0]+" of phone@desk.test is revoked") {
			t.Fatalf("kept token --revoke: %d %s%s", code, out, errOut)
		}
		srv.call(t, phone, "GET", "/api/v1/cases", nil, 401)
		srv.call(t, phone, "POST", "/api/v1/customers", map[string]any{"name": "X", "email": "x@example.ee"}, 401)
		srv.call(t, admin, "GET", "/api/v1/cases", nil, 200)
		if r := list()[1]; r[5] == "no" || r[6] != "revoked" {
			t.Errorf("the revoked token is listed as %v", r)
		}
		if code, _, errOut := token("--revoke", "99"); code != 1 || !strings.Contains(errOut, "not found") {
			t.Errorf("kept token --revoke 99: %d %s", code, errOut)
		}
		srv.stop(t)
	})
}
