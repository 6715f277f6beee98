package desk

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// The daily work on a case (issue 16): who a reply is copied to, a case waiting on its
// customer, and two cases of one customer merged into one.

// Entry kinds of the daily work.
const (
	KindCopiesChanged  EntryKind = "copies_changed"  // the case's cc (public) or bcc (internal) changed
	KindWaitingChanged EntryKind = "waiting_changed" // the case was set waiting on its customer, or stopped waiting
	KindMerged         EntryKind = "merged"          // a case merged into another: on both records
)

// MaxCopies bounds a case's cc and bcc each.
const MaxCopies = 20

// ParseCopies checks and tidies addresses to copy a case's mail to: bare addresses, lower
// case, each once, in the order given; empty items are skipped.
func ParseCopies(field string, in []string) ([]string, error) {
	out := []string{}
	for i, s := range in {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		a, err := mail.ParseAddress(s)
		if err != nil || strings.ContainsAny(a.Address, " \t\r\n<>,;\"") || !strings.Contains(a.Address, "@") {
			return nil, Invalid(fmt.Sprintf("%s[%d]", field, i), "%q is not a mail address", s)
		}
		addr := strings.ToLower(a.Address)
		if !slices.Contains(out, addr) {
			out = append(out, addr)
		}
	}
	if len(out) > MaxCopies {
		return nil, Invalid(field, "a case is copied to at most %d addresses", MaxCopies)
	}
	return out, nil
}

// CopiesChangedData is a change of a case's cc or of its bcc: all of them before and after.
// A bcc change is an internal entry, so the customer never reads who was copied unseen.
type CopiesChangedData struct {
	Blind bool     `json:"blind,omitempty"` // the bcc changed (else the cc)
	From  []string `json:"from"`
	To    []string `json:"to"`
}

// CopiesChange is what a change of a case's copies writes: an entry for the cc (public: the
// customer sees who else reads the mail) and an internal one for the bcc, each from what to
// what. nil leaves a list as it is.
func CopiesChange(c *Case, actor Actor, cc, bcc []string) []Draft {
	var drafts []Draft
	if cc != nil && !slices.Equal(cc, nonNil(c.CC)) {
		drafts = append(drafts, Draft{Kind: KindCopiesChanged, Actor: actor,
			Body: fmt.Sprintf("Cc: %s → %s", orNone(strings.Join(c.CC, ", ")), orNone(strings.Join(cc, ", "))),
			Data: CopiesChangedData{From: nonNil(c.CC), To: cc}})
		c.CC = cc
	}
	if bcc != nil && !slices.Equal(bcc, nonNil(c.BCC)) {
		drafts = append(drafts, Draft{Kind: KindCopiesChanged, Actor: actor, Internal: true,
			Body: fmt.Sprintf("Bcc: %s → %s", orNone(strings.Join(c.BCC, ", ")), orNone(strings.Join(bcc, ", "))),
			Data: CopiesChangedData{Blind: true, From: nonNil(c.BCC), To: bcc}})
		c.BCC = bcc
	}
	return drafts
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// WaitingChangedData is a case set waiting on its customer (until a time, when snoozed) or
// no longer waiting, and why.
type WaitingChangedData struct {
	Reason  string  `json:"reason,omitempty"` // why it stopped: answered, ended, reminded
	Until   Instant `json:"until,omitzero"`
	Waiting bool    `json:"waiting"`
}

// Why a case stops waiting on its customer.
const (
	WaitingAnswered = "answered" // the customer wrote
	WaitingEnded    = "ended"    // someone on the desk took it back
	WaitingReminded = "reminded" // the time it waited until came without an answer
)

// Waiting reports whether the case waits on its customer.
func (c Case) Waiting() bool { return !c.WaitingSince.IsZero() }

// SetWaiting decides what setting a case waiting on its customer does (until a time, when
// until is not zero): an internal entry; a case already waiting gets its new time.
func SetWaiting(c *Case, by Actor, until, now time.Time) (Draft, error) {
	if c.Status != StatusOpen {
		return Draft{}, Conflict("not_open", fmt.Sprintf("%s is %s: only an open case waits on its customer", c.Ref(), c.Status), nil)
	}
	if !until.IsZero() && !until.After(now) {
		return Draft{}, Invalid("until", "the time to wait until has passed")
	}
	if !until.IsZero() && until.After(now.AddDate(1, 0, 0)) {
		return Draft{}, Invalid("until", "a case waits a year at most")
	}
	if c.Waiting() && c.WaitingUntil.Equal(until) {
		return Draft{}, Conflict("already_waiting", fmt.Sprintf("%s waits on its customer already", c.Ref()), nil)
	}
	body := "Waiting on the customer"
	if !until.IsZero() {
		body += " until " + until.UTC().Format(time.RFC3339)
	}
	if !c.Waiting() {
		c.WaitingSince = now
	}
	c.WaitingUntil = until
	return Draft{Kind: KindWaitingChanged, Actor: by, Internal: true, Body: body + ".",
		Data: WaitingChangedData{Until: InstantOf(until), Waiting: true}}, nil
}

// StopWaiting decides what a case that waited on its customer stopping does, for a reason
// (WaitingAnswered, WaitingEnded, WaitingReminded): an internal entry with how long it waited.
func StopWaiting(c *Case, by Actor, reason string, now time.Time) (Draft, bool) {
	if !c.Waiting() {
		return Draft{}, false
	}
	waited := now.Sub(c.WaitingSince).Round(time.Minute)
	c.WaitingSince, c.WaitingUntil = time.Time{}, time.Time{}
	body := map[string]string{
		WaitingAnswered: "The customer answered: no longer waiting",
		WaitingEnded:    "No longer waiting on the customer",
		WaitingReminded: "Waited without an answer: back with the owner",
	}[reason]
	return Draft{Kind: KindWaitingChanged, Actor: by, Internal: true, Body: fmt.Sprintf("%s (waited %s).", body, waited),
		Data: WaitingChangedData{Reason: reason}}, true
}

// MergedData is a merge on each of the two records: on the merged case Into names where it
// went; on the case it went into, From names where it came from.
type MergedData struct {
	From int64 `json:"from,omitempty"`
	Into int64 `json:"into,omitempty"`
}

// Merge decides what merging case from into case into does: both of one customer, both
// active, neither merged already; from is closed, pointing to into. It returns the entries of
// each record (public: the customer sees both cases and reads where one went).
func Merge(into, from *Case, by Actor, now time.Time) (intoDrafts, fromDrafts []Draft, err error) {
	switch {
	case into.ID == from.ID:
		return nil, nil, Invalid("from", "a case cannot be merged into itself")
	case into.CustomerID != from.CustomerID:
		return nil, nil, Conflict("merge_other_customer",
			fmt.Sprintf("%s and %s are cases of different customers: only cases of one customer are merged", into.Ref(), from.Ref()), nil)
	case from.MergedInto != 0 || into.MergedInto != 0:
		return nil, nil, Conflict("merged_already", fmt.Sprintf("%s or %s was merged already", into.Ref(), from.Ref()), nil)
	case !into.Status.Active() || !from.Status.Active():
		return nil, nil, Conflict("merge_closed", fmt.Sprintf("%s and %s must both be open to merge", into.Ref(), from.Ref()), nil)
	}
	fromDrafts = []Draft{{Kind: KindMerged, Actor: by, Body: fmt.Sprintf("Merged into %s.", into.Ref()), Data: MergedData{Into: into.ID}}}
	if d, ok := StopWaiting(from, by, WaitingEnded, now); ok {
		d.Body = "No longer waiting on the customer: merged."
		fromDrafts = append(fromDrafts, d)
	}
	d := statusChange(from, StatusClosed, "merged into "+into.Ref())
	d.Actor = by
	fromDrafts = append(fromDrafts, d)
	from.MergedInto = into.ID
	intoDrafts = []Draft{{Kind: KindMerged, Actor: by, Body: fmt.Sprintf("%s merged in.", from.Ref()), Data: MergedData{From: from.ID}}}
	return intoDrafts, fromDrafts, nil
}

func (CopiesChangedData) entryKind() EntryKind  { return KindCopiesChanged }
func (WaitingChangedData) entryKind() EntryKind { return KindWaitingChanged }
func (MergedData) entryKind() EntryKind         { return KindMerged }
