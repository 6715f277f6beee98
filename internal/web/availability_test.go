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
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// availTeam is a small team in Tallinn for the availability and team pages: Mona manages Ann,
// Bea and Carl; Mari is a customer. The desk's clock starts Monday 23 Nov 09:00 UTC, which is
// 11:00 in Tallinn.
type availTeam struct {
	d                    *testDesk
	ctx                  context.Context
	tallinn              *time.Location
	mona, ann, bea, carl desk.Agent
	mari                 desk.Customer
	sys                  desk.Actor
}

const availPassword = "a long enough password"

func newAvailTeam(t *testing.T, backend string) *availTeam {
	t.Helper()
	d := newDesk(t, backend)
	at := &availTeam{d: d, ctx: context.Background(), sys: desk.SystemActor()}
	at.tallinn, _ = time.LoadLocation("Europe/Tallinn")
	week := map[string][]string{"mon": {"09:00-12:30", "13:30-17:00"}, "tue": {"09:00-12:30", "13:30-17:00"},
		"wed": {"09:00-12:30", "13:30-17:00"}, "thu": {"09:00-12:30", "13:30-17:00"}, "fri": {"09:00-12:30", "13:30-17:00"}}
	add := func(name, email, role string, manager int64) desk.Agent {
		a, err := d.Svc.CreateAgent(at.ctx, at.sys, desk.NewAgent{Name: name, Email: email, Role: role, Team: "Billing",
			ManagerID: manager, Timezone: "Europe/Tallinn", Hours: week})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Svc.SetPassword(at.ctx, a.ID, availPassword); err != nil {
			t.Fatal(err)
		}
		return a
	}
	at.mona = add("Mona Manager", "mona@example.ee", "manager", 0)
	at.ann = add("Ann Tamm", "ann@example.ee", "agent", at.mona.ID)
	at.bea = add("Bea Berg", "bea@example.ee", "agent", at.mona.ID)
	at.carl = add("Carl Kask", "carl@example.ee", "agent", at.mona.ID)
	var err error
	if at.mari, err = d.Svc.CreateCustomer(at.ctx, at.sys, desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.ee"}); err != nil {
		t.Fatal(err)
	}
	return at
}

// at is a wall-clock time in Tallinn, e.g. at("2026-11-24 10:00").
func (at *availTeam) at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, at.tallinn)
	if err != nil {
		panic(err)
	}
	return t
}

func (at *availTeam) openCase(t *testing.T, owner desk.Agent, subject string) service.CaseView {
	t.Helper()
	c, err := at.d.Svc.OpenCase(at.ctx, at.sys, desk.NewCase{CustomerID: at.mari.ID, Subject: subject,
		Body: "Please help: " + subject, Channel: "email", OwnerID: owner.ID})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (at *availTeam) promise(t *testing.T, c service.CaseView, by desk.Agent, due time.Time, words string) service.PromiseView {
	t.Helper()
	p, err := at.d.Svc.MakePromise(at.ctx, desk.AgentActor(by), c.ID, desk.NewPromise{Kind: "callback", DueAt: due, Words: words})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (at *availTeam) owner(t *testing.T, caseID int64) int64 {
	t.Helper()
	c, err := at.d.Svc.Case(at.ctx, at.sys, caseID)
	if err != nil {
		t.Fatal(err)
	}
	return c.OwnerID
}

func (at *availTeam) signIn(a desk.Agent) *browser {
	b := at.d.browser()
	b.signIn(a.Email, availPassword)
	return b
}

// The week shows the hours as blocks and a break added through the form, in the agent's zone.
func TestAvailabilityCalendar(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		at := newAvailTeam(t, backend)
		ann := at.signIn(at.ann)
		p := ann.get("/availability")
		if p.Status != http.StatusOK {
			t.Fatalf("GET /availability: %d\n%s", p.Status, p.Body)
		}
		p.mustContain(t, "My availability", "Europe/Tallinn", "Working 09:00–12:30, 13:30–17:00", "Day off",
			`<svg class="cal"`, "week=2026-11-30", "week=2026-11-16", "No breaks or absences are planned.")
		if n := strings.Count(p.Body, `class="block work"`); n != 10 {
			t.Errorf("the week shows %d working blocks, want 10 (two a day, Monday to Friday)", n)
		}

		p = ann.post("/availability/absences", url.Values{"kind": {"break"}, "from": {"2026-11-23T12:30"}, "to": {"2026-11-23T13:00"}})
		if p.Status != http.StatusSeeOther || p.Location != "/availability?week=2026-11-23" {
			t.Fatalf("adding a break: %d → %q\n%s", p.Status, p.Location, p.Body)
		}
		p = ann.get(p.Location)
		p.mustContain(t, "Break 12:30–13:00", `class="block away break"`, "Coming absences")
		if strings.Contains(p.Body, "No breaks or absences are planned.") {
			t.Error("the break is not listed as coming")
		}
		abs, err := at.d.Svc.Absences(at.ctx, at.sys, at.ann.ID)
		if err != nil || len(abs) != 1 || !abs[0].From.Equal(at.at("2026-11-23 12:30")) || abs[0].Kind != desk.AbsenceBreak {
			t.Fatalf("stored absences = %+v, %v; want the break from 12:30 Tallinn", abs, err)
		}

		// The next week has no break; the week before is reachable too.
		p = ann.get("/availability?week=2026-11-30")
		p.mustContain(t, "Week of 30 Nov – 6 Dec")
		if strings.Contains(p.Body, "Break 12:30") {
			t.Error("the break shows in the next week")
		}

		// A wrong form is shown again with what was typed and why.
		p = ann.post("/availability/absences", url.Values{"kind": {"break"}, "from": {"2026-11-23T15:00"}, "to": {"2026-11-23T14:00"}})
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("an absence ending before it starts: %d", p.Status)
		}
		p.mustContain(t, "The end must come after the start.", `value="2026-11-23T15:00"`)
		p = ann.post("/availability/absences", url.Values{"kind": {"leave"}, "from": {"2026-11-20T09:00"}, "to": {"2026-11-27T09:00"}})
		p.mustContain(t, "Only a sickness may start in the past.")

		// A leave with no open cases starts without a hand-over.
		p = ann.post("/availability/absences", url.Values{"kind": {"leave"}, "from": {"2026-12-07T00:00"}, "to": {"2026-12-12T00:00"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("a leave without cases: %d\n%s", p.Status, p.Body)
		}
		ann.get("/availability?week=2026-12-07").mustContain(t, "Leave 00:00–24:00", `class="block away leave"`)
	})
}

var handoverRowRE = regexp.MustCompile(`<li class="card handover[^"]*" id="case-(\d+)">`)

// Leave walks through the hand-overs: one row per open case with its promises; a missing
// briefing is refused with the text kept; a complete form hands every case over.
func TestLeaveHandsOverEachCase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		at := newAvailTeam(t, backend)
		router := at.openCase(t, at.ann, "Router blinks red")
		invoice := at.openCase(t, at.ann, "Invoice charged twice")
		at.promise(t, invoice, at.ann, at.at("2026-11-24 10:00"), "I will call you on Tuesday at 10 about the refund")
		// Carl is on leave over Ann's leave, so he cannot be chosen.
		if _, err := at.d.Svc.AddAbsence(at.ctx, at.sys, at.carl.ID, desk.NewAbsence{Kind: "leave",
			From: at.at("2026-11-23 18:00"), To: at.at("2026-12-10 09:00")}, nil); err != nil {
			t.Fatal(err)
		}

		ann := at.signIn(at.ann)
		ann.get("/availability")
		leave := url.Values{"kind": {"leave"}, "from": {"2026-11-24T09:00"}, "to": {"2026-11-28T00:00"}}
		p := ann.post("/availability/absences", leave)
		if p.Status != http.StatusConflict {
			t.Fatalf("leave with open cases: %d, want 409 and the hand-over form\n%s", p.Status, p.Body)
		}
		p.mustContain(t, "Hand over your cases before the leave", router.Ref, "Router blinks red", invoice.Ref,
			"Invoice charged twice", "Mari Mets", "I will call you on Tuesday at 10 about the refund", "due during your leave",
			`action="/availability/leave"`, "Bea Berg", `value="2026-11-24T09:00"`)
		if rows := handoverRowRE.FindAllStringSubmatch(p.Body, -1); len(rows) != 2 {
			t.Fatalf("the form has %d case rows, want 2", len(rows))
		}
		if !regexp.MustCompile(`<option value="\d+" disabled>Carl Kask \(Billing\) — away \(Leave\)`).MatchString(p.Body) {
			t.Errorf("Carl, on leave, is not shown as away:\n%s", p.Body)
		}
		if abs, _ := at.d.Svc.Absences(at.ctx, at.sys, at.ann.ID); len(abs) != 0 {
			t.Fatalf("the leave was stored before the hand-over: %+v", abs)
		}

		form := func(routerTo, routerBrief, invoiceTo, invoiceBrief string) url.Values {
			f := url.Values{}
			for k, v := range leave {
				f[k] = v
			}
			f.Add("case", idStr(router.ID))
			f.Add("case", idStr(invoice.ID))
			f.Set("to_"+idStr(router.ID), routerTo)
			f.Set("briefing_"+idStr(router.ID), routerBrief)
			f.Set("to_"+idStr(invoice.ID), invoiceTo)
			f.Set("briefing_"+idStr(invoice.ID), invoiceBrief)
			return f
		}
		brief := "Router replaced on Friday; <b>ask</b> whether the light is green now."
		p = ann.post("/availability/leave", form(idStr(at.bea.ID), brief, idStr(at.bea.ID), "  "))
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("a missing briefing: %d, want 422\n%s", p.Status, p.Body)
		}
		p.mustContain(t, "Write a briefing: what the customer needs and what was promised.",
			"Router replaced on Friday; &lt;b&gt;ask&lt;/b&gt; whether the light is green now.")
		if at.owner(t, router.ID) != at.ann.ID || at.owner(t, invoice.ID) != at.ann.ID {
			t.Fatal("a refused form handed cases over")
		}

		p = ann.post("/availability/leave", form(idStr(at.carl.ID), brief, idStr(at.bea.ID), "Call Mari on Tuesday at 10."))
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("a colleague on leave: %d, want 422", p.Status)
		}
		p.mustContain(t, "That colleague is away too", brief[:20], "Call Mari on Tuesday at 10.")

		p = ann.post("/availability/leave", form(idStr(at.bea.ID), brief, idStr(at.mona.ID), "Call Mari on Tuesday at 10."))
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/availability?") {
			t.Fatalf("a complete hand-over: %d → %q\n%s", p.Status, p.Location, p.Body)
		}
		if got := at.owner(t, router.ID); got != at.bea.ID {
			t.Errorf("the router case is owned by %d, want Bea (%d)", got, at.bea.ID)
		}
		if got := at.owner(t, invoice.ID); got != at.mona.ID {
			t.Errorf("the invoice case is owned by %d, want Mona (%d)", got, at.mona.ID)
		}
		rec, err := at.d.Svc.Record(at.ctx, at.sys, router.ID)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range rec {
			found = found || (e.Kind == desk.KindHandover && e.Body == brief)
		}
		if !found {
			t.Error("the briefing is not on the record as typed")
		}
		p = ann.get(p.Location)
		p.mustContain(t, "Handed over for your leave", router.Ref, "now with Bea Berg", invoice.Ref, "now with Mona Manager",
			"Leave", "Coming absences")
		abs, _ := at.d.Svc.Absences(at.ctx, at.sys, at.ann.ID)
		if len(abs) != 1 || abs[0].Kind != desk.AbsenceLeave || !abs[0].From.Equal(at.at("2026-11-24 09:00")) {
			t.Fatalf("Ann's absences = %+v, want the leave", abs)
		}
	})
}

// idStr writes an id as a form value.
func idStr(n int64) string { return strconv.FormatInt(n, 10) }

// The "due during your leave" badge marks the promises due within the leave, not those due
// before it starts or after it ends (issue 15, finding 10: it also marked promises due before).
func TestLeaveBadgeMarksOnlyPromisesDueInTheLeave(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		at := newAvailTeam(t, backend)
		c := at.openCase(t, at.ann, "Router blinks red")
		at.promise(t, c, at.ann, at.at("2026-11-23 15:00"), "I will call you today at 15")
		at.promise(t, c, at.ann, at.at("2026-11-25 10:00"), "The technician comes on Wednesday at 10")
		at.promise(t, c, at.ann, at.at("2026-12-02 10:00"), "The new router arrives next week")
		ann := at.signIn(at.ann)
		ann.get("/availability")
		p := ann.post("/availability/absences", url.Values{"kind": {"leave"}, "from": {"2026-11-24T09:00"}, "to": {"2026-11-28T00:00"}})
		if p.Status != http.StatusConflict {
			t.Fatalf("leave with an open case: %d\n%s", p.Status, p.Body)
		}
		for words, marked := range map[string]bool{"I will call you today at 15": false, "The technician comes on Wednesday at 10": true,
			"The new router arrives next week": false} {
			li := p.section(t, words, "</li>")
			if got := strings.Contains(li, "due during your leave"); got != marked {
				t.Errorf("%q marked due during the leave: %v, want %v\n%s", words, got, marked, li)
			}
		}
	})
}
