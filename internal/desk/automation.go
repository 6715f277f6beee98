package desk

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/text"
)

// Automations: rules an admin sets up, of the form "when an event or a time condition, and the
// case meets these conditions, then do these actions". The actions are the same commands
// people run, by the automation as its own actor (AutomationActor), so the same rules hold:
// it never hands a case down the ladder without the customer's agreement, never sends an offer
// during an open complaint.

// AutomationWhen is what starts an automation: one event, or one time condition.
type AutomationWhen struct {
	// Event is an entry kind (message_in, promise_broken, …) or a desk event about a case
	// (case_opened, owner_changed, target_passed).
	Event string `json:"event,omitempty"`
	// IdleHours: an active case with nothing on its record for this many of its team's
	// business hours.
	IdleHours int `json:"idle_hours,omitempty"`
	// WaitingDays: a case waiting on the customer (awaiting their confirmation, or answered
	// by the desk with nothing since) for this many of its team's business days (days the
	// team works; round the clock, every day).
	WaitingDays int `json:"waiting_days,omitempty"`
	// PromiseDueHours: an open promise on the case falls due within this many of its team's
	// business hours.
	PromiseDueHours int `json:"promise_due_hours,omitempty"`
}

// Timed reports whether the automation starts on a time condition (run by the timers).
func (w AutomationWhen) Timed() bool { return w.Event == "" }

// AutomationIf are conditions on the case; an empty one holds for every case.
type AutomationIf struct {
	Team       string   `json:"team,omitempty"`     // the case's team, by name
	Type       string   `json:"type,omitempty"`     // its case type
	Channel    string   `json:"channel,omitempty"`  // email, phone, web, chat, api
	Language   string   `json:"language,omitempty"` // the customer's language (en, et, hr)
	Words      []string `json:"words,omitempty"`    // any of these in the subject or the event's text
	CustomerID int64    `json:"customer_id,omitempty"`
	Status     Status   `json:"status,omitempty"`
	Priority   string   `json:"priority,omitempty"` // the case's priority (low, normal, high, urgent)
	Tags       []string `json:"tags,omitempty"`     // all of these tags on the case
	// Refs: a reference of any of these kinds (invoice, order, tracking, account) found in
	// the subject or the event's text, as text.RefKinds finds them.
	Refs []string `json:"refs,omitempty"`
}

// Automation actions.
const (
	DoAssign  = "assign"  // hand the case to someone available in a team (team; "": its own)
	DoNote    = "note"    // an internal note (body)
	DoReply   = "reply"   // a canned reply to the customer, its variables filled (canned_reply_id)
	DoWebhook = "webhook" // call a webhook endpoint (webhook_id), whatever events it hears of
	DoRemind  = "remind"  // a notification to the case's owner (body)
	// DoSetPriority sets the case's priority (priority), DoAddTags adds tags to those it has
	// (tags): the same command as the case page's labels.
	DoSetPriority = "set_priority"
	DoAddTags     = "add_tags"
	// DoSetType sets the case's type (type: a case type's name), DoSetTeam its team (team:
	// a team's name; the owner stays, an assign after it hands the case on): the same command
	// as priority and tags.
	DoSetType = "set_type"
	DoSetTeam = "set_team"
	// DoRemindCustomer writes to the customer in their own language, in the desk's words
	// (say: one of CustomerReminders), never an admin's English.
	DoRemindCustomer = "remind_customer"
	// DoLinkIncident links the case to an incident (incident_id) while it is open: the same
	// command as the incident page's; a resolved incident links nothing (noted on the record).
	DoLinkIncident = "link_incident"
)

// AutomationAction is one thing an automation does.
type AutomationAction struct {
	Do            string   `json:"do"`
	Team          string   `json:"team,omitempty"`
	Body          string   `json:"body,omitempty"`
	CannedReplyID int64    `json:"canned_reply_id,omitempty"`
	WebhookID     int64    `json:"webhook_id,omitempty"`
	Priority      string   `json:"priority,omitempty"`
	Tags          []string `json:"tags,omitempty"`
	Type          string   `json:"type,omitempty"`
	Say           string   `json:"say,omitempty"`
	IncidentID    int64    `json:"incident_id,omitempty"`
}

// Automation is one rule.
type Automation struct {
	ID        int64              `json:"id"`
	Name      string             `json:"name"`
	Active    bool               `json:"active"`
	When      AutomationWhen     `json:"when"`
	If        AutomationIf       `json:"if"`
	Then      []AutomationAction `json:"then"`
	CreatedAt time.Time          `json:"created_at"`
	UpdatedAt time.Time          `json:"updated_at"`
}

// Actor is the automation as it acts.
func (a Automation) Actor() Actor { return AutomationActor(a.ID, a.Name) }

// CheckAutomation checks a rule before it is stored.
func CheckAutomation(a Automation) error {
	a.Name = strings.TrimSpace(a.Name)
	if a.Name == "" || len([]rune(a.Name)) > 80 {
		return Invalid("name", "a name of 1 to 80 characters is required")
	}
	w := a.When
	set := 0
	for _, n := range []int{w.IdleHours, w.WaitingDays, w.PromiseDueHours} {
		if n < 0 {
			return Invalid("when", "a time condition counts up from 1")
		}
		if n > 0 {
			set++
		}
	}
	if w.Event != "" {
		set++
		if !knownKind(EntryKind(w.Event)) || w.Event == string(EventAbsenceStarted) {
			return Invalid("when.event", "%q is not an entry kind or a desk event about a case (such as message_in, case_opened)", w.Event)
		}
	}
	if set != 1 {
		return Invalid("when", "name one event, or one of idle_hours, waiting_days, promise_due_hours")
	}
	if a.If.Priority != "" {
		if _, err := ParsePriority("if.priority", a.If.Priority); err != nil {
			return err
		}
	}
	if _, err := ParseTags("if.tags", a.If.Tags); err != nil {
		return err
	}
	for _, k := range a.If.Refs {
		if !slices.Contains(text.RefKindNames(), strings.ToLower(strings.TrimSpace(k))) {
			return Invalid("if.refs", "%q is not a kind of reference the desk finds: use %s", k, strings.Join(text.RefKindNames(), ", "))
		}
	}
	if a.If.Status != "" && !slices.Contains([]Status{StatusOpen, StatusAwaitingConfirmation, StatusClosed, StatusClosedUnconfirmed, StatusQuarantined}, a.If.Status) {
		return Invalid("if.status", "%q is not a case status", a.If.Status)
	}
	if len(a.Then) == 0 || len(a.Then) > 10 {
		return Invalid("then", "name 1 to 10 actions")
	}
	for i, act := range a.Then {
		field := fmt.Sprintf("then[%d]", i)
		switch act.Do {
		case DoAssign:
		case DoNote, DoRemind:
			if strings.TrimSpace(act.Body) == "" {
				return Invalid(field+".body", "say what the %s reads", act.Do)
			}
		case DoReply:
			if act.CannedReplyID <= 0 {
				return Invalid(field+".canned_reply_id", "name the canned reply to send")
			}
		case DoWebhook:
			if act.WebhookID <= 0 {
				return Invalid(field+".webhook_id", "name the webhook endpoint to call")
			}
		case DoSetPriority:
			if _, err := ParsePriority(field+".priority", act.Priority); err != nil {
				return err
			}
		case DoAddTags:
			tags, err := ParseTags(field+".tags", act.Tags)
			if err != nil {
				return err
			}
			if len(tags) == 0 {
				return Invalid(field+".tags", "name the tags to add")
			}
		case DoSetType:
			if strings.TrimSpace(act.Type) == "" {
				return Invalid(field+".type", "name the case type to set")
			}
		case DoSetTeam:
			if strings.TrimSpace(act.Team) == "" {
				return Invalid(field+".team", "name the team to set")
			}
		case DoRemindCustomer:
			if !slices.Contains(CustomerReminders(), act.Say) {
				return Invalid(field+".say", "%q is not a reminder the desk words: use %s", act.Say, strings.Join(CustomerReminders(), " or "))
			}
		case DoLinkIncident:
			if act.IncidentID <= 0 {
				return Invalid(field+".incident_id", "name the incident to link cases to")
			}
		default:
			return Invalid(field+".do", "%q is not an action (assign, note, reply, webhook, remind, set_priority, add_tags, set_type, set_team, remind_customer, link_incident)", act.Do)
		}
	}
	return nil
}

// CaseFacts is what an automation's conditions are asked about a case.
type CaseFacts struct {
	Case     Case
	Team     string // the case's team's name
	Language string // the customer's language ("" reads en)
	Text     string // the text of the event (a message's body), besides the case's subject
	hay      string // subject and text in lower case, made once for all the rules asked
	refKinds []string
	refsRead bool // refKinds found in the subject and text, once for all the rules asked
}

// Rule is an automation made ready to be asked about many cases (CompileAutomation): its words
// and tags in lower case once, and what of the case beyond the case row its conditions need, so
// a command reads a team's name or a customer's language only for a rule that asks for it.
type Rule struct {
	Automation
	words, tags   []string
	refs          []string
	NeedsTeam     bool // it asks for the case's team by name
	NeedsLanguage bool // it asks for the customer's language
}

// CompileAutomation makes a rule ready to be asked.
func CompileAutomation(a Automation) Rule {
	r := Rule{Automation: a, NeedsTeam: a.If.Team != "", NeedsLanguage: a.If.Language != ""}
	for _, w := range a.If.Words {
		if w = strings.ToLower(strings.TrimSpace(w)); w != "" {
			r.words = append(r.words, w)
		}
	}
	for _, t := range a.If.Tags {
		r.tags = append(r.tags, strings.ToLower(strings.TrimSpace(t)))
	}
	for _, k := range a.If.Refs {
		r.refs = append(r.refs, strings.ToLower(strings.TrimSpace(k)))
	}
	return r
}

// Matches reports whether the case meets the automation's conditions (see Rule.Matches).
func (a Automation) Matches(f CaseFacts) bool {
	r := CompileAutomation(a)
	return r.Matches(&f)
}

// Matches reports whether the case meets the rule's conditions. A quarantined case (held as
// possible spam) is left alone unless the rule asks for that status. The references and words
// are looked for last: the other conditions cost less.
func (r *Rule) Matches(f *CaseFacts) bool {
	c, cond := &f.Case, &r.If
	if c.Status == StatusQuarantined && cond.Status != StatusQuarantined {
		return false
	}
	lang := f.Language
	if lang == "" {
		lang = "en"
	}
	switch {
	case cond.Team != "" && !strings.EqualFold(cond.Team, f.Team),
		cond.Type != "" && !strings.EqualFold(cond.Type, c.Type),
		cond.Channel != "" && !strings.EqualFold(cond.Channel, c.Channel),
		cond.Language != "" && !strings.EqualFold(cond.Language, lang),
		cond.CustomerID != 0 && cond.CustomerID != c.CustomerID,
		cond.Status != "" && cond.Status != c.Status,
		cond.Priority != "" && !strings.EqualFold(cond.Priority, c.Priority):
		return false
	}
	for _, t := range r.tags {
		if !slices.Contains(c.Tags, t) {
			return false
		}
	}
	if len(r.refs) > 0 {
		if !f.refsRead {
			f.refKinds, f.refsRead = text.RefKinds(c.Subject+"\n"+f.Text), true
		}
		if !slices.ContainsFunc(r.refs, func(k string) bool { return slices.Contains(f.refKinds, k) }) {
			return false
		}
	}
	if len(r.words) == 0 {
		return true
	}
	if f.hay == "" {
		f.hay = strings.ToLower(c.Subject + "\n" + f.Text)
	}
	for _, w := range r.words {
		if strings.Contains(f.hay, w) {
			return true
		}
	}
	return false
}

// AutomationCalledData is the data of an automation's webhook call (type "automation").
type AutomationCalledData struct {
	AutomationID int64      `json:"automation_id"`
	Automation   string     `json:"automation"`
	Event        string     `json:"event"` // what started it: an event type, or idle, waiting, promise_due
	Subject      string     `json:"subject"`
	Status       Status     `json:"status"`
	Owner        *PersonRef `json:"owner" openapi:"nullable"` // null while the case waits in its team's queue
}

// ShippedAutomation is an example Kept ships: set up turned off, once, for an admin to switch on.
type ShippedAutomation struct {
	Key  string // stable, whatever the admin renames it to
	Rule Automation
}

// ShippedAutomations are the examples: remind a customer the desk has waited on for three
// business days; tell the customer when a resolution they never confirmed is closed at the end
// of the wait (the desk closes it by its timer, closed_unconfirmed, and says nothing to them);
// tag invoice questions (in English, Estonian and Croatian) and hand them to the Billing team.
func ShippedAutomations() []ShippedAutomation {
	return []ShippedAutomation{
		{Key: "remind_waiting", Rule: Automation{Name: "Remind a customer after 3 business days",
			When: AutomationWhen{WaitingDays: 3},
			Then: []AutomationAction{{Do: DoRemindCustomer, Say: SayWaiting}}}},
		{Key: "closed_unconfirmed", Rule: Automation{Name: "Tell the customer an unconfirmed resolution is closed",
			When: AutomationWhen{Event: string(KindStatusChanged)}, If: AutomationIf{Status: StatusClosedUnconfirmed},
			Then: []AutomationAction{{Do: DoRemindCustomer, Say: SayClosedUnconfirmed}}}},
		{Key: "invoices", Rule: Automation{Name: "Tag and route invoices",
			When: AutomationWhen{Event: string(EventCaseOpened)}, If: AutomationIf{Words: []string{"invoice", "arve", "račun"}},
			Then: []AutomationAction{{Do: DoAddTags, Tags: []string{"invoice"}}, {Do: DoAssign, Team: ShippedBillingTeam}}}},
	}
}

// ShippedBillingTeam is the team the invoice example hands cases to, when the desk has one.
const ShippedBillingTeam = "Billing"
