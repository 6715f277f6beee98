//go:build cgosqlite

package store

import (
	"database/sql"
	"database/sql/driver"
	"strings"

	"github.com/mattn/go-sqlite3"
)

// SQLiteDriver names the SQLite driver this build uses: mattn/go-sqlite3, SQLite's C library
// through cgo (build tags cgosqlite and sqlite_fts5; needs a C compiler).
const SQLiteDriver = "github.com/mattn/go-sqlite3"

// The name "sqlite" is modernc's: registering it here too lets tests and tools that open the
// file behind the store's back (sql.Open("sqlite", …)) run unchanged under either build.
func init() { sql.Register("sqlite", &sqlite3.SQLiteDriver{}) }

func newSQLiteDriver() driver.Driver { return &sqlite3.SQLiteDriver{} }

// sqliteTimeOption is the DSN's word on times (see sqliteDSN). mattn writes a time as
// "2006-01-02 15:04:05.999999999-07:00" (as modernc does with _time_format=sqlite) and, with
// _loc=UTC, reads it back in UTC.
const sqliteTimeOption = "_loc=UTC"

// sqliteText is the statement text to give the driver. SQLite reads "$2" as a parameter named
// "$2", numbered in order of first appearance, and mattn binds the Nth argument to the Nth
// number: "… $2 … $1" would swap its arguments. "?2" is parameter number 2 in SQLite, so each
// $N outside a quoted string becomes ?N.
func sqliteText(q string) string {
	if !strings.Contains(q, "$") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q))
	var quote byte // the quote character of the literal or identifier we are in, or 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '$' && i+1 < len(q) && q[i+1] >= '0' && q[i+1] <= '9':
			c = '?'
		}
		b.WriteByte(c)
	}
	return b.String()
}
