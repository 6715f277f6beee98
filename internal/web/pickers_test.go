package web_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store/storetest"
)

var (
	optgroupRE = regexp.MustCompile(`(?s)<optgroup label="([^"]*)"[^>]*>(.*?)</optgroup>`)
	optionRE   = regexp.MustCompile(`<option value="\d+"`)
)

// pickerGroups reads the teams of one picker (a select by id) and how many agents each lists.
func pickerGroups(t *testing.T, body, id string) (teams []string, counts map[string]int) {
	t.Helper()
	i := strings.Index(body, `<select name="to" id="`+id+`">`)
	if i < 0 {
		i = strings.Index(body, `id="`+id+`">`)
	}
	if i < 0 {
		t.Fatalf("no picker %s on the page", id)
	}
	sel := body[i : i+strings.Index(body[i:], "</select>")]
	counts = map[string]int{}
	for _, m := range optgroupRE.FindAllStringSubmatch(sel, -1) {
		teams = append(teams, m[1])
		counts[m[1]] = len(optionRE.FindAllString(m[2], -1))
	}
	return teams, counts
}

// TestPickersGroup500Agents: with 500 agents in 20 teams, the case page's owner and hand-over
// pickers group them by team, the reader's own team first, every agent listed once, each
// picker with its search box; the page still answers quickly.
func TestPickersGroup500Agents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		sys := desk.SystemActor()
		ctx := t.Context()
		var reader, owner desk.Agent
		for i := range 500 {
			team, role := fmt.Sprintf("Team %02d", i%20), "agent"
			if i == 137 {
				role = "lead" // Team 17's lead, who may hand over its cases
			}
			a, err := d.Svc.CreateAgent(ctx, sys, desk.NewAgent{Name: fmt.Sprintf("Agent %03d", i), Email: fmt.Sprintf("a%03d@example.com", i),
				Role: role, Team: team, Timezone: "UTC"})
			if err != nil {
				t.Fatal(err)
			}
			switch i {
			case 137: // Team 17
				reader = a
			case 17: // Team 17 too
				owner = a
			}
		}
		if err := d.Svc.SetPassword(ctx, reader.ID, "a long enough password"); err != nil {
			t.Fatal(err)
		}
		cust, err := d.Svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		c, err := d.Svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: cust.ID, Subject: "Help", Body: "Please help", Channel: "email", OwnerID: owner.ID})
		if err != nil {
			t.Fatal(err)
		}
		b := d.browser()
		b.signIn(reader.Email, "a long enough password")
		began := time.Now()
		p := b.get(fmt.Sprintf("/cases/%d", c.ID))
		took := time.Since(began)
		if p.Status != http.StatusOK {
			t.Fatalf("case page: %d", p.Status)
		}
		t.Logf("%s: the case page with 500 agents in its pickers answered in %v (%d bytes)", backend, took, len(p.Body))
		for id, want := range map[string]int{"promise-owner": 500, "handover-to": 499} {
			teams, counts := pickerGroups(t, p.Body, id)
			if len(teams) != 21 || teams[0] != "Team 17" || teams[1] != "Team 00" || teams[20] != "No team" {
				t.Errorf("%s: teams %v, want the reader's Team 17 first, the others in order, No team (the admin) last", id, teams)
			}
			total := 0
			for _, n := range counts {
				total += n
			}
			if total != want+1 { // and the desk's admin, in no team
				t.Errorf("%s lists %d agents, want %d", id, total, want+1)
			}
			if !strings.Contains(p.Body, `<input type="search" class="pick-filter" data-for="`+id+`"`) {
				t.Errorf("%s has no search box", id)
			}
		}
		if _, counts := pickerGroups(t, p.Body, "handover-to"); counts["Team 17"] != 24 {
			t.Errorf("the hand-over picker lists %d of Team 17, want 24 (its 25 less the owner)", counts["Team 17"])
		}
	})
}
