package service_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

func newService(t testing.TB, backend string) (*service.Service, *clock.Fake) {
	t.Helper()
	clk := clock.NewFake(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	return service.New(storetest.Open(t, backend), clk, slog.New(slog.DiscardHandler)), clk
}

// must stops the test (by panicking: the test fails with the stack) when a setup step fails.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestWhoSeesWhat checks that a customer reaches only their own cases and public entries,
// through every read: case, record, customer, list and search.
func TestWhoSeesWhat(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		svc, _ := newService(t, backend)
		sys := desk.SystemActor()
		must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ann", Email: "ann@example.ee", Role: "agent"}))
		mari := must(svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Mari", Email: "mari@example.ee",
			References: []desk.Reference{{Kind: "account", Value: "ACC-371"}}}))
		ivo := must(svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Ivo", Email: "ivo@example.hr"}))
		mariCase := must(svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: mari.ID, Subject: "Broken kettle", Body: "The kettle leaks", Channel: "web"}))
		ivoCase := must(svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: ivo.ID, Subject: "Broken kettle too", Body: "Kettle leaks here as well", Channel: "web"}))
		must(svc.AddMessage(ctx, sys, mariCase.ID, desk.NewMessage{Body: "Secret kettle supplier issue", Internal: true}))

		asMari := desk.CustomerActor(mari)
		if _, err := svc.Case(ctx, asMari, ivoCase.ID); !isNotFound(err) {
			t.Errorf("Mari opening Ivo's case: %v, want not found", err)
		}
		if _, err := svc.Record(ctx, asMari, ivoCase.ID); !isNotFound(err) {
			t.Errorf("Mari reading Ivo's record: %v, want not found", err)
		}
		if _, err := svc.Customer(ctx, asMari, ivo.ID); !isNotFound(err) {
			t.Errorf("Mari reading Ivo: %v, want not found", err)
		}
		if _, err := svc.AddMessage(ctx, asMari, ivoCase.ID, desk.NewMessage{Body: "hi"}); !isNotFound(err) {
			t.Errorf("Mari writing on Ivo's case: %v, want not found", err)
		}
		rec := must(svc.Record(ctx, asMari, mariCase.ID))
		for _, e := range rec {
			if e.Internal {
				t.Errorf("Mari sees an internal entry: %q", e.Body)
			}
		}
		list := must(svc.Cases(ctx, asMari, service.CaseList{}))
		if len(list) != 1 || list[0].ID != mariCase.ID {
			t.Errorf("Mari's case list: %v", list)
		}
		hits := must(svc.Search(ctx, asMari, "kettle", 10))
		if len(hits) != 1 || hits[0].CaseID != mariCase.ID {
			t.Errorf("Mari searching kettle: %v, want only her case", hits)
		}
		if hits := must(svc.Search(ctx, asMari, "supplier", 10)); len(hits) != 0 {
			t.Errorf("Mari finds the internal note: %v", hits)
		}
		if hits := must(svc.Search(ctx, sys, "supplier", 10)); len(hits) != 1 {
			t.Errorf("the desk does not find its note: %v", hits)
		}
		if hits := must(svc.Search(ctx, desk.CustomerActor(ivo), "ACC-371", 10)); len(hits) != 0 {
			t.Errorf("Ivo finds Mari's account: %v", hits)
		}
		if hits := must(svc.Search(ctx, desk.CustomerActor(ivo), mariCase.Ref, 10)); len(hits) != 0 {
			t.Errorf("Ivo finds Mari's case by its ref: %v", hits)
		}
		partner := desk.Actor{Kind: desk.ActorAgent, ID: 99, Name: "HP service", Role: desk.RolePartner}
		if hits := must(svc.Search(ctx, partner, "kettle", 10)); len(hits) != 0 {
			t.Errorf("a partner with nothing handed over finds %v", hits)
		}
	})
}

func isNotFound(err error) bool {
	e, ok := desk.AsError(err)
	return ok && e.Kind == desk.KindNotFound
}

// TestSearchFolding checks that words are found however they were written.
func TestSearchFolding(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		svc, _ := newService(t, backend)
		sys := desk.SystemActor()
		must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ann", Email: "ann@example.ee", Role: "agent"}))
		cu := must(svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Ana", Email: "ana@example.hr"}))
		texts := map[string]string{
			"hr": "Poštovani, račun za ožujak je pogrešan. Molim ispravak.",
			"et": "Tere! Mu õunamahla tellimus jäi tulemata, palun abi.",
			"ru": "Dear сustоmеr sеrvice, my parcel is lost", // Cyrillic с о е inside Latin words
		}
		refs := map[string]string{}
		for k, body := range texts {
			c := must(svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: cu.ID, Subject: "Case " + k, Body: body, Channel: "email"}))
			refs[k] = c.Ref
		}
		for q, want := range map[string]string{
			"racun": "hr", "RAČUN": "hr", "ozujak pogresan": "hr", "ounamahla": "et", "Õunamahla": "et",
			"customer service": "ru", "сustоmеr": "ru", "parcel": "ru",
		} {
			hits := must(svc.Search(ctx, sys, q, 10))
			if len(hits) != 1 || hits[0].Ref != refs[want] {
				t.Errorf("search %q: %v, want %s", q, hits, refs[want])
				continue
			}
			if hits[0].Snippet == "" || !strings.Contains(texts[want], strings.TrimSuffix(strings.TrimPrefix(hits[0].Snippet, "…"), "…")) {
				t.Errorf("search %q: snippet %q is not from the original text", q, hits[0].Snippet)
			}
		}
	})
}

// benchDesk fills a desk with cases and entries in one batch.
func benchDesk(b *testing.B, backend string, cases int) (*service.Service, int64) {
	b.Helper()
	ctx := context.Background()
	svc, clk := newService(b, backend)
	sys := desk.SystemActor()
	words := strings.Fields("invoice refund parcel delivery router laptop screen battery charger warranty repair broken late missing " +
		"arve tellimus pakk tarne remont aku ekraan račun narudžba paket dostava popravak baterija zaslon")
	rng := rand.New(rand.NewPCG(1, 2))
	sentence := func(n int) string {
		w := make([]string, n)
		for i := range w {
			w[i] = words[rng.IntN(len(words))]
		}
		return strings.Join(w, " ")
	}
	var first int64
	err := svc.Batch(ctx, func(svc *service.Service) error {
		if _, err := svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ann", Email: "ann@example.ee", Role: "agent"}); err != nil {
			return err
		}
		for i := 0; i < cases; i++ {
			cu, err := svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: fmt.Sprint("Customer ", i), Email: fmt.Sprintf("c%d@example.com", i),
				References: []desk.Reference{{Kind: "account", Value: fmt.Sprintf("ACC-%d", i)}}})
			if err != nil {
				return err
			}
			c, err := svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: cu.ID, Subject: sentence(5), Body: sentence(40) + fmt.Sprintf(" order ORD-%d", i), Channel: "email"})
			if err != nil {
				return err
			}
			if first == 0 {
				first = c.ID
			}
			for j := 0; j < 4; j++ {
				clk.Advance(time.Minute)
				if _, err := svc.AddMessage(ctx, sys, c.ID, desk.NewMessage{Body: sentence(60)}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return svc, first
}

// BenchmarkAppendMessage measures one command end to end: lock the case, chain, insert,
// index and commit (a durable commit on SQLite's FULL sync).
func BenchmarkAppendMessage(b *testing.B) {
	for _, backend := range storetest.Backends {
		b.Run(backend, func(b *testing.B) {
			svc, caseID := benchDesk(b, backend, 10)
			ctx := context.Background()
			body := "Thank you for waiting: the replacement router ships today with tracking RR123456785EE."
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := svc.AddMessage(ctx, desk.SystemActor(), caseID, desk.NewMessage{Body: body}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSearch measures searches over 2,000 cases and 10,000 entries.
func BenchmarkSearch(b *testing.B) {
	for _, backend := range storetest.Backends {
		b.Run(backend, func(b *testing.B) {
			svc, _ := benchDesk(b, backend, 2000)
			ctx := context.Background()
			for _, q := range []string{"refund", "račun paket", "ACC-1234", "ORD-777", "nonexistent"} {
				b.Run(strings.ReplaceAll(q, " ", "_"), func(b *testing.B) {
					for i := 0; i < b.N; i++ {
						if _, err := svc.Search(ctx, desk.SystemActor(), q, 20); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
