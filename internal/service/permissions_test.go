package service_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/jobs"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

func isForbidden(err error) bool {
	e, ok := desk.AsError(err)
	return ok && e.Kind == desk.KindForbidden
}

// permDesk is two teams with their chains: Hele (admin) above Mia (manager of A) above Lea (lead
// of A) above Ann (agent of A); Ott (manager of B) above Bob (agent of B); a partner user.
type permDesk struct {
	svc                               *service.Service
	timers                            *jobs.Runner
	hele, mia, lea, ann, ott, bob, pu desk.Agent
	cust                              desk.Customer
}

func newPermDesk(t *testing.T, backend string) (permDesk, context.Context) {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, backend)
	clk := clock.NewFake(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	svc := service.New(st, clk, slog.New(slog.DiscardHandler))
	sys := desk.SystemActor()
	week := map[string][]string{"mon": {"00:00-24:00"}, "tue": {"00:00-24:00"}, "wed": {"00:00-24:00"}, "thu": {"00:00-24:00"},
		"fri": {"00:00-24:00"}, "sat": {"00:00-24:00"}, "sun": {"00:00-24:00"}}
	add := func(name, role, team string, manager int64) desk.Agent {
		return must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: name, Email: strings.ToLower(name) + "@desk.test", Role: role, Team: team,
			ManagerID: manager, Hours: week}))
	}
	d := permDesk{svc: svc, timers: jobs.NewRunner(st, clk, slog.New(slog.DiscardHandler), svc.Handlers())}
	d.hele = add("Hele", "admin", "", 0)
	d.mia = add("Mia", "manager", "A", d.hele.ID)
	d.lea = add("Lea", "lead", "A", d.mia.ID)
	d.ann = add("Ann", "agent", "A", d.lea.ID)
	d.ott = add("Ott", "manager", "B", d.hele.ID)
	d.bob = add("Bob", "agent", "B", d.ott.ID)
	p := must(svc.CreatePartner(ctx, sys, "Fixit"))
	d.pu = must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Pat", Email: "pat@fixit.test", Role: "partner", PartnerID: p.ID}))
	d.cust = must(svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Mari", Email: "mari@example.ee"}))
	return d, ctx
}

func (d permDesk) openCase(ctx context.Context, owner desk.Agent) service.CaseView {
	return must(d.svc.OpenCase(ctx, desk.SystemActor(), desk.NewCase{CustomerID: d.cust.ID, Subject: "Kettle", Body: "It leaks.",
		Channel: "web", OwnerID: owner.ID}))
}

// TestAbsencesOnlyBySelfOrAbove (issue 13, finding 1): a plain agent declared her own manager
// sick and his cases moved. Absences are recorded by the agent, a lead or manager above them in
// the chain, or an admin; the same people shorten or cancel them.
func TestAbsencesOnlyBySelfOrAbove(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d, ctx := newPermDesk(t, backend)
		now := d.svc.Now()
		sick := desk.NewAbsence{Kind: "sick", From: now, To: now.Add(365 * 24 * time.Hour)}
		c := d.openCase(ctx, d.lea)
		for _, tc := range []struct {
			by, of desk.Agent
			ok     bool
		}{
			{d.ann, d.lea, false}, // finding 1: her own lead
			{d.ann, d.mia, false},
			{d.bob, d.ann, false}, // another team's agent
			{d.ott, d.ann, false}, // a manager, but not above Ann
			{d.pu, d.ann, false},
		} {
			_, err := d.svc.AddAbsence(ctx, desk.AgentActor(tc.by), tc.of.ID, sick, nil)
			if !isForbidden(err) {
				t.Errorf("%s records %s sick: %v, want forbidden", tc.by.Name, tc.of.Name, err)
			}
		}
		if got := must(d.svc.Case(ctx, desk.SystemActor(), c.ID)); got.OwnerID != d.lea.ID {
			t.Fatalf("a refused absence moved %s to %d", got.Ref, got.OwnerID)
		}
		brk := desk.NewAbsence{Kind: "break", From: now.Add(time.Hour), To: now.Add(2 * time.Hour)}
		for _, tc := range []struct{ by, of desk.Agent }{{d.ann, d.ann}, {d.lea, d.ann}, {d.mia, d.ann}, {d.hele, d.bob}, {d.ott, d.bob}} {
			if _, err := d.svc.AddAbsence(ctx, desk.AgentActor(tc.by), tc.of.ID, brk, nil); err != nil {
				t.Errorf("%s records a break for %s: %v", tc.by.Name, tc.of.Name, err)
			}
		}

		// Lea falls sick (recorded by Mia, above her): her case goes to Mia until Lea is back.
		v := must(d.svc.AddAbsence(ctx, desk.AgentActor(d.mia), d.lea.ID, sick, nil))
		if got := must(d.svc.Case(ctx, desk.SystemActor(), c.ID)); got.OwnerID != d.mia.ID {
			t.Fatalf("Lea's case went to %d, want Mia", got.OwnerID)
		}
		if _, err := d.svc.ChangeAbsence(ctx, desk.AgentActor(d.ann), d.lea.ID, v.ID, desk.AbsenceChange{Cancel: true}); !isForbidden(err) {
			t.Errorf("Ann cancels Lea's sickness: %v, want forbidden", err)
		}
		back := now.Add(48 * time.Hour)
		ch := must(d.svc.ChangeAbsence(ctx, desk.AgentActor(d.lea), d.lea.ID, v.ID, desk.AbsenceChange{To: back}))
		if !ch.Absence.To.Equal(back) || len(ch.Cases) != 1 || ch.Cases[0] != c.Ref {
			t.Errorf("shortened: %+v, want to %v and %s", ch, back, c.Ref)
		}
		rec := must(d.svc.Record(ctx, desk.SystemActor(), c.ID))
		last := rec[len(rec)-1]
		if last.Kind != desk.KindNote || !strings.Contains(last.Body, "Lea shortened Lea's sick") {
			t.Errorf("the case's record ends with %s %q, want the shortening", last.Kind, last.Body)
		}
		if _, err := d.svc.ChangeAbsence(ctx, desk.AgentActor(d.lea), d.lea.ID, v.ID, desk.AbsenceChange{To: now.Add(72 * time.Hour)}); err == nil {
			t.Error("an absence was made longer")
		}
		ch = must(d.svc.ChangeAbsence(ctx, desk.AgentActor(d.mia), d.lea.ID, v.ID, desk.AbsenceChange{Cancel: true}))
		if ch.Cancelled || !ch.Absence.To.Equal(d.svc.Now()) {
			t.Errorf("a started absence cancelled: %+v, want it to end now", ch)
		}
		away := must(d.svc.Absences(ctx, desk.AgentActor(d.lea), d.lea.ID))
		for _, a := range away {
			if a.ID == v.ID {
				t.Errorf("the cancelled sickness is still listed: %+v", a)
			}
		}
	})
}

// TestAbsenceCancelledBringsCasesBack: a cancelled absence's hand-overs end now, and the timer
// gives the case back to its owner.
func TestAbsenceCancelledBringsCasesBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d, ctx := newPermDesk(t, backend)
		now := d.svc.Now()
		c := d.openCase(ctx, d.ann)
		v := must(d.svc.AddAbsence(ctx, desk.AgentActor(d.ann), d.ann.ID, desk.NewAbsence{Kind: "sick", From: now, To: now.Add(96 * time.Hour)}, nil))
		if got := must(d.svc.Case(ctx, desk.SystemActor(), c.ID)); got.OwnerID != d.lea.ID {
			t.Fatalf("Ann's case went to %d, want Lea", got.OwnerID)
		}
		ch := must(d.svc.ChangeAbsence(ctx, desk.AgentActor(d.lea), d.ann.ID, v.ID, desk.AbsenceChange{Cancel: true}))
		if len(ch.Cases) != 1 {
			t.Fatalf("cancelled: %+v, want the case", ch)
		}
		rec := must(d.svc.Record(ctx, desk.SystemActor(), c.ID))
		if last := rec[len(rec)-1]; !strings.Contains(last.Body, "Lea cancelled Ann's sick") {
			t.Errorf("the record ends with %q, want the cancellation", last.Body)
		}
		if _, err := d.timers.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		if got := must(d.svc.Case(ctx, desk.SystemActor(), c.ID)); got.OwnerID != d.ann.ID {
			t.Errorf("after the cancellation the case is with %d, want Ann back", got.OwnerID)
		}
	})
}

// TestOnlyTheCustomerConfirms (issue 13, finding 2): an agent confirmed her own resolution and
// it counted as the customer's. Only the customer's channels confirm; an integration token that
// acts for customers may, named on the entry, but never for its own agent's resolution.
func TestOnlyTheCustomerConfirms(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d, ctx := newPermDesk(t, backend)
		sys := desk.SystemActor()
		c := d.openCase(ctx, d.ann)
		must(d.svc.AssignPartner(ctx, sys, c.ID, d.pu.PartnerID, 0))
		must(d.svc.Resolve(ctx, desk.AgentActor(d.ann), c.ID, "Replaced the kettle."))
		plain := must(d.svc.CreateToken(ctx, desk.AgentActor(d.ann), service.NewToken{Label: "mine"}))
		asAnnToken := must(d.svc.Authenticate(ctx, plain.Secret))
		for name, a := range map[string]desk.Actor{"Ann": desk.AgentActor(d.ann), "Ann's token": asAnnToken, "the admin": desk.AgentActor(d.hele),
			"the partner": desk.AgentActor(d.pu)} {
			if _, err := d.svc.Confirm(ctx, a, c.ID, desk.Confirmation{Confirmed: true}); !isForbidden(err) {
				t.Errorf("%s confirms for the customer: %v, want forbidden", name, err)
			}
		}
		// The resolver's own integration is refused too.
		annVoice := must(d.svc.CreateToken(ctx, desk.AgentActor(d.hele), service.NewToken{AgentID: d.ann.ID, Label: "Ann's phone", Scopes: []string{desk.ScopeCustomerVoice}}))
		if _, err := d.svc.Confirm(ctx, must(d.svc.Authenticate(ctx, annVoice.Secret)), c.ID, desk.Confirmation{Confirmed: true}); !isForbidden(err) {
			t.Errorf("the resolver's own customer-voice token confirms: %v, want forbidden", err)
		}
		phone := must(d.svc.CreateToken(ctx, desk.AgentActor(d.hele), service.NewToken{AgentID: d.lea.ID, Label: "Phone system", Scopes: []string{desk.ScopeCustomerVoice}}))
		v := must(d.svc.Confirm(ctx, must(d.svc.Authenticate(ctx, phone.Secret)), c.ID, desk.Confirmation{Confirmed: true}))
		if v.Status != desk.StatusClosed {
			t.Fatalf("confirmed through the phone system: %s", v.Status)
		}
		rec := must(d.svc.Record(ctx, sys, c.ID))
		var data desk.ResolutionConfirmedData
		for _, e := range rec {
			if e.Kind == desk.KindResolutionConfirmed {
				data, _ = desk.DataOf[desk.ResolutionConfirmedData](e)
			}
		}
		if want := `recorded via the "Phone system" integration (token`; !strings.Contains(data.RecordedBy, want) ||
			!strings.Contains(data.RecordedBy, "issued by Hele") || !strings.Contains(data.RecordedBy, "on behalf of the customer") {
			t.Errorf("the confirmation says %q, want it to name the integration and who issued it", data.RecordedBy)
		}

		// A staff token putting words on a case as the customer's is named on the entry.
		in := must(d.svc.ReceiveInbound(ctx, asAnnToken, service.Inbound{Channel: "social", From: desk.Contact{Kind: desk.ContactEmail, Value: "mari@example.ee"},
			Body: "Thanks!", CaseRef: c.Ref}))
		rec = must(d.svc.Record(ctx, sys, in.CaseID))
		var said desk.Entry
		for _, e := range rec {
			if e.Kind == desk.KindMessageIn && e.Body == "Thanks!" {
				said = e
			}
		}
		md, _ := desk.DataOf[desk.MessageInData](said)
		if !strings.Contains(md.RecordedBy, `"mine" integration`) || !strings.Contains(md.RecordedBy, "for Ann") {
			t.Errorf("the inbound message's entry says recorded_by %q, want Ann's token named", md.RecordedBy)
		}
	})
}

// TestManagersManageOnlyBelow (issue 13, finding 3): a manager deactivated the admin and other
// teams' agents, and created admins.
func TestManagersManageOnlyBelow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d, ctx := newPermDesk(t, backend)
		mia := desk.AgentActor(d.mia)
		for _, who := range []desk.Agent{d.hele, d.bob, d.ott} {
			if _, err := d.svc.SetAgentActive(ctx, mia, who.ID, false); !isForbidden(err) {
				t.Errorf("Mia deactivates %s: %v, want forbidden", who.Name, err)
			}
		}
		if _, err := d.svc.SetAgentActive(ctx, desk.AgentActor(d.lea), d.ann.ID, false); !isForbidden(err) {
			t.Errorf("a lead deactivates: %v, want forbidden", err)
		}
		if _, err := d.svc.SetAgentActive(ctx, mia, d.ann.ID, false); err != nil {
			t.Errorf("Mia deactivates Ann, below her: %v", err)
		}
		if _, err := d.svc.SetAgentActive(ctx, desk.AgentActor(d.hele), d.bob.ID, false); err != nil {
			t.Errorf("the admin deactivates Bob: %v", err)
		}
		for _, role := range []string{"admin", "manager"} {
			if _, err := d.svc.CreateAgent(ctx, mia, desk.NewAgent{Name: "New " + role, Email: role + "@new.test", Role: role}); !isForbidden(err) {
				t.Errorf("Mia creates an %s: %v, want forbidden", role, err)
			}
		}
		if _, err := d.svc.CreateAgent(ctx, mia, desk.NewAgent{Name: "Under Ott", Email: "u@new.test", Role: "agent", ManagerID: d.ott.ID}); !isForbidden(err) {
			t.Errorf("Mia creates an agent under Ott: %v, want forbidden", err)
		}
		a := must(d.svc.CreateAgent(ctx, mia, desk.NewAgent{Name: "Uno", Email: "uno@new.test", Role: "agent", Team: "A"}))
		if a.ManagerID != d.mia.ID {
			t.Errorf("Mia's new agent reports to %d, want Mia", a.ManagerID)
		}
		must(d.svc.CreateAgent(ctx, desk.AgentActor(d.hele), desk.NewAgent{Name: "Second", Email: "second@new.test", Role: "manager"}))
		if _, err := d.svc.SetTeamSettings(ctx, mia, "B", service.TeamSettingsIn{RepeatContacts: new(int)}); !isForbidden(err) {
			t.Errorf("Mia changes team B: %v, want forbidden", err)
		}
	})
}

// TestSettlingIsTheOwnersChain (issue 13, finding 4): any agent took any case of any team, and
// kept, slipped or released anything.
func TestSettlingIsTheOwnersChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d, ctx := newPermDesk(t, backend)
		sys := desk.SystemActor()
		c := d.openCase(ctx, d.ann)
		p := must(d.svc.MakePromise(ctx, desk.AgentActor(d.ann), c.ID, desk.NewPromise{Kind: "callback", DueAt: d.svc.Now().Add(2 * time.Hour), Words: "I call you at noon."}))
		bob := desk.AgentActor(d.bob)
		checks := map[string]func(a desk.Actor) error{
			"takes": func(a desk.Actor) error {
				_, err := d.svc.HandOver(ctx, a, c.ID, desk.Handover{ToAgentID: a.ID, Briefing: "mine now"})
				return err
			},
			"keeps": func(a desk.Actor) error { _, err := d.svc.KeepPromise(ctx, a, p.ID, "done"); return err },
			"slips": func(a desk.Actor) error {
				_, err := d.svc.SlipPromise(ctx, a, p.ID, desk.Slip{DueAt: d.svc.Now().Add(3 * time.Hour), Reason: "busy", Message: "later"})
				return err
			},
			"resolves": func(a desk.Actor) error { _, err := d.svc.Resolve(ctx, a, c.ID, "done"); return err },
			"releases": func(a desk.Actor) error { _, err := d.svc.Release(ctx, a, c.ID); return err },
		}
		for what, run := range checks {
			if err := run(bob); !isForbidden(err) {
				t.Errorf("Bob (team B) %s Ann's case: %v, want forbidden", what, err)
			}
			if err := run(desk.AgentActor(d.ott)); !isForbidden(err) {
				t.Errorf("Ott (manager of B) %s Ann's case: %v, want forbidden", what, err)
			}
		}
		if got := must(d.svc.Promise(ctx, sys, p.ID)); got.State != desk.PromiseOpen || got.DueAt != p.DueAt {
			t.Errorf("the promise after refusals: %s due %v", got.State, got.DueAt)
		}
		// The owner's chain may: Lea (her lead) keeps the promise, Mia (above) takes the case.
		must(d.svc.KeepPromise(ctx, desk.AgentActor(d.lea), p.ID, "Lea called."))
		must(d.svc.HandOver(ctx, desk.AgentActor(d.mia), c.ID, desk.Handover{ToAgentID: d.lea.ID, Briefing: "Lea has it."}))
		// An unowned case (its owner gone) of one's own team is one click to take.
		c2 := d.openCase(ctx, d.lea)
		must(d.svc.SetAgentActive(ctx, desk.AgentActor(d.hele), d.lea.ID, false))
		if _, err := d.svc.HandOver(ctx, bob, c2.ID, desk.Handover{ToAgentID: d.bob.ID, Briefing: "mine"}); !isForbidden(err) {
			t.Errorf("Bob takes team A's unowned case: %v, want forbidden", err)
		}
		if v, err := d.svc.HandOver(ctx, desk.AgentActor(d.ann), c2.ID, desk.Handover{ToAgentID: d.ann.ID, Briefing: "I take it."}); err != nil || v.OwnerID != d.ann.ID {
			t.Errorf("Ann takes her team's unowned case: %v (owner %d)", err, v.OwnerID)
		}
	})
}

// TestUpdateAgentByTheTable: PATCH /api/v1/agents/{id} (the contract's) asks the same table as
// deactivation: an agent changes their own name, zone and hours; the rest is for an admin or a
// manager above them, and only an admin makes managers.
func TestUpdateAgentByTheTable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d, ctx := newPermDesk(t, backend)
		mia, ann := desk.AgentActor(d.mia), desk.AgentActor(d.ann)
		no, manager, lead := false, "manager", "lead"
		zone := "Europe/Riga"
		if _, err := d.svc.UpdateAgent(ctx, mia, d.hele.ID, service.AgentUpdate{Active: &no}); !isForbidden(err) {
			t.Errorf("Mia deactivates the admin through PATCH: %v, want forbidden", err)
		}
		if _, err := d.svc.UpdateAgent(ctx, mia, d.bob.ID, service.AgentUpdate{Active: &no}); !isForbidden(err) {
			t.Errorf("Mia deactivates Bob of team B: %v, want forbidden", err)
		}
		if _, err := d.svc.UpdateAgent(ctx, mia, d.ann.ID, service.AgentUpdate{Role: &manager}); !isForbidden(err) {
			t.Errorf("Mia makes Ann a manager: %v, want forbidden", err)
		}
		if _, err := d.svc.UpdateAgent(ctx, ann, d.ann.ID, service.AgentUpdate{Role: &lead}); !isForbidden(err) {
			t.Errorf("Ann makes herself a lead: %v, want forbidden", err)
		}
		if a, err := d.svc.UpdateAgent(ctx, ann, d.ann.ID, service.AgentUpdate{Timezone: &zone}); err != nil || a.Timezone != zone {
			t.Errorf("Ann changes her own zone: %v (%s)", err, a.Timezone)
		}
		if a, err := d.svc.UpdateAgent(ctx, mia, d.ann.ID, service.AgentUpdate{Role: &lead}); err != nil || a.Role != desk.RoleLead {
			t.Errorf("Mia makes Ann a lead: %v (%s)", err, a.Role)
		}
		if a, err := d.svc.UpdateAgent(ctx, desk.AgentActor(d.hele), d.ann.ID, service.AgentUpdate{Role: &manager}); err != nil || a.Role != desk.RoleManager {
			t.Errorf("the admin makes Ann a manager: %v (%s)", err, a.Role)
		}
		if a, err := d.svc.UpdateAgent(ctx, mia, d.lea.ID, service.AgentUpdate{Active: &no}); err != nil || a.Active {
			t.Errorf("Mia deactivates Lea, below her: %v (active %v)", err, a.Active)
		}
		// As no one deactivates themselves, no admin takes away their own admin role: the desk's
		// only admin made themselves an agent (200), and then nobody could manage the desk.
		if _, err := d.svc.UpdateAgent(ctx, desk.AgentActor(d.hele), d.hele.ID, service.AgentUpdate{Role: &manager}); errKind(err) != desk.KindInvalid {
			t.Errorf("the admin makes herself a manager: %v, want refused", err)
		}
		if a := must(d.svc.Agent(ctx, desk.AgentActor(d.hele), d.hele.ID)); a.Role != desk.RoleAdmin {
			t.Errorf("the admin is now %s", a.Role)
		}
	})
}

// When the desk stops working with a partner, the partner's users lose their access at once:
// each is deactivated (on the admin log) and their sessions end, and a case handed to the firm
// earlier is no longer theirs to read. Failed before: the users stayed active and signed in.
func TestDeactivatedPartnerLosesItsUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d, ctx := newPermDesk(t, backend)
		if err := d.svc.SetPassword(ctx, d.pu.ID, "pat's long password here"); err != nil {
			t.Fatal(err)
		}
		sess := must(d.svc.SignIn(ctx, "pat@fixit.test", "pat's long password here"))
		off := false
		must(d.svc.UpdatePartner(ctx, desk.AgentActor(d.hele), d.pu.PartnerID, service.PartnerUpdate{Active: &off}))
		if _, err := d.svc.SessionFor(ctx, sess.Token); err == nil {
			t.Errorf("the partner's user is still signed in after the partner was deactivated")
		}
		if _, err := d.svc.SignIn(ctx, "pat@fixit.test", "pat's long password here"); err == nil {
			t.Errorf("the partner's user can still sign in")
		}
		views := must(d.svc.Partners(ctx, desk.AgentActor(d.hele)))
		for _, p := range views {
			for _, u := range p.Users {
				if u.ID == d.pu.ID && u.Active {
					t.Errorf("%s is still active", u.Name)
				}
			}
		}
		logged := false
		for _, e := range must(d.svc.AdminLog(ctx, desk.AgentActor(d.hele), 0)).Changes {
			logged = logged || (e.Action == "agent.deactivate" && e.Object == "pat@fixit.test")
		}
		if !logged {
			t.Errorf("the user's deactivation is not on the admin log")
		}
	})
}
