package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

func (s *Server) reportRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/reports/{name}", summary: "A report over a period, and (previous) the same over the period of equal length before it. " +
			"promises (per agent and a total row: made, kept, slipped, broken), promise_trend (per week), resolutions (confirmed, rejected, closed_unconfirmed), " +
			"satisfaction (ratings, average), first_response and resolution_time (per channel, in the team's business time: cases, median_s, p90_s), " +
			"repeat_contacts (cases closed, and those the customer came back about within the team's repeat window), escalations (per trigger), " +
			"backlog (open cases at the end of each day), volume (cases per channel and type), handovers_missing (per agent), reviews (quality review per agent), decisions (per agent who asked: requested, granted, refused, pending, sent_up), decisions_by_reason and decisions_by_rung (requested, granted, refused, pending, median_decide_s: the median seconds from asking to the decision). " +
			"An agent reads their own figures, a lead their team's, the head of care all (403 otherwise). " +
			"JSON, or CSV with a header line (format=csv; cells that start with = + - @ are quoted so no spreadsheet runs them).",
			status: http.StatusOK, answer: service.Report{},
			query: []param{{"from", "RFC 3339 time or a date (default: a week before to)"}, {"to", "RFC 3339 time or a date, not included (default: now)"},
				{"team", "a team's name (default: every team the reader may see)"}, {"agent", "an agent's id"}, {"channel", "a channel (email, web, phone…)"},
				{"type", "a case type"}, {"format", "json (default) or csv"}},
			handle: s.report},
	}
}

func (s *Server) report(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	qs := r.URL.Query()
	q := service.ReportQuery{Name: r.PathValue("name"), Team: qs.Get("team"), Channel: qs.Get("channel"), Type: qs.Get("type")}
	var err error
	if v := qs.Get("agent"); v != "" {
		if q.AgentID, err = strconv.ParseInt(v, 10, 64); err != nil || q.AgentID <= 0 {
			return nil, desk.Invalid("agent", "an agent's id")
		}
	}
	if q.From, err = reportTime(r, "from"); err != nil {
		return nil, err
	}
	if q.To, err = reportTime(r, "to"); err != nil {
		return nil, err
	}
	rep, err := svc.RunReport(r.Context(), a, q)
	if err != nil {
		return nil, err
	}
	switch r.URL.Query().Get("format") {
	case "", "json":
		return rep, nil
	case "csv":
		return rawAnswer{contentType: "text/csv; charset=utf-8", filename: rep.Name + ".csv", body: service.ReportCSV(rep)}, nil
	}
	return nil, desk.Invalid("format", "json or csv")
}

// reportTime reads a period's end: RFC 3339, or a date (midnight UTC).
func reportTime(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	return time.Time{}, desk.Invalid(name, "an RFC 3339 time or a date like 2026-12-01")
}
