package api

import (
	"net/http"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// Whether the desk's timers trust its wall clock, and an admin's word that it is right.
func (s *Server) clockRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/clock", summary: "The desk's time and whether its timers trust it: held is true after the wall clock jumped " +
			"forward by more than a minute (drift_s: how far), until an admin confirms it or it comes back.",
			status: http.StatusOK, answer: service.ClockState{}, handle: s.getClock},
		{method: "POST", path: "/api/v1/clock/confirm", summary: "An admin's word that the wall clock is right now: held timers run again, by this time.",
			status: http.StatusOK, answer: service.ClockState{}, handle: s.confirmClock},
	}
}

func (s *Server) getClock(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	return svc.Clock(a)
}

func (s *Server) confirmClock(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	return svc.ConfirmClock(a)
}
