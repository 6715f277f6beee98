package webhooks_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
	"github.com/keptdesk/kept/internal/webhooks"
)

// The desk events (issue 17) reach a real receiver on loopback, signed, in the shape the
// OpenAPI file documents: a case opens (case_opened), passes its response target
// (target_passed) and climbs to the lead (owner_changed, escalation); the lead falls sick and
// the case goes to her manager (absence_started, and owner_changed by hand-over).
func TestDeskEventsReachTheReceiver(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		st := storetest.Open(t, backend)
		clk := clock.NewFake(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)) // a Monday
		svc := service.New(st, clk, slog.New(slog.DiscardHandler), service.WithWebhooks(true))
		sys := desk.SystemActor()
		agent := func(in desk.NewAgent) desk.Agent {
			t.Helper()
			a, err := svc.CreateAgent(ctx, sys, in)
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		ada := agent(desk.NewAgent{Name: "Ada Admin", Email: "ada@desk.test", Role: "admin", Team: "Support"})
		lea := agent(desk.NewAgent{Name: "Lea Lead", Email: "lea@desk.test", Role: "lead", Team: "Support", ManagerID: ada.ID})
		ann := agent(desk.NewAgent{Name: "Ann Tamm", Email: "ann@desk.test", Role: "agent", Team: "Support", ManagerID: lea.ID})
		target, always := time.Hour, map[string][]string{}
		if _, err := svc.SetTeamSettings(ctx, sys, "Support", service.TeamSettingsIn{ResponseTarget: &target, BusinessHours: &always}); err != nil {
			t.Fatal(err)
		}

		rcv := &receiver{}
		srv := httptest.NewServer(rcv)
		defer srv.Close()
		secret := "a plain secret of some length"
		events := []string{"case_opened", "owner_changed", "absence_started", "target_passed"}
		if _, err := svc.CreateWebhook(ctx, desk.AgentActor(ada), service.WebhookIn{URL: srv.URL, Events: events, Secret: secret}); err != nil {
			t.Fatal(err)
		}
		cust, err := svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.ee"})
		if err != nil {
			t.Fatal(err)
		}
		c, err := svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: cust.ID, Subject: "Router", Body: "It blinks red.", Channel: "email", OwnerID: ann.ID})
		if err != nil {
			t.Fatal(err)
		}
		timers := svc.Timers(slog.New(slog.DiscardHandler))
		clk.Advance(61 * time.Minute)
		if _, err := timers.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddAbsence(ctx, desk.AgentActor(ada), lea.ID, desk.NewAbsence{Kind: "sick", From: clk.Now(), To: clk.Now().Add(48 * time.Hour)}, nil); err != nil {
			t.Fatal(err)
		}
		sender := webhooks.NewSender(svc.WebhookQueue(""), clk, slog.New(slog.DiscardHandler), true)
		if _, err := sender.RunDue(ctx); err != nil {
			t.Fatal(err)
		}

		type payload struct {
			ID     string          `json:"id"`
			Type   string          `json:"type"`
			At     time.Time       `json:"at"`
			CaseID int64           `json:"case_id"`
			Ref    string          `json:"ref"`
			Data   json.RawMessage `json:"data"`
		}
		var got []payload
		for _, g := range rcv.all() {
			mac := hmac.New(sha256.New, []byte(secret))
			mac.Write([]byte(g.id + "." + g.ts + "."))
			mac.Write(g.body)
			if want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)); g.sig != want {
				t.Errorf("signature %q, want %q", g.sig, want)
			}
			var p payload
			if err := json.Unmarshal(g.body, &p); err != nil {
				t.Fatal(err)
			}
			if p.ID != g.id {
				t.Errorf("payload id %q, header %q", p.ID, g.id)
			}
			got = append(got, p)
		}
		var types []string
		for _, p := range got {
			types = append(types, p.Type)
		}
		want := []string{"case_opened", "target_passed", "owner_changed", "owner_changed", "absence_started"}
		if len(got) != len(want) {
			t.Fatalf("the receiver got %v, want %v", types, want)
		}
		for i, p := range got {
			if p.Type != want[i] {
				t.Fatalf("the receiver got %v, want %v", types, want)
			}
		}
		strict := func(raw json.RawMessage, v any) {
			t.Helper()
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields() // the documented shape, no more
			if err := dec.Decode(v); err != nil {
				t.Fatalf("%s: %v", raw, err)
			}
		}
		var opened desk.CaseOpenedData
		strict(got[0].Data, &opened)
		if got[0].CaseID != c.ID || got[0].Ref != c.Ref || opened.Ref != c.Ref || opened.Subject != "Router" || opened.Owner.Name != "Ann Tamm" ||
			opened.Team != "Support" || opened.Channel != "email" || opened.Status != desk.StatusOpen {
			t.Errorf("case_opened %+v %+v", got[0], opened)
		}
		var passed desk.TargetPassedData
		strict(got[1].Data, &passed)
		if passed.Target != "response" || passed.TargetSeconds != 3600 || passed.Owner.ID != ann.ID || passed.Team != "Support" {
			t.Errorf("target_passed %+v", passed)
		}
		var up, down desk.OwnerChangedData
		strict(got[2].Data, &up)
		if up.From.ID != ann.ID || up.To.ID != lea.ID || up.Reason != "escalation" || up.Rung != 1 {
			t.Errorf("owner_changed by escalation %+v", up)
		}
		strict(got[3].Data, &down)
		if down.From.ID != lea.ID || down.To.ID != ada.ID || down.Reason != "handover" {
			t.Errorf("owner_changed by the absence %+v", down)
		}
		var away desk.AbsenceStartedData
		strict(got[4].Data, &away)
		if got[4].CaseID != 0 || got[4].Ref != "" || away.Agent.ID != lea.ID || away.Kind != desk.AbsenceSick || away.MovedTo == nil ||
			away.MovedTo.ID != ada.ID || len(away.Cases) != 1 || away.Cases[0] != c.Ref {
			t.Errorf("absence_started %+v %+v", got[4], away)
		}
		seen := map[string]bool{}
		for _, p := range got {
			if seen[p.ID] {
				t.Errorf("two deliveries share the id %s", p.ID)
			}
			seen[p.ID] = true
		}
	})
}
