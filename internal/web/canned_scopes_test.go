package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestCannedFoldersInTheComposer: an agent makes a personal canned reply in a folder on the
// canned replies screen; the composer groups the replies by folder and offers each filled in
// for the case's customer; the screen links only the replies the reader may change.
func TestCannedFoldersInTheComposer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newInboxScene(t, backend)
		svc, ctx := sc.d.Svc, sc.ctx
		team, err := svc.CreateCanned(ctx, desk.SystemActor(), service.CannedIn{Name: "Refund sent", Folder: "Refunds", Scope: "team", Team: "Billing",
			Body: "Dear {{customer.first_name}}, the refund is on its way."})
		if err != nil {
			t.Fatal(err)
		}
		ann := sc.d.browser()
		ann.signIn(sc.ann.Email, sc.password)
		ann.get("/admin/canned").mustContain(t, `name="scope"`, `name="folder"`, "Only me")
		p := ann.post("/admin/canned", url.Values{"name": {"My thanks"}, "folder": {"Mine"}, "scope": {"personal"}, "body": {"Thanks, {{customer.name}}!"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("a personal reply on the screen: %d\n%s", p.Status, p.Body)
		}
		list, err := svc.CannedReplies(ctx, desk.AgentActor(sc.ann))
		if err != nil || len(list) != 2 {
			t.Fatalf("Ann's replies: %v %v", list, err)
		}
		mine := list[0]
		if mine.Name != "My thanks" || mine.Scope != "personal" || mine.AgentID != sc.ann.ID {
			t.Fatalf("Ann's reply: %+v", mine)
		}
		p = ann.get("/admin/canned")
		p.mustContain(t, fmt.Sprintf(`<a href="/admin/canned/%d" data-user-text>My thanks</a>`, mine.ID), `<span data-user-text>Refund sent</span>`)

		p = ann.get(fmt.Sprintf("/cases/%d", sc.waiting.ID))
		p.mustContain(t, `<optgroup label="Mine" data-user-text><option value="`+fmt.Sprint(mine.ID)+`" data-user-text data-body="Thanks, Mari Mets!">My thanks</option></optgroup>`,
			`<optgroup label="Refunds" data-user-text><option value="`+fmt.Sprint(team.ID)+`" data-user-text data-body="Dear Mari, the refund is on its way.">Refund sent</option></optgroup>`)

		// Bob, of the same team, is offered the team's reply and not Ann's own.
		bob := sc.d.browser()
		bob.signIn(sc.bob.Email, sc.password)
		if p = bob.get(fmt.Sprintf("/cases/%d", sc.bobs.ID)); strings.Contains(p.Body, "My thanks") || !strings.Contains(p.Body, "Refund sent") {
			t.Errorf("Bob's composer offers:\n%s", p.Body)
		}
		if p = bob.get(fmt.Sprintf("/admin/canned/%d", mine.ID)); p.Status != http.StatusNotFound {
			t.Errorf("Bob opens Ann's personal reply: %d", p.Status)
		}
	})
}
