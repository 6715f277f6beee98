package service

import (
	"context"
	"fmt"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/store"
)

// The customer's answer to a proposed resolution (PRODUCT.md story 8), by every way they have:
// the portal (Confirm), a one-click link in the resolution's mail (a page with one button:
// AnswerResolutionLink), or a reply to that mail that clearly says yes or no (answerByReply).
// Each answer is the customer's own entry on the record, saying how it came. A reply that is
// not a clear yes or no goes to the case's owner to read; it never starts the response clock
// or counts as a contact that escalates, since the customer is not waiting on the desk for it.

// ResolutionLinkLength is how long the links in a resolution's mail work (each once; answering
// any way uses both). The case waits for the answer only as long as its team's wait, so a link
// also stops when the case closes unconfirmed.
const ResolutionLinkLength = 14 * 24 * time.Hour

// ResolutionQuestion is a proposed resolution as a link's page shows it.
type ResolutionQuestion struct {
	CaseID     int64  `json:"case_id"`
	Ref        string `json:"ref"`
	Subject    string `json:"subject"`
	Seq        int64  `json:"seq"`        // the resolution's place on the record
	Resolution string `json:"resolution"` // the resolution as proposed
	// Open says the customer may still answer it; Answer is "confirmed" or "rejected" once
	// they have (by the link: the command's answer only).
	Open   bool   `json:"open"`
	Answer string `json:"answer,omitempty"`
	// Lang is the customer's language, for the page.
	Lang string `json:"-"`
}

// errResolutionClosed refuses a link whose resolution no longer waits for an answer.
func errResolutionClosed(c *desk.Case) *desk.Error {
	return desk.Conflict("resolution_closed", fmt.Sprintf("the resolution on %s no longer waits for an answer: it was answered, or another was proposed", c.Ref()), nil)
}

// resolutionAt is the resolution a link answers (the entry at seq), and whether it still
// waits for the customer: the case awaits confirmation and no later resolution was proposed.
func resolutionAt(w *work, c *desk.Case, seq int64) (ResolutionQuestion, error) {
	q := ResolutionQuestion{CaseID: c.ID, Ref: c.Ref(), Subject: c.Subject, Seq: seq}
	asked, err := w.tx.EntriesOfKinds(w.ctx, c.ID, []desk.EntryKind{desk.KindResolutionAsked})
	if err != nil {
		return q, err
	}
	for _, e := range asked {
		if e.Seq == seq {
			d, _ := desk.DataOf[desk.ResolutionAskedData](e)
			q.Resolution = d.Summary
		}
	}
	q.Open = c.Status == desk.StatusAwaitingConfirmation && len(asked) > 0 && asked[len(asked)-1].Seq == seq
	return q, nil
}

// CheckResolutionLink shows the resolution a mailed link answers, without using the link: a
// mail scanner opening it leaves it working. A refusal carries the customer's language when the
// link is theirs.
func (s *Service) CheckResolutionLink(ctx context.Context, token string) (ResolutionQuestion, error) {
	var q ResolutionQuestion
	err := s.read(ctx, desk.SystemActor(), func(w *work) error {
		l, c, lang, err := s.linkedCase(w, token, resolutionLinks)
		if q.Lang = lang; err != nil {
			return err
		}
		q, err = openResolution(w, c, l.AskedSeq, lang)
		return err
	})
	return q, wrap("check resolution link", err)
}

// openResolution is the resolution a link answers, refused when it no longer waits for one.
func openResolution(w *work, c *desk.Case, seq int64, lang string) (ResolutionQuestion, error) {
	q, err := resolutionAt(w, c, seq)
	if q.Lang = lang; err == nil && !q.Open {
		err = errResolutionClosed(c)
	}
	return q, err
}

// AnswerResolutionLink records the customer's answer given by a mailed link: the resolution is
// confirmed (yes) or rejected (no), as the customer's, via the link; the links are used up.
func (s *Service) AnswerResolutionLink(ctx context.Context, token string, yes bool) (ResolutionQuestion, error) {
	var q ResolutionQuestion
	err := s.write(ctx, desk.SystemActor(), func(w *work) error {
		l, c, lang, err := s.linkToUse(w, token, resolutionLinks)
		if q.Lang = lang; err != nil {
			return err
		}
		if q, err = openResolution(w, c, l.AskedSeq, lang); err != nil {
			return err
		}
		cust, err := w.customer(l.CustomerID)
		if err != nil {
			return err
		}
		if err := s.confirmResolution(w, c, cust, desk.Confirmation{Confirmed: yes, Via: desk.AnsweredByLink}); err != nil {
			return err
		}
		if _, err := w.tx.UseHandoverLinks(w.ctx, c.ID, l.AskedSeq, w.now); err != nil {
			return err
		}
		q.Open, q.Answer = false, "rejected"
		if yes {
			q.Answer = "confirmed"
		}
		ref := c.Ref()
		w.afterCommit(func() { s.log.Info("customer answered a resolution by link", "case", ref, "answer", q.Answer) })
		return nil
	})
	return q, wrap("answer resolution by link", err)
}

// confirmResolution records the customer's answer to the resolution their case waits on, by
// whichever way it came: confirmed closes the case, rejected reopens it, is counted against the
// resolution's author and starts the response clock (the customer waits for the desk again).
func (s *Service) confirmResolution(w *work, c *desk.Case, cust desk.Customer, in desk.Confirmation) error {
	resolver := c.ResolvedBy
	c.Reader = cust.Reader()
	drafts, err := desk.Confirm(c, desk.CustomerActor(cust), in, w.now)
	if err != nil {
		return err
	}
	outcome := "confirmed"
	if !in.Confirmed {
		outcome = "rejected"
	}
	if err := w.tx.RecordOutcome(w.ctx, c.ID, resolver, outcome, w.now); err != nil {
		return err
	}
	if err := w.tx.CancelTimers(w.ctx, store.TimerRef{Kind: timerResolutionWait, RefID: c.ID}); err != nil {
		return err
	}
	if _, err := s.appendRecord(w, c, drafts); err != nil {
		return err
	}
	if in.Confirmed {
		return nil
	}
	return s.startResponseClock(w, *c)
}

// answerByReply files a customer's mail on a case that waits for them to confirm its
// resolution: on the record as their message (no contact that escalates, no response clock),
// and read as their answer. A clear yes or no answers as the customer's, via the reply, with
// their words; anything else is the owner's to read. Only a mail the desk can tell is from the
// customer's address answers for them.
func (s *Service) answerByReply(w *work, c *desk.Case, cust desk.Customer, in *inMail, data desk.MessageInData) (desk.Entry, error) {
	from := desk.CustomerActor(cust)
	drafts, err := desk.AddMessage(c, from, desk.NewMessage{Body: in.body, Channel: "email", Checked: in.checked}, w.now)
	if err != nil {
		return desk.Entry{}, err
	}
	drafts[0].Data = data
	if len(in.msg.Problems) > 0 {
		c.AddFlag("malformed_mail") // saved with the append below
	}
	entry, err := s.appendAs(w, from, c, drafts, false)
	if err != nil {
		return desk.Entry{}, err
	}
	own, _ := fitText(mail.ReplyText(in.msg.Text), maxRecordText)
	answer := desk.ReadReply(own)
	if in.auth.Unverified {
		answer = desk.ReplyUnclear
	}
	if answer != desk.ReplyUnclear {
		yes := answer == desk.ReplyYes
		err := s.confirmResolution(w, c, cust, desk.Confirmation{Confirmed: yes, Words: own, Via: desk.AnsweredByReply, MailID: data.MailID})
		return entry, err
	}
	tell := []int64{c.OwnerID}
	if c.ResolvedBy != 0 && c.ResolvedBy != c.OwnerID {
		tell = append(tell, c.ResolvedBy)
	}
	said := firstLine(own)
	if said == "" {
		said = firstLine(in.body)
	}
	body := fmt.Sprintf("%s: the customer answered your resolution: confirm or reopen. They wrote: %q "+
		"(they confirm by the mail's links or in the portal; if it did not hold, reopen the case)", c.Ref(), said)
	for _, id := range tell {
		n := desk.Notification{AgentID: id, CaseID: c.ID, Kind: "resolution_answered", CreatedAt: w.now}
		if err := w.tx.Notify(w.ctx, n.Note(body, "notif.detail.resolution_answered", desk.TextArg(c.Ref()), desk.TextArg(said))); err != nil {
			return desk.Entry{}, err
		}
	}
	return entry, nil
}

// Reopen takes a proposed resolution back at the desk's hand (the owner, told the customer
// answered it unclearly, reads the answer as "not solved"): the case is open again, counted as
// a resolution withdrawn, and the customer's response clock runs.
func (s *Service) Reopen(ctx context.Context, actor desk.Actor, caseID int64, why string) (CaseView, error) {
	err := s.onCase(ctx, actor, caseID, ActCaseReopen, func(w *work, c *desk.Case) error {
		resolver := c.ResolvedBy
		drafts, err := desk.Reopen(c, w.actor, why)
		if err != nil {
			return err
		}
		intro, err := s.participate(w, c)
		if err != nil {
			return err
		}
		if err := w.tx.RecordOutcome(w.ctx, c.ID, resolver, "withdrawn", w.now); err != nil {
			return err
		}
		if err := w.tx.CancelTimers(w.ctx, store.TimerRef{Kind: timerResolutionWait, RefID: c.ID}); err != nil {
			return err
		}
		if _, err := s.appendRecord(w, c, append(intro, drafts...)); err != nil {
			return err
		}
		return s.startResponseClock(w, *c)
	})
	return s.caseAfter(ctx, actor, caseID, "reopen", err)
}

// RateByLink records the customer's rating asked on the page the resolution mail's link
// opened, once they confirmed by it: the link, used by that answer, still says whose case it
// is, while it has not expired and the resolution it answered is the case's last, confirmed.
// The rating is the portal's one command (rate), as the customer's, via the link.
func (s *Service) RateByLink(ctx context.Context, token string, score int, comment string) (ResolutionQuestion, desk.Rating, error) {
	var q ResolutionQuestion
	var out desk.Rating
	err := s.write(ctx, desk.SystemActor(), func(w *work) error {
		l, err := s.answerLink(w, token, resolutionLinks)
		switch {
		case err == resolutionLinks.used: // answered: now it may rate
		case err == nil:
			err = desk.Conflict("not_confirmed", "the resolution is not confirmed yet: confirm it first, then rate", nil)
			fallthrough
		default:
			// A genuine link's refusal is in its customer's language (an unknown one has none).
			q.Lang = linkLang(w, l, resolutionLinks.used, resolutionLinks)
			return err
		}
		cust, err := w.customer(l.CustomerID)
		if err != nil {
			return err
		}
		q.Lang = cust.Lang
		if !l.ExpiresAt.After(w.now) {
			return resolutionLinks.expired
		}
		c, err := w.loadCase(l.CaseID)
		if err != nil {
			return err
		}
		asked, err := w.tx.EntriesOfKinds(w.ctx, c.ID, []desk.EntryKind{desk.KindResolutionAsked})
		if err != nil {
			return err
		}
		if c.Status != desk.StatusClosed || len(asked) == 0 || asked[len(asked)-1].Seq != l.AskedSeq {
			return desk.Conflict("rating_not_this", fmt.Sprintf("the resolution this link answered is no longer the last of %s: rate in the portal", c.Ref()), nil)
		}
		if q, err = resolutionAt(w, c, l.AskedSeq); err != nil {
			return err
		}
		q.Lang, q.Answer = cust.Lang, "confirmed"
		// Checked here, so that a mark missing is said in the customer's words, on their case.
		in, err := checkRating(score, comment, desk.AnsweredByLink)
		if err != nil {
			return err
		}
		out, err = s.rate(w, c, desk.CustomerActor(cust), in)
		return err
	})
	return q, out, wrap("rate by link", err)
}
