// Package mail is the pure part of Kept's email channel: it reads inbound
// RFC 5322 messages into a Message (Parse), makes their HTML safe to show
// (SanitizeHTML), signs and recognises what the desk puts in outgoing mail so
// replies find their case (Keys, CaseRefInSubject, ThreadIndexRoot,
// IsForward), and renders outgoing mail (Compose). Nothing here touches a
// database or the network.
//
// Inbound mail is hostile input. Parse walks the MIME tree itself, so that the
// number of parts, their nesting and the size of all headers are bounded by
// Limits before any library sees a part; enmime then decodes each leaf part
// (transfer encoding and charset) and go-message supplies the charsets of
// encoded header words.
package mail

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"io"
	"mime"
	netmail "net/mail"
	"net/textproto"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	"github.com/jhillyerd/enmime/v2"
	"github.com/jhillyerd/enmime/v2/mediatype"
	"github.com/microcosm-cc/bluemonday"
)

// Limits bound the work one message may cause (published attacks: 1,100 MIME
// parts, a 1.1 MB header, 1,500 cid: references, an endless loop on a long
// filename extension). A zero or negative field means its default.
type Limits struct {
	MaxParts       int // MIME parts read, the message itself included
	MaxDepth       int // nesting of multipart parts below the message
	MaxHeaderBytes int // all headers of the message and its parts together
	MaxAttachments int // attachments and inline parts kept
	MaxFilename    int // bytes of an attachment's file name
}

// DefaultLimits returns the limits for ordinary desk mail: 200 parts, depth
// 10, 256 KiB of headers, 50 attachments, 255-byte filenames.
func DefaultLimits() Limits {
	return Limits{MaxParts: 200, MaxDepth: 10, MaxHeaderBytes: 256 << 10, MaxAttachments: 50, MaxFilename: 255}
}

// withDefaults fills unset fields, so Limits{} means DefaultLimits().
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxParts <= 0 {
		l.MaxParts = d.MaxParts
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = d.MaxHeaderBytes
	}
	if l.MaxAttachments <= 0 {
		l.MaxAttachments = d.MaxAttachments
	}
	if l.MaxFilename <= 0 {
		l.MaxFilename = d.MaxFilename
	}
	return l
}

// Address is a mailbox. Email is lower-cased.
type Address struct {
	Name, Email string
}

// Attachment is a non-body part of a message: a file, an inline image, a
// forwarded message. Data is exactly the decoded bytes sent (no charset
// conversion). ContentType is the declared media type, lower-cased and
// without parameters: never trust it to render Data in a browser.
type Attachment struct {
	Filename, ContentType, ContentID string
	Inline                           bool
	Size                             int
	SHA256                           string // hex
	Data                             []byte
}

// Message is an inbound mail as read by Parse. Strings are valid UTF-8.
type Message struct {
	MessageID   string
	InReplyTo   string
	References  []string // ids without <>, oldest first; at most 50: the root and the 49 nearest
	ThreadIndex string   // Outlook's Thread-Index header, raw
	Subject     string
	From        Address
	ReplyTo     []Address
	To, Cc      []Address
	Date        time.Time // zero when missing or unreadable
	Text        string    // the plain text body (from the text part, or derived from HTML when there is none)
	HTML        string    // the HTML body as sent (empty when none)
	SafeHTML    string    // HTML sanitised once at intake: safe to show in an agent's browser
	Attachments []Attachment
	Automatic   bool     // an auto-reply, bounce or list mail (RFC 3834: never answer it automatically)
	Problems    []string // what was wrong with the message: stored and flagged, never dropped
}

// Error is an error of this package; its values are constants.
type Error string

func (e Error) Error() string { return string(e) }

// ErrEmpty is returned by Parse for an empty (or all-whitespace) input.
const ErrEmpty Error = "mail: empty message"

const (
	maxProblems   = 50  // more would only repeat themselves
	maxReferences = 50  // the root and the nearest ancestors are what threading needs
	maxIDLen      = 250 // longer message ids are junk
	maxAddresses  = 100 // per address header
	maxBoundary   = 200 // bytes; RFC 2046 allows 70
)

// Parse reads a raw RFC 5322 message. It never fails on bad mail: what it
// cannot read it records in Problems and keeps what it can (at worst the raw
// text as Text). It returns an error only for an empty input. Work and memory
// are bounded by limits (zero fields take their defaults) whatever the
// input: parts beyond the limits are not read, which Problems says, so the
// caller should keep the raw message too.
func Parse(raw []byte, limits Limits) (m *Message, err error) {
	return parse(raw, limits, true)
}

// ParseHeader reads a message's header fields as Parse does (Message-ID, In-Reply-To,
// References, Subject, addresses, Date, Automatic) and leaves its body unread: for indexing
// many mails before their bodies are wanted. Text, HTML and Attachments stay empty.
func ParseHeader(raw []byte, limits Limits) (*Message, error) {
	return parse(raw, limits, false)
}

func parse(raw []byte, limits Limits, withBody bool) (m *Message, err error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, ErrEmpty
	}
	p := &parser{lim: limits.withDefaults(), m: &Message{}}
	p.headerBudget = p.lim.MaxHeaderBytes
	// A panic in a decoder must not lose the mail: keep it as text, flagged.
	defer func() {
		if r := recover(); r != nil {
			m = &Message{
				Text:     cleanText(string(raw)),
				Problems: []string{fmt.Sprintf("internal error while reading the message: %v", r)},
			}
			err = nil
		}
	}()
	p.parse(raw, withBody)
	return p.m, nil
}

// parser holds the state of one Parse call.
type parser struct {
	lim          Limits
	m            *Message
	parts        int // parts read so far
	headerBudget int // header bytes still allowed
	partsCut     bool
	attachCut    bool
	texts        []string
	htmls        []string
}

func (p *parser) problem(format string, args ...any) {
	if len(p.m.Problems) > maxProblems {
		return
	}
	s := truncate(cleanLine(fmt.Sprintf(format, args...)), 300)
	if slices.Contains(p.m.Problems, s) {
		return
	}
	if len(p.m.Problems) == maxProblems {
		s = "more problems were not recorded"
	}
	p.m.Problems = append(p.m.Problems, s)
}

func (p *parser) parse(raw []byte, withBody bool) {
	raw = skipMboxLine(raw)
	var h textproto.MIMEHeader
	var body []byte
	if looksLikeHeader(raw) {
		h, body = p.readHeader(raw, "message")
	} else {
		p.problem("the message has no header")
		body = raw
	}
	p.envelope(h)
	if !withBody {
		return
	}
	p.parts = 1
	p.walk(h, body, 0, "1", nil)
	p.assemble()
}

// skipMboxLine drops the "From sender date" line that mbox files and some
// delivery agents put before the header.
func skipMboxLine(raw []byte) []byte {
	if !bytes.HasPrefix(raw, []byte("From ")) {
		return raw
	}
	if i := bytes.IndexByte(raw, '\n'); i >= 0 {
		return raw[i+1:]
	}
	return raw
}

// looksLikeHeader reports whether b starts with a header field ("Name:"),
// telling a message from bare text.
func looksLikeHeader(b []byte) bool {
	for i, c := range b {
		switch {
		case c == ':':
			return i > 0
		case c <= ' ' || c > '~':
			return false
		}
		if i > 200 {
			return false
		}
	}
	return false
}

// readHeader splits b into its header and body, reads the header within the
// remaining header budget, and records what was wrong with it.
func (p *parser) readHeader(b []byte, what string) (textproto.MIMEHeader, []byte) {
	hdr, body, cut := cutHeader(b, p.headerBudget)
	p.headerBudget -= len(hdr)
	if cut {
		p.problem("headers exceed %d bytes: the rest of the %s header was skipped", p.lim.MaxHeaderBytes, what)
	}
	if len(hdr) == 0 {
		return textproto.MIMEHeader{}, body
	}
	h, err := enmime.ReadHeader(bufio.NewReader(bytes.NewReader(hdr)), sink{p, what})
	if err != nil {
		p.problem("%s header: %v", what, err)
	}
	if h == nil {
		h = textproto.MIMEHeader{}
	}
	return h, body
}

// sink records enmime's header complaints as problems.
type sink struct {
	p    *parser
	what string
}

func (s sink) AddError(name string, format string, args ...any) {
	s.p.problem("%s header: %s: %s", s.what, name, fmt.Sprintf(format, args...))
}

func (s sink) AddWarning(name string, format string, args ...any) {
	s.AddError(name, format, args...)
}

// cutHeader splits b at the blank line that ends its header. The header is
// returned with its line ends, at most max bytes of it (cut at a line end,
// cut reports that); the body follows the blank line.
func cutHeader(b []byte, max int) (hdr, body []byte, cut bool) {
	end, next := len(b), len(b) // no blank line: all header
	if len(b) > 0 && b[0] == '\n' {
		end, next = 0, 1
	} else if bytes.HasPrefix(b, []byte("\r\n")) {
		end, next = 0, 2
	} else {
		for i := 0; ; {
			j := bytes.IndexByte(b[i:], '\n')
			if j < 0 {
				break
			}
			i += j + 1
			if i < len(b) && b[i] == '\n' {
				end, next = i, i+1
				break
			}
			if i+1 < len(b) && b[i] == '\r' && b[i+1] == '\n' {
				end, next = i, i+2
				break
			}
		}
	}
	hdr, body = b[:end], b[next:]
	if len(hdr) > max {
		k := bytes.LastIndexByte(hdr[:max], '\n')
		hdr, cut = hdr[:k+1], true
	}
	return hdr, body, cut
}

// envelope reads the message's own header fields.
func (p *parser) envelope(h textproto.MIMEHeader) {
	m := p.m
	if ids := p.msgIDs(h.Get("Message-Id"), "Message-ID"); len(ids) > 0 {
		m.MessageID = ids[0]
	} else if len(h) > 0 {
		p.problem("no Message-ID")
	}
	if ids := p.msgIDs(h.Get("In-Reply-To"), "In-Reply-To"); len(ids) > 0 {
		m.InReplyTo = ids[0]
	}
	refs := p.msgIDs(strings.Join(h.Values("References"), " "), "References")
	if len(refs) > maxReferences {
		refs = append(refs[:1], refs[len(refs)-maxReferences+1:]...)
	}
	m.References = refs
	m.ThreadIndex = cleanLine(strings.TrimSpace(h.Get("Thread-Index")))

	subject := p.decodeWords(h.Get("Subject"), "Subject")
	if strings.ContainsAny(subject, "\r\n") {
		p.problem("the Subject contains line breaks")
	}
	m.Subject = cleanLine(strings.TrimSpace(subject))

	if from := p.addresses(h, "From"); len(from) > 0 {
		m.From = from[0]
	} else if len(h) > 0 {
		p.problem("no readable From address")
	}
	m.ReplyTo = p.addresses(h, "Reply-To")
	m.To = p.addresses(h, "To")
	m.Cc = p.addresses(h, "Cc")

	if d := strings.TrimSpace(h.Get("Date")); d != "" {
		t, err := netmail.ParseDate(d)
		if err != nil {
			p.problem("unreadable Date %q", truncate(d, 80))
		} else {
			m.Date = t
		}
	} else if len(h) > 0 {
		p.problem("no Date")
	}
	m.Automatic = automatic(h, m)
}

// msgIDs extracts message ids (without <>) from a Message-ID, In-Reply-To or
// References field. Ids with spaces, controls or non-ASCII are dropped:
// they could not be sent back in a reply's header.
func (p *parser) msgIDs(v, field string) []string {
	var ids []string
	seen := map[string]bool{}
	bad := 0
	take := func(id string) {
		id = strings.TrimSpace(id)
		switch {
		case id == "" || seen[id]:
		case validMsgID(id):
			seen[id] = true
			ids = append(ids, id)
		default:
			bad++
		}
	}
	if strings.Contains(v, "<") {
		for {
			i := strings.IndexByte(v, '<')
			if i < 0 {
				break
			}
			j := strings.IndexByte(v[i:], '>')
			if j < 0 {
				take(v[i+1:])
				break
			}
			take(v[i+1 : i+j])
			v = v[i+j+1:]
		}
	} else {
		// Some mailers leave out the angle brackets.
		for _, f := range strings.Fields(v) {
			take(f)
		}
	}
	if bad > 0 {
		p.problem("%s: %d malformed message id(s) ignored", field, bad)
	}
	return ids
}

// validMsgID reports whether id (without <>) can be written back into a
// header as <id>: printable ASCII without spaces or angle brackets.
func validMsgID(id string) bool {
	if id == "" || len(id) > maxIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c > '~' || c == '<' || c == '>' {
			return false
		}
	}
	return true
}

// addresses reads an address field, falling back to a plain scan for
// addresses when the field is not RFC 5322.
func (p *parser) addresses(h textproto.MIMEHeader, field string) []Address {
	v := strings.TrimSpace(strings.Join(h.Values(field), ", "))
	if v == "" {
		return nil
	}
	list, err := enmime.ParseAddressList(v)
	var out []Address
	if err == nil {
		for _, a := range list {
			if a == nil || !strings.Contains(a.Address, "@") {
				continue
			}
			out = append(out, Address{Name: cleanLine(strings.TrimSpace(a.Name)), Email: cleanEmail(a.Address)})
		}
	} else {
		out = p.scanAddresses(v)
		p.problem("%s: unreadable address list %q", field, truncate(v, 80))
	}
	if len(out) > maxAddresses {
		p.problem("%s: more than %d addresses, the rest were ignored", field, maxAddresses)
		out = out[:maxAddresses]
	}
	return out
}

// scanAddresses picks out whatever looks like an address in a field that
// the address parser refused.
func (p *parser) scanAddresses(v string) []Address {
	var out []Address
	for _, item := range strings.Split(v, ",") {
		name, email := "", ""
		if i := strings.LastIndexByte(item, '<'); i >= 0 {
			rest := item[i+1:]
			if j := strings.IndexByte(rest, '>'); j >= 0 {
				rest = rest[:j]
			}
			email = rest
			name = strings.Trim(strings.TrimSpace(item[:i]), `"' `)
		} else {
			for _, f := range strings.Fields(item) {
				if strings.Contains(f, "@") {
					email = strings.Trim(f, `"'()[];:`)
				}
			}
		}
		email = strings.TrimSpace(email)
		if !strings.Contains(email, "@") || strings.ContainsAny(email, " \t\"") {
			continue
		}
		out = append(out, Address{Name: cleanLine(p.decodeWords(name, "address")), Email: cleanEmail(email)})
	}
	return out
}

func cleanEmail(s string) string {
	return strings.ToLower(cleanLine(strings.TrimSpace(s)))
}

// decodeWords decodes RFC 2047 encoded words, in any charset go-message knows.
func (p *parser) decodeWords(s, field string) string {
	if !strings.Contains(s, "=?") {
		return s
	}
	d := mime.WordDecoder{CharsetReader: charset.Reader}
	out, err := d.DecodeHeader(s)
	if err != nil {
		p.problem("%s: undecodable encoded words: %v", field, err)
		return s
	}
	return out
}

// automatic reports whether a message was sent by a machine, which a desk
// must never answer automatically (RFC 3834), from its header.
func automatic(h textproto.MIMEHeader, m *Message) bool {
	field := func(k string) string { return strings.ToLower(strings.TrimSpace(h.Get(k))) }
	if v := field("Auto-Submitted"); v != "" && !strings.HasPrefix(v, "no") {
		return true
	}
	for _, k := range []string{"X-Autoreply", "X-Autorespond", "X-Autoresponder", "List-Id", "List-Unsubscribe", "List-Post"} {
		if field(k) != "" {
			return true
		}
	}
	for _, k := range []string{"Precedence", "X-Precedence"} {
		switch field(k) {
		case "bulk", "list", "junk", "auto_reply", "auto-reply":
			return true
		}
	}
	// A bounce has an empty envelope sender (RFC 5321 4.5.5).
	if rp, ok := h["Return-Path"]; ok && len(rp) > 0 {
		if v := strings.Trim(strings.TrimSpace(rp[0]), "<> "); v == "" {
			return true
		}
	}
	if ct, _, _, _ := mediatype.Parse(h.Get("Content-Type")); strings.EqualFold(ct, "multipart/report") {
		return true
	}
	local, _, _ := strings.Cut(m.From.Email, "@")
	switch local {
	case "mailer-daemon", "noreply", "no-reply", "donotreply", "do-not-reply":
		return true
	}
	for _, pre := range subjectPrefixes(m.Subject) {
		if isAutoReplyPrefix(pre) {
			return true
		}
	}
	return isOutOfOfficeSubject(m.Subject)
}

// walk reads one part: a multipart is split and its children walked, any
// other part is a leaf. alt is the state of the enclosing
// multipart/alternative, if any.
func (p *parser) walk(h textproto.MIMEHeader, body []byte, depth int, id string, alt *altState) {
	ctype, params := p.mediaType(h.Get("Content-Type"), id)
	if !strings.HasPrefix(ctype, "multipart/") {
		p.leaf(h, ctype, params, body, id, alt)
		return
	}
	if depth >= p.lim.MaxDepth {
		p.problem("MIME parts nested deeper than %d levels were not read", p.lim.MaxDepth)
		return
	}
	boundary := params["boundary"]
	if boundary == "" {
		boundary = guessBoundary(body)
		if boundary == "" {
			p.problem("part %s: %s without a boundary: read as text", id, ctype)
			p.leaf(h, "text/plain", nil, body, id, alt)
			return
		}
		p.problem("part %s: %s without a boundary: guessed %q", id, ctype, boundary)
	}
	if len(boundary) > maxBoundary {
		// RFC 2046 allows 70; a huge one would make the delimiter search slow.
		p.problem("part %s: boundary of %d bytes: read as text", id, len(boundary))
		p.leaf(h, "text/plain", nil, body, id, alt)
		return
	}
	children, closed, more := splitMultipart(body, boundary, p.lim.MaxParts-p.parts)
	if len(children) == 0 && !more {
		p.problem("part %s: no part delimited by its boundary %q: read as text", id, truncate(boundary, 70))
		p.leaf(h, "text/plain", nil, body, id, alt)
		return
	}
	if !closed && !more {
		p.problem("part %s: the multipart is not closed (a truncated message?)", id)
	}
	var sub *altState
	if ctype == "multipart/alternative" {
		sub = &altState{}
	}
	for i, c := range children {
		if p.parts >= p.lim.MaxParts {
			more = true
			break
		}
		p.parts++
		cid := fmt.Sprintf("%s.%d", id, i+1)
		var ch textproto.MIMEHeader
		var cbody []byte
		switch {
		case bytes.HasPrefix(c, []byte("\r\n")): // a part without header fields
			ch, cbody = textproto.MIMEHeader{}, c[2:]
		case bytes.HasPrefix(c, []byte("\n")):
			ch, cbody = textproto.MIMEHeader{}, c[1:]
		case looksLikeHeader(c):
			ch, cbody = p.readHeader(c, "part "+cid)
		default:
			p.problem("part %s has no header", cid)
			ch, cbody = textproto.MIMEHeader{}, c
		}
		if len(ch.Values("Content-Type")) == 0 && ctype == "multipart/digest" {
			ch.Set("Content-Type", "message/rfc822") // RFC 2046 5.1.5
		}
		p.walk(ch, cbody, depth+1, cid, sub)
	}
	if more && !p.partsCut {
		p.partsCut = true
		p.problem("the message has more than %d MIME parts: the rest were not read", p.lim.MaxParts)
	}
}

// altState remembers which bodies a multipart/alternative already gave.
type altState struct{ text, html bool }

// mediaType parses a Content-Type, defaulting to text/plain (RFC 2045 5.2).
func (p *parser) mediaType(v, id string) (string, map[string]string) {
	if strings.TrimSpace(v) == "" {
		return "text/plain", nil
	}
	mt, params, _, err := mediatype.Parse(v)
	if err != nil || mt == "" || !strings.Contains(mt, "/") {
		p.problem("part %s: unreadable Content-Type %q: read as text", id, truncate(v, 80))
		return "text/plain", nil
	}
	return strings.ToLower(mt), params
}

// guessBoundary finds the boundary of a multipart whose header lost it: the
// first line that looks like a delimiter.
func guessBoundary(body []byte) string {
	for len(body) > 0 {
		line := body
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			body = nil
		}
		line = bytes.TrimRight(line, " \t\r")
		if !bytes.HasPrefix(line, []byte("--")) || len(line) < 3 || len(line) > 72 {
			continue
		}
		b := string(line[2:])
		if strings.IndexFunc(b, func(r rune) bool { return r <= ' ' || r > '~' }) < 0 {
			return strings.TrimSuffix(b, "--")
		}
	}
	return ""
}

// splitMultipart returns the parts of a multipart body delimited by
// boundary (RFC 2046 5.1.1), at most max of them; closed reports the close
// delimiter was found and more that parts beyond max were left unread.
// The preamble and epilogue are ignored. The work is linear in len(body).
func splitMultipart(body []byte, boundary string, max int) (parts [][]byte, closed, more bool) {
	delim := []byte("--" + boundary)
	start := -1 // content start of the current part
	for pos := 0; ; {
		i := bytes.Index(body[pos:], delim)
		if i < 0 {
			break
		}
		at := pos + i
		pos = at + 1
		if at > 0 && body[at-1] != '\n' {
			continue
		}
		rest := body[at+len(delim):]
		isClose := bytes.HasPrefix(rest, []byte("--"))
		if isClose {
			rest = rest[2:]
		}
		// Only transport padding may follow on the line, or this is some
		// longer boundary that merely starts with ours.
		eol := bytes.IndexByte(rest, '\n')
		line := rest
		if eol >= 0 {
			line = rest[:eol]
		}
		if len(bytes.Trim(line, " \t\r")) != 0 {
			continue
		}
		if start >= 0 {
			end := at
			if end > start && body[end-1] == '\n' {
				end--
				if end > start && body[end-1] == '\r' {
					end--
				}
			}
			parts = append(parts, body[start:end])
		}
		if isClose {
			return parts, true, false
		}
		if len(parts) >= max {
			return parts, false, true
		}
		if eol < 0 {
			return parts, false, false
		}
		start = at + len(delim) + eol + 1
		pos = start
	}
	if start >= 0 {
		parts = append(parts, body[start:])
	}
	return parts, false, false
}

// leaf reads a part that is not multipart: a body text or an attachment.
func (p *parser) leaf(h textproto.MIMEHeader, ctype string, params map[string]string, body []byte, id string, alt *altState) {
	disp, dparams := "", map[string]string(nil)
	if v := strings.TrimSpace(h.Get("Content-Disposition")); v != "" {
		if d, dp, _, err := mediatype.Parse(v); err == nil {
			disp, dparams = strings.ToLower(d), dp
		}
	}
	filename := dparams["filename"]
	if filename == "" {
		filename = params["name"]
	}
	filename = p.decodeWords(filename, "file name")

	isText := ctype == "text/plain" || ctype == "text/html"
	if isText && disp != "attachment" && filename == "" {
		if alt != nil {
			// Alternatives repeat one content: take the first of each kind.
			seen := &alt.text
			if ctype == "text/html" {
				seen = &alt.html
			}
			if *seen {
				return
			}
			*seen = true
		}
		s := p.decodeText(h, ctype, params, body, id)
		if ctype == "text/html" {
			p.htmls = append(p.htmls, s)
		} else {
			p.texts = append(p.texts, s)
		}
		return
	}

	if len(p.m.Attachments) >= p.lim.MaxAttachments {
		if !p.attachCut {
			p.attachCut = true
			p.problem("the message has more than %d attachments: the rest were not kept", p.lim.MaxAttachments)
		}
		return
	}
	data := p.decode(h, "application/octet-stream", body, id)
	cid := strings.TrimSpace(h.Get("Content-Id"))
	cid = cleanLine(strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(cid, "<"), ">")))
	sum := sha256.Sum256(data)
	p.m.Attachments = append(p.m.Attachments, Attachment{
		Filename:    p.filename(filename, ctype, len(p.m.Attachments)+1),
		ContentType: ctype,
		ContentID:   truncate(cid, maxIDLen),
		Inline:      disp == "inline" || (disp == "" && cid != ""),
		Size:        len(data),
		SHA256:      hex.EncodeToString(sum[:]),
		Data:        data,
	})
}

// decodeText decodes a body text to UTF-8. Undeclared or US-ASCII text that
// is valid UTF-8 is taken as UTF-8, as mailers that send 8-bit text without
// saying so mostly mean; otherwise the declared charset (or, with none,
// enmime's detection) decides.
func (p *parser) decodeText(h textproto.MIMEHeader, ctype string, params map[string]string, body []byte, id string) string {
	declared := strings.ToLower(strings.Trim(params["charset"], `" `))
	if declared == "" || declared == "us-ascii" || declared == "ascii" {
		if part, err := p.readLeaf(h, ctype+"; charset=utf-8", body); err == nil && utf8.Valid(part.Content) {
			p.partProblems(part, id)
			return string(part.Content)
		}
	}
	ct := ctype
	if declared != "" {
		ct += "; charset=" + quoteParam(declared)
	}
	b := p.decode(h, ct, body, id)
	if !utf8.Valid(b) {
		p.problem("part %s: text is not valid in its charset %q", id, declared)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

func quoteParam(v string) string {
	if strings.IndexFunc(v, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r == ':' || unicode.IsLetter(r) || unicode.IsDigit(r))
	}) < 0 {
		return v
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}

// decode undoes a leaf's transfer encoding and, for text/*, converts ctype's
// charset to UTF-8, using enmime on a header made of ctype and the part's
// Content-Transfer-Encoding only: enmime never sees the part's other fields
// nor anything multipart.
func (p *parser) decode(h textproto.MIMEHeader, ctype string, body []byte, id string) []byte {
	part, err := p.readLeaf(h, ctype, body)
	if err != nil {
		p.problem("part %s: %v: kept undecoded", id, err)
		return body
	}
	p.partProblems(part, id)
	return part.Content
}

// partProblems records what enmime found wrong with a part.
func (p *parser) partProblems(part *enmime.Part, id string) {
	for _, e := range part.Errors {
		switch e.Name {
		case enmime.ErrorCharsetDeclaration, enmime.ErrorMissingContentType, enmime.ErrorPlainTextFromHTML:
			continue // notes, not faults of the message
		}
		p.problem("part %s: %s: %s", id, e.Name, truncate(e.Detail, 120))
	}
}

func (p *parser) readLeaf(h textproto.MIMEHeader, ctype string, body []byte) (*enmime.Part, error) {
	head := "Content-Type: " + ctype + "\r\n"
	if cte := cleanLine(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))); cte != "" {
		head += "Content-Transfer-Encoding: " + cte + "\r\n"
	}
	// The body is read where it lies, not copied behind the header: a part can be most of a
	// 30 MiB mail.
	b := io.MultiReader(strings.NewReader(head+"\r\n"), bytes.NewReader(body))
	dec := enmime.NewParser(
		enmime.DisableCharacterDetection(true), // a declared charset is believed
		enmime.DisableTextConversion(true),
		enmime.SetReadPartErrorPolicy(enmime.AllowCorruptTextPartErrorPolicy),
		enmime.MaxStoredPartErrors(10),
	)
	part, err := dec.ReadParts(b)
	if err != nil {
		return nil, fmt.Errorf("decoding: %w", err)
	}
	return part, nil
}

// filename makes a sent file name safe to store and offer for download: no
// directories or control characters, valid UTF-8, at most MaxFilename bytes
// (keeping a short extension), and never empty.
func (p *parser) filename(name, ctype string, n int) string {
	name = strings.ToValidUTF8(name, "\uFFFD")
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '/' || r == '\\' {
			return '/'
		}
		return r
	}, name)
	name = strings.Trim(path.Base("/"+name), " .")
	if name == "" || name == "/" {
		return fmt.Sprintf("attachment-%d%s", n, extensionFor(ctype))
	}
	if len(name) > p.lim.MaxFilename {
		p.problem("an attachment's file name is longer than %d bytes: shortened", p.lim.MaxFilename)
		ext := ""
		if i := strings.LastIndexByte(name, '.'); i > 0 && len(name)-i <= 16 {
			ext = name[i:]
		}
		name = truncateBytes(name, p.lim.MaxFilename-len(ext)) + ext
	}
	return name
}

// extensionFor names a file of a media type that came without a name.
func extensionFor(ctype string) string {
	switch ctype {
	case "message/rfc822", "message/global":
		return ".eml"
	case "text/plain", "message/delivery-status", "message/disposition-notification", "text/rfc822-headers":
		return ".txt"
	case "text/html":
		return ".html"
	case "text/calendar":
		return ".ics"
	case "image/png":
		return ".png"
	case "image/jpeg":
		return ".jpg"
	case "image/gif":
		return ".gif"
	case "application/pdf":
		return ".pdf"
	}
	return ".bin"
}

// assemble builds the bodies from the parts read and checks cid: references.
func (p *parser) assemble() {
	m := p.m
	m.Text = cleanText(strings.Join(p.texts, "\n"))
	m.HTML = cleanText(strings.Join(p.htmls, "\n"))
	if m.HTML != "" {
		m.SafeHTML = SanitizeHTML(m.HTML)
		p.checkCIDs(m.HTML)
		if strings.TrimSpace(m.Text) == "" {
			m.Text = htmlToText(m.SafeHTML)
		}
	}
}

// checkCIDs records cid: references that are too many or name no inline part.
func (p *parser) checkCIDs(doc string) {
	have := map[string]bool{}
	for _, a := range p.m.Attachments {
		if a.ContentID != "" {
			have[strings.ToLower(a.ContentID)] = true
		}
	}
	lower := asciiLower(doc)
	refs, missing := 0, 0
	for i := 0; ; {
		j := strings.Index(lower[i:], "cid:")
		if j < 0 {
			break
		}
		i += j + 4
		refs++
		end := strings.IndexAny(lower[i:], "\"' >)\t\r\n")
		if end < 0 {
			end = len(lower) - i
		}
		if !have[lower[i:i+end]] {
			missing++
		}
	}
	if refs > p.lim.MaxParts {
		p.problem("the HTML has %d cid: references, more than the %d parts a message may have", refs, p.lim.MaxParts)
	}
	if missing > 0 {
		p.problem("the HTML refers to %d inline part(s) that are not in the message", missing)
	}
}

// htmlToText renders sanitised HTML as plain text for the Text of HTML-only
// mail, through enmime's own down-conversion.
func htmlToText(safe string) string {
	root := enmime.NewPart("text/html")
	root.Header.Set("Content-Type", "text/html; charset=utf-8")
	root.Content = []byte(safe)
	env, err := enmime.EnvelopeFromPart(root)
	if err == nil && env.Text != "" {
		return cleanText(env.Text)
	}
	// Fall back to the bare text of the HTML.
	return cleanText(html.UnescapeString(bluemonday.StrictPolicy().Sanitize(safe)))
}

// cleanText makes a body storable: valid UTF-8 without NUL bytes (which
// PostgreSQL text refuses); everything else is kept exactly.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	}
	return s
}

// cleanLine is cleanText for one-line values: control characters (CR, LF
// among them) become spaces, so they cannot break a header or a log line.
func cleanLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// truncate shortens s to at most n bytes on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return truncateBytes(s, n) + "…"
}

// truncateBytes returns the longest prefix of s of at most n bytes that ends
// on a rune boundary.
func truncateBytes(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// asciiLower lower-cases A-Z only, keeping byte offsets.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
