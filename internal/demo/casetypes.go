package demo

import (
	"context"
	"fmt"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// defineCaseTypes gives each topic a case type with a process explained to the customer, so
// every demo case shows where it stands and what comes next.
func defineCaseTypes(ctx context.Context, svc *service.Service) error {
	types := []desk.NewCaseType{
		{Name: billing.caseType(), Team: billing.team(), Steps: []desk.Step{
			{Name: "Review", Explanation: "We compare your invoice with your contract and payments; this usually takes one working day."},
			{Name: "Correction", Explanation: "We issue a corrected invoice and send it to you."},
			{Name: "Refund", Explanation: "Any amount paid twice goes back to your account within five working days."},
		}},
		{Name: repair.caseType(), Team: repair.team(), Steps: []desk.Step{
			{Name: "Diagnosis", Explanation: "We test your device remotely; most tests take one day."},
			{Name: "Hardware repair", Explanation: "The device is repaired or parts are replaced.", Partner: "FixIt Service OÜ, contracted by us"},
			{Name: "Return shipping", Explanation: "We send the device back to you with a tracking number."},
		}},
		{Name: delivery.caseType(), Team: delivery.team(), Steps: []desk.Step{
			{Name: "Tracing", Explanation: "We ask the courier where your parcel is; they answer within one working day."},
			{Name: "Re-delivery", Explanation: "We send the parcel again or arrange a new delivery time with you."},
		}},
		{Name: cancellation.caseType(), Team: cancellation.team(), Steps: []desk.Step{
			{Name: "Confirmation", Explanation: "We confirm the cancellation date with you."},
			{Name: "Final invoice", Explanation: "We send the last invoice, counted to the cancellation date."},
		}},
	}
	for _, t := range types {
		if _, err := svc.CreateCaseType(ctx, desk.SystemActor(), t); err != nil {
			return fmt.Errorf("demo case type %s: %w", t.Name, err)
		}
	}
	return nil
}
