package desk

import (
	"mime"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/keptdesk/kept/internal/text"
)

// KindDocumentAdded is the record entry saying a document came with a case.
const KindDocumentAdded EntryKind = "document_added"

// Document is a file a customer gave (a death certificate, a receipt). It belongs to the
// customer, not to the case it came with, so every department's cases show it (story 10).
type Document struct {
	ID          int64     `json:"id"`
	CustomerID  int64     `json:"customer_id"`
	CaseID      int64     `json:"case_id,omitempty"`  // the case it came with; 0 if none
	CallSeq     int64     `json:"call_seq,omitempty"` // a call recording's call entry on CaseID; 0 for other documents
	Kind        string    `json:"kind"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	By          Actor     `json:"by"`
	CreatedAt   time.Time `json:"created_at"`
}

// Limits on a document.
const (
	MaxDocumentSize  = 25 << 20
	maxKindRunes     = 100
	maxFilenameRunes = 200
)

// CleanKind is a document kind as stored: trimmed, inner whitespace collapsed to one space.
func CleanKind(kind string) string {
	return strings.Join(strings.Fields(strings.ToValidUTF8(kind, "\uFFFD")), " ")
}

// CleanFilename makes a filename given by a browser or a mail client safe to store and to
// offer back: no folders, no control or invisible formatting characters (a right-to-left
// override makes "invoice\u202Efdp.exe" look like "invoiceexe.pdf"), NFC (macOS sends
// decomposed names), and at most 200 characters, keeping the extension. It may return "".
func CleanFilename(name string) string {
	name = strings.ToValidUTF8(name, "\uFFFD")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == ' ' || unicode.Is(unicode.Zs, r):
			return ' '
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r):
			return -1
		}
		return r
	}, norm.NFC.String(name))
	// Windows drops trailing dots and spaces; "." and ".." name folders, not files.
	name = strings.TrimRight(strings.TrimSpace(name), ". ")
	if utf8.RuneCountInString(name) <= maxFilenameRunes {
		return name
	}
	ext := ""
	if i := strings.LastIndexByte(name, '.'); i > 0 && utf8.RuneCountInString(name[i:]) <= 16 {
		ext = name[i:]
	}
	rs := []rune(strings.TrimSuffix(name, ext))
	return strings.TrimSpace(string(rs[:maxFilenameRunes-utf8.RuneCountInString(ext)])) + ext
}

// ValidateDocument checks a document's kind, filename and size, each as CleanKind and
// CleanFilename leave them.
func ValidateDocument(kind, filename string, size int64) error {
	kind = CleanKind(kind)
	switch {
	case kind == "":
		return Invalid("kind", "a kind such as \"death certificate\" or \"receipt\" is required")
	case utf8.RuneCountInString(kind) > maxKindRunes:
		return Invalid("kind", "may have at most %d characters", maxKindRunes)
	case len(text.Words(kind)) == 0:
		return Invalid("kind", "%q has no letters or digits", kind)
	}
	if strings.TrimSpace(filename) == "" {
		return Invalid("filename", "is required")
	}
	if CleanFilename(filename) == "" {
		return Invalid("filename", "%q is not a file name", filename)
	}
	switch {
	case size <= 0:
		return Invalid("content", "the file is empty")
	case size > MaxDocumentSize:
		return Invalid("content", "the file is %d bytes; at most %d (25 MiB) are accepted", size, MaxDocumentSize)
	}
	return nil
}

// CleanContentType is a declared content type as stored: the lower-case media type, with a
// charset kept for text. Anything unreadable is application/octet-stream.
func CleanContentType(ct string) string {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || !strings.Contains(mt, "/") {
		return "application/octet-stream"
	}
	if cs := params["charset"]; cs != "" && strings.HasPrefix(mt, "text/") {
		if out := mime.FormatMediaType(mt, map[string]string{"charset": strings.ToLower(cs)}); out != "" {
			return out
		}
	}
	return mt
}

// DownloadContentType is the type a document is served with. Only types a browser shows
// without running anything are passed on; HTML, SVG and everything else go out as
// application/octet-stream, so an attachment never executes in an agent's browser.
func DownloadContentType(stored string) string {
	mt, params, err := mime.ParseMediaType(stored)
	if err != nil {
		return "application/octet-stream"
	}
	switch mt {
	case "application/pdf", "image/png", "image/jpeg", "image/gif",
		"audio/mpeg", "audio/ogg", "audio/wav", "audio/webm", "audio/mp4":
		return mt
	case "text/plain":
		if cs := params["charset"]; cs != "" {
			return mime.FormatMediaType(mt, map[string]string{"charset": cs})
		}
		return mt
	}
	return "application/octet-stream"
}

// MentionedDocuments returns the documents on file whose kind the text asks for again: the
// kind's folded words appear, in order and next to each other, among the text's words ("Could
// you send us the Death Certificate?" asks for a "death certificate"). Each kind is reported
// once, by the first of its documents in onFile.
func MentionedDocuments(onFile []Document, msg string) []Document {
	words := text.Words(msg)
	var out []Document
	seen := map[string]bool{}
	for _, d := range onFile {
		kw := text.Words(d.Kind)
		key := strings.Join(kw, " ")
		if len(kw) == 0 || seen[key] || !containsRun(words, kw) {
			continue
		}
		seen[key] = true
		out = append(out, d)
	}
	return out
}

// containsRun reports whether run occurs in words as consecutive elements.
func containsRun(words, run []string) bool {
	for i := 0; i+len(run) <= len(words); i++ {
		if slices.Equal(words[i:i+len(run)], run) {
			return true
		}
	}
	return false
}

// CanSeeDocument reports whether the actor may see a document: whoever may see its customer.
// A partner handed a case will not see the customer's other papers through it.
// A call's recording is the desk's: staff only, never the customer (partner users hear one on
// a case handed to their firm, through the case: see CanHearRecording).
func CanSeeDocument(a Actor, d Document) bool {
	if d.IsRecording() || d.Kind == NoteAttachmentKind { // an internal note's file is as internal as the note
		return IsStaff(a)
	}
	return CanSeeCustomer(a, d.CustomerID)
}

// CanHearRecording reports whether the actor may hear a recording of case c: staff, and
// partner users of the firm the case is handed to; never the customer.
func CanHearRecording(a Actor, c Case, d Document) bool {
	if !d.IsRecording() || d.CaseID != c.ID || d.CustomerID != c.CustomerID || a.Kind == ActorCustomer {
		return false
	}
	return IsStaff(a) || (a.Kind == ActorAgent && CanSeeCase(a, c))
}

// Kinds of the documents the desk's own people attach: to a reply (the customer has it by mail
// and in the portal) and to an internal note (staff only, like the note).
const (
	ReplyAttachmentKind = "reply attachment"
	NoteAttachmentKind  = "note attachment"
)

// IsAttachment reports whether the desk attached the document to a reply or a note (it is not
// something the customer gave, to be asked for again).
func (d Document) IsAttachment() bool {
	return d.Kind == ReplyAttachmentKind || d.Kind == NoteAttachmentKind
}

// VisibleDocuments are the documents of a list the actor may see.
func VisibleDocuments(a Actor, docs []Document) []Document {
	out := make([]Document, 0, len(docs))
	for _, d := range docs {
		if CanSeeDocument(a, d) {
			out = append(out, d)
		}
	}
	return out
}

// DocumentAdded is the public record entry saying a document came with a case; its data
// carries the SHA-256, so the record vouches for the bytes as well as the name.
func DocumentAdded(d Document, by Actor) Draft {
	return Draft{Kind: KindDocumentAdded, Actor: by, Body: d.Kind + ": " + d.Filename, Data: DocumentAddedData{
		DocumentID: d.ID, Kind: d.Kind, Filename: d.Filename, Size: d.Size, SHA256: d.SHA256}}
}

// AttachmentDisposition is an RFC 6266 attachment header (Content-Disposition): an ASCII filename for old clients and
// the exact UTF-8 name as filename* (RFC 8187) for the rest.
func AttachmentDisposition(name string) string {
	return `attachment; filename="` + asciiFilename(name) + `"; filename*=UTF-8''` + percentEncode(name)
}

// InlineDisposition is AttachmentDisposition for a file shown in the page (a recording's player).
func InlineDisposition(name string) string {
	return `inline; filename="` + asciiFilename(name) + `"; filename*=UTF-8''` + percentEncode(name)
}

// asciiFilename approximates name in printable ASCII: accents dropped ("Ivić" → "Ivic"),
// dashes and spaces made plain, and anything else (quotes, backslashes and percent signs
// too, which some clients decode) replaced by "_".
func asciiFilename(name string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(name) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.Is(unicode.Pd, r):
			b.WriteByte('-')
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		case r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%':
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "document"
	}
	return b.String()
}

// percentEncode encodes s as an RFC 8187 value: attr-chars as they are, every other byte as %XX.
func percentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
