package service_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// An automation sets a case's priority and adds tags through the same command as the case page:
// the tags it has stay, each change is on the record as the automation, and a second event
// changes nothing more (no empty entries).
func TestAutomationSetsPriorityAndTags(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		c := sc.openCase(sc.ann, "Router")
		must(sc.svc.SetLabels(sc.ctx, desk.AgentActor(sc.ann), c.ID, service.LabelsIn{Tags: []string{"hardware"}}))
		sc.automation(desk.Automation{Name: "Angry", When: desk.AutomationWhen{Event: "message_in"}, If: desk.AutomationIf{Words: []string{"unacceptable"}},
			Then: []desk.AutomationAction{{Do: desk.DoSetPriority, Priority: "urgent"}, {Do: desk.DoAddTags, Tags: []string{"Angry Customer"}}}})
		for _, bad := range []desk.AutomationAction{{Do: desk.DoSetPriority, Priority: "asap"}, {Do: desk.DoAddTags}} {
			_, err := sc.svc.CreateAutomation(sc.ctx, desk.AgentActor(sc.head), desk.Automation{Name: "Bad", When: desk.AutomationWhen{Event: "message_in"}, Then: []desk.AutomationAction{bad}})
			if e, ok := desk.AsError(err); !ok || !strings.HasPrefix(e.Field, "then[0].") {
				t.Errorf("%+v: %v", bad, err)
			}
		}
		must(sc.svc.AddMessage(sc.ctx, desk.CustomerActor(sc.mari), c.ID, desk.NewMessage{Body: "Still broken. This is unacceptable."}))
		v := must(sc.svc.Case(sc.ctx, sc.sys, c.ID))
		if v.Priority != "urgent" || !slices.Equal(v.Tags, []string{"hardware", "angry-customer"}) {
			t.Fatalf("priority %q, tags %v", v.Priority, v.Tags)
		}
		mine := byAutomation(sc.record(c.ID, sc.sys), "Angry")
		if len(mine) != 2 || mine[0].Kind != desk.KindPriorityChanged || mine[1].Kind != desk.KindTagsChanged ||
			!strings.Contains(mine[1].Body, "hardware → hardware, angry-customer") {
			t.Fatalf("on the record as the automation: %+v", mine)
		}
		must(sc.svc.AddMessage(sc.ctx, desk.CustomerActor(sc.mari), c.ID, desk.NewMessage{Body: "Unacceptable, again."}))
		if n := len(byAutomation(sc.record(c.ID, sc.sys), "Angry")); n != 2 {
			t.Errorf("nothing to change wrote %d entries in all, want 2", n)
		}
	})
}

// sentBy are the messages to the customer an automation wrote on a record.
func sentBy(rec []desk.Entry, name string) []desk.Entry {
	var out []desk.Entry
	for _, e := range byAutomation(rec, name) {
		if e.Kind == desk.KindMessageOut {
			out = append(out, e)
		}
	}
	return out
}

// shipped sets up the shipped examples and switches on the one named.
func (sc *scene) shipped(name string) desk.Automation {
	sc.t.Helper()
	if err := sc.svc.EnsureShippedAutomations(sc.ctx); err != nil {
		sc.t.Fatal(err)
	}
	on := true
	for _, a := range must(sc.svc.Automations(sc.ctx, desk.AgentActor(sc.head))) {
		if a.Name == name {
			return must(sc.svc.UpdateAutomation(sc.ctx, desk.AgentActor(sc.head), a.ID, service.AutomationPatch{Active: &on}))
		}
	}
	sc.t.Fatalf("no shipped automation %q", name)
	return desk.Automation{}
}

// The shipped examples are there, turned off, once: a second start adds none, one an admin
// removed does not come back, and while they are off they do nothing.
func TestShippedAutomationsAreOffAndOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		for range 2 {
			if err := sc.svc.EnsureShippedAutomations(sc.ctx); err != nil {
				t.Fatal(err)
			}
		}
		list := must(sc.svc.Automations(sc.ctx, desk.AgentActor(sc.head)))
		if len(list) != 3 {
			t.Fatalf("%d automations shipped, want 3: %+v", len(list), list)
		}
		for _, a := range list {
			if a.Active {
				t.Errorf("%q is on", a.Name)
			}
			if a.Name == "Tag and route invoices" && (len(a.Then) != 2 || a.Then[1].Team != "Billing") {
				t.Errorf("the invoice example does not route to Billing: %+v", a.Then)
			}
		}
		c := must(sc.svc.OpenCase(sc.ctx, sc.sys, desk.NewCase{CustomerID: sc.mari.ID, Subject: "Invoice", Body: "The invoice is wrong.", Channel: "email", OwnerID: sc.ann.ID}))
		if v := must(sc.svc.Case(sc.ctx, sc.sys, c.ID)); len(v.Tags) != 0 {
			t.Errorf("an example that is off tagged the case: %v", v.Tags)
		}
		if err := sc.svc.DeleteAutomation(sc.ctx, desk.AgentActor(sc.head), list[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := sc.svc.EnsureShippedAutomations(sc.ctx); err != nil {
			t.Fatal(err)
		}
		if n := len(must(sc.svc.Automations(sc.ctx, desk.AgentActor(sc.head)))); n != 2 {
			t.Errorf("after a removal and a restart there are %d, want 2", n)
		}
	})
}

// Shipped example, switched on: a customer the desk answered and who then went quiet is reminded
// after three of the team's business days (a weekend does not count), once, in their own
// language, signed by the desk; a customer waiting for the desk is not.
func TestShippedRemindWaitingCustomer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		kati := must(sc.svc.CreateCustomer(sc.ctx, sc.sys, desk.NewCustomer{Name: "Kati Kask", Email: "kati@example.ee", Lang: "et"}))
		weekdays := map[string][]string{"mon": {"09:00-17:00"}, "tue": {"09:00-17:00"}, "wed": {"09:00-17:00"}, "thu": {"09:00-17:00"}, "fri": {"09:00-17:00"}}
		must(sc.svc.SetTeamSettings(sc.ctx, sc.sys, "Billing", service.TeamSettingsIn{BusinessHours: &weekdays}))
		sc.shipped("Remind a customer after 3 business days")
		sc.clock.Set(sc.at(3, "10:00")) // Thursday
		c := must(sc.svc.OpenCase(sc.ctx, sc.sys, desk.NewCase{CustomerID: kati.ID, Subject: "Ruuter", Body: "Ruuter ei tööta.", Channel: "email", OwnerID: sc.ann.ID}))
		must(sc.svc.AddMessage(sc.ctx, desk.AgentActor(sc.ann), c.ID, desk.NewMessage{Body: "Palun taaskäivitage ruuter ja andke teada."}))
		waiting := sc.openCase(sc.ann, "Kettle")
		reminders := func(id int64) []desk.Entry {
			return sentBy(sc.record(id, sc.sys), "Remind a customer after 3 business days")
		}
		sc.advance(sc.at(7, "09:50").Sub(sc.clock.Now())) // Monday: three days of the clock, one business day
		if n := len(reminders(c.ID)); n != 0 {
			t.Fatalf("reminded %d times by Monday morning", n)
		}
		sc.advance(sc.at(8, "10:05").Sub(sc.clock.Now())) // Tuesday 10:05: three business days
		got := reminders(c.ID)
		if len(got) != 1 {
			t.Fatalf("by Tuesday 10:05 reminded %d times, want once", len(got))
		}
		if b := got[0].Body; !strings.Contains(b, "ootame endiselt Teie vastust") || !strings.Contains(b, "Ruuter") ||
			!strings.Contains(b, "Klienditeenindus") || strings.Contains(b, "waiting") {
			t.Errorf("the reminder reads: %q", b)
		}
		sc.advance(2 * time.Hour)
		if n := len(reminders(c.ID)); n != 1 {
			t.Errorf("reminded %d times in one quiet spell", n)
		}
		if n := len(reminders(waiting.ID)); n != 0 {
			t.Errorf("a customer waiting for the desk was reminded %d times", n)
		}
	})
}

// Shipped example, switched on: a resolution the customer neither confirmed nor rejected is
// closed by the desk at the end of the wait (closed_unconfirmed), and the customer is told so in
// their language, once; a resolution they confirmed is not.
func TestShippedClosedUnconfirmedTellsCustomer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		ivana := must(sc.svc.CreateCustomer(sc.ctx, sc.sys, desk.NewCustomer{Name: "Ivana Horvat", Email: "ivana@example.hr", Lang: "hr"}))
		sc.shipped("Tell the customer an unconfirmed resolution is closed")
		sc.clock.Set(sc.at(0, "10:00"))
		c := must(sc.svc.OpenCase(sc.ctx, sc.sys, desk.NewCase{CustomerID: ivana.ID, Subject: "Usmjerivač", Body: "Ne radi.", Channel: "email", OwnerID: sc.ann.ID}))
		must(sc.svc.Resolve(sc.ctx, desk.AgentActor(sc.ann), c.ID, "Zamijenili smo usmjerivač."))
		told := func() []desk.Entry {
			return sentBy(sc.record(c.ID, sc.sys), "Tell the customer an unconfirmed resolution is closed")
		}
		sc.advance(6 * 24 * time.Hour)
		if v := must(sc.svc.Case(sc.ctx, sc.sys, c.ID)); v.Status != desk.StatusAwaitingConfirmation || len(told()) != 0 {
			t.Fatalf("within the wait: %s, told %d times", v.Status, len(told()))
		}
		sc.advance(2 * 24 * time.Hour)
		if v := must(sc.svc.Case(sc.ctx, sc.sys, c.ID)); v.Status != desk.StatusClosedUnconfirmed {
			t.Fatalf("after the wait the case is %s", v.Status)
		}
		got := told()
		if len(got) != 1 || !strings.Contains(got[0].Body, "nismo dobili Vaš odgovor") || !strings.Contains(got[0].Body, "Korisnička podrška") {
			t.Fatalf("the customer was told: %+v", got)
		}
		if v := must(sc.svc.Case(sc.ctx, sc.sys, c.ID)); v.Status != desk.StatusClosedUnconfirmed {
			t.Errorf("telling the customer changed the case to %s", v.Status)
		}
	})
}

// Shipped example, switched on: a new case whose words name an invoice, in English, Estonian or
// Croatian, is tagged invoice and handed to someone at work in the Billing team; another is not.
func TestShippedInvoicesTaggedAndRouted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		sc.clock.Set(sc.at(0, "10:00"))
		sup := must(sc.svc.CreateAgent(sc.ctx, sc.sys, desk.NewAgent{Name: "Siim Support", Email: "siim@example.ee", Role: "agent", Team: "Support",
			Timezone: "Europe/Tallinn", Hours: map[string][]string{"mon": {"09:00-17:00"}}}))
		sc.shipped("Tag and route invoices")
		open := func(subject, body string) service.CaseView {
			return must(sc.svc.OpenCase(sc.ctx, sc.sys, desk.NewCase{CustomerID: sc.mari.ID, Subject: subject, Body: body, Channel: "email", OwnerID: sup.ID}))
		}
		for _, c := range []service.CaseView{open("Küsimus", "Novembri arve on topelt."), open("Pitanje", "Račun za studeni je pogrešan."), open("Invoice twice", "See subject.")} {
			v := must(sc.svc.Case(sc.ctx, sc.sys, c.ID))
			if !slices.Equal(v.Tags, []string{"invoice"}) {
				t.Errorf("%s: tags %v", v.Subject, v.Tags)
			}
			if v.Owner.ID == sup.ID || v.Team != "Billing" {
				t.Errorf("%s: still with %v of %s", v.Subject, v.Owner, v.Team)
			}
			if n := len(byAutomation(sc.record(c.ID, sc.sys), "Tag and route invoices")); n == 0 {
				t.Errorf("%s: nothing on the record by the automation", v.Subject)
			}
		}
		other := open("Router", "It blinks red.")
		if v := must(sc.svc.Case(sc.ctx, sc.sys, other.ID)); len(v.Tags) != 0 || v.Owner.ID != sup.ID {
			t.Errorf("a router case was tagged %v and went to %v", v.Tags, v.Owner)
		}
	})
}
