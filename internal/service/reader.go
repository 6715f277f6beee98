package service

import (
	"context"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// readByCustomer fills c.Reader with the customer's language and zone, so that what the desk's
// rules write to them (introductions, escalations, apologies, steps) is in their language with
// times in their zone. A case whose reader is known already (OpenCase sets it) costs no query.
func readByCustomer(ctx context.Context, tx *store.Tx, c *desk.Case) error {
	if c.Reader.Lang != "" {
		return nil
	}
	r, err := tx.Reader(ctx, c.CustomerID)
	if err != nil {
		return err
	}
	c.Reader = r
	return nil
}

// SetCustomerTimezone remembers the time zone a customer reads times in (an IANA name such as
// "Europe/Tallinn"; "" for the desk's): the portal shows them in it, and what the desk writes to
// the customer from then on names times in it. A customer sets their own; staff anyone's.
func (s *Service) SetCustomerTimezone(ctx context.Context, actor desk.Actor, customerID int64, zone string) error {
	if !desk.CanSeeCustomer(actor, customerID) || (actor.Kind != desk.ActorCustomer && !desk.IsStaff(actor)) {
		return desk.NotFound("customer", customerID)
	}
	zone = strings.TrimSpace(zone)
	if zone != "" {
		if _, err := time.LoadLocation(zone); err != nil || zone == "Local" {
			return desk.Invalid("timezone", "unknown time zone %q (use a name such as Europe/Tallinn)", zone)
		}
	}
	return wrap("set customer time zone", s.write(ctx, actor, func(w *work) error {
		tx := w.tx
		return notFoundAs(tx.SetCustomerTimezone(ctx, customerID, zone), "customer", customerID)
	}))
}
