package desk

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// More record entry kinds, for processes and resolutions.
const (
	KindStepChanged       EntryKind = "step_changed"
	KindResolutionAsked   EntryKind = "resolution_proposed"
	KindClosedUnconfirmed EntryKind = "closed_unconfirmed"
)

// Step is one named stage of a case type's process, explained the way the customer reads it,
// optionally carried out by a partner ("HP hardware service, contracted by us"). Name and
// Explanation are the case type's own words; Translations give them in other languages (by
// code: "et", "hr"), so that each customer reads the step in theirs.
type Step struct {
	Name         string               `json:"name"`
	Explanation  string               `json:"explanation"`
	Partner      string               `json:"partner,omitempty"`
	Translations map[string]StepWords `json:"translations,omitempty"`
}

// StepWords are a step's name and explanation in one language.
type StepWords struct {
	Name        string `json:"name"`
	Explanation string `json:"explanation"`
}

// In is the step's name and explanation as a reader of lang reads them: its translation into
// lang where the case type gives one, else its own words.
func (s Step) In(lang string) StepWords {
	if t, ok := s.Translations[lang]; ok {
		return t
	}
	return StepWords{Name: s.Name, Explanation: s.Explanation}
}

// CaseType is a kind of matter the desk handles: the references it needs, the team that owns
// it, and its process.
type CaseType struct {
	ID                 int64         `json:"id"`
	Name               string        `json:"name"`
	TeamID             int64         `json:"team_id,omitempty"`
	Team               string        `json:"team,omitempty"`
	RequiredReferences []string      `json:"required_references"`
	ResponseTarget     time.Duration `json:"-"` // 0: the team's
	ResponseTargetS    int64         `json:"response_target_s,omitempty"`
	Steps              []Step        `json:"steps"`
	CreatedAt          time.Time     `json:"created_at"`
}

// NewCaseType is what it takes to define a case type.
type NewCaseType struct {
	Name               string
	Team               string
	RequiredReferences []string
	ResponseTarget     time.Duration // 0: the team's
	Steps              []Step
}

// ValidateCaseType checks a case type's definition.
func ValidateCaseType(in NewCaseType, now time.Time) (CaseType, error) {
	ct := CaseType{Name: strings.TrimSpace(in.Name), Team: strings.TrimSpace(in.Team), RequiredReferences: []string{}, Steps: []Step{}, CreatedAt: now}
	if ct.Name == "" || utf8.RuneCountInString(ct.Name) > 100 {
		return ct, Invalid("name", "a name of 1 to 100 characters is required")
	}
	for i, k := range in.RequiredReferences {
		k = strings.ToLower(strings.TrimSpace(k))
		if k == "" || len(k) > 40 {
			return ct, Invalid(fmt.Sprintf("required_references[%d]", i), "a reference kind such as order or tracking is required")
		}
		if !slices.Contains(ct.RequiredReferences, k) {
			ct.RequiredReferences = append(ct.RequiredReferences, k)
		}
	}
	if in.ResponseTarget < 0 || (in.ResponseTarget > 0 && in.ResponseTarget < time.Minute) || in.ResponseTarget > LongestTarget {
		return ct, Invalid("response_target_s", "must be between 60 seconds and 366 days (or 0 for the team's)")
	}
	ct.ResponseTarget, ct.ResponseTargetS = in.ResponseTarget, int64(in.ResponseTarget/time.Second)
	if len(in.Steps) > 30 {
		return ct, Invalid("steps", "a process has at most 30 steps")
	}
	for i, s := range in.Steps {
		s.Name, s.Explanation, s.Partner = strings.TrimSpace(s.Name), strings.TrimSpace(s.Explanation), strings.TrimSpace(s.Partner)
		if s.Name == "" || utf8.RuneCountInString(s.Name) > 100 {
			return ct, Invalid(fmt.Sprintf("steps[%d].name", i), "a name of 1 to 100 characters is required")
		}
		if s.Explanation == "" || len(s.Explanation) > 4000 {
			return ct, Invalid(fmt.Sprintf("steps[%d].explanation", i), "explain the step to the customer (up to 4000 bytes)")
		}
		var err error
		if s.Translations, err = validateStepWords(i, s.Translations); err != nil {
			return ct, err
		}
		ct.Steps = append(ct.Steps, s)
	}
	return ct, nil
}

// validateStepWords checks a step's translations: each in a language the desk speaks, with a
// name and an explanation as the step's own must have.
func validateStepWords(i int, in map[string]StepWords) (map[string]StepWords, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make(map[string]StepWords, len(in))
	for lang, t := range in {
		code := strings.ToLower(strings.TrimSpace(lang))
		field := fmt.Sprintf("steps[%d].translations.%s", i, lang)
		if _, ok := wordsByLang[code]; !ok {
			return nil, Invalid(field, "the desk speaks %s; %q is none of them", strings.Join(Languages(), ", "), lang)
		}
		t.Name, t.Explanation = strings.TrimSpace(t.Name), strings.TrimSpace(t.Explanation)
		if t.Name == "" || utf8.RuneCountInString(t.Name) > 100 {
			return nil, Invalid(field+".name", "a name of 1 to 100 characters is required")
		}
		if t.Explanation == "" || len(t.Explanation) > 4000 {
			return nil, Invalid(field+".explanation", "explain the step to the customer (up to 4000 bytes)")
		}
		out[code] = t
	}
	return out, nil
}

// MissingReferences lists the reference kinds a case of this type needs that neither the
// intake nor the customer's file has.
func MissingReferences(ct CaseType, given, onCustomer []Reference) []string {
	var missing []string
	for _, kind := range ct.RequiredReferences {
		has := func(r Reference) bool { return r.Kind == kind }
		if !slices.ContainsFunc(given, has) && !slices.ContainsFunc(onCustomer, has) {
			missing = append(missing, kind)
		}
	}
	return missing
}

// stepText is how a step reads on the record, in the customer's language: where the case is
// and what happens there. The step's names and explanations are the case type's own words, in
// the customer's language where the type translates them.
func stepText(r Reader, ct CaseType, pos int) string {
	w := r.words()
	s := ct.Steps[pos-1]
	in := s.In(r.Lang)
	text := sentence(fmt.Sprintf(w.step, pos, len(ct.Steps), in.Name, in.Explanation))
	if s.Partner != "" {
		text += sentence(fmt.Sprintf(w.stepPartner, s.Partner))
	}
	if pos < len(ct.Steps) {
		text += sentence(fmt.Sprintf(w.stepNext, ct.Steps[pos].In(r.Lang).Name))
	}
	return text
}

// EnterStep decides what moving a case to step pos (1-based) of its process does: the customer
// reads where their case is, what happens there and what comes next.
func EnterStep(c *Case, ct CaseType, pos int, by Actor) ([]Draft, error) {
	if len(ct.Steps) == 0 {
		return nil, Conflict("no_process", fmt.Sprintf("case type %q has no process steps", ct.Name), nil)
	}
	if pos < 1 || pos > len(ct.Steps) {
		return nil, Invalid("step", "choose a step from 1 to %d", len(ct.Steps))
	}
	if pos == c.Step {
		return nil, Invalid("step", "the case is already at step %d (%s)", pos, ct.Steps[pos-1].Name)
	}
	from := c.Step
	c.Step = pos
	return []Draft{{Kind: KindStepChanged, Actor: by, Body: stepText(c.Reader, ct, pos),
		Data: StepChangedData{From: from, To: pos, Step: ct.Steps[pos-1].Name}}}, nil
}

// Resolve decides what proposing a resolution does: the case waits for the customer to confirm
// it, and the customer is asked in plain words.
func Resolve(c *Case, by Actor, summary string, now time.Time) ([]Draft, error) {
	summary, err := checkText("summary", strings.TrimSpace(summary), maxBody, true)
	if err != nil {
		return nil, err
	}
	if c.Status != StatusOpen {
		return nil, Conflict("not_open", fmt.Sprintf("%s is %s: only an open case can be resolved", c.Ref(), c.Status), nil)
	}
	c.Resolution, c.ResolvedBy = summary, by.ID
	c.Unanswered = 0 // proposing a resolution answers the customer
	d := statusChange(c, StatusAwaitingConfirmation, "a resolution was proposed")
	return []Draft{d, {Kind: KindResolutionAsked, Actor: by, Body: summary + "\n\n" + c.Reader.words().resolutionAsked,
		Data: ResolutionAskedData{Summary: summary}}}, nil
}

// Confirmation is the customer's answer to a proposed resolution, and how it came: Via one of
// the Answered ways ("" when the caller does not say), and for a reply, the stored mail.
type Confirmation struct {
	Confirmed bool
	Words     string
	Via       string
	MailID    int64
	// RecordedBy names the integration that recorded the answer for the customer ("" when the
	// customer gave it themselves).
	RecordedBy string
}

// AnsweredByReply is a customer's answer given by replying to the desk's mail (the others are
// AnsweredInPortal and AnsweredByLink).
const AnsweredByReply = "reply"

// Confirm decides what the customer's answer does: a confirmation closes the case; "that is not
// what I asked" reopens it, with the original request beside the rejected answer.
func Confirm(c *Case, customer Actor, in Confirmation, now time.Time) ([]Draft, error) {
	if c.Status != StatusAwaitingConfirmation {
		return nil, Conflict("not_awaiting_confirmation", fmt.Sprintf("%s is %s: there is no resolution to confirm", c.Ref(), c.Status), nil)
	}
	words, err := checkText("words", strings.TrimSpace(in.Words), maxBody, false)
	if err != nil {
		return nil, err
	}
	if in.Confirmed {
		if words == "" {
			words = c.Reader.words().confirmed
		}
		data := ResolutionConfirmedData{Summary: c.Resolution, Via: in.Via, MailID: in.MailID, RecordedBy: in.RecordedBy}
		return []Draft{{Kind: KindResolutionConfirmed, Actor: customer, Body: words, Data: data},
			statusChange(c, StatusClosed, "the customer confirmed the resolution")}, nil
	}
	if words == "" {
		words = c.Reader.words().rejected
	}
	rejected := c.Resolution
	c.Resolution = ""
	c.Unanswered = 1 // the customer is waiting again
	return []Draft{{Kind: KindResolutionRejected, Actor: customer, Body: words,
		Data: ResolutionRejectedData{OriginalRequest: c.OriginalRequest, RejectedAnswer: rejected, Via: in.Via, MailID: in.MailID, RecordedBy: in.RecordedBy}},
		statusChange(c, StatusOpen, "the customer rejected the resolution")}, nil
}

// Reopen decides what taking a proposed resolution back does: the desk read the customer's
// answer (a reply that was not a clear yes or no, say) as "not solved", and the case is open
// again with the customer waiting for an answer. Only the customer confirms; the desk may
// always decide its resolution did not hold.
func Reopen(c *Case, by Actor, why string) ([]Draft, error) {
	if c.Status != StatusAwaitingConfirmation {
		return nil, Conflict("not_awaiting_confirmation", fmt.Sprintf("%s is %s: there is no resolution to take back", c.Ref(), c.Status), nil)
	}
	why, err := checkText("reason", strings.TrimSpace(why), 4000, true)
	if err != nil {
		return nil, err
	}
	c.Resolution = ""
	c.Unanswered = 1 // the customer waits for the desk again
	d := statusChange(c, StatusOpen, by.Name+" took the resolution back: "+why)
	d.Actor = by
	return []Draft{d}, nil
}

// CloseUnconfirmed decides what a resolution nobody answered does after the wait: the case
// closes, counted apart from confirmed ones.
func CloseUnconfirmed(c *Case, wait time.Duration) []Draft {
	if c.Status != StatusAwaitingConfirmation {
		return nil
	}
	return []Draft{statusChange(c, StatusClosedUnconfirmed, fmt.Sprintf("no answer from the customer within %s", RoundDuration(wait)))}
}

// BlocksOffers reports whether a customer's case in this status stops offers to them (see
// OpenComplaints): the case page disables its offer controls by the same rule.
func BlocksOffers(s Status) bool { return s == StatusOpen || s == StatusAwaitingConfirmation }

// OpenComplaints refuses an offer while any of the customer's cases is open or awaiting
// confirmation: nobody sells to a customer whose problem is not solved.
func OpenComplaints(cases []Case) error {
	var open []map[string]any
	for _, c := range cases {
		if BlocksOffers(c.Status) {
			open = append(open, map[string]any{"id": c.ID, "ref": c.Ref(), "status": string(c.Status)})
		}
	}
	if len(open) == 0 {
		return nil
	}
	return Conflict("complaint_open", fmt.Sprintf("the customer has %d case(s) open or awaiting confirmation: no offers until they are resolved", len(open)),
		map[string]any{"cases": open})
}
