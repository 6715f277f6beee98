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
		p.mustContain(t, "Each week 100% of each agent", c.Ref, "Kettle &lt;leaks&gt;", "Resolved by =Ann Tamm", `name="score-1"`, `name="score-2"`, `name="score-3"`,
			"Promise words clear", "The problem the customer asked about was solved, not another one.")
		id := regexpFind(t, p.Body, `name="review" value="(\d+)"`)
		if p := lead.post("/reviews", url.Values{"review": {id}, "score-1": {"4"}, "score-2": {"9"}, "score-3": {"3"}}); p.Status != 422 {
			t.Errorf("a score of 9: %d", p.Status)
		}
		p = lead.post("/reviews", url.Values{"review": {id}, "score-1": {"4"}, "score-2": {"5"}, "score-3": {"3"}, "comment": {"Say <by when>."}})
		if p.Status != 303 || !strings.HasPrefix(p.Location, "/reviews?done=scored") {
			t.Fatalf("scoring: %d %s", p.Status, p.Location)
		}
		lead.get(p.Location).mustContain(t, "The review is saved.", "Say &lt;by when&gt;.", "Nothing waits for review.")

		ann := d.browser()
		ann.signIn(sc.ann.Email, reportsPassword)
		p = ann.get("/reviews")
		p.mustContain(t, "Reviews of your cases (1)", "Say &lt;by when&gt;.", "Lea Lead")
		p.mustContain(t, "Problem solved</span>: 5/5")
		if strings.Contains(p.Body, `name="score-1"`) {
			t.Error("Ann is offered the rubric form")
		}
		if p := ann.post("/reviews", url.Values{"review": {id}, "score-1": {"5"}, "score-2": {"5"}, "score-3": {"5"}}); p.Status != 403 {
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
		if !strings.Contains(p.Body, "Quality reviews") || !strings.Contains(p.Body, "<th scope=\"row\">=Ann Tamm</th><td>1</td><td>1</td></tr>") ||
			!strings.Contains(p.Body, "<td>=Ann Tamm</td><td data-user-text>Problem solved</td><td>1</td><td>5</td><td>5</td>") {
			t.Errorf("the reviews report on the reports page:\n%s", p.Body)
		}
	})
}

// TestRubricPage (issue 18, item 2): the admin adds a criterion with a scale, guidance and a
// translation on the rubric page, edits and retires one; the next draw's scoring form asks the
// rubric then in force, in the reviewer's language; a lead may not open the page.
func TestRubricPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		sc := newReportsScene(t, d)
		ctx, sys := context.Background(), desk.SystemActor()
		admin := d.browser()
		admin.signIn(d.Admin.Email, adminPassword)
		admin.get("/reviews").mustContain(t, `href="/reviews/rubric"`)
		// The share drawn each week, per team, by the team settings' command.
		admin.get("/reviews/rubric").mustContain(t, "Share drawn each week", `name="team" value="Care"`, `name="share" min="0" max="100" value="5"`)
		if p := admin.post("/reviews/share", url.Values{"team": {"Care"}, "share": {"101"}}); p.Status != 422 {
			t.Errorf("a share of 101%%: %d", p.Status)
		}
		p := admin.post("/reviews/share", url.Values{"team": {"Care"}, "share": {"100"}})
		if p.Status != 303 {
			t.Fatalf("setting the share: %d\n%s", p.Status, p.Body)
		}
		admin.get(p.Location).mustContain(t, "The share is saved.", `name="share" min="0" max="100" value="100"`)
		p = admin.get("/reviews/rubric")
		p.mustContain(t, "Review rubric", "Promise words clear", "Lubaduse sõnastus selge", `action="/reviews/rubric/3"`, `name="tr-et-name"`)
		p = admin.post("/reviews/rubric", url.Values{"name": {"No offer during a complaint"}, "guidance": {"Nothing sold to a customer who complained."}, "scale": {"3"},
			"tr-et-name": {"Kaebuse ajal pakkumist ei tehtud"}, "tr-et-guidance": {"Kaebuse esitanud kliendile ei müüdud midagi."}})
		if p.Status != 303 || !strings.HasPrefix(p.Location, "/reviews/rubric?done=added#criterion-4") {
			t.Fatalf("adding: %d %s\n%s", p.Status, p.Location, p.Body)
		}
		admin.get(p.Location).mustContain(t, "The criterion is added.", `id="criterion-4"`, "scored 1 to 3", "Kaebuse esitanud kliendile ei müüdud midagi.")
		if p := admin.post("/reviews/rubric", url.Values{"name": {"Too wide"}, "scale": {"12"}}); p.Status != 422 {
			t.Errorf("a scale of 12: %d", p.Status)
		}
		// Retire Tone (its words stay as they are).
		p = admin.post("/reviews/rubric/3", url.Values{"name": {"Tone"}, "guidance": {"Courteous and plain, without blame."}, "scale": {"5"}, "retired": {"on"}})
		if p.Status != 303 {
			t.Fatalf("retiring: %d\n%s", p.Status, p.Body)
		}
		admin.get(p.Location).mustContain(t, "The criterion is saved.", "retired ")

		lead := d.browser()
		lead.signIn(sc.lea.Email, reportsPassword)
		if p := lead.get("/reviews/rubric"); p.Status != 403 {
			t.Errorf("the lead on the rubric page: %d", p.Status)
		}
		if p := lead.post("/reviews/rubric", url.Values{"name": {"Mine"}}); p.Status != 403 {
			t.Errorf("the lead adding a criterion: %d", p.Status)
		}

		cust, err := d.Svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Ivo Ivić", Email: "ivo@example.hr"})
		if err != nil {
			t.Fatal(err)
		}
		c, err := d.Svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: cust.ID, Subject: "Kettle", Body: "It leaks.", Channel: "email", OwnerID: sc.ann.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Svc.Resolve(ctx, desk.AgentActor(sc.ann), c.ID, "A new kettle."); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Svc.Confirm(ctx, desk.CustomerActor(cust), c.ID, desk.Confirmation{Confirmed: true}); err != nil {
			t.Fatal(err)
		}
		d.Clock.Advance(7 * 24 * time.Hour)
		lead = d.browser() // a week on: signed in afresh
		lead.signIn(sc.lea.Email, reportsPassword)
		lead.get("/reviews")
		if p := lead.post("/lang", url.Values{"lang": {"et"}, "next": {"/reviews"}}); p.Status != 303 {
			t.Fatalf("switching to Estonian: %d", p.Status)
		}
		p = lead.get("/reviews")
		p.mustContain(t, `name="score-1"`, `name="score-4" value="3"`, "Kaebuse ajal pakkumist ei tehtud", "Lubaduse sõnastus selge")
		if strings.Contains(p.Body, `name="score-3"`) || strings.Contains(p.Body, `name="score-4" value="4"`) {
			t.Error("the form asks the retired criterion, or beyond the new one's scale")
		}
	})
}
