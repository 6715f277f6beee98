package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// BenchmarkPoolLoads reads a team's loads from its owner pool on a desk the size of scale M's:
// 200 agents in five teams, each with open cases.
func BenchmarkPoolLoads(b *testing.B) {
	for _, backend := range storetest.Backends {
		b.Run(backend, func(b *testing.B) {
			st := storetest.Open(b, backend)
			ctx := context.Background()
			var team int64
			err := st.Write(ctx, func(tx *store.Tx) error {
				cust := desk.Customer{Name: "c", CreatedAt: t0}
				if err := tx.InsertCustomer(ctx, &cust); err != nil {
					return err
				}
				for i := range 200 {
					tid, err := tx.EnsureTeam(ctx, fmt.Sprintf("Team %d", i%5), t0)
					if err != nil {
						return err
					}
					team = tid
					a := desk.Agent{Name: fmt.Sprintf("a%d", i), Email: fmt.Sprintf("a%d@example.ee", i), Role: desk.RoleAgent, TeamID: tid, Timezone: "UTC", Hours: desk.DefaultHours(), Active: true, CreatedAt: t0}
					if err := tx.InsertAgent(ctx, &a); err != nil {
						return err
					}
					c := desk.Case{CustomerID: cust.ID, Subject: "s", Status: desk.StatusOpen, TeamID: tid, OwnerID: a.ID, Channel: "email",
						OriginalRequest: "r", Flags: []string{}, CreatedAt: t0, UpdatedAt: t0}
					if err := tx.InsertCase(ctx, &c); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			err = st.Write(ctx, func(tx *store.Tx) error {
				pool, err := tx.OwnerPool(ctx, team, t0)
				if err != nil {
					return err
				}
				for range b.N {
					open, err := tx.OpenCounts(ctx, &pool)
					if err != nil {
						return err
					}
					if len(open) != 40 {
						return fmt.Errorf("%d counts, want 40", len(open))
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		})
	}
}
