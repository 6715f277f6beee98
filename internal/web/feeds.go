package web

import (
	"net/http"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// An agent's private calendar feed (service/feeds.go): a page to make (or remake) its secret
// URL and to revoke it, and the feed itself at that URL, for calendar clients, which cannot
// sign in.

// feedData is the feed page: whether a feed is live and since when, and a new URL, shown once.
type feedData struct {
	Live    bool
	Since   time.Time
	URL     string
	Revoked bool
}

func (s *Server) feedPage(w http.ResponseWriter, r *request) error {
	return s.showFeed(w, r, feedData{})
}

func (s *Server) showFeed(w http.ResponseWriter, r *request, d feedData) error {
	var err error
	if d.Live, d.Since, err = s.svc.CalendarFeedOf(r.Context(), r.sess.Actor, r.sess.Actor.ID); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "feed", view{Title: r.T("avail.feed.title"), Data: d})
}

func (s *Server) makeFeed(w http.ResponseWriter, r *request) error {
	link, err := s.svc.CreateCalendarFeed(r.Context(), r.sess.Actor, r.sess.Actor.ID)
	if err != nil {
		return err
	}
	s.log.Info("calendar feed made", "agent", r.sess.Actor.ID)
	return s.showFeed(w, r, feedData{URL: link.URL})
}

func (s *Server) revokeFeed(w http.ResponseWriter, r *request) error {
	if _, err := s.svc.RevokeCalendarFeed(r.Context(), r.sess.Actor, r.sess.Actor.ID); err != nil {
		return err
	}
	return s.showFeed(w, r, feedData{Revoked: true})
}

// calendarFeed serves a feed at its secret URL; an unknown or revoked one is not found.
func (s *Server) calendarFeed(w http.ResponseWriter, r *request) error {
	data, err := s.svc.CalendarFeed(r.Context(), r.PathValue("file"))
	if e, ok := desk.AsError(err); ok && e.Kind == desk.KindNotFound {
		http.Error(w, "no such calendar", http.StatusNotFound)
		return nil
	} else if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Cache-Control", "private, no-store") // the URL is the secret: no shared cache keeps it
	w.Header().Set("Referrer-Policy", "no-referrer")
	_, err = w.Write(data)
	return err
}
