package web_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

func ids(cs ...service.CaseView) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = strconv.FormatInt(c.ID, 10)
	}
	return out
}

// TestInboxBulkActions: the cases checked in the inbox are handed over, tagged, given a
// priority, resolved and linked to an incident in one post each, each by its own command; a
// case the rules refuse says why, in the reader's language, and the others are done.
func TestInboxBulkActions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newInboxScene(t, backend)
		svc, ctx := sc.d.Svc, sc.ctx
		ann := sc.d.browser()
		ann.signIn(sc.ann.Email, sc.password)
		p := ann.get("/inbox")
		p.mustContain(t, `id="bulk-form"`, `name="case" value="`+ids(sc.waiting)[0]+`" form="bulk-form"`, `<optgroup label="Billing" data-mine`)
		if i, j := strings.Index(p.Body, `<optgroup label="Billing"`), strings.Index(p.Body, `<optgroup label="Shipping"`); i < 0 || j < i {
			t.Errorf("the bulk hand-over picker does not list the reader's team first")
		}

		// Priority on three cases, one of them another team's: staff may label every case.
		p = ann.post("/inbox/bulk", url.Values{"action": {"priority"}, "priority": {"urgent"}, "case": ids(sc.waiting, sc.later, sc.cids),
			"back": {"/inbox?sort=updated"}})
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/inbox?sort=updated&done=bulk&n=3") {
			t.Fatalf("bulk priority: %d → %q\n%s", p.Status, p.Location, p.Body)
		}
		ann.get(p.Location).mustContain(t, "Cases done: 3.")
		for _, c := range []service.CaseView{sc.waiting, sc.later, sc.cids} {
			if got, _ := svc.Case(ctx, desk.SystemActor(), c.ID); got.Priority != "urgent" {
				t.Errorf("%s: priority %q after the bulk action", c.Ref, got.Priority)
			}
		}

		// A tag is added to each case's own tags.
		if _, err := svc.SetLabels(ctx, desk.SystemActor(), sc.sooner.ID, service.LabelsIn{Tags: []string{"billing"}}); err != nil {
			t.Fatal(err)
		}
		if p = ann.post("/inbox/bulk", url.Values{"action": {"tag"}, "tag": {"VIP"}, "case": ids(sc.sooner, sc.bobs)}); p.Status != http.StatusSeeOther {
			t.Fatalf("bulk tag: %d\n%s", p.Status, p.Body)
		}
		if got, _ := svc.Case(ctx, desk.SystemActor(), sc.sooner.ID); !slices.Equal(got.Tags, []string{"billing", "vip"}) {
			t.Errorf("tags after the bulk tag: %v, want billing and vip", got.Tags)
		}

		// Resolve, in Estonian: Ann resolves her own case; Cid's is not hers to resolve and says so.
		ann.post("/lang", url.Values{"lang": {"et"}, "next": {"/inbox"}})
		p = ann.post("/inbox/bulk", url.Values{"action": {"resolve"}, "summary": {"Replaced the router."}, "case": ids(sc.waiting, sc.cids)})
		if p.Status != http.StatusOK {
			t.Fatalf("bulk resolve with one refusal: %d, want 200 (one case done)\n%s", p.Status, p.Body)
		}
		p.mustContain(t, `id="bulk-result"`, "Tehtud pöördumisi: 1.", "Tegemata pöördumisi: 1.",
			fmt.Sprintf(`<li data-case="%d"><a href="/cases/%d">%s</a>: Teil pole selleks õigust.</li>`, sc.cids.ID, sc.cids.ID, sc.cids.Ref))
		if got, _ := svc.Case(ctx, desk.SystemActor(), sc.waiting.ID); got.Status != desk.StatusAwaitingConfirmation {
			t.Errorf("Ann's case is %s after the bulk resolve", got.Status)
		}
		if got, _ := svc.Case(ctx, desk.SystemActor(), sc.cids.ID); got.Status != desk.StatusOpen {
			t.Errorf("Cid's case is %s after a refused bulk resolve", got.Status)
		}

		// Hand over without a briefing: every case refused by the hand-over's own rule, none moved.
		p = ann.post("/inbox/bulk", url.Values{"action": {"assign"}, "to": {strconv.FormatInt(sc.bob.ID, 10)}, "case": ids(sc.later, sc.sooner)})
		if p.Status != http.StatusUnprocessableEntity || strings.Count(p.Body, `<li data-case=`) != 2 {
			t.Fatalf("bulk hand-over without a briefing: %d, want 422 with both cases refused\n%s", p.Status, p.Body)
		}
		p = ann.post("/inbox/bulk", url.Values{"action": {"assign"}, "to": {strconv.FormatInt(sc.bob.ID, 10)}, "briefing": {"Bob knows these customers."},
			"case": ids(sc.later, sc.sooner)})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("bulk hand-over: %d\n%s", p.Status, p.Body)
		}
		for _, c := range []service.CaseView{sc.later, sc.sooner} {
			if got, _ := svc.Case(ctx, desk.SystemActor(), c.ID); got.OwnerID != sc.bob.ID {
				t.Errorf("%s is owned by %d after the bulk hand-over to Bob", c.Ref, got.OwnerID)
			}
		}

		// Link to an open incident: the incident's own linking command, per case.
		inc, err := svc.CreateIncident(ctx, desk.AgentActor(sc.ann), desk.NewIncident{Title: "Billing run failed", Team: "Billing"})
		if err != nil {
			t.Fatal(err)
		}
		ann.get("/inbox").mustContain(t, `name="incident"`, "Billing run failed")
		p = ann.post("/inbox/bulk", url.Values{"action": {"incident"}, "incident": {strconv.FormatInt(inc.ID, 10)}, "case": ids(sc.hostile, sc.refd)})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("bulk incident link: %d\n%s", p.Status, p.Body)
		}
		got, err := svc.Incident(ctx, desk.AgentActor(sc.ann), inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Cases) != 2 {
			t.Errorf("the incident has %d cases after the bulk link, want 2", len(got.Cases))
		}

		// Nothing checked, or no action chosen (Enter in a field): said so, nothing done.
		ann.get("/inbox").mustContain(t, "Tegutse märgitud pöördumistega")
		if p = ann.post("/inbox/bulk", url.Values{"action": {"priority"}, "priority": {"low"}}); p.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(p.Body, "Märgi enne vähemalt üks pöördumine.") {
			t.Errorf("bulk with no case: %d", p.Status)
		}
		if p = ann.post("/inbox/bulk", url.Values{"action": {""}, "case": ids(sc.refd)}); p.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(p.Body, "Vali, mida märgitud pöördumistega teha.") {
			t.Errorf("bulk with no action: %d", p.Status)
		}
	})
}

// TestInboxSavedViews: an agent saves the inbox's filter and sort under a name, finds it as a
// link on the inbox, and deletes it; another agent neither sees nor deletes it.
func TestInboxSavedViews(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newInboxScene(t, backend)
		ann, bob := sc.d.browser(), sc.d.browser()
		ann.signIn(sc.ann.Email, sc.password)
		bob.signIn(sc.bob.Email, sc.password)
		ann.get("/inbox?priority=urgent&sort=updated").mustContain(t, `action="/inbox/views"`, `name="back" value="/inbox?priority=urgent&amp;sort=updated"`)

		p := ann.post("/inbox/views", url.Values{"name": {"  "}, "back": {"/inbox?priority=urgent&sort=updated"}})
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Give the view a name of up to 80 characters.") {
			t.Fatalf("a view without a name: %d\n%s", p.Status, p.Body)
		}
		p = ann.post("/inbox/views", url.Values{"name": {"Urgent, latest first"}, "back": {"/inbox?priority=urgent&sort=updated&after=xyz"}})
		if p.Status != http.StatusSeeOther || p.Location != "/inbox?priority=urgent&sort=updated&done=view_saved" {
			t.Fatalf("save a view: %d → %q\n%s", p.Status, p.Location, p.Body)
		}
		ann.get(p.Location).mustContain(t, "The view is saved", `<a href="/inbox?priority=urgent&amp;sort=updated" data-user-text aria-current="page" class="current">Urgent, latest first</a>`)
		// The same name again takes the new filter; another name is another view.
		ann.post("/inbox/views", url.Values{"name": {"Urgent, latest first"}, "back": {"/inbox?priority=urgent&sort=created&scope=team"}})
		ann.post("/inbox/views", url.Values{"name": {"Tagged vip"}, "back": {"/inbox?tag=vip"}})
		views, err := sc.d.Svc.SavedViews(sc.ctx, desk.AgentActor(sc.ann))
		if err != nil {
			t.Fatal(err)
		}
		if len(views) != 2 || views[0].Name != "Tagged vip" || views[1].Query != "priority=urgent&scope=team&sort=created" {
			t.Fatalf("Ann's views: %+v", views)
		}
		p = ann.get("/inbox")
		p.mustContain(t, `href="/inbox?tag=vip"`, html.EscapeString("Urgent, latest first"))

		// Bob sees none of Ann's, and his delete of hers changes nothing.
		if p = bob.get("/inbox"); strings.Contains(p.Body, "Tagged vip") {
			t.Errorf("Bob's inbox lists Ann's view")
		}
		bob.post(fmt.Sprintf("/inbox/views/%d/delete", views[0].ID), nil)
		if again, _ := sc.d.Svc.SavedViews(sc.ctx, desk.AgentActor(sc.ann)); len(again) != 2 {
			t.Fatalf("Bob deleted Ann's view: %+v", again)
		}
		p = ann.post(fmt.Sprintf("/inbox/views/%d/delete", views[0].ID), url.Values{"back": {"/inbox?tag=vip"}})
		if p.Status != http.StatusSeeOther || p.Location != "/inbox?tag=vip&done=view_deleted" {
			t.Fatalf("delete a view: %d → %q", p.Status, p.Location)
		}
		if p = ann.get("/inbox"); strings.Contains(p.Body, "Tagged vip") || !strings.Contains(p.Body, "Urgent, latest first") {
			t.Errorf("after deleting one view the inbox lists:\n%s", p.Body)
		}
	})
}
