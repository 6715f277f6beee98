package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// Issue 22: staff link cases found by search to an open incident in bulk: the results page
// offers a checkbox beside each hit and the open incidents; the checked cases (and only they)
// are linked by the incident's command and the incident page lists them. A resolved incident
// is not offered, and choosing none is refused with the results kept.
func TestSearchLinksCasesToIncident(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newPortalDesk(t, backend)
		sc := newPortalScene(t, d)
		ctx, sys, lea := context.Background(), desk.SystemActor(), desk.AgentActor(sc.lea)
		if err := d.Svc.SetPassword(ctx, sc.lea.ID, adminPassword); err != nil {
			t.Fatal(err)
		}
		var hits []int64
		for _, c := range []struct {
			cust    int64
			subject string
		}{{sc.mari.ID, "Power outage in Tartu"}, {sc.ivo.ID, "Outage since morning"}, {sc.mari.ID, "Outage again"}} {
			v, err := d.Svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: c.cust, Subject: c.subject, Body: "No power.", Channel: "email", OwnerID: sc.ann.ID})
			if err != nil {
				t.Fatal(err)
			}
			hits = append(hits, v.ID)
		}
		inc, err := d.Svc.CreateIncident(ctx, lea, desk.NewIncident{Title: "Power cut in Tartu"})
		if err != nil {
			t.Fatal(err)
		}
		old, err := d.Svc.CreateIncident(ctx, lea, desk.NewIncident{Title: "Last week's fault"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Svc.LinkCases(ctx, lea, old.ID, []int64{sc.kettle.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Svc.ResolveIncident(ctx, lea, old.ID, "Fixed."); err != nil {
			t.Fatal(err)
		}

		b := d.browser()
		b.signIn("lea@desk.test", adminPassword)
		p := b.get("/search?q=outage")
		p.mustContain(t, `action="/search/incident"`, "Link to incident", "Power cut in Tartu",
			`name="case" value="`+strconv.FormatInt(hits[0], 10)+`"`, `name="case" value="`+strconv.FormatInt(hits[2], 10)+`"`)
		if strings.Contains(p.Body, "Last week&#39;s fault") || strings.Contains(p.Body, "Last week's fault") {
			t.Error("a resolved incident is offered")
		}

		p = b.post("/search/incident", url.Values{"q": {"outage"}, "case": {strconv.FormatInt(hits[0], 10)}})
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, `role="alert"`) || !strings.Contains(p.Body, "Power outage in Tartu") {
			t.Errorf("no incident chosen: %d\n%s", p.Status, p.Body)
		}

		p = b.post("/search/incident", url.Values{"q": {"outage"}, "incident": {strconv.FormatInt(inc.ID, 10)},
			"case": {strconv.FormatInt(hits[0], 10), strconv.FormatInt(hits[1], 10)}})
		if p.Status != http.StatusSeeOther || p.Location != "/incidents/"+strconv.FormatInt(inc.ID, 10)+"?done=linked" {
			t.Fatalf("linking from search: %d %s\n%s", p.Status, p.Location, p.Body)
		}
		page := b.get(p.Location)
		page.mustContain(t, "Linked cases (2)", desk.CaseRef(hits[0]), desk.CaseRef(hits[1]))
		if strings.Contains(page.Body, desk.CaseRef(hits[2])) {
			t.Error("an unchecked hit was linked")
		}
		for _, id := range hits[:2] {
			rec, err := d.Svc.Record(ctx, sys, id)
			if err != nil {
				t.Fatal(err)
			}
			linked := 0
			for _, e := range rec {
				if e.Kind == desk.KindIncidentLinked && e.Actor.ID == sc.lea.ID {
					linked++
				}
			}
			if linked != 1 {
				t.Errorf("%s has %d link entries by Lea", desk.CaseRef(id), linked)
			}
		}

		// A resolved incident refuses the cases: the refusal is shown with the results.
		p = b.post("/search/incident", url.Values{"q": {"outage"}, "incident": {strconv.FormatInt(old.ID, 10)}, "case": {strconv.FormatInt(hits[2], 10)}})
		if p.Status != http.StatusConflict || !strings.Contains(p.Body, "Outage again") {
			t.Errorf("linking to a resolved incident: %d\n%s", p.Status, p.Body)
		}
	})
}

// The automation settings page sets up a rule that links cases to an incident: it names the
// incident by number, refuses a number that is no incident (keeping what was typed), and the
// rule links a new case about the outage.
func TestAutomationPageLinksIncident(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newPortalDesk(t, backend)
		sc := newPortalScene(t, d)
		ctx, sys := context.Background(), desk.SystemActor()
		inc, err := d.Svc.CreateIncident(ctx, desk.AgentActor(sc.lea), desk.NewIncident{Title: "Power cut in Tartu"})
		if err != nil {
			t.Fatal(err)
		}
		b := d.browser()
		b.signIn("admin@example.com", adminPassword)
		b.get("/settings/automations").mustContain(t, `value="link_incident"`, `name="incident_id"`)
		form := url.Values{"name": {"Outages"}, "when": {"event"}, "event": {"case_opened"}, "words": {"outage"},
			"do": {"link_incident"}, "incident_id": {strconv.FormatInt(inc.ID+50, 10)}}
		p := b.post("/settings/automations", form)
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, `value="`+strconv.FormatInt(inc.ID+50, 10)+`"`) {
			t.Errorf("a rule naming no incident: %d", p.Status)
		}
		form.Set("incident_id", strconv.FormatInt(inc.ID, 10))
		if p = b.post("/settings/automations", form); p.Status != http.StatusSeeOther {
			t.Fatalf("the rule: %d\n%s", p.Status, p.Body)
		}
		c, err := d.Svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: sc.ivo.ID, Subject: "Outage in Tartu", Body: "No power.", Channel: "email", OwnerID: sc.ann.ID})
		if err != nil {
			t.Fatal(err)
		}
		v, err := d.Svc.Incident(ctx, sys, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Cases) != 1 || v.Cases[0].ID != c.ID {
			t.Errorf("the incident's cases after the rule: %+v", v.Cases)
		}
	})
}
