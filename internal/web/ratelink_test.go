package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestRatingByResolutionLink (issue 18, item 1): the resolution mail's confirmation link, once
// its button confirms, asks for the 1–5 rating and a comment in the customer's language; the
// rating is the portal's (one per resolution, on the record as the customer's entry, in the
// satisfaction report), changeable by the same link for a week and refused after. Failed
// before: the link's page said thank you and asked nothing.
func TestRatingByResolutionLink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newPortalDesk(t, backend)
		d.Web.DefaultBaseURL(d.URL)
		sc := newPortalScene(t, d)
		ctx := context.Background()
		if err := d.Svc.SetLanguage(ctx, desk.CustomerActor(sc.mari), "hr"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Svc.Resolve(ctx, desk.AgentActor(sc.ann), sc.kettle.ID, "Poslali smo vam novo kuhalo."); err != nil {
			t.Fatal(err)
		}
		yes, _ := resolutionLinks(t, d, sc.kettle.ID)
		mails := caseMails(t, d, sc.kettle.ID)
		if raw := string(mails[len(mails)-1].Raw); !strings.Contains(raw, "ocijeniti na") {
			t.Errorf("the resolution's mail does not say its link asks for a rating:\n%s", raw)
		}
		token := linkToken(t, yes)
		b := d.browser()
		b.get(yes)
		// Before the yes, the link rates nothing.
		if p := b.post("/portal/resolution/rating", url.Values{"token": {token}, "score": {"5"}}); p.Status != http.StatusConflict {
			t.Fatalf("a rating before confirming: %d\n%s", p.Status, p.Body)
		}
		p := b.post("/portal/resolution", url.Values{"token": {token}, "answer": {"yes"}})
		p.mustContain(t, "Hvala. Vaša je potvrda zabilježena u predmetu, a predmet je zatvoren.", "Kako smo se snašli?",
			"Ocijenite kako smo riješili vaš predmet", `action="/portal/resolution/rating"`, `name="token" value="`+token+`"`,
			`name="score" value="1" required`, `name="comment"`)
		p.portalLacks(t, "How did we do?")

		if p := b.post("/portal/resolution/rating", url.Values{"token": {token}, "comment": {"Bez ocjene"}}); p.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(p.Body, "Odaberite ocjenu od 1 do 5.") {
			t.Fatalf("a rating without a mark: %d\n%s", p.Status, p.Body)
		}
		p = b.post("/portal/resolution/rating", url.Values{"token": {token}, "score": {"4"}, "comment": {"Brzo i ljubazno."}})
		if p.Status != http.StatusOK {
			t.Fatalf("rating by the link: %d\n%s", p.Status, p.Body)
		}
		p.mustContain(t, "Hvala na ocjeni", "Vaša ocjena: 4 od 5", "Brzo i ljubazno.", "Ocjenu možete promijeniti do")

		// The portal's rating: on the case, on the record as Mari's entry (via the link), counted.
		mari := desk.CustomerActor(sc.mari)
		v, err := d.Svc.PortalCase(ctx, mari, sc.kettle.ID)
		if err != nil || v.Rating == nil || v.Rating.Score != 4 || v.Rating.Comment != "Brzo i ljubazno." {
			t.Fatalf("the case's rating: %v %+v", err, v.Rating)
		}
		var given []desk.Entry
		for _, e := range v.Record {
			if e.Kind == desk.KindRatingGiven {
				given = append(given, e)
			}
		}
		if len(given) != 1 || given[0].Actor.Kind != desk.ActorCustomer || given[0].Actor.ID != sc.mari.ID || !strings.Contains(string(given[0].Data), `"via":"link"`) {
			t.Fatalf("the rating on the record: %+v", given)
		}
		rep, err := d.Svc.RunReport(ctx, desk.SystemActor(), service.ReportQuery{Name: "satisfaction", From: d.Clock.Now().Add(-time.Hour), To: d.Clock.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if total := rep.Rows[len(rep.Rows)-1]; total["ratings"] != 1 || total["average"] != 4.0 {
			t.Errorf("the satisfaction report: %v", rep.Rows)
		}

		// Changed by the same link within the week: one rating, the new mark.
		d.Clock.Advance(24 * time.Hour)
		b.post("/portal/resolution/rating", url.Values{"token": {token}, "score": {"5"}}).mustContain(t, "Vaša ocjena: 5 od 5")
		if v, _ := d.Svc.PortalCase(ctx, mari, sc.kettle.ID); v.Rating == nil || v.Rating.Score != 5 {
			t.Fatalf("the rating changed: %+v", v.Rating)
		}
		// After the week it is final, by the link as in the portal.
		d.Clock.Advance(7 * 24 * time.Hour)
		p = b.post("/portal/resolution/rating", url.Values{"token": {token}, "score": {"1"}})
		if p.Status != http.StatusConflict || !strings.Contains(p.Body, "Ovom poveznicom više ne možete ocijeniti predmet.") {
			t.Fatalf("a rating after the week: %d\n%s", p.Status, p.Body)
		}
		other := d.browser()
		other.get("/portal/login")
		if p := other.post("/portal/resolution/rating", url.Values{"token": {"kept_1_" + strings.Repeat("A", 43)}, "score": {"3"}}); p.Status != http.StatusNotFound {
			t.Errorf("a made-up link: %d", p.Status)
		}
	})
}
