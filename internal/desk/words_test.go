package desk

import (
	"strings"
	"testing"
	"time"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestReaderFor(t *testing.T) {
	for _, tc := range []struct{ lang, zone, wantLang, wantZone string }{
		{"et", "Europe/Tallinn", "et", "Europe/Tallinn"},
		{"HR-hr", "Europe/Zagreb", "hr", "Europe/Zagreb"},
		{"de", "", "en", ""},
		{"", "Mars/Olympus_Mons", "en", ""},
	} {
		r := ReaderFor(tc.lang, tc.zone)
		zone := ""
		if r.Zone != nil {
			zone = r.Zone.String()
		}
		if r.Lang != tc.wantLang || zone != tc.wantZone {
			t.Errorf("ReaderFor(%q, %q) = %s %q, want %s %q", tc.lang, tc.zone, r.Lang, zone, tc.wantLang, tc.wantZone)
		}
	}
	if r := (Customer{Lang: "et", Timezone: "Europe/Tallinn"}).Reader(); r.Lang != "et" || r.Zone.String() != "Europe/Tallinn" {
		t.Errorf("customer reader %+v", r)
	}
	// Every language says everything: a missing text would print "%!" into a customer's record.
	for lang, w := range wordsByLang {
		for _, role := range []Role{RoleAdmin, RoleManager, RoleLead, RoleAgent, RolePartner} {
			if w.roles[role] == "" {
				t.Errorf("%s has no name for the role %s", lang, role)
			}
		}
		for name, s := range map[string]string{"ownerFrom": w.ownerFrom, "ownerUntil": w.ownerUntil, "joined": w.joined, "escalated": w.escalated,
			"reason": w.reason, "apology": w.apology, "step": w.step, "stepPartner": w.stepPartner, "stepNext": w.stepNext,
			"resolutionAsked": w.resolutionAsked, "confirmed": w.confirmed, "rejected": w.rejected,
			"askBack": w.askBack, "askOver": w.askOver, "askWhy": w.askWhy, "askNote": w.askNote, "agreed": w.agreed, "declined": w.declined,
			"askLinks": w.askLinks, "askPortal": w.askPortal, "queued": w.queued, "queuedLater": w.queuedLater} {
			if strings.TrimSpace(s) == "" {
				t.Errorf("%s has no %s text", lang, name)
			}
		}
		if lang == "en" {
			continue
		}
		for _, trigger := range []string{TriggerBrokenPromise, TriggerSecondSlip, TriggerRepeatContacts, TriggerResponseTarget, TriggerResolution} {
			if w.triggers[trigger] == "" {
				t.Errorf("%s does not word the desk's own escalation reason %s", lang, trigger)
			}
		}
	}
}

// Late on a Monday in UTC is already Tuesday in Tallinn and Zagreb: the weekday follows the
// customer's zone.
var (
	lateMonday = time.Date(2026, 11, 23, 23, 30, 0, 0, time.UTC)
	friday     = time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
)

func TestIntroduceInTheCustomersLanguage(t *testing.T) {
	ann := Agent{ID: 3, Name: "Ann", Role: RoleLead, Team: "Billing"} // no zone: UTC
	tallinn, zagreb := mustZone(t, "Europe/Tallinn"), mustZone(t, "Europe/Zagreb")
	for _, tc := range []struct {
		name          string
		r             Reader
		from, until   string // owner from now, owner from now until friday
		joined        string
		agentTimezone string
	}{
		{"zero reader: English in the owner's zone", Reader{}, "Ann (team lead, Billing) looks after your case from Mon 23 Nov 23:30 UTC.",
			"Ann (team lead, Billing) looks after your case from Mon 23 Nov 23:30 UTC until Fri 27 Nov 15:00 UTC.",
			"Ann (team lead, Billing) has joined your case.", ""},
		{"English in the owner's zone", ReaderFor("en", ""), "Ann (team lead, Billing) looks after your case from Tue 24 Nov 01:30 EET.",
			"Ann (team lead, Billing) looks after your case from Tue 24 Nov 01:30 EET until Fri 27 Nov 17:00 EET.",
			"Ann (team lead, Billing) has joined your case.", "Europe/Tallinn"},
		{"English in the customer's zone", Reader{Lang: "en", Zone: zagreb}, "Ann (team lead, Billing) looks after your case from Tue 24 Nov 00:30 CET.",
			"Ann (team lead, Billing) looks after your case from Tue 24 Nov 00:30 CET until Fri 27 Nov 16:00 CET.",
			"Ann (team lead, Billing) has joined your case.", "Europe/Tallinn"},
		{"Estonian", Reader{Lang: "et", Zone: tallinn}, "Ann (tiimijuht, Billing) tegeleb teie juhtumiga alates teisipäevast, 24.11.2026 kell 01.30 EET.",
			"Ann (tiimijuht, Billing) tegeleb teie juhtumiga alates teisipäevast, 24.11.2026 kell 01.30 EET kuni reedeni, 27.11.2026 kell 17.00 EET.",
			"Ann (tiimijuht, Billing) liitus teie juhtumiga.", ""},
		{"Croatian", Reader{Lang: "hr", Zone: zagreb}, "Ann (voditelj tima, Billing) brine o vašem predmetu od utorka, 24. 11. 2026. u 00:30 CET.",
			"Ann (voditelj tima, Billing) brine o vašem predmetu od utorka, 24. 11. 2026. u 00:30 CET do petka, 27. 11. 2026. u 16:00 CET.",
			"Ann (voditelj tima, Billing) sada sudjeluje u rješavanju vašeg predmeta.", ""},
		{"Estonian without a zone: the owner's", Reader{Lang: "et"}, "Ann (tiimijuht, Billing) tegeleb teie juhtumiga alates esmaspäevast, 23.11.2026 kell 23.30 UTC.",
			"Ann (tiimijuht, Billing) tegeleb teie juhtumiga alates esmaspäevast, 23.11.2026 kell 23.30 UTC kuni reedeni, 27.11.2026 kell 15.00 UTC.",
			"Ann (tiimijuht, Billing) liitus teie juhtumiga.", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := ann
			a.Timezone = tc.agentTimezone
			for _, got := range []struct {
				d    Draft
				want string
			}{
				{Introduce(tc.r, a, true, lateMonday, time.Time{}), tc.from},
				{Introduce(tc.r, a, true, lateMonday, friday), tc.until},
				{Introduce(tc.r, a, false, lateMonday, time.Time{}), tc.joined},
			} {
				if got.d.Body != got.want || got.d.Kind != KindIntroduction || got.d.Internal {
					t.Errorf("got  %q\nwant %q", got.d.Body, got.want)
				}
			}
		})
	}
}

func TestEscalateInTheCustomersLanguage(t *testing.T) {
	owner := Agent{ID: 1, Name: "Ann", Role: RoleAgent, Team: "Billing", ManagerID: 2}
	boss := Agent{ID: 2, Name: "Mari Maasikas", Role: RoleManager, Team: "Billing", TeamID: 5, Active: true}
	for _, tc := range []struct {
		lang, trigger, reason, want string
	}{
		{"", TriggerBrokenPromise, "the promise \"call\" was due and was not kept", "Your case has been passed up to Mari Maasikas (manager, Billing): the promise \"call\" was due and was not kept"},
		{"en", TriggerCustomerRequest, "Nobody answers me", "Your case has been passed up to Mari Maasikas (manager, Billing): Nobody answers me"},
		{"et", TriggerCustomerRequest, "Keegi ei vasta mulle", "Teie juhtum anti edasi kõrgemale tasemele: nüüd tegeleb sellega Mari Maasikas (juht, Billing). Põhjus: Keegi ei vasta mulle."},
		{"et", TriggerBrokenPromise, "the promise \"call\" was due and was not kept", "Teie juhtum anti edasi kõrgemale tasemele: nüüd tegeleb sellega Mari Maasikas (juht, Billing). Põhjus: me ei pidanud teile antud lubadust."},
		{"et", TriggerRepeatContacts, "the customer wrote 3 times without an answer", "Teie juhtum anti edasi kõrgemale tasemele: nüüd tegeleb sellega Mari Maasikas (juht, Billing). Põhjus: te kirjutasite meile mitu korda, kuid ei saanud vastust."},
		{"hr", TriggerAgentRequest, "Kupac traži voditelja!", "Vaš je predmet proslijeđen na višu razinu: sada ga preuzima Mari Maasikas (rukovoditelj, Billing). Razlog: Kupac traži voditelja!"},
		{"hr", TriggerResponseTarget, "no answer within 4 hours", "Vaš je predmet proslijeđen na višu razinu: sada ga preuzima Mari Maasikas (rukovoditelj, Billing). Razlog: odgovor niste dobili u predviđenom roku."},
		{"hr", TriggerSecondSlip, "slipped twice", "Vaš je predmet proslijeđen na višu razinu: sada ga preuzima Mari Maasikas (rukovoditelj, Billing). Razlog: rok obećanja koje smo vam dali pomaknut je već drugi put."},
	} {
		c := Case{ID: 9, OwnerID: owner.ID, Reader: ReaderFor(tc.lang, "")}
		if tc.lang == "" {
			c.Reader = Reader{}
		}
		drafts := Escalate(&c, owner, &boss, tc.trigger, tc.reason, now)
		if len(drafts) != 1 || drafts[0].Body != tc.want || drafts[0].Internal || c.OwnerID != boss.ID {
			t.Errorf("%s %s:\ngot  %q\nwant %q", tc.lang, tc.trigger, drafts[0].Body, tc.want)
		}
	}
	// At the top of the ladder the note is for agents: English whatever the customer reads.
	c := Case{ID: 9, OwnerID: owner.ID, Reader: ReaderFor("et", "Europe/Tallinn")}
	if d := Escalate(&c, owner, nil, TriggerBrokenPromise, "late", now); !d[0].Internal || !strings.HasPrefix(d[0].Body, "Escalation (broken_promise) found no one above Ann") {
		t.Errorf("top of the ladder: %+v", d)
	}
}

func TestBreakPromiseInTheCustomersLanguage(t *testing.T) {
	tallinn := mustZone(t, "Europe/Tallinn")
	ownerZone := mustZone(t, "Europe/London")
	for _, tc := range []struct {
		name string
		r    Reader
		want string
	}{
		{"English in the owner's zone", Reader{}, `We are sorry: we did not keep our promise to you ("I will call you"), which was due Mon 23 Nov 23:30 GMT. ` +
			"Your case now goes to a more senior colleague, who will contact you with a new promise."},
		{"English in the customer's zone", Reader{Lang: "en", Zone: tallinn}, `We are sorry: we did not keep our promise to you ("I will call you"), which was due Tue 24 Nov 01:30 EET. ` +
			"Your case now goes to a more senior colleague, who will contact you with a new promise."},
		{"Estonian", Reader{Lang: "et", Zone: tallinn}, "Vabandame: me ei pidanud teile antud lubadust („I will call you“), mis pidi olema täidetud teisipäevaks, 24.11.2026 kell 01.30 EET. " +
			"Teie juhtum antakse nüüd üle kõrgema taseme kolleegile, kes võtab teiega ühendust ja annab uue lubaduse."},
		{"Croatian in the owner's zone", Reader{Lang: "hr"}, "Ispričavamo se: nismo održali obećanje koje smo vam dali („I will call you“), a koje je trebalo ispuniti do ponedjeljka, 23. 11. 2026. u 23:30 GMT. " +
			"Vaš predmet sada preuzima kolega s više razine, koji će vam se javiti s novim obećanjem."},
	} {
		c := Case{ID: 4, Reader: tc.r}
		p := Promise{ID: 8, CaseID: 4, Words: "I will call you", State: PromiseOpen, DueAt: lateMonday}
		drafts, err := BreakPromise(&c, &p, ownerZone, lateMonday.Add(time.Minute))
		if err != nil || len(drafts) != 2 {
			t.Fatalf("%s: %v %v", tc.name, drafts, err)
		}
		if drafts[1].Body != tc.want || drafts[1].Kind != KindMessageOut || drafts[1].Internal {
			t.Errorf("%s:\ngot  %q\nwant %q", tc.name, drafts[1].Body, tc.want)
		}
		if drafts[0].Body != "I will call you" {
			t.Errorf("%s: the broken promise keeps its words: %q", tc.name, drafts[0].Body)
		}
	}
}

func TestStepsAndResolutionsInTheCustomersLanguage(t *testing.T) {
	ct := CaseType{Name: "Repair", Steps: []Step{
		{Name: "Diagnosis", Explanation: "We find the fault"},
		{Name: "Repair", Explanation: "The workshop repairs it", Partner: "FixIt OÜ"},
		{Name: "Return", Explanation: "We send it back"},
	}}
	agent := Actor{Kind: ActorAgent, ID: 1, Name: "Ann"}
	cust := Actor{Kind: ActorCustomer, ID: 7, Name: "Mari"}
	for _, tc := range []struct {
		lang, step, asked, confirmed, rejected string
	}{
		{"", "Step 2 of 3: Repair. The workshop repairs it. This step is carried out by FixIt OÜ. Next: Return.",
			"Does this answer what you asked? Please confirm, or tell us that it does not.", "Confirmed: this answers what I asked.", "That is not what I asked."},
		{"et", "Etapp 2/3: Repair. The workshop repairs it. Selle etapi viib läbi FixIt OÜ. Järgmine etapp: Return.",
			"Kas see vastab teie küsimusele? Palun kinnitage see või andke meile teada, kui see nii ei ole.", "Kinnitatud: see vastab minu küsimusele.", "See ei ole see, mida ma küsisin."},
		{"hr", "Korak 2 od 3: Repair. The workshop repairs it. Ovaj korak provodi FixIt OÜ. Sljedeći korak: Return.",
			"Odgovara li ovo na vaše pitanje? Molimo vas da to potvrdite ili nam javite ako ne odgovara.", "Potvrđeno: ovo odgovara na moje pitanje.", "Ovo nije odgovor na moje pitanje."},
	} {
		r := ReaderFor(tc.lang, "")
		c := Case{ID: 1, Status: StatusOpen, Step: 1, Reader: r}
		drafts, err := EnterStep(&c, ct, 2, agent)
		if err != nil || drafts[0].Body != tc.step {
			t.Errorf("%q step:\ngot  %q\nwant %q (%v)", tc.lang, drafts[0].Body, tc.step, err)
		}
		drafts, err = Resolve(&c, agent, "Fixed.", now)
		if err != nil || drafts[1].Body != "Fixed.\n\n"+tc.asked {
			t.Errorf("%q resolution asked: %q (%v)", tc.lang, drafts[1].Body, err)
		}
		drafts, err = Confirm(&c, cust, Confirmation{Confirmed: false}, now)
		if err != nil || drafts[0].Body != tc.rejected {
			t.Errorf("%q rejected: %q (%v)", tc.lang, drafts[0].Body, err)
		}
		if _, err := Resolve(&c, agent, "Fixed again.", now); err != nil {
			t.Fatal(err)
		}
		drafts, err = Confirm(&c, cust, Confirmation{Confirmed: true}, now)
		if err != nil || drafts[0].Body != tc.confirmed {
			t.Errorf("%q confirmed: %q (%v)", tc.lang, drafts[0].Body, err)
		}
	}
}

func TestOpenCaseIntroducesInTheCustomersLanguage(t *testing.T) {
	owner := Agent{ID: 3, Name: "Ann", Role: RoleAgent, Team: "Billing", TeamID: 1, Timezone: "Europe/London", Active: true}
	recorder := Agent{ID: 4, Name: "Bob", Role: RoleLead, Team: "Billing", TeamID: 1, Active: true}
	in := NewCase{Subject: "Arve", Body: "Arve on vale", Channel: "phone"}
	cust := Customer{ID: 7, Name: "Mari", Lang: "et", Timezone: "Europe/Tallinn"}
	c, drafts, _ := OpenCase(in, cust, owner, &recorder, lateMonday)
	if c.Reader.Lang != "et" || len(drafts) != 3 {
		t.Fatalf("reader %+v, %d drafts", c.Reader, len(drafts))
	}
	if want := "Ann (klienditeenindaja, Billing) tegeleb teie juhtumiga alates teisipäevast, 24.11.2026 kell 01.30 EET."; drafts[1].Body != want {
		t.Errorf("owner:\ngot  %q\nwant %q", drafts[1].Body, want)
	}
	if want := "Bob (tiimijuht, Billing) liitus teie juhtumiga."; drafts[2].Body != want {
		t.Errorf("recorder: %q", drafts[2].Body)
	}
	// A customer who chose no language reads English, in the owner's zone.
	_, drafts, _ = OpenCase(in, Customer{ID: 8, Name: "Jaan"}, owner, nil, lateMonday)
	if want := "Ann (agent, Billing) looks after your case from Mon 23 Nov 23:30 GMT."; drafts[1].Body != want {
		t.Errorf("English: %q", drafts[1].Body)
	}
}
