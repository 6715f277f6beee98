// Package storetest gives tests a fresh, migrated database on each backend: SQLite in a temp
// folder, and PostgreSQL in a new schema of the test server. PostgreSQL tests skip when no
// server answers, except in CI (CI=true), where they fail instead.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/store"
)

// DefaultPostgres is the test server CI provides; KEPT_TEST_PG overrides it.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Backends are the database kinds every store and API test runs on.
var Backends = []string{"sqlite", "postgres"}

// Config returns the configuration of a fresh, empty database of the backend, removed after the test.
func Config(t testing.TB, backend string) store.Config {
	t.Helper()
	if backend == "sqlite" {
		return store.Config{DataDir: dataDir(t)}
	}
	return store.Config{URL: postgresSchema(t)}
}

// dataDir is a folder for a SQLite database, removed after the test. Unlike t.TempDir, its
// removal tries again for a moment: once in a CI run under load, RemoveAll met a file that
// appeared while it emptied the folder after the store had closed (the test itself passed), and
// t.TempDir fails the test for that.
func dataDir(t testing.TB) string {
	dir, err := os.MkdirTemp("", "kept-store-")
	if err != nil {
		t.Fatalf("data folder: %v", err)
	}
	t.Cleanup(func() {
		for try := 0; ; try++ {
			err := os.RemoveAll(dir)
			if err == nil {
				return
			}
			if try == 20 {
				t.Errorf("remove the data folder: %v", err)
				return
			}
			t.Logf("remove the data folder, again: %v", err)
			time.Sleep(50 * time.Millisecond)
		}
	})
	return dir
}

// Open returns a fresh, migrated store of the backend, closed after the test.
func Open(t testing.TB, backend string) *store.Store {
	t.Helper()
	st := Unmigrated(t, backend)
	if err := st.Migrate(context.Background(), slog.New(slog.DiscardHandler)); err != nil {
		t.Fatalf("migrate %s: %v", backend, err)
	}
	return st
}

// Unmigrated returns a fresh store of the backend with no migration applied, closed after the
// test: for tests of the migrations themselves.
func Unmigrated(t testing.TB, backend string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), Config(t, backend))
	if err != nil {
		t.Fatalf("open %s: %v", backend, err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// PostgresURL is the test server's URL.
func PostgresURL() string {
	if u := os.Getenv("KEPT_TEST_PG"); u != "" {
		return u
	}
	return DefaultPostgres
}

// postgresSchema creates a schema of its own for the test and returns a URL whose
// connections use it, so tests run side by side on one server.
func postgresSchema(t testing.TB) string {
	t.Helper()
	base := PostgresURL()
	db, err := sql.Open("pgx", base)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = db.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required in CI but does not answer at %s: %v", base, err)
		}
		t.Skipf("PostgreSQL does not answer at %s (set KEPT_TEST_PG): %v", base, err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "kept_test_" + hex.EncodeToString(b)
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := db.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
		db.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", base, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Each runs fn as a subtest on every backend.
func Each(t *testing.T, fn func(t *testing.T, backend string)) {
	for _, b := range Backends {
		t.Run(b, func(t *testing.T) { fn(t, b) })
	}
}

// Read runs one query in a read transaction and returns its answer, failing the test on error.
func Read[T any](t testing.TB, st *store.Store, query func(ctx context.Context, tx *store.Tx) (T, error)) T {
	t.Helper()
	var out T
	ctx := context.Background()
	err := st.Read(ctx, func(tx *store.Tx) error {
		var err error
		out, err = query(ctx, tx)
		return err
	})
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return out
}

// Raw opens the store's database without the store, for what a test does behind its back
// (as an older release or an upgrade left a desk); closed after the test.
func Raw(t testing.TB, st *store.Store) *sql.DB {
	t.Helper()
	driver, dsn := "pgx", st.URL()
	if dsn == "" {
		driver, dsn = "sqlite", "file:"+filepath.Join(st.DataDir(), "kept.db")
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Unchecked runs statements on PostgreSQL in one session whose foreign keys are not checked
// (session_replication_role replica), for tests that fill a table with rows of no real case or
// customer: a planner's choice at thousands of rows is what they look at, not the rows.
func Unchecked(t testing.TB, st *store.Store, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	conn, err := Raw(t, st).Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range append([]string{`SET session_replication_role = replica`}, stmts...) {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}
