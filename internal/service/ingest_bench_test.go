package service

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// BenchmarkFileMail measures the database work of filing one mail (a new case for a known
// sender), all in one transaction: what a group commit pays per mail besides the commit.
//
//	go test -run '^$' -bench FileMail ./internal/service/
func BenchmarkFileMail(b *testing.B) {
	for _, backend := range storetest.Backends {
		b.Run(backend, func(b *testing.B) {
			ctx := context.Background()
			s := New(storetest.Open(b, backend), clock.System{}, slog.New(slog.DiscardHandler), WithMail(MailConfig{Address: "support@desk.test"}))
			if _, err := s.CreateAgent(ctx, desk.SystemActor(), desk.NewAgent{Name: "Ann", Email: "ann@desk.test", Role: "agent"}); err != nil {
				b.Fatal(err)
			}
			if err := s.PrepareMail(ctx); err != nil {
				b.Fatal(err)
			}
			body := strings.Repeat("My order ORD-2026-00417 has not arrived and the tracking page says nothing new. ", 12)
			ins := make([]*inMail, b.N)
			for i := range ins {
				from := fmt.Sprintf("customer%d@example.com", i%500)
				raw := fmt.Sprintf("From: %s\r\nTo: support@desk.test\r\nSubject: Parcel %d\r\nMessage-ID: <bench-%d@example.com>\r\n\r\n%s\r\n", from, i, i, body)
				var err error
				if _, ins[i], err = s.parseMail(ctx, mail.Delivery{From: from, To: []string{"support@desk.test"}, Raw: []byte(raw)}); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			const group = 32
			for start := 0; start < b.N; start += group {
				err := s.store.Write(ctx, func(tx *store.Tx) error {
					for _, in := range ins[start:min(start+group, b.N)] {
						var res MailResult
						var ev []Event
						tx.ResetMemo()
						ferr, txErr := tx.Savepoint(ctx, func() error { return s.fileMail(ctx, tx, in, &res, &ev) })
						if ferr != nil || txErr != nil {
							return fmt.Errorf("%v %v", ferr, txErr)
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
		})
	}
}
