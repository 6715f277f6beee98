package service_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

func cannedNames(rs []desk.CannedReply) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Folder + "/" + r.Name
	}
	return out
}

// TestCannedScopesAndFolders: canned replies are the desk's, a team's or one agent's own, in
// folders. An agent sees the desk's, their team's and their own; a team's are made and changed
// by its lead; a personal one by its agent only, invisible to everyone else (even an admin),
// and never sent by another. The case page previews each as the customer will read it.
func TestCannedScopesAndFolders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		svc, _ := newService(t, backend)
		sys := desk.SystemActor()
		admin := desk.AgentActor(must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ada Admin", Email: "ada@example.ee", Role: "admin"})))
		lea := desk.AgentActor(must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Lea Lead", Email: "lea@example.ee", Role: "lead", Team: "Billing"})))
		ann := desk.AgentActor(must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ann Tamm", Email: "ann@example.ee", Role: "agent", Team: "Billing"})))
		bob := desk.AgentActor(must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Bob Kask", Email: "bob@example.ee", Role: "agent", Team: "Billing"})))
		cid := desk.AgentActor(must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Cid Saar", Email: "cid@example.ee", Role: "lead", Team: "Shipping"})))

		deskThanks := must(svc.CreateCannedReply(ctx, ann, "Thanks", "Thank you for writing.", false))
		refund := must(svc.CreateCanned(ctx, lea, service.CannedIn{Name: "Refund on its way", Folder: "Refunds", Scope: "team",
			Body: "Tere {{customer.first_name}}, the refund reaches you by {{promise.due}}. {{agent.first_name}}"}))
		if refund.Scope != "team" || refund.Team != "Billing" || refund.TeamID == 0 {
			t.Fatalf("Lea's team reply: %+v", refund)
		}
		mine := must(svc.CreateCanned(ctx, ann, service.CannedIn{Name: "Thanks", Folder: "Mine", Scope: "personal", Body: "Thanks, {{customer.name}}!"}))
		must(svc.CreateCanned(ctx, bob, service.CannedIn{Name: "Thanks", Scope: "personal", Body: "Cheers."})) // his own of the same name

		// Who makes what.
		if _, err := svc.CreateCanned(ctx, ann, service.CannedIn{Name: "Team words", Scope: "team", Body: "Hi"}); !isForbidden(err) {
			t.Errorf("an agent makes a team's reply: %v, want forbidden", err)
		}
		if _, err := svc.CreateCanned(ctx, cid, service.CannedIn{Name: "Their words", Scope: "team", Team: "Billing", Body: "Hi"}); !isForbidden(err) {
			t.Errorf("Shipping's lead makes a Billing reply: %v, want forbidden", err)
		}
		if _, err := svc.CreateCanned(ctx, ann, service.CannedIn{Name: "Typo", Scope: "personal", Body: "Dear {{customer.frist_name}}"}); !isInvalid(err, "body") {
			t.Errorf("an unknown variable in a personal reply: %v, want refused", err)
		}
		if _, err := svc.CreateCanned(ctx, ann, service.CannedIn{Name: "Odd", Scope: "everyone", Body: "Hi"}); !isInvalid(err, "scope") {
			t.Errorf("an unknown scope: %v, want refused", err)
		}
		if _, err := svc.CreateCannedReply(ctx, bob, "Thanks", "Again", false); err == nil {
			t.Error("a second desk reply named Thanks was made")
		}

		// Who sees what: by folder, then name.
		sees := func(a desk.Actor) []string { return cannedNames(must(svc.CannedReplies(ctx, a))) }
		if got, want := sees(ann), []string{"/Thanks", "Mine/Thanks", "Refunds/Refund on its way"}; !slices.Equal(got, want) {
			t.Errorf("Ann sees %v, want %v", got, want)
		}
		if got, want := sees(bob), []string{"/Thanks", "/Thanks", "Refunds/Refund on its way"}; !slices.Equal(got, want) {
			t.Errorf("Bob sees %v, want %v (the desk's and his own Thanks)", got, want)
		}
		if got, want := sees(cid), []string{"/Thanks"}; !slices.Equal(got, want) {
			t.Errorf("Shipping's lead sees %v, want %v", got, want)
		}
		if got, want := sees(admin), []string{"/Thanks", "Refunds/Refund on its way"}; !slices.Equal(got, want) {
			t.Errorf("the admin sees %v, want %v (every team's, nobody's personal)", got, want)
		}

		// Who changes what: the team's by its lead (not its agents), the personal one by Ann alone.
		if _, err := svc.UpdateCannedReply(ctx, ann, refund.ID, service.CannedPatch{Folder: ptr("Money")}); !isForbidden(err) {
			t.Errorf("an agent changes the team's reply: %v, want forbidden", err)
		}
		moved := must(svc.UpdateCannedReply(ctx, lea, refund.ID, service.CannedPatch{Folder: ptr("Money")}))
		if moved.Folder != "Money" || moved.Scope != "team" || moved.TeamID != refund.TeamID {
			t.Errorf("after the lead's change: %+v", moved)
		}
		for who, a := range map[string]desk.Actor{"Bob": bob, "the admin": admin} {
			if _, err := svc.UpdateCannedReply(ctx, a, mine.ID, service.CannedPatch{Name: ptr("Hijacked"), Body: ptr("x")}); !isNotFound(err) {
				t.Errorf("%s changes Ann's personal reply: %v, want not found", who, err)
			}
			if _, err := svc.DeleteCannedReply(ctx, a, mine.ID); !isNotFound(err) {
				t.Errorf("%s deletes Ann's personal reply: %v, want not found", who, err)
			}
		}
		if _, err := svc.UpdateCannedReply(ctx, ann, deskThanks.ID, service.CannedPatch{Body: ptr("Changed")}); !isForbidden(err) {
			t.Errorf("an agent changes the desk's reply: %v, want forbidden", err)
		}
		must(svc.UpdateCannedReply(ctx, ann, mine.ID, service.CannedPatch{Body: ptr("Thanks a lot, {{customer.name}}!"), Folder: ptr("Mine")}))

		// An automation acts for the desk: someone's personal reply is refused when the rule is saved,
		// not at every run.
		_, err := svc.CreateAutomation(ctx, admin, desk.Automation{Name: "Thank", Active: true, When: desk.AutomationWhen{Event: "case_opened"},
			Then: []desk.AutomationAction{{Do: desk.DoReply, CannedReplyID: mine.ID}}})
		if !isInvalid(err, "then[0].canned_reply_id") {
			t.Errorf("an automation with Ann's personal reply: %v, want refused", err)
		}

		// Sending: Bob cannot send Ann's personal reply by its number.
		mari := must(svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.ee", Lang: "et", Timezone: "Europe/Tallinn"}))
		c := must(svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: mari.ID, Subject: "Refund", Body: "Where is my refund?", Channel: "email", OwnerID: ann.ID}))
		if _, err := svc.AddMessage(ctx, bob, c.ID, desk.NewMessage{CannedReplyID: mine.ID}); !isInvalid(err, "canned_reply_id") {
			t.Errorf("Bob sends Ann's personal reply: %v, want refused as no such reply", err)
		}

		// The preview is what the customer reads: her name, the promise in Estonian and her zone.
		must(svc.MakePromise(ctx, ann, c.ID, desk.NewPromise{Kind: "update", Words: "The refund reaches you by Friday.", DueAt: time.Date(2026, 11, 27, 13, 0, 0, 0, time.UTC)}))
		page := must(svc.CasePage(ctx, ann, service.CasePageQuery{CaseID: c.ID}))
		preview := page.Previews[refund.ID]
		if !strings.HasPrefix(preview, "Tere Mari, the refund reaches you by ") || strings.Contains(preview, "{{") || !strings.HasSuffix(preview, " Ann") {
			t.Errorf("the preview reads %q", preview)
		}
		if slices.ContainsFunc(page.Canned, func(r desk.CannedReply) bool { return r.AgentID == bob.ID }) {
			t.Error("Ann's case page offers Bob's personal reply")
		}
		must(svc.AddMessage(ctx, ann, c.ID, desk.NewMessage{CannedReplyID: refund.ID}))
		rec := must(svc.Record(ctx, ann, c.ID))
		if sent := rec[len(rec)-1].Body; sent != preview {
			t.Errorf("sent %q, previewed %q", sent, preview)
		}
	})
}
