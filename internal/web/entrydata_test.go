package web_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestRecordShowsEntryData (issue 14, finding 6): what the case page and the portal show from
// each entry's data, now read through its kind's type: a promise's due time, a slip's times and
// reason, why a case climbed, an offer, a hand-over without a briefing, and in the portal the
// status a case moved to.
func TestRecordShowsEntryData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newPortalDesk(t, backend)
		ctx, sys := context.Background(), desk.SystemActor()
		ann := caseAgent(t, d, "Ann Tamm", "ann@example.com", "Care")
		asAnn := desk.AgentActor(ann)
		mari := caseMust(d.Svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.ee"}))
		c := caseMust(d.Svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: mari.ID, Subject: "Router", Body: "It blinks.", Channel: "web", OwnerID: ann.ID}))
		tue := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
		p := caseMust(d.Svc.MakePromise(ctx, asAnn, c.ID, desk.NewPromise{Kind: "delivery", DueAt: tue, Words: "A new router by Tuesday."}))
		caseMust(d.Svc.SlipPromise(ctx, asAnn, p.ID, desk.Slip{DueAt: tue.Add(4 * time.Hour), Reason: "the courier <is> late", Message: "Later, sorry."}))
		caseMust(d.Svc.SlipPromise(ctx, asAnn, p.ID, desk.Slip{DueAt: tue.Add(5 * time.Hour), Reason: "still late", Message: "Later still."}))
		caseMust(d.Svc.MakePromise(ctx, asAnn, c.ID, desk.NewPromise{Kind: "callback", DueAt: start.Add(time.Hour), Words: "I call you at ten."}))
		d.Clock.Advance(2 * time.Hour)
		d.runTimers() // the call-back breaks
		caseMust(d.Svc.KeepPromise(ctx, asAnn, p.ID, "Delivered."))
		// The case climbed when the call-back broke: its owner now resolves it (issue 13).
		up := caseMust(d.Svc.Case(ctx, sys, c.ID)).Owner
		caseMust(d.Svc.Resolve(ctx, desk.Actor{Kind: desk.ActorAgent, ID: up.ID, Name: up.Name, Role: desk.Role(up.Role)}, c.ID, "The router was replaced."))
		caseMust(d.Svc.Confirm(ctx, desk.CustomerActor(mari), c.ID, desk.Confirmation{Confirmed: true}))
		caseMust(d.Svc.AddMessage(ctx, asAnn, c.ID, desk.NewMessage{Body: "A faster router, 20% off.", Offer: true}))

		b := d.browser()
		b.signIn("ann@example.com", casePassword)
		page := b.get(fmt.Sprintf("/cases/%d", c.ID))
		for _, re := range []string{
			`Due Tue 24 Nov 10:00`,                                     // made, kept
			`Moved from Tue 24 Nov 10:00 to Tue 24 Nov 14:00`,          // the first slip
			`Reason: <span data-user-text>the courier &lt;is&gt; late`, // its reason
			`Because a promise slipped twice`,                          // the second slip's escalation
			`(?s)Promise broken.*Due Mon 23 Nov 10:00`,                 // the broken call-back
			`Because a promise was broken`,                             // and its escalation
			`<span class="badge offer">offer</span>`,                   // the offer
		} {
			if !regexp.MustCompile(re).MatchString(page.Body) {
				t.Errorf("the case page does not show %s; it is:\n%s", re, page.Body)
			}
		}

		// Bob falls ill: his case goes to Lea without a briefing.
		lea := caseMust(d.Svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Lea Juht", Email: "lea@example.com", Role: "lead", Team: "Care", Timezone: "UTC"}))
		bob := caseMust(d.Svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Bob Kask", Email: "bob@example.com", Role: "agent", Team: "Care", ManagerID: lea.ID, Timezone: "UTC"}))
		bobs := caseMust(d.Svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: mari.ID, Subject: "Bill", Body: "Too high.", Channel: "web", OwnerID: bob.ID}))
		caseMust(d.Svc.AddAbsence(ctx, sys, bob.ID, desk.NewAbsence{Kind: "sick", From: d.Clock.Now(), To: d.Clock.Now().Add(48 * time.Hour)}, nil))
		b.get(fmt.Sprintf("/cases/%d", bobs.ID)).mustContain(t, `<span class="badge over">hand-over missing</span>`)

		// In the portal Mari reads each status change in her words.
		m := d.browser()
		m.portalSignIn("mari@example.ee")
		m.get(fmt.Sprintf("/portal/cases/%s", portalID(c.ID))).mustContain(t, "The case is now: Awaiting your confirmation.", "The case is now: Resolved.")
	})
}
