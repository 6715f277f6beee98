package service

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// The customer's agreement to a downward hand-over (desk/agreement.go has the rules): an agent
// asks, the desk puts the question on the record and mails it with two one-time links (agree,
// decline), and the customer answers by a link or in the portal. A hand-over below the case's
// rung names the answer as its agreement.

// HandoverLinkLength is how long the links in a mail asking the customer work. Each works once
// (answering by either, or in the portal, uses both); the portal takes an answer as long as the
// question stands.
const HandoverLinkLength = 7 * 24 * time.Hour

// SetLinkBase sets where the desk is reached from outside (https://desk.example), for links
// in mails that commands write (the web pages set it; empty: mails say to answer in the portal).
func (s *Service) SetLinkBase(base string) {
	base = strings.TrimRight(base, "/")
	s.linkBase.Store(&base)
}

func (s *Service) baseURL() string {
	if b := s.linkBase.Load(); b != nil {
		return *b
	}
	return ""
}

// HandoverQuestion is the desk's question to a customer whether a colleague below the case's
// rung may take it, and where it stands.
type HandoverQuestion struct {
	CaseID   int64     `json:"case_id"`
	Ref      string    `json:"ref"`
	Subject  string    `json:"subject"`
	Seq      int64     `json:"seq"`      // the question's place on the record
	EntryID  int64     `json:"entry_id"` // the question's entry
	AskedAt  time.Time `json:"asked_at"`
	AskedBy  string    `json:"asked_by"`
	To       Person    `json:"to"`
	Question string    `json:"question"` // as the customer reads it
	// Answer is "" while the customer has not answered, else "agreed" or "declined";
	// AnswerEntryID is the answer's entry: an agreement is what a hand-over names.
	Answer        string `json:"answer"`
	AnswerEntryID int64  `json:"answer_entry_id,omitempty"`
	// Open says the customer may still answer (unanswered, and the case is active).
	Open bool `json:"open"`
	// Used says a hand-over has used the agreement already.
	Used bool `json:"used"`
	// Mailed says the question went to the customer by mail, with links that work until
	// LinksExpireAt (the command's answer only).
	Mailed        bool       `json:"mailed"`
	LinksExpireAt *time.Time `json:"links_expire_at,omitempty"`
	// Lang is the customer's language, for a page answering a link.
	Lang string `json:"-"`
}

// AskHandoverAgreement asks the customer whether a colleague below the case's rung may take
// it: the question goes on the record (handover_asked, in the customer's language) and, when
// the customer has an address and mail goes out, by mail with one-time links to agree and to
// decline. A newer question replaces an older one.
func (s *Service) AskHandoverAgreement(ctx context.Context, actor desk.Actor, caseID int64, in desk.HandoverAsk) (HandoverQuestion, error) {
	var q HandoverQuestion
	var asked []desk.Entry
	err := s.onCase(ctx, actor, caseID, ActCaseAsk, func(w *work, c *desk.Case) error {
		if c.OwnerID == 0 {
			return desk.Conflict("case_queued", fmt.Sprintf("%s waits in its team's queue: there is no rung to hand it down from; give it to someone", c.Ref()), nil)
		}
		if err := w.readByCustomer(c); err != nil {
			return err
		}
		to, err := w.agent(in.ToAgentID)
		if store.IsNotFound(err) && in.ToAgentID == 0 {
			return desk.Invalid("to_agent_id", "is required")
		} else if store.IsNotFound(err) {
			return desk.Invalid("to_agent_id", "no agent %d", in.ToAgentID)
		} else if err != nil {
			return err
		}
		owner, err := w.agent(c.OwnerID)
		if err != nil {
			return err
		}
		st := desk.AskState{To: to}
		if c.Rung > 0 {
			if _, st.Rung, err = s.caseRung(w, c, owner); err != nil {
				return err
			}
			agents, err := w.tx.Agents(w.ctx)
			if err != nil {
				return err
			}
			st.Ladder = desk.NewLadder(agents)
		}
		parts, err := w.tx.Participants(w.ctx, c.ID)
		if err != nil {
			return err
		}
		st.WorkedOn = slices.ContainsFunc(parts, func(p desk.Participant) bool { return p.Kind == desk.ActorAgent && p.PersonID == to.ID })
		d, err := desk.AskHandover(c, w.actor, in, st)
		if err != nil {
			return err
		}
		drafts, err := s.participate(w, c)
		if err != nil {
			return err
		}
		if asked, err = s.appendRecord(w, c, append(drafts, d)); err != nil {
			return err
		}
		e := asked[len(asked)-1]
		q = HandoverQuestion{CaseID: c.ID, Ref: c.Ref(), Subject: c.Subject, Seq: e.Seq, AskedAt: e.At, AskedBy: e.Actor.Name,
			To: person(to), Question: e.Body, Open: true}
		// The question goes out as the command ends, with its links (notices.go).
		if q.Mailed, err = s.mailsCustomer(w, *c); err != nil {
			return err
		}
		if q.Mailed {
			expires := w.now.Add(HandoverLinkLength)
			q.LinksExpireAt = &expires
		}
		w.afterCommit(func() {
			s.log.Info("customer asked to agree to a downward hand-over", "case", c.Ref(), "to", to.ID, "by", actor.ID, "mailed", q.Mailed)
		})
		return nil
	})
	if err != nil {
		return HandoverQuestion{}, wrap("ask for agreement", err)
	}
	q.EntryID = asked[len(asked)-1].ID // set when the entry was written
	return q, nil
}

// HandoverQuestionOf is the last question asked on a case since it last climbed, and its
// answer (nil when there is none): for the case page and the portal.
func (s *Service) HandoverQuestionOf(ctx context.Context, actor desk.Actor, caseID int64) (*HandoverQuestion, error) {
	out, err := readCase(s, ctx, actor, caseID, lastQuestion)
	return out, wrap("load the question to the customer", err)
}

// ladder reads what a case's record says about its place on the ladder, from only the entries
// that say it (desk.LadderKinds).
func (w *work) ladder(caseID int64) (desk.LadderRecord, error) {
	entries, err := w.tx.EntriesOfKinds(w.ctx, caseID, desk.LadderKinds)
	if err != nil {
		return desk.LadderRecord{}, fmt.Errorf("read the ladder of case %d: %w", caseID, err)
	}
	return desk.ReadLadder(entries), nil
}

// lastQuestion is the last question put to c's customer about a move down the ladder, as the
// desk shows it; nil when none was asked.
func lastQuestion(w *work, c *desk.Case) (*HandoverQuestion, error) {
	rec, err := w.ladder(c.ID)
	if err != nil {
		return nil, err
	}
	if rec.Question == nil {
		return nil, nil
	}
	q, err := questionView(w, c, rec)
	return &q, err
}

// questionView is the record's last question and its answer as the desk shows them.
func questionView(w *work, c *desk.Case, rec desk.LadderRecord) (HandoverQuestion, error) {
	e := rec.Question
	q := HandoverQuestion{CaseID: c.ID, Ref: c.Ref(), Subject: c.Subject, Seq: e.Seq, EntryID: e.ID, AskedAt: e.At, AskedBy: e.Actor.Name,
		Question: e.Body, Open: rec.Open() && c.Status.Active()}
	to, err := w.agent(desk.QuestionTo(e))
	if err != nil && !store.IsNotFound(err) {
		return q, err
	}
	q.To = person(to)
	if a := rec.Answer; a != nil {
		q.Answer, q.AnswerEntryID = "declined", a.ID
		if a.Kind == desk.KindHandoverAgreed {
			q.Answer, q.Used = "agreed", rec.Spent(a.ID)
		}
	}
	return q, nil
}

// AnswerHandover records the customer's answer to the question on their case (the one at
// askedSeq) from the portal: agreed or declined.
func (s *Service) AnswerHandover(ctx context.Context, actor desk.Actor, caseID, askedSeq int64, agree bool) (HandoverQuestion, error) {
	if err := gate(actor, ActPortal); err != nil {
		return HandoverQuestion{}, err // only the case's customer answers the desk's question
	}
	var q HandoverQuestion
	err := s.write(ctx, actor, func(w *work) error {
		c, err := w.loadCase(caseID)
		if err != nil {
			return err
		}
		q, err = s.answer(w, c, answer{who: actor, askedSeq: askedSeq, agree: agree, via: desk.AnsweredInPortal})
		return err
	})
	return q, wrap("answer the question", err)
}

// answer is a customer's answer to the question at askedSeq, by one of their ways.
type answer struct {
	who      desk.Actor
	askedSeq int64
	agree    bool
	via      string
}

// answer records a customer's answer on the case, uses up the question's links and tells the
// agent who asked, and the owner, what the customer said.
func (s *Service) answer(w *work, c *desk.Case, a answer) (HandoverQuestion, error) {
	if err := w.readByCustomer(c); err != nil {
		return HandoverQuestion{}, err
	}
	rec, err := w.ladder(c.ID)
	if err != nil {
		return HandoverQuestion{}, err
	}
	to, err := w.agent(desk.QuestionTo(rec.Question))
	if err != nil && !store.IsNotFound(err) {
		return HandoverQuestion{}, err
	}
	d, err := desk.AnswerHandover(c, a.who, rec, a.askedSeq, to, a.agree, a.via)
	if err != nil {
		return HandoverQuestion{}, err
	}
	asker := rec.Question.Actor
	written, err := s.appendRecord(w, c, []desk.Draft{d})
	if err != nil {
		return HandoverQuestion{}, err
	}
	if _, err := w.tx.UseHandoverLinks(w.ctx, c.ID, a.askedSeq, w.now); err != nil {
		return HandoverQuestion{}, err
	}
	if err := w.tx.Flush(w.ctx); err != nil { // the answer's id, which the hand-over names
		return HandoverQuestion{}, err
	}
	e := written[0]
	rec.Answer = &e
	note := desk.Notification{Kind: string(e.Kind), CaseID: c.ID, CreatedAt: w.now}
	args := []desk.NoteArg{desk.TextArg(a.who.Name), desk.TextArg(to.Name), desk.TextArg(c.Ref()), desk.NumberArg(e.ID)}
	if a.agree {
		note = note.Note(fmt.Sprintf("%s agreed that %s takes %s: hand it over naming agreement entry %d", a.who.Name, to.Name, c.Ref(), e.ID),
			"notif.detail.handover_agreed", args...)
	} else {
		note = note.Note(fmt.Sprintf("%s declined: %s stays off %s (answer: record entry %d)", a.who.Name, to.Name, c.Ref(), e.ID),
			"notif.detail.handover_declined", args...)
	}
	tell := []int64{c.OwnerID}
	if asker.Kind == desk.ActorAgent && asker.ID != c.OwnerID {
		tell = append(tell, asker.ID)
	}
	for _, id := range tell {
		note.AgentID = id
		if err := w.tx.Notify(w.ctx, note); err != nil {
			return HandoverQuestion{}, err
		}
	}
	w.afterCommit(func() {
		s.log.Info("customer answered the question on a downward hand-over", "case", c.Ref(), "answer", e.Kind, "via", a.via, "entry", e.ID)
	})
	return questionView(w, c, rec)
}

// CheckHandoverLink shows the question a mailed link answers, without using the link: a mail
// scanner opening it leaves it working. The refusal says why a link no longer works; with it,
// the answer carries the customer's language when the link is theirs (used or expired).
func (s *Service) CheckHandoverLink(ctx context.Context, token string) (HandoverQuestion, error) {
	var q HandoverQuestion
	err := s.read(ctx, desk.SystemActor(), func(w *work) error {
		l, c, lang, err := s.linkedCase(w, token, handoverLinks)
		if q.Lang = lang; err != nil {
			return err
		}
		if q, err = s.linkQuestion(w, c, l); err != nil {
			return err
		}
		if !q.Open {
			return desk.ErrQuestionClosed(c)
		}
		return nil
	})
	return q, wrap("check hand-over link", err)
}

// linkQuestion is the question a link answers, in its customer's language.
func (s *Service) linkQuestion(w *work, c *desk.Case, l store.HandoverLink) (HandoverQuestion, error) {
	cust, err := w.customer(c.CustomerID)
	if err != nil {
		return HandoverQuestion{}, err
	}
	rec, err := w.ladder(c.ID)
	if err != nil {
		return HandoverQuestion{}, err
	}
	if rec.Question == nil || rec.Question.Seq != l.AskedSeq {
		// Replaced by a newer question, or the case climbed since.
		return HandoverQuestion{CaseID: c.ID, Ref: c.Ref(), Subject: c.Subject, Seq: l.AskedSeq, Lang: cust.Lang}, nil
	}
	q, err := questionView(w, c, rec)
	q.Lang = cust.Lang
	return q, err
}

// AnswerHandoverLink records the customer's answer given by a mailed one-time link, and uses
// the question's links up: of two answers racing each other only one is recorded. A refusal
// comes with the customer's language when the link is theirs.
func (s *Service) AnswerHandoverLink(ctx context.Context, token string, agree bool) (HandoverQuestion, error) {
	var q HandoverQuestion
	err := s.write(ctx, desk.SystemActor(), func(w *work) error {
		l, c, lang, err := s.linkToUse(w, token, handoverLinks)
		if q.Lang = lang; err != nil {
			return err
		}
		cust, err := w.customer(l.CustomerID)
		if err != nil {
			return err
		}
		a, err := s.answer(w, c, answer{who: desk.CustomerActor(cust), askedSeq: l.AskedSeq, agree: agree, via: desk.AnsweredByLink})
		if err != nil {
			return err
		}
		q, q.Lang = a, cust.Lang
		return nil
	})
	return q, wrap("answer by link", err)
}

// caseRung reads where an escalated case stands (see desk.CaseRung): who its last escalation
// gave it to, or its owner when the record does not say.
func (s *Service) caseRung(w *work, c *desk.Case, owner desk.Agent) (desk.LadderRecord, desk.CaseRung, error) {
	rec, err := w.ladder(c.ID)
	if err != nil {
		return rec, desk.CaseRung{}, err
	}
	holder := owner
	if id := rec.EscalatedTo(); id != 0 && id != owner.ID {
		a, err := w.agent(id)
		if err == nil {
			holder = a
		} else if !store.IsNotFound(err) {
			return rec, desk.CaseRung{}, err
		}
	}
	return rec, desk.CaseRung{Holder: holder, Seq: rec.EscalationSeq()}, nil
}

// maxAllowed bounds the colleagues a downward_reassignment refusal lists.
const maxAllowed = 100

// withAllowed adds to a downward_reassignment refusal who could take the case instead (the
// active colleagues at the case's rung or above who are not away, nearest the rung first and
// the case's team before others) and how to ask the customer to agree to the move refused.
func (s *Service) withAllowed(w *work, c *desk.Case, e *desk.Error, st desk.HandoverState, agents []desk.Agent) error {
	away, err := w.tx.AwayAt(w.ctx, w.now)
	if err != nil {
		return err
	}
	var ok []desk.Agent
	for _, a := range agents {
		if a.Active && a.Role != desk.RolePartner && a.ID != c.OwnerID && !away[a.ID] && !st.Ladder.Below(a, st.Rung.Holder) {
			ok = append(ok, a)
		}
	}
	slices.SortFunc(ok, func(a, b desk.Agent) int {
		return cmp.Or(cmp.Compare(desk.Rank(a.Role), desk.Rank(b.Role)), boolOrder(a.TeamID != c.TeamID, b.TeamID != c.TeamID),
			cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	allowed := make([]map[string]any, 0, len(ok))
	for _, a := range ok[:min(len(ok), maxAllowed)] {
		allowed = append(allowed, map[string]any{"id": a.ID, "name": a.Name, "role": string(a.Role), "team": a.Team})
	}
	if e.Details == nil {
		e.Details = map[string]any{}
	}
	e.Details["allowed"] = allowed
	e.Details["ask_customer"] = map[string]any{"method": "POST", "path": fmt.Sprintf("/api/v1/cases/%d/agreement-requests", c.ID),
		"body": map[string]any{"to_agent_id": st.To.ID}}
	e.Message += fmt.Sprintf(". %d colleagues at the rung or above are present (allowed); to ask the customer, POST /api/v1/cases/%d/agreement-requests with to_agent_id",
		len(allowed), c.ID)
	return e
}

func boolOrder(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

func person(a desk.Agent) Person {
	return Person{ID: a.ID, Name: a.Name, Role: string(a.Role), Team: a.Team}
}
