package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestReviewsPage (issue 18): a week after Ann closed a case, the lead's reviews page has it
// drawn with the rubric form; the lead scores it; Ann reads the review of her case, may not
// score it, and answers it; the reports page counts it.
func TestReviewsPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		sc := newReportsScene(t, d)
		ctx, sys := context.Background(), desk.SystemActor()
		all := 100
		if _, err := d.Svc.SetTeamSettings(ctx, sys, "Care", service.TeamSettingsIn{ReviewShare: &all}); err != nil {
			t.Fatal(err)
		}
		cust, err := d.Svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Ivo Ivić", Email: "ivo@example.hr"})
		if err != nil {
			t.Fatal(err)
		}
		c, err := d.Svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: cust.ID, Subject: "Kettle <leaks>", Body: "It leaks.", Channel: "email", OwnerID: sc.ann.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Svc.Resolve(ctx, desk.AgentActor(sc.ann), c.ID, "A new kettle is on its way."); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Svc.Confirm(ctx, desk.CustomerActor(cust), c.ID, desk.Confirmation{Confirmed: true}); err != nil {
			t.Fatal(err)
		}
		d.Clock.Advance(7 * 24 * time.Hour)

		lead := d.browser()
		lead.signIn(sc.lea.Email, reportsPassword)
		p := lead.get("/reviews")
		p.mustContain(t, "Each week 100% of each agent", c.Ref, "Kettle &lt;leaks&gt;", "Resolved by =Ann Tamm", `name="clear"`, `name="solved"`, `name="tone"`)
		id := regexpFind(t, p.Body, `name="review" value="(\d+)"`)
		if p := lead.post("/reviews", url.Values{"review": {id}, "clear": {"4"}, "solved": {"9"}, "tone": {"3"}}); p.Status != 422 {
			t.Errorf("a score of 9: %d", p.Status)
		}
		p = lead.post("/reviews", url.Values{"review": {id}, "clear": {"4"}, "solved": {"5"}, "tone": {"3"}, "comment": {"Say <by when>."}})
		if p.Status != 303 || !strings.HasPrefix(p.Location, "/reviews?done=scored") {
			t.Fatalf("scoring: %d %s", p.Status, p.Location)
		}
		lead.get(p.Location).mustContain(t, "The review is saved.", "Say &lt;by when&gt;.", "Nothing waits for review.")

		ann := d.browser()
		ann.signIn(sc.ann.Email, reportsPassword)
		p = ann.get("/reviews")
		p.mustContain(t, "Reviews of your cases (1)", "Say &lt;by when&gt;.", "Lea Lead")
		if strings.Contains(p.Body, `name="clear"`) {
			t.Error("Ann is offered the rubric form")
		}
		if p := ann.post("/reviews", url.Values{"review": {id}, "clear": {"5"}, "solved": {"5"}, "tone": {"5"}}); p.Status != 403 {
			t.Errorf("Ann scoring: %d", p.Status)
		}
		p = ann.post("/reviews/answer", url.Values{"review": {id}, "answer": {"I will say <when>."}})
		if p.Status != 303 {
			t.Fatalf("Ann answering: %d\n%s", p.Status, p.Body)
		}
		ann.get(p.Location).mustContain(t, "Your answer is saved.", "I will say &lt;when&gt;.")
		lead.get("/reviews").mustContain(t, "I will say &lt;when&gt;.")
		if p := lead.post("/reviews/answer", url.Values{"review": {id}, "answer": {"For her."}}); p.Status != 403 {
			t.Errorf("the lead answering for Ann: %d", p.Status)
		}
		week := d.Clock.Now().AddDate(0, 0, -7).Format(time.DateOnly)
		p = lead.get("/reports?period=custom&from=" + week + "&to=" + week)
		if !strings.Contains(p.Body, "Quality reviews") || !strings.Contains(p.Body, "<th scope=\"row\">=Ann Tamm</th><td>1</td><td>1</td><td>4</td><td>5</td><td>3</td>") {
			t.Errorf("the reviews report on the reports page:\n%s", p.Body)
		}
	})
}
