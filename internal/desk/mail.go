package desk

import "time"

// ReceivedMail is a mail as it arrived (its bytes kept whole: evidence), with what intake made
// of it.
type ReceivedMail struct {
	ID         int64     `json:"id"`
	SHA256     string    `json:"sha256"`
	Raw        []byte    `json:"-"`
	Size       int       `json:"size"`
	MessageID  string    `json:"message_id"`
	From       string    `json:"from"`
	DedupeKey  string    `json:"-"`
	ThreadRoot string    `json:"-"`
	SafeHTML   string    `json:"safe_html,omitempty"`
	Problems   []string  `json:"problems"`
	CaseID     int64     `json:"case_id"`
	EntryID    int64     `json:"entry_id"`
	ReceivedAt time.Time `json:"received_at"`
}
