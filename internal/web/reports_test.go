package web_test

import (
	"context"
	"encoding/csv"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// reportsScene: team Care (lead Lea, agents "=Ann" — a name a spreadsheet would run — and Bob)
// and team Other (Oli), with this week's promises: Ann's kept and broken, Oli's kept.
type reportsScene struct {
	lea, ann, bob, oli desk.Agent
}

const reportsPassword = "reports horse battery"

func newReportsScene(t *testing.T, d *testDesk) *reportsScene {
	t.Helper()
	ctx, sys := context.Background(), desk.SystemActor()
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	allWeek := map[string][]string{}
	for _, day := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		allWeek[day] = []string{"00:00-24:00"}
	}
	add := func(name, email, role, team string, manager int64) desk.Agent {
		a, err := d.Svc.CreateAgent(ctx, sys, desk.NewAgent{Name: name, Email: email, Role: role, Team: team, ManagerID: manager, Timezone: "UTC", Hours: allWeek})
		check(err)
		check(d.Svc.SetPassword(ctx, a.ID, reportsPassword))
		return a
	}
	sc := &reportsScene{}
	sc.lea = add("Lea Lead", "lea@desk.test", "lead", "Care", d.Admin.ID)
	sc.ann = add("=Ann Tamm", "ann@desk.test", "agent", "Care", sc.lea.ID)
	sc.bob = add("Bob Kask", "bob@desk.test", "agent", "Care", sc.lea.ID)
	sc.oli = add("Oli Other", "oli@desk.test", "agent", "Other", d.Admin.ID)
	cust, err := d.Svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.ee"})
	check(err)
	promise := func(owner desk.Agent, subject string, keep bool) {
		c, err := d.Svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: cust.ID, Subject: subject, Body: subject, Channel: "email", OwnerID: owner.ID})
		check(err)
		p, err := d.Svc.MakePromise(ctx, desk.AgentActor(owner), c.ID, desk.NewPromise{Kind: "update", DueAt: d.Clock.Now().Add(time.Hour), Words: "I write within the hour."})
		check(err)
		if keep {
			_, err = d.Svc.KeepPromise(ctx, desk.AgentActor(owner), p.ID, "")
			check(err)
		}
	}
	promise(sc.ann, "Invoice", true)
	promise(sc.ann, "Router", false)
	promise(sc.oli, "Parcel", true)
	d.Clock.Advance(2 * time.Hour)
	d.runTimers() // Ann's second promise breaks
	return sc
}

// TestReportsPage: the lead reads their team's reports with charts and tables; the period and
// team pickers work; an agent reads their own figures; another team is refused; the CSV of a
// chart's numbers neutralises a formula (issue 18).
func TestReportsPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		sc := newReportsScene(t, d)
		lead := d.browser()
		lead.signIn(sc.lea.Email, reportsPassword)
		p := lead.get("/reports")
		if p.Status != 200 {
			t.Fatalf("reports page: %d\n%s", p.Status, p.Body)
		}
		p.mustContain(t, "Reports · Care", "2026-11-23 to 2026-11-29", `<svg xmlns="http://www.w3.org/2000/svg" class="chart line backlog" viewBox=`,
			`class="chart line trend"`, `class="chart kept"`, "Promises kept, per agent", "Broken promise",
			`href="/reports/csv?`, "Ann Tamm")
		if strings.Contains(p.Body, "Oli Other") {
			t.Error("the lead's page shows an agent of another team")
		}
		if !strings.Contains(p.Body, `data-value="1"><title>11-23: Broken 1</title>`) {
			t.Errorf("the trend does not show this week's broken promise")
		}

		// The bars' CSV: Ann's name, a formula to a spreadsheet, is quoted.
		csvLink := regexpFind(t, p.Body, `href="(/reports/csv\?[^"]*report=promises&amp;[^"]*)"`)
		got := lead.get(strings.ReplaceAll(csvLink, "&amp;", "&"))
		rows, err := csv.NewReader(strings.NewReader(got.Body)).ReadAll()
		if err != nil || got.Status != 200 || !strings.HasPrefix(got.Header.Get("Content-Type"), "text/csv") || !strings.HasPrefix(got.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("CSV %d %v %v:\n%s", got.Status, got.Header, err, got.Body)
		}
		if len(rows) != 3 || strings.Join(rows[0], ",") != "agent_id,agent,made,kept,slipped,broken" || rows[1][1] != "'=Ann Tamm" ||
			strings.Join(rows[1][2:], ",") != "2,1,0,1" || strings.Join(rows[2][1:], ",") != "total,2,1,0,1" {
			t.Errorf("CSV rows: %q", rows)
		}

		if p := lead.get("/reports?team=Other"); p.Status != 403 {
			t.Errorf("the lead on another team: %d", p.Status)
		}
		if p := lead.get("/reports/csv?report=volume&team=Other"); p.Status != 403 {
			t.Errorf("the lead's CSV of another team: %d", p.Status)
		}
		if p := lead.get("/reports?period=custom&from=2026-11-20&to=2026-11-10"); p.Status != 422 {
			t.Errorf("a period ending before it starts: %d", p.Status)
		}
		p = lead.get("/reports?period=last_30")
		p.mustContain(t, "2026-10-25 to 2026-11-23")
		p = lead.get("/reports?period=custom&from=2026-11-23&to=2026-11-23")
		p.mustContain(t, "2026-11-23 to 2026-11-23")

		// The head of care reads every team, bars per team.
		admin := d.browser()
		admin.signIn(d.Admin.Email, adminPassword)
		p = admin.get("/reports")
		p.mustContain(t, "Promises kept, per team", "<option>Care</option>", "<option>Other</option>")

		// An agent reads their own figures only.
		bob := d.browser()
		bob.signIn(sc.bob.Email, reportsPassword)
		p = bob.get("/reports")
		p.mustContain(t, "your own figures")
		if strings.Contains(p.Body, "Ann Tamm") {
			t.Error("Bob's reports show Ann's figures")
		}

		if strings.Contains(p.Body, "reports-catching-up") {
			t.Error("a desk whose roll-ups are ready is said to be catching up")
		}

		// Translated.
		req := url.Values{"lang": {"et"}, "next": {"/reports"}}
		lead.post("/lang", req)
		lead.get("/reports").mustContain(t, "Aruanded", "Töövaru: avatud juhtumid iga päeva lõpus", "Murtud lubadus")

		// After an upgrade that rolls up more, until kept serve has rebuilt the roll-ups.
		if _, err := storetest.Raw(t, d.St).Exec(`DELETE FROM report_rollups_ready`); err != nil {
			t.Fatal(err)
		}
		lead.get("/reports").mustContain(t, `id="reports-catching-up">Aruandeid viiakse pärast tarkvara uuendamist ajakohaseks (0% tehtud).`, "Murtud lubadus")
		bob.get("/reports").mustContain(t, `id="reports-catching-up">The reports are being brought up to date after an upgrade (0% done).`)
		if strings.Contains(bob.get("/reports").Body, "reports-stuck") {
			t.Error("a rebuild that moves is said to be stuck")
		}

		// A rebuild whose steps fail says so, and since when; why only to the head of care.
		stuckAt := d.Clock.Now().Add(-time.Hour)
		if _, err := storetest.Raw(t, d.St).Exec(`INSERT INTO report_rollups_rebuild (one, after_case, failing_since, failure) VALUES (1, 0, $1, 'no such table: report_case_facts')`, stuckAt); err != nil {
			t.Fatal(err)
		}
		p = bob.get("/reports")
		p.mustContain(t, `<span id="reports-stuck">The update has not moved since `, "the server tries again every minute, and its log says what fails.</span>")
		if strings.Contains(p.Body, "no such table") {
			t.Error("an agent is shown the server's error")
		}
		admin.get("/reports").mustContain(t, `<code class="muted">no such table: report_case_facts</code>`)
		lead.get("/reports").mustContain(t, `<span id="reports-stuck">Uuendus pole alates `)
	})
}

// regexpFind is the first group of the pattern's first match in s, failing the test without one.
func regexpFind(t *testing.T, s, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no %s in:\n%s", pattern, s)
	}
	return m[1]
}

// TestReportsPageDecisions: the decision reports (by rung and by kind and reason) are on the
// reports page as a chart and tables with their CSV, translated; the reason is the desk's own
// words, marked as such (issue 18, item 3). Failed before: the page had no decisions at all.
func TestReportsPageDecisions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		sc := newReportsScene(t, d)
		ctx := context.Background()
		cust, err := d.Svc.CreateCustomer(ctx, desk.SystemActor(), desk.NewCustomer{Name: "Jaan Jõgi", Email: "jaan@example.ee"})
		if err != nil {
			t.Fatal(err)
		}
		c, err := d.Svc.OpenCase(ctx, desk.SystemActor(), desk.NewCase{CustomerID: cust.ID, Subject: "Double charge", Body: "Charged twice", Channel: "email", OwnerID: sc.ann.ID})
		if err != nil {
			t.Fatal(err)
		}
		dec, err := d.Svc.MakeDecision(ctx, desk.AgentActor(sc.ann), c.ID, desk.NewDecision{Kind: "refund", Amount: 100000, Currency: "EUR", Reason: "Charged twice."})
		if err != nil {
			t.Fatal(err)
		}
		lead := d.browser()
		lead.signIn(sc.lea.Email, reportsPassword)
		p := lead.get("/reports")
		p.mustContain(t, `id="decisions_by_rung"`, "Decisions asked, per rung whose limit they needed", `class="chart decisions"`,
			`id="table-decisions_by_reason"`, "<th scope=\"row\">Refund</th><td data-user-text>Charged twice.</td><td>1</td>",
			`report=decisions_by_rung`, `report=decisions_by_reason`, "Median time to decide (h:mm)")
		rung := string(dec.Rung)
		csvLink := regexpFind(t, p.Body, `href="(/reports/csv\?[^"]*report=decisions_by_reason&amp;[^"]*)"`)
		got := lead.get(strings.ReplaceAll(csvLink, "&amp;", "&"))
		rows, err := csv.NewReader(strings.NewReader(got.Body)).ReadAll()
		if err != nil || len(rows) != 3 || strings.Join(rows[0], ",") != "kind,reason,requested,granted,refused,pending,median_decide_s" ||
			strings.Join(rows[1], ",") != "refund,Charged twice.,1,0,0,1,0" || strings.Join(rows[2], ",") != "all,all,1,0,0,1,0" {
			t.Errorf("decisions CSV (%v): %q", err, rows)
		}
		lead.post("/lang", url.Values{"lang": {"et"}, "next": {"/reports"}})
		lead.get("/reports").mustContain(t, "Otsused liigi ja põhjuse järgi", "Mediaanaeg otsuseni (h:mm)", "<th scope=\"row\">Raha tagastamine</th>",
			map[string]string{"agent": "Klienditeenindaja", "lead": "Meeskonnajuht", "manager": "Juhataja", "admin": "Klienditeeninduse juht"}[rung])
	})
}
