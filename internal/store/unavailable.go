package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// Unavailable reports whether err says the database could not be reached, did not answer in
// time, or cannot take writes for now (its disk full): a client should try again later, and
// nothing the client sent was wrong.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) || pgconn.Timeout(err) {
		return true
	}
	var ne net.Error
	var ce *pgconn.ConnectError
	if errors.As(err, &ne) || errors.As(err, &ce) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "08"), // connection exceptions
			strings.HasPrefix(pe.Code, "53"),                           // insufficient resources: disk full, out of memory, too many connections
			pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03", // shutting down, cannot connect now
			pe.Code == "57014", pe.Code == "25006": // cancelled; a read-only transaction (a standby)
			return true
		}
		return false
	}
	// SQLite's drivers say these in words (their codes differ by driver).
	msg := err.Error()
	for _, s := range []string{"database or disk is full", "disk I/O error", "database is locked", "attempt to write a readonly database"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
