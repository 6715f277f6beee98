package mail

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	netmail "net/mail"
	"strings"
	"time"
	"unicode/utf8"

	gomail "github.com/emersion/go-message/mail"
)

// Outgoing is a mail the desk sends.
type Outgoing struct {
	From, To Address
	// Cc are copied openly (a Cc header). A blind copy is never in the message: its address is
	// an envelope recipient only (see the outbox's Also).
	Cc            []Address
	ReplyTo       string // an address, bare or "Name <address>"; empty for none
	Subject, Text string
	MessageID     string   // without <>; required (Keys.MessageID)
	InReplyTo     string   // without <>; empty for none
	References    []string // without <>
	Automatic     bool     // sets Auto-Submitted: auto-generated (RFC 3834) for reminders, introductions, etc.
	// Replied marks an automatic mail that answers a mail (Auto-Submitted: auto-replied), such
	// as the acknowledgement a new mail's case sends.
	Replied bool
	Date    time.Time
	// Calendar, if set, goes with the text as its alternative (text/calendar with the method,
	// which mail clients offer to put in the calendar) and as an invite.ics attachment for
	// clients that do not.
	Calendar *Calendar
	// Files go with the text as attachments (multipart/mixed), each base64 encoded.
	Files []Attachment
}

// Compose renders an Outgoing as a raw RFC 5322 message: quoted-printable
// UTF-8 text, RFC 2047 encoded names and subject, Message-ID/In-Reply-To/
// References with <>, Date, MIME-Version, and Auto-Submitted when Automatic.
//
// Header injection (CR/LF in any field) is impossible: line breaks and other
// control characters in names and the subject become spaces; an address or
// message id that is not one (line breaks, spaces, <>) is an error.
func Compose(o Outgoing) ([]byte, error) {
	from, err := outAddress(o.From, "From")
	if err != nil {
		return nil, err
	}
	to, err := outAddress(o.To, "To")
	if err != nil {
		return nil, err
	}
	if o.Date.IsZero() {
		return nil, fmt.Errorf("mail: compose: no Date")
	}
	if !validMsgID(o.MessageID) {
		return nil, fmt.Errorf("mail: compose: invalid Message-ID %q", o.MessageID)
	}
	if o.InReplyTo != "" && !validMsgID(o.InReplyTo) {
		return nil, fmt.Errorf("mail: compose: invalid In-Reply-To %q", o.InReplyTo)
	}
	for _, r := range o.References {
		if !validMsgID(r) {
			return nil, fmt.Errorf("mail: compose: invalid References id %q", r)
		}
	}

	// go-message writes the fields in the reverse order of setting them.
	var h gomail.Header
	if o.Calendar == nil && len(o.Files) == 0 {
		h.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
		h.Set("Content-Transfer-Encoding", "quoted-printable")
	}
	h.Set("MIME-Version", "1.0")
	if o.Automatic {
		h.Set("X-Auto-Response-Suppress", "All") // keeps Exchange from answering with an out-of-office
		if o.Replied {
			h.Set("Auto-Submitted", "auto-replied")
		} else {
			h.Set("Auto-Submitted", "auto-generated")
		}
	}
	if len(o.References) > 0 {
		h.SetMsgIDList("References", o.References)
	}
	if o.InReplyTo != "" {
		h.SetMsgIDList("In-Reply-To", []string{o.InReplyTo})
	}
	h.SetMessageID(o.MessageID)
	h.Set("Subject", encodeWords(cleanLine(o.Subject)))
	if strings.TrimSpace(o.ReplyTo) != "" {
		a, err := netmail.ParseAddress(o.ReplyTo)
		if err != nil || !validEmail(a.Address) {
			return nil, fmt.Errorf("mail: compose: invalid Reply-To %q: %w", o.ReplyTo, errOr(err))
		}
		a.Name = cleanLine(a.Name)
		h.SetAddressList("Reply-To", []*gomail.Address{a})
	}
	if len(o.Cc) > 0 {
		cc := make([]*gomail.Address, len(o.Cc))
		for i, a := range o.Cc {
			if cc[i], err = outAddress(a, "Cc"); err != nil {
				return nil, err
			}
		}
		h.SetAddressList("Cc", cc)
	}
	h.SetAddressList("To", []*gomail.Address{to})
	h.SetAddressList("From", []*gomail.Address{from})
	h.SetDate(o.Date)

	var buf bytes.Buffer
	body := cleanText(strings.ReplaceAll(o.Text, "\r\n", "\n"))
	if o.Calendar == nil && len(o.Files) > 0 {
		if err := composeWithFiles(&buf, h, body, o.Files); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	if o.Calendar != nil {
		if err := composeWithCalendar(&buf, h, body, *o.Calendar, o.Files); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	w, err := gomail.CreateSingleInlineWriter(&buf, h)
	if err != nil {
		return nil, fmt.Errorf("mail: compose: header: %w", err)
	}
	if _, err := w.Write([]byte(body)); err != nil {
		return nil, fmt.Errorf("mail: compose: body: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("mail: compose: body: %w", err)
	}
	return buf.Bytes(), nil
}

// composeWithCalendar writes a mail carrying an invitation as invitations go (RFC 6047): the
// text and the calendar object as alternatives of one another, and the object again as an
// attachment, inside a multipart/mixed.
func composeWithCalendar(buf *bytes.Buffer, h gomail.Header, body string, cal Calendar, files []Attachment) error {
	mw, err := gomail.CreateWriter(buf, h)
	if err != nil {
		return fmt.Errorf("mail: compose: header: %w", err)
	}
	alt, err := mw.CreateInline()
	if err != nil {
		return fmt.Errorf("mail: compose: parts: %w", err)
	}
	var th gomail.InlineHeader
	th.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
	if err := writePart(alt.CreatePart(th))([]byte(body)); err != nil {
		return err
	}
	var ch gomail.InlineHeader
	ch.SetContentType("text/calendar", map[string]string{"charset": "utf-8", "method": cal.Method})
	ch.Set("Content-Transfer-Encoding", "base64") // keeps the object's CRLF lines exactly
	if err := writePart(alt.CreatePart(ch))(cal.Data); err != nil {
		return err
	}
	if err := alt.Close(); err != nil {
		return fmt.Errorf("mail: compose: parts: %w", err)
	}
	var ah gomail.AttachmentHeader
	ah.SetContentType("application/ics", map[string]string{"name": "invite.ics"})
	ah.SetFilename("invite.ics")
	if err := writePart(mw.CreateAttachment(ah))(cal.Data); err != nil {
		return err
	}
	return closeWithFiles(mw, files)
}

// composeWithFiles writes a mail with attachments: the text, then each file, inside a
// multipart/mixed.
func composeWithFiles(buf *bytes.Buffer, h gomail.Header, body string, files []Attachment) error {
	mw, err := gomail.CreateWriter(buf, h)
	if err != nil {
		return fmt.Errorf("mail: compose: header: %w", err)
	}
	var th gomail.InlineHeader
	th.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
	th.Set("Content-Transfer-Encoding", "quoted-printable")
	if err := writePart(mw.CreateSingleInline(th))([]byte(body)); err != nil {
		return err
	}
	return closeWithFiles(mw, files)
}

// closeWithFiles ends a multipart/mixed: the files as attachments after the parts before them.
func closeWithFiles(mw *gomail.Writer, files []Attachment) error {
	if err := writeFiles(mw, files); err != nil {
		return err
	}
	if err := mw.Close(); err != nil {
		return fmt.Errorf("mail: compose: parts: %w", err)
	}
	return nil
}

// writeFiles adds files as attachments; their names are cleaned of line breaks (encoded
// when not ASCII) and their types fall back to application/octet-stream.
func writeFiles(mw *gomail.Writer, files []Attachment) error {
	for _, f := range files {
		ctype, _, err := mime.ParseMediaType(f.ContentType)
		if err != nil || ctype == "" {
			ctype = "application/octet-stream"
		}
		name := cleanLine(f.Filename)
		var ah gomail.AttachmentHeader
		ah.SetContentType(ctype, map[string]string{"name": name})
		ah.SetFilename(name)
		ah.Set("Content-Transfer-Encoding", "base64")
		if err := writePart(mw.CreateAttachment(ah))(f.Data); err != nil {
			return err
		}
	}
	return nil
}

// writePart writes a part's body once the part is made.
func writePart(w io.WriteCloser, err error) func([]byte) error {
	return func(b []byte) error {
		if err != nil {
			return fmt.Errorf("mail: compose: part: %w", err)
		}
		if _, err := w.Write(b); err != nil {
			return fmt.Errorf("mail: compose: part: %w", err)
		}
		if err := w.Close(); err != nil {
			return fmt.Errorf("mail: compose: part: %w", err)
		}
		return nil
	}
}

// outAddress checks an address for a header; the name may be anything (it is
// encoded), the address must be a plain addr-spec.
func outAddress(a Address, field string) (*gomail.Address, error) {
	if !validEmail(a.Email) {
		return nil, fmt.Errorf("mail: compose: invalid %s address %q", field, a.Email)
	}
	return &gomail.Address{Name: strings.TrimSpace(cleanLine(a.Name)), Address: a.Email}, nil
}

// validEmail reports whether s is a bare addr-spec that net/mail reads back
// unchanged, which rules out line breaks, spaces, names and lists.
func validEmail(s string) bool {
	if s == "" || len(s) > 254 || strings.ContainsAny(s, " \t\r\n<>,;\"") {
		return false
	}
	a, err := netmail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s
}

// encodeWords encodes a header text as RFC 2047 Q words of at most ~60
// characters, which go-message can fold at the spaces between them (one
// long word could only go on one long line). Every piece is encoded, as
// the space between two encoded words is not part of the text. Text that
// looks like an encoded word is encoded too, so that it reads back as typed.
func encodeWords(s string) string {
	plain := !strings.Contains(s, "=?")
	for i := 0; i < len(s) && plain; i++ {
		plain = s[i] >= ' ' && s[i] <= '~'
	}
	if plain {
		return s
	}
	var b strings.Builder
	size := 0
	b.WriteString("=?utf-8?q?")
	for _, r := range s {
		var enc [utf8.UTFMax]byte
		n := utf8.EncodeRune(enc[:], r)
		if size+3*n > 45 { // a rune is never split across words
			b.WriteString("?= =?utf-8?q?")
			size = 0
		}
		for _, c := range enc[:n] {
			switch {
			case c == ' ':
				b.WriteByte('_')
				size++
			case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '!', c == '*', c == '+', c == '/':
				b.WriteByte(c)
				size++
			default:
				fmt.Fprintf(&b, "=%02X", c)
				size += 3
			}
		}
	}
	b.WriteString("?=")
	return b.String()
}

// errOr gives a reason for an error that may have come from a check rather
// than from a parser.
func errOr(err error) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("not a plain address")
}
