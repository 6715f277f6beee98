package desk

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// KindImported is the first entry of a case brought in from another desk (kept import): where
// it came from, its id there, and when it was brought in.
const KindImported EntryKind = "imported"

// ImportedData is what an imported case's first entry keeps: the source ("zendesk",
// "freshdesk", "mbox"), the case's id there, the file or folder it was read from, when it was
// imported, and the status it had there.
// It also pins the case row's subject and original request (by its SHA-256), which kept verify
// holds the row to, as it holds other cases' to their first message.
type ImportedData struct {
	File           string  `json:"file,omitempty"`
	ImportedAt     Instant `json:"imported_at"`
	OriginalSHA256 string  `json:"original_sha256"`
	Source         string  `json:"source"`
	SourceID       string  `json:"source_id"`
	Status         string  `json:"status,omitempty"` // the status it had in the source
	Subject        string  `json:"subject"`
	URL            string  `json:"url,omitempty"`
}

// TextSHA256 is the hex SHA-256 of a text, as ImportedData pins the original request.
func TextSHA256(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func (ImportedData) entryKind() EntryKind { return KindImported }

// NoteData is what an internal note keeps besides its words: the attachments an imported
// private comment had (a note written in the desk keeps none).
type NoteData struct {
	Files []File `json:"files,omitempty"`
}

func (NoteData) entryKind() EntryKind { return KindNote }

// File is an attachment a message or note had in the desk it was imported from: its name,
// type and size, and either the document its bytes are stored as here (when the export
// carried them) or the address they were at (when it did not).
type File struct {
	ContentType string `json:"content_type,omitempty"`
	DocumentID  int64  `json:"document_id,omitempty"`
	Filename    string `json:"filename"`
	Inline      bool   `json:"inline,omitempty"` // an image shown in the text
	SHA256      string `json:"sha256,omitempty"` // the bytes' hash, for a file attached in the desk (kept verify holds the document to it)
	Size        int64  `json:"size,omitempty"`
	URL         string `json:"url,omitempty"`
}

// Imported is the first entry of an imported case: an internal note for the desk's people of
// where the case came from. Its time is the case's original opening time, so the record reads
// in the order things happened; the data says when it was brought in.
func Imported(d ImportedData, opened time.Time) Draft {
	what, ok := importedWhat[d.Source]
	if !ok {
		what = d.Source
	}
	body := fmt.Sprintf("Imported from %s %s", what, d.SourceID)
	if d.File != "" {
		body += " (" + d.File + ")"
	}
	body += " on " + d.ImportedAt.Time().UTC().Format(time.RFC3339)
	if d.Status != "" {
		body += "; status there: " + d.Status
	}
	return Draft{Kind: KindImported, Actor: SystemActor(), Internal: true, Body: body + ".", Data: d, At: opened}
}

// importedWhat names what a source's case was there.
var importedWhat = map[string]string{"zendesk": "Zendesk ticket", "freshdesk": "Freshdesk ticket", "mbox": "the mailbox thread"}

// ImportedStatus is the desk's status for a source's: solved and closed tickets are closed,
// everything else (new, open, pending, on hold) is open.
func ImportedStatus(status string) Status {
	switch strings.ToLower(strings.TrimSpace(status)) {
	case "solved", "closed", "resolved", "deleted", "4", "5":
		return StatusClosed
	}
	return StatusOpen
}

// ImportedChannel is the desk's channel for a source's way in (Zendesk's via.channel,
// Freshdesk's source): mail, the web, the phone, social networks and chat, or an integration.
func ImportedChannel(via string) string {
	switch strings.ToLower(strings.TrimSpace(via)) {
	case "email", "mail", "1", "10":
		return "email"
	case "voice", "phone", "call", "3":
		return "phone"
	case "api", "any_channel", "mobile_sdk", "outbound_email":
		return "api"
	case "twitter", "facebook", "chat", "native_messaging", "whatsapp", "instagram", "sms", "7", "8":
		return "social"
	}
	return "web"
}

// ImportedSpan is how long a piece of work took at the desk a team came from, as an imported
// case's record shows it: history for the promise estimates (EstimateFor), counted beside the
// desk's own kept promises of the same case type and kind.
type ImportedSpan struct {
	Kind          PromiseKind
	Started, Done time.Time
}

// ImportedSpans are the spans an imported case's record (chained, its entries in time order)
// shows, like promises the old desk kept without naming them: a fix, from the case's opening
// to its last message or note, when it came in solved or closed; an update, from a
// customer's first unanswered message to the desk's public answer.
func ImportedSpans(c Case, entries []Entry) []ImportedSpan {
	var out []ImportedSpan
	var waiting time.Time // the first customer's message not answered yet
	var last time.Time
	for _, e := range entries {
		switch e.Kind {
		case KindMessageIn:
			if waiting.IsZero() {
				waiting = e.At
			}
		case KindMessageOut:
			if !waiting.IsZero() && e.At.After(waiting) {
				out = append(out, ImportedSpan{Kind: PromiseUpdate, Started: waiting, Done: e.At})
			}
			waiting = time.Time{}
		case KindNote:
		default:
			continue
		}
		if e.At.After(last) {
			last = e.At
		}
	}
	if c.Status == StatusClosed && last.After(c.CreatedAt) {
		out = append(out, ImportedSpan{Kind: PromiseFix, Started: c.CreatedAt, Done: last})
	}
	return out
}
