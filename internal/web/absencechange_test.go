package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestShortenAndCancelAbsence: the availability page's buttons shorten an absence and cancel
// one, and what the agent then sees is the absence as it now stands.
func TestShortenAndCancelAbsence(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		at := newAvailTeam(t, backend)
		leave := func(from, to string) desk.Absence {
			v, err := at.d.Svc.AddAbsence(at.ctx, desk.AgentActor(at.ann), at.ann.ID, desk.NewAbsence{Kind: "break", From: at.at(from), To: at.at(to)}, nil)
			if err != nil {
				t.Fatal(err)
			}
			return v.Absence
		}
		first := leave("2026-11-25 10:00", "2026-11-25 12:00")
		second := leave("2026-11-26 10:00", "2026-11-26 12:00")
		ann := at.signIn(at.ann)
		p := ann.get("/availability")
		p.mustContain(t, fmt.Sprintf(`action="/availability/absences/%d"`, first.ID), "Shorten", "Cancel")
		p = ann.post(fmt.Sprintf("/availability/absences/%d", first.ID), url.Values{"to": {"2026-11-25T11:00"}, "shorten": {"1"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("shorten: %d\n%s", p.Status, p.Body)
		}
		ann.get("/availability")
		p = ann.post(fmt.Sprintf("/availability/absences/%d", second.ID), url.Values{"cancel": {"1"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("cancel: %d\n%s", p.Status, p.Body)
		}
		left, err := at.d.Svc.Absences(at.ctx, desk.AgentActor(at.ann), at.ann.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(left) != 1 || left[0].ID != first.ID || !left[0].To.Equal(at.at("2026-11-25 11:00")) {
			t.Errorf("absences after shortening one and cancelling the other: %+v", left)
		}
		// Bea may not touch Ann's absence, even by its id.
		bea := at.signIn(at.bea)
		bea.get("/availability")
		if p := bea.post(fmt.Sprintf("/availability/absences/%d", first.ID), url.Values{"cancel": {"1"}}); p.Status != http.StatusNotFound {
			t.Errorf("Bea cancels Ann's absence: %d, want 404", p.Status)
		}
	})
}
