package service

import (
	"fmt"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/store"
)

// What the desk mails its customers. Every entry a customer should read by mail is put aside
// as it is appended (queueMail), and when the command ends (before it commits) each case's
// entries become one mail (sendNotices): a broken promise's apology, the escalation and the new
// owner's introduction reach the customer as one mail, not three, in their language, with
// times in their zone. The mail is queued in the command's transaction, so it exists exactly
// when its entries do.
//
// Nothing a customer should read is dropped for being one mail too many. The only mail held by
// a count is the acknowledgement the desk sends by itself because a mail arrived (an owner's
// introduction on a new case, or word of when the team answers when its queue holds the case): at most automaticLimit an hour to an address, so that two desks,
// or a desk and an auto-responder, cannot mail each other forever (RFC 3834). Sign-in links,
// introductions made by people's actions, promises, slips, breaks, escalations and resolutions
// always go. Whatever is held (by that count, or because an unverified sender wrote on the case
// from an address the desk never mailed) is told to the case's owner in their notifications.
//
// Notices from separate commands are not merged, even a minute apart: each command is one
// decision (a person's, or a timer's) with its own entries, and the customer should have it as
// soon as it is on the record; holding every mail back a minute in case another follows would
// delay every answer, and merging mails already queued would rewrite (and re-sign) mail a
// sender may be handing to the relay. A command that makes several notices to one case merges
// them; notices on different cases of one customer stay apart, each in its case's thread.

// Entry kinds that reach the customer by mail: what the desk says to them.
var mailedKinds = map[desk.EntryKind]bool{
	desk.KindMessageOut: true, desk.KindIntroduction: true, desk.KindPromiseMade: true, desk.KindResolutionAsked: true,
	desk.KindEscalated: true, desk.KindHandoverAsked: true, desk.KindQueued: true,
}

// calendarKinds are entries that change an appointment in the customer's calendar without
// words of their own in the mail (the slip's message, the apology, carries them).
var calendarKinds = map[desk.EntryKind]bool{desk.KindPromiseSlipped: true, desk.KindPromiseBroken: true}

// automaticLimit is how many acknowledgements of their mail one address gets in an hour.
const automaticLimit = 10

// appointmentLength is how long an appointment stands in the customer's calendar: a promise
// has a due time, not an end.
const appointmentLength = 30 * time.Minute

// replyPrefix starts the subject of the desk's mails on a case, as mail clients do in every
// language (RFC 5322 section 3.6.5).
const replyPrefix = "Re: "

// caseNotices are the entries a command wrote on one case that its customer reads by mail.
type caseNotices struct {
	c       desk.Case // as the command left it
	entries []desk.Entry
}

// queueMail puts aside what the customer should read of new entries, for the mail the command
// sends as it ends (sendNotices).
func (s *Service) queueMail(w *work, c desk.Case, entries []desk.Entry) error {
	if !s.mailCfg.Outbound {
		return nil
	}
	for _, e := range entries {
		if !(mailedKinds[e.Kind] && !e.Internal) && !calendarKinds[e.Kind] {
			continue
		}
		if w.notices == nil {
			w.notices = map[int64]*caseNotices{}
		}
		n, ok := w.notices[c.ID]
		if !ok {
			n = &caseNotices{}
			w.notices[c.ID] = n
			w.noticeOrder = append(w.noticeOrder, c.ID)
		}
		n.c = c
		n.entries = append(n.entries, e)
	}
	return nil
}

// sendNotices mails each case's notices of the command, one mail a case: called as a command
// ends, in its transaction.
func (s *Service) sendNotices(w *work) error {
	for len(w.noticeOrder) > 0 {
		id := w.noticeOrder[0]
		n := w.notices[id]
		w.noticeOrder = w.noticeOrder[1:]
		delete(w.notices, id)
		if err := s.mailNotices(w, n); err != nil {
			return fmt.Errorf("mail %s: %w", desk.CaseRef(id), err)
		}
	}
	return nil
}

// isAutomatic says whether the desk wrote an entry by itself rather than a person.
func isAutomatic(e desk.Entry) bool {
	return e.Actor.Kind == desk.ActorSystem || e.Actor.Kind == desk.ActorAutomation || e.Kind == desk.KindIntroduction
}

// mailNotices composes and queues the mail of one case's notices.
func (s *Service) mailNotices(w *work, n *caseNotices) error {
	c := n.c
	if c.Status == desk.StatusQuarantined {
		return nil // it may be spam: nothing goes out until an agent lets it through
	}
	var said []desk.Entry
	automatic, ack := true, w.answering
	for _, e := range n.entries {
		if mailedKinds[e.Kind] {
			said = append(said, e)
			automatic = automatic && isAutomatic(e)
			ack = ack && (e.Kind == desk.KindIntroduction || e.Kind == desk.KindQueued)
		}
	}
	if len(said) == 0 {
		return nil
	}
	cust, err := w.customer(c.CustomerID)
	if err != nil {
		return err
	}
	to := cust.Email()
	if to == "" {
		return nil // reached by phone or a handle: the record and the portal carry it
	}
	if automatic && w.noAutoMail {
		return nil // never answer an auto-reply, bounce or list mail automatically (RFC 3834)
	}
	plain := false
	if automatic {
		ok, p, err := automaticTo(w, c, cust, to)
		if err != nil {
			return err
		}
		if !ok {
			return s.holdNotices(w, c, said, to, heldBecause{"an unverified sender wrote on the case and the desk has never mailed this address", "notif.detail.mail_held_unverified", nil})
		}
		plain = p
	}
	if ack {
		ok, err := w.mayMailAutomatically(to)
		if err != nil {
			return err
		}
		if !ok {
			return s.holdNotices(w, c, said, to, heldBecause{fmt.Sprintf("the address had %d automatic answers this hour already (a loop guard)", automaticLimit),
				"notif.detail.mail_held_loop", []desk.NoteArg{desk.NumberArg(automaticLimit)}})
		}
	}
	r := cust.Reader()
	zone, err := zoneOf(w, c)
	if err != nil {
		return err
	}
	parts := make([]string, 0, len(said))
	for _, e := range said {
		text, err := s.noticeText(w, c, noticeFor{r: r, cust: cust, zone: zone}, e)
		if err != nil {
			return err
		}
		parts = append(parts, text)
	}
	keys, err := s.keys(w)
	if err != nil {
		return err
	}
	inReplyTo, err := w.lastMailID(c.ID)
	if err != nil {
		return err
	}
	toName, subject := cust.Name, replyPrefix+fmt.Sprintf("%s [%s]", c.Subject, c.Ref())
	if plain {
		toName, subject = "", r.MailPlainSubject(c)
	}
	o := mail.Outgoing{
		From: mail.Address{Name: senderName(r, said), Email: s.mailCfg.Address}, To: mail.Address{Name: toName, Email: to},
		ReplyTo: keys.ReplyAddress(s.mailCfg.Address, c.ID), Subject: subject,
		Text:      strings.Join(parts, "\n\n") + "\n\n-- \n" + r.MailFooter(c, plain) + "\n",
		MessageID: keys.MessageID(c.ID, said[0].Seq), Automatic: automatic, Replied: ack, Date: w.now,
	}
	if inReplyTo != "" {
		o.InReplyTo, o.References = inReplyTo, []string{inReplyTo}
	}
	if o.Calendar, err = s.invitation(w, c, noticeFor{r: r, cust: cust, to: mail.Address{Name: toName, Email: to}}, n.entries); err != nil {
		return err
	}
	if o.Files, err = mailFiles(w, said); err != nil {
		return err
	}
	var also []string
	o.Cc, also = mailCopies(c, said)
	raw, err := s.compose(o)
	if err != nil {
		return fmt.Errorf("compose mail for %s seq %d: %w", c.Ref(), said[0].Seq, err)
	}
	return w.tx.QueueMail(w.ctx, store.OutMail{CaseID: c.ID, EntrySeq: said[0].Seq, From: s.mailCfg.Address, To: to, MessageID: o.MessageID,
		Raw: raw, Automatic: ack, Also: also}, w.now)
}

// noticeFor is who a case's mail is for: how they read, their address, and the zone their times
// are written in when they have none of their own.
type noticeFor struct {
	r    desk.Reader
	cust desk.Customer
	to   mail.Address
	zone *time.Location
}

// senderName is who a mail is from: the person who wrote its first words, or the desk (in the
// customer's language) when it wrote them itself; a mail that only introduces someone is from
// them.
func senderName(r desk.Reader, said []desk.Entry) string {
	for _, e := range said {
		if e.Actor.Kind == desk.ActorAgent && e.Kind != desk.KindIntroduction {
			return e.Actor.Name
		}
	}
	for _, e := range said {
		if e.Kind != desk.KindIntroduction {
			return r.MailSender()
		}
	}
	return said[0].Actor.Name
}

// noticeText is what a mail says for one entry, in the customer's language: a promise with
// its lead and due time, a slip's message with the new due time, a question or a resolution
// with the links that answer it.
func (s *Service) noticeText(w *work, c desk.Case, to noticeFor, e desk.Entry) (string, error) {
	r := to.r
	switch e.Kind {
	case desk.KindPromiseMade:
		d, _ := desk.DataOf[desk.PromiseMadeData](e)
		return r.MailPromise(e.Body, d.Kind, d.DueAt.Time(), d.Place, to.zone), nil
	case desk.KindMessageOut:
		d, _ := desk.DataOf[desk.MessageOutData](e)
		if d.PromiseID == 0 {
			return e.Body, nil
		}
		p, err := w.promise(d.PromiseID)
		if store.IsNotFound(err) {
			return e.Body, nil
		} else if err != nil {
			return "", err
		}
		return e.Body + "\n\n" + r.MailNewDue(p.DueAt, to.zone), nil
	case desk.KindResolutionAsked:
		yes, no, expires, ok, err := s.answerLinks(w, c, to.cust, e.Seq, resolutionLinks)
		if err != nil || !ok {
			return e.Body + "\n\n" + desk.ResolutionWithoutLinks(r), err
		}
		return e.Body + "\n\n" + desk.ResolutionLinks(r, yes, no, expires, to.zone), nil
	case desk.KindHandoverAsked:
		yes, no, expires, ok, err := s.answerLinks(w, c, to.cust, e.Seq, handoverLinks)
		if err != nil || !ok {
			return e.Body + "\n\n" + desk.HandoverInPortal(r), err
		}
		return e.Body + "\n\n" + desk.HandoverLinks(r, yes, no, expires, to.zone), nil
	}
	return e.Body, nil
}

// zoneOf is the zone a customer without one of their own reads a case's times in: its team's,
// else its owner's.
func zoneOf(w *work, c desk.Case) (*time.Location, error) {
	settings, err := w.settingsOf(c)
	if err != nil {
		return nil, err
	}
	if settings.Timezone != "" && settings.Loc != nil {
		return settings.Loc, nil
	}
	owner, err := w.agent(c.OwnerID)
	if store.IsNotFound(err) {
		return time.UTC, nil
	}
	return owner.Location(), err
}

// heldBecause is why automatic mail was held back: in English (the log), and as the
// notification's words (key, taking the case, the address and the entries' kinds, then args).
type heldBecause struct {
	why  string
	key  string
	args []desk.NoteArg
}

// holdNotices tells the case's owner, in their notifications, that what the desk would have
// mailed the customer by itself was not mailed, and why: held mail is never only a log line.
func (s *Service) holdNotices(w *work, c desk.Case, said []desk.Entry, to string, held heldBecause) error {
	kinds := make([]string, len(said))
	kindKeys := make([]string, len(said))
	for i, e := range said {
		kinds[i] = strings.ReplaceAll(string(e.Kind), "_", " ")
		kindKeys[i] = "case.kind." + string(e.Kind)
	}
	body := fmt.Sprintf("%s: the desk did not mail %s its automatic %s: %s. The customer can read it on the case in the portal; write to them if they need it by mail.",
		c.Ref(), to, strings.Join(kinds, ", "), held.why)
	args := append([]desk.NoteArg{desk.TextArg(c.Ref()), desk.TextArg(to), desk.WordsArg(kindKeys...)}, held.args...)
	if err := notifyOwner(w, c, desk.Notification{Kind: "mail_held"}.Note(body, held.key, args...)); err != nil {
		return err
	}
	seq := said[0].Seq
	w.afterCommit(func() {
		s.log.Warn("automatic mail held back; the owner is told", "to", to, "case", c.Ref(), "entry", seq, "why", held.why)
	})
	return nil
}

// mayMailAutomatically says whether one more acknowledgement may go to an address this hour
// (automaticLimit), and counts it if so.
func (w *work) mayMailAutomatically(to string) (bool, error) {
	key := strings.ToLower(to)
	n, ok := w.automatic[key]
	if !ok {
		var err error
		if n, err = w.tx.CountRecentAutomatic(w.ctx, to, w.now.Add(-time.Hour)); err != nil {
			return false, err
		}
		if w.automatic == nil {
			w.automatic = map[string]int{}
		}
	}
	if n >= automaticLimit {
		w.automatic[key] = n
		return false, nil
	}
	w.automatic[key] = n + 1
	return true, nil
}

// mailsCustomer says whether the command's mail on c will reach its customer: outbound mail is
// on, the case is not held as spam and the customer has an address.
func (s *Service) mailsCustomer(w *work, c desk.Case) (bool, error) {
	if !s.mailCfg.Outbound || c.Status == desk.StatusQuarantined {
		return false, nil
	}
	cust, err := w.customer(c.CustomerID)
	return err == nil && cust.Email() != "", err
}
