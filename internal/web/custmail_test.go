package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
	"github.com/keptdesk/kept/internal/web"
)

// resolutionLinks are the paths of the last mail's links to confirm and to reject.
func resolutionLinks(t *testing.T, d *testDesk, caseID int64) (yes, no string) {
	t.Helper()
	mails := caseMails(t, d, caseID)
	msg, err := mail.Parse(mails[len(mails)-1].Raw, mail.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(regexp.QuoteMeta(d.URL) + `(/portal/resolution\?answer=(yes|no)&token=\S+)`)
	for _, m := range re.FindAllStringSubmatch(msg.Text, -1) {
		if m[2] == "yes" {
			yes = m[1]
		} else {
			no = m[1]
		}
	}
	if yes == "" || no == "" {
		t.Fatalf("the resolution's mail has no links:\n%s", msg.Text)
	}
	return yes, no
}

// TestResolutionBySignedLink (issue 15, finding 2): the resolution's mail carries a link to
// confirm and one to reject; each opens a page with one button in the customer's language;
// opening them (a mail scanner) answers nothing; the button answers once, as the customer.
func TestResolutionBySignedLink(t *testing.T) {
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
		yes, no := resolutionLinks(t, d, sc.kettle.ID)
		scanner := d.browser()
		for range 2 {
			p := scanner.get(yes) // asks for English: the page is in Mari's language all the same
			if p.Status != http.StatusOK {
				t.Fatalf("opening the link: %d\n%s", p.Status, p.Body)
			}
			p.mustContain(t, "Smatramo da je ovo riješeno", "Poslali smo vam novo kuhalo.", "Da, riješeno je</button>", `action="/portal/resolution"`)
			p.portalLacks(t, "Ne, nisam to pitao/la</button>")
			scanner.get(no).mustContain(t, "Ne, nisam to pitao/la</button>")
		}
		if v, _ := d.Svc.Case(ctx, desk.SystemActor(), sc.kettle.ID); v.Status != desk.StatusAwaitingConfirmation {
			t.Fatalf("opening the links answered: %s", v.Status)
		}
		b := d.browser()
		b.get(yes)
		p := b.post("/portal/resolution", url.Values{"token": {linkToken(t, yes)}, "answer": {"yes"}})
		if p.Status != http.StatusOK {
			t.Fatalf("confirm by the link: %d\n%s", p.Status, p.Body)
		}
		p.mustContain(t, "Hvala. Vaša je potvrda zabilježena u predmetu, a predmet je zatvoren.")
		rec, _ := d.Svc.Record(ctx, desk.SystemActor(), sc.kettle.ID)
		var answer *desk.Entry
		for i := range rec {
			if rec[i].Kind == desk.KindResolutionConfirmed {
				answer = &rec[i]
			}
		}
		if answer == nil || answer.Actor.Kind != desk.ActorCustomer || answer.Actor.ID != sc.mari.ID || !strings.Contains(string(answer.Data), `"via":"link"`) {
			t.Fatalf("the answer on the record: %+v", answer)
		}
		if p := d.browser().get(no); p.Status != http.StatusGone || !strings.Contains(p.Body, "već ste odgovorili") {
			t.Fatalf("a used link: %d\n%s", p.Status, p.Body)
		}
		if p := d.browser().get("/portal/resolution?answer=yes&token=kept_1_" + strings.Repeat("A", 43)); p.Status != http.StatusNotFound {
			t.Fatalf("a made-up link: %d", p.Status)
		}
		// A hand-over's page does not take a resolution's link.
		if p := d.browser().get(strings.Replace(yes, "/portal/resolution", "/portal/handover", 1)); p.Status != http.StatusNotFound {
			t.Fatalf("a resolution's link on the hand-over page: %d", p.Status)
		}
	})
}

// TestDemoWithARelaySaysNothingFalse (issue 15, finding 4): the portal told every customer of a
// demo desk that it had no mail relay, relay or not. Failed before: the hint showed with a relay.
func TestDemoWithARelaySaysNothingFalse(t *testing.T) {
	d := newDeskWith(t, "sqlite", web.Options{Zone: time.UTC, Demo: true}, service.WithMail(service.MailConfig{Address: "care@desk.test", Outbound: true}))
	b := d.browser()
	b.get("/portal/login").portalLacks(t, "printed in the desk&#39;s log", "without a mail relay")
}

// TestCalendarFeedPage (issue 15, item 8): an agent makes a private feed address on their
// availability page; the address serves their promises and absences as iCalendar to a client
// that is not signed in; revoking it stops it at once.
func TestCalendarFeedPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newPortalDesk(t, backend)
		d.Web.DefaultBaseURL(d.URL)
		sc := newPortalScene(t, d)
		agent := d.browser()
		if err := d.Svc.SetPassword(context.Background(), sc.ann.ID, adminPassword); err != nil {
			t.Fatal(err)
		}
		agent.signIn("ann@desk.test", adminPassword)
		agent.get("/availability").mustContain(t, `href="/availability/feed"`)
		agent.get("/availability/feed").mustContain(t, `id="feed-none"`)
		p := agent.post("/availability/feed", nil)
		m := regexp.MustCompile(`value="` + regexp.QuoteMeta(d.URL) + `(/calendar/[^"]+\.ics)"`).FindStringSubmatch(p.Body)
		if p.Status != http.StatusOK || m == nil {
			t.Fatalf("making the feed: %d\n%s", p.Status, p.Body)
		}
		feed := d.browser().get(m[1])
		if feed.Status != http.StatusOK || !strings.HasPrefix(feed.Header.Get("Content-Type"), "text/calendar") ||
			!strings.Contains(feed.Body, "BEGIN:VCALENDAR") || !strings.Contains(feed.Body, "UID:promise-") {
			t.Fatalf("the feed: %d %s\n%s", feed.Status, feed.Header.Get("Content-Type"), feed.Body)
		}
		agent.get("/availability/feed").mustContain(t, `id="feed-live"`, `id="feed-revoke"`)
		agent.post("/availability/feed/revoke", nil).mustContain(t, `id="feed-revoked"`)
		if p := d.browser().get(m[1]); p.Status != http.StatusNotFound {
			t.Fatalf("a revoked feed: %d", p.Status)
		}
	})
}

// TestReopenFromTheCasePage: while a resolution awaits the customer, the case page offers to
// take it back (the customer's answer said it did not hold); doing so opens the case again.
func TestReopenFromTheCasePage(t *testing.T) {
	d := newPortalDesk(t, "sqlite")
	sc := newPortalScene(t, d)
	ctx := context.Background()
	if _, err := d.Svc.Resolve(ctx, desk.AgentActor(sc.ann), sc.kettle.ID, "New kettle sent."); err != nil {
		t.Fatal(err)
	}
	agent := d.browser()
	agent.signIn("admin@example.com", adminPassword)
	id := portalID(sc.kettle.ID)
	agent.get("/cases/"+id).mustContain(t, `action="/cases/`+id+`/reopen"`, "Take the resolution back")
	if p := agent.post("/cases/"+id+"/reopen", url.Values{"reason": {""}}); p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("reopening without a reason: %d", p.Status)
	}
	p := agent.post("/cases/"+id+"/reopen", url.Values{"reason": {"She wrote the new one leaks too."}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("reopen: %d\n%s", p.Status, p.Body)
	}
	agent.get(p.Location).mustContain(t, "The resolution is taken back")
	if v, _ := d.Svc.Case(ctx, desk.SystemActor(), sc.kettle.ID); v.Status != desk.StatusOpen {
		t.Errorf("after reopening: %s", v.Status)
	}
}

// TestSignInMailInTheCustomersLanguage (issue 15, item 7): the sign-in mail, the one customer
// mail the pages write, is in the customer's language down to its sender (it came from "Kept").
func TestSignInMailInTheCustomersLanguage(t *testing.T) {
	d := newPortalDesk(t, "sqlite")
	sc := newPortalScene(t, d)
	if err := d.Svc.SetLanguage(context.Background(), desk.CustomerActor(sc.ivo), "hr"); err != nil {
		t.Fatal(err)
	}
	b := d.browser()
	b.get("/portal/login")
	b.post("/portal/login", url.Values{"email": {"ivo@example.hr"}})
	mails := portalMails(t, d)
	if len(mails) != 1 {
		t.Fatalf("%d sign-in mails", len(mails))
	}
	msg, err := mail.Parse(mails[0].Raw, mail.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if msg.From.Name != "Korisnička podrška" || msg.Subject != "Vaša poveznica za prijavu" || !strings.Contains(msg.Text, "Poveznica vrijedi jednom") {
		t.Errorf("the sign-in mail: from %q, subject %q:\n%s", msg.From.Name, msg.Subject, msg.Text)
	}
}
