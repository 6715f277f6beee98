//go:build cgosqlite

package store

import (
	"database/sql"
	"database/sql/driver"

	"github.com/mattn/go-sqlite3"
)

// SQLiteDriver names the SQLite driver this build uses: mattn/go-sqlite3, SQLite's C library
// through cgo (build tags cgosqlite and sqlite_fts5; needs a C compiler).
const SQLiteDriver = "github.com/mattn/go-sqlite3"

// The name "sqlite" is modernc's: registering it here too lets tests and tools that open the
// file behind the store's back (sql.Open("sqlite", …)) run unchanged under either build.
func init() { sql.Register("sqlite", &sqlite3.SQLiteDriver{}) }

func newSQLiteDriver() driver.Driver { return &sqlite3.SQLiteDriver{} }

// sqliteDSN names the database file and what only the DSN can set. mattn writes a time as
// "2006-01-02 15:04:05.999999999-07:00" (as modernc does with _time_format=sqlite) and, with
// _loc=UTC, reads it back in UTC.
func sqliteDSN(path string, immediate bool) string {
	dsn := "file:" + path + "?_loc=UTC"
	if immediate {
		dsn += "&_txlock=immediate"
	}
	return dsn
}
