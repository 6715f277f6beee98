package web_test

import (
	"context"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/jobs"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// The desk tells its owner when a mail of their case was not delivered; the owner reads it on
// the notifications page in their language (Estonian here), with a link to the case, and marks
// it read; the navigation counts the unread ones. Failed before: notifications were written but
// no page of the desk showed them, so a person using the desk never read "your mail was not
// delivered" anywhere but on the case.
func TestNotificationsPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		d := newDesk(t, backend, service.WithMail(service.MailConfig{Address: "care@desk.test", Outbound: true}))
		ann := caseAgent(t, d, "Ann Tamm", "ann@example.com", "Care")
		cust, err := d.Svc.CreateCustomer(ctx, desk.SystemActor(), desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.ee"})
		if err != nil {
			t.Fatal(err)
		}
		c, err := d.Svc.OpenCase(ctx, desk.SystemActor(), desk.NewCase{CustomerID: cust.ID, Subject: "Router", Body: "It blinks red.", Channel: "web", OwnerID: ann.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Svc.AddMessage(ctx, desk.AgentActor(ann), c.ID, desk.NewMessage{Body: "Please restart it once."}); err != nil {
			t.Fatal(err)
		}
		mails, err := d.Svc.CaseOutbox(ctx, desk.AgentActor(ann), c.ID)
		if err != nil || len(mails) == 0 {
			t.Fatalf("outbox %v, %v", mails, err)
		}
		if err := d.Svc.Outbox("test").Failed(ctx, mails[len(mails)-1].ID, mail.Failure{Reason: "554 5.7.1 relay access denied", Final: true}); err != nil {
			t.Fatal(err)
		}

		b := d.browser()
		b.signIn("ann@example.com", casePassword)
		// Every page's navigation says how many are unread.
		b.get("/inbox").mustContain(t, `href="/notifications"`, `<span class="badge new" id="nav-unread">1 unread</span>`)
		b.post("/lang", url.Values{"lang": {"et"}, "next": {"/notifications"}})
		p := b.get("/notifications")
		p.mustContain(t, "Teavitused", "1 lugemata", "Kiri jäi kohale toimetamata", fmt.Sprintf(`href="/cases/%d"`, c.ID), desk.CaseRef(c.ID),
			"554 5.7.1 relay access denied", `class="notif unread"`)
		r := b.post("/notifications/read", url.Values{"up_to": {"0"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("mark read: %d\n%s", r.Status, r.Body)
		}
		after := b.get(r.Location)
		after.mustContain(t, "Märgitud loetuks.", "Kõik on loetud.")
		if strings.Contains(after.Body, `class="notif unread"`) {
			t.Errorf("a notification is still unread after marking all read")
		}
		if strings.Contains(b.get("/inbox").Body, `id="nav-unread"`) {
			t.Errorf("the navigation still counts unread notifications after marking all read")
		}
		// Another agent reads only their own: Bob has none.
		bobAgent := caseAgent(t, d, "Bob Kask", "bob@example.com", "Care")
		bob := d.browser()
		bob.signIn("bob@example.com", casePassword)
		if page := bob.get("/notifications"); strings.Contains(page.Body, "relay access denied") {
			t.Errorf("Bob reads Ann's notification")
		}
		// The navigation counts up to 99 and says "more than 99" past them: an agent who never
		// marks them read has thousands, and every page counted them all.
		if err := d.St.Write(ctx, func(tx *store.Tx) error {
			for range 120 {
				if err := tx.Notify(ctx, desk.Notification{AgentID: bobAgent.ID, Kind: "promise_reminder", Body: "A promise falls due soon.", CreatedAt: d.Clock.Now()}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		bob.get("/inbox").mustContain(t, `<span class="badge new" id="nav-unread">More than 99 unread</span>`)
	})
}

// A manager reads what each notification says in their own language and time zone: an
// escalation at an agent's request, and the cases that came to them when the agent fell sick
// without a hand-over (with when the absence ends, in the manager's zone). An English manager
// reads English. Failed before: the detail under each notification's title was the English
// sentence the desk wrote, with the time in whatever zone it was written for.
func TestNotificationDetailsInReadersLanguageAndZone(t *testing.T) {
	type reader struct {
		lang, zone string
		want       func(agent string, escalated, handed int64) []string
	}
	readers := []reader{
		{"et", "Europe/Tallinn", func(agent string, escalated, handed int64) []string {
			return []string{
				desk.CaseRef(escalated) + " eskaleeriti teile. Teenindaja palvel: Klient ootab juba nädal",
				desk.CaseRef(handed) + " tuli teile ilma üleandmiseta: " + agent + " on eemal.",
				agent + " on eemal (Haige) kuni R 27.11. 19:00 ilma üleandmiseta; need juhtumid tulid teile: " + desk.CaseRef(handed),
			}
		}},
		{"hr", "Europe/Zagreb", func(agent string, escalated, handed int64) []string {
			return []string{
				"Predmet " + desk.CaseRef(escalated) + " eskaliran je vama. Na zahtjev agenta: Klient ootab juba nädal",
				"Predmet " + desk.CaseRef(handed) + " stigao vam je bez primopredaje zbog odsutnosti: " + agent + ".",
				"Odsutnost bez primopredaje: " + agent + " (Bolovanje) do pet 27.11. 18:00; ovi su vam predmeti stigli: " + desk.CaseRef(handed),
			}
		}},
		{"en", "Europe/London", func(agent string, escalated, handed int64) []string {
			return []string{
				desk.CaseRef(escalated) + " was escalated to you. At an agent's request: Klient ootab juba nädal",
				desk.CaseRef(handed) + " came to you without a hand-over: " + agent + " is away.",
				agent + " is away (Sick) until Fri 27 Nov 17:00 without a hand-over; these cases came to you: " + desk.CaseRef(handed),
			}
		}},
	}
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		d := newDesk(t, backend)
		allDay := []string{"00:00-24:00"}
		week := map[string][]string{"mon": allDay, "tue": allDay, "wed": allDay, "thu": allDay, "fri": allDay, "sat": allDay, "sun": allDay}
		cust, err := d.Svc.CreateCustomer(ctx, desk.SystemActor(), desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.ee"})
		if err != nil {
			t.Fatal(err)
		}
		for _, rd := range readers {
			manager, err := d.Svc.CreateAgent(ctx, desk.SystemActor(), desk.NewAgent{Name: "Manager " + rd.lang, Email: "boss-" + rd.lang + "@example.com",
				Role: "manager", Team: "Care", Timezone: rd.zone, Hours: week})
			if err != nil {
				t.Fatal(err)
			}
			if err := d.Svc.SetPassword(ctx, manager.ID, casePassword); err != nil {
				t.Fatal(err)
			}
			agent, err := d.Svc.CreateAgent(ctx, desk.SystemActor(), desk.NewAgent{Name: "Agent " + rd.lang, Email: "agent-" + rd.lang + "@example.com",
				Role: "agent", Team: "Care", ManagerID: manager.ID, Timezone: "UTC", Hours: week})
			if err != nil {
				t.Fatal(err)
			}
			var cases [2]int64
			for i := range cases {
				c, err := d.Svc.OpenCase(ctx, desk.SystemActor(), desk.NewCase{CustomerID: cust.ID, Subject: "Router", Body: "It blinks red.", Channel: "web", OwnerID: agent.ID})
				if err != nil {
					t.Fatal(err)
				}
				cases[i] = c.ID
			}
			if _, err := d.Svc.Escalate(ctx, desk.AgentActor(agent), cases[0], "Klient ootab juba nädal"); err != nil {
				t.Fatal(err)
			}
			sick := desk.NewAbsence{Kind: "sick", From: start, To: time.Date(2026, 11, 27, 17, 0, 0, 0, time.UTC)}
			if _, err := d.Svc.AddAbsence(ctx, desk.AgentActor(agent), agent.ID, sick, nil); err != nil {
				t.Fatal(err)
			}

			// A notification from before they had keys reads as it was written.
			old := desk.Notification{AgentID: manager.ID, Kind: "escalated", Body: "Written in English before keys", CreatedAt: start}
			if err := d.St.Write(ctx, func(tx *store.Tx) error { return tx.Notify(ctx, old) }); err != nil {
				t.Fatal(err)
			}

			b := d.browser()
			b.signIn(manager.Email, casePassword)
			b.get("/notifications") // the form token the language switcher sends
			b.post("/lang", url.Values{"lang": {rd.lang}, "next": {"/notifications"}})
			p := b.get("/notifications")
			for _, want := range rd.want(agent.Name, cases[0], cases[1]) {
				p.mustContain(t, html.EscapeString(want))
			}
			p.mustContain(t, `<p class="detail" lang="en">Written in English before keys</p>`)
			if rd.lang != "en" {
				for _, english := range []string{"was escalated to you", "without a hand-over"} {
					if strings.Contains(p.Body, english) {
						t.Errorf("%s: the page shows %q", rd.lang, english)
					}
				}
				if n := strings.Count(p.Body, `class="detail" lang="en"`); n != 1 {
					t.Errorf("%s: %d details are marked English, want only the old one", rd.lang, n)
				}
			}
		}
	})
}

// An admin reads how far the desk's clock jumped in their own language: "3 tundi", "3 h",
// "3 hours". Failed before: every reader read Go's "3h0m0s" inside their language's sentence.
func TestNotificationDurationInReadersLanguage(t *testing.T) {
	want := map[string]string{
		"et": "Deski kell hüppas 3 tundi edasi.",
		"hr": "Sat deska skočio je 3 h unaprijed.",
		"en": "The desk&#39;s clock jumped 3 hours forward.",
	}
	d := newDesk(t, "sqlite")
	ctx := context.Background()
	for lang, sentence := range want {
		admin, err := d.Svc.CreateAgent(ctx, desk.SystemActor(), desk.NewAgent{Name: "Admin " + lang, Email: "admin-" + lang + "@example.com", Role: "admin"})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Svc.SetPassword(ctx, admin.ID, casePassword); err != nil {
			t.Fatal(err)
		}
		n := desk.Notification{AgentID: admin.ID, Kind: "clock_jumped", CreatedAt: start}.Note("The desk's clock jumped 3h0m0s forward.",
			"notif.detail.clock_jumped", desk.DurationArg(3*time.Hour))
		if err := d.St.Write(ctx, func(tx *store.Tx) error { return tx.Notify(ctx, n) }); err != nil {
			t.Fatal(err)
		}
		b := d.browser()
		b.signIn(admin.Email, casePassword)
		b.get("/notifications")
		b.post("/lang", url.Values{"lang": {lang}, "next": {"/notifications"}})
		p := b.get("/notifications")
		p.mustContain(t, sentence)
		if strings.Contains(p.Body, "3h0m0s") {
			t.Errorf("%s: the page shows Go's duration", lang)
		}
	}
}

// TestReminderMailInTheOwnersLanguage: the mail reminding an agent of their promise is in the
// agent's language, the due time in their zone: an Estonian agent got "Reminder: a promise on
// K-1001 is due in 1h" with an English weekday. Failed before.
func TestReminderMailInTheOwnersLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newPortalDesk(t, backend)
		sc := newPortalScene(t, d)
		ctx := context.Background()
		if err := d.Svc.SetLanguage(ctx, desk.AgentActor(sc.ann), "et"); err != nil {
			t.Fatal(err)
		}
		d.Clock.Set(sc.promise.DueAt.Add(-30 * time.Minute)) // past the reminder an hour before
		if _, err := jobs.NewRunner(d.St, d.Clock, slog.New(slog.DiscardHandler), d.Svc.Handlers()).RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range caseMails(t, d, sc.kettle.ID) {
			if m.To != sc.ann.Email {
				continue
			}
			msg, err := mail.Parse(m.Raw, mail.DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, msg.Subject+"\n"+msg.Text)
		}
		if len(got) == 0 {
			t.Fatal("no reminder mailed to Ann")
		}
		for _, m := range got {
			if !strings.Contains(m, "Meeldetuletus: juhtumi "+sc.kettle.Ref) || strings.Contains(m, "Reminder") || strings.Contains(m, "If it cannot") {
				t.Errorf("the reminder is not in Estonian:\n%s", m)
			}
		}
	})
}
