package service

import (
	"context"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// The reports read the roll-ups the commands keep (store/rollups.go) for the whole UTC days of
// a period, and the tables themselves for its ends before the first and after the last UTC
// midnight (a page's period starts at midnight in the reader's zone): the sums are the same
// as the tables', only cheaper to read. A filter the roll-ups do not cover (an agent's figures
// of one channel or case type) reads the tables for the whole period.

// rollSpan is the whole UTC days [a, b) inside [from, to), ok false when there are none or the
// roll-ups do not hold the whole desk yet (a desk upgraded, not rebuilt).
func (m *measuring) rollSpan(from, to time.Time) (a, b time.Time, ok bool) {
	a = from.UTC().Truncate(24 * time.Hour)
	if a.Before(from) {
		a = a.Add(24 * time.Hour)
	}
	b = to.UTC().Truncate(24 * time.Hour)
	return a, b, m.rolled && a.Before(b)
}

// ends are the parts of [from, to) outside [a, b).
func ends(from, to, a, b time.Time) [][2]time.Time {
	var out [][2]time.Time
	if from.Before(a) {
		out = append(out, [2]time.Time{from, a})
	}
	if b.Before(to) {
		out = append(out, [2]time.Time{b, to})
	}
	return out
}

// agentCounts are counts per agent over [from, to): raw reads the tables over a period.
func (m *measuring) agentCounts(from, to time.Time, f store.ReportFilter, measures []string,
	raw func(from, to time.Time, f store.ReportFilter) ([]store.AgentCount, error)) ([]store.AgentCount, error) {
	a, b, ok := m.rollSpan(from, to)
	if !ok || !store.RollupsCover(f, "agent_id") {
		return raw(from, to, f)
	}
	counts := map[int64]map[string]int{}
	for _, e := range ends(from, to, a, b) {
		part, err := raw(e[0], e[1], f)
		if err != nil {
			return nil, err
		}
		for _, c := range part {
			if counts[c.AgentID] == nil {
				counts[c.AgentID] = map[string]int{}
			}
			for k, n := range c.Counts {
				counts[c.AgentID][k] += n
			}
		}
	}
	rows, err := m.w.tx.Rollups(m.w.ctx, measures, a, b, f, "agent_id")
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		if counts[r.AgentID] == nil {
			counts[r.AgentID] = map[string]int{}
		}
		counts[r.AgentID][r.Measure] += int(r.N)
	}
	return m.agentList(counts)
}

// agentList is counts per agent id with the agents' names, by name.
func (m *measuring) agentList(counts map[int64]map[string]int) ([]store.AgentCount, error) {
	var list []store.AgentCount
	for id, c := range counts {
		a, err := m.w.agent(id)
		if err != nil && !store.IsNotFound(err) {
			return nil, err
		}
		list = append(list, store.AgentCount{AgentID: id, Name: a.Name, Counts: c})
	}
	slices.SortFunc(list, func(a, b store.AgentCount) int {
		if a.Name != b.Name {
			return strings.Compare(a.Name, b.Name)
		}
		return int(a.AgentID - b.AgentID)
	})
	return list, nil
}

// totals are the measures' totals over [from, to) for the filter.
func (m *measuring) totals(from, to time.Time, f store.ReportFilter, measures []string,
	raw func(from, to time.Time, f store.ReportFilter) ([]store.AgentCount, error)) (map[string]int, error) {
	out := map[string]int{}
	for _, k := range measures {
		out[k] = 0
	}
	a, b, ok := m.rollSpan(from, to)
	parts := [][2]time.Time{{from, to}}
	if ok && store.RollupsCover(f) {
		parts = ends(from, to, a, b)
		rows, err := m.w.tx.Rollups(m.w.ctx, measures, a, b, f)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.Measure] += int(r.N)
		}
	}
	for _, e := range parts {
		counts, err := raw(e[0], e[1], f)
		if err != nil {
			return nil, err
		}
		for _, c := range counts {
			for _, k := range measures {
				out[k] += c.Counts[k]
			}
		}
	}
	return out, nil
}

// timed is a time in seconds counted n times (a roll-up bucket's mean, or one case's time).
type timed struct {
	secs float64
	n    int
}

// timings are a time measure's cases and their times, per channel.
type timings struct {
	cases map[string]int
	times map[string][]timed
}

func (t *timings) add(channel string, cases int, tm *timed) {
	for _, ch := range []string{channel, "all"} {
		t.cases[ch] += cases
		if tm != nil {
			t.times[ch] = append(t.times[ch], *tm)
		}
	}
}

// timeRows reads a time measure over [from, to) per channel: spans reads the tables' cases over a
// period; opened and ended are its roll-ups' measures (the same one when every case has an end).
func (m *measuring) timeRows(from, to time.Time, opened, ended string,
	spans func(from, to time.Time) ([]store.CaseSpan, error)) ([]map[string]any, error) {
	t := timings{cases: map[string]int{}, times: map[string][]timed{}}
	a, b, ok := m.rollSpan(from, to)
	parts := [][2]time.Time{{from, to}}
	if ok && store.RollupsCover(m.f, "channel", "bucket") {
		parts = ends(from, to, a, b)
		rows, err := m.w.tx.Rollups(m.w.ctx, slices.Compact([]string{opened, ended}), a, b, m.f, "channel", "bucket")
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if r.Measure == opened {
				t.add(r.Channel, int(r.N), nil)
			}
			if r.Measure == ended {
				t.add(r.Channel, 0, &timed{float64(r.Secs) / float64(r.N), int(r.N)})
			}
		}
	}
	for _, e := range parts {
		list, err := spans(e[0], e[1])
		if err != nil {
			return nil, err
		}
		for _, s := range list {
			var tm *timed
			if !s.End.IsZero() {
				tm = &timed{m.team(s.TeamID).Calendar().Elapsed(s.Start, s.End).Seconds(), 1}
			}
			t.add(s.Channel, 1, tm)
		}
	}
	var channels []string
	for ch := range t.cases {
		channels = append(channels, ch)
	}
	slices.Sort(channels)
	rows := []map[string]any{}
	for _, ch := range channels {
		times := t.times[ch]
		slices.SortFunc(times, func(x, y timed) int {
			if x.secs < y.secs {
				return -1
			}
			if x.secs > y.secs {
				return 1
			}
			return 0
		})
		answered := 0
		for _, tm := range times {
			answered += tm.n
		}
		rows = append(rows, map[string]any{"channel": ch, "cases": t.cases[ch], "answered": answered,
			"median_s": weightedQuantile(times, answered, 0.5), "p90_s": weightedQuantile(times, answered, 0.9)})
	}
	return rows, nil
}

// weightedQuantile is quantile over times counted n times each (sorted; total of them all).
func weightedQuantile(sorted []timed, total int, q float64) int64 {
	if total == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(total))) - 1
	for _, t := range sorted {
		if i < t.n {
			return int64(math.Round(t.secs))
		}
		i -= t.n
	}
	return 0
}

// backlogRolled is the backlog from the roll-ups: the cases open now (every change ever
// summed), less the changes into the backlog since each day's end. It needs the days to end at
// whole hours (a period from midnight in any zone of whole hours; its end one, or not yet
// come): by the day when they end at UTC midnights, by the hour (the team and agent alone)
// otherwise. ok false: the tables are read.
func backlogRolled(m *measuring, from, to time.Time) (rows []map[string]any, ok bool, err error) {
	ctx, tx := m.w.ctx, m.w.tx
	to = desk.Earliest(to, m.w.now)
	whole := func(t time.Time, d time.Duration) bool { return t.Equal(t.UTC().Truncate(d)) }
	unit := 24 * time.Hour
	measure, keyOf := store.RollBacklog, dayOf
	if !whole(from, unit) || !(to.Equal(m.w.now) || whole(to, unit)) {
		unit, measure, keyOf = time.Hour, store.RollBacklogHour, store.HourOf
		if m.f.Channel != "" || m.f.Type != "" || !whole(from, unit) || !(to.Equal(m.w.now) || whole(to, unit)) {
			return nil, false, nil
		}
	}
	if !m.rolled || !store.RollupsCover(m.f, "day") {
		return nil, false, nil
	}
	// The backlog now is the sum of every change into and out of it since the desk began, not a
	// count of the open cases: at scale M on PostgreSQL that count read the whole cases table
	// whenever its visibility map lagged behind the writes (0.7–1.4 s after a few bench runs).
	all, err := tx.Rollups(ctx, []string{store.RollBacklog}, time.Time{}, m.w.now.AddDate(0, 0, 2), m.f)
	if err != nil {
		return nil, false, err
	}
	now := 0
	for _, r := range all {
		now += int(r.N)
	}
	// Every change since the period began; none comes after now.
	sums, err := tx.Rollups(ctx, []string{measure}, from, m.w.now.AddDate(0, 0, 2), m.f, "day")
	if err != nil {
		return nil, false, err
	}
	// The changes on or after a day's end (now has none after it).
	after := func(end time.Time) int {
		if !whole(end, unit) {
			return 0
		}
		n, first := 0, keyOf(end)
		for _, r := range sums {
			if r.Day >= first {
				n += int(r.N)
			}
		}
		return n
	}
	rows = []map[string]any{}
	for day := from; day.Before(to); day = day.AddDate(0, 0, 1) {
		rows = append(rows, map[string]any{"day": day.Format(time.DateOnly), "open": now - after(desk.Earliest(day.AddDate(0, 0, 1), to))})
	}
	return rows, true, nil
}

func dayOf(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// RebuildReports works the report roll-ups out again from the tables (kept reports rebuild):
// progress is told how many cases are done of how many.
func (s *Service) RebuildReports(ctx context.Context, progress func(done, total int)) error {
	return wrap("rebuild report roll-ups", s.store.RebuildRollups(ctx, progress))
}

// catchUpCases is how many cases a step of the background rebuild replaces the facts of: at
// scale M a step of 2,000 (kept reports rebuild's) held the one SQLite writer for about 1.6 s,
// which every command would wait behind; a few hundred keep that wait to a fraction of a second.
const catchUpCases = 250

// CatchUpReports rebuilds the report roll-ups in the background when they do not hold the whole
// desk (an upgrade that rolls up more), for kept serve: a step at a time, resting as long as
// each step took, so the desk's own writes have the writer at least half the time. Until it is
// done the reports read the tables: right, but slower, and the reports page says so. It returns
// when the roll-ups are ready or ctx ends; a stopped server goes on where it was.
func (s *Service) CatchUpReports(ctx context.Context) error {
	began, told := time.Now(), -1
	for {
		stepped := time.Now()
		n, ready, err := s.store.RebuildRollupsStep(ctx, catchUpCases)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			s.log.Error("rebuilding the report roll-ups: trying again in a minute", "err", err)
			// On the rebuild's row too, so the reports page on any node says it is stuck.
			if err := s.store.RebuildFailed(ctx, err, s.now()); err != nil && ctx.Err() == nil {
				s.log.Error("rebuilding the report roll-ups", "err", err)
			}
			if !rest(ctx, time.Minute) {
				return nil
			}
			continue
		}
		if ready {
			if told >= 0 {
				s.log.Info("report roll-ups rebuilt: the reports read them again", "took", time.Since(began).Round(time.Second))
			}
			return nil
		}
		if pct := s.catchUpPercent(ctx); pct/10 > told/10 || told < 0 {
			s.log.Info("rebuilding the report roll-ups in the background", "done_percent", pct, "cases_this_step", n)
			told = pct
		}
		if !rest(ctx, time.Since(stepped)) {
			return nil
		}
	}
}

// catchUpPercent is how far the rebuild is, for the log (0 when it cannot say).
func (s *Service) catchUpPercent(ctx context.Context) int {
	var st store.RebuildState
	if err := s.readTx(ctx, func(tx *store.Tx) (err error) { st, err = tx.RollupsRebuild(ctx); return err }); err != nil {
		return 0
	}
	return int(st.Done * 100)
}

// rest waits d, and says false if ctx ended first.
func rest(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// ReportsRolledUp says whether the report roll-ups hold the whole desk. Until they do (a desk
// upgraded to a release that rolls up more), the reports read the tables: right, but slower.
func (s *Service) ReportsRolledUp(ctx context.Context) (bool, error) {
	var ready bool
	err := s.readTx(ctx, func(tx *store.Tx) (err error) { ready, err = tx.RollupsReady(ctx); return err })
	return ready, wrap("report roll-ups", err)
}
