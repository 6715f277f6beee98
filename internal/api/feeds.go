package api

import (
	"context"
	"net/http"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// An agent's private calendar feed of their promises and absences: made (and remade) and
// revoked here; served at its secret URL by the web pages, for calendar clients that cannot
// send a token.
func (s *Server) feedRoutes() []route {
	return []route{
		{method: "POST", path: "/api/v1/agents/{id}/calendar-feed", summary: "Make your private calendar feed (.ics of your open promises and absences): " +
			"its secret URL is in this answer only; a new one ends the one before.",
			status: http.StatusCreated, answer: service.CalendarFeedLink{}, handle: byID((*service.Service).CreateCalendarFeed)},
		{method: "DELETE", path: "/api/v1/agents/{id}/calendar-feed", summary: "Revoke an agent's calendar feed URL at once: your own, or as an admin anyone's.",
			status: http.StatusOK, answer: feedRevoked{}, handle: byID(revokeFeed)},
	}
}

type feedRevoked struct {
	Revoked bool `json:"revoked"` // a feed was live and ended
}

func revokeFeed(svc *service.Service, ctx context.Context, a desk.Actor, id int64) (feedRevoked, error) {
	ok, err := svc.RevokeCalendarFeed(ctx, a, id)
	return feedRevoked{Revoked: ok}, err
}
