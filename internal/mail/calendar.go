package mail

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-ical"
)

// Calendar objects the desk sends: an appointment's invitation in a mail (iTIP over mail,
// RFC 5546 and RFC 6047) and an agent's feed of their promises and absences (RFC 5545). Times
// are always in UTC, never floating, so every client places them the same.

// Event is one calendar entry.
type Event struct {
	// UID names the entry for good: the same UID in a later object updates it.
	UID string
	// Sequence counts the entry's revisions: a client takes the object with the highest.
	Sequence   int
	Start, End time.Time
	Summary    string
	// Description and Location are the entry's words and place.
	Description, Location string
	Cancelled             bool
	// Organizer and Attendee are set in an invitation: the desk, and the customer invited.
	Organizer, Attendee Address
}

// Methods of an invitation (RFC 5546).
const (
	MethodRequest = "REQUEST" // a new appointment, or its new time
	MethodCancel  = "CANCEL"  // the appointment is called off
)

// Calendar is an iCalendar object a mail carries, with its iTIP method.
type Calendar struct {
	Method string
	Data   []byte
}

// prodID names the desk as the maker of its calendar objects.
const prodID = "-//Kept//Kept customer care desk//EN"

// Invitation is an iTIP object inviting the attendee to ev (MethodRequest) or calling it off
// (MethodCancel), stamped now.
func Invitation(method string, ev Event, now time.Time) (Calendar, error) {
	if method != MethodRequest && method != MethodCancel {
		return Calendar{}, fmt.Errorf("mail: calendar: unknown method %q", method)
	}
	cal := newCalendar()
	cal.Props.SetText(ical.PropMethod, method)
	e, err := event(ev, now)
	if err != nil {
		return Calendar{}, err
	}
	if method == MethodCancel {
		e.Props.SetText(ical.PropStatus, string(ical.EventCancelled))
	}
	cal.Children = append(cal.Children, e.Component)
	data, err := encodeCalendar(cal)
	return Calendar{Method: method, Data: data}, err
}

// Feed is a calendar to subscribe to (no method): name is what a client calls it.
func Feed(name string, events []Event, now time.Time) ([]byte, error) {
	cal := newCalendar()
	cal.Props.SetText("X-WR-CALNAME", name)
	for _, ev := range events {
		e, err := event(ev, now)
		if err != nil {
			return nil, err
		}
		cal.Children = append(cal.Children, e.Component)
	}
	if len(events) == 0 {
		// RFC 5545 wants a component in every calendar; an empty feed still parses as one.
		tz := ical.NewComponent(ical.CompTimezone)
		tz.Props.SetText(ical.PropTimezoneID, "UTC")
		std := ical.NewComponent(ical.CompTimezoneStandard)
		std.Props.SetDateTime(ical.PropDateTimeStart, time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC))
		for _, name := range []string{ical.PropTimezoneOffsetFrom, ical.PropTimezoneOffsetTo} {
			p := ical.NewProp(name)
			p.Value = "+0000"
			std.Props.Set(p)
		}
		tz.Children = append(tz.Children, std)
		cal.Children = append(cal.Children, tz)
	}
	return encodeCalendar(cal)
}

func newCalendar() *ical.Calendar {
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropProductID, prodID)
	cal.Props.SetText(ical.PropCalendarScale, "GREGORIAN")
	return cal
}

// event is ev as a VEVENT, stamped now.
func event(ev Event, now time.Time) (*ical.Event, error) {
	if ev.UID == "" || ev.Start.IsZero() {
		return nil, fmt.Errorf("mail: calendar: an event needs a UID and a start")
	}
	e := ical.NewEvent()
	e.Props.SetText(ical.PropUID, ev.UID)
	e.Props.SetDateTime(ical.PropDateTimeStamp, now.UTC())
	e.Props.SetDateTime(ical.PropDateTimeStart, ev.Start.UTC())
	if ev.End.After(ev.Start) { // without an end the entry is the moment it starts (RFC 5545 3.6.1)
		e.Props.SetDateTime(ical.PropDateTimeEnd, ev.End.UTC())
	}
	seq := ical.NewProp(ical.PropSequence)
	seq.Value = fmt.Sprint(ev.Sequence)
	e.Props.Set(seq)
	e.Props.SetText(ical.PropSummary, oneLine(ev.Summary))
	if ev.Description != "" {
		e.Props.SetText(ical.PropDescription, strings.ReplaceAll(ev.Description, "\r\n", "\n"))
	}
	if ev.Location != "" {
		e.Props.SetText(ical.PropLocation, oneLine(ev.Location))
	}
	status := ical.EventConfirmed
	if ev.Cancelled {
		status = ical.EventCancelled
	}
	e.Props.SetText(ical.PropStatus, string(status))
	e.Props.SetText(ical.PropTransparency, "OPAQUE")
	if ev.Organizer.Email != "" {
		e.Props.Set(person(ical.PropOrganizer, ev.Organizer))
	}
	if ev.Attendee.Email != "" {
		a := person(ical.PropAttendee, ev.Attendee)
		a.Params.Set(ical.ParamRole, "REQ-PARTICIPANT")
		a.Params.Set(ical.ParamParticipationStatus, "NEEDS-ACTION")
		// The desk does not read iTIP replies: a client should not send one to it.
		a.Params.Set(ical.ParamRSVP, "FALSE")
		e.Props.Set(a)
	}
	return e, nil
}

// person is an ORGANIZER or ATTENDEE property: a mailto: address and the common name.
func person(name string, a Address) *ical.Prop {
	p := ical.NewProp(name)
	p.SetValueType(ical.ValueCalendarAddress)
	p.Value = "mailto:" + a.Email
	if cn := strings.TrimSpace(strings.ReplaceAll(oneLine(a.Name), `"`, "'")); cn != "" {
		p.Params.Set(ical.ParamCommonName, cn)
	}
	return p
}

// oneLine makes s a single line of text (a summary, a place, a name).
func oneLine(s string) string {
	return strings.Join(strings.Fields(cleanLine(s)), " ")
}

// encodeCalendar writes cal with its long lines folded at 75 octets (RFC 5545 section 3.1),
// never inside a character.
func encodeCalendar(cal *ical.Calendar) ([]byte, error) {
	var buf bytes.Buffer
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		return nil, fmt.Errorf("mail: calendar: %w", err)
	}
	var out bytes.Buffer
	for _, line := range strings.SplitAfter(buf.String(), "\r\n") {
		body, nl := strings.CutSuffix(line, "\r\n")
		limit := 75
		for len(body) > limit {
			cut := limit
			for cut > 0 && !utf8.RuneStart(body[cut]) {
				cut--
			}
			out.WriteString(body[:cut] + "\r\n ")
			body = body[cut:]
			limit = 74 // the folding space counts
		}
		out.WriteString(body)
		if nl {
			out.WriteString("\r\n")
		}
	}
	return out.Bytes(), nil
}
