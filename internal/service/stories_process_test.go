package service_test

import (
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

func laptopRepair(sc *scene) desk.CaseType {
	return must(sc.svc.CreateCaseType(sc.ctx, sc.sys, desk.NewCaseType{Name: "Hardware repair", Team: "Billing", RequiredReferences: []string{"order"},
		Steps: []desk.Step{
			{Name: "Diagnosis", Explanation: "We test your laptop remotely; most tests take one day."},
			{Name: "Hardware repair", Explanation: "The faulty part is replaced.", Partner: "HP hardware service, contracted by us"},
			{Name: "Return shipping", Explanation: "We send the laptop back with a tracking number."},
		}}))
}

// Story 15: a case type that needs an order number asks for it, and any reference finds the case.
func TestStoryBePrepared(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		laptopRepair(sc)
		_, err := sc.svc.OpenCase(sc.ctx, sc.sys, desk.NewCase{CustomerID: sc.mari.ID, Subject: "Laptop dead", Body: "It does not start.", Channel: "web", Type: "Hardware repair"})
		e, ok := desk.AsError(err)
		if !ok || e.Code != "missing_references" || e.Kind != desk.KindInvalid || !strings.Contains(e.Message, "order") {
			t.Fatalf("intake without the order number: %v, want 422 missing_references naming order", err)
		}
		c := must(sc.svc.OpenCase(sc.ctx, sc.sys, desk.NewCase{CustomerID: sc.mari.ID, Subject: "Laptop dead", Body: "It does not start.", Channel: "web",
			Type: "Hardware repair", References: []desk.Reference{{Kind: "order", Value: "ORD-2026-00417"}}}))
		if c.Type != "Hardware repair" {
			t.Errorf("case type %q", c.Type)
		}
		// The reference is on the customer now: their next repair does not ask again.
		must(sc.svc.OpenCase(sc.ctx, sc.sys, desk.NewCase{CustomerID: sc.mari.ID, Subject: "Charger", Body: "Broken too.", Channel: "web", Type: "Hardware repair"}))
		if cu := must(sc.svc.Customer(sc.ctx, sc.sys, sc.mari.ID)); len(cu.References) != 1 || cu.References[0].Value != "ORD-2026-00417" {
			t.Errorf("customer references %v", cu.References)
		}
		hits := must(sc.svc.Search(sc.ctx, sc.sys, "ord-2026-00417", 10))
		if len(hits) != 2 || hits[0].CustomerID != sc.mari.ID {
			t.Errorf("searching the order number found %v, want both of Mari's cases", hits)
		}
		// A type's own response target outranks the team's 24 hours.
		must(sc.svc.CreateCaseType(sc.ctx, sc.sys, desk.NewCaseType{Name: "Outage", ResponseTarget: time.Hour}))
		outage := must(sc.svc.OpenCase(sc.ctx, sc.sys, desk.NewCase{CustomerID: sc.mari.ID, Subject: "No power", Body: "Down.", Channel: "web", Type: "Outage", OwnerID: sc.ann.ID}))
		sc.advance(time.Hour + time.Second)
		if got := must(sc.svc.Case(sc.ctx, sc.sys, outage.ID)); got.Rung != 1 {
			t.Errorf("an outage unanswered past its type's hour: rung %d, want 1", got.Rung)
		}
	})
}

// Story 13: the customer reads the current step, what comes next and who carries it out; typical
// durations come from history.
func TestStoryTheProcessExplained(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		laptopRepair(sc)
		open := func() service.CaseView {
			return must(sc.svc.OpenCase(sc.ctx, sc.sys, desk.NewCase{CustomerID: sc.mari.ID, Subject: "Laptop", Body: "Broken.", Channel: "web",
				Type: "Hardware repair", OwnerID: sc.ann.ID, References: []desk.Reference{{Kind: "order", Value: "ORD-1"}}}))
		}
		c := open()
		if c.Step == nil || c.Step.Position != 1 || c.Step.Of != 3 || c.Step.Next != "Hardware repair" || c.Step.Typical != nil {
			t.Fatalf("step at intake: %+v", c.Step)
		}
		rec := sc.record(c.ID, desk.CustomerActor(sc.mari))
		if s := lastOf(rec, desk.KindStepChanged); s == nil || !strings.Contains(s.Body, "most tests take one day") || !strings.Contains(s.Body, "Next: Hardware repair") {
			t.Errorf("the customer reads %v", s)
		}
		// Five laptops spend 1, 1, 2, 2 and 3 days in diagnosis.
		for _, days := range []int{1, 1, 2, 2, 3} {
			x := open()
			sc.clock.Advance(time.Duration(days) * 24 * time.Hour)
			must(sc.svc.AdvanceStep(sc.ctx, desk.AgentActor(sc.ann), x.ID, 2))
			sc.clock.Set(monday)
		}
		fresh := open()
		if fresh.Step.Typical == nil || fresh.Step.Typical.MedianS != 2*86400 || fresh.Step.Typical.P90S != 3*86400 {
			t.Errorf("typical diagnosis: %+v, want median 2 days, p90 3 days", fresh.Step.Typical)
		}
		got := must(sc.svc.AdvanceStep(sc.ctx, desk.AgentActor(sc.ann), c.ID, 2))
		if got.Step.Name != "Hardware repair" || got.Step.Partner != "HP hardware service, contracted by us" {
			t.Errorf("step 2: %+v", got.Step)
		}
		if s := lastOf(sc.record(c.ID, desk.CustomerActor(sc.mari)), desk.KindStepChanged); s == nil || !strings.Contains(s.Body, "carried out by HP hardware service") {
			t.Errorf("the customer reads %v", s)
		}
		if _, err := sc.svc.AdvanceStep(sc.ctx, desk.AgentActor(sc.ann), c.ID, 4); err == nil {
			t.Error("step 4 of 3 accepted")
		}
	})
}

// Story 8: a case is resolved only when the customer confirms; "not what I asked" reopens it
// and is counted; silence closes it apart.
func TestStoryTheGameOfTelephone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		ann := desk.AgentActor(sc.ann)
		c := sc.openCase(sc.ann, "Router keeps dropping")
		v := must(sc.svc.Resolve(sc.ctx, ann, c.ID, "We reset your password."))
		if v.Status != desk.StatusAwaitingConfirmation {
			t.Fatalf("status %s after resolve", v.Status)
		}
		v = must(sc.svc.Confirm(sc.ctx, sc.sys, c.ID, desk.Confirmation{Confirmed: false, Words: "That is not what I asked: the router drops."}))
		if v.Status != desk.StatusOpen {
			t.Fatalf("status %s after rejection", v.Status)
		}
		rej := lastOf(sc.record(c.ID, sc.sys), desk.KindResolutionRejected)
		if rej == nil || rej.Actor.Kind != desk.ActorCustomer || !strings.Contains(string(rej.Data), "We reset your password") || !strings.Contains(string(rej.Data), c.OriginalRequest) {
			t.Errorf("rejection entry %+v: want the customer's words with the original request beside the rejected answer", rej)
		}
		if v.OriginalRequest != "Please help: Router keeps dropping" {
			t.Errorf("original request %q", v.OriginalRequest)
		}
		must(sc.svc.Resolve(sc.ctx, ann, c.ID, "We replaced the router."))
		if v = must(sc.svc.Confirm(sc.ctx, sc.sys, c.ID, desk.Confirmation{Confirmed: true})); v.Status != desk.StatusClosed {
			t.Errorf("status %s after confirmation", v.Status)
		}
		if _, err := sc.svc.Confirm(sc.ctx, sc.sys, c.ID, desk.Confirmation{Confirmed: true}); err == nil {
			t.Error("a closed case was confirmed again")
		}
		silent := sc.openCase(sc.ann, "Question")
		must(sc.svc.Resolve(sc.ctx, ann, silent.ID, "Answered by phone."))
		sc.advance(7*24*time.Hour - time.Minute)
		if got := must(sc.svc.Case(sc.ctx, sc.sys, silent.ID)); got.Status != desk.StatusAwaitingConfirmation {
			t.Fatalf("closed before the wait: %s", got.Status)
		}
		sc.advance(2 * time.Minute)
		if got := must(sc.svc.Case(sc.ctx, sc.sys, silent.ID)); got.Status != desk.StatusClosedUnconfirmed {
			t.Errorf("after 7 days without an answer: %s, want closed_unconfirmed", got.Status)
		}
		counts := map[string]int{}
		for _, o := range must(sc.svc.ResolutionOutcomes(sc.ctx, sc.sys, monday.AddDate(0, 0, -1))) {
			if o.AgentID == sc.ann.ID {
				counts[o.Outcome] = o.Count
			}
		}
		if counts["rejected"] != 1 || counts["confirmed"] != 1 || counts["closed_unconfirmed"] != 1 {
			t.Errorf("Ann's outcomes %v, want one of each", counts)
		}
	})
}

// Story 9: no offers while a complaint of the customer is open or awaiting confirmation.
func TestStoryTheFelinePerspective(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		ann := desk.AgentActor(sc.ann)
		complaint := sc.openCase(sc.ann, "Cat food delivered late")
		other := sc.openCase(sc.ann, "Newsletter")
		must(sc.svc.Resolve(sc.ctx, ann, other.ID, "Unsubscribed."))
		must(sc.svc.Confirm(sc.ctx, sc.sys, other.ID, desk.Confirmation{Confirmed: true}))
		offer := must(sc.svc.CreateCannedReply(sc.ctx, ann, "Premium upgrade", "Try our premium cat food plan: 20% off!", true))
		_, err := sc.svc.AddMessage(sc.ctx, ann, other.ID, desk.NewMessage{CannedReplyID: offer.ID})
		e := conflict(t, err, "complaint_open")
		if listed := e.Details["cases"].([]map[string]any); len(listed) != 1 || listed[0]["ref"] != complaint.Ref {
			t.Errorf("listed %v, want the open complaint", listed)
		}
		if _, err := sc.svc.AddMessage(sc.ctx, ann, other.ID, desk.NewMessage{Body: "A plain thank-you is fine."}); err != nil {
			t.Errorf("a message that is not an offer was refused: %v", err)
		}
		must(sc.svc.Resolve(sc.ctx, ann, complaint.ID, "Refunded the delivery fee."))
		_, err = sc.svc.AddMessage(sc.ctx, ann, other.ID, desk.NewMessage{Body: "20% off!", Offer: true})
		conflict(t, err, "complaint_open") // awaiting confirmation still counts
		must(sc.svc.Confirm(sc.ctx, sc.sys, complaint.ID, desk.Confirmation{Confirmed: true}))
		sent := must(sc.svc.AddMessage(sc.ctx, ann, other.ID, desk.NewMessage{CannedReplyID: offer.ID}))
		if sent.Body != "Try our premium cat food plan: 20% off!" || !strings.Contains(string(sent.Data), `"offer":true`) {
			t.Errorf("offer sent as %+v", sent)
		}
	})
}

// The notice that a partner works on the case is the customer's to read: an Estonian customer
// read "HP hardware service, contracted by us, carries out step 2: …" in English, on the portal
// and in their record's PDF, and so when it was taken back. Failed before.
func TestPartnerNoticeInTheCustomersLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		must(sc.svc.CreateCaseType(sc.ctx, sc.sys, desk.NewCaseType{Name: "Hardware repair", Team: "Billing",
			Steps: []desk.Step{{Name: "Diagnosis", Explanation: "We test it."}, {Name: "Hardware repair", Explanation: "A part is replaced.",
				Translations: map[string]desk.StepWords{"et": {Name: "Riistvara parandus", Explanation: "Osa vahetatakse."}}}}}))
		if err := sc.svc.SetLanguage(sc.ctx, desk.CustomerActor(sc.mari), "et"); err != nil {
			t.Fatal(err)
		}
		hp := must(sc.svc.CreatePartner(sc.ctx, sc.sys, "HP hardware service"))
		c := must(sc.svc.OpenCase(sc.ctx, sc.sys, desk.NewCase{CustomerID: sc.mari.ID, Subject: "Sülearvuti hing", Body: "Hing murdus.", Channel: "web",
			Type: "Hardware repair", OwnerID: sc.ann.ID}))
		must(sc.svc.AssignPartner(sc.ctx, desk.AgentActor(sc.ann), c.ID, hp.ID, 2))
		must(sc.svc.AssignPartner(sc.ctx, desk.AgentActor(sc.ann), c.ID, 0, 0))
		var bodies []string
		for _, e := range sc.record(c.ID, desk.CustomerActor(sc.mari)) {
			if e.Kind == desk.KindPartnerAssigned {
				bodies = append(bodies, e.Body)
				noEnglish(t, "the partner notice", strings.ReplaceAll(e.Body, "HP hardware service", ""))
			}
		}
		if len(bodies) != 2 || !strings.Contains(bodies[0], "viib läbi etapi 2: Riistvara parandus") {
			t.Errorf("the customer reads %q", bodies)
		}
	})
}

// Story 13, the contractor: a partner's users see and act on only the cases handed to them —
// in reads, lists, search and notifications — while the owner stays the owner and hears of it.
func TestStoryPartnerSeesOnlyWhatIsHanded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		laptopRepair(sc)
		hp := must(sc.svc.CreatePartner(sc.ctx, sc.sys, "HP hardware service"))
		tech := must(sc.svc.CreateAgent(sc.ctx, sc.sys, desk.NewAgent{Name: "Tom Tech", Email: "tom@hp.example.com", Role: "partner", PartnerID: hp.ID}))
		if _, err := sc.svc.CreateAgent(sc.ctx, sc.sys, desk.NewAgent{Name: "No Org", Email: "x@hp.example.com", Role: "partner"}); err == nil {
			t.Error("a partner user without an organisation was accepted")
		}
		asTech := desk.AgentActor(tech)
		handed := must(sc.svc.OpenCase(sc.ctx, sc.sys, desk.NewCase{CustomerID: sc.mari.ID, Subject: "Laptop hinge broken", Body: "The hinge snapped.", Channel: "web",
			Type: "Hardware repair", OwnerID: sc.ann.ID, References: []desk.Reference{{Kind: "order", Value: "ORD-5"}}}))
		other := must(sc.svc.OpenCase(sc.ctx, sc.sys, desk.NewCase{CustomerID: sc.mari.ID, Subject: "Laptop hinge question", Body: "Is the hinge covered?", Channel: "web", OwnerID: sc.ann.ID}))
		must(sc.svc.AddMessage(sc.ctx, desk.AgentActor(sc.ann), handed.ID, desk.NewMessage{Body: "Customer is a journalist; be careful.", Internal: true}))

		if _, err := sc.svc.Case(sc.ctx, asTech, handed.ID); !isNotFound(err) {
			t.Fatalf("the partner sees a case before it is handed: %v", err)
		}
		v := must(sc.svc.AssignPartner(sc.ctx, desk.AgentActor(sc.ann), handed.ID, hp.ID, 2))
		if v.OwnerID != sc.ann.ID || v.Partner == nil || v.Partner.Name != "HP hardware service" {
			t.Errorf("after handing to HP: owner %d partner %+v", v.OwnerID, v.Partner)
		}
		pa := lastOf(sc.record(handed.ID, desk.CustomerActor(sc.mari)), desk.KindPartnerAssigned)
		if pa == nil || !strings.Contains(pa.Body, "HP hardware service, contracted by us, carries out step 2: Hardware repair") {
			t.Errorf("the customer reads %v", pa)
		}
		// Reads: the handed case, without internal notes; never the other case or the customer.
		if _, err := sc.svc.Case(sc.ctx, asTech, handed.ID); err != nil {
			t.Errorf("the partner cannot open the handed case: %v", err)
		}
		for _, e := range must(sc.svc.Record(sc.ctx, asTech, handed.ID)) {
			if e.Internal {
				t.Errorf("the partner reads an internal entry: %q", e.Body)
			}
		}
		if _, err := sc.svc.Case(sc.ctx, asTech, other.ID); !isNotFound(err) {
			t.Errorf("the partner opens a case not handed to them: %v", err)
		}
		if _, err := sc.svc.Customer(sc.ctx, asTech, sc.mari.ID); !isNotFound(err) {
			t.Errorf("the partner reads the customer's file: %v", err)
		}
		if list := must(sc.svc.Cases(sc.ctx, asTech, service.CaseList{})); len(list) != 1 || list[0].ID != handed.ID {
			t.Errorf("the partner's case list: %v", list)
		}
		hits := must(sc.svc.Search(sc.ctx, asTech, "hinge", 10))
		if len(hits) != 1 || hits[0].CaseID != handed.ID {
			t.Errorf("the partner's search for hinge: %v, want only the handed case", hits)
		}
		if hits := must(sc.svc.Search(sc.ctx, asTech, "journalist", 10)); len(hits) != 0 {
			t.Errorf("the partner finds the internal note: %v", hits)
		}
		if hits := must(sc.svc.Search(sc.ctx, asTech, other.Ref, 10)); len(hits) != 0 {
			t.Errorf("the partner finds the other case by its ref: %v", hits)
		}
		for _, n := range must(sc.svc.Notifications(sc.ctx, asTech)) {
			if n.CaseID != handed.ID {
				t.Errorf("the partner is notified about %d: %s", n.CaseID, n.Body)
			}
		}
		// The partner works; the owner stays the owner and hears of it.
		must(sc.svc.AddMessage(sc.ctx, asTech, handed.ID, desk.NewMessage{Body: "New hinge fitted, tested OK.", Internal: true}))
		if _, err := sc.svc.MakePromise(sc.ctx, asTech, handed.ID, desk.NewPromise{Kind: "fix", DueAt: sc.at(1, "10:00"), Words: "x"}); err == nil {
			t.Error("a partner made a promise in the desk's name")
		}
		heard := false
		for _, n := range must(sc.svc.Notifications(sc.ctx, desk.AgentActor(sc.ann))) {
			heard = heard || (n.Kind == "partner_progress" && strings.Contains(n.Body, "New hinge fitted"))
		}
		if !heard {
			t.Error("the owner did not hear of the partner's progress")
		}
		if got := must(sc.svc.Case(sc.ctx, sc.sys, handed.ID)); got.OwnerID != sc.ann.ID {
			t.Errorf("owner %d after the partner worked, want Ann", got.OwnerID)
		}
		// Taken back, the case is out of the partner's sight again.
		must(sc.svc.AssignPartner(sc.ctx, desk.AgentActor(sc.ann), handed.ID, 0, 0))
		if _, err := sc.svc.Case(sc.ctx, asTech, handed.ID); !isNotFound(err) {
			t.Errorf("the partner still sees the case taken back: %v", err)
		}
	})
}
