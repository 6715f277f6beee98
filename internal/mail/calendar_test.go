package mail

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	gomail "github.com/emersion/go-message/mail"
)

var calNow = time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)

func appointment() Event {
	return Event{UID: "promise-7@desk.test", Sequence: 1, Start: time.Date(2026, 12, 7, 7, 30, 0, 0, time.UTC),
		End: time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC), Summary: "Kohtumine teie juhtumi K-1001 asjus",
		Description: "Tehnik tuleb teie juurde esmaspäeval kell 9.30; palun olge kodus, et ta saaks ruuterit vaadata ja vajadusel selle välja vahetada.",
		Location:    "Pärnu mnt 22, Tallinn", Organizer: Address{Name: "Klienditeenindus", Email: "care@desk.test"},
		Attendee: Address{Name: "Mari \"Kask\"", Email: "mari@example.ee"}}
}

// readCalendar decodes an iCalendar object with the library, as a client would.
func readCalendar(t *testing.T, data []byte) *ical.Calendar {
	t.Helper()
	cal, err := ical.NewDecoder(bytes.NewReader(data)).Decode()
	if err != nil {
		t.Fatalf("decode calendar: %v\n%s", err, data)
	}
	return cal
}

// TestInvitationRoundTrip: an invitation parses back with everything a client needs: the
// method, one event with its UID, SEQUENCE, times in UTC (never floating), the words and place,
// the organizer and the attendee; lines are folded at 75 octets without splitting a letter.
func TestInvitationRoundTrip(t *testing.T) {
	c, err := Invitation(MethodRequest, appointment(), calNow)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSuffix(string(c.Data), "\r\n"), "\r\n") {
		if len(line) > 75 {
			t.Errorf("a line of %d octets: %q", len(line), line)
		}
		if !strings.HasSuffix(line, "\r") && strings.Contains(line, "\n") {
			t.Errorf("a bare LF in %q", line)
		}
	}
	cal := readCalendar(t, c.Data)
	if m, _ := cal.Props.Text(ical.PropMethod); m != "REQUEST" {
		t.Errorf("METHOD %q", m)
	}
	events := cal.Events()
	if len(events) != 1 {
		t.Fatalf("%d events", len(events))
	}
	e := events[0]
	want := appointment()
	if uid, _ := e.Props.Text(ical.PropUID); uid != want.UID {
		t.Errorf("UID %q", uid)
	}
	if seq, _ := e.Props.Get(ical.PropSequence).Int(); seq != 1 {
		t.Errorf("SEQUENCE %d", seq)
	}
	for _, name := range []string{ical.PropDateTimeStart, ical.PropDateTimeEnd, ical.PropDateTimeStamp} {
		p := e.Props.Get(name)
		if p == nil || !strings.HasSuffix(p.Value, "Z") || p.Params.Get(ical.PropTimezoneID) != "" {
			t.Errorf("%s is not a UTC time: %+v", name, p)
		}
	}
	if start, err := e.DateTimeStart(nil); err != nil || !start.Equal(want.Start) {
		t.Errorf("DTSTART %v %v", start, err)
	}
	if end, err := e.DateTimeEnd(nil); err != nil || !end.Equal(want.End) {
		t.Errorf("DTEND %v %v", end, err)
	}
	for name, value := range map[string]string{ical.PropSummary: want.Summary, ical.PropDescription: want.Description, ical.PropLocation: want.Location} {
		if got, _ := e.Props.Text(name); got != value {
			t.Errorf("%s %q, want %q", name, got, value)
		}
	}
	if st, _ := e.Status(); st != ical.EventConfirmed {
		t.Errorf("STATUS %q", st)
	}
	org, att := e.Props.Get(ical.PropOrganizer), e.Props.Get(ical.PropAttendee)
	if org == nil || org.Value != "mailto:care@desk.test" || org.Params.Get(ical.ParamCommonName) != "Klienditeenindus" {
		t.Errorf("ORGANIZER %+v", org)
	}
	if att == nil || att.Value != "mailto:mari@example.ee" || att.Params.Get(ical.ParamRSVP) != "FALSE" || att.Params.Get(ical.ParamCommonName) != "Mari 'Kask'" {
		t.Errorf("ATTENDEE %+v", att)
	}

	// Called off: the same UID, cancelled.
	cancel, err := Invitation(MethodCancel, Event{UID: want.UID, Sequence: 2, Start: want.Start, End: want.End, Summary: want.Summary}, calNow)
	if err != nil {
		t.Fatal(err)
	}
	cc := readCalendar(t, cancel.Data)
	if m, _ := cc.Props.Text(ical.PropMethod); m != "CANCEL" {
		t.Errorf("METHOD %q", m)
	}
	if st, _ := cc.Events()[0].Status(); st != ical.EventCancelled {
		t.Errorf("a cancel's STATUS %q", st)
	}
	if _, err := Invitation("PUBLISH", want, calNow); err == nil {
		t.Error("an unknown method was written")
	}
}

// TestComposeInvitation: a mail with an invitation is multipart/mixed, its text and a
// text/calendar; method=REQUEST part as alternatives, and the object again as invite.ics; the
// calendar part's bytes are the object's exactly, and our own parser still reads the text.
func TestComposeInvitation(t *testing.T) {
	c, err := Invitation(MethodRequest, appointment(), calNow)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := Compose(Outgoing{From: Address{Name: "Klienditeenindus", Email: "care@desk.test"}, To: Address{Email: "mari@example.ee"},
		Subject: "Re: Ruuter [K-1001]", Text: "Meie lubadus teile kirjalikult:\n\nTehnik tuleb.", MessageID: "m1@desk.test", Date: calNow,
		Calendar: &c})
	if err != nil {
		t.Fatal(err)
	}
	r, err := gomail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if ct, _, _ := r.Header.ContentType(); ct != "multipart/mixed" {
		t.Errorf("Content-Type %s", ct)
	}
	var calendars, attachments [][]byte
	var text string
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p.Body)
		switch h := p.Header.(type) {
		case *gomail.InlineHeader:
			ct, params, _ := h.ContentType()
			switch ct {
			case "text/plain":
				text = string(b)
			case "text/calendar":
				if params["method"] != "REQUEST" {
					t.Errorf("text/calendar method %q", params["method"])
				}
				calendars = append(calendars, b)
			}
		case *gomail.AttachmentHeader:
			name, _ := h.Filename()
			if name == "invite.ics" {
				attachments = append(attachments, b)
			}
		}
	}
	if len(calendars) != 1 || !bytes.Equal(calendars[0], c.Data) || len(attachments) != 1 || !bytes.Equal(attachments[0], c.Data) {
		t.Fatalf("calendar parts %d, attachments %d", len(calendars), len(attachments))
	}
	if !strings.Contains(text, "Tehnik tuleb.") {
		t.Errorf("text %q", text)
	}
	msg, err := Parse(raw, DefaultLimits())
	if err != nil || !strings.Contains(msg.Text, "Meie lubadus teile kirjalikult") || len(msg.Problems) > 0 {
		t.Errorf("our parser reads %q, problems %v, err %v", msg.Text, msg.Problems, err)
	}
}

// TestFeed: an agent's feed parses, names itself, and holds each entry; an empty one parses too.
func TestFeed(t *testing.T) {
	data, err := Feed("Kept: Ann", []Event{appointment(), {UID: "absence-3@desk.test", Start: calNow, End: calNow.Add(48 * time.Hour), Summary: "Leave"}}, calNow)
	if err != nil {
		t.Fatal(err)
	}
	cal := readCalendar(t, data)
	if name, _ := cal.Props.Text("X-WR-CALNAME"); name != "Kept: Ann" || cal.Props.Get(ical.PropMethod) != nil {
		t.Errorf("feed name %q, method %+v", name, cal.Props.Get(ical.PropMethod))
	}
	if n := len(cal.Events()); n != 2 {
		t.Errorf("%d events", n)
	}
	empty, err := Feed("Kept: Ann", nil, calNow)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(readCalendar(t, empty).Events()); n != 0 {
		t.Errorf("%d events in an empty feed", n)
	}
}

// TestAutoReplied: an automatic answer to a mail says so (RFC 3834), other automatic mail is
// auto-generated.
func TestAutoReplied(t *testing.T) {
	for replied, want := range map[bool]string{true: "Auto-Submitted: auto-replied", false: "Auto-Submitted: auto-generated"} {
		raw, err := Compose(Outgoing{From: Address{Email: "care@desk.test"}, To: Address{Email: "mari@example.ee"}, Subject: "s", Text: "t",
			MessageID: "m@desk.test", Date: calNow, Automatic: true, Replied: replied})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(raw), want+"\r\n") {
			t.Errorf("replied=%v: no %q in\n%s", replied, want, raw)
		}
	}
}
