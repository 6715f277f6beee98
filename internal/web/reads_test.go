package web_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestPagesReadOnce checks that the case page, the team page and the inbox each cost one read
// of the service besides the session's: the service reads each page as one read model, and the
// handler only renders it. A plain agent's team page is refused by the service before it reads.
func TestPagesReadOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		var reads atomic.Int64
		d := newDesk(t, backend, service.WithReads(func() { reads.Add(1) }))
		ctx := context.Background()
		sys := desk.SystemActor()
		mona, err := d.Svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Mona Manager", Email: "mona@example.ee", Role: "manager", Team: "Care"})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Svc.SetPassword(ctx, mona.ID, casePassword); err != nil {
			t.Fatal(err)
		}
		ann := caseAgent(t, d, "Ann Tamm", "ann@example.ee", "Care")
		cust, err := d.Svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.ee"})
		if err != nil {
			t.Fatal(err)
		}
		c, err := d.Svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: cust.ID, Subject: "Router broken", Body: "It blinks red", Channel: "web", OwnerID: ann.ID})
		if err != nil {
			t.Fatal(err)
		}
		p, err := d.Svc.MakePromise(ctx, desk.AgentActor(ann), c.ID, desk.NewPromise{Kind: "callback", DueAt: start.Add(2 * time.Hour), Words: "I will call at eleven"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Svc.CreateCannedReply(ctx, sys, "Thanks", "Thank you for writing.", false); err != nil {
			t.Fatal(err)
		}

		// get reads a page and says how many reads it cost: the session's and the page's.
		get := func(b *browser, path string, status int) int64 {
			t.Helper()
			before := reads.Load()
			pg := b.get(path)
			if pg.Status != status {
				t.Fatalf("GET %s: %d, want %d\n%s", path, pg.Status, status, pg.Body)
			}
			return reads.Load() - before
		}
		asAnn := d.browser()
		asAnn.signIn(ann.Email, casePassword)
		for _, path := range []string{"/cases/" + idStr(c.ID), "/cases/" + idStr(c.ID) + "?done=promise&p=" + idStr(p.ID) + "#promises",
			"/inbox", "/inbox?scope=team"} {
			if n := get(asAnn, path, http.StatusOK); n != 2 {
				t.Errorf("GET %s took %d reads, want 2 (the session, the page)", path, n)
			}
		}
		// What the one read brought: the promise with its estimate, the canned reply, offers off.
		asAnn.get("/cases/"+idStr(c.ID)+"?done=promise&p="+idStr(p.ID)).mustContain(t, "I will call at eleven",
			`<p class="notice estimate-after" role="status">Too few kept promises of this kind yet to say how long they take.</p>`,
			`data-body="Thank you for writing."`, "Offers are off: a complaint of this customer is still open ("+c.Ref+")", "Mari Mets")
		if n := get(asAnn, "/team", http.StatusForbidden); n != 1 {
			t.Errorf("Ann's refused team page took %d reads, want 1 (the session only)", n)
		}
		asMona := d.browser()
		asMona.signIn(mona.Email, casePassword)
		if n := get(asMona, "/team", http.StatusOK); n != 2 {
			t.Errorf("the team page took %d reads, want 2 (the session, the page)", n)
		}
	})
}
