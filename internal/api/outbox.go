package api

import (
	"net/http"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// The mails the desk queued on a case, and sending one again that was not delivered.
func (s *Server) outboxRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/cases/{id}/outbox", summary: "The mails the desk queued on the case, oldest first: to whom, their state " +
			"(pending, sending, sent, failed), attempts and the last error. A failed mail (refused, or not sent within 48 hours) has a delivery_failed entry on the record.",
			status: http.StatusOK, answer: []service.OutboxMail{}, handle: byID((*service.Service).CaseOutbox)},
		{method: "POST", path: "/api/v1/cases/{id}/outbox/{mail_id}/resend", summary: "Send a failed mail of the case again, due at once " +
			"(the case's owner, a lead, a manager or an admin); a note on the record says who asked. 409 not_failed for a mail that did not fail.",
			status: http.StatusOK, answer: service.OutboxMail{}, handle: s.resendMail},
	}
}

func (s *Server) resendMail(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	id, mailID, err := pathIDs(r, "mail_id")
	if err != nil {
		return nil, err
	}
	return svc.ResendMail(r.Context(), a, id, mailID)
}
