package service_test

import (
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// A week's calendar shows absences that already ended; the colleagues to hand cases to are
// the other active agents who may own cases, the agent's own team first, with who is away.
func TestAbsencesBetweenAndColleagues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		asAnn := desk.AgentActor(sc.ann)
		lunch := must(sc.svc.AddAbsence(sc.ctx, asAnn, sc.ann.ID, desk.NewAbsence{Kind: "break", From: sc.at(0, "12:30"), To: sc.at(0, "13:30")}, nil))
		sc.advance(6 * time.Hour) // the break is over
		if got := must(sc.svc.Absences(sc.ctx, asAnn, sc.ann.ID)); len(got) != 0 {
			t.Fatalf("Absences lists an ended break: %+v", got)
		}
		week := must(sc.svc.AbsencesBetween(sc.ctx, asAnn, sc.ann.ID, sc.at(0, "00:00"), sc.at(7, "00:00")))
		if len(week) != 1 || week[0].ID != lunch.ID {
			t.Fatalf("the week's absences = %+v, want the ended break", week)
		}
		if got := must(sc.svc.AbsencesBetween(sc.ctx, asAnn, sc.ann.ID, sc.at(1, "00:00"), sc.at(8, "00:00"))); len(got) != 0 {
			t.Errorf("the next week's absences = %+v", got)
		}
		if _, err := sc.svc.AbsencesBetween(sc.ctx, desk.CustomerActor(sc.mari), sc.ann.ID, sc.at(0, "00:00"), sc.at(7, "00:00")); err == nil {
			t.Error("a customer read an agent's absences")
		}

		// Bob is on leave on Wednesday; Otto is in another team; Ivo is deactivated; a partner's user cannot own cases.
		must(sc.svc.AddAbsence(sc.ctx, sc.sys, sc.bob.ID, desk.NewAbsence{Kind: "leave", From: sc.at(2, "00:00"), To: sc.at(3, "00:00")}, nil))
		must(sc.svc.AddAbsence(sc.ctx, sc.sys, sc.lead.ID, desk.NewAbsence{Kind: "break", From: sc.at(2, "12:00"), To: sc.at(2, "13:00")}, nil))
		otto := must(sc.svc.CreateAgent(sc.ctx, sc.sys, desk.NewAgent{Name: "Aaron Other", Email: "aaron@example.ee", Team: "Shipping"}))
		ivo := must(sc.svc.CreateAgent(sc.ctx, sc.sys, desk.NewAgent{Name: "Ivo Gone", Email: "ivo@example.ee", Team: "Billing"}))
		must(sc.svc.SetAgentActive(sc.ctx, sc.sys, ivo.ID, false))
		hp := must(sc.svc.CreatePartner(sc.ctx, sc.sys, "HP"))
		must(sc.svc.CreateAgent(sc.ctx, sc.sys, desk.NewAgent{Name: "Tom Tech", Email: "tom@hp.example.com", Role: "partner", PartnerID: hp.ID}))

		got := must(sc.svc.Colleagues(sc.ctx, asAnn, sc.ann.ID, sc.at(2, "09:00"), sc.at(2, "17:00")))
		var names []string
		for _, c := range got {
			names = append(names, c.Name)
		}
		want := []string{"Bob Kask", "Hele Head", "Lea Lead", "Aaron Other"}
		if len(names) != len(want) {
			t.Fatalf("colleagues = %v, want %v", names, want)
		}
		for i := range want {
			if names[i] != want[i] {
				t.Fatalf("colleagues = %v, want %v (own team first, by name)", names, want)
			}
		}
		if got[0].Away == nil || got[0].Away.Kind != desk.AbsenceLeave || !got[0].SameTeam {
			t.Errorf("Bob = %+v, want away on leave, same team", got[0])
		}
		if got[2].Away != nil {
			t.Errorf("Lea's break counts as away: %+v", got[2].Away)
		}
		if got[3].SameTeam || got[3].ID != otto.ID {
			t.Errorf("Aaron = %+v, want another team", got[3])
		}
		if later := must(sc.svc.Colleagues(sc.ctx, asAnn, sc.ann.ID, sc.at(4, "09:00"), sc.at(4, "17:00"))); later[0].Away != nil {
			t.Errorf("Bob is away on Friday too: %+v", later[0].Away)
		}
	})
}
