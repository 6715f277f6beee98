package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/smtp"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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

// backupPlaces are a desk to back up and an empty place to restore it into: two data folders
// on SQLite, two databases of their own on PostgreSQL.
func backupPlaces(t *testing.T, backend string) (from, into []string) {
	t.Helper()
	if backend == "sqlite" {
		return []string{"--data", t.TempDir()}, []string{"--data", filepath.Join(t.TempDir(), "restored")}
	}
	return []string{"--db", freshDatabase(t)}, []string{"--db", freshDatabase(t)}
}

// adminToken makes the head of care with kept token and returns the token.
func adminToken(t *testing.T, dbArgs []string) string {
	t.Helper()
	code, out, errOut := kept(t, "", append([]string{"token", "--email", "head@desk.test", "--role", "admin"}, dbArgs...)...)
	if code != 0 {
		t.Fatalf("kept token: %d %s%s", code, out, errOut)
	}
	return lastLine(out)
}

// deskWithACase is a desk to back up, its server running, with Mari's case on it (the case as
// opened, and the head of care's token), and an empty place to restore it into.
func deskWithACase(t *testing.T, backend string) (from, into []string, token string, srv *server, c map[string]any) {
	t.Helper()
	from, into = backupPlaces(t, backend)
	token = adminToken(t, from)
	srv = startServer(t, from)
	cust := srv.call(t, token, "POST", "/api/v1/customers", map[string]any{"name": "Mari Mets", "email": "mari@example.ee"}, 201)
	c = srv.call(t, token, "POST", "/api/v1/cases", map[string]any{"customer_id": cust["id"], "subject": "Router", "body": "It blinks red.", "channel": "web"}, 201)
	return from, into, token, srv, c
}

// CONTRACT.md: `kept backup --to FILE` makes a consistent copy while serve runs, and `kept
// restore FILE` puts it into an empty or missing data folder (or an empty database) and verifies
// it (issue 19: the README's backup advice was "use sqlite3 .backup", with no restore and no test).
func TestBackupAndRestore(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			from, into, token, srv, c := deskWithACase(t, backend)
			file := filepath.Join(t.TempDir(), "desk.backup")
			// While the server runs.
			if code, out, errOut := kept(t, "", append([]string{"backup", "--to", file}, from...)...); code != 0 || !strings.Contains(out, "backed up") {
				t.Fatalf("kept backup: %d %s%s", code, out, errOut)
			}
			if code, _, errOut := kept(t, "", append([]string{"backup", "--to", file}, from...)...); code == 0 || !strings.Contains(errOut, "exists") {
				t.Fatalf("a backup over an existing file: %d %s", code, errOut)
			}
			srv.stop(t)
			code, out, errOut := kept(t, "", append(append([]string{"restore"}, into...), file)...)
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

// A restore refuses a copy that does not verify, and leaves nothing of it behind where kept
// serve would start on it: the missing data folder stays missing, the empty database empty, so
// a good copy restores there next. A file of neither kind, or of the other backend's, is
// refused before anything is written.
func TestRestoreLeavesNothingOfACopyThatFails(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			from, into, _, srv, _ := deskWithACase(t, backend)
			srv.stop(t)
			dir := t.TempDir()
			good, bad := filepath.Join(dir, "good.backup"), filepath.Join(dir, "bad.backup")
			for _, f := range []string{good, bad} {
				if f == bad {
					// A case row that no longer says what its record says.
					if _, err := rawDB(t, backend, from).Exec(`UPDATE cases SET original_request = 'It blinks green.'`); err != nil {
						t.Fatal(err)
					}
				}
				if code, out, errOut := kept(t, "", append([]string{"backup", "--to", f}, from...)...); code != 0 {
					t.Fatalf("kept backup: %d %s%s", code, out, errOut)
				}
			}
			left := func() string {
				t.Helper()
				if backend == "sqlite" {
					if _, err := os.Stat(into[1]); !errors.Is(err, os.ErrNotExist) {
						return fmt.Sprintf("the data folder %s is there (%v)", into[1], err)
					}
					return ""
				}
				var n int
				if err := rawDB(t, backend, into).QueryRow(`SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()`).Scan(&n); err != nil || n > 0 {
					return fmt.Sprintf("the database holds %d tables (%v)", n, err)
				}
				return ""
			}
			if backend == "postgres" {
				// What the database held before the restore is not the restore's to drop.
				if _, err := rawDB(t, backend, into).Exec(`CREATE FUNCTION dba_was_here() RETURNS int LANGUAGE sql AS 'SELECT 1'`); err != nil {
					t.Fatal(err)
				}
			}
			code, out, errOut := kept(t, "", append(append([]string{"restore"}, into...), bad)...)
			if code == 0 || !strings.Contains(out, "FAIL") || !strings.Contains(errOut, "not restored") {
				t.Fatalf("a restore of a copy that does not verify: %d\n%s%s", code, out, errOut)
			}
			if l := left(); l != "" {
				t.Errorf("after a refused copy: %s", l)
			}
			if backend == "postgres" {
				var one int
				if err := rawDB(t, backend, into).QueryRow(`SELECT dba_was_here()`).Scan(&one); err != nil || one != 1 {
					t.Errorf("a function the database held before the restore: %d, %v", one, err)
				}
			}

			junk := filepath.Join(dir, "junk.backup")
			if err := os.WriteFile(junk, []byte("not a backup at all"), 0o644); err != nil {
				t.Fatal(err)
			}
			other := []string{"--db", "postgres://postgres@127.0.0.1:5432/none"}
			if backend == "postgres" {
				other = []string{"--data", filepath.Join(dir, "other")}
			}
			for _, c := range []struct {
				args []string
				want string
			}{
				{append(append([]string{"restore"}, into...), junk), "neither kind of backup"},
				{append(append([]string{"restore"}, other...), good), "restored with " + into[0]},
			} {
				if code, _, errOut := kept(t, "", c.args...); code == 0 || !strings.Contains(errOut, c.want) {
					t.Errorf("kept %s: %d %s; want it refused, saying %q", strings.Join(c.args, " "), code, errOut, c.want)
				}
			}
			if l := left(); l != "" {
				t.Errorf("after refused files: %s", l)
			}

			if backend == "sqlite" {
				// A restore killed while checking its copy left only that behind: not a desk.
				if err := os.MkdirAll(filepath.Join(into[1], ".restoring"), 0o750); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(into[1], ".restoring", "kept.db"), []byte("half a copy"), 0o640); err != nil {
					t.Fatal(err)
				}
			}
			if code, out, errOut := kept(t, "", append(append([]string{"restore"}, into...), good)...); code != 0 || !strings.Contains(out, "ok: 1 records") || !strings.Contains(out, "restored "+good) {
				t.Fatalf("a good copy where a bad one was refused: %d\n%s%s", code, out, errOut)
			}
		})
	}
}

// Issue 19's done-when: a backup taken while mail and API writes flow, restored and verified,
// holds every write acknowledged before the backup started (an API 201, an SMTP 250).
func TestBackupWhileWritesFlow(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			from, into := backupPlaces(t, backend)
			token := adminToken(t, from)
			smtpAddr := freePort(t)
			srv := startServer(t, append(slices.Clone(from), "--smtp", smtpAddr, "--mail-address", "support@desk.test"))
			cust := srv.call(t, token, "POST", "/api/v1/customers", map[string]any{"name": "Mari Mets", "email": "mari@example.ee"}, 201)
			c := srv.call(t, token, "POST", "/api/v1/cases", map[string]any{"customer_id": cust["id"], "subject": "Router", "body": "It blinks red.", "channel": "web"}, 201)
			caseID := fmt.Sprint(c["id"])

			// Writers: two add notes over the API, two send new mails over SMTP; each notes the
			// moment its write was acknowledged.
			type ack struct {
				what string
				at   time.Time
			}
			var mu sync.Mutex
			var acks []ack
			var failures atomic.Int64
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for w := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for n := 0; ; n++ {
						select {
						case <-stop:
							return
						default:
						}
						what := fmt.Sprintf("w%d-%d", w, n)
						var err error
						if w < 2 {
							err = postNote(srv.url, token, caseID, "note "+what)
						} else {
							from := "sender-" + what + "@example.ee"
							raw := "From: " + from + "\r\nTo: support@desk.test\r\nSubject: mail " + what + "\r\nMessage-ID: <" + what + "@example.ee>\r\n\r\nHello from " + what + ".\r\n"
							err = smtp.SendMail(smtpAddr, nil, from, []string{"support@desk.test"}, []byte(raw))
						}
						if err != nil {
							failures.Add(1)
							continue
						}
						mu.Lock()
						acks = append(acks, ack{what, time.Now()})
						mu.Unlock()
					}
				}()
			}
			time.Sleep(time.Second) // writes flowing before and during the backup
			started := time.Now()
			file := filepath.Join(t.TempDir(), "desk.backup")
			if code, out, errOut := kept(t, "", append([]string{"backup", "--to", file}, from...)...); code != 0 {
				close(stop)
				wg.Wait()
				t.Fatalf("kept backup: %d %s%s", code, out, errOut)
			}
			close(stop)
			wg.Wait()
			srv.stop(t)
			if n := failures.Load(); n > 0 {
				t.Fatalf("%d writes failed while the backup ran", n)
			}
			var before []string
			for _, a := range acks {
				if a.at.Before(started) {
					before = append(before, a.what)
				}
			}
			if len(before) < 10 || len(acks) == len(before) {
				t.Fatalf("%d writes before the backup and %d in all: the test needs writes on both sides", len(before), len(acks))
			}
			code, out, errOut := kept(t, "", append(append([]string{"restore"}, into...), file)...)
			if code != 0 || !strings.Contains(out, "ok:") {
				t.Fatalf("kept restore: %d\n%s%s", code, out, errOut)
			}
			restored := startServer(t, into)
			defer restored.stop(t)
			var held strings.Builder
			for _, e := range restored.call(t, token, "GET", "/api/v1/cases/"+caseID+"/record", nil, 200)["list"].([]any) {
				held.WriteString(fmt.Sprint(e.(map[string]any)["body"]) + "\n")
			}
			for before := int64(0); ; {
				path := "/api/v1/cases?limit=500"
				if before > 0 {
					path += fmt.Sprintf("&before=%d", before)
				}
				page := restored.call(t, token, "GET", path, nil, 200)
				for _, c := range page["cases"].([]any) {
					held.WriteString(fmt.Sprint(c.(map[string]any)["subject"]) + "\n")
				}
				next, _ := page["next_before"].(float64)
				if next == 0 {
					break
				}
				before = int64(next)
			}
			missing := 0
			for _, what := range before {
				if !strings.Contains(held.String(), "note "+what+"\n") && !strings.Contains(held.String(), "mail "+what+"\n") {
					missing++
					t.Errorf("%s was acknowledged before the backup started and is not in the restored desk", what)
				}
			}
			t.Logf("%d writes acknowledged before the backup started (%d in all); %d missing from the restored desk", len(before), len(acks), missing)
		})
	}
}

// postNote adds an internal note over the API (from any goroutine).
func postNote(base, token, caseID, body string) error {
	b, _ := json.Marshal(map[string]any{"body": body, "internal": true})
	req, _ := http.NewRequest("POST", base+"/api/v1/cases/"+caseID+"/messages", bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		msg, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("note: %d %s", resp.StatusCode, msg)
	}
	return nil
}

// serve --backup-dir writes a backup on a schedule and keeps the newest --backup-keep of them;
// each restores and verifies (issue 19: "optionally on a schedule in serve with a retention count").
func TestServeBacksUpOnASchedule(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			from, into := backupPlaces(t, backend)
			dir := filepath.Join(t.TempDir(), "backups")
			if code, _, errOut := kept(t, "", append([]string{"serve", "--backup-dir", dir, "--backup-every", "soon"}, from...)...); code == 0 || !strings.Contains(errOut, "--backup-every") {
				t.Fatalf("a bad --backup-every: exit %d %s", code, errOut)
			}
			srv := startServer(t, append(slices.Clone(from), "--backup-dir", dir, "--backup-every", "1s", "--backup-keep", "2"))
			// Watched from the folder (the server's log is its own until it stops): four
			// different backups seen means the oldest were removed as new ones came.
			seen := map[string]bool{}
			for deadline := time.Now().Add(60 * time.Second); len(seen) < 4 && time.Now().Before(deadline); {
				now, _ := filepath.Glob(filepath.Join(dir, "kept-*.backup"))
				for _, f := range now {
					seen[f] = true
				}
				time.Sleep(100 * time.Millisecond)
			}
			srv.stop(t)
			files, _ := filepath.Glob(filepath.Join(dir, "*"))
			if len(seen) < 4 || len(files) != 2 || !strings.Contains(srv.stderr.String(), "removed an old backup") {
				t.Fatalf("%d backups seen, %d files kept (%v), want 4 or more seen and the newest 2 kept:\n%s", len(seen), len(files), files, srv.stderr)
			}
			code, out, errOut := kept(t, "", append(append([]string{"restore"}, into...), files[1])...)
			if code != 0 || !strings.Contains(out, "ok:") {
				t.Fatalf("kept restore %s: %d\n%s%s", files[1], code, out, errOut)
			}
		})
	}
}

// A scheduled backup that fails tells the admins, not only the log (a desk whose backups
// stopped learns it in the desk): here the backup folder is a file.
func TestServeTellsAdminsABackupFailed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		from, _ := backupPlaces(t, backend)
		token := adminToken(t, from)
		notDir := filepath.Join(t.TempDir(), "not-a-folder")
		if err := os.WriteFile(notDir, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		srv := startServer(t, append(slices.Clone(from), "--backup-dir", notDir, "--backup-every", "1s"))
		defer srv.stop(t)
		for deadline := time.Now().Add(30 * time.Second); ; {
			list := srv.call(t, token, "GET", "/api/v1/notifications", nil, 200)["list"]
			for _, n := range list.([]any) {
				if n := n.(map[string]any); n["kind"] == "backup_failed" && strings.Contains(fmt.Sprint(n["body"]), notDir) {
					return
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("no backup_failed notification for the admin: %v", list)
			}
			time.Sleep(200 * time.Millisecond)
		}
	})
}
