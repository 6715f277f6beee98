package api

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// ID is an object id in a request body: a number, or a string holding one.
type ID int64

// UnmarshalJSON accepts 42 and "42".
func (id *ID) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, `"`)
	if string(b) == "null" || len(b) == 0 {
		*id = 0
		return nil
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || n < 0 {
		// A type error gets the field's name filled in by encoding/json.
		return &json.UnmarshalTypeError{Value: "string " + strconv.Quote(string(b)), Type: reflect.TypeOf(n)}
	}
	*id = ID(n)
	return nil
}

// parseTime reads an RFC 3339 time from a request field, naming the field when it is not one.
func parseTime(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return v, desk.Invalid(field, "%q is not an RFC 3339 time such as 2026-11-23T14:00:00Z", s)
	}
	return v.UTC(), nil
}

// since reads the query's since (RFC 3339): where a count over time begins, 30 days ago when
// not given.
func since(r *http.Request) (time.Time, error) {
	t, err := parseTime("since", r.URL.Query().Get("since"))
	if err == nil && t.IsZero() {
		t = time.Now().AddDate(0, 0, -30)
	}
	return t, err
}

// seconds is a duration given in seconds, nil when not given (the setting stays). A count no
// duration holds (past 292 years either way) is held at the longest one of its sign: it wrapped
// round to another value (-9223372036854775808 to 0, "none"), which was then accepted.
func seconds(s *int64) *time.Duration {
	if s == nil {
		return nil
	}
	const most = math.MaxInt64 / int64(time.Second)
	var d time.Duration
	switch {
	case *s > most:
		d = math.MaxInt64
	case *s < -most:
		d = math.MinInt64
	default:
		d = time.Duration(*s) * time.Second
	}
	return &d
}

// listCopy is a copy of a list given in a body, nil when not given (the list stays); a list
// given empty stays an empty list, which empties it.
func listCopy(l *[]string) []string {
	if l == nil {
		return nil
	}
	return append([]string{}, *l...)
}

type referenceIn struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

func references(in []referenceIn) []desk.Reference {
	out := make([]desk.Reference, len(in))
	for i, r := range in {
		out[i] = desk.Reference{Kind: r.Kind, Value: r.Value}
	}
	return out
}

type customerIn struct {
	Name       string        `json:"name"`
	Email      string        `json:"email,omitempty"`
	Phone      string        `json:"phone,omitempty"`
	Handle     string        `json:"handle,omitempty"`
	References []referenceIn `json:"references,omitempty"`
	Language   string        `json:"language,omitempty"` // en, et or hr: what the desk writes to them in
	Timezone   string        `json:"timezone,omitempty"` // IANA: where their times are written
}

type agentIn struct {
	Name      string              `json:"name"`
	Email     string              `json:"email"`
	Role      string              `json:"role"`
	Team      string              `json:"team,omitempty"`
	ManagerID ID                  `json:"manager_id,omitempty"`
	PartnerID ID                  `json:"partner_id,omitempty"`
	Timezone  string              `json:"timezone,omitempty"`
	Hours     map[string][]string `json:"hours,omitempty"`
}

type caseIn struct {
	CustomerID ID            `json:"customer_id"`
	Subject    string        `json:"subject"`
	Body       string        `json:"body"`
	Channel    string        `json:"channel"`
	OwnerID    ID            `json:"owner_id,omitempty"`
	Type       string        `json:"type,omitempty"`
	References []referenceIn `json:"references,omitempty"`
}

type messageIn struct {
	Body          string    `json:"body"`
	Internal      bool      `json:"internal,omitempty"`
	Offer         bool      `json:"offer,omitempty"`
	CannedReplyID ID        `json:"canned_reply_id,omitempty"`
	CC            *[]string `json:"cc,omitempty"`    // the case's cc from this reply on (see PUT …/copies)
	BCC           *[]string `json:"bcc,omitempty"`   // and its bcc
	Files         []fileIn  `json:"files,omitempty"` // attached (base64), at most 10 and 25 MiB together
}

type callIn struct {
	Direction  string `json:"direction"`
	At         string `json:"at"`
	DurationS  int    `json:"duration_s"`
	Summary    string `json:"summary"`
	Transcript string `json:"transcript,omitempty"`
}

type senderIn struct {
	Email  string `json:"email,omitempty"`
	Phone  string `json:"phone,omitempty"`
	Handle string `json:"handle,omitempty"`
	Name   string `json:"name,omitempty"`
}

type inboundIn struct {
	Channel    string   `json:"channel"`
	From       senderIn `json:"from"`
	Body       string   `json:"body"`
	Subject    string   `json:"subject,omitempty"`
	CaseRef    string   `json:"case_ref,omitempty"`
	InReplyTo  string   `json:"in_reply_to,omitempty"`
	ExternalID string   `json:"external_id,omitempty"`
}

type caseList struct {
	Cases      []service.CaseSummary `json:"cases"`
	NextBefore int64                 `json:"next_before,omitempty"`
}

type searchAnswer struct {
	Hits []service.SearchHit `json:"hits"`
}
