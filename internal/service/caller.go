package service

import (
	"context"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// OpenCaseForCaller opens a case for someone who called or walked in, in one unit of work: the
// customer reachable at the email or phone given, or a new customer made of what was given,
// and then the case, by the one path every new case takes (openCase). in.CustomerID is set
// here. It answers the case and whether the customer was new.
func (s *Service) OpenCaseForCaller(ctx context.Context, actor desk.Actor, who desk.NewCustomer, in desk.NewCase) (CaseView, bool, error) {
	if err := gate(actor, ActCaseOpen); err != nil {
		return CaseView{}, false, err
	}
	if err := gate(actor, ActCustomerCreate); err != nil {
		return CaseView{}, false, err
	}
	cust, err := desk.ValidateCustomer(who, s.now())
	if err != nil {
		return CaseView{}, false, err
	}
	in.CustomerID = 1 // checked with the rest; the customer is found or made below
	if in, err = desk.ValidateNewCase(in); err != nil {
		return CaseView{}, false, err
	}
	var id int64
	created := false
	err = s.write(ctx, actor, func(w *work) error {
		known := int64(0)
		for _, p := range cust.Contacts {
			if found, err := w.tx.CustomerByContact(ctx, p); err == nil {
				known = found
				break
			} else if !store.IsNotFound(err) {
				return err
			}
		}
		if known == 0 {
			if err := w.tx.InsertCustomer(ctx, &cust); err != nil {
				return err
			}
			known, created = cust.ID, true
		}
		c, err := w.customer(known)
		if err != nil {
			return err
		}
		in.CustomerID = c.ID
		opened, _, err := s.openCase(w, in, c)
		if opened != nil {
			id = opened.ID
		}
		return err
	})
	if err != nil {
		return CaseView{}, false, wrap("open case for a caller", err)
	}
	v, err := s.Case(ctx, actor, id)
	return v, created, err
}
