package desk

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// The customer's agreement to a downward hand-over (PRODUCT.md story 5, "Passed back down").
// Once a case has climbed, it goes to someone below the rung it reached only when the
// customer said yes to that move: an agent asks (a handover_asked entry, the question in the
// customer's language), the customer answers in the portal or by a one-time link from a mail
// (handover_agreed or handover_declined, by the customer), and the hand-over names the answer
// as its agreement_entry_id. An answer counts for the move it was asked about (this case, that
// colleague), once, and only until the case climbs again. Nothing else the customer writes
// counts: not the original complaint, not a reply that happens to say "fine".

// LadderKinds are the entries that say where a case stands on the ladder and what its
// customer agreed to (see ReadLadder).
var LadderKinds = []EntryKind{KindEscalated, KindHandover, KindHandoverAsked, KindHandoverAgreed, KindHandoverDeclined}

// CaseRung is where a case's escalations brought it: Holder is who the last escalation gave
// it to (or left it with, when no one stood above), Seq that escalation's place on the record.
// A case keeps its rung until it climbs again; a downward hand-over the customer agreed to
// does not lower it, so moving the case further down asks the customer again.
type CaseRung struct {
	Holder Agent
	Seq    int64
}

// Climbed reports whether the case has a rung to keep (it was escalated).
func (r CaseRung) Climbed() bool { return r.Holder.ID != 0 }

// LadderRecord is what a case's record says about its place on the ladder and its customer's
// answers: the last escalation, the last question asked since, and the customer's answer to it.
type LadderRecord struct {
	Escalation *Entry // the last escalated entry; nil if the case never climbed
	Question   *Entry // the last handover_asked entry after Escalation; nil if none
	Answer     *Entry // the customer's answer to Question; nil while it is open
	cited      map[int64]bool
}

// ReadLadder reads a case's LadderKinds entries, oldest first.
func ReadLadder(entries []Entry) LadderRecord {
	l := LadderRecord{cited: map[int64]bool{}}
	for i := range entries {
		e := &entries[i]
		switch e.Kind {
		case KindEscalated:
			l.Escalation, l.Question, l.Answer = e, nil, nil // a question asked before it no longer stands
		case KindHandoverAsked:
			l.Question, l.Answer = e, nil // a new question replaces the one before
		case KindHandoverAgreed, KindHandoverDeclined:
			d, _ := AnswerOf(*e)
			if l.Question != nil && l.Answer == nil && d.AskedSeq == l.Question.Seq {
				l.Answer = e
			}
		case KindHandover:
			if d, ok := DataOf[HandoverData](*e); ok && d.AgreementEntryID != 0 {
				l.cited[d.AgreementEntryID] = true
			}
		}
	}
	return l
}

// EscalatedTo is who the last escalation gave the case to (0 when the record does not say).
func (l LadderRecord) EscalatedTo() int64 {
	if l.Escalation == nil {
		return 0
	}
	var d struct {
		To int64 `json:"to_owner"`
	}
	_ = json.Unmarshal(l.Escalation.Data, &d)
	return d.To
}

// EscalationSeq is the last escalation's place on the record (0 for none).
func (l LadderRecord) EscalationSeq() int64 {
	if l.Escalation == nil {
		return 0
	}
	return l.Escalation.Seq
}

// Open reports whether the last question still waits for the customer's answer.
func (l LadderRecord) Open() bool { return l.Question != nil && l.Answer == nil }

// Spent reports whether a hand-over has cited the agreement entry already.
func (l LadderRecord) Spent(entryID int64) bool { return l.cited[entryID] }

// QuestionTo is the colleague a handover_asked entry asks about (0 if e is not one).
func QuestionTo(e *Entry) int64 {
	if e == nil || e.Kind != KindHandoverAsked {
		return 0
	}
	d, _ := DataOf[HandoverAskedData](*e)
	return d.To
}

// HandoverAsk is an agent asking the customer to agree to a downward hand-over.
type HandoverAsk struct {
	ToAgentID int64
	// Message is the asker's own words to the customer (why this colleague), optional.
	Message string
}

// maxAskMessage bounds what an agent adds to the question.
const maxAskMessage = 4000

// AskState is what asking the customer needs to know.
type AskState struct {
	To     Agent
	Ladder Ladder
	Rung   CaseRung
	// WorkedOn says the colleague has acted on the case before (the question says so).
	WorkedOn bool
}

// AskHandover is the question to the customer whether a colleague below the case's rung may
// take it, in the customer's language, with the asker's own words if any. It is refused
// where no agreement is needed (the case never climbed, or the colleague stands at its rung
// or above) and for someone who cannot own the case.
func AskHandover(c *Case, by Actor, in HandoverAsk, st AskState) (Draft, error) {
	if !c.Status.Active() {
		return Draft{}, Conflict("case_closed", fmt.Sprintf("%s is %s", c.Ref(), c.Status), nil)
	}
	to := st.To
	if to.ID == c.OwnerID {
		return Draft{}, Invalid("to_agent_id", "%s already owns the case", to.Name)
	}
	if !to.Active || to.Role == RolePartner {
		return Draft{}, Invalid("to_agent_id", "%s cannot own cases (inactive or a partner)", to.Name)
	}
	if !st.Rung.Climbed() || !st.Ladder.Below(to, st.Rung.Holder) {
		return Draft{}, Invalid("to_agent_id", "%s may take %s without the customer's agreement (the case is not below its rung with them): hand it over directly",
			to.Name, c.Ref())
	}
	msg, err := checkText("message", strings.TrimSpace(in.Message), maxAskMessage, false)
	if err != nil {
		return Draft{}, err
	}
	r := c.Reader
	w := r.words()
	var body string
	if st.WorkedOn {
		body = fmt.Sprintf(w.askBack, to.Name, r.role(to))
	} else {
		body = fmt.Sprintf(w.askOver, to.Name, r.role(to))
	}
	body += " " + fmt.Sprintf(w.askWhy, st.Rung.Holder.Name, r.role(st.Rung.Holder))
	if msg != "" {
		body += "\n\n" + fmt.Sprintf(w.askNote, by.Name, msg)
	}
	data := HandoverAskedData{To: to.ID, From: c.OwnerID, Holder: st.Rung.Holder.ID, Rung: c.Rung, EscalationSeq: st.Rung.Seq}
	return Draft{Kind: KindHandoverAsked, Actor: by, Body: body, Data: data}, nil
}

// Ways a customer answers the desk's question.
const (
	AnsweredInPortal = "portal"
	AnsweredByLink   = "link"
)

// ErrQuestionClosed refuses an answer to a question that no longer stands: answered already,
// replaced by a newer question, or asked before the case climbed again.
func ErrQuestionClosed(c *Case) *Error {
	return Conflict("handover_question_closed", fmt.Sprintf("the question on %s no longer stands: it was answered, asked again, or the case has climbed since", c.Ref()), nil)
}

// AnswerHandover is the customer's answer to the open question on their case (the one at
// askedSeq), about the colleague to: their agreement or their refusal, in their language.
func AnswerHandover(c *Case, who Actor, l LadderRecord, askedSeq int64, to Agent, agree bool, via string) (Draft, error) {
	if who.Kind != ActorCustomer || who.ID != c.CustomerID {
		return Draft{}, Forbidden("only the case's customer answers the desk's question")
	}
	if !c.Status.Active() || !l.Open() || l.Question.Seq != askedSeq || QuestionTo(l.Question) != to.ID {
		return Draft{}, ErrQuestionClosed(c)
	}
	w := c.Reader.words()
	kind, body := KindHandoverAgreed, fmt.Sprintf(w.agreed, to.Name)
	if !agree {
		kind, body = KindHandoverDeclined, fmt.Sprintf(w.declined, to.Name)
	}
	a := HandoverAnswer{AskedSeq: askedSeq, To: to.ID, Via: via}
	var data EntryData = HandoverAgreedData{a}
	if !agree {
		data = HandoverDeclinedData{a}
	}
	return Draft{Kind: kind, Actor: who, Body: body, Data: data}, nil
}

// agreementRefusal says why the entry a hand-over names is not the customer's agreement to
// this move (this case, this colleague, after the last escalation, not used before); "" when
// it is.
func agreementRefusal(c *Case, id int64, st HandoverState) string {
	e := st.Agreement
	if id == 0 {
		return "no agreement_entry_id was given"
	}
	if e == nil || e.CaseID != c.ID {
		return fmt.Sprintf("entry %d is not on %s", id, c.Ref())
	}
	if e.Kind != KindHandoverAgreed {
		return fmt.Sprintf("entry %d is a %s entry, not the customer's answer agreeing to a hand-over (%s): a message from the customer does not count",
			id, e.Kind, KindHandoverAgreed)
	}
	if e.Actor.Kind != ActorCustomer || e.Actor.ID != c.CustomerID {
		return fmt.Sprintf("entry %d was not given by the case's customer", id)
	}
	d, ok := AnswerOf(*e)
	if !ok || d.To != st.To.ID {
		return fmt.Sprintf("in entry %d the customer agreed to a hand-over to agent %d, not to %s", id, d.To, st.To.Name)
	}
	if e.Seq <= st.Rung.Seq || d.AskedSeq <= st.Rung.Seq {
		return fmt.Sprintf("the customer agreed (entry %d) before the case's last escalation (seq %d): ask again", id, st.Rung.Seq)
	}
	if st.Spent {
		return fmt.Sprintf("an earlier hand-over used the customer's agreement (entry %d): ask again", id)
	}
	return ""
}

// DownwardRefusal refuses moving c to someone below its rung without the customer's
// agreement to that move; why says what was wrong with the agreement named, if any.
func DownwardRefusal(c *Case, to Agent, rung CaseRung, why string) *Error {
	msg := fmt.Sprintf("%s has been escalated to rung %d, where %s stands; %s stands below it (%s). "+
		"Hand it to someone at that rung or above, or ask the customer and name their agreement as agreement_entry_id",
		c.Ref(), c.Rung, rung.Holder.Name, to.Name, why)
	return Conflict("downward_reassignment", msg, map[string]any{
		"rung": c.Rung, "owner_id": c.OwnerID, "to_agent_id": to.ID,
		"rung_holder": map[string]any{"id": rung.Holder.ID, "name": rung.Holder.Name, "role": string(rung.Holder.Role)},
	})
}

// HandoverLinks is what a mail asking the customer adds to the question: a link to agree
// and one to decline, and until when they work, in the customer's language and zone (else
// zone: the case's, as the mail's other times).
func HandoverLinks(r Reader, agree, decline string, until time.Time, zone *time.Location) string {
	return fmt.Sprintf(r.words().askLinks, agree, decline, r.when(until, zone, dateUntil))
}

// HandoverInPortal is what a mail asking the customer says when it carries no links (the
// desk does not know its own address): to answer in the portal.
func HandoverInPortal(r Reader) string { return r.words().askPortal }
