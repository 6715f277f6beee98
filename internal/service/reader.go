package service

import (
	"context"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

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
