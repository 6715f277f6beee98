package desk

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// API tokens: who may use the API, for how long, and for what. The secrets themselves are
// internal/auth's; this is what the desk knows about each token.

// ScopeCustomerVoice marks a token issued for an integration that acts for customers (a phone
// system that records what callers say and decide): only such a token may put a customer's
// own decisions on the record, and the entry then names the integration.
const ScopeCustomerVoice = "customer-voice"

// TokenScopes are the scopes a token may carry, with what each allows.
var TokenScopes = map[string]string{
	ScopeCustomerVoice: "acts for customers: records what customers say and decide (an integration such as a phone system)",
}

// maxTokenLabel is how long a token's label (the integration's name) may be.
const maxTokenLabel = 100

// TokenGrant is what an actor acting through an API token carries of it.
type TokenGrant struct {
	ID           int64
	Label        string // what the token is for: the integration's name
	IssuedBy     int64  // the agent who issued it; 0: the command line (or the demo)
	IssuedByName string
	Scopes       []string
}

// Issuer names who issued the token, for the record and logs.
func (g TokenGrant) Issuer() string {
	if g.IssuedBy == 0 || g.IssuedByName == "" {
		return "the command line"
	}
	return g.IssuedByName
}

// String names the token as a log line or the record would: `the "Phone system" integration
// (token 7, issued by Ann Admin)`.
func (g TokenGrant) String() string {
	if g.Label == "" {
		return fmt.Sprintf("token %d, issued by %s", g.ID, g.Issuer())
	}
	return fmt.Sprintf("the %q integration (token %d, issued by %s)", g.Label, g.ID, g.Issuer())
}

// HasScope reports whether the actor acts through a token that carries scope.
func (a Actor) HasScope(scope string) bool {
	return a.Token != nil && slices.Contains(a.Token.Scopes, scope)
}

// Token is an API token as lists show it: never its secret, which only its digest is kept of.
type Token struct {
	ID           int64      `json:"id"`
	AgentID      int64      `json:"agent_id"`
	AgentEmail   string     `json:"agent_email"`
	Label        string     `json:"label"`
	Scopes       []string   `json:"scopes"`
	IssuedBy     int64      `json:"issued_by,omitempty"` // 0: the command line
	IssuedByName string     `json:"issued_by_name,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	LastUsedAt   *time.Time `json:"last_used_at"` // to the minute: see service's tokenUseEvery
	ExpiresAt    *time.Time `json:"expires_at"`   // nil: never
	RevokedAt    *time.Time `json:"revoked_at"`
	State        string     `json:"state"` // active, expired or revoked (at the time it was read)
}

// Token states.
const (
	TokenActive  = "active"
	TokenExpired = "expired"
	TokenRevoked = "revoked"
)

// TokenState says whether a token works at now.
func TokenState(revokedAt, expiresAt *time.Time, now time.Time) string {
	switch {
	case revokedAt != nil:
		return TokenRevoked
	case expiresAt != nil && !now.Before(*expiresAt):
		return TokenExpired
	}
	return TokenActive
}

// ValidateTokenLabel checks what a token is for.
func ValidateTokenLabel(field, label string) (string, error) {
	label = strings.TrimSpace(label)
	if !utf8.ValidString(label) || strings.ContainsAny(label, "\r\n\t") {
		return "", Invalid(field, "must be one line of text")
	}
	if utf8.RuneCountInString(label) > maxTokenLabel {
		return "", Invalid(field, "at most %d characters", maxTokenLabel)
	}
	return label, nil
}

// ValidateScopes checks scopes against the known ones and returns them sorted, once each.
func ValidateScopes(field string, scopes []string) ([]string, error) {
	out := []string{}
	for _, s := range scopes {
		s = strings.ToLower(strings.TrimSpace(s))
		if s == "" {
			continue
		}
		if _, ok := TokenScopes[s]; !ok {
			known := make([]string, 0, len(TokenScopes))
			for k := range TokenScopes {
				known = append(known, k)
			}
			slices.Sort(known)
			return nil, Invalid(field, "unknown scope %q (known: %s)", s, strings.Join(known, ", "))
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out, nil
}

// ParseExpiry reads when a token should stop working: a number of days or hours from now
// ("90d", "36h"), a date ("2027-03-01": the token stops working as that day begins, UTC) or an
// RFC 3339 time. "" is never. A time not after now is refused: such a token would never work.
func ParseExpiry(field, s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "never") {
		return time.Time{}, nil
	}
	var at time.Time
	if n, unit := s[:len(s)-1], s[len(s)-1]; unit == 'd' || unit == 'h' {
		v, err := strconv.Atoi(n)
		if err != nil || v <= 0 || v > 100*366 {
			return time.Time{}, Invalid(field, "%q is not a number of days or hours such as 90d or 36h", s)
		}
		d := time.Duration(v) * time.Hour
		if unit == 'd' {
			d *= 24
		}
		at = now.Add(d)
	} else if t, err := time.Parse(time.DateOnly, s); err == nil {
		at = t
	} else if t, err := time.Parse(time.RFC3339, s); err == nil {
		at = t
	} else {
		return time.Time{}, Invalid(field, "%q is not 90d, 36h, a date such as 2027-03-01 or an RFC 3339 time", s)
	}
	at = at.UTC().Truncate(time.Second)
	if !at.After(now) {
		return time.Time{}, Invalid(field, "%s is not in the future", at.Format(time.RFC3339))
	}
	return at, nil
}
