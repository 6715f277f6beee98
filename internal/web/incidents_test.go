package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// Story 19 in the portal: a customer whose case is linked to an incident reads its public
// status and its promise (words and due time) on their case, and that it is fixed.
func TestPortalShowsTheIncident(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newPortalDesk(t, backend)
		sc := newPortalScene(t, d)
		ctx, lea := context.Background(), desk.AgentActor(sc.lea)
		inc, err := d.Svc.CreateIncident(ctx, lea, desk.NewIncident{Title: "Power cut in Tartu", PublicStatus: "Crews are on site since 9:00."})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Svc.LinkCases(ctx, lea, inc.ID, []int64{sc.kettle.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Svc.PromiseIncident(ctx, lea, inc.ID, desk.NewPromise{Kind: "fix", Words: "Power is back by 18:00.",
			DueAt: time.Date(2026, 11, 25, 16, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
		b := d.browser()
		b.portalSignIn("mari@example.ee")
		p := b.get("/portal/cases/" + portalID(sc.kettle.ID))
		incident := p.section(t, `id="incidents"`, "</section>")
		for _, want := range []string{"A known fault", "Power cut in Tartu", "Crews are on site since 9:00."} {
			if !strings.Contains(incident, want) {
				t.Errorf("the incident card lacks %q:\n%s", want, incident)
			}
		}
		promise := p.section(t, `<div class="words">“Power is back by 18:00.”`, "</li>")
		if !strings.Contains(promise, "Wed 25 Nov 16:00") {
			t.Errorf("the incident's promise in the portal:\n%s", promise)
		}
		if _, err := d.Svc.ResolveIncident(ctx, lea, inc.ID, "Power is back."); err != nil {
			t.Fatal(err)
		}
		p = b.get("/portal/cases/" + portalID(sc.kettle.ID))
		p.mustContain(t, "Fixed", "Fault fixed")
		// The other customer's case is not linked: nothing of the incident shows there.
		b2 := d.browser()
		b2.portalSignIn("ivo@example.hr")
		b2.get("/portal/cases/"+portalID(sc.ivoCase.ID)).portalLacks(t, "Power cut in Tartu")
	})
}

// Stories 19 and 20 on the agent's pages: an incident opened from the case page links the
// case and lists it with its customer; the decision form shows the written policy and its
// limits beside it, grants within the agent's limit and sends the rest for approval.
func TestIncidentPageAndDecisionForm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		cd := newCaseDesk(t, backend)
		b := cd.signedInAs("ann@example.com")
		p := b.get(cd.path(""))
		p.mustContain(t, `id="decision-form"`, "A credit, refund or waived fee that the evidence supports is granted the first time",
			"agent: 50.00", "head of care: no limit", `id="incidents"`, "Not linked to an incident.")

		p = b.post("/incidents", url.Values{"title": {"Power cut in Tartu"}, "public_status": {"Crews are on site."}, "case": {strconv.FormatInt(cd.CaseID, 10)}})
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/incidents/") {
			t.Fatalf("opening an incident from the case: %d %s\n%s", p.Status, p.Location, p.Body)
		}
		inc := b.get(p.Location)
		inc.mustContain(t, "The incident is open.", "Power cut in Tartu", "Crews are on site.", desk.CaseRef(cd.CaseID), "Linked cases (1)", "Customers (1)")
		inc.caseMustLack(t, hostileSubject, hostileName) // escaped, never markup

		p = b.post(cd.path("/decisions"), url.Values{"kind": {"credit"}, "amount": {"30"}, "currency": {"EUR"}, "reason": {"Two days without power."}, "outcome": {"grant"}})
		if p.Status != http.StatusSeeOther || !strings.Contains(p.Location, "done=decision_granted") {
			t.Fatalf("a credit of 30: %d %s\n%s", p.Status, p.Location, p.Body)
		}
		p = b.post(cd.path("/decisions"), url.Values{"kind": {"refund"}, "amount": {"120,50"}, "currency": {"EUR"}, "reason": {"Charged twice."}, "outcome": {"grant"}})
		if p.Status != http.StatusSeeOther || !strings.Contains(p.Location, "done=decision_pending_approval") {
			t.Fatalf("a refund of 120.50: %d %s\n%s", p.Status, p.Location, p.Body)
		}
		p = b.get(p.Location)
		p.mustContain(t, "Above your limit", "Credit 30.00 EUR", "granted", "Refund 120.50 EUR", "waiting for approval", "Linked incident")
		p.caseMustLack(t, `action="/decisions/`) // Ann may not answer her own request
		p = b.post(cd.path("/decisions"), url.Values{"kind": {"credit"}, "amount": {"10"}, "currency": {"E"}, "reason": {"x"}})
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, `id="decision-form"`) {
			t.Errorf("a bad currency: %d", p.Status)
		}
	})
}

// Story 21 in the portal: the new-request form asks for the chosen type's reference, says a
// call serves it best, refuses it without the reference (keeping what was typed), and books
// the call-back at a time it offered.
func TestPortalNewRequestForm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newPortalDesk(t, backend)
		sc := newPortalScene(t, d)
		ctx, head := context.Background(), desk.AgentActor(d.Admin)
		repair, err := d.Svc.CreateCaseType(ctx, head, desk.NewCaseType{Name: "Repair", Team: "Care", RequiredReferences: []string{"order"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Svc.SetCaseTypeChannel(ctx, head, "Repair", "call"); err != nil {
			t.Fatal(err)
		}
		b := d.browser()
		b.portalSignIn("mari@example.ee")
		b.get("/portal").mustContain(t, `href="/portal/new"`)
		p := b.get("/portal/new?type=" + portalID(repair.ID))
		p.mustContain(t, "This is best solved on the phone", `name="ref_order"`, `name="callback"`)
		slot := regexp.MustCompile(`name="callback" value="([^"]+)"`).FindAllStringSubmatch(p.Body, -1)
		if len(slot) < 2 {
			t.Fatalf("no call-back times offered:\n%s", p.Body)
		}
		form := url.Values{"type": {portalID(repair.ID)}, "subject": {"Washing machine"}, "body": {"It does not spin."}, "callback": {slot[1][1]}}
		p = b.post("/portal/new", form)
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Please give the references") || !strings.Contains(p.Body, "It does not spin.") {
			t.Fatalf("without the order: %d\n%s", p.Status, p.Body)
		}
		form.Set("ref_order", "ORD-77")
		p = b.post("/portal/new", form)
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/portal/cases/") {
			t.Fatalf("the request: %d %s\n%s", p.Status, p.Location, p.Body)
		}
		page := b.get(p.Location)
		page.mustContain(t, "Your request is with us.", "Washing machine", "We will call you back at")
		_ = sc
	})
}
