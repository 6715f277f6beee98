package service_test

import (
	"context"
	"slices"
	"testing"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestSearchWordWithReference checks a word searched with a reference (`router ACC-371`): the
// word is looked for only in the cases the reference found, and a customer still finds only
// their own cases' public texts.
func TestSearchWordWithReference(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		svc, _ := newService(t, backend)
		sys := desk.SystemActor()
		ann := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ann", Email: "ann@example.ee", Role: "agent"}))
		mari := must(svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Mari", Email: "mari@example.ee",
			References: []desk.Reference{{Kind: "account", Value: "ACC-371"}}}))
		ivo := must(svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Ivo", Email: "ivo@example.hr",
			References: []desk.Reference{{Kind: "account", Value: "ACC-555"}}}))
		mariRouter := must(svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: mari.ID, Subject: "Internet drops", Body: "The router restarts every evening.", Channel: "web"}))
		mariBill := must(svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: mari.ID, Subject: "Wrong bill", Body: "Invoice INV-9 is wrong.", Channel: "email"}))
		ivoRouter := must(svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: ivo.ID, Subject: "Router broken", Body: "My router is dead, the invoice says ACC-555.", Channel: "web"}))
		note := must(svc.AddMessage(ctx, sys, mariRouter.ID, desk.NewMessage{Body: "Router supplier recall list", Internal: true}))
		reply := must(svc.AddMessage(ctx, desk.AgentActor(ann), mariBill.ID, // system messages are not indexed
			desk.NewMessage{Body: "The invoice is corrected."}))

		cases := func(actor desk.Actor, q string) []int64 {
			t.Helper()
			var out []int64
			for _, h := range must(svc.Search(ctx, actor, q, 20)) {
				out = append(out, h.CaseID)
			}
			return out
		}
		asMari, asIvo := desk.CustomerActor(mari), desk.CustomerActor(ivo)
		for _, tc := range []struct {
			actor desk.Actor
			q     string
			want  []int64
		}{
			{sys, "router ACC-371", []int64{mariRouter.ID}},
			{sys, "invoice ACC-371", []int64{mariBill.ID}},
			{sys, "router ACC-555", []int64{ivoRouter.ID}},
			{sys, "supplier ACC-371", []int64{mariRouter.ID}},
			{sys, "kettle ACC-371", nil},
			{sys, "router", []int64{mariRouter.ID, ivoRouter.ID}}, // the note is the newest text
			{asMari, "corrected", []int64{mariBill.ID}},
			{asMari, "router", []int64{mariRouter.ID}},
			{asMari, "router ACC-371", []int64{mariRouter.ID}},
			{asMari, "supplier", nil},
			{asMari, "supplier ACC-371", nil},
			{asMari, "router ACC-555", nil},
			{asIvo, "invoice", []int64{ivoRouter.ID}},
			{asIvo, "invoice ACC-371", nil},
		} {
			if got := cases(tc.actor, tc.q); !slices.Equal(got, tc.want) {
				t.Errorf("%s searching %q: cases %v, want %v", tc.actor.Name, tc.q, got, tc.want)
			}
		}
		// The hit names the text that matched.
		if hits := must(svc.Search(ctx, sys, "supplier ACC-371", 20)); len(hits) != 1 || hits[0].Seq != note.Seq {
			t.Errorf("supplier ACC-371: %+v, want the note (seq %d)", hits, note.Seq)
		}
		if hits := must(svc.Search(ctx, asMari, "corrected ACC-371", 20)); len(hits) != 1 || hits[0].Seq != reply.Seq {
			t.Errorf("Mari searching corrected ACC-371: %+v, want the reply (seq %d)", hits, reply.Seq)
		}
	})
}
