package service_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// reportWeek is a known week of the Billing team (business hours Monday to Friday 09:00-17:00
// in Tallinn, Wednesday a holiday), built through the desk's own commands on an injected clock:
//
//	Mon 10:00 case 1 (Mari, email, Ann); answered 11:00; a promise kept; resolved and confirmed 11:15; rated 5
//	Mon 12:00 case 5 (Ivo, email, Bob); resolved and confirmed 12:10; rated 3
//	Mon 13:00 case 3 (Mari, email, Ann); a promise at 13:10 for 14:00; Mari asks to escalate 13:30; broken 14:00
//	Tue 16:30 case 2 (Mari, web, type billing, Ann); answered Thu 10:00 (1.5 business hours, 41.5 on the wall)
//	Wed 12:00 case 4 (Mari, email, Ann): Mari again, within a week of case 1 closing
//	Thu 10:00 a promise on case 2, slipped twice: the second slip escalates; it breaks on Friday 10:00
//	Fri 10:00 case 6 (Mari, email, Ann); Fri 11:00 Ann is sick without a hand-over
type reportWeek struct {
	*scene
	ivo   desk.Customer
	other desk.Agent // an agent of another team
	from  time.Time  // Monday 00:00 in Tallinn
	to    time.Time  // the Monday after
}

func newReportWeek(t *testing.T, backend string) *reportWeek {
	sc := newScene(t, backend)
	w := &reportWeek{scene: sc, from: sc.at(0, "00:00"), to: sc.at(7, "00:00")}
	tz := "Europe/Tallinn"
	day := []string{"09:00-17:00"}
	hours := map[string][]string{"mon": day, "tue": day, "wed": day, "thu": day, "fri": day}
	must(sc.svc.SetTeamSettings(sc.ctx, sc.sys, "Billing", service.TeamSettingsIn{Timezone: &tz, BusinessHours: &hours, Holidays: []string{"2026-11-25"}}))
	must(sc.svc.CreateCaseType(sc.ctx, sc.sys, desk.NewCaseType{Name: "billing", Team: "Billing"}))
	w.ivo = must(sc.svc.CreateCustomer(sc.ctx, sc.sys, desk.NewCustomer{Name: "Ivo Ivić", Email: "ivo@example.hr"}))
	w.other = must(sc.svc.CreateAgent(sc.ctx, sc.sys, desk.NewAgent{Name: "Oli Other", Email: "oli@example.ee", Role: "agent", Team: "Other", Timezone: tz}))
	ann, bob, mari := desk.AgentActor(sc.ann), desk.AgentActor(sc.bob), desk.CustomerActor(sc.mari)
	open := func(cust desk.Customer, owner desk.Agent, channel, typ, subject string) service.CaseView {
		return must(sc.svc.OpenCase(sc.ctx, sc.sys, desk.NewCase{CustomerID: cust.ID, Subject: subject, Body: "Please help: " + subject, Channel: channel, Type: typ, OwnerID: owner.ID}))
	}
	until := func(days int, hhmm string) { sc.advance(sc.at(days, hhmm).Sub(sc.clock.Now())) }
	reply := func(c service.CaseView) {
		must(sc.svc.AddMessage(sc.ctx, ann, c.ID, desk.NewMessage{Body: "We are on it."}))
	}

	until(0, "10:00")
	c1 := open(sc.mari, sc.ann, "email", "", "Invoice")
	until(0, "11:00")
	reply(c1)
	p1 := must(sc.svc.MakePromise(sc.ctx, ann, c1.ID, desk.NewPromise{Kind: "update", DueAt: sc.at(0, "12:00"), Words: "I confirm by noon."}))
	must(sc.svc.KeepPromise(sc.ctx, ann, p1.ID, ""))
	until(0, "11:15")
	must(sc.svc.Resolve(sc.ctx, ann, c1.ID, "The double charge is refunded."))
	must(sc.svc.Confirm(sc.ctx, mari, c1.ID, desk.Confirmation{Confirmed: true}))
	must(sc.svc.Rate(sc.ctx, mari, c1.ID, 5, "Quick."))

	until(0, "12:00")
	c5 := open(w.ivo, sc.bob, "email", "", "Password")
	until(0, "12:10")
	must(sc.svc.Resolve(sc.ctx, bob, c5.ID, "Reset."))
	must(sc.svc.Confirm(sc.ctx, desk.CustomerActor(w.ivo), c5.ID, desk.Confirmation{Confirmed: true}))
	must(sc.svc.Rate(sc.ctx, desk.CustomerActor(w.ivo), c5.ID, 3, "=HYPERLINK(\"http://evil\")"))

	until(0, "13:00")
	c3 := open(sc.mari, sc.ann, "email", "", "Router")
	until(0, "13:10")
	must(sc.svc.MakePromise(sc.ctx, ann, c3.ID, desk.NewPromise{Kind: "callback", DueAt: sc.at(0, "14:00"), Words: "I call you at two."}))
	until(0, "13:30")
	must(sc.svc.Escalate(sc.ctx, mari, c3.ID, "Nobody listens."))
	until(0, "14:01") // the promise breaks

	until(1, "16:30")
	c2 := open(sc.mari, sc.ann, "web", "billing", "Second invoice")
	until(2, "12:00")
	open(sc.mari, sc.ann, "email", "", "The invoice again")
	until(3, "10:00")
	reply(c2)
	p2 := must(sc.svc.MakePromise(sc.ctx, ann, c2.ID, desk.NewPromise{Kind: "fix", DueAt: sc.at(3, "15:00"), Words: "The credit note comes at three."}))
	must(sc.svc.SlipPromise(sc.ctx, ann, p2.ID, desk.Slip{DueAt: sc.at(3, "16:00"), Reason: "Accounting is late", Message: "Sorry: at four."}))
	must(sc.svc.SlipPromise(sc.ctx, ann, p2.ID, desk.Slip{DueAt: sc.at(4, "10:00"), Reason: "Still late", Message: "Sorry: tomorrow at ten."}))

	until(4, "10:00")
	open(sc.mari, sc.ann, "email", "", "Kettle")
	until(4, "11:00")
	must(sc.svc.AddAbsence(sc.ctx, ann, sc.ann.ID, desk.NewAbsence{Kind: "sick", From: sc.clock.Now(), To: sc.at(7, "09:00")}, nil))
	until(7, "12:00")
	return w
}

// report runs a report over the week as the actor, failing the test on an error.
func (w *reportWeek) report(as desk.Actor, name string, q service.ReportQuery) service.Report {
	w.t.Helper()
	q.Name = name
	if q.From.IsZero() {
		q.From, q.To = w.from, w.to
	}
	r, err := w.svc.RunReport(w.ctx, as, q)
	if err != nil {
		w.t.Fatalf("report %s: %v", name, err)
	}
	return r
}

// rowWhere is the report's row whose key has the value (compared as text), or nil.
func rowWhere(rows []map[string]any, key string, value any) map[string]any {
	for _, r := range rows {
		if fmt.Sprint(r[key]) == fmt.Sprint(value) {
			return r
		}
	}
	return nil
}

// wantRow checks a row's figures, compared as text.
func wantRow(t *testing.T, what string, row map[string]any, want map[string]any) {
	t.Helper()
	if row == nil {
		t.Errorf("%s: no row", what)
		return
	}
	for k, v := range want {
		if fmt.Sprint(row[k]) != fmt.Sprint(v) {
			t.Errorf("%s: %s = %v, want %v (row %v)", what, k, row[k], v, row)
		}
	}
}

// TestReportMeasures: each measure of the known week, as the head of care, and the week after
// compared with it (issue 18).
func TestReportMeasures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		w := newReportWeek(t, backend)
		head := desk.AgentActor(w.head)
		annID, bobID := w.ann.ID, w.bob.ID

		prom := w.report(head, "promises", service.ReportQuery{})
		wantRow(t, "promises total", rowWhere(prom.Rows, "agent", "total"), map[string]any{"made": 3, "kept": 1, "slipped": 1, "broken": 2})
		if len(prom.Previous.Rows) != 1 || prom.Previous.From != w.from.AddDate(0, 0, -7) {
			t.Errorf("the week before: %+v", prom.Previous)
		}
		next := w.report(head, "promises", service.ReportQuery{From: w.to, To: w.to.AddDate(0, 0, 7)})
		wantRow(t, "promises the week after, compared", rowWhere(next.Previous.Rows, "agent", "total"), map[string]any{"made": 3, "kept": 1, "broken": 2})
		wantRow(t, "promises the week after", rowWhere(next.Rows, "agent", "total"), map[string]any{"made": 0})

		trend := w.report(head, "promise_trend", service.ReportQuery{From: w.from, To: w.from.AddDate(0, 0, 14)})
		if len(trend.Rows) != 2 {
			t.Fatalf("promise trend: %v", trend.Rows)
		}
		wantRow(t, "promise trend, week 1", trend.Rows[0], map[string]any{"week": "2026-11-23", "made": 3, "kept": 1, "broken": 2, "slipped": 1})
		wantRow(t, "promise trend, week 2", trend.Rows[1], map[string]any{"made": 0})

		res := w.report(head, "resolutions", service.ReportQuery{})
		wantRow(t, "resolutions total", rowWhere(res.Rows, "agent", "total"), map[string]any{"confirmed": 2, "rejected": 0})

		sat := w.report(head, "satisfaction", service.ReportQuery{})
		wantRow(t, "satisfaction Ann", rowWhere(sat.Rows, "agent_id", annID), map[string]any{"ratings": 1, "average": 5})
		wantRow(t, "satisfaction Bob", rowWhere(sat.Rows, "agent_id", bobID), map[string]any{"ratings": 1, "average": 3})
		wantRow(t, "satisfaction total", rowWhere(sat.Rows, "agent", "total"), map[string]any{"ratings": 2, "average": 4})

		// Business time: case 2 waited from Tuesday 16:30 to Thursday 10:00, half an hour on
		// Tuesday and an hour on Thursday (Wednesday is a holiday).
		first := w.report(head, "first_response", service.ReportQuery{})
		wantRow(t, "first response, web", rowWhere(first.Rows, "channel", "web"), map[string]any{"cases": 1, "answered": 1, "median_s": 5400, "p90_s": 5400})
		wantRow(t, "first response, email", rowWhere(first.Rows, "channel", "email"), map[string]any{"cases": 5, "answered": 3, "median_s": 600, "p90_s": 3600})
		wantRow(t, "first response, all", rowWhere(first.Rows, "channel", "all"), map[string]any{"cases": 6, "answered": 4, "median_s": 600, "p90_s": 5400})
		web := w.report(head, "first_response", service.ReportQuery{Channel: "web"})
		if len(web.Rows) != 2 || rowWhere(web.Rows, "channel", "email") != nil {
			t.Errorf("first response of the web channel: %v", web.Rows)
		}
		typed := w.report(head, "volume", service.ReportQuery{Type: "billing"})
		if len(typed.Rows) != 1 {
			t.Errorf("volume of type billing: %v", typed.Rows)
		}

		rt := w.report(head, "resolution_time", service.ReportQuery{})
		wantRow(t, "resolution time", rowWhere(rt.Rows, "channel", "all"), map[string]any{"cases": 2, "median_s": 600, "p90_s": 4500})
		if _, ok := rt.Rows[0]["answered"]; ok {
			t.Errorf("resolution time rows carry answered: %v", rt.Rows[0])
		}

		rep := w.report(head, "repeat_contacts", service.ReportQuery{})
		wantRow(t, "repeat contacts, Ann", rowWhere(rep.Rows, "agent_id", annID), map[string]any{"closed": 1, "repeated": 1})
		wantRow(t, "repeat contacts, Bob", rowWhere(rep.Rows, "agent_id", bobID), map[string]any{"closed": 1, "repeated": 0})
		wantRow(t, "repeat contacts, total", rowWhere(rep.Rows, "agent", "total"), map[string]any{"closed": 2, "repeated": 1})

		esc := w.report(head, "escalations", service.ReportQuery{})
		for trigger, n := range map[string]int{desk.TriggerBrokenPromise: 2, desk.TriggerSecondSlip: 1, desk.TriggerCustomerRequest: 1,
			desk.TriggerResponseTarget: 0, "total": 4} {
			wantRow(t, "escalations by "+trigger, rowWhere(esc.Rows, "trigger", trigger), map[string]any{"escalations": n})
		}

		back := w.report(head, "backlog", service.ReportQuery{})
		var open []string
		for _, r := range back.Rows {
			open = append(open, fmt.Sprint(r["day"], "=", r["open"]))
		}
		if got := strings.Join(open, " "); got != "2026-11-23=1 2026-11-24=2 2026-11-25=3 2026-11-26=3 2026-11-27=4 2026-11-28=4 2026-11-29=4" {
			t.Errorf("backlog: %s", got)
		}

		vol := w.report(head, "volume", service.ReportQuery{})
		wantRow(t, "volume, email", rowWhere(vol.Rows, "channel", "email"), map[string]any{"type": "", "cases": 5})
		wantRow(t, "volume, web", rowWhere(vol.Rows, "channel", "web"), map[string]any{"type": "billing", "cases": 1})

		miss := w.report(head, "handovers_missing", service.ReportQuery{})
		wantRow(t, "hand-overs missing, Ann", rowWhere(miss.Rows, "agent_id", annID), map[string]any{"missing": 2})
		wantRow(t, "hand-overs missing, total", rowWhere(miss.Rows, "agent", "total"), map[string]any{"missing": 2})

		// The CSV of a new report neutralises a formula a customer or an agent could plant.
		csv := string(service.ReportCSV(sat))
		if !strings.HasPrefix(csv, "agent_id,agent,ratings,average\n") || !strings.Contains(csv, "total,2,4\n") {
			t.Errorf("satisfaction CSV:\n%s", csv)
		}
		evil := service.ReportCSV(service.Report{Columns: []string{"agent", "n"}, Rows: []map[string]any{{"agent": "=cmd|' /C calc'!A0", "n": 1},
			{"agent": "+1", "n": 2}, {"agent": "-1", "n": 3}, {"agent": "@SUM(A1)", "n": 4}, {"agent": "\tx", "n": 5}}})
		for _, want := range []string{`'=cmd|' /C calc'!A0,1`, "'+1,2", "'-1,3", "'@SUM(A1),4", "'\tx,5"} {
			if !strings.Contains(string(evil), want) {
				t.Errorf("CSV without %q:\n%s", want, evil)
			}
		}
	})
}

// TestReportScope: an agent reads their own figures, a lead their team's, the head of care
// every team's; anything else is refused as forbidden.
func TestReportScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		w := newReportWeek(t, backend)
		ann, lead, head := desk.AgentActor(w.ann), desk.AgentActor(w.lead), desk.AgentActor(w.head)

		own := w.report(ann, "promises", service.ReportQuery{})
		if own.AgentID != w.ann.ID || len(own.Rows) != 2 || fmt.Sprint(own.Rows[0]["agent_id"]) != fmt.Sprint(w.ann.ID) {
			t.Errorf("Ann's own promises: agent %d, rows %v", own.AgentID, own.Rows)
		}
		sat := w.report(ann, "satisfaction", service.ReportQuery{})
		wantRow(t, "Ann's satisfaction total", rowWhere(sat.Rows, "agent", "total"), map[string]any{"ratings": 1, "average": 5})
		for _, q := range []service.ReportQuery{{AgentID: w.bob.ID}, {AgentID: w.lead.ID, Team: "Billing"}} {
			q.Name = "promises"
			if _, err := w.svc.RunReport(w.ctx, ann, q); !isForbidden(err) {
				t.Errorf("Ann reading %+v: %v, want forbidden", q, err)
			}
		}

		team := w.report(lead, "satisfaction", service.ReportQuery{})
		if team.Team != "Billing" {
			t.Errorf("the lead's report is of team %q, want Billing", team.Team)
		}
		wantRow(t, "the lead's satisfaction total", rowWhere(team.Rows, "agent", "total"), map[string]any{"ratings": 2})
		bob := w.report(lead, "satisfaction", service.ReportQuery{AgentID: w.bob.ID})
		wantRow(t, "the lead on Bob", rowWhere(bob.Rows, "agent", "total"), map[string]any{"ratings": 1, "average": 3})
		if _, err := w.svc.RunReport(w.ctx, lead, service.ReportQuery{Name: "volume", Team: "Other"}); !isForbidden(err) {
			t.Errorf("the lead reading another team: %v, want forbidden", err)
		}
		if _, err := w.svc.RunReport(w.ctx, desk.AgentActor(w.other), service.ReportQuery{Name: "volume", Team: "Billing"}); err != nil {
			t.Errorf("an agent of another team reading their own figures in Billing's cases: %v", err)
		}

		all := w.report(head, "volume", service.ReportQuery{Team: "Other"})
		if all.Team != "Other" || len(all.Rows) != 0 {
			t.Errorf("the head of care on team Other: %+v", all)
		}
		if _, err := w.svc.RunReport(w.ctx, desk.CustomerActor(w.mari), service.ReportQuery{Name: "promises"}); !isForbidden(err) {
			t.Errorf("a customer reading reports: %v", err)
		}
		if _, err := w.svc.RunReport(w.ctx, head, service.ReportQuery{Name: "league_table"}); !isNotFound(err) {
			t.Errorf("an unknown report: %v", err)
		}
	})
}

// TestRatingPerResolution: a customer rates a confirmed resolution once, may change it for a
// week, and the rating is their entry on the record; a case resolved again is rated again.
func TestRatingPerResolution(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		ann, mari := desk.AgentActor(sc.ann), desk.CustomerActor(sc.mari)
		c := sc.openCase(sc.ann, "Invoice")
		must(sc.svc.Resolve(sc.ctx, ann, c.ID, "Refunded."))
		must(sc.svc.Confirm(sc.ctx, mari, c.ID, desk.Confirmation{Confirmed: true}))
		must(sc.svc.Rate(sc.ctx, mari, c.ID, 2, "Slow."))
		e := lastOf(sc.record(c.ID, mari), desk.KindRatingGiven)
		if e == nil || e.Internal || e.Actor.Kind != desk.ActorCustomer || e.Actor.ID != sc.mari.ID || e.Body != "2/5\n\nSlow." {
			t.Fatalf("the rating on the record as Mari sees it: %+v", e)
		}
		sc.advance(6 * 24 * time.Hour)
		r := must(sc.svc.Rate(sc.ctx, mari, c.ID, 4, ""))
		if r.Score != 4 || r.Comment != "" {
			t.Errorf("changed rating: %+v", r)
		}
		if d, ok := desk.DataOf[desk.RatingGivenData](*lastOf(sc.record(c.ID, ann), desk.KindRatingGiven)); !ok || !d.Changed || d.Score != 4 {
			t.Errorf("the change on the record: %+v", d)
		}
		sc.advance(2 * 24 * time.Hour)
		_, err := sc.svc.Rate(sc.ctx, mari, c.ID, 5, "")
		conflict(t, err, "rating_final")

		// Mari writes again: the case opens, is resolved and confirmed again, and rated anew.
		must(sc.svc.AddMessage(sc.ctx, mari, c.ID, desk.NewMessage{Body: "It is charged again."}))
		must(sc.svc.Resolve(sc.ctx, ann, c.ID, "Refunded again."))
		must(sc.svc.Confirm(sc.ctx, mari, c.ID, desk.Confirmation{Confirmed: true}))
		r = must(sc.svc.Rate(sc.ctx, mari, c.ID, 5, "Thanks."))
		if r.Score != 5 {
			t.Errorf("the second resolution's rating: %+v", r)
		}
		sat := must(sc.svc.RunReport(sc.ctx, desk.AgentActor(sc.head), service.ReportQuery{Name: "satisfaction", From: monday, To: sc.clock.Now().Add(time.Second)}))
		wantRow(t, "both resolutions rated", rowWhere(sat.Rows, "agent", "total"), map[string]any{"ratings": 2, "average": 4.5})
	})
}

// TestReportWeekPerTeamAndCSV (issue 18, done-when): the known week per team as well as per
// agent, its CSV bytes exactly, and the week after it with a rejected resolution ("not what I
// asked") and a reply wholly outside business hours, counted over the fortnight.
func TestReportWeekPerTeamAndCSV(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		w := newReportWeek(t, backend)
		head := desk.AgentActor(w.head)
		ann, bob := w.ann, w.bob
		csvOf := func(name string, q service.ReportQuery) string {
			t.Helper()
			return string(service.ReportCSV(w.report(head, name, q)))
		}
		wantCSV := func(what, got, want string) {
			t.Helper()
			if got != want {
				t.Errorf("%s CSV:\n%s\nwant\n%s", what, got, want)
			}
		}

		// Per team: Billing made every promise; Other none.
		wantCSV("promises by team", csvOf("promises_by_team", service.ReportQuery{}), "team,made,kept,slipped,broken\nBilling,3,1,1,2\nOther,0,0,0,0\n")
		wantCSV("promises of Other", csvOf("promises", service.ReportQuery{Team: "Other"}), "agent_id,agent,made,kept,slipped,broken\n0,total,0,0,0,0\n")
		// A promise counts for whoever holds it: both of Ann's that broke had climbed to Lea with
		// their cases (Mari's request, the second slip) before they broke.
		wantCSV("promises of Billing", csvOf("promises", service.ReportQuery{Team: "Billing"}),
			fmt.Sprintf("agent_id,agent,made,kept,slipped,broken\n%d,%s,1,1,0,0\n%d,%s,2,0,1,2\n0,total,3,1,1,2\n", ann.ID, ann.Name, w.lead.ID, w.lead.Name))
		wantCSV("satisfaction", csvOf("satisfaction", service.ReportQuery{}),
			fmt.Sprintf("agent_id,agent,ratings,average\n%d,%s,1,5\n%d,%s,1,3\n0,total,2,4\n", ann.ID, ann.Name, bob.ID, bob.Name))
		wantCSV("first response", csvOf("first_response", service.ReportQuery{}),
			"channel,cases,answered,median_s,p90_s\nall,6,4,600,5400\nemail,5,3,600,3600\nweb,1,1,5400,5400\n")
		wantCSV("repeat contacts", csvOf("repeat_contacts", service.ReportQuery{}),
			fmt.Sprintf("agent_id,agent,closed,repeated\n%d,%s,1,1\n%d,%s,1,0\n0,total,2,1\n", ann.ID, ann.Name, bob.ID, bob.Name))
		wantCSV("escalations", csvOf("escalations", service.ReportQuery{}),
			"trigger,escalations\nbroken_promise,2\nsecond_slip,1\nresponse_target,0\nrepeat_contacts,0\nresolution_target,0\ncustomer_request,1\nagent_request,0\ntotal,4\n")
		wantCSV("first response of Other", csvOf("first_response", service.ReportQuery{Team: "Other"}), "channel,cases,answered,median_s,p90_s\n")

		// The week after: Monday 18:00 Ivo writes; Bob answers Tuesday 08:00, before the team's
		// hours (no business time passed); Bob resolves it at 10:00 and Ivo rejects it.
		until := func(days int, hhmm string) { w.advance(w.at(days, hhmm).Sub(w.clock.Now())) }
		until(7, "18:00")
		c := must(w.svc.OpenCase(w.ctx, w.sys, desk.NewCase{CustomerID: w.ivo.ID, Subject: "Parcel", Body: "Where is it?", Channel: "phone", OwnerID: bob.ID}))
		until(8, "08:00")
		must(w.svc.AddMessage(w.ctx, desk.AgentActor(bob), c.ID, desk.NewMessage{Body: "It is on its way."}))
		until(8, "10:00")
		must(w.svc.Resolve(w.ctx, desk.AgentActor(bob), c.ID, "Delivered to the parcel locker."))
		must(w.svc.Confirm(w.ctx, desk.CustomerActor(w.ivo), c.ID, desk.Confirmation{Confirmed: false, Words: "Not what I asked: it was the wrong parcel."}))
		week2 := service.ReportQuery{From: w.to, To: w.to.AddDate(0, 0, 7)}
		wantCSV("first response, week 2", csvOf("first_response", week2), "channel,cases,answered,median_s,p90_s\nall,1,1,0,0\nphone,1,1,0,0\n")
		fortnight := service.ReportQuery{From: w.from, To: w.to.AddDate(0, 0, 7)}
		wantCSV("resolutions over the fortnight", csvOf("resolutions", fortnight),
			fmt.Sprintf("agent_id,agent,confirmed,rejected,closed_unconfirmed\n%d,%s,1,0,0\n%d,%s,1,1,0\n0,total,2,1,0\n", ann.ID, ann.Name, bob.ID, bob.Name))
		res := w.report(head, "resolutions", week2)
		wantRow(t, "resolutions of week 2, Bob", rowWhere(res.Rows, "agent_id", bob.ID), map[string]any{"confirmed": 0, "rejected": 1})
		wantRow(t, "resolutions of week 2 against week 1", rowWhere(res.Previous.Rows, "agent", "total"), map[string]any{"confirmed": 2, "rejected": 0})
	})
}
