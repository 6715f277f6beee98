package service

import (
	"fmt"
	"slices"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/store"
)

// What follows from who sent a mail (mail.Authenticator's verdict, and whether the sender is
// the desk itself). Anyone can put any address in From:, so the desk believes it only as far
// as the checks allow:
//
//   - a mail that joins a case by anything weaker than the desk's signed reply address or
//     Message-ID (a reference, an Outlook conversation, a case ref in the subject) and is from
//     an unverified sender is kept on the case, flagged unverified_sender, as an entry the
//     customer does not see: it is not their words, and it is no contact for escalation;
//   - the desk mails nothing automatically on such a case to an address it has never written
//     to, and what it does mail there automatically repeats neither the case's subject nor the
//     customer's name, which may be the sender's words (queueMail);
//   - mail from the desk's own addresses or an active agent's never becomes a customer: it is
//     kept, filed nowhere, and the admins are told (keepUnfiled).

// authenticator is the configured check, or one without DNS.
func (s *Service) authenticator() *mail.Authenticator {
	if s.mailCfg.Auth != nil {
		return s.mailCfg.Auth
	}
	return &mail.Authenticator{}
}

// unfiledFrom is whose address a mail the desk keeps on no case came from.
type unfiledFrom struct {
	who   string // in English
	agent string // the agent's name, "" for the desk's own address
}

// mailSender is the customer a mail is from, made when new; or, for mail from the desk's own
// address or an active agent's, no customer and what that address is.
func (s *Service) mailSender(w *work, contact desk.Contact, name string) (desk.Customer, *unfiledFrom, error) {
	if contact.Kind == desk.ContactEmail && s.isDeskAddress(contact.Value) {
		return desk.Customer{}, &unfiledFrom{who: "the desk's own address"}, nil
	}
	c, known := w.senders[contact]
	if !known {
		var err error
		if c, err = w.tx.CustomerAt(w.ctx, contact); store.IsNotFound(err) {
			c = desk.Customer{}
		} else if err != nil {
			return c, nil, err
		}
	}
	if c.ID != 0 {
		w.keepCustomer(c)
		return c, nil, nil
	}
	// A new sender: first make sure it is not one of the desk's people (looked up only here,
	// so known customers cost nothing more).
	if contact.Kind == desk.ContactEmail {
		a, err := w.tx.AgentByEmail(w.ctx, contact.Value)
		if err == nil && a.Active {
			return desk.Customer{}, &unfiledFrom{who: fmt.Sprintf("the address of %s (%s)", a.Name, a.Role), agent: a.Name}, nil
		} else if err != nil && !store.IsNotFound(err) {
			return desk.Customer{}, nil, err
		}
	}
	c, err := addCustomerAt(w, contact, name)
	if err != nil {
		return c, nil, err
	}
	if w.senders != nil {
		w.senders[contact] = c // the group's next mail from them finds them
	}
	return c, nil, nil
}

// keepUnfiled keeps a mail from the desk itself on no case (it is stored already) and tells
// every active admin, in their notifications, where to find it: a loop, an agent's forward or
// a forgery, for a person to look at rather than a case a customer could read.
func (s *Service) keepUnfiled(w *work, in *inMail, mailID int64, from unfiledFrom) error {
	agents, err := w.tx.Agents(w.ctx)
	if err != nil {
		return err
	}
	subject := firstLine(in.subject)
	if subject == "" {
		subject = "(no subject)"
	}
	n := desk.Notification{Kind: "mail_unfiled"}.Note(
		fmt.Sprintf("Mail %d from %s, %s, was kept but not filed (it would have made the desk a customer of itself): %q. Read it at /api/v1/mails/%d.",
			mailID, in.from, from.who, subject, mailID),
		"notif.detail.mail_unfiled_desk", desk.NumberArg(mailID), desk.TextArg(in.from), desk.TextArg(subject))
	if from.agent != "" {
		n.Key, n.Args = "notif.detail.mail_unfiled_agent", append(n.Args, desk.TextArg(from.agent))
	}
	told := 0
	for _, a := range agents {
		if a.Active && a.Role == desk.RoleAdmin {
			told++
			n.AgentID, n.CreatedAt = a.ID, w.now
			if err := w.tx.Notify(w.ctx, n); err != nil {
				return err
			}
		}
	}
	w.afterCommit(func() {
		s.log.Warn("mail from the desk's own address kept but not filed", "mail", mailID, "from", in.from, "is", from.who,
			"message_id", in.msg.MessageID, "admins_told", told)
	})
	return nil
}

// keepUnverified puts a mail that joined a case by something anyone could copy (a reference,
// a case ref in the subject), from a sender who failed the checks, on the case: flagged, for
// the desk's eyes only, and counting for nothing.
func (s *Service) keepUnverified(w *work, c *desk.Case, cust desk.Customer, in *inMail, data desk.MessageInData) (desk.Entry, error) {
	data.UnverifiedSender = true
	c.AddFlag(desk.FlagUnverifiedSender)
	if len(in.msg.Problems) > 0 {
		c.AddFlag("malformed_mail")
	}
	d := desk.Draft{Kind: desk.KindMessageIn, Actor: desk.CustomerActor(cust), Channel: "email", Body: in.body, Internal: true, Data: data}
	entries, err := s.appendRecord(w, c, []desk.Draft{d})
	if err != nil {
		return desk.Entry{}, err
	}
	return entries[0], nil
}

// automaticTo decides an automatic mail on a case an unverified sender wrote on: whether it may
// go to the address at all (only where the desk has written before), and, if so, how plainly.
// Other cases are mailed as ever.
func automaticTo(w *work, c desk.Case, cust desk.Customer, to string) (ok, plain bool, err error) {
	if !slices.Contains(c.Flags, desk.FlagUnverifiedSender) {
		return true, false, nil
	}
	mailed, err := w.tx.MailedCustomer(w.ctx, cust.ID, to)
	return mailed, true, err
}
