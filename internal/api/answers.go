package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// jsonAppender is an answer that writes its own JSON, byte for byte what encoding/json would
// write for it (with HTML left unescaped, as writeJSON encodes). The busiest pages' answers do
// (a case's record, a page of cases): encoding/json's reflection was a tenth of their CPU.
type jsonAppender interface {
	appendJSON(b []byte) ([]byte, error)
}

// recordAnswer is a case's record as GET /cases/{id}/record answers it. encoding/json spent a
// third of the case page's encoding in reflection and in compacting each entry's data again;
// a record of 100 entries is written here directly (TestRecordJSON compares the two).
type recordAnswer []desk.Entry

func (r recordAnswer) appendJSON(b []byte) ([]byte, error) {
	if r == nil {
		return append(b, "null"...), nil
	}
	// Room for the whole answer at once: growing it by doubling copied it three times over.
	size := 2
	for _, e := range r {
		size += 320 + len(e.Kind) + len(e.Actor.Name) + len(e.Channel) + len(e.Body) + len(e.Data) + len(e.PrevHash) + len(e.Hash)
	}
	b = slices.Grow(b, size+size/8)
	b = append(b, '[')
	for i, e := range r {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendEntryJSON(b, e); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

// appendEntryJSON writes one entry of a record answer; the service keeps what it writes for a
// case's record (service.RecordPage), so it must depend on the entry alone.
func appendEntryJSON(b []byte, e desk.Entry) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, e.ID, 10)
	b = append(b, `,"case_id":`...)
	b = strconv.AppendInt(b, e.CaseID, 10)
	b = append(b, `,"seq":`...)
	b = strconv.AppendInt(b, e.Seq, 10)
	b = append(b, `,"kind":`...)
	b = appendJSONString(b, string(e.Kind))
	b = append(b, `,"at":`...)
	var err error
	if b, err = appendJSONTime(b, e.At); err != nil {
		return b, err
	}
	b = append(b, `,"actor":{"kind":`...)
	b = appendJSONString(b, string(e.Actor.Kind))
	if e.Actor.ID != 0 {
		b = append(b, `,"id":`...)
		b = strconv.AppendInt(b, e.Actor.ID, 10)
	}
	b = append(b, `,"name":`...)
	b = appendJSONString(b, e.Actor.Name)
	if e.Actor.Role != "" {
		b = append(b, `,"role":`...)
		b = appendJSONString(b, string(e.Actor.Role))
	}
	b = append(b, `},"internal":`...)
	b = strconv.AppendBool(b, e.Internal)
	if e.Channel != "" {
		b = append(b, `,"channel":`...)
		b = appendJSONString(b, e.Channel)
	}
	b = append(b, `,"body":`...)
	b = appendJSONString(b, e.Body)
	if len(e.Data) > 0 {
		b = append(b, `,"data":`...)
		if b, err = appendCompactJSON(b, e.Data); err != nil {
			return b, err
		}
	}
	b = append(b, `,"prev_hash":`...)
	b = appendJSONString(b, e.PrevHash)
	b = append(b, `,"hash":`...)
	b = appendJSONString(b, e.Hash)
	return append(b, '}'), nil
}

// appendJSONTime writes a time as time.Time's MarshalJSON does.
func appendJSONTime(b []byte, t time.Time) ([]byte, error) {
	if y := t.Year(); y < 0 || y > 9999 {
		return b, errors.New("time outside years 0-9999")
	}
	b = append(b, '"')
	if t.Location() != time.UTC {
		b = t.AppendFormat(b, time.RFC3339Nano)
		return append(b, '"'), nil
	}
	// What the store reads is in UTC: written by hand, as AppendFormat would.
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	b = appendDigits(b, year, 4)
	b = append(b, '-')
	b = appendDigits(b, int(month), 2)
	b = append(b, '-')
	b = appendDigits(b, day, 2)
	b = append(b, 'T')
	b = appendDigits(b, hour, 2)
	b = append(b, ':')
	b = appendDigits(b, minute, 2)
	b = append(b, ':')
	b = appendDigits(b, sec, 2)
	if ns := t.Nanosecond(); ns != 0 {
		digits := 9
		for ns%10 == 0 {
			ns /= 10
			digits--
		}
		b = append(b, '.')
		b = appendDigits(b, ns, digits)
	}
	return append(b, 'Z', '"'), nil
}

// appendDigits writes n in decimal with at least width digits.
func appendDigits(b []byte, n, width int) []byte {
	var buf [20]byte
	i := len(buf)
	for n > 0 || width > 0 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
		width--
	}
	return append(b, buf[i:]...)
}

// appendCompactJSON writes raw JSON without insignificant space, as encoding/json writes a
// json.RawMessage (and refuses one that is not JSON).
func appendCompactJSON(b []byte, raw []byte) ([]byte, error) {
	if json.Valid(raw) && isCompact(raw) {
		return append(b, raw...), nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return b, err
	}
	return append(b, buf.Bytes()...), nil
}

// isCompact reports whether valid JSON has no space outside its strings (what the desk stores:
// json.Marshal's output).
func isCompact(raw []byte) bool {
	inString, escaped := false, false
	for _, c := range raw {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case !inString && (c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			return false
		}
	}
	return true
}

// appendJSONString writes a string as encoding/json does with HTML left unescaped: quotes,
// backslashes and control characters escaped, invalid UTF-8 as U+FFFD, and U+2028 and U+2029
// escaped.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendJSON writes a page of cases (the inbox's answer) as encoding/json would.
func (l caseList) appendJSON(b []byte) ([]byte, error) {
	size := 32
	for _, c := range l.Cases {
		size += 160 + len(c.Subject) + 16*len(c.Flags)
	}
	b = slices.Grow(b, size+size/8)
	b = append(b, `{"cases":`...)
	b = appendJSONList(b, l.Cases, func(b []byte, c service.CaseSummary) []byte {
		b = append(b, `{"id":`...)
		b = strconv.AppendInt(b, c.ID, 10)
		b = append(b, `,"ref":`...)
		b = appendJSONString(b, c.Ref)
		b = append(b, `,"subject":`...)
		b = appendJSONString(b, c.Subject)
		b = append(b, `,"status":`...)
		b = appendJSONString(b, string(c.Status))
		b = append(b, `,"owner_id":`...)
		b = strconv.AppendInt(b, c.OwnerID, 10)
		b = append(b, `,"rung":`...)
		b = strconv.AppendInt(b, int64(c.Rung), 10)
		b = append(b, `,"flags":`...)
		b = appendJSONList(b, c.Flags, appendJSONString)
		b = append(b, `,"updated_at":`...)
		b = appendJSONString(b, c.UpdatedAt)
		return append(b, '}')
	})
	if l.NextBefore != 0 {
		b = append(b, `,"next_before":`...)
		b = strconv.AppendInt(b, l.NextBefore, 10)
	}
	return append(b, '}'), nil
}

// appendJSONList writes a list as encoding/json would (nil is null), each item by each.
func appendJSONList[T any](b []byte, list []T, each func([]byte, T) []byte) []byte {
	if list == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, v := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = each(b, v)
	}
	return append(b, ']')
}
