package store

import (
	"context"
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
