package store_test

import (
	"context"
	"testing"

	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// Issue 20, finding 8: an IMAP mailbox configured on two nodes was polled by both. Of two
// nodes on one PostgreSQL database, one holds a mailbox; the other takes it once the first
// lets go (as its connection does when the node dies). SQLite runs one node, which always
// holds it.
func TestMailboxHold(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		cfg := storetest.Config(t, backend)
		a, err := store.Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		if backend == "sqlite" {
			h, err := a.TryHoldMailbox(ctx, "imaps://desk@mail.example/INBOX")
			if err != nil || h == nil || !h.Held(ctx) {
				t.Fatalf("the one node does not hold its mailbox: %v %v", h, err)
			}
			return
		}
		b, err := store.Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		key := "imaps://desk@mail.example/INBOX"
		ha, err := a.TryHoldMailbox(ctx, key)
		if err != nil || ha == nil || !ha.Held(ctx) {
			t.Fatalf("node A could not hold the mailbox: %v", err)
		}
		if hb, err := b.TryHoldMailbox(ctx, key); err != nil || hb != nil {
			t.Fatalf("node B holds the mailbox node A holds: %v %v", hb, err)
		}
		if other, err := b.TryHoldMailbox(ctx, key+"2"); err != nil || other == nil {
			t.Fatalf("node B could not hold another mailbox: %v", err)
		} else {
			other.Release()
		}
		ha.Release()
		hb, err := b.TryHoldMailbox(ctx, key)
		if err != nil || hb == nil {
			t.Fatalf("node B could not take over: %v", err)
		}
		hb.Release()
	})
}
