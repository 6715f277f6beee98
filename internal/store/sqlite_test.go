package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// openSQLiteTest opens a fresh SQLite store (this build's driver), unmigrated.
func openSQLiteTest(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestSQLiteNumberedParams binds $N to the Nth argument wherever $N stands in the text (mattn
// numbers "$N" parameters by first appearance unless told otherwise), leaves a "$1" inside a
// string literal alone, and does so both unprepared and through the prepared-statement cache.
func TestSQLiteNumberedParams(t *testing.T) {
	s := openSQLiteTest(t)
	ctx := context.Background()
	const q = `SELECT $2 || '-$1-' || $1 || '-' || $2`
	read := func() string {
		var got string
		err := s.Read(ctx, func(tx *Tx) error {
			return tx.tx.QueryRowContext(ctx, q, "first", "second").Scan(&got)
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	const want = "second-$1-first-second"
	if got := read(); got != want {
		t.Errorf("unprepared: %q, want %q", got, want)
	}
	for deadline := time.Now().Add(5 * time.Second); s.readerStmts.get(q) == nil; {
		if time.Now().After(deadline) {
			t.Fatal("statement never prepared")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := read(); got != want {
		t.Errorf("prepared: %q, want %q", got, want)
	}
}

// TestSQLiteTimes stores a time as the same text under either driver, so databases move
// between builds and stored times compare as text, and reads it back to the nanosecond.
func TestSQLiteTimes(t *testing.T) {
	s := openSQLiteTest(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 23, 9, 30, 0, 123456789, time.UTC)
	var text string
	var back time.Time
	err := s.Write(ctx, func(tx *Tx) error {
		if _, err := tx.tx.ExecContext(ctx, `CREATE TEMP TABLE times (at TIMESTAMP NOT NULL)`); err != nil {
			return err
		}
		if _, err := tx.tx.ExecContext(ctx, `INSERT INTO times (at) VALUES ($1)`, at); err != nil {
			return err
		}
		return tx.tx.QueryRowContext(ctx, `SELECT CAST(at AS TEXT), at FROM times`).Scan(&text, &back)
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "2026-11-23 09:30:00.123456789+00:00"; text != want {
		t.Errorf("stored as %q, want %q", text, want)
	}
	if !back.Equal(at) || back.UTC() != at {
		t.Errorf("read back %v, want %v", back, at)
	}
}

// TestSQLitePragmas: the connector sets each pool's pragmas under either driver, and 16 reads
// run at once (a cheap read does not wait for a connection behind 15 slow ones).
func TestSQLitePragmas(t *testing.T) {
	s := openSQLiteTest(t)
	ctx := context.Background()
	pragmas := func(tx *Tx, names ...string) map[string]string {
		got := map[string]string{}
		for _, n := range names {
			var v string
			if err := tx.tx.QueryRowContext(ctx, "PRAGMA "+n).Scan(&v); err != nil {
				t.Fatalf("pragma %s: %v", n, err)
			}
			got[n] = v
		}
		return got
	}
	checkWriter := func(when string) {
		err := s.Write(ctx, func(tx *Tx) error {
			got := pragmas(tx, "journal_mode", "synchronous", "foreign_keys", "busy_timeout", "temp_store", "cache_size", "query_only", "wal_autocheckpoint")
			want := map[string]string{"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1", "busy_timeout": "10000", "temp_store": "2", "cache_size": "-2000", "query_only": "0", "wal_autocheckpoint": "0"}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("writer %s: %v, want %v", when, got, want)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	checkWriter("when opened")
	// A bulk load changes the writer's settings for its duration and must put them all back.
	bulk, err := s.Bulk(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := bulk.Close(ctx); err != nil {
		t.Fatal(err)
	}
	checkWriter("after a bulk load")
	const n = 16
	var started sync.WaitGroup
	started.Add(n)
	release := make(chan struct{})
	errs := make(chan error, n)
	for range n {
		go func() {
			errs <- s.Read(ctx, func(tx *Tx) error {
				got := pragmas(tx, "synchronous", "foreign_keys", "busy_timeout", "cache_size", "query_only")
				want := map[string]string{"synchronous": "2", "foreign_keys": "1", "busy_timeout": "10000", "cache_size": "-1024", "query_only": "1"}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("reader: %v, want %v", got, want)
				}
				started.Done()
				<-release
				return nil
			})
		}()
	}
	done := make(chan struct{})
	go func() { started.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Error("16 reads did not all get a connection at once")
	}
	close(release)
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// walIndex reads, from the WAL's index (the -shm file, laid out as in SQLite's wal.c), how
// many pages the WAL holds and how many of them a checkpoint has copied into the database.
func walIndex(t *testing.T, dir string) (frames, backfilled uint32) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, dbFile+"-shm"))
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 100 {
		t.Fatalf("wal index of %d bytes", len(b))
	}
	// The header (48 bytes, twice) holds mxFrame at 16; the checkpoint's nBackfill follows it.
	return binary.NativeEndian.Uint32(b[16:]), binary.NativeEndian.Uint32(b[96:])
}

// TestSQLiteCheckpointer: the writer's commits leave the WAL to the checkpointer, which copies
// it into the database on its own connection; a restarting checkpoint starts the WAL over; and
// a closed store leaves the database alone in its folder, with every row written.
func TestSQLiteCheckpointer(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := Open(ctx, Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if s != nil {
			s.Close()
		}
	}()
	write := func(commits, rows int) {
		t.Helper()
		for range commits {
			err := s.Write(ctx, func(tx *Tx) error {
				_, err := tx.tx.ExecContext(ctx, `INSERT INTO blobs (b) SELECT zeroblob(3000) FROM generate_rows LIMIT $1`, rows)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	err = s.Write(ctx, func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, `CREATE TABLE blobs (b BLOB NOT NULL);
			CREATE TABLE generate_rows (n INTEGER);
			WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 1000)
			INSERT INTO generate_rows SELECT n FROM r`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// 1,500 pages in 15 commits: a writer with auto-checkpoint would have checkpointed.
	write(15, 100)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		frames, backfilled := walIndex(t, dir)
		if frames >= 1500 && backfilled == frames {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("WAL of %d pages, %d checkpointed", frames, backfilled)
		}
	}
	// A restarting checkpoint (the checkpointer's answer to a WAL that outgrew its limit)
	// starts the WAL over: the next commit writes at its start.
	if err := s.checkpoints.checkpoint(ctx, 1); err != nil {
		t.Fatal(err)
	}
	write(1, 1)
	if frames, _ := walIndex(t, dir); frames >= 1500 {
		t.Errorf("after a restart the WAL holds %d pages", frames)
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = nil
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if fmt.Sprint(names) != "["+dbFile+"]" {
		t.Errorf("closed store left %v, want only %s", names, dbFile)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, dbFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM blobs`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1501 {
		t.Errorf("%d rows after close, want 1501", n)
	}
}

// TestSQLiteExecRows writes rows set-wise both ways execRows takes on SQLite: bound VALUES
// (rowsOf) in chunks, with an unset optional value stored as NULL and a bool as 1; and, for a
// statement that reads them with jsonRows, the JSON parameter. 101 rows: 64 + 32 + 4 + 1.
func TestSQLiteExecRows(t *testing.T) {
	s := openSQLiteTest(t)
	ctx := context.Background()
	type row struct {
		Note *string `json:"note"`
		ID   int64   `json:"id"` // out of the columns' order: the JSON key names the column
		Flag bool    `json:"flag"`
	}
	var rows []row
	for i := range 101 {
		r := row{ID: int64(i + 1), Flag: i%2 == 0}
		if i%3 == 0 {
			note := fmt.Sprintf("note %d", i+1)
			r.Note = &note
		}
		rows = append(rows, r)
	}
	for _, from := range []string{sqliteDialect.rowsOf("id BIGINT", "note TEXT", "flag BOOLEAN"), sqliteDialect.jsonRows(1, "id BIGINT", "note TEXT", "flag BOOLEAN")} {
		var got []string
		err := s.Write(ctx, func(tx *Tx) error {
			if _, err := tx.tx.ExecContext(ctx, `CREATE TEMP TABLE rows_test (id INTEGER PRIMARY KEY, note TEXT, flag INTEGER)`); err != nil {
				return err
			}
			if err := tx.execRows(ctx, "rows test", `INSERT INTO rows_test (id, note, flag) SELECT j.id, j.note, j.flag FROM `+from, rows); err != nil {
				return err
			}
			res, err := tx.tx.QueryContext(ctx, `SELECT id || ':' || COALESCE(note, 'NULL') || ':' || flag FROM rows_test ORDER BY id`)
			if err != nil {
				return err
			}
			defer res.Close()
			for res.Next() {
				var v string
				if err := res.Scan(&v); err != nil {
					return err
				}
				got = append(got, v)
			}
			if _, err := tx.tx.ExecContext(ctx, `DROP TABLE rows_test`); err != nil {
				return err
			}
			return res.Err()
		})
		if err != nil {
			t.Fatalf("%.40s: %v", from, err)
		}
		if len(got) != 101 || got[0] != "1:note 1:1" || got[1] != "2:NULL:0" || got[100] != "101:NULL:1" {
			t.Fatalf("%.40s: %d rows, %q %q … %q", from, len(got), got[0], got[1], got[len(got)-1])
		}
	}
}
