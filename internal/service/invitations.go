package service

import (
	"fmt"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/store"
)

// Appointments as calendar invitations (PRODUCT.md story 1; RFC 5545, 5546 and 6047): the mail
// of an appointment promise carries it as text/calendar; method=REQUEST, with a UID that stays
// the promise's for good; a slip sends it again with the new time and a higher SEQUENCE (the
// promise's slips), so the customer's calendar moves the entry rather than adding one; a break,
// the only way an appointment is called off today, sends CANCEL. Times are in UTC.

// promiseUID names a promise's calendar entry.
func (s *Service) promiseUID(p desk.Promise) string {
	return fmt.Sprintf("promise-%d@%s", p.ID, s.mailDomain())
}

// invitation is the calendar object a case's mail carries for the appointment its entries
// made, moved or broke (nil for none): the last such entry's, which is what the mail tells.
func (s *Service) invitation(w *work, c desk.Case, to noticeFor, entries []desk.Entry) (*mail.Calendar, error) {
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		var id int64
		method := mail.MethodRequest
		switch e.Kind {
		case desk.KindPromiseMade:
			d, _ := desk.DataOf[desk.PromiseMadeData](e)
			id = d.PromiseID
		case desk.KindPromiseSlipped:
			d, _ := desk.DataOf[desk.PromiseSlippedData](e)
			id = d.PromiseID
		case desk.KindPromiseBroken:
			d, _ := desk.DataOf[desk.PromiseBrokenData](e)
			id, method = d.PromiseID, mail.MethodCancel
		default:
			continue
		}
		p, err := w.promise(id)
		if store.IsNotFound(err) {
			continue
		} else if err != nil {
			return nil, err
		}
		if p.Kind != desk.PromiseAppointment {
			continue
		}
		ev := s.appointmentEvent(*p, c, to.r)
		ev.Organizer, ev.Attendee = mail.Address{Name: to.r.MailSender(), Email: s.mailCfg.Address}, to.to
		if method == mail.MethodCancel {
			ev.Sequence, ev.Cancelled = p.Slips+1, true // a revision after the last time it was moved
		}
		cal, err := mail.Invitation(method, ev, w.now)
		if err != nil {
			return nil, fmt.Errorf("invitation for promise %d: %w", p.ID, err)
		}
		return &cal, nil
	}
	return nil, nil
}

// appointmentEvent is an appointment promise as a calendar entry, read by r: its revision is
// its slips.
func (s *Service) appointmentEvent(p desk.Promise, c desk.Case, r desk.Reader) mail.Event {
	return mail.Event{UID: s.promiseUID(p), Sequence: p.Slips, Start: p.DueAt, End: p.DueAt.Add(appointmentLength),
		Summary: r.CalendarSummary(c), Description: p.Words, Location: p.Place}
}
