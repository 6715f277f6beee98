package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/store/storetest"
)

// Issue 20, finding 6: a zero-byte kept.db started an empty desk without a word, a second
// process on the same folder was not refused, kept verify applied migrations to the database
// it checked (and made a desk where there was none), and an older binary ran on a newer
// schema. Each is refused now, with a message saying what to do.
func TestDataGuards(t *testing.T) {
	t.Run("empty file", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "kept.db"), nil, 0o640); err != nil {
			t.Fatal(err)
		}
		code, _, errOut := kept(t, "", "serve", "--http", "127.0.0.1:0", "--data", dir)
		if code == 0 || !strings.Contains(errOut, "empty (0 bytes), not a Kept database") {
			t.Fatalf("serve on an empty kept.db: exit %d\n%s", code, errOut)
		}
		code, _, errOut = kept(t, "", "serve", "--http", "127.0.0.1:0", "--data", writeFile(t, "kept.db", "Dear diary, …"))
		if code == 0 || !strings.Contains(errOut, "not a SQLite database") {
			t.Fatalf("serve on a text file: exit %d\n%s", code, errOut)
		}
	})
	t.Run("another program's database", func(t *testing.T) {
		dir := t.TempDir()
		db, err := sql.Open("sqlite", filepath.Join(dir, "kept.db"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT)`); err != nil {
			t.Fatal(err)
		}
		db.Close()
		code, _, errOut := kept(t, "", "migrate", "--data", dir)
		if code == 0 || !strings.Contains(errOut, "tables of another program") {
			t.Fatalf("migrate on another program's database: exit %d\n%s", code, errOut)
		}
	})
	t.Run("second server", func(t *testing.T) {
		dir := t.TempDir()
		first := startServer(t, []string{"--data", dir})
		code, _, errOut := kept(t, "", "serve", "--http", "127.0.0.1:0", "--data", dir)
		if code == 0 || !strings.Contains(errOut, "another kept serve is using") {
			t.Fatalf("a second serve on one folder: exit %d\n%s", code, errOut)
		}
		first.stop(t)
		second := startServer(t, []string{"--data", dir}) // the lock ends with the first
		second.stop(t)
	})
	t.Run("verify only reads", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "nothing-here")
		code, _, errOut := kept(t, "", "verify", "--data", dir)
		if code == 0 || !strings.Contains(errOut, "no desk here") {
			t.Fatalf("verify where there is no desk: exit %d\n%s", code, errOut)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Fatalf("verify made %s: %v", dir, err)
		}
	})
	storetest.Each(t, func(t *testing.T, backend string) {
		args := dbArgsOf(t, backend)
		if code, _, errOut := kept(t, "", append([]string{"migrate"}, args...)...); code != 0 {
			t.Fatalf("migrate: %d\n%s", code, errOut)
		}
		// A newer Kept applied a migration this binary does not know.
		db := rawDB(t, backend, args)
		if _, err := db.Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (99001, true)`); err != nil {
			t.Fatal(err)
		}
		for _, cmd := range []string{"migrate", "verify"} {
			code, _, errOut := kept(t, "", append([]string{cmd}, args...)...)
			if code == 0 || !strings.Contains(errOut, "newer Kept (it has migration 99001") {
				t.Fatalf("%s on a newer schema: exit %d\n%s", cmd, code, errOut)
			}
		}
	})
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o640); err != nil {
		t.Fatal(err)
	}
	return dir
}

// rawDB opens the database dbArgsOf named, around Kept.
func rawDB(t *testing.T, backend string, args []string) *sql.DB {
	t.Helper()
	var db *sql.DB
	var err error
	if backend == "sqlite" {
		db, err = sql.Open("sqlite", "file:"+filepath.Join(args[1], "kept.db")+"?_pragma=busy_timeout(10000)")
	} else {
		db, err = sql.Open("pgx", args[1])
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
