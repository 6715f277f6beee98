package service

import (
	"context"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// CustomerNames gives the names of customers, for lists that show whose case a hit is (the
// web search). Customers the actor may not see, and ids that do not exist, are left out.
func (s *Service) CustomerNames(ctx context.Context, actor desk.Actor, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	err := s.readTx(ctx, func(tx *store.Tx) error {
		for _, id := range ids {
			if _, done := out[id]; done || !desk.CanSeeCustomer(actor, id) {
				continue
			}
			c, err := tx.Customer(ctx, id)
			if store.IsNotFound(err) {
				continue
			} else if err != nil {
				return err
			}
			out[id] = c.Name
		}
		return nil
	})
	return out, wrap("customer names", err)
}
