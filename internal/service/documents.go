package service

import (
	"context"
	"slices"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// DocumentIn is a document given: whose, with which case (0: none), what it is and its bytes.
type DocumentIn struct {
	CustomerID, CaseID          int64
	Kind, Filename, ContentType string
	Content                     []byte
}

// AddDocument keeps a document a customer gave. It goes on the customer, where every
// department's cases show it; when it came with a case (CaseID not 0, a case of that
// customer), that case's record says so in a public document_added entry. The desk's agents
// and the customer themselves may add one.
func (s *Service) AddDocument(ctx context.Context, actor desk.Actor, in DocumentIn) (desk.Document, error) {
	customerID, caseID, kind, filename, contentType, content := in.CustomerID, in.CaseID, in.Kind, in.Filename, in.ContentType, in.Content
	if !desk.CanSeeCustomer(actor, customerID) {
		return desk.Document{}, desk.NotFound("customer", customerID)
	}
	if err := desk.ValidateDocument(kind, filename, int64(len(content))); err != nil {
		return desk.Document{}, err
	}
	sum := hexSum(content)
	now := s.now()
	d := desk.Document{CustomerID: customerID, CaseID: caseID, Kind: desk.CleanKind(kind), Filename: desk.CleanFilename(filename),
		ContentType: desk.CleanContentType(contentType), Size: int64(len(content)), SHA256: sum,
		By: desk.Actor{Kind: actor.Kind, ID: actor.ID, Name: actor.Name}, CreatedAt: now}
	err := s.write(ctx, actor, func(w *work) error {
		tx := w.tx
		if _, err := w.customer(customerID); err != nil {
			return notFoundAs(err, "customer", customerID)
		}
		var c *desk.Case
		if caseID != 0 {
			var err error
			c, err = w.loadCase(caseID)
			// The case is named in the input: a wrong one is refused as input, whoever's it is.
			if e, ok := desk.AsError(err); (ok && e.Kind == desk.KindNotFound) || (err == nil && c.CustomerID != customerID) {
				return desk.Invalid("case_id", "customer %d has no case %d", customerID, caseID)
			} else if err != nil {
				return err
			}
		}
		if err := tx.InsertDocument(ctx, &d, content); err != nil {
			return err
		}
		if caseID == 0 {
			return nil
		}
		_, err := s.appendActing(w, c, desk.DocumentAdded(d, actor))
		return err
	})
	return d, wrap("add document", err)
}

// Documents lists a customer's documents, oldest first.
func (s *Service) Documents(ctx context.Context, actor desk.Actor, customerID int64) ([]desk.Document, error) {
	if !desk.CanSeeCustomer(actor, customerID) {
		return nil, desk.NotFound("customer", customerID)
	}
	var out []desk.Document
	err := s.readTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Customer(ctx, customerID); err != nil {
			return notFoundAs(err, "customer", customerID)
		}
		docs, err := tx.Documents(ctx, customerID)
		out = desk.VisibleDocuments(actor, docs)
		return err
	})
	return out, wrap("list documents", err)
}

// CaseDocuments lists the documents of a case's customer: a case of any department shows
// everything the customer has given, whichever case it came with.
func (s *Service) CaseDocuments(ctx context.Context, actor desk.Actor, caseID int64) ([]desk.Document, error) {
	var out []desk.Document
	err := s.read(ctx, actor, func(w *work) error {
		tx := w.tx
		c, err := w.loadCase(caseID)
		if err != nil {
			return err
		}
		out = []desk.Document{}
		if !desk.CanSeeCustomer(actor, c.CustomerID) {
			return nil
		}
		docs, err := tx.Documents(ctx, c.CustomerID)
		out = desk.VisibleDocuments(actor, docs)
		return err
	})
	return out, wrap("list case documents", err)
}

// Document returns a document's metadata, if the actor may see it.
func (s *Service) Document(ctx context.Context, actor desk.Actor, id int64) (desk.Document, error) {
	var d desk.Document
	err := s.readTx(ctx, func(tx *store.Tx) error {
		var err error
		d, err = loadDocument(ctx, tx, actor, id)
		return err
	})
	return d, wrap("load document", err)
}

// DocumentContent returns a document with its bytes, if the actor may see it.
func (s *Service) DocumentContent(ctx context.Context, actor desk.Actor, id int64) (desk.Document, []byte, error) {
	var d desk.Document
	var content []byte
	err := s.readTx(ctx, func(tx *store.Tx) error {
		// The metadata first: bytes are not read for someone who may not have them.
		if _, err := loadDocument(ctx, tx, actor, id); err != nil {
			return err
		}
		var err error
		content, d, err = tx.DocumentContent(ctx, id)
		return notFoundAs(err, "document", id)
	})
	if err != nil {
		return desk.Document{}, nil, wrap("load document content", err)
	}
	return d, content, nil
}

// DocumentsAskedAgain returns the customer's documents on file that text asks for again
// (story 10: a document given once is never asked for again), so the agent can be warned
// before the customer is asked twice. It is empty when the text asks for nothing on file.
func (s *Service) DocumentsAskedAgain(ctx context.Context, actor desk.Actor, customerID int64, text string) ([]desk.Document, error) {
	if !desk.CanSeeCustomer(actor, customerID) {
		return nil, desk.NotFound("customer", customerID)
	}
	var out []desk.Document
	err := s.readTx(ctx, func(tx *store.Tx) error {
		var err error
		out, err = documentsAskedAgain(ctx, tx, customerID, text)
		return err
	})
	return out, wrap("check documents asked again", err)
}

// documentsAskedAgain is DocumentsAskedAgain inside a transaction a command already holds.
func documentsAskedAgain(ctx context.Context, tx *store.Tx, customerID int64, text string) ([]desk.Document, error) {
	docs, err := tx.Documents(ctx, customerID)
	if err != nil {
		return nil, err
	}
	// A call's recording is not something the customer gave, to be asked for again.
	docs = slices.DeleteFunc(docs, func(d desk.Document) bool { return d.IsRecording() || d.IsAttachment() })
	if found := desk.MentionedDocuments(docs, text); found != nil {
		return found, nil
	}
	return []desk.Document{}, nil
}

// loadDocument loads a document the actor may see; anything else is "not found".
func loadDocument(ctx context.Context, tx *store.Tx, actor desk.Actor, id int64) (desk.Document, error) {
	d, err := tx.Document(ctx, id)
	if store.IsNotFound(err) || (err == nil && !desk.CanSeeDocument(actor, d)) {
		return desk.Document{}, desk.NotFound("document", id)
	}
	return d, err
}
