package service

import (
	"context"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// VerifyReport is what walking the records found.
type VerifyReport struct {
	Cases     int               `json:"cases"`
	Entries   int               `json:"entries"`
	Mails     int               `json:"mails"`
	Documents int               `json:"documents"`
	AdminLog  int               `json:"admin_log"` // rows of the admin log checked (its chain's faults are in Faults)
	Faults    []desk.ChainFault `json:"faults"`
	Evidence  []EvidenceFault   `json:"evidence"` // stored mails, documents and case rows that differ (evidence.go)
	File      []string          `json:"file"`     // what SQLite's check of the database file found wrong
}

// OK reports whether everything verified.
func (r VerifyReport) OK() bool {
	return len(r.Faults) == 0 && len(r.Evidence) == 0 && len(r.File) == 0
}

// CheckFile checks the database file itself (store.QuickCheck) for a report: a damaged page
// may hold no entry and still lose data.
func (s *Service) CheckFile(ctx context.Context, rep *VerifyReport) error {
	faults, err := s.store.QuickCheck(ctx)
	rep.File = faults
	return err
}

// Verify walks every record's hash chain (or one case's, when caseID is not 0) and reports
// each case whose chain does not hold, naming the first bad entry; then it holds the stored
// mails, documents and case rows to the record (see verifyEvidence). progress, if not nil, is
// called with the number of cases checked so far.
func (s *Service) Verify(ctx context.Context, caseID int64, progress func(cases int)) (VerifyReport, error) {
	var rep VerifyReport
	err := s.readTx(ctx, func(tx *store.Tx) error {
		var check *desk.ChainChecker
		var head store.CaseHead
		finish := func() {
			if check == nil {
				return
			}
			if f := check.Finish(head.LastSeq, head.LastHash); f != nil {
				rep.Faults = append(rep.Faults, *f)
			}
			rep.Cases++
			if progress != nil && rep.Cases%1000 == 0 {
				progress(rep.Cases)
			}
		}
		quotes := map[int64]docQuote{}
		err := tx.WalkRecords(ctx, caseID, func(h store.CaseHead, e desk.Entry) error {
			if check == nil || h.CaseID != head.CaseID {
				finish()
				check, head = desk.NewChainChecker(desk.CaseRef(h.CaseID)), h
			}
			if e.ID != 0 {
				rep.Entries++
				check.Add(e)
				quoteOf(e, quotes)
			}
			return nil
		})
		finish()
		if err != nil {
			return err
		}
		if caseID == 0 {
			if err := verifyAdminLog(ctx, tx, &rep); err != nil {
				return err
			}
		}
		return s.verifyEvidence(ctx, tx, caseID, quotes, &rep)
	})
	if progress != nil {
		progress(rep.Cases)
	}
	return rep, wrap("verify records", err)
}

// verifyAdminLog walks the admin log's chain as Verify walks a record's: a row changed,
// removed or put out of order in the database is a fault naming its seq.
func verifyAdminLog(ctx context.Context, tx *store.Tx, rep *VerifyReport) error {
	var check desk.AdminLogChecker
	err := tx.WalkAdminLog(ctx, func(c desk.AdminChange) error {
		rep.AdminLog++
		check.Add(c)
		return nil
	})
	if err != nil {
		return err
	}
	head, err := tx.AdminLogHead(ctx)
	if err != nil {
		return err
	}
	if f := check.Finish(head); f != nil {
		rep.Faults = append(rep.Faults, *f)
	}
	return nil
}
