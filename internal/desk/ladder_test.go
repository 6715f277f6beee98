package desk

import (
	"encoding/json"
	"strings"
	"testing"
)

// The desk of the ladder tests: a head of care; Billing with a manager, a senior lead, a lead
// reporting to her and an agent; Repairs with a lead and an agent who has no manager_id.
var (
	head     = Agent{ID: 1, Name: "Hele", Role: RoleAdmin, Active: true}
	manager  = Agent{ID: 2, Name: "Mart", Role: RoleManager, ManagerID: 1, TeamID: 10, Active: true}
	senior   = Agent{ID: 3, Name: "Sirje", Role: RoleLead, ManagerID: 2, TeamID: 10, Active: true}
	lead     = Agent{ID: 4, Name: "Lea", Role: RoleLead, ManagerID: 3, TeamID: 10, Active: true}
	ann      = Agent{ID: 5, Name: "Ann", Role: RoleAgent, ManagerID: 4, TeamID: 10, Active: true}
	repairs  = Agent{ID: 6, Name: "Rein", Role: RoleLead, TeamID: 20, Active: true}
	orphan   = Agent{ID: 7, Name: "Olev", Role: RoleAgent, TeamID: 20, Active: true} // no manager_id
	everyone = []Agent{head, manager, senior, lead, ann, repairs, orphan}
)

// Rank decides first, the chain within a rank; an agent without a manager is at the bottom.
func TestLadderByRankThenChain(t *testing.T) {
	l := NewLadder(everyone)
	for _, tc := range []struct {
		a, b  Agent
		below bool
		why   string
	}{
		{orphan, lead, true, "an agent without a manager_id stands below a lead (issue 13, finding 5)"},
		{orphan, ann, false, "agents stand level"},
		{ann, orphan, false, "agents stand level, whoever has a manager"},
		{ann, lead, true, "an agent below her lead"},
		{lead, senior, true, "a lead below the senior lead she reports to"},
		{senior, lead, false, "the senior lead above"},
		{lead, repairs, false, "a lead of another team stands level"},
		{repairs, lead, false, "level either way"},
		{repairs, manager, true, "a lead below any manager"},
		{manager, head, true, "a manager below the head of care"},
		{head, orphan, false, "the head of care below no one"},
		{lead, lead, false, "no one below themselves"},
	} {
		if got := l.Below(tc.a, tc.b); got != tc.below {
			t.Errorf("%s below %s = %v, want %v: %s", tc.a.Name, tc.b.Name, got, tc.below, tc.why)
		}
	}
	// A loop in the chain does not hang the ladder.
	loop := NewLadder([]Agent{{ID: 1, ManagerID: 2}, {ID: 2, ManagerID: 1}})
	if loop.Below(Agent{ID: 1, Role: RoleLead}, Agent{ID: 3, Role: RoleLead}) {
		t.Error("a loop put someone below a stranger")
	}
}

// escalatedCase is a case Lea was escalated to (rung 1, seq 3), with the customer's original
// complaint at seq 1.
func escalatedCase() (*Case, HandoverState) {
	c := &Case{ID: 8, CustomerID: 40, OwnerID: lead.ID, Rung: 1, Status: StatusOpen}
	return c, HandoverState{Owner: lead, Ladder: NewLadder(everyone), Rung: CaseRung{Holder: lead, Seq: 3}}
}

func agreement(seq, askedSeq, to int64) *Entry {
	data, _ := json.Marshal(map[string]any{"asked_seq": askedSeq, "to": to, "via": "portal"})
	return &Entry{ID: 100 + seq, CaseID: 8, Seq: seq, Kind: KindHandoverAgreed, Actor: Actor{Kind: ActorCustomer, ID: 40, Name: "Mari"}, Data: data}
}

func TestHandOverBelowTheRungNeedsTheAgreementToThatMove(t *testing.T) {
	complaint := &Entry{ID: 101, CaseID: 8, Seq: 1, Kind: KindMessageIn, Actor: Actor{Kind: ActorCustomer, ID: 40, Name: "Mari"}}
	for _, tc := range []struct {
		name   string
		to     Agent
		agree  *Entry
		spent  bool
		refuse string // a part of the refusal; "" when the hand-over goes through
	}{
		{"to an agent without a manager", orphan, nil, false, "no agreement_entry_id"},
		{"to the agent below", ann, nil, false, "no agreement_entry_id"},
		{"the original complaint is no agreement", ann, complaint, false, "a message from the customer does not count"},
		{"an agreement for another colleague", ann, agreement(6, 5, orphan.ID), false, "not to Ann"},
		{"an agreement from before the last escalation", ann, agreement(2, 1, ann.ID), false, "before the case's last escalation"},
		{"an agreement used before", ann, agreement(6, 5, ann.ID), true, "an earlier hand-over used"},
		{"the agreement to this move", ann, agreement(6, 5, ann.ID), false, ""},
		{"sideways to a lead of another team", repairs, nil, false, ""},
		{"up to the manager", manager, nil, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, st := escalatedCase()
			st.To, st.Agreement, st.Spent = tc.to, tc.agree, tc.spent
			in := Handover{ToAgentID: tc.to.ID, Briefing: "Over to you"}
			if tc.agree != nil {
				in.AgreementID = tc.agree.ID
			}
			drafts, err := HandOver(c, AgentActor(lead), in, st, now)
			if tc.refuse == "" {
				if err != nil || c.OwnerID != tc.to.ID {
					t.Fatalf("refused: %v", err)
				}
				var data map[string]any
				_ = json.Unmarshal(must(Chain(&Case{ID: 8}, drafts[:1], now))[0].Data, &data)
				if _, cited := data["agreement_entry_id"]; cited != (tc.agree != nil) {
					t.Errorf("hand-over data %v: the agreement used belongs on it, and only then", data)
				}
				return
			}
			e, ok := AsError(err)
			if !ok || e.Code != "downward_reassignment" || !strings.Contains(e.Message, tc.refuse) || c.OwnerID != lead.ID {
				t.Fatalf("err %v, want downward_reassignment saying %q", err, tc.refuse)
			}
			if holder, _ := e.Details["rung_holder"].(map[string]any); holder["id"] != lead.ID {
				t.Errorf("details %v do not name who holds the rung", e.Details)
			}
		})
	}
	// A case that never climbed goes to anyone; sickness (no briefing) is not refused.
	c := &Case{ID: 8, CustomerID: 40, OwnerID: lead.ID, Status: StatusOpen}
	if _, err := HandOver(c, AgentActor(lead), Handover{ToAgentID: orphan.ID, Briefing: "x"}, HandoverState{Owner: lead, To: orphan}, now); err != nil {
		t.Errorf("rung 0: %v", err)
	}
	c, st := escalatedCase()
	st.To, st.Missing = ann, true
	if _, err := HandOver(c, SystemActor(), Handover{ToAgentID: ann.ID}, st, now); err != nil {
		t.Errorf("sickness: %v", err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// The record decides which question stands: the last one since the last escalation, until
// answered; hand-overs that used an agreement spend it.
func TestReadLadder(t *testing.T) {
	d := func(m map[string]any) json.RawMessage { b, _ := json.Marshal(m); return b }
	entries := []Entry{
		{ID: 11, Seq: 2, Kind: KindHandoverAsked, Data: d(map[string]any{"to": ann.ID})},
		{ID: 12, Seq: 3, Kind: KindEscalated, Data: d(map[string]any{"to_owner": lead.ID, "rung": 1})},
		{ID: 13, Seq: 5, Kind: KindHandoverAsked, Data: d(map[string]any{"to": orphan.ID})},
		{ID: 14, Seq: 6, Kind: KindHandoverAsked, Data: d(map[string]any{"to": ann.ID})},
		{ID: 15, Seq: 7, Kind: KindHandoverAgreed, Data: d(map[string]any{"asked_seq": 5, "to": orphan.ID})}, // to the replaced question
	}
	l := ReadLadder(entries)
	if l.EscalatedTo() != lead.ID || l.EscalationSeq() != 3 || l.Question == nil || l.Question.Seq != 6 || !l.Open() || QuestionTo(l.Question) != ann.ID {
		t.Fatalf("ladder %+v", l)
	}
	entries = append(entries, Entry{ID: 16, Seq: 8, Kind: KindHandoverAgreed, Data: d(map[string]any{"asked_seq": 6, "to": ann.ID})},
		Entry{ID: 17, Seq: 9, Kind: KindHandover, Data: d(map[string]any{"agreement_entry_id": 16})})
	l = ReadLadder(entries)
	if l.Open() || l.Answer == nil || l.Answer.ID != 16 || !l.Spent(16) || l.Spent(15) {
		t.Fatalf("after the answer and the hand-over: %+v", l)
	}
	l = ReadLadder(append(entries, Entry{ID: 18, Seq: 10, Kind: KindEscalated, Data: d(map[string]any{"to_owner": manager.ID})}))
	if l.Question != nil || l.EscalatedTo() != manager.ID {
		t.Errorf("a question from before the escalation still stands: %+v", l)
	}
}

func TestAskAndAnswerInTheCustomersLanguage(t *testing.T) {
	for _, tc := range []struct{ lang, back, over, agreed, declined string }{
		{"en", "Ann (agent), who has worked on your case before, would take it back. Your case was passed up to Lea (team lead), and it goes back down only if you agree. Do you agree?",
			"Olev (agent) would take over your case.", "I agree that Ann takes over my case.", "I do not agree that Ann takes over my case."},
		{"et", "Ann (klienditeenindaja), kes on teie juhtumiga varem tegelenud, võtaks selle tagasi. Teie juhtum anti edasi kõrgemale tasemele ja sellega tegeleb Lea (tiimijuht); " +
			"madalamale tasemele antakse see tagasi ainult teie nõusolekul. Kas olete nõus?",
			"Olev (klienditeenindaja) võtaks teie juhtumi üle.", "Olen nõus, et minu juhtumiga tegeleb edaspidi Ann.", "Ma ei ole nõus, et minu juhtumiga tegeleb edaspidi Ann."},
		{"hr", "Predlažemo da vaš predmet ponovno preuzme Ann (savjetnik za korisnike); ta je osoba već radila na vašem predmetu. " +
			"Vaš je predmet proslijeđen na višu razinu i sada ga vodi Lea (voditelj tima); na nižu se razinu vraća samo uz vašu suglasnost. Slažete li se?",
			"Predlažemo da vaš predmet preuzme Olev (savjetnik za korisnike).", "Slažem se da moj predmet preuzme Ann.", "Ne slažem se da moj predmet preuzme Ann."},
	} {
		c, st := escalatedCase()
		c.Reader = ReaderFor(tc.lang, "")
		ask := AskState{To: ann, Ladder: st.Ladder, Rung: st.Rung, WorkedOn: true}
		d, err := AskHandover(c, AgentActor(lead), HandoverAsk{ToAgentID: ann.ID}, ask)
		if err != nil || d.Body != tc.back || d.Kind != KindHandoverAsked || d.Internal {
			t.Errorf("%s question:\ngot  %q\nwant %q (%v)", tc.lang, d.Body, tc.back, err)
		}
		ask.To, ask.WorkedOn = orphan, false
		d, _ = AskHandover(c, AgentActor(lead), HandoverAsk{ToAgentID: orphan.ID, Message: "Olev repairs these."}, ask)
		if !strings.HasPrefix(d.Body, tc.over) || !strings.HasSuffix(d.Body, "Lea"+map[string]string{"en": " writes", "et": " kirjutab", "hr": " poručuje"}[tc.lang]+": Olev repairs these.") {
			t.Errorf("%s question with a message: %q", tc.lang, d.Body)
		}
		asked := Entry{ID: 20, CaseID: 8, Seq: 5, Kind: KindHandoverAsked, Data: must(json.Marshal(map[string]any{"to": ann.ID}))}
		l := ReadLadder([]Entry{asked})
		mari := Actor{Kind: ActorCustomer, ID: 40, Name: "Mari"}
		for agree, want := range map[bool]string{true: tc.agreed, false: tc.declined} {
			d, err := AnswerHandover(c, mari, l, 5, ann, agree, AnsweredByLink)
			if err != nil || d.Body != want || d.Actor != mari {
				t.Errorf("%s answer %v:\ngot  %q\nwant %q (%v)", tc.lang, agree, d.Body, want, err)
			}
		}
		if links := HandoverLinks(c.Reader, "https://a", "https://d", now, nil); !strings.Contains(links, "https://a") || !strings.Contains(links, "https://d") || strings.Contains(links, "%!") {
			t.Errorf("%s links: %q", tc.lang, links)
		}
	}
	// No question where no agreement is needed, and no answer but the customer's to the open one.
	c, st := escalatedCase()
	if _, err := AskHandover(c, AgentActor(lead), HandoverAsk{ToAgentID: repairs.ID}, AskState{To: repairs, Ladder: st.Ladder, Rung: st.Rung}); err == nil {
		t.Error("asked about a colleague level with the rung")
	}
	asked := Entry{Seq: 5, Kind: KindHandoverAsked, Data: must(json.Marshal(map[string]any{"to": ann.ID}))}
	if _, err := AnswerHandover(c, Actor{Kind: ActorCustomer, ID: 41}, ReadLadder([]Entry{asked}), 5, ann, true, AnsweredInPortal); err == nil {
		t.Error("another customer answered")
	}
	if _, err := AnswerHandover(c, Actor{Kind: ActorCustomer, ID: 40}, ReadLadder([]Entry{asked}), 4, ann, true, AnsweredInPortal); err == nil {
		t.Error("an answer to a question that does not stand")
	}
}

func TestNextUp(t *testing.T) {
	l := NewLadder(everyone)
	for _, tc := range []struct {
		owner Agent
		away  map[int64]bool
		want  int64
	}{
		{orphan, nil, repairs.ID},                                   // the lead of the orphan's own team
		{orphan, map[int64]bool{repairs.ID: true}, 3},               // Rein is away: a Billing lead (Sirje, the lower id)
		{Agent{ID: 9, Role: RoleAgent, TeamID: 30}, nil, senior.ID}, // no lead in the team: the lowest id of the nearest rank
		{repairs, nil, manager.ID},                                  // a lead without a manager: a manager
		{head, nil, 0},                                              // the top
	} {
		got := l.NextUp(tc.owner, everyone, tc.away)
		if id := int64(0); got != nil {
			id = got.ID
			if id != tc.want {
				t.Errorf("next up from %s (away %v): %d, want %d", tc.owner.Name, tc.away, id, tc.want)
			}
		} else if tc.want != 0 {
			t.Errorf("next up from %s: no one, want %d", tc.owner.Name, tc.want)
		}
	}
}
