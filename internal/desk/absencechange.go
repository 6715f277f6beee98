package desk

import (
	"fmt"
	"time"
)

// AbsenceChange is a shortened or cancelled absence: To is the new end; Cancel takes the
// absence away altogether (one that has started ends now instead).
type AbsenceChange struct {
	To     time.Time
	Cancel bool
}

// ChangeAbsence decides what shortening or cancelling an absence leaves: the absence as it now
// stands, and whether it is gone (it had not started and was cancelled). An absence can only be
// made shorter: a longer one is a new absence, with its own hand-overs.
func ChangeAbsence(a Absence, in AbsenceChange, now time.Time) (Absence, bool, error) {
	if !a.To.After(now) {
		return a, false, Conflict("absence_over", fmt.Sprintf("the absence ended at %s", a.To.Format(time.RFC3339)), nil)
	}
	if in.Cancel {
		if a.From.After(now) {
			return a, true, nil
		}
		a.To = now
		return a, false, nil
	}
	switch {
	case in.To.IsZero():
		return a, false, Invalid("to", "give the new end, or cancel the absence")
	case !in.To.Before(a.To):
		return a, false, Invalid("to", "an absence can only be shortened: record a new one to stay away longer")
	case in.To.Before(now):
		return a, false, Invalid("to", "the new end is in the past: cancel the absence to end it now")
	case !in.To.After(a.From):
		return a, false, Invalid("to", "the new end is before the absence starts: cancel it instead")
	}
	a.To = in.To
	return a, false, nil
}

// AbsenceChangedNote is the entry on a case an absence had moved: who changed it, and when the
// case now goes back to its owner.
func AbsenceChangedNote(by Actor, agent Agent, was, now Absence, cancelled bool) Draft {
	loc := agent.Location()
	at := now.To.In(loc).Format("Mon 2 Jan 15:04 MST")
	body := fmt.Sprintf("%s shortened %s's %s (it was to end %s): %s is back %s, and the case returns then.",
		by.Name, agent.Name, was.Kind, was.To.In(loc).Format("Mon 2 Jan 15:04 MST"), agent.Name, at)
	if cancelled {
		body = fmt.Sprintf("%s cancelled %s's %s (%s to %s): the case returns to %s.", by.Name, agent.Name, was.Kind,
			was.From.In(loc).Format("Mon 2 Jan 15:04"), was.To.In(loc).Format("Mon 2 Jan 15:04 MST"), agent.Name)
	}
	return Draft{Kind: KindNote, Actor: by, Internal: true, Body: body}
}
