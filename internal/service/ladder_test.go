package service_test

import (
	"context"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// withMail makes the scene's service mail customers (a relay is configured) and put links to
// https://desk.test in its mails.
func (sc *ladderScene) withMail() {
	sc.svc = sc.svc.With(service.WithMail(service.MailConfig{Address: "care@desk.test", Outbound: true}))
	sc.svc.SetLinkBase("https://desk.test/")
}

// mailOf is the last mail queued on the case, parsed.
func (sc *ladderScene) mailOf(caseID int64) (store.OutMail, *mail.Message) {
	sc.t.Helper()
	var out []store.OutMail
	if err := sc.st.Read(sc.ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.Outbox(context.Background(), caseID)
		return err
	}); err != nil {
		sc.t.Fatal(err)
	}
	if len(out) == 0 {
		sc.t.Fatal("no mail on the case")
	}
	m := out[len(out)-1]
	msg, err := mail.Parse(m.Raw, mail.DefaultLimits())
	if err != nil {
		sc.t.Fatal(err)
	}
	return m, msg
}

var answerLinkRE = regexp.MustCompile(`https://desk\.test/portal/handover\?answer=(yes|no)&token=(\S+)`)

// links are the tokens of the mail's links to agree and to decline.
func links(t *testing.T, text string) (yes, no string) {
	t.Helper()
	for _, m := range answerLinkRE.FindAllStringSubmatch(text, -1) {
		tok, err := url.QueryUnescape(m[2])
		if err != nil {
			t.Fatal(err)
		}
		if m[1] == "yes" {
			yes = tok
		} else {
			no = tok
		}
	}
	if yes == "" || no == "" || yes == no {
		t.Fatalf("the mail has no two links to answer by:\n%s", text)
	}
	return yes, no
}

// The whole way down with the customer's agreement: the agent asks, the customer gets the
// question in their language by mail with two one-time links that a scanner's look does not
// use up, answers by one, and the hand-over naming that answer goes through, once.
func TestAgreementByMailedLink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newLadderScene(t, backend)
		sc.withMail()
		if err := sc.svc.SetLanguage(sc.ctx, desk.CustomerActor(sc.mari), "et"); err != nil {
			t.Fatal(err)
		}
		id := sc.escalated("Topelt arve")
		asLea := desk.AgentActor(sc.lead)

		// Asking about a colleague at the rung or above is refused: no agreement is needed.
		_, err := sc.svc.AskHandoverAgreement(sc.ctx, asLea, id, desk.HandoverAsk{ToAgentID: sc.rein.ID})
		if e, ok := desk.AsError(err); !ok || e.Field != "to_agent_id" {
			t.Fatalf("asking about a lead of another team: %v", err)
		}
		q := must(sc.svc.AskHandoverAgreement(sc.ctx, asLea, id, desk.HandoverAsk{ToAgentID: sc.ann.ID, Message: "Ann vahetab aku."}))
		if !q.Mailed || q.EntryID == 0 || q.LinksExpireAt == nil || !q.LinksExpireAt.Equal(monday.Add(service.HandoverLinkLength)) {
			t.Fatalf("question %+v", q)
		}
		// The customer reads it on the record, in Estonian, from Lea.
		asked := lastOf(sc.record(id, desk.CustomerActor(sc.mari)), desk.KindHandoverAsked)
		want := "Ann Tamm (klienditeenindaja, Billing), kes on teie juhtumiga varem tegelenud, võtaks selle tagasi."
		if asked == nil || asked.Internal || !strings.HasPrefix(asked.Body, want) || asked.Actor.ID != sc.lead.ID || !strings.Contains(asked.Body, "Lea Lead kirjutab: Ann vahetab aku.") {
			t.Fatalf("the question on the record: %+v", asked)
		}
		out, msg := sc.mailOf(id)
		if out.To != "mari@example.ee" || out.Automatic || !strings.Contains(msg.Text, want) || !strings.Contains(msg.Text, "Nõustumiseks avage see link") {
			t.Fatalf("the mail to %s:\n%s", out.To, msg.Text)
		}
		yes, no := links(t, msg.Text)

		// A mail scanner opens both links: neither is used up.
		for range 2 {
			for _, tok := range []string{yes, no} {
				v := must(sc.svc.CheckHandoverLink(sc.ctx, tok))
				if v.Seq != q.Seq || v.To.ID != sc.ann.ID || v.Lang != "et" || !v.Open {
					t.Fatalf("checking a link: %+v", v)
				}
			}
		}
		if got := must(sc.svc.HandoverQuestionOf(sc.ctx, asLea, id)); got.Answer != "" || !got.Open {
			t.Fatalf("a look answered the question: %+v", got)
		}
		// The customer agrees by the link; it and its sibling are used up.
		a := must(sc.svc.AnswerHandoverLink(sc.ctx, yes, true))
		agreed := lastOf(sc.record(id, sc.sys), desk.KindHandoverAgreed)
		if a.Answer != "agreed" || agreed == nil || agreed.ID != a.AnswerEntryID || agreed.Actor.Kind != desk.ActorCustomer || agreed.Actor.ID != sc.mari.ID ||
			agreed.Body != "Olen nõus, et minu juhtumiga tegeleb edaspidi Ann Tamm." || !strings.Contains(string(agreed.Data), `"via":"link"`) {
			t.Fatalf("answer %+v, entry %+v", a, agreed)
		}
		for _, tok := range []string{yes, no} {
			if _, err := sc.svc.AnswerHandoverLink(sc.ctx, tok, false); err == nil {
				t.Fatal("a used link answered again")
			} else {
				conflict(t, err, "handover_link_used")
			}
		}
		notes := must(sc.svc.Notifications(sc.ctx, asLea))
		if len(notes) == 0 || notes[0].Kind != "handover_agreed" || !strings.Contains(notes[0].Body, "Ann Tamm") {
			t.Errorf("Lea was not told: %+v", notes)
		}

		// The hand-over naming the agreement goes through, once: Ann cannot pass it further down.
		v := must(sc.svc.HandOver(sc.ctx, asLea, id, desk.Handover{ToAgentID: sc.ann.ID, Briefing: "Mari agreed; replace the battery.", AgreementID: a.AnswerEntryID}))
		if v.OwnerID != sc.ann.ID || v.Rung != 1 {
			t.Fatalf("after the agreed hand-over: owner %d rung %d", v.OwnerID, v.Rung)
		}
		ho := lastOf(sc.record(id, sc.sys), desk.KindHandover)
		var data map[string]any
		_ = json.Unmarshal(ho.Data, &data)
		if data["agreement_entry_id"] != float64(a.AnswerEntryID) || data["below_rung"] != true {
			t.Errorf("the hand-over does not name the agreement it used: %s", ho.Data)
		}
		_, err = sc.svc.HandOver(sc.ctx, desk.AgentActor(sc.ann), id, desk.Handover{ToAgentID: sc.bob.ID, Briefing: "Bob, please", AgreementID: a.AnswerEntryID})
		conflict(t, err, "downward_reassignment")
		must(sc.svc.HandOver(sc.ctx, desk.AgentActor(sc.ann), id, desk.Handover{ToAgentID: sc.lead.ID, Briefing: "Back up to you"}))
		_, err = sc.svc.HandOver(sc.ctx, asLea, id, desk.Handover{ToAgentID: sc.ann.ID, Briefing: "Again", AgreementID: a.AnswerEntryID})
		if e := conflict(t, err, "downward_reassignment"); !strings.Contains(e.Message, "earlier hand-over used") {
			t.Errorf("a spent agreement: %s", e.Message)
		}
		if got := must(sc.svc.HandoverQuestionOf(sc.ctx, asLea, id)); !got.Used || got.Open {
			t.Errorf("the question after its agreement was used: %+v", got)
		}
	})
}

// A link works until it expires (the portal still takes the answer); a newer question closes
// the older one's links; a made-up link is unknown.
func TestAgreementLinkExpires(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newLadderScene(t, backend)
		sc.withMail()
		id := sc.escalated("Late refund")
		asLea := desk.AgentActor(sc.lead)
		first := must(sc.svc.AskHandoverAgreement(sc.ctx, asLea, id, desk.HandoverAsk{ToAgentID: sc.bob.ID}))
		_, msg := sc.mailOf(id)
		oldYes, _ := links(t, msg.Text)
		q := must(sc.svc.AskHandoverAgreement(sc.ctx, asLea, id, desk.HandoverAsk{ToAgentID: sc.ann.ID}))
		_, msg = sc.mailOf(id)
		if !strings.Contains(msg.Text, "Ann Tamm (agent, Billing), who has worked on your case before, would take it back. Your case was passed up to Lea Lead (team lead, Billing)") {
			t.Errorf("the English question:\n%s", msg.Text)
		}
		yes, _ := links(t, msg.Text)
		_, err := sc.svc.CheckHandoverLink(sc.ctx, oldYes)
		conflict(t, err, "handover_question_closed")
		if _, err := sc.svc.AnswerHandover(sc.ctx, desk.CustomerActor(sc.mari), id, first.Seq, true); err == nil {
			t.Error("the replaced question took an answer")
		}
		sc.clock.Advance(service.HandoverLinkLength + time.Second)
		_, err = sc.svc.CheckHandoverLink(sc.ctx, yes)
		conflict(t, err, "handover_link_expired")
		_, err = sc.svc.AnswerHandoverLink(sc.ctx, yes, true)
		conflict(t, err, "handover_link_expired")
		if _, err := sc.svc.CheckHandoverLink(sc.ctx, "kept_1_"+strings.Repeat("A", 43)); err == nil {
			t.Error("a made-up link was taken")
		} else if e, _ := desk.AsError(err); e.Kind != desk.KindNotFound {
			t.Errorf("a made-up link: %v", err)
		}
		if a := must(sc.svc.AnswerHandover(sc.ctx, desk.CustomerActor(sc.mari), id, q.Seq, true)); a.Answer != "agreed" {
			t.Errorf("the portal after the links expired: %+v", a)
		}
	})
}

// What does not count as the customer's agreement to a move: a declined answer, an agreement
// to another colleague, one given before the case climbed again, the desk's own question, an
// answer by someone else.
func TestAgreementOnlyForThatMove(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newLadderScene(t, backend)
		id := sc.escalated("Broken phone")
		asLea, asMari := desk.AgentActor(sc.lead), desk.CustomerActor(sc.mari)
		handTo := func(to desk.Agent, agreement int64) error {
			_, err := sc.svc.HandOver(sc.ctx, asLea, id, desk.Handover{ToAgentID: to.ID, Briefing: "Over to you", AgreementID: agreement})
			return err
		}

		// Declined in the portal.
		q := must(sc.svc.AskHandoverAgreement(sc.ctx, asLea, id, desk.HandoverAsk{ToAgentID: sc.bob.ID}))
		if q.Mailed {
			t.Error("mailed without a relay")
		}
		ivo := must(sc.svc.CreateCustomer(sc.ctx, sc.sys, desk.NewCustomer{Name: "Ivo Ivić", Email: "ivo@example.hr"}))
		if _, err := sc.svc.AnswerHandover(sc.ctx, desk.CustomerActor(ivo), id, q.Seq, true); err == nil {
			t.Fatal("another customer answered Mari's question")
		}
		no := must(sc.svc.AnswerHandover(sc.ctx, asMari, id, q.Seq, false))
		if no.Answer != "declined" || no.Open {
			t.Fatalf("declined: %+v", no)
		}
		if _, err := sc.svc.AnswerHandover(sc.ctx, asMari, id, q.Seq, true); err == nil {
			t.Fatal("a question answered twice")
		}
		e := conflict(t, handTo(sc.bob, no.AnswerEntryID), "downward_reassignment")
		if !strings.Contains(e.Message, "handover_declined entry") {
			t.Errorf("declined: %s", e.Message)
		}
		conflict(t, handTo(sc.bob, q.EntryID), "downward_reassignment") // the desk's question is not the answer

		// Agreed to Bob, cited for Olev.
		q = must(sc.svc.AskHandoverAgreement(sc.ctx, asLea, id, desk.HandoverAsk{ToAgentID: sc.bob.ID}))
		bob := must(sc.svc.AnswerHandover(sc.ctx, asMari, id, q.Seq, true))
		if e := conflict(t, handTo(sc.olev, bob.AnswerEntryID), "downward_reassignment"); !strings.Contains(e.Message, "not to Olev Ots") {
			t.Errorf("another colleague's agreement: %s", e.Message)
		}

		// The case climbs again: the agreement given before does not count, the question is closed.
		q = must(sc.svc.AskHandoverAgreement(sc.ctx, asLea, id, desk.HandoverAsk{ToAgentID: sc.ann.ID}))
		must(sc.svc.Escalate(sc.ctx, asMari, id, "Still nothing"))
		if _, err := sc.svc.AnswerHandover(sc.ctx, asMari, id, q.Seq, true); err == nil {
			t.Fatal("a question from before the escalation took an answer")
		} else {
			conflict(t, err, "handover_question_closed")
		}
		asHead := desk.AgentActor(sc.head)
		_, err := sc.svc.HandOver(sc.ctx, asHead, id, desk.Handover{ToAgentID: sc.bob.ID, Briefing: "x", AgreementID: bob.AnswerEntryID})
		if e := conflict(t, err, "downward_reassignment"); !strings.Contains(e.Message, "before the case's last escalation") {
			t.Errorf("an agreement from before the escalation: %s", e.Message)
		}
		// Now at the head of care: the lead is below that rung too.
		conflict(t, func() error {
			_, err := sc.svc.HandOver(sc.ctx, asHead, id, desk.Handover{ToAgentID: sc.lead.ID, Briefing: "x"})
			return err
		}(), "downward_reassignment")
		if got := must(sc.svc.HandoverQuestionOf(sc.ctx, asHead, id)); got != nil {
			t.Errorf("a question from before the escalation is shown: %+v", got)
		}
	})
}

// An owner without a manager_id stands at the bottom, so their case climbs too: to the
// nearest rank above, someone present and of the owner's team first.
func TestEscalationWithoutManagerGoesUpByRank(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newLadderScene(t, backend)
		c := sc.openCase(sc.olev, "Wrong tariff")
		v := must(sc.svc.Escalate(sc.ctx, desk.CustomerActor(sc.mari), c.ID, "Nobody helps me"))
		if v.Rung != 1 || v.OwnerID != sc.lead.ID {
			t.Fatalf("Olev's case escalated to %d at rung %d, want Lea (the present Billing lead) at rung 1", v.OwnerID, v.Rung)
		}
		// From Lea it goes up her chain, to the head of care; from there nowhere.
		if v = must(sc.svc.Escalate(sc.ctx, desk.CustomerActor(sc.mari), c.ID, "Still nothing")); v.OwnerID != sc.head.ID || v.Rung != 2 {
			t.Fatalf("second escalation: owner %d rung %d", v.OwnerID, v.Rung)
		}
		if v = must(sc.svc.Escalate(sc.ctx, desk.CustomerActor(sc.mari), c.ID, "And now?")); v.OwnerID != sc.head.ID || v.Rung != 2 {
			t.Errorf("at the top: owner %d rung %d", v.OwnerID, v.Rung)
		}
	})
}
