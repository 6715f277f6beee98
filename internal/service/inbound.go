package service

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// Inbound is a customer's message handed over by an integration (a social post, a chat, a
// phone system): who sent it, what they said, and how to find what it belongs to.
type Inbound struct {
	Channel    string
	From       desk.Contact
	Name       string // the sender's display name, for a new customer
	Subject    string
	Body       string
	CaseRef    string // the case the message names, e.g. K-1042
	ReplyTo    string // the external id of the earlier message this one answers
	ExternalID string // the integration's id: the same id twice is stored once
}

// InboundResult says where an inbound message went.
type InboundResult struct {
	CaseID    int64  `json:"case_id"`
	Ref       string `json:"ref"`
	Created   bool   `json:"created"`
	Duplicate bool   `json:"duplicate"`
}

// ReceiveInbound stores a customer's message from an integration: it joins the customer's active
// case it names or replies to, or else opens a new case; the customer is found by contact point
// or created. A case named but belonging to someone else is never joined (nor revealed).
func (s *Service) ReceiveInbound(ctx context.Context, actor desk.Actor, in Inbound) (InboundResult, error) {
	if err := gate(actor, ActInboundReceive); err != nil {
		return InboundResult{}, err
	}
	recorder := inboundRecorder(actor)
	var err error
	if in.Channel, err = desk.ParseChannel("channel", in.Channel); err != nil {
		return InboundResult{}, err
	}
	if in.From, err = desk.CanonicalContact("from."+in.From.Kind, in.From.Kind, in.From.Value); err != nil {
		return InboundResult{}, err
	}
	if strings.TrimSpace(in.Body) == "" {
		return InboundResult{}, desk.Invalid("body", "is required")
	}
	if len(in.ExternalID) > 500 {
		return InboundResult{}, desk.Invalid("external_id", "may have at most 500 characters")
	}
	var res InboundResult
	err = s.write(ctx, actor, func(w *work) error {
		tx := w.tx
		res = InboundResult{}
		if in.ExternalID != "" {
			id, err := tx.InboundKey(ctx, in.Channel, in.ExternalID)
			if err == nil {
				res = InboundResult{CaseID: id, Ref: desk.CaseRef(id), Duplicate: true}
				return nil
			} else if !store.IsNotFound(err) {
				return err
			}
		}
		cust, err := s.customerAt(w, in.From, in.Name)
		if err != nil {
			return err
		}
		c, err := inboundCase(w, in, cust.ID)
		if err != nil {
			return err
		}
		var entry desk.Entry
		if c != nil {
			from := desk.CustomerActor(cust)
			drafts, err := desk.AddMessage(c, from, desk.NewMessage{Body: in.Body, Channel: in.Channel, RecordedBy: recorder}, w.now)
			if err != nil {
				return err
			}
			if entry, err = s.appendAs(w, from, c, drafts, true); err != nil {
				return err
			}
		} else {
			nc, err := desk.ValidateNewCase(desk.NewCase{CustomerID: cust.ID, Subject: inboundSubject(in), Body: in.Body, Channel: in.Channel})
			if err != nil {
				return err
			}
			nc.Data.RecordedBy = recorder
			var entries []desk.Entry
			// The integration only carries the customer's words: it is not a participant.
			err = w.as(desk.SystemActor(), func() error {
				c, entries, err = s.openCase(w, nc, cust)
				return err
			})
			if err != nil {
				return err
			}
			entry, res.Created = entries[0], true
		}
		res.CaseID, res.Ref = c.ID, c.Ref()
		if in.ExternalID != "" {
			return tx.InsertInboundKey(ctx, in.Channel, in.ExternalID, c.ID, entry.Seq)
		}
		return nil
	})
	return res, wrap("receive inbound message", err)
}

// customerAt finds the customer reachable at a contact point, or adds them (named name) as a
// new customer: how a message from anyone becomes a customer's message.
func (s *Service) customerAt(w *work, contact desk.Contact, name string) (desk.Customer, error) {
	c, err := w.tx.CustomerAt(w.ctx, contact)
	if err == nil {
		w.keepCustomer(c)
	}
	if err == nil || !store.IsNotFound(err) {
		return c, err
	}
	return addCustomerAt(w, contact, name)
}

// addCustomerAt makes a customer, named name, reachable at a contact point no customer has.
func addCustomerAt(w *work, contact desk.Contact, name string) (desk.Customer, error) {
	nc := desk.NewCustomer{Name: name}
	switch contact.Kind {
	case desk.ContactEmail:
		nc.Email = contact.Value
	case desk.ContactPhone:
		nc.Phone = contact.Value
	default:
		nc.Handle = contact.Value
	}
	c, err := desk.ValidateCustomer(nc, w.now)
	if err != nil {
		return c, err
	}
	if err := w.tx.InsertCustomer(w.ctx, &c); err != nil {
		return c, err
	}
	w.keepCustomer(c)
	return c, nil
}

// inboundCase finds the active case of this customer that the message names or replies to (nil
// for none).
func inboundCase(w *work, in Inbound, customerID int64) (*desk.Case, error) {
	var ids []int64
	if id, ok := desk.ParseCaseRef(in.CaseRef); ok {
		ids = append(ids, id)
	}
	if in.ReplyTo != "" {
		if id, err := w.tx.InboundKey(w.ctx, in.Channel, in.ReplyTo); err == nil {
			ids = append(ids, id)
		} else if !store.IsNotFound(err) {
			return nil, err
		}
	}
	for _, id := range ids {
		c, err := w.lockCase(id)
		if store.IsNotFound(err) {
			continue
		} else if err != nil {
			return nil, err
		}
		if c, err = mergedTarget(w, c); err != nil { // a merged case's messages land where it went
			return nil, err
		}
		if c.CustomerID == customerID && c.Status.Active() {
			return c, nil
		}
	}
	return nil, nil
}

// inboundSubject is the subject given, or the start of the message's first line.
func inboundSubject(in Inbound) string {
	if s := strings.TrimSpace(in.Subject); s != "" {
		return s
	}
	line, _, _ := strings.Cut(strings.TrimSpace(in.Body), "\n")
	line = strings.TrimSpace(line)
	if utf8.RuneCountInString(line) > 80 {
		r := []rune(line)
		line = strings.TrimSpace(string(r[:80])) + "…"
	}
	return line
}

// inboundRecorder names who put a customer's words on the record through the API: the token
// and the agent it belongs to, so that no staff token passes words off as the customer's own
// without a trace.
func inboundRecorder(actor desk.Actor) string {
	switch {
	case actor.Kind != desk.ActorAgent:
		return ""
	case actor.Token != nil:
		return fmt.Sprintf("recorded via %s, for %s", actor.Token, actor.Name)
	}
	return "recorded by " + actor.Name
}
