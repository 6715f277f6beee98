package service_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// Issue 16: every administrative change is a row of the admin log, written in the change's own
// unit of work: a refused change leaves none, and each row keeps who, when, what, and only the
// fields that changed, before and after. Token secrets and webhook secrets never reach it;
// only admins read it.
func TestAdminLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		clk := clock.NewFake(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
		svc := service.New(storetest.Open(t, backend), clk, slog.New(slog.DiscardHandler), service.WithWebhooks(true))
		sys := desk.SystemActor()
		ada := desk.AgentActor(must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ada Admin", Email: "ada@desk.test", Role: "admin"})))
		mia := must(svc.CreateAgent(ctx, ada, desk.NewAgent{Name: "Mia Manager", Email: "mia@desk.test", Role: "manager", Team: "Care"}))
		bea := must(svc.CreateAgent(ctx, ada, desk.NewAgent{Name: "Bea", Email: "bea@desk.test", Role: "agent", Team: "Care", ManagerID: mia.ID}))

		before := must(svc.AdminLog(ctx, ada, 0))
		bad := map[string][]string{"mon": {"09:00-25:00"}}
		if _, err := svc.UpdateAgent(ctx, ada, bea.ID, service.AgentUpdate{Hours: bad}); err == nil {
			t.Fatal("a bad span was taken")
		}
		if _, err := svc.UpdateAgent(ctx, desk.AgentActor(bea), bea.ID, service.AgentUpdate{Role: ptr("admin")}); err == nil {
			t.Fatal("an agent made themselves admin")
		}
		if after := must(svc.AdminLog(ctx, ada, 0)); len(after.Changes) != len(before.Changes) {
			t.Fatalf("refused changes were logged: %+v", after.Changes[0])
		}

		clk.Advance(time.Minute)
		must(svc.UpdateAgent(ctx, desk.AgentActor(mia), bea.ID, service.AgentUpdate{Role: ptr("lead")}))
		must(svc.SetTeamSettings(ctx, ada, "Care", service.TeamSettingsIn{Addresses: []string{"care@desk.test"}}))
		k := must(svc.CreateToken(ctx, ada, service.NewToken{AgentID: bea.ID, Label: "phone"}))
		must(svc.RevokeToken(ctx, ada, k.ID))
		must(svc.CreateWebhook(ctx, ada, service.WebhookIn{URL: "http://127.0.0.1:9/hook", Events: []string{"*"}, Secret: "s3cret-s3cret-s3cret"}))
		must(svc.SetAgentActive(ctx, ada, bea.ID, false))

		log := must(svc.AdminLog(ctx, ada, 0)).Changes
		var actions []string
		for _, c := range log {
			actions = append(actions, c.Action)
			if strings.Contains(c.After+c.Before, "s3cret") || strings.Contains(c.After, k.Secret) {
				t.Errorf("a secret in the log: %+v", c)
			}
		}
		want := "agent.deactivate webhook.create token.revoke token.create team.settings agent.update agent.create agent.create agent.create"
		if got := strings.Join(actions, " "); got != want {
			t.Fatalf("the log, newest first:\n%s\nwant\n%s", got, want)
		}
		role := log[5]
		if role.ActorName != "Mia Manager" || role.Object != "bea@desk.test" || role.Before != `{"role":"agent"}` || role.After != `{"role":"lead"}` ||
			!role.At.Equal(clk.Now()) {
			t.Errorf("the role change: %+v", role)
		}
		if team := log[4]; team.Object != "Care" || team.Before != `{"addresses":[]}` || team.After != `{"addresses":["care@desk.test"]}` {
			t.Errorf("the team change: %+v", team)
		}
		if _, err := svc.AdminLog(ctx, desk.AgentActor(mia), 0); !isForbidden(err) {
			t.Errorf("a manager reads the admin log: %v", err)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// The admin log is one chain however many administrative changes run at once (several nodes
// on PostgreSQL): each writer chains onto the head the one before it committed, so kept
// verify finds every link holding and no two rows in one place.
func TestAdminLogChainUnderConcurrentChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		clk := clock.NewFake(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
		svc := service.New(storetest.Open(t, backend), clk, slog.New(slog.DiscardHandler))
		sys := desk.SystemActor()
		const n = 12
		errs := make(chan error, n)
		for i := range n {
			go func() {
				_, err := svc.SetTeamSettings(ctx, sys, "Team "+string(rune('A'+i)), service.TeamSettingsIn{Timezone: ptr("Europe/Tallinn")})
				errs <- err
			}()
		}
		for range n {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		rep, err := svc.Verify(ctx, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.AdminLog != n || !rep.OK() {
			t.Fatalf("after %d changes at once: %d rows checked, faults %v", n, rep.AdminLog, rep.Faults)
		}
		log := must(svc.AdminLog(ctx, desk.SystemActor(), 0))
		if log.Head.Seq != n || log.Head.Hash != log.Changes[0].Hash {
			t.Errorf("the head %+v is not the newest row %+v", log.Head, log.Changes[0])
		}
	})
}
