package service_test

import (
	"testing"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store/storetest"
)

func TestCustomerNames(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		jaan := must(sc.svc.CreateCustomer(sc.ctx, sc.sys, desk.NewCustomer{Name: "Jaan Jõgi", Email: "jaan@example.ee"}))
		got := must(sc.svc.CustomerNames(sc.ctx, desk.AgentActor(sc.ann), []int64{sc.mari.ID, jaan.ID, sc.mari.ID, 999999}))
		if len(got) != 2 || got[sc.mari.ID] != "Mari Mets" || got[jaan.ID] != "Jaan Jõgi" {
			t.Errorf("names for an agent = %v", got)
		}
		got = must(sc.svc.CustomerNames(sc.ctx, desk.CustomerActor(sc.mari), []int64{sc.mari.ID, jaan.ID}))
		if len(got) != 1 || got[sc.mari.ID] != "Mari Mets" {
			t.Errorf("a customer sees names = %v, want only their own", got)
		}
	})
}
