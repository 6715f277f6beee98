package web

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// The reports page: how the desk did over a period (this week, last week, the last 30 days or
// dates picked), for the teams the reader may see: headline figures beside the period before,
// trend lines (the backlog per day, promises kept and broken per week), bars per team or agent,
// and every chart's numbers as a table and as CSV. All of it is service.RunReport: an agent
// reads their own figures, a lead their team's, the head of care every team's.

// The periods the page offers.
var reportPeriods = []string{"this_week", "last_week", "last_30", "custom"}

type reportsData struct {
	Period   string
	Periods  []string
	From, To string // the custom inputs: the first and last day, 2006-01-02
	Team     string
	Reader   service.ReportReader
	Label    string // the period in words
	Cards    []reportCard
	Charts   []reportChart
	Tables   []reportTable
}

// reportCard is one headline figure beside the same over the period before.
type reportCard struct {
	Label, Value, Previous string
}

// reportChart is a chart with its numbers as a table and a CSV link.
type reportChart struct {
	ID    string
	Title string
	SVG   template.HTML // drawn by lineChart or barChart, every text escaped
	Table reportTable
}

// reportTable is a report's numbers: header and rows as text, and where its CSV is.
type reportTable struct {
	ID      string
	Title   string
	Hint    string
	Columns []string
	Rows    [][]string
	User    map[int]bool // the columns whose cells are the desk's own words (a reason), not the catalogue's
	CSV     string
	None    string // what an empty table says
}

// reportsPage reads the reports for the period picked and draws them.
func (s *Server) reportsPage(w http.ResponseWriter, r *request) error {
	actor := r.sess.Actor
	reader, err := s.svc.ReportReader(r.Context(), actor)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	d := reportsData{Periods: reportPeriods, Reader: reader, Team: q.Get("team")}
	if d.Team == "" {
		d.Team = reader.Team
	}
	from, to, err := s.reportPeriod(r, q, &d)
	if err != nil {
		return err
	}
	reports, err := s.svc.RunReports(r.Context(), actor, service.ReportQuery{From: from, To: to, Team: d.Team}, "backlog", "promise_trend", "promises",
		"promises_by_team", "resolutions", "satisfaction", "first_response", "resolution_time", "repeat_contacts", "escalations", "volume",
		"handovers_missing", "reviews", "review_criteria", "decisions_by_rung", "decisions_by_reason")
	if err != nil {
		return err
	}
	d.Cards = s.reportCards(r, reports)

	back := reports["backlog"]
	var days []string
	var open []int
	for _, row := range back.Rows {
		days = append(days, monthDay(fmt.Sprint(row["day"])))
		open = append(open, intOf(row["open"]))
	}
	d.Charts = append(d.Charts, reportChart{ID: "backlog", Title: r.T("reports.backlog.title"),
		SVG:   lineChart(r.T("reports.backlog.title"), "backlog", days, []series{{Name: r.T("reports.col.open"), Class: "open", Values: open}}),
		Table: s.reportTable(r, back, "backlog", d.Team)})

	trend := reports["promise_trend"]
	var weeks []string
	var kept, broken []int
	for _, row := range trend.Rows {
		weeks = append(weeks, monthDay(fmt.Sprint(row["week"])))
		kept = append(kept, intOf(row["kept"]))
		broken = append(broken, intOf(row["broken"]))
	}
	d.Charts = append(d.Charts, reportChart{ID: "promise_trend", Title: r.T("reports.trend.title"),
		SVG: lineChart(r.T("reports.trend.title"), "trend", weeks, []series{{Name: r.T("reports.col.kept"), Class: "kept", Values: kept},
			{Name: r.T("reports.col.broken"), Class: "broken", Values: broken}}),
		Table: s.reportTable(r, trend, "promise_trend", d.Team)})

	// Bars: per team for the head of care reading every team, else per agent.
	byName, key, label := "promises", "agent", r.T("reports.bars.agents")
	if d.Team == "" && reader.All {
		byName, key, label = "promises_by_team", "team", r.T("reports.bars.teams")
	}
	var bars []bar
	for _, row := range reports[byName].Rows {
		if row[key] == "total" {
			continue
		}
		n := intOf(row["kept"])
		bars = append(bars, bar{Label: fmt.Sprint(row[key]), Value: n, Title: r.T("reports.bars.bar", row[key], n, intOf(row["made"]), intOf(row["broken"]))})
	}
	title := r.T("reports.bars.title", label)
	d.Charts = append(d.Charts, reportChart{ID: byName, Title: title, SVG: barChart(title, "kept", bars), Table: s.reportTable(r, reports[byName], byName, d.Team)})

	// Decisions (credits, refunds, waivers) per rung whose limit they needed: asked, and how
	// they ended; the same per kind and reason in the table after.
	var rungs []bar
	for _, row := range reports["decisions_by_rung"].Rows {
		if row["rung"] == "all" {
			continue
		}
		rung := r.T("reports.rung." + fmt.Sprint(row["rung"]))
		n := intOf(row["requested"])
		rungs = append(rungs, bar{Label: rung, Value: n, Title: r.T("reports.decisions_by_rung.bar", rung, n, intOf(row["granted"]), intOf(row["refused"]), intOf(row["pending"]))})
	}
	rungTitle := r.T("reports.decisions_by_rung.chart")
	d.Charts = append(d.Charts, reportChart{ID: "decisions_by_rung", Title: rungTitle, SVG: barChart(rungTitle, "decisions", rungs),
		Table: s.reportTable(r, reports["decisions_by_rung"], "decisions_by_rung", d.Team)})

	for _, name := range []string{"resolutions", "satisfaction", "first_response", "resolution_time", "repeat_contacts", "escalations", "volume", "handovers_missing", "reviews", "review_criteria", "decisions_by_reason"} {
		d.Tables = append(d.Tables, s.reportTable(r, reports[name], name, d.Team))
	}
	return s.render(w, r, http.StatusOK, "reports", view{Title: r.T("reports.title"), Data: d})
}

// reportPeriod works out the period picked, in the reader's time zone: weeks start on Monday.
func (s *Server) reportPeriod(r *request, q url.Values, d *reportsData) (time.Time, time.Time, error) {
	now := s.svc.Now().In(r.zone)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, r.zone)
	monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
	d.Period = q.Get("period")
	var from, to time.Time
	switch d.Period {
	case "", "this_week":
		d.Period, from, to = "this_week", monday, monday.AddDate(0, 0, 7)
	case "last_week":
		from, to = monday.AddDate(0, 0, -7), monday
	case "last_30":
		from, to = today.AddDate(0, 0, -29), today.AddDate(0, 0, 1)
	case "custom":
		a, err := time.ParseInLocation(time.DateOnly, q.Get("from"), r.zone)
		if err != nil {
			return from, to, desk.Invalid("from", "%s", r.T("reports.period.bad_date"))
		}
		b, err := time.ParseInLocation(time.DateOnly, q.Get("to"), r.zone)
		if err != nil || b.Before(a) {
			return from, to, desk.Invalid("to", "%s", r.T("reports.period.bad_date"))
		}
		from, to = a, b.AddDate(0, 0, 1)
	default:
		return from, to, desk.Invalid("period", "%s", r.T("reports.period.bad"))
	}
	d.From, d.To = from.Format(time.DateOnly), to.AddDate(0, 0, -1).Format(time.DateOnly)
	d.Label = r.T("reports.period.range", d.From, d.To)
	return from, to, nil
}

// reportCards are the headline figures, each beside the period before.
func (s *Server) reportCards(r *request, reports map[string]service.Report) []reportCard {
	total := func(rows []map[string]any, key, col string) string {
		for _, row := range rows {
			if fmt.Sprint(row[key]) == "total" || fmt.Sprint(row[key]) == "all" {
				return fmt.Sprint(row[col])
			}
		}
		return "0"
	}
	last := func(rows []map[string]any, col string) string {
		if len(rows) == 0 {
			return "0"
		}
		return fmt.Sprint(rows[len(rows)-1][col])
	}
	card := func(label, name, key, col string) reportCard {
		rep := reports[name]
		if key == "" {
			return reportCard{Label: label, Value: last(rep.Rows, col), Previous: last(rep.Previous.Rows, col)}
		}
		return reportCard{Label: label, Value: total(rep.Rows, key, col), Previous: total(rep.Previous.Rows, key, col)}
	}
	first := card(r.T("reports.card.first_response"), "first_response", "channel", "median_s")
	first.Value, first.Previous = hoursMinutes(first.Value), hoursMinutes(first.Previous)
	return []reportCard{
		card(r.T("reports.card.kept"), "promises", "agent", "kept"),
		card(r.T("reports.card.broken"), "promises", "agent", "broken"),
		card(r.T("reports.card.confirmed"), "resolutions", "agent", "confirmed"),
		card(r.T("reports.card.repeated"), "repeat_contacts", "agent", "repeated"),
		card(r.T("reports.card.rating"), "satisfaction", "agent", "average"),
		first,
		card(r.T("reports.card.backlog"), "backlog", "", "open"),
	}
}

// reportTable is a report's rows as text under translated headers, times as h:mm, with the
// link to its CSV.
func (s *Server) reportTable(r *request, rep service.Report, name, team string) reportTable {
	t := reportTable{ID: "table-" + name, Title: r.T("reports." + name + ".title"), Hint: r.T("reports." + name + ".hint"), CSV: reportCSVLink(rep, team),
		None: r.T("reports.none")}
	for _, c := range rep.Columns {
		if c == "agent_id" || c == "criterion_id" {
			continue
		}
		t.Columns = append(t.Columns, r.T("reports.col."+c))
	}
	for _, row := range rep.Rows {
		var cells []string
		for _, c := range rep.Columns {
			v := fmt.Sprint(row[c])
			switch {
			case c == "agent_id" || c == "criterion_id":
				continue
			case c == "median_s" || c == "p90_s" || c == "median_decide_s":
				v = hoursMinutes(v)
			case v == "total" || v == "all":
				v = r.T("reports.total")
			case c == "rung":
				v = r.T("reports.rung." + v)
			case c == "kind":
				v = r.T("case.decisions.kind." + v)
			case c == "reason" || c == "criterion":
				if t.User == nil {
					t.User = map[int]bool{}
				}
				t.User[len(cells)] = true
				if v == "" {
					v = "—"
				}
			case c == "trigger":
				v = r.T("reports.trigger." + v)
			case c == "type" && v == "":
				v = "—"
			}
			cells = append(cells, v)
		}
		t.Rows = append(t.Rows, cells)
	}
	return t
}

// reportCSVLink is where a report's numbers are as CSV: the page's own download, for the
// reader's session.
func reportCSVLink(rep service.Report, team string) string {
	q := url.Values{"report": {rep.Name}, "from": {rep.From.UTC().Format(time.RFC3339)}, "to": {rep.To.UTC().Format(time.RFC3339)}}
	if team != "" {
		q.Set("team", team)
	}
	return "/reports/csv?" + q.Encode()
}

// reportCSV sends a report's numbers as CSV (the API's bytes: formulas neutralised).
func (s *Server) reportCSV(w http.ResponseWriter, r *request) error {
	q := r.URL.Query()
	rq := service.ReportQuery{Name: q.Get("report"), Team: q.Get("team")}
	if rq.Name == "" {
		rq.Name = "promises"
	}
	for _, p := range []struct {
		name string
		at   *time.Time
	}{{"from", &rq.From}, {"to", &rq.To}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return desk.Invalid(p.name, "an RFC 3339 time")
			}
			*p.at = t
		}
	}
	rep, err := s.svc.RunReport(r.Context(), r.sess.Actor, rq)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", desk.AttachmentDisposition(rep.Name+".csv"))
	h.Set("X-Content-Type-Options", "nosniff")
	_, err = w.Write(service.ReportCSV(rep))
	return err
}

// hoursMinutes writes seconds (as text) as h:mm.
func hoursMinutes(secs string) string {
	n, err := strconv.ParseInt(secs, 10, 64)
	if err != nil {
		return secs
	}
	return fmt.Sprintf("%d:%02d", n/3600, n%3600/60)
}

// intOf reads a report cell as a number.
func intOf(v any) int {
	n, _ := strconv.Atoi(fmt.Sprint(v))
	return n
}

// monthDay shortens a date (2006-01-02) to its month and day for a chart's axis, where a
// phone has room for few letters; the table beside the chart has the whole date.
func monthDay(date string) string {
	if t, err := time.Parse(time.DateOnly, date); err == nil {
		return t.Format("01-02")
	}
	return date
}
