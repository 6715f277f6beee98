package service_test

import (
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// readerCustomer adds a customer who chose a language and a zone in the portal.
func (sc *scene) readerCustomer(name, email, lang, zone string) desk.Customer {
	sc.t.Helper()
	c := must(sc.svc.CreateCustomer(sc.ctx, sc.sys, desk.NewCustomer{Name: name, Email: email}))
	if lang != "" {
		if err := sc.svc.SetLanguage(sc.ctx, desk.CustomerActor(c), lang); err != nil {
			sc.t.Fatal(err)
		}
	}
	if err := sc.svc.SetCustomerTimezone(sc.ctx, desk.CustomerActor(c), c.ID, zone); err != nil {
		sc.t.Fatal(err)
	}
	return c
}

// bodiesOf is the bodies of a record's entries of one kind, oldest first.
func bodiesOf(rec []desk.Entry, kind desk.EntryKind) []string {
	var out []string
	for _, e := range rec {
		if e.Kind == kind {
			out = append(out, e.Body)
		}
	}
	return out
}

// What the desk itself writes to a customer (introductions, the apology for a broken promise,
// escalations, steps, the question with a resolution) is in the language the customer chose,
// with times in their zone; a customer who chose nothing reads English in the owner's zone.
func TestDeskWritesInTheCustomersLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		// Olga works from London; her manager Lea is in Tallinn.
		olga := must(sc.svc.CreateAgent(sc.ctx, sc.sys, desk.NewAgent{Name: "Olga Ots", Email: "olga@example.ee", Role: "agent", Team: "Billing",
			ManagerID: sc.lead.ID, Timezone: "Europe/London", Hours: map[string][]string{"mon": {"08:00-18:00"}, "tue": {"08:00-18:00"}}}))
		kati := sc.readerCustomer("Kati Kask", "kati@example.ee", "et", "Europe/Tallinn")
		open := func(cust desk.Customer, subject, words string) int64 {
			c := must(sc.svc.OpenCase(sc.ctx, sc.sys, desk.NewCase{CustomerID: cust.ID, Subject: subject, Body: "Palun aidake: " + subject, Channel: "email", OwnerID: olga.ID}))
			// Due at 10:00 UTC: 12:00 in Tallinn, 10:00 in London.
			must(sc.svc.MakePromise(sc.ctx, desk.AgentActor(olga), c.ID, desk.NewPromise{Kind: "callback", DueAt: monday.Add(2 * time.Hour), Words: words}))
			must(sc.svc.AddMessage(sc.ctx, desk.AgentActor(sc.bob), c.ID, desk.NewMessage{Body: "Vaatan ka."}))
			return c.ID
		}
		et := open(kati, "Arve on vale", "Helistan teile kell 12")
		en := open(sc.mari, "Wrong invoice", "I will call you at 10")
		sc.advance(2*time.Hour + time.Minute) // both promises break at 10:00 UTC; the timers run at 10:01

		rec := sc.record(et, desk.CustomerActor(kati))
		want := []string{
			"Olga Ots (klienditeenindaja, Billing) tegeleb teie juhtumiga alates esmaspäevast, 23.11.2026 kell 10.00 EET.",
			"Bob Kask (klienditeenindaja, Billing) liitus teie juhtumiga.",
			"Lea Lead (tiimijuht, Billing) tegeleb teie juhtumiga alates esmaspäevast, 23.11.2026 kell 12.01 EET.",
		}
		if got := bodiesOf(rec, desk.KindIntroduction); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("Estonian introductions:\ngot  %q\nwant %q", got, want)
		}
		apology := "Vabandame: me ei pidanud teile antud lubadust („Helistan teile kell 12“), mis pidi olema täidetud esmaspäevaks, 23.11.2026 kell 12.00 EET. " +
			"Teie juhtum antakse nüüd üle kõrgema taseme kolleegile, kes võtab teiega ühendust ja annab uue lubaduse."
		if m := lastOf(rec, desk.KindMessageOut); m == nil || m.Body != apology {
			t.Errorf("Estonian apology %v", m)
		}
		if got := bodiesOf(rec, desk.KindEscalated); len(got) != 1 ||
			got[0] != "Teie juhtum anti edasi kõrgemale tasemele: nüüd tegeleb sellega Lea Lead (tiimijuht, Billing). Põhjus: me ei pidanud teile antud lubadust." {
			t.Errorf("Estonian escalation %q", got)
		}

		rec = sc.record(en, desk.CustomerActor(sc.mari))
		want = []string{
			"Olga Ots (agent, Billing) looks after your case from Mon 23 Nov 08:00 GMT.",
			"Bob Kask (agent, Billing) has joined your case.",
			"Lea Lead (team lead, Billing) looks after your case from Mon 23 Nov 12:01 EET.",
		}
		if got := bodiesOf(rec, desk.KindIntroduction); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("English introductions:\ngot  %q\nwant %q", got, want)
		}
		if m := lastOf(rec, desk.KindMessageOut); m == nil || !strings.HasPrefix(m.Body,
			`We are sorry: we did not keep our promise to you ("I will call you at 10"), which was due Mon 23 Nov 10:00 GMT. Your case now goes to a more senior colleague`) {
			t.Errorf("English apology %v", m)
		}
		if got := bodiesOf(rec, desk.KindEscalated); len(got) != 1 ||
			!strings.HasPrefix(got[0], `Your case has been passed up to Lea Lead (team lead, Billing): the promise "I will call you at 10" was due`) {
			t.Errorf("English escalation %q", got)
		}
	})
}

func TestDeskWritesCroatianStepsAndResolutions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		ivana := sc.readerCustomer("Ivana Horvat", "ivana@example.hr", "hr", "Europe/Zagreb")
		must(sc.svc.CreateCaseType(sc.ctx, sc.sys, desk.NewCaseType{Name: "Popravak", Team: "Billing", Steps: []desk.Step{
			{Name: "Dijagnoza", Explanation: "Tražimo kvar."}, {Name: "Popravak", Explanation: "Servis popravlja uređaj.", Partner: "Servis d.o.o."}}}))
		c := must(sc.svc.OpenCase(sc.ctx, sc.sys, desk.NewCase{CustomerID: ivana.ID, Subject: "Perilica", Body: "Perilica ne radi.", Channel: "web", Type: "Popravak", OwnerID: sc.ann.ID}))
		must(sc.svc.AdvanceStep(sc.ctx, desk.AgentActor(sc.ann), c.ID, 2))
		sc.clock.Advance(time.Hour)
		must(sc.svc.Escalate(sc.ctx, desk.CustomerActor(ivana), c.ID, "Nitko mi ne odgovara"))
		must(sc.svc.Resolve(sc.ctx, desk.AgentActor(sc.lead), c.ID, "Perilica je popravljena."))
		must(sc.svc.Confirm(sc.ctx, desk.CustomerActor(ivana), c.ID, desk.Confirmation{Confirmed: true}))

		rec := sc.record(c.ID, desk.CustomerActor(ivana))
		want := []string{
			"Korak 1 od 2: Dijagnoza. Tražimo kvar. Sljedeći korak: Popravak.",
			"Korak 2 od 2: Popravak. Servis popravlja uređaj. Ovaj korak provodi Servis d.o.o.",
		}
		if got := bodiesOf(rec, desk.KindStepChanged); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("steps:\ngot  %q\nwant %q", got, want)
		}
		want = []string{
			"Ann Tamm (savjetnik za korisnike, Billing) brine o vašem predmetu od ponedjeljka, 23. 11. 2026. u 09:00 CET.",
			"Lea Lead (voditelj tima, Billing) brine o vašem predmetu od ponedjeljka, 23. 11. 2026. u 10:00 CET.",
		}
		if got := bodiesOf(rec, desk.KindIntroduction); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("introductions:\ngot  %q\nwant %q", got, want)
		}
		if got := bodiesOf(rec, desk.KindEscalated); len(got) != 1 ||
			got[0] != "Vaš je predmet proslijeđen na višu razinu: sada ga preuzima Lea Lead (voditelj tima, Billing). Razlog: Nitko mi ne odgovara." {
			t.Errorf("escalation %q", got)
		}
		if got := bodiesOf(rec, desk.KindResolutionAsked); len(got) != 1 ||
			got[0] != "Perilica je popravljena.\n\nOdgovara li ovo na vaše pitanje? Molimo vas da to potvrdite ili nam javite ako ne odgovara." {
			t.Errorf("resolution %q", got)
		}
		if got := bodiesOf(rec, desk.KindResolutionConfirmed); len(got) != 1 || got[0] != "Potvrđeno: ovo odgovara na moje pitanje." {
			t.Errorf("confirmation %q", got)
		}
	})
}

func TestSetCustomerTimezone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		kati := sc.readerCustomer("Kati Kask", "kati@example.ee", "", "Europe/Tallinn")
		if got := must(sc.svc.Customer(sc.ctx, sc.sys, kati.ID)); got.Timezone != "Europe/Tallinn" {
			t.Errorf("zone %q", got.Timezone)
		}
		if err := sc.svc.SetCustomerTimezone(sc.ctx, desk.CustomerActor(kati), kati.ID, "Mars/Olympus_Mons"); err == nil {
			t.Error("an unknown zone was accepted")
		}
		if err := sc.svc.SetCustomerTimezone(sc.ctx, desk.CustomerActor(kati), sc.mari.ID, "Europe/Tallinn"); !isNotFound(err) {
			t.Errorf("a customer set another's zone: %v", err)
		}
		if err := sc.svc.SetCustomerTimezone(sc.ctx, desk.AgentActor(sc.ann), kati.ID, ""); err != nil {
			t.Fatal(err)
		}
		if got := must(sc.svc.Customer(sc.ctx, sc.sys, kati.ID)); got.Timezone != "" {
			t.Errorf("zone %q after clearing it", got.Timezone)
		}
	})
}
