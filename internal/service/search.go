package service

import (
	"context"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/text"
)

// SearchHit is a case found by a search, with the text that matched.
type SearchHit struct {
	CaseID     int64       `json:"case_id"`
	Ref        string      `json:"ref"`
	CustomerID int64       `json:"customer_id"`
	Subject    string      `json:"subject"`
	Status     desk.Status `json:"status"`
	Snippet    string      `json:"snippet"`
	Seq        int64       `json:"seq,omitempty"` // the record entry that matched; 0 for the subject or a customer reference
}

const snippetRunes = 200

// Search finds the cases the actor may see whose subject or record holds every word typed and
// every reference typed, newest first. Words go through the full-text index; references (tokens
// with a digit: ACC-371, v1.1, RMA 55/2) only through the exact reference index; a case ref
// (K-1042) finds its case directly. Any input is accepted: nothing typed is query syntax.
func (s *Service) Search(ctx context.Context, actor desk.Actor, q string, limit int) ([]SearchHit, error) {
	if err := gate(actor, ActCaseSearch); err != nil {
		return nil, err
	}
	if strings.TrimSpace(q) == "" {
		return nil, desk.Invalid("q", "type a word or a reference to search for")
	}
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	var filter store.SearchFilter
	switch {
	case actor.Kind == desk.ActorCustomer:
		filter = store.SearchFilter{CustomerID: actor.ID, PublicOnly: true}
	case actor.Role == desk.RolePartner && actor.PartnerID != 0:
		filter = store.SearchFilter{PublicOnly: true} // and only their cases: below
	case !desk.IsStaff(actor):
		return []SearchHit{}, nil
	}
	query := text.ParseQuery(q)
	if len(query.Words) > 0 {
		if err := s.searchCaughtUp(ctx); err != nil {
			return nil, wrap("search", err)
		}
	}
	out := []SearchHit{}
	// The statements need not agree: a hit is shown only if its case row says the actor may see it.
	err := s.readLoose(ctx, func(tx *store.Tx) error {
		if actor.Role == desk.RolePartner {
			ids, err := tx.PartnerCaseIDs(ctx, actor.PartnerID, 1000)
			if err != nil || len(ids) == 0 {
				return err
			}
			filter.CaseIDs = ids
		}
		var hits []store.Hit
		if id, ok := desk.ParseCaseRef(q); ok {
			hits = append(hits, store.Hit{CaseID: id})
		} else {
			var err error
			if hits, err = searchHits(ctx, tx, query, filter, limit); err != nil {
				return err
			}
		}
		if len(hits) > limit {
			hits = hits[:limit]
		}
		var err error
		out, err = describeHits(s.newWork(ctx, tx, actor, time.Time{}), hits, append(query.Words, query.Refs...))
		return err
	})
	return out, wrap("search", err)
}

// searchHits runs the reference and word searches, one case per hit, best first.
func searchHits(ctx context.Context, tx *store.Tx, query text.Query, filter store.SearchFilter, limit int) ([]store.Hit, error) {
	var hits []store.Hit
	if len(query.Refs) > 0 {
		refHits, err := tx.SearchRefs(ctx, query.Refs, filter, 500)
		if err != nil || len(query.Words) == 0 || len(refHits) == 0 {
			return refHits, err
		}
		// The words are searched only within the cases the references found (which the
		// filter already limited to what the actor may see).
		filter.CaseIDs = filter.CaseIDs[:0:0]
		for _, h := range refHits {
			filter.CaseIDs = append(filter.CaseIDs, h.CaseID)
		}
	}
	if len(query.Words) == 0 {
		return nil, nil
	}
	// Several texts of one case may match; ask for more than needed to fill the page with cases.
	hits, err := tx.SearchWords(ctx, query.Words, filter, limit*5)
	if err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	unique := hits[:0]
	for _, h := range hits {
		if !seen[h.CaseID] {
			seen[h.CaseID] = true
			unique = append(unique, h)
		}
	}
	return unique, nil
}

// describeHits loads what a hit list shows, dropping anything the actor may not see.
func describeHits(w *work, hits []store.Hit, terms []string) ([]SearchHit, error) {
	ctx, tx, actor := w.ctx, w.tx, w.actor
	out := []SearchHit{}
	caseIDs := make([]int64, 0, len(hits))
	var entryIDs []int64
	for _, h := range hits {
		caseIDs = append(caseIDs, h.CaseID)
		if h.EntryID != 0 {
			entryIDs = append(entryIDs, h.EntryID)
		}
	}
	cases, err := tx.CasesByID(ctx, caseIDs)
	if err != nil {
		return nil, err
	}
	entries, err := tx.EntriesByID(ctx, entryIDs)
	if err != nil {
		return nil, err
	}
	for _, h := range hits {
		c, ok := cases[h.CaseID]
		if !ok || !desk.CanSeeCase(actor, c) {
			continue
		}
		hit := SearchHit{CaseID: c.ID, Ref: c.Ref(), CustomerID: c.CustomerID, Subject: c.Subject, Status: c.Status, Snippet: text.Snippet(c.Subject, terms, snippetRunes)}
		if e, ok := entries[h.EntryID]; ok && desk.CanSeeEntry(actor, e) {
			hit.Seq, hit.Snippet = e.Seq, text.Snippet(e.Body, terms, snippetRunes)
		}
		out = append(out, hit)
	}
	return out, nil
}
