package desk

import (
	"fmt"
	"time"
)

// KindQueued is the desk's word to a customer whose new case waits in its team's queue because
// nobody of the team is at work: their message has arrived and when the team answers. It names
// nobody (no owner is chosen yet) and does not answer the customer: their response clock runs.
const KindQueued EntryKind = "queued"

// QueuedData says which team's queue holds the case and when the team opens (none: not known
// within the desk's look-ahead).
type QueuedData struct {
	Team  string   `json:"team"`
	Opens *Instant `json:"opens,omitempty"`
}

func (QueuedData) entryKind() EntryKind { return KindQueued }

// Queued is the customer's entry for a case put in its team's queue, in the customer's language
// and zone (fallback: the team's); opens is the team's next opening, zero when none is known.
func Queued(c *Case, team string, opens time.Time, fallback *time.Location) Draft {
	w := c.Reader.words()
	d := QueuedData{Team: team}
	body := fmt.Sprintf(w.queuedLater, c.Ref())
	if !opens.IsZero() {
		at := InstantOf(opens)
		d.Opens = &at
		body = fmt.Sprintf(w.queued, c.Ref(), c.Reader.when(opens, fallback, dateFrom))
	}
	return Draft{Kind: KindQueued, Actor: SystemActor(), Body: body, Data: d}
}
