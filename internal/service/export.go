package service

import (
	"context"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// Export returns a case's record in the export format that `kept verify --export` checks, as
// the actor may read it: staff get every entry; a partner user and the customer get the
// entries they see, the others withheld (their place in the chain, not their content).
func (s *Service) Export(ctx context.Context, actor desk.Actor, caseID int64) (desk.RecordExport, error) {
	if err := gate(actor, ActExport); err != nil {
		return desk.RecordExport{}, err
	}
	x, err := readCase(s, ctx, actor, caseID, func(w *work, c *desk.Case) (desk.RecordExport, error) {
		if err := w.allow(ActExport, Object{Case: c}); err != nil {
			return desk.RecordExport{}, err
		}
		return exportCase(w, c, actor)
	})
	return x, wrap("export record", err)
}

// exportCase is a case's record as reader may read it, with what the case was when exported.
func exportCase(w *work, c *desk.Case, reader desk.Actor) (desk.RecordExport, error) {
	entries, err := w.tx.Record(w.ctx, *c)
	if err != nil {
		return desk.RecordExport{}, err
	}
	x := desk.NewRecordExport(*c, entries, reader, w.now)
	if c.OwnerID != 0 {
		owner, err := w.agent(c.OwnerID)
		if err != nil && !store.IsNotFound(err) {
			return x, err
		}
		x.Owner = owner.Name
	}
	if desk.CanSeeCustomer(w.actor, c.CustomerID) {
		cust, err := w.customer(c.CustomerID)
		if err != nil {
			return x, err
		}
		x.Customer = cust.Name
	}
	return x, nil
}

// ReaderZone is the time zone the actor reads times in: an agent's own, a customer's own; nil
// when they have none (the surface then uses its default).
func (s *Service) ReaderZone(ctx context.Context, actor desk.Actor) (*time.Location, error) {
	var loc *time.Location
	err := s.read(ctx, actor, func(w *work) error {
		switch actor.Kind {
		case desk.ActorAgent:
			a, err := w.agent(actor.ID)
			if err != nil || a.Timezone == "" {
				return ignoreNotFound(err)
			}
			loc = a.Location()
		case desk.ActorCustomer:
			c, err := w.customer(actor.ID)
			if err != nil {
				return ignoreNotFound(err)
			}
			loc = c.Reader().Zone
		}
		return nil
	})
	return loc, wrap("load reader's zone", err)
}

// CustomerArchive is a customer's data for a data request: who they are, their contact points
// and references, each case's record as the customer reads it, and their documents (whose
// bytes the caller gets one at a time).
type CustomerArchive struct {
	Customer   desk.Customer       `json:"customer"`
	ExportedAt time.Time           `json:"exported_at"`
	Cases      []desk.RecordExport `json:"-"`
	Documents  []desk.Document     `json:"documents"`
}

// ExportCustomer gathers a customer's data for a data request, in one read so that every
// part is of the same moment. Each record is the one the customer would download from the
// portal (internal notes withheld, still verifiable); each document's bytes are handed to
// document in turn, so the archive never holds them all at once. It only reads: the request
// is not an entry on any case.
func (s *Service) ExportCustomer(ctx context.Context, actor desk.Actor, customerID int64,
	document func(d desk.Document, content []byte) error) (CustomerArchive, error) {
	if err := gate(actor, ActCustomerExport); err != nil {
		return CustomerArchive{}, err
	}
	var out CustomerArchive
	err := s.read(ctx, actor, func(w *work) error {
		cust, err := w.customer(customerID)
		if err != nil {
			return notFoundAs(err, "customer", customerID)
		}
		out = CustomerArchive{Customer: cust, ExportedAt: w.now, Cases: []desk.RecordExport{}}
		reader := desk.CustomerActor(cust)
		var before int64
		for {
			const page = 500
			cases, err := w.tx.Cases(w.ctx, store.CaseFilter{CustomerID: customerID, BeforeID: before, Limit: page})
			if err != nil {
				return err
			}
			for i := range cases {
				x, err := exportCase(w, &cases[i], reader)
				if err != nil {
					return err
				}
				out.Cases = append(out.Cases, x)
				before = cases[i].ID
			}
			if len(cases) < page {
				break
			}
		}
		docs, err := w.tx.Documents(w.ctx, customerID)
		if err != nil {
			return err
		}
		// The records are as the customer would download them: calls' recordings, the desk's
		// and never shown to the customer, stay out as their entries do.
		docs = desk.VisibleDocuments(desk.CustomerActor(desk.Customer{ID: customerID}), docs)
		out.Documents = docs
		for _, d := range docs {
			content, _, err := w.tx.DocumentContent(w.ctx, d.ID)
			if err != nil {
				return err
			}
			if err := document(d, content); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		s.log.Info("customer data exported", "customer", customerID, "by", actor.Name, "agent", actor.ID,
			"cases", len(out.Cases), "documents", len(out.Documents))
	}
	return out, wrap("export customer", err)
}
