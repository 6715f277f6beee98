package desk

import "time"

// Notification is a message to an agent that the UI shows (and mail will carry).
//
// What it says is Key, a key of the agents' catalogue, with Args: each page renders it in its
// reader's language and time zone. Body is the same in English, written when the notification
// was, for readers of the API that know no key (and all that notifications before keys had).
type Notification struct {
	ID        int64      `json:"id"`
	AgentID   int64      `json:"agent_id"`
	CaseID    int64      `json:"case_id,omitempty"`
	Kind      string     `json:"kind"`
	Body      string     `json:"body"`
	Key       string     `json:"key,omitempty"`
	Args      []NoteArg  `json:"args,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at,omitempty"`
}

// Note fills in what a notification says: its English body, and the catalogue key and
// arguments each reader reads it by.
func (n Notification) Note(body, key string, args ...NoteArg) Notification {
	n.Body, n.Key, n.Args = body, key, args
	return n
}

// NoteArgKind is how a reader reads an argument of a notification.
type NoteArgKind string

const (
	ArgText   NoteArgKind = "text"   // as written: a name, a reference, a subject, a person's words
	ArgNumber NoteArgKind = "number" // a whole number
	ArgTime   NoteArgKind = "time"   // a moment, shown in the reader's zone and language
	ArgWords  NoteArgKind = "words"  // catalogue keys, said in the reader's language and listed
	// ArgDuration is a length of time in whole seconds (Number), said in the reader's language.
	ArgDuration NoteArgKind = "duration"
)

// NoteArg is one argument of a notification's text.
type NoteArg struct {
	Kind   NoteArgKind `json:"kind"`
	Text   string      `json:"text,omitempty"` // ArgText; for ArgWords the English, where a key is unknown
	Number int64       `json:"number,omitempty"`
	Time   time.Time   `json:"time,omitzero"`
	Keys   []string    `json:"keys,omitempty"`
}

// TextArg is words shown as written.
func TextArg(s string) NoteArg { return NoteArg{Kind: ArgText, Text: s} }

// NumberArg is a whole number.
func NumberArg(n int64) NoteArg { return NoteArg{Kind: ArgNumber, Number: n} }

// TimeArg is a moment, which each reader reads in their own zone.
func TimeArg(t time.Time) NoteArg { return NoteArg{Kind: ArgTime, Time: t.UTC()} }

// DurationArg is a length of time, which each reader reads in their own language ("2 tundi"),
// to the second.
func DurationArg(d time.Duration) NoteArg {
	return NoteArg{Kind: ArgDuration, Number: int64(d.Round(time.Second) / time.Second)}
}

// WordArg is a catalogue key said in the reader's language; english is what a reader whose
// catalogue lacks the key reads (an error's message, where its code has no words yet).
func WordArg(key, english string) NoteArg {
	return NoteArg{Kind: ArgWords, Keys: []string{key}, Text: english}
}

// WordsArg is a list of catalogue keys, each in the reader's language.
func WordsArg(keys ...string) NoteArg { return NoteArg{Kind: ArgWords, Keys: keys} }
