package desk

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Decisions (story 20): a credit, refund or waived fee is a tracked decision with its amount,
// the evidence, who decided at which rung, and the reason, told to the customer in words. There
// is no hidden "refuse the first time" rule: a request within the actor's limit of the written
// policy is granted the first time; above it, it goes up the ladder as an approval request
// whose due time is a promise to the customer.

// DecisionKind is what is decided.
type DecisionKind string

// Kinds of decisions.
const (
	DecisionCredit DecisionKind = "credit"
	DecisionRefund DecisionKind = "refund"
	DecisionWaiver DecisionKind = "waiver"
)

var decisionKinds = []DecisionKind{DecisionCredit, DecisionRefund, DecisionWaiver}

// DecisionState is where a decision stands.
type DecisionState string

// Decision states.
const (
	DecisionGranted DecisionState = "granted"
	DecisionRefused DecisionState = "refused"
	DecisionPending DecisionState = "pending_approval"
)

// Decision is one decision on a case.
type Decision struct {
	ID          int64         `json:"id"`
	CaseID      int64         `json:"case_id"`
	Kind        DecisionKind  `json:"kind"`
	Amount      Money         `json:"amount"`
	Currency    string        `json:"currency"`
	Reason      string        `json:"reason"`       // why it was asked for (the request's reason)
	State       DecisionState `json:"state"`        // granted, refused, pending_approval
	Answer      string        `json:"answer"`       // the decider's reason, told to the customer
	RequestedBy int64         `json:"requested_by"` // the agent who recorded it
	ApproverID  int64         `json:"approver_id"`  // who must decide a pending one
	DecidedBy   int64         `json:"decided_by"`   // who granted or refused it
	Rung        Role          `json:"rung"`         // the role whose limit the amount needed
	PromiseID   int64         `json:"promise_id"`   // the promise of a decision by a time (pending)
	CreatedAt   time.Time     `json:"created_at"`
	DecidedAt   *time.Time    `json:"decided_at"`
}

// Money is an amount in hundredths of its currency, written as a plain number ("12.5").
type Money int64

// MoneyOf rounds a plain number to hundredths.
func MoneyOf(f float64) Money { return Money(math.Round(f * 100)) }

// MarshalJSON writes the amount as a JSON number (Unlimited as -1).
func (m Money) MarshalJSON() ([]byte, error) {
	if m == Unlimited {
		return []byte("-1"), nil
	}
	return []byte(strconv.FormatFloat(float64(m)/100, 'f', -1, 64)), nil
}

// UnmarshalJSON reads a JSON number.
func (m *Money) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(strings.Trim(string(b), `"`), 64)
	if err != nil {
		return fmt.Errorf("amount %s: %w", b, err)
	}
	*m = MoneyOf(f)
	if f < 0 {
		*m = Unlimited // no amount is negative: a limit of -1 is none
	}
	return nil
}

// String is the amount with two decimals.
func (m Money) String() string { return fmt.Sprintf("%d.%02d", int64(m)/100, abs64(int64(m))%100) }

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// NewDecision is a decision an agent records on a case.
type NewDecision struct {
	Kind     string
	Amount   float64
	Currency string
	Reason   string
	Refuse   bool // the agent refuses it (the reason is told to the customer)
}

// ValidateDecision checks a new decision before anything is loaded.
func ValidateDecision(in NewDecision) (NewDecision, error) {
	k := DecisionKind(strings.ToLower(strings.TrimSpace(in.Kind)))
	if !slices.Contains(decisionKinds, k) {
		return in, Invalid("kind", "unknown kind %q (use credit, refund or waiver)", in.Kind)
	}
	in.Kind = string(k)
	if in.Amount <= 0 || math.IsNaN(in.Amount) || in.Amount > 1e12 {
		return in, Invalid("amount", "the amount must be a positive number")
	}
	in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	if len(in.Currency) != 3 || strings.IndexFunc(in.Currency, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
		return in, Invalid("currency", "a currency is three letters (ISO 4217), e.g. EUR")
	}
	var err error
	if in.Reason, err = checkText("reason", strings.TrimSpace(in.Reason), 4000, true); err != nil {
		return in, err
	}
	return in, nil
}

// Unlimited is a role's limit when it may grant any amount.
const Unlimited Money = -1

// DecisionPolicy is the written policy a team decides by: up to which amount each role grants
// at once, how long an approval may take, and the words shown to agents beside a request.
type DecisionPolicy struct {
	Team         string         `json:"team,omitempty"` // "" is the desk's own, for teams without one
	Limits       map[Role]Money `json:"limits"`         // -1: unlimited
	DecideWithin time.Duration  `json:"-"`
	DecideWithS  int64          `json:"decide_within_s"`
	Text         string         `json:"text"`
	UpdatedAt    *time.Time     `json:"updated_at,omitempty"`
}

// DefaultPolicy is the policy of a desk that has written none: an agent grants up to 50, a
// lead 200, a manager 1000, an admin anything, in any currency; a decision above the limit is
// due within a working day.
func DefaultPolicy() DecisionPolicy {
	return DecisionPolicy{
		Limits:       map[Role]Money{RoleAgent: 5000, RoleLead: 20000, RoleManager: 100000, RoleAdmin: Unlimited},
		DecideWithin: 24 * time.Hour, DecideWithS: 86400,
		Text: "A credit, refund or waived fee that the evidence supports is granted the first time it is asked for. " +
			"An agent grants up to 50, a team lead up to 200, a manager up to 1000; above that, the request goes up the ladder and the customer is told by when they will have the decision.",
	}
}

// ValidatePolicy checks a policy an admin or manager writes.
func ValidatePolicy(p DecisionPolicy) (DecisionPolicy, error) {
	for role, limit := range p.Limits {
		if !slices.Contains([]Role{RoleAgent, RoleLead, RoleManager, RoleAdmin}, role) {
			return p, Invalid("limits", "unknown role %q (use agent, lead, manager or admin)", role)
		}
		if limit < 0 && limit != Unlimited {
			return p, Invalid("limits", "a limit is an amount, or -1 for unlimited")
		}
	}
	if p.DecideWithS < 0 || p.DecideWithS > 30*86400 {
		return p, Invalid("decide_within_s", "between 0 and 30 days")
	}
	if p.DecideWithS == 0 {
		p.DecideWithS = 86400
	}
	p.DecideWithin = time.Duration(p.DecideWithS) * time.Second
	var err error
	if p.Text, err = checkText("text", strings.TrimSpace(p.Text), 8000, true); err != nil {
		return p, err
	}
	return p, nil
}

// MayGrant reports whether a role grants an amount at once under the policy.
func (p DecisionPolicy) MayGrant(role Role, amount Money) bool {
	limit, ok := p.Limits[role]
	if !ok {
		return false
	}
	return limit == Unlimited || amount <= limit
}

// RungFor is the lowest role that grants the amount at once.
func (p DecisionPolicy) RungFor(amount Money) Role {
	for _, r := range []Role{RoleAgent, RoleLead, RoleManager, RoleAdmin} {
		if p.MayGrant(r, amount) {
			return r
		}
	}
	return RoleAdmin
}

// DecisionData is what decision_made and decision_requested entries keep.
type DecisionData struct {
	Amount     string `json:"amount"`
	ApproverID int64  `json:"approver_id,omitempty"`
	Currency   string `json:"currency"`
	DecisionID int64  `json:"decision_id"`
	Kind       string `json:"kind"`
	State      string `json:"state"`
}

// decisionRequestedData is DecisionData on a decision_requested entry.
type decisionRequestedData struct{ DecisionData }

func (DecisionData) entryKind() EntryKind          { return KindDecisionMade }
func (decisionRequestedData) entryKind() EntryKind { return KindDecisionAsked }

// The data of incidents' and decisions' entries reads as their types (ReadData).
func init() {
	dataReaders[KindIncidentLinked] = reader[IncidentLinkedData]()
	dataReaders[KindIncidentResolved] = reader[IncidentResolvedData]()
	dataReaders[KindDecisionMade] = reader[DecisionData]()
	dataReaders[KindDecisionAsked] = reader[decisionRequestedData]()
}

// DecidedDrafts are the entries of a granted or refused decision: the decision on the record,
// and the message telling the customer what was decided and why, in their language.
func DecidedDrafts(c *Case, d Decision, by Actor) []Draft {
	w := c.Reader.incident()
	what, amount := w.kinds[d.Kind], d.Amount.String()+" "+d.Currency
	lead := w.granted
	if d.State == DecisionRefused {
		lead = w.refused
	}
	msg := fmt.Sprintf(lead, what, amount) + "\n\n" + fmt.Sprintf(w.approved, d.Answer)
	data := DecisionData{Amount: d.Amount.String(), Currency: d.Currency, DecisionID: d.ID, Kind: string(d.Kind), State: string(d.State)}
	return []Draft{
		{Kind: KindDecisionMade, Actor: by, Body: d.Answer, Data: data},
		{Kind: KindMessageOut, Actor: by, Body: msg},
	}
}

// RequestedDraft is the entry of a decision sent up for approval (internal: the customer reads
// the promise of a decision by a time).
func RequestedDraft(d Decision, by Actor, approver Agent) Draft {
	data := DecisionData{Amount: d.Amount.String(), ApproverID: approver.ID, Currency: d.Currency, DecisionID: d.ID, Kind: string(d.Kind), State: string(d.State)}
	body := fmt.Sprintf("%s of %s %s above the limit: asked %s (%s) to decide. %s", d.Kind, d.Amount, d.Currency, approver.Name, approver.Role, d.Reason)
	return Draft{Kind: KindDecisionAsked, Actor: by, Internal: true, Body: body, Data: decisionRequestedData{data}}
}

// PendingWords are the words of the promise a pending decision makes to the customer.
func (r Reader) PendingWords(d Decision, due time.Time, fallback *time.Location) string {
	w := r.incident()
	return fmt.Sprintf(w.pending, w.kinds[d.Kind], d.Amount.String()+" "+d.Currency, r.Stamp(due, fallback))
}
