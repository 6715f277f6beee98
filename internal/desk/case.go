package desk

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/keptdesk/kept/internal/text"
)

// Status is where a case stands.
type Status string

// Case statuses.
const (
	StatusOpen                 Status = "open"
	StatusAwaitingConfirmation Status = "awaiting_confirmation"
	StatusClosed               Status = "closed"
	StatusClosedUnconfirmed    Status = "closed_unconfirmed"
	StatusQuarantined          Status = "quarantined"
)

// Active reports whether the case still needs the desk (not closed).
func (s Status) Active() bool {
	return s == StatusOpen || s == StatusAwaitingConfirmation || s == StatusQuarantined
}

// Statuses are every status a case can be in.
var Statuses = []Status{StatusOpen, StatusAwaitingConfirmation, StatusClosed, StatusClosedUnconfirmed, StatusQuarantined}

// CountsTowardLoad reports whether a case in this status counts among its owner's open cases,
// the load that choosing a new case's owner balances: open or awaiting the customer's
// confirmation (a quarantined case waits for an agent to look at it, not for its owner).
func (s Status) CountsTowardLoad() bool {
	return s == StatusOpen || s == StatusAwaitingConfirmation
}

// Channels a customer's words arrive by.
var channels = []string{"email", "web", "phone", "social", "api"}

// ParseChannel checks a channel name.
func ParseChannel(field, s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if slices.Contains(channels, s) {
		return s, nil
	}
	return "", Invalid(field, "unknown channel %q (use %s)", s, strings.Join(channels, ", "))
}

// Flags that inbound checks set on a case.
const (
	FlagLookalike        = "lookalike_obfuscation"
	FlagSpamSuspect      = "spam_suspect"
	FlagUnverifiedSender = "unverified_sender"
)

// Case is one matter a customer raised.
type Case struct {
	ID              int64    `json:"id"`
	CustomerID      int64    `json:"customer_id"`
	Subject         string   `json:"subject"`
	Status          Status   `json:"status"`
	Type            string   `json:"type,omitempty"`
	TeamID          int64    `json:"team_id,omitempty"`
	OwnerID         int64    `json:"owner_id"`
	PartnerID       int64    `json:"partner_id,omitempty"` // the partner organisation the case (or a step) is handed to
	Rung            int      `json:"rung"`
	Channel         string   `json:"channel"`
	OriginalRequest string   `json:"original_request"`
	Flags           []string `json:"flags"`
	Unanswered      int      `json:"unanswered"` // customer contacts since the last public answer
	Step            int      `json:"step"`       // position in the case type's process, from 1; 0 without one
	Priority        string   `json:"priority"`   // low, normal, high or urgent
	Tags            []string `json:"tags"`
	Resolution      string   `json:"-"` // the resolution awaiting the customer's confirmation
	ResolvedBy      int64    `json:"-"`
	// CC are the addresses the desk's mail on the case is copied to, seen by all who get it;
	// BCC those it goes to unseen (never in a header or on anything the customer reads).
	CC  []string `json:"-"`
	BCC []string `json:"-"`
	// WaitingSince is when the desk set the case waiting on its customer (zero: not waiting);
	// WaitingUntil, when set, is when its owner is reminded if the customer has not answered.
	WaitingSince time.Time `json:"-"`
	WaitingUntil time.Time `json:"-"`
	MergedInto   int64     `json:"-"` // the case this one was merged into (0: none)
	// Reader is the customer as a reader of what the desk writes to them (language and zone):
	// not stored, filled by the service before the rules that write to the customer.
	Reader    Reader    `json:"-"`
	LastSeq   int64     `json:"-"`
	LastHash  string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// refBase keeps refs four digits long from the first case on.
const refBase = 1000

// CaseRef is the human name of a case: K-1042.
func CaseRef(id int64) string { return "K-" + strconv.FormatInt(id+refBase, 10) }

// ParseCaseRef reads "K-1042" (any case, optional dash) back into a case id.
func ParseCaseRef(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 2 || (s[0] != 'K' && s[0] != 'k') {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimPrefix(s[1:], "-"), 10, 64)
	if err != nil || n <= refBase {
		return 0, false
	}
	return n - refBase, true
}

// Ref is the case's human name.
func (c Case) Ref() string { return CaseRef(c.ID) }

// Participant is someone who has acted on a case; the customer can always see who and in what role.
type Participant struct {
	Kind     ActorKind `json:"kind"`
	PersonID int64     `json:"id"`
	Name     string    `json:"name"`
	Role     string    `json:"role"`
	Since    time.Time `json:"since"`
}

// ParticipantFor is how an actor appears among a case's participants.
func ParticipantFor(a Actor, now time.Time) Participant {
	role := string(a.Role)
	if a.Kind == ActorCustomer {
		role = "customer"
	}
	return Participant{Kind: a.Kind, PersonID: a.ID, Name: a.Name, Role: role, Since: now}
}

// Limits on what one entry may hold, so one message cannot swamp the desk.
const (
	maxSubject = 500
	maxBody    = MaxText
)

// MaxText is the most bytes one text of an entry (a message, a transcript, a briefing) holds.
const MaxText = 1 << 20

func checkText(field, s string, max int, required bool) (string, error) {
	if required && strings.TrimSpace(s) == "" {
		return "", Invalid(field, "is required")
	}
	if len(s) > max {
		return "", Invalid(field, "is %d bytes; at most %d are accepted", len(s), max)
	}
	if !utf8.ValidString(s) {
		return "", Invalid(field, "is not valid UTF-8 text")
	}
	return s, nil
}

// NewCase is what it takes to open a case.
type NewCase struct {
	CustomerID int64
	Subject    string
	Body       string
	Channel    string
	OwnerID    int64
	Type       string
	References []Reference
	// TeamID is the team the case was routed to (by the desk address its mail came to): its
	// owner is chosen there. 0: the type's team, else anyone.
	TeamID  int64
	Data    MessageInData // more about how the request came (the stored mail, say), kept on its first entry
	Checked *CheckedText  // Body's InboundFlags worked out ahead (see CheckText); nil: worked out here
}

// ValidateNewCase checks a new case's input before any state is loaded.
func ValidateNewCase(in NewCase) (NewCase, error) {
	var err error
	if in.CustomerID <= 0 {
		return in, Invalid("customer_id", "is required")
	}
	if in.Subject, err = checkText("subject", strings.TrimSpace(in.Subject), maxSubject, true); err != nil {
		return in, err
	}
	if in.Body, err = checkText("body", in.Body, maxBody, true); err != nil {
		return in, err
	}
	if in.Channel, err = ParseChannel("channel", in.Channel); err != nil {
		return in, err
	}
	if in.References, err = ValidateReferences("references", in.References); err != nil {
		return in, err
	}
	return in, nil
}

// ValidateReferences checks references and gives each its search key.
func ValidateReferences(field string, refs []Reference) ([]Reference, error) {
	out := make([]Reference, 0, len(refs))
	for i, r := range refs {
		f := fmt.Sprintf("%s[%d]", field, i)
		r.Kind = strings.ToLower(strings.TrimSpace(r.Kind))
		r.Value = strings.TrimSpace(r.Value)
		if r.Kind == "" || len(r.Kind) > 40 {
			return nil, Invalid(f+".kind", "a kind such as account, order or tracking is required")
		}
		if r.Value == "" || len(r.Value) > 100 {
			return nil, Invalid(f+".value", "a value of 1 to 100 characters is required")
		}
		r.Key = text.RefKey(r.Value)
		if r.Key == "" {
			// References without digits ("GOLD") are still found by their folded words.
			r.Key = strings.Join(text.Words(r.Value), "")
		}
		if r.Key == "" {
			return nil, Invalid(f+".value", "%q has no letters or digits", r.Value)
		}
		out = append(out, r)
	}
	return out, nil
}

// OpenCase decides what opening a case does: the case itself, owned by owner, with the
// customer's words kept verbatim as the original request and as the first entry. recorder is
// the agent who took the words down (on the phone, say), or nil when they came by themselves.
// An owner with no ID is nobody: the case waits in the queue of in.TeamID, and the customer
// meets its owner only when it is given out (nobody is introduced who does not exist).
func OpenCase(in NewCase, cust Customer, owner Agent, recorder *Agent, now time.Time) (Case, []Draft, []Participant) {
	team := owner.TeamID
	if owner.ID == 0 {
		team = in.TeamID
	}
	c := Case{
		CustomerID: cust.ID, Subject: in.Subject, Status: StatusOpen, Type: in.Type,
		TeamID: team, OwnerID: owner.ID, Channel: in.Channel,
		OriginalRequest: in.Body, Flags: in.Checked.flags(in.Body), Unanswered: 1, CreatedAt: now, UpdatedAt: now,
		Reader: cust.Reader(), Priority: StartPriority(in.Channel), Tags: []string{},
	}
	if slices.Contains(c.Flags, FlagSpamSuspect) || slices.Contains(c.Flags, FlagLookalike) {
		// Held for an agent to look at, never dropped: found by search, released by hand.
		c.Status = StatusQuarantined
	}
	data := in.Data
	if !data.FromMail() && data.Subject == "" {
		data.Subject = in.Subject // a mail's entry keeps the mail's own subject, even none
	}
	if recorder != nil {
		data.RecordedBy = recorder.Name
		if in.Channel == "phone" {
			c.Unanswered = 0 // taken down while talking to them: the customer is not waiting for a first answer
		}
	}
	// The customer meets the owner at once, and whoever took their words down (story 4).
	drafts := []Draft{{Kind: KindMessageIn, Actor: CustomerActor(cust), Channel: in.Channel, Body: in.Body, Data: data}}
	parts := []Participant{ParticipantFor(CustomerActor(cust), now)}
	if owner.ID != 0 {
		drafts = append(drafts, Introduce(c.Reader, owner, true, now, time.Time{}))
		parts = append(parts, ParticipantFor(AgentActor(owner), now))
	}
	if recorder != nil && recorder.ID != owner.ID {
		parts = append(parts, ParticipantFor(AgentActor(*recorder), now))
		drafts = append(drafts, Introduce(c.Reader, *recorder, false, now, time.Time{}))
	}
	return c, drafts, parts
}

// AgentLoad is an agent who could own a new case, how many active cases they hold, and
// whether they are away (on leave or sick) now.
type AgentLoad struct {
	Agent Agent
	Open  int
	Away  bool
}

// MayOwnNewCase reports whether an agent may be given a new case nobody was named for: an
// active member of the desk (not a partner's user).
func MayOwnNewCase(a Agent) bool { return a.Active && a.Role != RolePartner }

// AwayForNewCases reports whether an agent's leave or sickness keeps new cases from them at
// now: away now or within the next day (a break does not: it ends within hours).
func AwayForNewCases(absences []Absence, now time.Time) bool {
	for _, a := range absences {
		if (a.Kind == AbsenceLeave || a.Kind == AbsenceSick) && a.From.Before(now.Add(24*time.Hour)) && a.To.After(now) {
			return true
		}
	}
	return false
}

// ChooseOwner picks the owner of a case nobody was named for: the present, active agent with
// the fewest active cases, the lower id on a tie (so the choice is repeatable). New cases start
// on the ladder's first rung, so agents come before leads, managers and admins.
func ChooseOwner(candidates []AgentLoad) (Agent, error) {
	var best *AgentLoad
	better := func(c, than *AgentLoad) bool {
		if ca, ta := c.Agent.Role == RoleAgent, than.Agent.Role == RoleAgent; ca != ta {
			return ca
		}
		return c.Open < than.Open || (c.Open == than.Open && c.Agent.ID < than.Agent.ID)
	}
	for i := range candidates {
		c := &candidates[i]
		if !MayOwnNewCase(c.Agent) || c.Away {
			continue
		}
		if best == nil || better(c, best) {
			best = c
		}
	}
	if best == nil {
		return Agent{}, Conflict("no_agent", "there is no active agent to own the case; add one first", nil)
	}
	return best.Agent, nil
}

// NewMessage is a message or internal note added to a case.
type NewMessage struct {
	Body     string
	Internal bool
	Channel  string
	Offer    bool // a sales offer: refused while a complaint of the customer is open
	// CannedReplyID names a prepared reply: its body stands in for an empty Body, and a canned
	// offer makes the message an offer. The service resolves it before the rules see the message.
	CannedReplyID int64
	Checked       *CheckedText // Body's InboundFlags worked out ahead (see CheckText); nil: worked out here
	// RecordedBy names who put a customer's words on the record for them (an integration's
	// token): the entry says so, so the record never passes it off as the customer's own doing.
	RecordedBy string
	// CC and BCC are the case's copies from this message on (nil: as they are): the desk's
	// people set them as they write a reply.
	CC, BCC []string
	// Files are attached to a reply or a note by the desk's people: kept as documents of the
	// customer, named and hashed on the message's entry, mailed with a reply.
	Files []FileIn
}

// FileIn is a file attached to a message as it is written.
type FileIn struct {
	Filename, ContentType string
	Content               []byte
}

// AddMessage decides what a message on a case does. A customer writing on a closed case reopens it.
func AddMessage(c *Case, by Actor, in NewMessage, now time.Time) ([]Draft, error) {
	body, err := checkText("body", in.Body, maxBody, true)
	if err != nil {
		return nil, err
	}
	ch := in.Channel
	if ch != "" {
		if ch, err = ParseChannel("channel", ch); err != nil {
			return nil, err
		}
	}
	var drafts []Draft
	switch {
	case by.Kind == ActorCustomer && in.Internal:
		return nil, Invalid("internal", "a customer's message is never internal")
	case in.Offer && (by.Kind == ActorCustomer || in.Internal):
		return nil, Invalid("offer", "only a public message from the desk can be an offer")
	case by.Kind == ActorCustomer:
		if ch == "" {
			ch = c.Channel
		}
		d := Draft{Kind: KindMessageIn, Actor: by, Channel: ch, Body: body}
		if in.RecordedBy != "" {
			d.Data = MessageInData{RecordedBy: in.RecordedBy}
		}
		drafts = append(drafts, d)
		c.Flags = mergeFlags(c.Flags, in.Checked.flags(body))
		if !c.Status.Active() {
			drafts = append(drafts, statusChange(c, StatusOpen, "the customer wrote again"))
		}
	case in.Internal:
		drafts = append(drafts, Draft{Kind: KindNote, Actor: by, Internal: true, Body: body})
	default:
		if ch == "" {
			ch = c.Channel
		}
		d := Draft{Kind: KindMessageOut, Actor: by, Channel: ch, Body: body}
		if in.Offer {
			d.Data = MessageOutData{Offer: true}
		}
		drafts = append(drafts, d)
		c.Unanswered = 0
	}
	return drafts, nil
}

func statusChange(c *Case, to Status, why string) Draft {
	d := Draft{Kind: KindStatusChanged, Actor: SystemActor(), Body: fmt.Sprintf("Status %s → %s: %s", c.Status, to, why),
		Data: StatusChangedData{From: c.Status, To: to}}
	c.Status = to
	return d
}

// NewCall is a logged phone call.
type NewCall struct {
	Direction  string
	At         time.Time
	DurationS  int
	Summary    string
	Transcript string
}

// LogCall decides the entry a logged call becomes.
func LogCall(c *Case, by Actor, in NewCall, now time.Time) ([]Draft, error) {
	dir := strings.ToLower(strings.TrimSpace(in.Direction))
	if dir != "inbound" && dir != "outbound" && dir != "in" && dir != "out" {
		return nil, Invalid("direction", "use inbound or outbound")
	}
	if dir == "in" || dir == "out" {
		dir += "bound"
	}
	if in.At.IsZero() {
		return nil, Invalid("at", "the time the call started is required (RFC 3339)")
	}
	if in.At.After(now.Add(5 * time.Minute)) {
		return nil, Invalid("at", "a call cannot be logged before it happens")
	}
	if in.DurationS < 0 || in.DurationS > 24*3600 {
		return nil, Invalid("duration_s", "must be between 0 and 86400 seconds")
	}
	summary, err := checkText("summary", strings.TrimSpace(in.Summary), 20000, true)
	if err != nil {
		return nil, err
	}
	transcript, err := checkText("transcript", in.Transcript, maxBody, false)
	if err != nil {
		return nil, err
	}
	data := CallData{At: InstantOf(in.At), Direction: dir, DurationS: in.DurationS, Transcript: transcript}
	c.Unanswered = 0 // the customer has spoken with the desk: they are not waiting for an answer
	return []Draft{{Kind: KindCall, Actor: by, Channel: "phone", Body: summary, Data: data}}, nil
}

// InboundFlags are what the checks on a customer's text find.
func InboundFlags(body string) []string {
	var flags []string
	if text.MixedScript(body) {
		flags = append(flags, FlagLookalike)
	}
	// Two signals at least (a phrase and a link, a spinner and a phrase…): one "click here" in a
	// customer's own words must not hide their case in quarantine.
	if text.LinkCount(body) >= 5 || text.SpamScore(body) >= 6 {
		flags = append(flags, FlagSpamSuspect)
	}
	return flags
}

// CheckedText is a customer's text with what InboundFlags found in it, worked out before the
// transaction that files it: mail intake checks each mail while parsing, in parallel, so its
// single committer only writes the flags.
type CheckedText struct {
	Body  string
	Flags []string
}

// CheckText runs InboundFlags on body ahead of time.
func CheckText(body string) *CheckedText { return &CheckedText{Body: body, Flags: InboundFlags(body)} }

// flags are InboundFlags(body): those checked ahead when they were checked on this very text.
func (ck *CheckedText) flags(body string) []string {
	if ck == nil || ck.Body != body {
		return InboundFlags(body)
	}
	return slices.Clone(ck.Flags) // the case appends to its flags; the checked text may be filed again
}

func mergeFlags(have, add []string) []string {
	for _, f := range add {
		if !slices.Contains(have, f) {
			have = append(have, f)
		}
	}
	return have
}

// Release decides what letting a quarantined case through does: it opens like any other.
func Release(c *Case, by Actor) ([]Draft, error) {
	if c.Status != StatusQuarantined {
		return nil, Conflict("not_quarantined", fmt.Sprintf("%s is %s, not quarantined", c.Ref(), c.Status), nil)
	}
	d := statusChange(c, StatusOpen, by.Name+" released it from quarantine")
	d.Actor = by
	return []Draft{d}, nil
}

// AddFlag sets a flag on the case once.
func (c *Case) AddFlag(f string) { c.Flags = mergeFlags(c.Flags, []string{f}) }
