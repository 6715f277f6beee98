package service

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// The portal's new-request form (story 21): the customer chooses what the matter is (a case
// type), is asked up front for the references that type needs, is told which channel serves it
// best (administered per type), and for a call may book a call-back at a time someone of the
// type's team is free: a promise, made as any other (promiseOn).

// RequestType is a case type as the new-request form offers it.
type RequestType struct {
	ID                 int64    `json:"id"`
	Name               string   `json:"name"`
	Channel            string   `json:"channel"` // write or call
	RequiredReferences []string `json:"required_references"`
}

// RequestSlot is a free time for a call-back: when, and who of the team will call.
type RequestSlot struct {
	At      time.Time `json:"at"`
	AgentID int64     `json:"agent_id"`
}

// RequestForm is what the form shows: the types, and for the chosen one its channel and (a
// call) the free call-back times.
type RequestForm struct {
	Types  []RequestType
	Chosen *RequestType
	Slots  []RequestSlot
}

// callbackSlots is how many call-back times the form offers.
const callbackSlots = 6

// SetCaseTypeChannel says which channel serves a case type best (write or call).
func (s *Service) SetCaseTypeChannel(ctx context.Context, actor desk.Actor, caseType, channel string) (RequestType, error) {
	if err := gate(actor, ActCaseTypeCreate); err != nil {
		return RequestType{}, err
	}
	if channel != desk.ChannelWrite && channel != desk.ChannelCall {
		return RequestType{}, desk.Invalid("channel", "write or call")
	}
	var out RequestType
	err := s.write(ctx, actor, func(w *work) error {
		ct, err := findCaseType(w, "type", caseType)
		if err != nil {
			return err
		}
		if err := w.tx.SetCaseTypeChannel(ctx, ct.ID, channel, w.now); err != nil {
			return err
		}
		out = RequestType{ID: ct.ID, Name: ct.Name, Channel: channel, RequiredReferences: ct.RequiredReferences}
		return nil
	})
	return out, wrap("set case type channel", err)
}

// NewRequestForm reads the new-request form for a customer, with the type chosen (by id; 0
// for none yet).
func (s *Service) NewRequestForm(ctx context.Context, actor desk.Actor, typeID int64) (RequestForm, error) {
	f, err := readAs(s, ctx, actor, ActPortalRequest, func(w *work) (RequestForm, error) { return requestForm(w, typeID, true) })
	return f, wrap("new request form", err)
}

// requestForm reads the case types a new request may be about, with the one chosen (0: none)
// and, if callbacks and it is best served by a call, the free call-back times.
func requestForm(w *work, typeID int64, callbacks bool) (RequestForm, error) {
	var f RequestForm
	types, err := w.tx.CaseTypes(w.ctx)
	if err != nil {
		return f, err
	}
	channels, err := w.tx.CaseTypeChannels(w.ctx)
	if err != nil {
		return f, err
	}
	for _, ct := range types {
		rt := RequestType{ID: ct.ID, Name: ct.Name, Channel: desk.ChannelWrite, RequiredReferences: ct.RequiredReferences}
		if ch, ok := channels[ct.ID]; ok {
			rt.Channel = ch
		}
		f.Types = append(f.Types, rt)
		if ct.ID == typeID {
			chosen := rt
			f.Chosen = &chosen
			if callbacks && rt.Channel == desk.ChannelCall {
				if f.Slots, err = freeCallbacks(w, ct.TeamID); err != nil {
					return f, err
				}
			}
		}
	}
	return f, nil
}

// freeCallbacks are the next times someone of the team (anyone, without one) is free to call,
// an hour from now at the soonest.
func freeCallbacks(w *work, teamID int64) ([]RequestSlot, error) {
	agents, err := w.tx.Agents(w.ctx)
	if err != nil {
		return nil, err
	}
	from := w.now.Add(time.Hour).Truncate(15 * time.Minute).Add(15 * time.Minute)
	var out []RequestSlot
	for _, a := range agents {
		if !a.Active || a.Role == desk.RolePartner || (teamID != 0 && a.TeamID != teamID) {
			continue
		}
		abs, err := w.tx.Absences(w.ctx, a.ID, from.Add(-24*time.Hour), from.Add(15*24*time.Hour))
		if err != nil {
			return nil, err
		}
		// Every half hour of their first free stretches, from the first free quarter hour.
		n := 0
		for _, st := range desk.AvailableStretches(a, abs, from, 7*24*time.Hour) {
			first := desk.FreeSlots(a, abs, st.From, 1)
			if len(first) == 0 {
				continue
			}
			for at := first[0]; at.Before(st.To) && n < callbackSlots; at = at.Add(30 * time.Minute) {
				out = append(out, RequestSlot{At: at.UTC(), AgentID: a.ID})
				n++
			}
		}
	}
	slices.SortFunc(out, func(a, b RequestSlot) int { return a.At.Compare(b.At) })
	// One agent per time: the customer chooses a time, not a person.
	out = slices.CompactFunc(out, func(a, b RequestSlot) bool { return a.At.Equal(b.At) })
	return out[:min(len(out), callbackSlots)], nil
}

// NewRequest is a request a customer sends from the portal.
type NewRequest struct {
	TypeID     int64
	Subject    string
	Body       string
	References []desk.Reference
	Callback   *RequestSlot // a call-back time the form offered; nil: none
}

// OpenRequest opens the customer's case from the portal (refused, naming them, when the type's
// references are missing) and books the call-back they chose: a promise of the agent who is
// free then, in the customer's words and zone.
func (s *Service) OpenRequest(ctx context.Context, actor desk.Actor, in NewRequest) (int64, error) {
	if err := gate(actor, ActPortalRequest); err != nil {
		return 0, err
	}
	var id int64
	err := s.write(ctx, actor, func(w *work) error {
		cust, err := w.customer(actor.ID)
		if err != nil {
			return err
		}
		id, err = s.openRequest(w, cust, in)
		return err
	})
	return id, wrap("open request", err)
}

// openRequest opens a request's case for the customer in w: the one path of the portal's form
// and of a request confirmed from the embeddable page.
func (s *Service) openRequest(w *work, cust desk.Customer, in NewRequest) (int64, error) {
	nc := desk.NewCase{CustomerID: cust.ID, Subject: in.Subject, Body: in.Body, Channel: "web", References: in.References}
	var team int64
	if in.TypeID != 0 {
		ct, err := findCaseType(w, "type", fmt.Sprint(in.TypeID))
		if err != nil {
			return 0, err
		}
		nc.Type, team = ct.Name, ct.TeamID
	}
	if in.Callback != nil && team != 0 {
		// Only the times the form offers: someone of the type's team calls.
		a, err := w.agent(in.Callback.AgentID)
		if err != nil || a.TeamID != team {
			return 0, desk.Invalid("callback", "choose one of the times offered")
		}
	}
	if in.Callback != nil {
		nc.OwnerID = in.Callback.AgentID // the one who calls owns the case
	}
	v, err := desk.ValidateNewCase(nc)
	if err != nil {
		return 0, err
	}
	c, _, err := s.openCase(w, v, cust)
	if err != nil {
		return 0, err
	}
	if in.Callback == nil {
		return c.ID, nil
	}
	owner, err := w.agent(in.Callback.AgentID)
	if err != nil {
		return 0, notFoundAs(err, "agent", in.Callback.AgentID)
	}
	if err := w.readByCustomer(c); err != nil {
		return 0, err
	}
	p, err := desk.ValidatePromise(desk.NewPromise{Kind: string(desk.PromiseCallback), DueAt: in.Callback.At,
		Words: c.Reader.CallbackWords(in.Callback.At, owner.Location()), OwnerID: owner.ID}, w.now)
	if err != nil {
		return 0, err
	}
	_, err = s.promiseOn(w, c, p)
	return c.ID, err
}
