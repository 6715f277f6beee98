package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// CONTRACT.md's reports (issue 18): promises per agent with the team's total, resolutions, the
// customers' ratings and first responses, as JSON and as CSV with a header line; a name with
// a formula's first character is neutralised in CSV.
func TestReportsOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		ctx := context.Background()
		sys := desk.SystemActor()
		day := []string{"00:00-24:00"}
		always := map[string][]string{"mon": day, "tue": day, "wed": day, "thu": day, "fri": day, "sat": day, "sun": day}
		ann, err := d.svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "=Ann Tamm", Email: "ann@desk.test", Role: "agent", Team: "Billing", Hours: always})
		if err != nil {
			t.Fatal(err)
		}
		cust, err := d.svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.ee"})
		if err != nil {
			t.Fatal(err)
		}
		c, err := d.svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: cust.ID, Subject: "Invoice", Body: "Charged twice.", Channel: "email", OwnerID: ann.ID})
		if err != nil {
			t.Fatal(err)
		}
		asAnn := desk.AgentActor(ann)
		d.clock.Advance(30 * time.Minute)
		kept, err := d.svc.MakePromise(ctx, asAnn, c.ID, desk.NewPromise{Kind: "update", DueAt: d.clock.Now().Add(time.Hour), Words: "I write within the hour."})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.svc.KeepPromise(ctx, asAnn, kept.ID, ""); err != nil {
			t.Fatal(err)
		}
		slipped, err := d.svc.MakePromise(ctx, asAnn, c.ID, desk.NewPromise{Kind: "fix", DueAt: d.clock.Now().Add(2 * time.Hour), Words: "The refund is made today."})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.svc.SlipPromise(ctx, asAnn, slipped.ID, desk.Slip{DueAt: d.clock.Now().Add(5 * time.Hour), Reason: "The bank is slow", Message: "Sorry: by evening."}); err != nil {
			t.Fatal(err)
		}
		if _, err := d.svc.Resolve(ctx, asAnn, c.ID, "Refunded."); err != nil {
			t.Fatal(err)
		}
		if _, err := d.svc.Confirm(ctx, desk.CustomerActor(cust), c.ID, desk.Confirmation{Confirmed: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := d.svc.Rate(ctx, desk.CustomerActor(cust), c.ID, 4, "Quick."); err != nil {
			t.Fatal(err)
		}
		period := "?from=2026-11-23&to=2026-11-24&team=Billing"
		rows := list(obj(d.call("GET", "/api/v1/reports/promises"+period, nil, 200))["rows"])
		want := map[string]float64{"made": 2, "kept": 1, "slipped": 1, "broken": 0}
		for _, r := range rows {
			row := obj(r)
			for k, v := range want {
				if row[k] != v {
					t.Errorf("promises row %v: %s = %v, want %v", row["agent"], k, row[k], v)
				}
			}
		}
		if len(rows) != 2 || obj(rows[1])["agent"] != "total" {
			t.Errorf("promises rows %v, want Ann's and the total", rows)
		}
		res := obj(list(obj(d.call("GET", "/api/v1/reports/resolutions"+period, nil, 200))["rows"])[0])
		if res["confirmed"] != float64(1) {
			t.Errorf("resolutions %v", res)
		}
		sat := obj(list(obj(d.call("GET", "/api/v1/reports/satisfaction"+period, nil, 200))["rows"])[0])
		if sat["ratings"] != float64(1) || sat["average"] != float64(4) {
			t.Errorf("satisfaction %v", sat)
		}
		first := list(obj(d.call("GET", "/api/v1/reports/first_response"+period, nil, 200))["rows"])
		if len(first) != 2 || obj(first[0])["channel"] != "all" || obj(first[0])["median_s"] != float64(1800) {
			t.Errorf("first responses %v", first)
		}
		req, _ := http.NewRequest("GET", d.url+"/api/v1/reports/promises"+period+"&format=csv", nil)
		req.Header.Set("Authorization", "Bearer "+d.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		lines := strings.Split(strings.TrimSpace(string(body)), "\n")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") || lines[0] != "agent_id,agent,made,kept,slipped,broken" ||
			!strings.Contains(lines[1], fmt.Sprintf("%d,'=Ann Tamm,2,1,1,0", ann.ID)) {
			t.Errorf("CSV %d %s:\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		if status, _ := d.do("GET", "/api/v1/reports/league_table", d.token, nil); status != 404 {
			t.Errorf("an unknown report: %d", status)
		}
	})
}

// Reports over HTTP are scoped by the permission table: an agent's token reads their own
// figures (agent_id filled in), another agent's is 403 forbidden, a bad agent id 422; the
// answer carries the period before; a new report's CSV has its header (issue 18).
func TestReportScopeOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		ctx, sys := context.Background(), desk.SystemActor()
		ann, err := d.svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ann Tamm", Email: "ann@desk.test", Role: "agent", Team: "Billing"})
		if err != nil {
			t.Fatal(err)
		}
		bob, err := d.svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Bob Kask", Email: "bob@desk.test", Role: "agent", Team: "Billing"})
		if err != nil {
			t.Fatal(err)
		}
		k, err := d.svc.CreateToken(ctx, sys, service.NewToken{AgentID: ann.ID, Label: "ann"})
		if err != nil {
			t.Fatal(err)
		}
		period := "?from=2026-11-23&to=2026-11-30"
		status, out := d.do("GET", "/api/v1/reports/escalations"+period, k.Secret, nil)
		rep := obj(out)
		if status != 200 || rep["agent_id"] != float64(ann.ID) || obj(rep["previous"])["from"] != "2026-11-16T00:00:00Z" || len(list(rep["rows"])) != 8 {
			t.Errorf("Ann's escalations: %d %v", status, out)
		}
		if status, out := d.do("GET", fmt.Sprintf("/api/v1/reports/promises%s&agent=%d", period, bob.ID), k.Secret, nil); status != 403 || obj(obj(out)["error"])["code"] != "forbidden" {
			t.Errorf("Ann reading Bob's figures: %d %v", status, out)
		}
		if status, _ := d.do("GET", "/api/v1/reports/promises"+period+"&agent=x", k.Secret, nil); status != 422 {
			t.Errorf("a bad agent id: %d", status)
		}
		if status, _ := d.do("GET", "/api/v1/reports/volume"+period+"&channel=web&type=billing&team=Billing", d.token, nil); status != 200 {
			t.Errorf("the head of care filtering by channel, type and team: %d", status)
		}
		req, _ := http.NewRequest("GET", d.url+"/api/v1/reports/backlog"+period+"&format=csv", nil)
		req.Header.Set("Authorization", "Bearer "+d.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if lines := strings.Split(strings.TrimSpace(string(body)), "\n"); resp.StatusCode != 200 || lines[0] != "day,open" || lines[1] != "2026-11-23,0" {
			t.Errorf("backlog CSV %d:\n%s", resp.StatusCode, body)
		}
	})
}
