package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store/storetest"
)

var chartBar = regexp.MustCompile(`<g class="bar"><title>([^<]*)</title><text class="label"[^>]*>([^<]*)</text><rect [^>]*data-value="(\d+)"`)

// The team view is the manager's: a plain agent is refused; a manager sees every open promise
// with its words and maker, escalations, missing hand-overs and slips per agent as a chart.
func TestTeamView(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		at := newAvailTeam(t, backend)
		svc := at.d.Svc
		asAnn, asBea := desk.AgentActor(at.ann), desk.AgentActor(at.bea)
		hostile := `<script>x("1")</script>Eve`
		eve, err := svc.CreateAgent(at.ctx, at.sys, desk.NewAgent{Name: hostile, Email: "eve@example.ee", Team: "Billing",
			ManagerID: at.mona.ID, Timezone: "Europe/Tallinn"})
		if err != nil {
			t.Fatal(err)
		}

		parcel := at.openCase(t, at.ann, "Parcel lost <b>twice</b>")
		words := `I will call you back on Tuesday at 10 <img src=x onerror=alert(1)>`
		p := at.promise(t, parcel, at.ann, at.at("2026-11-24 10:00"), words)
		// Ann moves her promise twice: the second slip escalates the case to Mona.
		for _, due := range []string{"2026-11-24 14:00", "2026-11-25 10:00"} {
			if _, err := svc.SlipPromise(at.ctx, asAnn, p.ID, desk.Slip{DueAt: at.at(due), Reason: "waiting for the carrier",
				Message: "The carrier has not answered yet."}); err != nil {
				t.Fatal(err)
			}
		}
		beas := at.openCase(t, at.bea, "Wrong tariff")
		bp := at.promise(t, beas, at.bea, at.at("2026-11-24 11:00"), "You get the corrected bill by Tuesday")
		if _, err := svc.SlipPromise(at.ctx, asBea, bp.ID, desk.Slip{DueAt: at.at("2026-11-25 11:00"), Reason: "billing run",
			Message: "The billing run moved."}); err != nil {
			t.Fatal(err)
		}
		eves := at.openCase(t, eve, "Eve's case")
		ep := at.promise(t, eves, eve, at.at("2026-11-24 15:00"), "Eve will write")
		if _, err := svc.SlipPromise(at.ctx, desk.AgentActor(eve), ep.ID, desk.Slip{DueAt: at.at("2026-11-26 15:00"), Reason: "busy",
			Message: "Tomorrow instead."}); err != nil {
			t.Fatal(err)
		}
		// Carl falls ill with a case open: it goes to Mona without a hand-over.
		carls := at.openCase(t, at.carl, "Meter reading")
		if _, err := svc.AddAbsence(at.ctx, at.sys, at.carl.ID, desk.NewAbsence{Kind: "sick", From: at.d.Clock.Now(),
			To: at.at("2026-11-27 17:00")}, nil); err != nil {
			t.Fatal(err)
		}

		ann := at.signIn(at.ann)
		if pg := ann.get("/team"); pg.Status != http.StatusForbidden {
			t.Fatalf("a plain agent opens /team: %d, want 403", pg.Status)
		}
		if pg := ann.post("/team/agents/"+idStr(at.bea.ID)+"/active", url.Values{"active": {"false"}}); pg.Status != http.StatusForbidden {
			t.Fatalf("a plain agent deactivates a colleague: %d, want 403", pg.Status)
		}

		mona := at.signIn(at.mona)
		pg := mona.get("/team")
		if pg.Status != http.StatusOK {
			t.Fatalf("the manager opens /team: %d\n%s", pg.Status, pg.Body)
		}
		pg.mustContain(t, "Team: Billing", "Open promises",
			// the exact words, inert, as the slips restated them for their new due time
			"I will call you back on Wednesday at 10 &lt;img src=x onerror=alert(1)&gt;",
			`<td class="maker" data-label="Made by">Ann Tamm</td>`, "You get the corrected bill by Wednesday", `<td class="maker" data-label="Made by">Bea Berg</td>`,
			`href="/cases/`+idStr(parcel.ID)+`">`+parcel.Ref, "moved 2×",
			"Escalations", "rung 1", "Parcel lost &lt;b&gt;twice&lt;/b&gt;",
			"Hand-overs missing", carls.Ref, "Meter reading", "no hand-over",
			"Slips per agent")
		if strings.Contains(pg.Body, "<script>x") || strings.Contains(pg.Body, "<img src=x") || strings.Contains(pg.Body, "<b>twice") {
			t.Fatal("a hostile name, word or subject reached the page unescaped")
		}
		svg := pg.Body[strings.Index(pg.Body, `<svg xmlns="http://www.w3.org/2000/svg" class="chart slips"`):]
		svg = svg[:strings.Index(svg, "</svg>")]
		bars := chartBar.FindAllStringSubmatch(svg, -1)
		got := map[string]string{} // a bar's title → its value
		for _, b := range bars {
			got[b[1]] = b[3]
			if strings.ContainsAny(b[2], "<>") {
				t.Errorf("a bar's label is not escaped: %q", b[2])
			}
		}
		want := map[string]string{"Ann Tamm — slips: 2": "2", "Bea Berg — slips: 1": "1", "&lt;script&gt;x(&#34;1&#34;)&lt;/script&gt;Eve — slips: 1": "1"}
		if len(bars) != 3 || len(got) != 3 {
			t.Fatalf("the chart has %d bars (%v), want one per agent with slips (3):\n%s", len(bars), got, svg)
		}
		for title, n := range want {
			if got[title] != n {
				t.Errorf("bar %q = %q, want %s (bars %v)", title, got[title], n, got)
			}
		}
		// The same numbers as a table for screen readers.
		pg.mustContain(t, `<tr><th scope="row">Ann Tamm</th><td>2</td></tr>`)

		// Deactivating Bea ends her session at once.
		bea := at.signIn(at.bea)
		if r := bea.get("/availability"); r.Status != http.StatusOK {
			t.Fatalf("Bea signed in: %d", r.Status)
		}
		r := mona.post("/team/agents/"+idStr(at.bea.ID)+"/active", url.Values{"active": {"false"}, "team": {"Billing"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("deactivate Bea: %d\n%s", r.Status, r.Body)
		}
		mona.get(r.Location).mustContain(t, "The agent was deactivated and signed out everywhere.", "Deactivated", "Reactivate")
		if r := bea.get("/availability"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/login") {
			t.Fatalf("Bea after deactivation: %d → %q, want sent to sign in", r.Status, r.Location)
		}
		a, err := svc.Agent(at.ctx, at.sys, at.bea.ID)
		if err != nil || a.Active {
			t.Fatalf("Bea = %+v, %v; want inactive", a, err)
		}
	})
}

// A team lead reads their own team's page, without the manager's buttons, and the navigation
// offers it (issue 15, finding 11: a lead had no team page).
func TestTeamViewForALead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		at := newAvailTeam(t, backend)
		lea, err := at.d.Svc.CreateAgent(at.ctx, at.sys, desk.NewAgent{Name: "Lea Lead", Email: "lea@example.ee", Role: "lead", Team: "Billing",
			ManagerID: at.mona.ID, Timezone: "Europe/Tallinn"})
		if err != nil {
			t.Fatal(err)
		}
		if err := at.d.Svc.SetPassword(at.ctx, lea.ID, availPassword); err != nil {
			t.Fatal(err)
		}
		b := at.signIn(lea)
		pg := b.get("/team?team=Other")
		if pg.Status != http.StatusOK {
			t.Fatalf("the lead opens /team: %d\n%s", pg.Status, pg.Body)
		}
		pg.mustContain(t, "Billing", "Ann Tamm", `href="/team"`)
		if strings.Contains(pg.Body, `/active"`) || strings.Contains(pg.Body, "Deactivate") {
			t.Fatalf("the lead's team page offers the manager's buttons:\n%s", pg.Body)
		}
		if r := b.post("/team/agents/"+idStr(at.ann.ID)+"/active", url.Values{"active": {"false"}}); r.Status != http.StatusForbidden {
			t.Fatalf("the lead deactivates Ann: %d, want 403", r.Status)
		}
	})
}
