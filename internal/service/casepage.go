package service

import (
	"context"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// PromiseEstimate says how long promises of this kind took to keep on cases of the case's
// type, and warns when one due at due would be sooner than the desk can realistically keep:
// what the agent reads while choosing a due time, before the promise is made. It is nil while
// history is short (fewer than desk.MinEstimateSamples kept promises).
func (s *Service) PromiseEstimate(ctx context.Context, actor desk.Actor, caseID int64, kind string, due time.Time) (*desk.Estimate, error) {
	var est *desk.Estimate
	err := s.read(ctx, actor, func(w *work) error {
		tx := w.tx
		c, err := w.loadCase(caseID)
		if err != nil {
			return err
		}
		if err := requireStaff(actor); err != nil {
			return err
		}
		in, err := desk.ValidatePromise(desk.NewPromise{Kind: kind, DueAt: due, Words: "estimate"}, s.now())
		if err != nil {
			return err
		}
		took, err := tx.KeptDurations(ctx, c.Type, desk.PromiseKind(in.Kind), 500)
		if err != nil {
			return err
		}
		est = desk.EstimateFor(took, in.DueAt, s.now())
		return nil
	})
	return est, wrap("estimate promise", err)
}
