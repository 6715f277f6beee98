package api

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

func (s *Server) reportRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/reports/{name}", summary: "A report over a period, per agent with a row for the total: promises (made, kept, slipped, " +
			"broken), resolutions (confirmed, rejected, closed_unconfirmed), satisfaction (ratings, average), first_response (per channel: cases, answered, " +
			"median_s, p90_s), decisions (per agent who asked: requested, granted, refused, pending, sent_up). JSON, or CSV with a header line (format=csv; cells that start with = + - @ are quoted so no spreadsheet runs them).",
			status: http.StatusOK, answer: service.Report{},
			query: []param{{"from", "RFC 3339 time or a date (default: a week before to)"}, {"to", "RFC 3339 time or a date, not included (default: now)"},
				{"team", "a team's name (default: every team)"}, {"format", "json (default) or csv"}},
			handle: s.report},
	}
}

func (s *Server) report(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	q := service.ReportQuery{Name: r.PathValue("name"), Team: r.URL.Query().Get("team")}
	var err error
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
		return rawAnswer{contentType: "text/csv; charset=utf-8", filename: rep.Name + ".csv", body: reportCSV(rep)}, nil
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

// reportCSV writes a report as CSV with a header line. A cell a spreadsheet would take for a
// formula (=, +, -, @ first) is written with a quote mark before it.
func reportCSV(rep service.Report) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(rep.Columns)
	for _, row := range rep.Rows {
		cells := make([]string, len(rep.Columns))
		for i, c := range rep.Columns {
			cell := fmt.Sprint(row[c])
			if strings.IndexAny(cell, "=+-@") == 0 {
				cell = "'" + cell
			}
			cells[i] = cell
		}
		_ = w.Write(cells)
	}
	w.Flush()
	return buf.Bytes()
}
