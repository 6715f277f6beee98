package service_test

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// mailsTo are the texts of the mails of cases to one address, oldest first.
func (sc *scene) mailsTo(addr string, caseIDs ...int64) []string {
	sc.t.Helper()
	var ms []store.OutMail
	for _, id := range caseIDs {
		for _, m := range sc.mails(id) {
			if m.To == addr {
				ms = append(ms, m)
			}
		}
	}
	slices.SortFunc(ms, func(a, b store.OutMail) int { return cmp.Compare(a.ID, b.ID) })
	out := make([]string, len(ms))
	for i, m := range ms {
		_, out[i] = textOf(sc.t, m)
	}
	return out
}

// newer are the texts of mails past the first n.
func newer(texts []string, n int) []string { return texts[min(n, len(texts)):] }

func hasKind(entries []desk.Entry, k desk.EntryKind) bool {
	for _, e := range entries {
		if e.Kind == k {
			return true
		}
	}
	return false
}

// Story 19: cases of customers in three languages (one with two cases) are linked to an
// incident; its promise, one slip and the fix each reach every customer exactly once, in
// their language; a case linked later has the promise too; the record of each case says so.
func TestIncidentTellsEachCustomerOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newMailScene(t, backend)
		mari := sc.speaks(sc.mari, "et", "Europe/Tallinn")
		ivo := sc.speaks(sc.customer("Ivo Horvat", "ivo@example.hr"), "hr", "Europe/Zagreb")
		john := sc.customer("John Smith", "john@example.com")
		m1, m2 := sc.caseOf(mari, sc.ann, "Internet ei tööta"), sc.caseOf(mari, sc.bob, "Ikka ei tööta")
		iv, jo := sc.caseOf(ivo, sc.ann, "Internet ne radi"), sc.caseOf(john, sc.bob, "No internet")
		lea := desk.AgentActor(sc.lead)
		inc := must(sc.svc.CreateIncident(sc.ctx, lea, desk.NewIncident{Title: "Fibre outage in Tartu", PublicStatus: "Engineers are on site."}))
		if inc.OwnerID != sc.lead.ID || inc.Team != "Billing" || inc.State != desk.IncidentOpen {
			t.Fatalf("the incident as opened: %+v", inc.Incident)
		}
		v := must(sc.svc.LinkCases(sc.ctx, desk.AgentActor(sc.ann), inc.ID, []int64{m1.ID, m2.ID, iv.ID}))
		if len(v.Cases) != 3 || len(v.Customers) != 2 {
			t.Fatalf("linked: %d cases, %d customers", len(v.Cases), len(v.Customers))
		}
		// Linking twice writes nothing twice.
		must(sc.svc.LinkCases(sc.ctx, desk.AgentActor(sc.ann), inc.ID, []int64{m1.ID}))
		rec := must(sc.svc.Record(sc.ctx, sc.sys, m1.ID))
		n := 0
		for _, e := range rec {
			if e.Kind == desk.KindIncidentLinked {
				n++
				if !strings.Contains(e.Body, "Fibre outage in Tartu") || !strings.HasPrefix(e.Body, "Teie juhtum") {
					t.Errorf("the Estonian link entry: %q", e.Body)
				}
			}
		}
		if n != 1 {
			t.Errorf("%d incident_linked entries on %s, want 1", n, m1.Ref)
		}

		before := map[string]int{"mari": len(sc.mailsTo(mari.Email(), m1.ID, m2.ID)), "ivo": len(sc.mailsTo(ivo.Email(), iv.ID))}
		due := sc.at(0, "16:00")
		pv := must(sc.svc.PromiseIncident(sc.ctx, lea, inc.ID, desk.NewPromise{Kind: "fix", DueAt: due, Words: "We will have the line fixed by 16:00."}))
		if len(pv.Promises) != 3 || pv.Told != 2 || pv.ID != pv.Promises[0].ID {
			t.Fatalf("the incident promise: %+v", pv)
		}
		if got := newer(sc.mailsTo(mari.Email(), m1.ID, m2.ID), before["mari"]); len(got) != 1 {
			t.Errorf("Mari, with two linked cases, got %d promise mails, want 1", len(got))
		}
		if got := newer(sc.mailsTo(ivo.Email(), iv.ID), before["ivo"]); len(got) != 1 || !strings.Contains(got[0], "We will have the line fixed") {
			t.Errorf("Ivo's promise mails: %q", got)
		}

		// John's case is linked later: the open promise is made on it, and John is told.
		must(sc.svc.LinkCases(sc.ctx, desk.AgentActor(sc.bob), inc.ID, []int64{jo.ID}))
		joPromises := must(sc.svc.Promises(sc.ctx, sc.sys, service.PromiseList{CaseID: jo.ID, State: desk.PromiseOpen}))
		if len(joPromises) != 1 || !joPromises[0].DueAt.Equal(due) || joPromises[0].OwnerID != sc.lead.ID {
			t.Fatalf("the later case's promises: %+v", joPromises)
		}

		// An agent of another team may not run the incident.
		olga := must(sc.svc.CreateAgent(sc.ctx, sc.sys, desk.NewAgent{Name: "Olga Other", Email: "olga@example.ee", Role: "agent", Team: "Sales", Timezone: "Europe/Tallinn"}))
		if _, err := sc.svc.ResolveIncident(sc.ctx, desk.AgentActor(olga), inc.ID, "fixed"); errKind(err) != desk.KindForbidden {
			t.Errorf("another team's agent resolving: %v", err)
		}

		// One slip, through the promise's own slip command: every customer told once.
		count := func() map[string]int {
			return map[string]int{"mari": len(sc.mailsTo(mari.Email(), m1.ID, m2.ID)), "ivo": len(sc.mailsTo(ivo.Email(), iv.ID)), "john": len(sc.mailsTo(john.Email(), jo.ID))}
		}
		before = count()
		must(sc.svc.SlipPromise(sc.ctx, lea, pv.ID, desk.Slip{DueAt: sc.at(0, "16:45"), Reason: "a second cable is cut", Message: "The crew needs 45 more minutes."}))
		after := count()
		for who := range after {
			if after[who]-before[who] != 1 {
				t.Errorf("%s got %d slip mails, want 1", who, after[who]-before[who])
			}
		}
		if got := newer(sc.mailsTo(mari.Email(), m1.ID, m2.ID), before["mari"]); len(got) == 1 && !strings.Contains(got[0], "Teade teie teatatud rikke kohta") {
			t.Errorf("Mari's slip mail is not in Estonian: %q", got[0])
		}
		if got := newer(sc.mailsTo(ivo.Email(), iv.ID), before["ivo"]); len(got) == 1 && !strings.Contains(got[0], "Obavijest o kvaru") {
			t.Errorf("Ivo's slip mail is not in Croatian: %q", got[0])
		}
		for _, id := range []int64{m1.ID, m2.ID, iv.ID, jo.ID} {
			ps := must(sc.svc.Promises(sc.ctx, sc.sys, service.PromiseList{CaseID: id, State: desk.PromiseOpen}))
			if len(ps) != 1 || !ps[0].DueAt.Equal(sc.at(0, "16:45")) {
				t.Errorf("%s's incident promise after the slip: %+v", desk.CaseRef(id), ps)
			}
		}

		// The fix: every customer told once, in their language; each case has the entry.
		before = count()
		v = must(sc.svc.ResolveIncident(sc.ctx, lea, inc.ID, "The cable is repaired."))
		after = count()
		for who := range after {
			if after[who]-before[who] != 1 {
				t.Errorf("%s got %d fixed mails, want 1", who, after[who]-before[who])
			}
		}
		if got := newer(sc.mailsTo(mari.Email(), m1.ID, m2.ID), before["mari"]); len(got) == 1 && !strings.Contains(got[0], "on parandatud") {
			t.Errorf("Mari's fixed mail: %q", got[0])
		}
		if got := newer(sc.mailsTo(ivo.Email(), iv.ID), before["ivo"]); len(got) == 1 && !strings.Contains(got[0], "je otklonjen") {
			t.Errorf("Ivo's fixed mail: %q", got[0])
		}
		for _, id := range []int64{m1.ID, m2.ID, iv.ID, jo.ID} {
			if !hasKind(must(sc.svc.Record(sc.ctx, sc.sys, id)), desk.KindIncidentResolved) {
				t.Errorf("%s has no incident_resolved entry", desk.CaseRef(id))
			}
		}
		if v.State != desk.IncidentResolved || v.Promises[0].State != desk.PromiseKept {
			t.Errorf("the resolved incident: %s, promise %s", v.State, v.Promises[0].State)
		}
		resolved := 0
		for _, n := range v.Told {
			if n.What == "resolved" {
				resolved++
			}
		}
		if resolved != 3 {
			t.Errorf("told of the fix: %d customers, want 3 (%+v)", resolved, v.Told)
		}
		if _, err := sc.svc.ResolveIncident(sc.ctx, lea, inc.ID, "again"); errKind(err) != desk.KindConflict {
			t.Errorf("resolving twice: %v", err)
		}
		if _, err := sc.svc.LinkCases(sc.ctx, lea, inc.ID, []int64{m1.ID}); errKind(err) != desk.KindConflict {
			t.Errorf("linking to a resolved incident: %v", err)
		}
	})
}

// A customer whose first linked case is closed is told of the incident's promise on their open
// one: the promise goes only on open cases, and so does the telling.
func TestIncidentPromiseToldOnTheOpenCase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newMailScene(t, backend)
		mari := sc.speaks(sc.mari, "et", "Europe/Tallinn")
		old, open := sc.caseOf(mari, sc.ann, "Vana"), sc.caseOf(mari, sc.ann, "Uus")
		ann := desk.AgentActor(sc.ann)
		must(sc.svc.Resolve(sc.ctx, ann, old.ID, "Lahendatud."))
		must(sc.svc.Confirm(sc.ctx, desk.CustomerActor(mari), old.ID, desk.Confirmation{Confirmed: true}))
		lea := desk.AgentActor(sc.lead)
		inc := must(sc.svc.CreateIncident(sc.ctx, lea, desk.NewIncident{Title: "Outage"}))
		must(sc.svc.LinkCases(sc.ctx, lea, inc.ID, []int64{old.ID, open.ID}))
		before := len(sc.mailsTo(mari.Email(), old.ID, open.ID))
		pv := must(sc.svc.PromiseIncident(sc.ctx, lea, inc.ID, desk.NewPromise{Kind: "fix", DueAt: sc.at(0, "16:00"), Words: "Parandame kella 16ks."}))
		if len(pv.Promises) != 1 || pv.Promises[0].CaseID != open.ID || pv.Told != 1 {
			t.Fatalf("the promise: %+v", pv)
		}
		if got := newer(sc.mailsTo(mari.Email(), old.ID, open.ID), before); len(got) != 1 {
			t.Errorf("Mari got %d promise mails, want 1", len(got))
		}
	})
}

// An incident's promise nobody keeps breaks on every linked case, as any promise does (each
// case escalates), but its customer reads the apology once, and the incident's owner is told.
func TestIncidentPromiseBreaksOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newMailScene(t, backend)
		mari := sc.speaks(sc.mari, "et", "Europe/Tallinn")
		m1, m2 := sc.caseOf(mari, sc.ann, "Internet ei tööta"), sc.caseOf(mari, sc.bob, "Ikka ei tööta")
		lea := desk.AgentActor(sc.lead)
		inc := must(sc.svc.CreateIncident(sc.ctx, lea, desk.NewIncident{Title: "Fibre outage"}))
		must(sc.svc.LinkCases(sc.ctx, lea, inc.ID, []int64{m1.ID, m2.ID}))
		must(sc.svc.PromiseIncident(sc.ctx, lea, inc.ID, desk.NewPromise{Kind: "fix", DueAt: sc.at(0, "11:00"), Words: "Parandame rikke kella 11ks."}))
		before := len(sc.mailsTo(mari.Email(), m1.ID, m2.ID))
		sc.advance(2 * time.Hour)
		for _, id := range []int64{m1.ID, m2.ID} {
			rec := must(sc.svc.Record(sc.ctx, sc.sys, id))
			if !hasKind(rec, desk.KindPromiseBroken) || !hasKind(rec, desk.KindEscalated) {
				t.Errorf("%s: the break or its escalation is missing", desk.CaseRef(id))
			}
		}
		if got := newer(sc.mailsTo(mari.Email(), m1.ID, m2.ID), before); len(got) != 1 || !strings.Contains(got[0], "Vabandame") {
			t.Errorf("Mari's apologies: %q", got)
		}
		found := 0
		for _, n := range must(sc.svc.Notifications(sc.ctx, lea)) {
			if n.Kind == "incident_promise_broken" {
				found++
			}
		}
		if found != 1 {
			t.Errorf("the incident's owner was told %d times, want once", found)
		}
	})
}

// Story 20: within the agent's limit a credit is granted the first time; above it, it goes to
// the next rung up whose limit covers it with a promise of a decision, and the approver's
// answer reaches the customer with its reason; only the right people answer it.
func TestDecisionsUpTheLadder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newMailScene(t, backend)
		mari := sc.speaks(sc.mari, "et", "Europe/Tallinn")
		cs := sc.caseOf(mari, sc.ann, "Arve on vale")
		ann := desk.AgentActor(sc.ann)

		d := must(sc.svc.MakeDecision(sc.ctx, ann, cs.ID, desk.NewDecision{Kind: "credit", Amount: 30, Currency: "eur", Reason: "The outage cost you two days."}))
		if d.State != desk.DecisionGranted || d.DecidedBy != sc.ann.ID || d.Currency != "EUR" {
			t.Fatalf("a credit within the agent's limit: %+v", d)
		}
		if m := sc.lastMail(cs.ID); !strings.Contains(mustText(t, m), "Rahuldasime teie taotluse") || !strings.Contains(mustText(t, m), "The outage cost you two days.") {
			t.Errorf("the granted mail: %q", mustText(t, m))
		}

		d = must(sc.svc.MakeDecision(sc.ctx, ann, cs.ID, desk.NewDecision{Kind: "refund", Amount: 120, Currency: "EUR", Reason: "Charged twice."}))
		if d.State != desk.DecisionPending || d.ApproverID != sc.lead.ID || d.PromiseID == 0 || d.Rung != desk.RoleLead {
			t.Fatalf("a refund above the agent's limit: %+v", d)
		}
		if text := mustText(t, sc.lastMail(cs.ID)); !strings.Contains(text, "vajab kolleegi kinnitust") {
			t.Errorf("the pending mail: %q", text)
		}
		notes := must(sc.svc.Notifications(sc.ctx, desk.AgentActor(sc.lead)))
		found := false
		for _, n := range notes {
			found = found || (n.Kind == "decision_requested" && n.CaseID == cs.ID)
		}
		if !found {
			t.Errorf("the lead was not asked: %+v", notes)
		}
		if _, err := sc.svc.AnswerDecision(sc.ctx, desk.AgentActor(sc.bob), d.ID, true, ""); errKind(err) != desk.KindForbidden {
			t.Errorf("another agent approving: %v", err)
		}
		if _, err := sc.svc.AnswerDecision(sc.ctx, desk.AgentActor(sc.lead), d.ID, false, " "); errKind(err) != desk.KindInvalid {
			t.Errorf("a refusal without a reason: %v", err)
		}
		d = must(sc.svc.AnswerDecision(sc.ctx, desk.AgentActor(sc.lead), d.ID, false, "The second charge was already returned on 20 Nov."))
		if d.State != desk.DecisionRefused || d.DecidedBy != sc.lead.ID {
			t.Fatalf("the refusal: %+v", d)
		}
		if text := mustText(t, sc.lastMail(cs.ID)); !strings.Contains(text, "Me ei rahuldanud") || !strings.Contains(text, "already returned") {
			t.Errorf("the refused mail: %q", text)
		}
		p := must(sc.svc.Promise(sc.ctx, sc.sys, d.PromiseID))
		if p.State != desk.PromiseKept {
			t.Errorf("the promise of a decision after it: %s", p.State)
		}
		if _, err := sc.svc.AnswerDecision(sc.ctx, desk.AgentActor(sc.lead), d.ID, true, ""); errKind(err) != desk.KindConflict {
			t.Errorf("answering twice: %v", err)
		}

		// Above the lead's limit it goes past the lead to the head.
		d = must(sc.svc.MakeDecision(sc.ctx, ann, cs.ID, desk.NewDecision{Kind: "waiver", Amount: 500, Currency: "EUR", Reason: "A year of fees."}))
		if d.State != desk.DecisionPending || d.ApproverID != sc.head.ID {
			t.Fatalf("500 EUR: %+v", d)
		}
		d = must(sc.svc.AnswerDecision(sc.ctx, desk.AgentActor(sc.head), d.ID, true, ""))
		if d.State != desk.DecisionGranted || d.Answer != "A year of fees." {
			t.Errorf("approved: %+v", d)
		}

		// A policy the desk writes moves the limits; the record and the view carry it all.
		if _, err := sc.svc.SetDecisionPolicy(sc.ctx, desk.AgentActor(sc.lead), "Billing", desk.DecisionPolicy{Text: "x"}); errKind(err) != desk.KindForbidden {
			t.Errorf("a lead writing the policy: %v", err)
		}
		must(sc.svc.SetDecisionPolicy(sc.ctx, desk.AgentActor(sc.head), "Billing", desk.DecisionPolicy{Limits: map[desk.Role]desk.Money{desk.RoleAgent: desk.MoneyOf(150)},
			Text: "Agents grant up to 150."}))
		d = must(sc.svc.MakeDecision(sc.ctx, ann, cs.ID, desk.NewDecision{Kind: "credit", Amount: 120, Currency: "EUR", Reason: "Charged twice."}))
		if d.State != desk.DecisionGranted {
			t.Errorf("120 under the new policy: %+v", d)
		}
		v := must(sc.svc.CaseDecisions(sc.ctx, ann, cs.ID))
		if len(v.Decisions) != 4 || v.Policy.Text != "Agents grant up to 150." || v.Policy.Limits[desk.RoleLead] != desk.MoneyOf(200) {
			t.Errorf("the case's decisions: %d, policy %+v", len(v.Decisions), v.Policy)
		}
		rec := must(sc.svc.Record(sc.ctx, sc.sys, cs.ID))
		if !hasKind(rec, desk.KindDecisionMade) || !hasKind(rec, desk.KindDecisionAsked) {
			t.Errorf("the record lacks the decisions")
		}
		rep := must(sc.svc.RunReport(sc.ctx, ann, service.ReportQuery{Name: "decisions", From: monday.Add(-time.Hour), To: monday.Add(time.Hour)}))
		total := rep.Rows[len(rep.Rows)-1]
		if total["requested"] != 4 || total["granted"] != 3 || total["refused"] != 1 || total["sent_up"] != 2 || total["pending"] != 0 {
			t.Errorf("the decisions report's total: %v", total)
		}
		if _, err := sc.svc.MakeDecision(sc.ctx, ann, cs.ID, desk.NewDecision{Kind: "bribe", Amount: 1, Currency: "EUR", Reason: "x"}); errKind(err) != desk.KindInvalid {
			t.Errorf("an unknown kind: %v", err)
		}
	})
}

func mustText(t *testing.T, m store.OutMail) string {
	t.Helper()
	_, text := textOf(t, m)
	return text
}

// Story 21: the portal's form offers the types with their channel; a call-type asks for its
// references and offers call-back times of its team; the request books one as a promise of
// the agent free then, in the customer's words.
func TestNewRequestWithCallback(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newMailScene(t, backend)
		mari := sc.speaks(sc.mari, "et", "Europe/Tallinn")
		repair := must(sc.svc.CreateCaseType(sc.ctx, desk.AgentActor(sc.head), desk.NewCaseType{Name: "Repair", Team: "Billing", RequiredReferences: []string{"order"}}))
		must(sc.svc.CreateCaseType(sc.ctx, desk.AgentActor(sc.head), desk.NewCaseType{Name: "Quote", Team: "Billing"}))
		if _, err := sc.svc.SetCaseTypeChannel(sc.ctx, desk.AgentActor(sc.ann), "Repair", "call"); errKind(err) != desk.KindForbidden {
			t.Errorf("an agent setting the channel: %v", err)
		}
		must(sc.svc.SetCaseTypeChannel(sc.ctx, desk.AgentActor(sc.head), "Repair", "call"))
		me := desk.CustomerActor(mari)
		f := must(sc.svc.NewRequestForm(sc.ctx, me, repair.ID))
		if len(f.Types) != 2 || f.Chosen == nil || f.Chosen.Channel != "call" || len(f.Slots) == 0 {
			t.Fatalf("the form for a repair: %+v", f)
		}
		slot := f.Slots[0]
		if !slot.At.After(monday.Add(time.Hour)) {
			t.Errorf("the first call-back time %s is too soon", slot.At)
		}
		if _, err := sc.svc.OpenRequest(sc.ctx, me, service.NewRequest{TypeID: repair.ID, Subject: "Pesumasin", Body: "Ei tööta."}); errKind(err) != desk.KindInvalid {
			t.Errorf("a repair without its order: %v", err)
		}
		if _, err := sc.svc.OpenRequest(sc.ctx, sc.sys, service.NewRequest{Subject: "x", Body: "y"}); err == nil {
			t.Errorf("the desk itself opened a portal request")
		}
		id := must(sc.svc.OpenRequest(sc.ctx, me, service.NewRequest{TypeID: repair.ID, Subject: "Pesumasin", Body: "Ei tööta.",
			References: []desk.Reference{{Kind: "order", Value: "ORD-7"}}, Callback: &slot}))
		v := must(sc.svc.Case(sc.ctx, sc.sys, id))
		if v.Type != "Repair" || v.CustomerID != mari.ID || len(v.Promises) != 1 {
			t.Fatalf("the request's case: %+v", v)
		}
		p := v.Promises[0]
		if p.Kind != desk.PromiseCallback || !p.DueAt.Equal(slot.At) || p.OwnerID != slot.AgentID || !strings.HasPrefix(p.Words, "Helistame teile tagasi") {
			t.Errorf("the booked call-back: %+v", p)
		}
		quote := must(sc.svc.NewRequestForm(sc.ctx, me, f.Types[0].ID+f.Types[1].ID-repair.ID))
		if quote.Chosen == nil || quote.Chosen.Channel != "write" || len(quote.Slots) != 0 {
			t.Errorf("the form for a quote: %+v", quote)
		}
	})
}

// The scenario: 30 cases of customers in three languages linked to an incident whose
// promise slips once and is then kept by the fix: each customer gets exactly one slip mail and
// one fixed mail, in their language.
func TestThirtyCasesOneIncident(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newMailScene(t, backend)
		langs := []struct{ lang, zone, slip, fixed string }{
			{"et", "Europe/Tallinn", "Teade teie teatatud rikke kohta", "on parandatud"},
			{"hr", "Europe/Zagreb", "Obavijest o kvaru", "je otklonjen"},
			{"en", "Europe/London", "An update on the fault you reported", "has been fixed"},
		}
		type linked struct {
			email string
			lang  int
			cases []int64
		}
		var people []*linked
		var ids []int64
		for i := range 25 {
			l := i % 3
			c := sc.speaks(sc.customer(fmt.Sprintf("Customer %d", i), fmt.Sprintf("c%d@example.net", i)), langs[l].lang, langs[l].zone)
			p := &linked{email: c.Email(), lang: l}
			n := 1
			if i < 5 {
				n = 2 // five customers reported it twice
			}
			for range n {
				cs := sc.caseOf(c, sc.ann, "No line")
				p.cases = append(p.cases, cs.ID)
				ids = append(ids, cs.ID)
			}
			people = append(people, p)
		}
		if len(ids) != 30 {
			t.Fatalf("%d cases", len(ids))
		}
		lea := desk.AgentActor(sc.lead)
		inc := must(sc.svc.CreateIncident(sc.ctx, lea, desk.NewIncident{Title: "Line down in Pärnu"}))
		must(sc.svc.LinkCases(sc.ctx, lea, inc.ID, ids))
		pv := must(sc.svc.PromiseIncident(sc.ctx, lea, inc.ID, desk.NewPromise{Kind: "fix", DueAt: sc.at(0, "15:00"), Words: "Fixed by 15:00 Tallinn time."}))
		if len(pv.Promises) != 30 || pv.Told != 25 {
			t.Fatalf("the promise: %d promises, %d told", len(pv.Promises), pv.Told)
		}
		count := func() []int {
			out := make([]int, len(people))
			for i, p := range people {
				out[i] = len(sc.mailsTo(p.email, p.cases...))
			}
			return out
		}
		check := func(step string, before []int, words func(l int) string) {
			t.Helper()
			for i, p := range people {
				got := newer(sc.mailsTo(p.email, p.cases...), before[i])
				if len(got) != 1 || !strings.Contains(got[0], words(p.lang)) {
					t.Errorf("%s: %s got %d mails (want 1 with %q): %q", step, p.email, len(got), words(p.lang), got)
				}
			}
		}
		before := count()
		must(sc.svc.SlipPromise(sc.ctx, lea, pv.Promises[7].ID, desk.Slip{DueAt: sc.at(0, "16:30"), Reason: "the crew is late", Message: "90 more minutes."}))
		check("the slip", before, func(l int) string { return langs[l].slip })
		before = count()
		must(sc.svc.ResolveIncident(sc.ctx, lea, inc.ID, "The line works again."))
		check("the fix", before, func(l int) string { return langs[l].fixed })
		for _, p := range must(sc.svc.Incident(sc.ctx, lea, inc.ID)).Promises[0].Promises {
			if p.State != desk.PromiseKept {
				t.Errorf("promise %d on %s is %s after the fix", p.ID, desk.CaseRef(p.CaseID), p.State)
			}
		}
	})
}

// The decision reports (story 20): by reason and by rung, how the decisions asked ended and the
// median time from asking to the decision.
func TestDecisionReports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newMailScene(t, backend)
		mari := sc.speaks(sc.mari, "et", "Europe/Tallinn")
		cs := sc.caseOf(mari, sc.ann, "Arve on vale")
		ann, lead := desk.AgentActor(sc.ann), desk.AgentActor(sc.lead)
		from := sc.clock.Now().Add(-time.Hour)

		must(sc.svc.MakeDecision(sc.ctx, ann, cs.ID, desk.NewDecision{Kind: "credit", Amount: 30, Currency: "EUR", Reason: "The outage."}))
		// Two refunds above the agent's limit, decided by the lead after 2 and 4 hours; a third waits.
		for i, grant := range []bool{false, true} {
			d := must(sc.svc.MakeDecision(sc.ctx, ann, cs.ID, desk.NewDecision{Kind: "refund", Amount: 120, Currency: "EUR", Reason: "Charged twice."}))
			sc.clock.Advance(time.Duration(2*(i+1)) * time.Hour)
			must(sc.svc.AnswerDecision(sc.ctx, lead, d.ID, grant, "Checked the bank statement."))
		}
		must(sc.svc.MakeDecision(sc.ctx, ann, cs.ID, desk.NewDecision{Kind: "refund", Amount: 120, Currency: "EUR", Reason: " Charged twice. "}))

		q := service.ReportQuery{Name: "decisions_by_reason", From: from, To: sc.clock.Now().Add(time.Hour)}
		rep := must(sc.svc.RunReport(sc.ctx, lead, q))
		want := []string{
			"credit|The outage.|1|1|0|0|0",
			"refund|Charged twice.|3|1|1|1|7200",
			"all|all|4|2|1|1|7200",
		}
		if got := decisionRowsText(rep.Rows, "kind", "reason"); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("by reason:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}

		q.Name = "decisions_by_rung"
		rep = must(sc.svc.RunReport(sc.ctx, lead, q))
		got := decisionRowsText(rep.Rows, "rung")
		if !slices.Contains(got, "lead|3|1|1|1|7200") || got[len(got)-1] != "all|4|2|1|1|7200" {
			t.Errorf("by rung:\n%s", strings.Join(got, "\n"))
		}
		csv := service.ReportCSV(rep)
		if !strings.HasPrefix(string(csv), "rung,requested,granted,refused,pending,median_decide_s\n") {
			t.Errorf("the CSV: %s", csv)
		}
	})
}

// decisionRowsText writes a decision report's rows as "key|…|requested|granted|refused|pending|median".
func decisionRowsText(rows []map[string]any, keys ...string) []string {
	var out []string
	for _, r := range rows {
		var parts []string
		for _, c := range append(keys, "requested", "granted", "refused", "pending", "median_decide_s") {
			parts = append(parts, fmt.Sprint(r[c]))
		}
		out = append(out, strings.Join(parts, "|"))
	}
	return out
}
