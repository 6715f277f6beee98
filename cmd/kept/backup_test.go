package main

import (
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/store/storetest"
)

// freshDatabase makes a PostgreSQL database of its own for the test (a restore needs a whole,
// empty database), dropped afterwards, and returns its URL.
func freshDatabase(t *testing.T) string {
	t.Helper()
	base := storetest.PostgresURL()
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	name := fmt.Sprintf("kept_restore_%d", time.Now().UnixNano())
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("create a database: %v", err)
		}
		t.Skipf("PostgreSQL does not answer or may not create databases: %v", err)
	}
	t.Cleanup(func() { _, _ = db.Exec("DROP DATABASE " + name + " WITH (FORCE)") })
	u, _ := url.Parse(base)
	u.Path = "/" + name
	return u.String()
}

// CONTRACT.md: `kept backup --to FILE` makes a consistent copy while serve runs, and `kept
// restore FILE` puts it into an empty or missing data folder (or an empty database) and verifies
// it (issue 19: the README's backup advice was "use sqlite3 .backup", with no restore and no test).
func TestBackupAndRestore(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			var from, into []string
			if backend == "sqlite" {
				from, into = []string{"--data", t.TempDir()}, []string{"--data", filepath.Join(t.TempDir(), "restored")}
			} else {
				from, into = []string{"--db", freshDatabase(t)}, []string{"--db", freshDatabase(t)}
			}
			code, out, errOut := kept(t, "", append([]string{"token", "--email", "head@desk.test", "--role", "admin"}, from...)...)
			if code != 0 {
				t.Fatalf("kept token: %d %s%s", code, out, errOut)
			}
			token := lastLine(out)
			srv := startServer(t, from)
			cust := srv.call(t, token, "POST", "/api/v1/customers", map[string]any{"name": "Mari Mets", "email": "mari@example.ee"}, 201)
			c := srv.call(t, token, "POST", "/api/v1/cases", map[string]any{"customer_id": cust["id"], "subject": "Router", "body": "It blinks red.", "channel": "web"}, 201)
			file := filepath.Join(t.TempDir(), "desk.backup")
			// While the server runs.
			if code, out, errOut := kept(t, "", append([]string{"backup", "--to", file}, from...)...); code != 0 || !strings.Contains(out, "backed up") {
				t.Fatalf("kept backup: %d %s%s", code, out, errOut)
			}
			if code, _, errOut := kept(t, "", append([]string{"backup", "--to", file}, from...)...); code == 0 || !strings.Contains(errOut, "exists") {
				t.Fatalf("a backup over an existing file: %d %s", code, errOut)
			}
			srv.stop(t)
			code, out, errOut = kept(t, "", append(append([]string{"restore"}, into...), file)...)
			if code != 0 || !strings.Contains(out, "ok: 1 records") {
				t.Fatalf("kept restore: %d\n%s%s", code, out, errOut)
			}
			if code, _, errOut := kept(t, "", append(append([]string{"restore"}, into...), file)...); code == 0 || !strings.Contains(errOut, "not empty") {
				t.Fatalf("a restore into a desk: %d %s", code, errOut)
			}
			restored := startServer(t, into)
			got := restored.call(t, token, "GET", fmt.Sprintf("/api/v1/cases/%v", c["id"]), nil, 200)
			if got["ref"] != c["ref"] || got["original_request"] != "It blinks red." {
				t.Errorf("the restored case: %v", got)
			}
			restored.stop(t)
		})
	}
}
