package service

import (
	"context"
	"math"
	"slices"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// Reports: counts per agent, with a row for the team's total, over a period: what a manager
// asks of last week. They measure promises kept and problems solved, not an agent's speed.

// ReportNames are the reports there are.
var ReportNames = []string{"promises", "first_response", "resolutions", "satisfaction", "decisions"}

// ReportQuery asks for a report over [From, To), of one team's cases ("" for all).
type ReportQuery struct {
	Name     string
	From, To time.Time
	Team     string
}

// Report is a report's rows (each a JSON object; CSV takes Columns in order).
type Report struct {
	Name    string           `json:"name"`
	From    time.Time        `json:"from"`
	To      time.Time        `json:"to"`
	Team    string           `json:"team,omitempty"`
	Columns []string         `json:"columns"`
	Rows    []map[string]any `json:"rows"`
}

// RunReport reads a report (staff).
func (s *Service) RunReport(ctx context.Context, actor desk.Actor, q ReportQuery) (Report, error) {
	if err := gate(actor, ActReports); err != nil {
		return Report{}, err
	}
	if !slices.Contains(ReportNames, q.Name) {
		return Report{}, desk.NotFound("report", q.Name)
	}
	if q.To.IsZero() {
		q.To = s.now()
	}
	if q.From.IsZero() {
		q.From = q.To.AddDate(0, 0, -7)
	}
	if !q.From.Before(q.To) {
		return Report{}, desk.Invalid("from", "must be before to")
	}
	r := Report{Name: q.Name, From: q.From, To: q.To, Team: q.Team, Rows: []map[string]any{}}
	err := s.readTx(ctx, func(tx *store.Tx) error {
		var teamID int64
		if q.Team != "" {
			id, err := tx.TeamID(ctx, q.Team)
			if err != nil {
				return notFoundAs(err, "team", q.Team)
			}
			teamID = id
		}
		switch q.Name {
		case "promises":
			counts, err := tx.PromiseCounts(ctx, q.From, q.To, teamID)
			r.Columns = []string{"agent_id", "agent", "made", "kept", "slipped", "broken"}
			r.Rows = countRows(counts, r.Columns[2:], nil)
			return err
		case "resolutions":
			counts, err := tx.ResolutionCounts(ctx, q.From, q.To, teamID)
			r.Columns = []string{"agent_id", "agent", "confirmed", "rejected", "closed_unconfirmed"}
			r.Rows = countRows(counts, r.Columns[2:], nil)
			return err
		case "decisions":
			counts, err := tx.DecisionCounts(ctx, q.From, q.To, teamID)
			r.Columns = []string{"agent_id", "agent", "requested", "granted", "refused", "pending", "sent_up"}
			r.Rows = countRows(counts, r.Columns[2:], nil)
			return err
		case "satisfaction":
			counts, err := tx.RatingCounts(ctx, q.From, q.To, teamID)
			r.Columns = []string{"agent_id", "agent", "ratings", "average"}
			r.Rows = countRows(counts, []string{"ratings", "score_sum"}, average)
			return err
		default:
			answers, err := tx.FirstAnswers(ctx, q.From, q.To, teamID)
			r.Columns = []string{"channel", "cases", "answered", "median_s", "p90_s"}
			r.Rows = firstResponseRows(answers)
			return err
		}
	})
	return r, wrap("report "+q.Name, err)
}

// countRows turns counts per agent into rows, with a last row for all of them (agent_id 0,
// agent "total"); finish, if set, works out a row's derived columns.
func countRows(counts []store.AgentCount, keys []string, finish func(map[string]any)) []map[string]any {
	rows := []map[string]any{}
	total := map[string]any{"agent_id": 0, "agent": "total"}
	for _, k := range keys {
		total[k] = 0
	}
	for _, c := range counts {
		row := map[string]any{"agent_id": c.AgentID, "agent": c.Name}
		for _, k := range keys {
			row[k] = c.Counts[k]
			total[k] = total[k].(int) + c.Counts[k]
		}
		rows = append(rows, row)
	}
	rows = append(rows, total)
	if finish != nil {
		for _, row := range rows {
			finish(row)
		}
	}
	return rows
}

// average is a satisfaction row's average score, to two places (0 without ratings).
func average(row map[string]any) {
	n, sum := row["ratings"].(int), row["score_sum"].(int)
	delete(row, "score_sum")
	row["average"] = 0.0
	if n > 0 {
		row["average"] = math.Round(float64(sum)/float64(n)*100) / 100
	}
}

// firstResponseRows are the first-response times per channel, and for all channels: how many
// cases, how many were answered, and the median and 90th percentile of the time to the first
// answer, in seconds of wall-clock time.
func firstResponseRows(answers []store.FirstAnswer) []map[string]any {
	by := map[string][]float64{}
	opened := map[string]int{}
	var channels []string
	for _, a := range answers {
		for _, ch := range []string{a.Channel, "all"} {
			if _, ok := opened[ch]; !ok {
				channels = append(channels, ch)
			}
			opened[ch]++
			if !a.AnsweredAt.IsZero() {
				by[ch] = append(by[ch], a.AnsweredAt.Sub(a.OpenedAt).Seconds())
			}
		}
	}
	slices.Sort(channels)
	rows := []map[string]any{}
	for _, ch := range channels {
		secs := by[ch]
		slices.Sort(secs)
		rows = append(rows, map[string]any{"channel": ch, "cases": opened[ch], "answered": len(secs), "median_s": quantile(secs, 0.5), "p90_s": quantile(secs, 0.9)})
	}
	return rows
}

// quantile is the q-quantile of sorted values, rounded to the second (0 for none).
func quantile(sorted []float64, q float64) int64 {
	if len(sorted) == 0 {
		return 0
	}
	return int64(math.Round(sorted[int(math.Ceil(q*float64(len(sorted))))-1]))
}
