package service

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestGroupOwners checks who owns the cases a group of mails opens: within a group, each new
// case goes to whoever holds the fewest open cases then (counting the group's own), never to
// someone going on leave; an agent added between two groups is a candidate in the second.
func TestGroupOwners(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
		s := New(storetest.Open(t, backend), clock.NewFake(now), slog.New(slog.DiscardHandler), WithMail(MailConfig{Address: "support@desk.test"}))
		sys := desk.SystemActor()
		var ids []int64
		for _, name := range []string{"Ann", "Bob", "Cid"} {
			a, err := s.CreateAgent(ctx, sys, desk.NewAgent{Name: name, Email: name + "@desk.test", Role: "agent"})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, a.ID)
		}
		ann, bob, cid := ids[0], ids[1], ids[2]
		leave := func(agent int64) {
			t.Helper()
			from := now.Add(2 * time.Hour)
			if _, err := s.AddAbsence(ctx, sys, agent, desk.NewAbsence{Kind: "leave", From: from, To: from.Add(72 * time.Hour)}, nil); err != nil {
				t.Fatal(err)
			}
		}
		leave(cid)
		n := 0
		group := func(size int) []int64 {
			t.Helper()
			var jobs []*mailJob
			for range size {
				n++
				raw := fmt.Appendf(nil, "From: c%d@example.com\r\nTo: support@desk.test\r\nSubject: Order %d\r\nMessage-ID: <o%d@example.com>\r\n\r\nWhere is my order?\r\n", n, n, n)
				in, err := s.parseMail(ctx, mail.Delivery{From: fmt.Sprintf("c%d@example.com", n), To: []string{"support@desk.test"}, Raw: raw})
				if err != nil {
					t.Fatal(err)
				}
				jobs = append(jobs, &mailJob{ctx: ctx, in: in, done: make(chan struct{})})
			}
			s.commitGroup(jobs)
			var owners []int64
			for i, j := range jobs {
				if j.err != nil || !j.res.Created {
					t.Fatalf("mail %d: %+v, %v", i, j.res, j.err)
				}
				c := storetest.Read(t, s.store, func(ctx context.Context, tx *store.Tx) (desk.Case, error) { return tx.Case(ctx, j.res.CaseID) })
				owners = append(owners, c.OwnerID)
			}
			return owners
		}
		if got, want := group(4), []int64{ann, bob, ann, bob}; !reflect.DeepEqual(got, want) {
			t.Errorf("owners in the first group: %v, want %v (Ann %d, Bob %d, Cid %d on leave)", got, want, ann, bob, cid)
		}
		dan, err := s.CreateAgent(ctx, sys, desk.NewAgent{Name: "Dan", Email: "dan@desk.test", Role: "agent"})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := group(3), []int64{dan.ID, dan.ID, ann}; !reflect.DeepEqual(got, want) {
			t.Errorf("owners once Dan joins: %v, want %v (Ann %d, Bob %d, Dan %d)", got, want, ann, bob, dan.ID)
		}
	})
}
