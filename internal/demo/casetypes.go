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

// defineCannedReplies stores the prepared replies a team would have after a few months, in
// each of the desk's languages, with the variables the desk fills when one is sent; one is a
// sales offer, which the desk refuses on a case whose customer has a complaint open.
func defineCannedReplies(ctx context.Context, svc *service.Service, by desk.Actor) error {
	for _, c := range []struct {
		name, body string
		offer      bool
	}{
		{"Received: we are on it (en)", "Hello {{customer.first_name}},\n\nThank you for writing. Your case {{case.ref}} is with me now, and I will come back to you with what we find.\n\nKind regards,\n{{agent.name}}", false},
		{"Saime kätte: tegeleme sellega (et)", "Tere, {{customer.first_name}}!\n\nAitäh, et kirjutasite. Teie pöördumine {{case.ref}} on nüüd minu käes ja annan teada, mida leiame.\n\nParimate soovidega\n{{agent.name}}", false},
		{"Zaprimljeno: radimo na tome (hr)", "Poštovani {{customer.name}},\n\nhvala na poruci. Vaš predmet {{case.ref}} sada je kod mene i javit ću vam što smo utvrdili.\n\nLijep pozdrav,\n{{agent.name}}", false},
		{"Our promise, restated (en)", "Hello {{customer.first_name}},\n\nTo confirm what I promised: {{promise.words}} You will hear from us by {{promise.due}}.\n\n{{agent.name}}", false},
		{"Meie lubadus (et)", "Tere, {{customer.first_name}}!\n\nKinnitan, mida lubasin: {{promise.words}} Kuulete meist hiljemalt {{promise.due}}.\n\n{{agent.name}}", false},
		{"Naše obećanje (hr)", "Poštovani {{customer.name}},\n\npotvrđujem što sam obećao: {{promise.words}} Javit ćemo vam se do {{promise.due}}.\n\n{{agent.name}}", false},
		{"Offer: a year of free delivery (en)", "Hello {{customer.first_name}},\n\nAs a thank-you for staying with us: a year of free delivery on every order. Reply to this mail and I will turn it on.\n\n{{agent.name}}", true},
	} {
		if _, err := svc.CreateCannedReply(ctx, by, c.name, c.body, c.offer); err != nil {
			return fmt.Errorf("demo canned reply %q: %w", c.name, err)
		}
	}
	return nil
}
