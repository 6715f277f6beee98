package web_test

import (
	"context"
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
