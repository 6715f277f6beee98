//go:build !cgosqlite

package store

import (
	"database/sql/driver"

	"modernc.org/sqlite" // also registers "sqlite" for tests that open the file behind the store's back
)

// SQLiteDriver names the SQLite driver this build uses: modernc.org/sqlite, pure Go, so Kept
// builds without a C compiler. Build with -tags 'cgosqlite sqlite_fts5' for the C library.
const SQLiteDriver = "modernc.org/sqlite"

func newSQLiteDriver() driver.Driver { return &sqlite.Driver{} }

// sqliteTimeOption is the DSN's word on times (see sqliteDSN). _time_format=sqlite writes a
// time as "2006-01-02 15:04:05.999999999-07:00", the form mattn/go-sqlite3 writes, so either
// build reads the other's files and compares stored times the same way.
const sqliteTimeOption = "_time_format=sqlite"

// sqliteText is the statement text to give the driver: modernc binds $N to the Nth argument
// as written.
func sqliteText(q string) string { return q }
