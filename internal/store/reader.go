package store

import (
	"context"
	"fmt"

	"github.com/keptdesk/kept/internal/desk"
)

// Reader is how a customer reads what the desk writes to them: the language they chose in the
// portal and their time zone (an unknown language reads English; no zone, the owner's).
func (t *Tx) Reader(ctx context.Context, customerID int64) (desk.Reader, error) {
	var lang, zone string
	if err := t.tx.QueryRowContext(ctx, `SELECT lang, timezone FROM customers WHERE id = $1`, customerID).Scan(&lang, &zone); err != nil {
		return desk.Reader{}, fmt.Errorf("language and zone of customer %d: %w", customerID, notFound(err))
	}
	return desk.ReaderFor(lang, zone), nil
}

// SetCustomerTimezone stores the zone a customer reads times in ("" for the desk's).
func (t *Tx) SetCustomerTimezone(ctx context.Context, customerID int64, zone string) error {
	res, err := t.tx.ExecContext(ctx, `UPDATE customers SET timezone = $1 WHERE id = $2`, zone, customerID)
	if err != nil {
		return fmt.Errorf("set time zone of customer %d: %w", customerID, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("set time zone of customer %d: %w", customerID, ErrNotFound)
	}
	return nil
}
