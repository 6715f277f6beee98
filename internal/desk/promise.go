package desk

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// PromiseKind is what was promised.
type PromiseKind string

// Kinds of promises.
const (
	PromiseCallback    PromiseKind = "callback"
	PromiseUpdate      PromiseKind = "update"
	PromiseDelivery    PromiseKind = "delivery"
	PromiseFix         PromiseKind = "fix"
	PromiseAppointment PromiseKind = "appointment"
)

var promiseKinds = []PromiseKind{PromiseCallback, PromiseUpdate, PromiseDelivery, PromiseFix, PromiseAppointment}

// PromiseState is what became of a promise. A slipped promise stays open with a new due time.
type PromiseState string

// Promise states.
const (
	PromiseOpen   PromiseState = "open"
	PromiseKept   PromiseState = "kept"
	PromiseBroken PromiseState = "broken"
)

// Promise is a commitment made to a customer: the exact words, who made it, who owns it, when it is due.
type Promise struct {
	ID        int64        `json:"id"`
	CaseID    int64        `json:"case_id"`
	Kind      PromiseKind  `json:"kind"`
	Words     string       `json:"words"`
	Place     string       `json:"place,omitempty"`
	DueAt     time.Time    `json:"due_at"`
	State     PromiseState `json:"state"`
	MakerID   int64        `json:"maker_id"`
	OwnerID   int64        `json:"owner_id"`
	Slips     int          `json:"slips"`
	CaseType  string       `json:"-"`
	CreatedAt time.Time    `json:"created_at"`
	DoneAt    *time.Time   `json:"done_at,omitempty"`
}

// Flags the promise rules set on a case.
const (
	FlagPromiseRequired = "promise_required" // a promise broke: the customer is owed a new one
	FlagHandoverMissing = "handover_missing" // the owner went away without briefing anyone
)

// NewPromise is a promise an agent makes.
type NewPromise struct {
	Kind    string
	DueAt   time.Time
	Words   string
	Place   string
	OwnerID int64 // 0: the case's owner
}

// ValidatePromise checks a new promise before any state is loaded.
func ValidatePromise(in NewPromise, now time.Time) (NewPromise, error) {
	k := PromiseKind(strings.ToLower(strings.TrimSpace(in.Kind)))
	if !slices.Contains(promiseKinds, k) {
		return in, Invalid("kind", "unknown kind %q (use callback, update, delivery, fix or appointment)", in.Kind)
	}
	in.Kind = string(k)
	if in.DueAt.IsZero() {
		return in, Invalid("due_at", "the time the promise is due is required (RFC 3339)")
	}
	if !in.DueAt.After(now) {
		return in, Invalid("due_at", "a promise must be due in the future")
	}
	var err error
	if in.Words, err = checkText("words", strings.TrimSpace(in.Words), 4000, true); err != nil {
		return in, err
	}
	if in.Place, err = checkText("place", strings.TrimSpace(in.Place), 500, false); err != nil {
		return in, err
	}
	return in, nil
}

// MakePromise decides the entry a new (stored) promise adds to the record. Making a promise
// settles a "promise required" flag left by a broken one.
func MakePromise(c *Case, p Promise, by Actor) []Draft {
	c.Flags = slices.DeleteFunc(c.Flags, func(f string) bool { return f == FlagPromiseRequired })
	data := PromiseMadeData{PromiseID: p.ID, Kind: p.Kind, DueAt: InstantOf(p.DueAt), OwnerID: p.OwnerID, Place: p.Place}
	return []Draft{{Kind: KindPromiseMade, Actor: by, Body: p.Words, Data: data}}
}

// KeepPromise decides what keeping an open promise does.
func KeepPromise(p *Promise, by Actor, note string, now time.Time) ([]Draft, error) {
	if p.State != PromiseOpen {
		return nil, Conflict("promise_closed", fmt.Sprintf("the promise is already %s", p.State), map[string]any{"state": string(p.State)})
	}
	note, err := checkText("note", strings.TrimSpace(note), 4000, false)
	if err != nil {
		return nil, err
	}
	p.State, p.DoneAt = PromiseKept, &now
	body := "Kept: " + p.Words
	if note != "" {
		body += "\n" + note
	}
	return []Draft{{Kind: KindPromiseKept, Actor: by, Body: body, Data: PromiseKeptData{PromiseID: p.ID, DueAt: InstantOf(p.DueAt)}}}, nil
}

// Slip is moving a promise's due time: a reason and a message to the customer are required.
// Words restate the promise for the new time; without them the desk rewrites the time phrase
// of the words it has, when it finds one, as Reader reads it (in Reader's zone, else Fallback).
type Slip struct {
	DueAt    time.Time
	Reason   string
	Message  string
	Words    string
	Reader   Reader
	Fallback *time.Location
}

// SlipPromise decides what moving an open promise does: the slip (public, so the customer sees
// their promise moved, with the reason) and the message to the customer. It reports whether the
// slip escalates the case: the second slip of one promise does, and every slip after it.
func SlipPromise(p *Promise, by Actor, in Slip, now time.Time) ([]Draft, bool, error) {
	if p.State != PromiseOpen {
		return nil, false, Conflict("promise_closed", fmt.Sprintf("the promise is already %s", p.State), map[string]any{"state": string(p.State)})
	}
	if in.DueAt.IsZero() || !in.DueAt.After(now) {
		return nil, false, Invalid("due_at", "the new due time must be in the future")
	}
	if !in.DueAt.After(p.DueAt) {
		return nil, false, Invalid("due_at", "a slip moves the promise later; to keep it sooner, keep it")
	}
	reason, err := checkText("reason", strings.TrimSpace(in.Reason), 4000, true)
	if err != nil {
		return nil, false, err
	}
	msg, err := checkText("message_to_customer", strings.TrimSpace(in.Message), maxBody, true)
	if err != nil {
		return nil, false, err
	}
	words, err := checkText("words", strings.TrimSpace(in.Words), 4000, false)
	if err != nil {
		return nil, false, err
	}
	if words == "" {
		words, _ = in.Reader.RestateWords(p.Words, p.DueAt, in.DueAt, in.Fallback)
	}
	data := PromiseSlippedData{PromiseID: p.ID, From: InstantOf(p.DueAt), To: InstantOf(in.DueAt), Reason: reason}
	if words != p.Words {
		// The record keeps both: what the customer was promised, and what they are promised now.
		data.Words, data.EarlierWords = words, p.Words
		p.Words = words
	}
	p.DueAt = in.DueAt
	p.Slips++
	data.Slips = p.Slips
	drafts := []Draft{
		{Kind: KindPromiseSlipped, Actor: by, Body: p.Words, Data: data},
		{Kind: KindMessageOut, Actor: by, Body: msg, Data: MessageOutData{PromiseID: p.ID}},
	}
	return drafts, p.Slips >= 2, nil
}

// BreakPromise decides what an unkept promise at its due time does: it is broken, the customer
// is told honestly (in their language; times in their zone, or else loc, the owner's), and a
// new promise is required. The caller
// escalates the case.
func BreakPromise(c *Case, p *Promise, loc *time.Location, now time.Time) ([]Draft, error) {
	if p.State != PromiseOpen || p.DueAt.After(now) {
		return nil, nil // kept, already broken, or slipped to later: nothing is due
	}
	p.State, p.DoneAt = PromiseBroken, &now
	c.AddFlag(FlagPromiseRequired)
	due := c.Reader.when(p.DueAt, loc, dateDue)
	return []Draft{
		{Kind: KindPromiseBroken, Actor: SystemActor(), Body: p.Words, Data: PromiseBrokenData{PromiseID: p.ID, DueAt: InstantOf(p.DueAt), Slips: p.Slips}},
		{Kind: KindMessageOut, Actor: SystemActor(), Body: fmt.Sprintf(c.Reader.words().apology, p.Words, due)},
	}, nil
}

// Estimate is how long such promises took to keep, from history.
type Estimate struct {
	Samples int    `json:"samples"`
	MedianS int64  `json:"median_s"`
	P90S    int64  `json:"p90_s"`
	Warning string `json:"warning,omitempty"`
}

// MinEstimateSamples is how many kept promises it takes before the desk says anything.
const MinEstimateSamples = 5

// EstimateFor summarises how long kept promises of the same case type and kind took (from
// being made to being kept) and warns when the new one is due sooner than 90% of them took.
// It returns nil while there is too little history.
func EstimateFor(took []time.Duration, due, now time.Time) *Estimate {
	e := Typical(took)
	if e == nil {
		return nil
	}
	median, p90 := time.Duration(e.MedianS)*time.Second, time.Duration(e.P90S)*time.Second
	if left := due.Sub(now); left < p90 {
		e.Warning = fmt.Sprintf("Such promises took %s (median) and up to %s (90%%) to keep; this one is due in %s.",
			RoundDuration(median), RoundDuration(p90), RoundDuration(left))
	}
	return e
}

// Typical summarises how long something took in history (median and 90th percentile), or
// nil while there are fewer than MinEstimateSamples.
func Typical(took []time.Duration) *Estimate {
	if len(took) < MinEstimateSamples {
		return nil
	}
	s := slices.Clone(took)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return &Estimate{Samples: len(s), MedianS: int64(quantile(s, 0.5).Seconds()), P90S: int64(quantile(s, 0.9).Seconds())}
}

// quantile is the nearest-rank quantile of sorted durations.
func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(float64(len(sorted))*q+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// RoundDuration says a duration the way people do: "90 minutes", "5 hours", "2.5 days".
func RoundDuration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%.1f days", d.Hours()/24)
	case d >= 2*time.Hour:
		return fmt.Sprintf("%.0f hours", d.Hours())
	case d < 90*time.Second:
		if d < 30*time.Second {
			return "less than a minute"
		}
		return "1 minute" // never "1 minutes"
	default:
		return fmt.Sprintf("%.0f minutes", d.Minutes())
	}
}
