package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

var (
	bulkGroupRE = regexp.MustCompile(`name="gkey_(\d+)" value="([^"]+)"`)
	bulkCaseRE  = regexp.MustCompile(`name="case" value="(\d+)"`)
)

// An agent with 150 open cases hands them over for a leave a page of 25 at a time, grouped by
// customer, with one briefing per group and a note on one case; what is written is kept across
// the pages, and the last button hands every case over (issue 15, finding 10: one page 41,540
// px high with 153 briefing boxes).
func TestBulkHandoverOf150Cases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		at := newAvailTeam(t, backend)
		first := open150(t, at)
		ann := at.signIn(at.ann)
		ann.get("/availability")
		leave := url.Values{"kind": {"leave"}, "from": {"2026-11-24T09:00"}, "to": {"2026-11-28T00:00"}}
		p := ann.post("/availability/absences", leave)
		if p.Status != http.StatusConflict {
			t.Fatalf("leave with 150 cases: %d", p.Status)
		}
		p.mustContain(t, "Many cases? Hand them over in groups, 25 a page")

		base := "/availability/handover?" + leave.Encode() + "&group=customer"
		p = ann.get(base)
		if p.Status != http.StatusOK {
			t.Fatalf("the bulk page: %d\n%s", p.Status, p.Body)
		}
		p.mustContain(t, "150 open cases", "Page 1 of 6", "Customer: Customer 00", "Briefing for the group&#39;s 5 cases")
		if n := len(bulkCaseRE.FindAllString(p.Body, -1)); n != 25 {
			t.Fatalf("page 1 shows %d cases, want 25", n)
		}
		// Starting with nothing written names what is missing.
		start := func() page {
			f := url.Values{"action": {"start"}, "group": {"customer"}, "page": {"1"}}
			for k, v := range leave {
				f[k] = v
			}
			return ann.post("/availability/handover", f)
		}
		if r := start(); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "150 cases still need a colleague") {
			t.Fatalf("starting with nothing written: %d", r.Status)
		}
		// Each page: every group goes to Bea with a briefing; one case gets a note of its own.
		for page := 1; page <= 6; page++ {
			p = ann.get(fmt.Sprintf("%s&page=%d", base, page))
			action := "next"
			if page == 6 {
				action = "save"
			}
			f := url.Values{"action": {action}, "group": {"customer"}, "page": {fmt.Sprint(page)}}
			for k, v := range leave {
				f[k] = v
			}
			for _, g := range bulkGroupRE.FindAllStringSubmatch(p.Body, -1) {
				f.Set("gkey_"+g[1], g[2])
				f.Set("gto_"+g[1], idStr(at.bea.ID))
				f.Set("gtext_"+g[1], "Briefing for "+g[2])
			}
			for _, c := range bulkCaseRE.FindAllStringSubmatch(p.Body, -1) {
				f.Add("case", c[1])
				if c[1] == idStr(first.ID) {
					f.Set("note_"+c[1], "She prefers a phone call.")
				}
			}
			r := ann.post("/availability/handover", f)
			if r.Status != http.StatusSeeOther || !strings.Contains(r.Location, fmt.Sprintf("page=%d", min(page+1, 6))) {
				t.Fatalf("saving page %d: %d → %q", page, r.Status, r.Location)
			}
			if page == 1 {
				ann.get(r.Location).mustContain(t, "Saved.", "Page 2 of 6")
			}
		}
		// Page 1 still holds what was written on it.
		ann.get(base+"&page=1").mustContain(t, "Briefing for customer:", "She prefers a phone call.")
		if r := start(); r.Status != http.StatusSeeOther {
			t.Fatalf("handing over all: %d\n%s", r.Status, r.Body)
		}
		if left := caseMustList(t, at, at.ann.ID); left != 0 {
			t.Errorf("Ann still owns %d active cases", left)
		}
		if got := caseMustList(t, at, at.bea.ID); got != 150 {
			t.Errorf("Bea owns %d cases, want 150", got)
		}
		rec, err := at.d.Svc.Record(at.ctx, at.sys, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		var briefing string
		for _, e := range rec {
			if e.Kind == desk.KindHandover {
				briefing = e.Body
			}
		}
		if !strings.HasPrefix(briefing, "Briefing for customer:") || !strings.HasSuffix(briefing, "\n\nShe prefers a phone call.") {
			t.Errorf("the first case's briefing: %q", briefing)
		}
		if ds, _ := at.d.Svc.HandoverDrafts(at.ctx, desk.AgentActor(at.ann), at.ann.ID); len(ds) != 0 {
			t.Errorf("%d drafts left after the leave was recorded", len(ds))
		}
	})
}

// caseMustList counts an agent's active cases.
func caseMustList(t *testing.T, at *availTeam, agentID int64) int {
	t.Helper()
	rows, err := at.d.Svc.Inbox(at.ctx, at.sys, service.InboxQuery{OwnerID: agentID,
		Statuses: []desk.Status{desk.StatusOpen, desk.StatusAwaitingConfirmation}, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return len(rows)
}

// open150 gives Ann 150 open cases, five for each of 30 customers, and returns the first.
func open150(t *testing.T, at *availTeam) service.CaseView {
	t.Helper()
	var first service.CaseView
	for i := range 30 {
		cust, err := at.d.Svc.CreateCustomer(at.ctx, at.sys, desk.NewCustomer{Name: fmt.Sprintf("Customer %02d", i), Email: fmt.Sprintf("c%02d@example.ee", i)})
		if err != nil {
			t.Fatal(err)
		}
		for j := range 5 {
			c, err := at.d.Svc.OpenCase(at.ctx, at.sys, desk.NewCase{CustomerID: cust.ID, Subject: fmt.Sprintf("Question %d of %02d", j, i),
				Body: "Please help.", Channel: "web", OwnerID: at.ann.ID})
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 && j == 0 {
				first = c
			}
		}
	}
	return first
}
