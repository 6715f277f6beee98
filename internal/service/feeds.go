package service

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/auth"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/store"
)

// An agent's private calendar feed (.ics): their open promises and their absences, for the
// calendar they already live in. It is reached by a secret URL, because calendar clients
// cannot sign in: whoever has the URL reads the feed, so the agent can revoke it (or make a new
// one, which ends the old) at any time, and only its digest is kept.

// CalendarFeedLink is an agent's feed URL, shown once, when it is made.
type CalendarFeedLink struct {
	URL       string    `json:"url"`
	CreatedAt time.Time `json:"created_at"`
}

// calendarFeedPath is where feeds are served, under the desk's address.
const calendarFeedPath = "/calendar/"

// Feed window: absences that ended a month ago still show, and a year and more ahead.
const (
	feedPast   = 30 * 24 * time.Hour
	feedFuture = 400 * 24 * time.Hour
	feedMax    = 1000 // promises in a feed, soonest due first
)

// promiseLength is how long a promise that is not an appointment stands in a calendar.
const promiseLength = 15 * time.Minute

// mayUseFeed refuses anyone but the agent (or an admin, to revoke one).
func mayUseFeed(actor desk.Actor, agentID int64, revoke bool) error {
	if actor.Kind == desk.ActorAgent && actor.ID == agentID && actor.Role != desk.RolePartner {
		return nil
	}
	if revoke && actor.Kind == desk.ActorAgent && actor.Role == desk.RoleAdmin {
		return nil
	}
	return desk.Forbidden("only the agent makes their own calendar feed (an admin may revoke one)")
}

// CreateCalendarFeed makes the agent a new private feed URL and ends the one before it.
func (s *Service) CreateCalendarFeed(ctx context.Context, actor desk.Actor, agentID int64) (CalendarFeedLink, error) {
	if err := mayUseFeed(actor, agentID, false); err != nil {
		return CalendarFeedLink{}, err
	}
	var out CalendarFeedLink
	err := s.write(ctx, actor, func(w *work) error {
		// The agent locked: two made at once (a double click) each ended the feeds before
		// them, not the other's new one, and both stayed live.
		if err := w.tx.LockToChange(w.ctx, store.AgentToChange, agentID); err != nil {
			return notFoundAs(err, "agent", agentID)
		}
		if _, err := w.agent(agentID); err != nil {
			return notFoundAs(err, "agent", agentID)
		}
		secret, digest, err := auth.NewSecret()
		if err != nil {
			return err
		}
		id, err := w.tx.InsertCalendarFeed(w.ctx, agentID, digest, w.now)
		if err != nil {
			return err
		}
		out = CalendarFeedLink{URL: s.baseURL() + calendarFeedPath + auth.FormatToken(id, secret) + ".ics", CreatedAt: w.now}
		w.afterCommit(func() { s.log.Info("calendar feed made", "agent", agentID, "feed", id) })
		return nil
	})
	return out, wrap("make calendar feed", err)
}

// RevokeCalendarFeed ends the agent's feed URL at once; it reports whether one was live.
func (s *Service) RevokeCalendarFeed(ctx context.Context, actor desk.Actor, agentID int64) (bool, error) {
	if err := mayUseFeed(actor, agentID, true); err != nil {
		return false, err
	}
	var n int64
	err := s.write(ctx, actor, func(w *work) error {
		var err error
		n, err = w.tx.RevokeCalendarFeeds(w.ctx, agentID, w.now)
		return err
	})
	return n > 0, wrap("revoke calendar feed", err)
}

// CalendarFeedOf says whether the agent has a live feed, and since when.
func (s *Service) CalendarFeedOf(ctx context.Context, actor desk.Actor, agentID int64) (bool, time.Time, error) {
	if err := mayUseFeed(actor, agentID, true); err != nil {
		return false, time.Time{}, err
	}
	var f store.CalendarFeed
	var ok bool
	err := s.readTx(ctx, func(tx *store.Tx) error {
		var err error
		f, ok, err = tx.LiveCalendarFeed(ctx, agentID)
		return err
	})
	return ok, f.CreatedAt, wrap("load calendar feed", err)
}

// CalendarFeed is the feed behind a URL's token ("….ics" or the token alone): the agent's open
// promises and absences as an iCalendar object. A revoked, unknown or tampered token is "not
// found".
func (s *Service) CalendarFeed(ctx context.Context, token string) ([]byte, error) {
	var out []byte
	err := s.read(ctx, desk.SystemActor(), func(w *work) error {
		id, secret, err := auth.ParseToken(strings.TrimSuffix(token, ".ics"))
		if err != nil {
			return desk.NotFound("calendar feed", "")
		}
		f, err := w.tx.CalendarFeedByID(w.ctx, id)
		if store.IsNotFound(err) || (err == nil && (f.Revoked || !auth.SecretMatches(secret, f.Digest))) {
			return desk.NotFound("calendar feed", "")
		} else if err != nil {
			return err
		}
		a, err := w.agent(f.AgentID)
		if err != nil {
			return err
		}
		if !a.Active {
			return desk.NotFound("calendar feed", "")
		}
		out, err = s.feedOf(w, a)
		return err
	})
	return out, wrap("calendar feed", err)
}

// feedOf is an agent's feed: their open promises and their absences.
func (s *Service) feedOf(w *work, a desk.Agent) ([]byte, error) {
	promises, err := w.tx.Promises(w.ctx, store.PromiseFilter{OwnerID: a.ID, State: desk.PromiseOpen, Limit: feedMax})
	if err != nil {
		return nil, err
	}
	absences, err := w.tx.Absences(w.ctx, a.ID, w.now.Add(-feedPast), w.now.Add(feedFuture))
	if err != nil {
		return nil, err
	}
	events := make([]mail.Event, 0, len(promises)+len(absences))
	for _, p := range promises {
		length := promiseLength
		if p.Kind == desk.PromiseAppointment {
			length = appointmentLength
		}
		events = append(events, mail.Event{UID: s.promiseUID(p), Sequence: p.Slips, Start: p.DueAt, End: p.DueAt.Add(length),
			Summary: fmt.Sprintf("%s · %s · %s", desk.CaseRef(p.CaseID), p.Kind, p.Words), Description: p.Words, Location: p.Place})
	}
	for _, ab := range absences {
		events = append(events, mail.Event{UID: fmt.Sprintf("absence-%d@%s", ab.ID, s.mailDomain()), Start: ab.From, End: ab.To,
			Summary: string(ab.Kind)})
	}
	return mail.Feed("Kept · "+a.Name, events, w.now)
}
