package web_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// agentForm is the new-agent form as a person fills it in.
func agentForm(name, email, role, team string, hours map[string]string) url.Values {
	f := url.Values{"name": {name}, "email": {email}, "role": {role}, "team": {team}, "timezone": {"Europe/Tallinn"}}
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		f.Set(d, hours[d])
	}
	return f
}

// postIn sends a form as a reader of lang.
func (b *browser) postIn(lang, path string, form url.Values) page {
	b.t.Helper()
	form.Set("csrf", b.csrf)
	req, _ := http.NewRequest(http.MethodPost, b.d.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Language", lang)
	return b.do(req)
}

// Issue 16, finding 1: agents, teams, case types and canned replies could be administered only
// through the API. The screens run the same commands: an admin adds an agent with a lunch
// break, changes their hours (a bad span is refused in the reader's words and what was typed
// stays), sets a team's hours, holidays (from an .ics file) and address, and the admin log
// shows each change.
func TestAdminAgentsAndTeams(t *testing.T) {
	ics, err := os.ReadFile("../mail/testdata/holidays-ee.ics")
	if err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		b := d.browser()
		b.signIn("admin@example.com", adminPassword)
		b.get("/inbox").mustContain(t, `href="/admin"`)
		p := b.get("/admin/agents")
		p.mustContain(t, "Add an agent", "Ada Admin")

		week := map[string]string{"mon": "09:00-12:00, 12:30-17:00", "tue": "09:00-17:00"}
		p = b.post("/admin/agents", agentForm("Bea Billing", "bea@desk.test", "agent", "Billing", week))
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/admin/agents/") {
			t.Fatalf("adding an agent: %d %s\n%s", p.Status, p.Location, p.Body)
		}
		bea, err := d.Svc.Agents(context.Background(), desk.AgentActor(d.Admin))
		if err != nil {
			t.Fatal(err)
		}
		var id int64
		for _, a := range bea {
			if a.Email == "bea@desk.test" {
				id = a.ID
				if a.Team != "Billing" || a.Timezone != "Europe/Tallinn" || len(a.Hours[1]) != 2 || a.Hours[1][1].String() != "12:30-17:00" {
					t.Fatalf("the agent as stored: %+v", a)
				}
			}
		}
		page := fmt.Sprintf("/admin/agents/%d", id)
		b.get(p.Location).mustContain(t, "The agent was added", `value="09:00-12:00, 12:30-17:00"`)

		// A bad span: refused, in the reader's words, naming the day and what was typed.
		bad := url.Values{"name": {"Bea Billing"}, "role": {"agent"}, "team": {"Billing"}, "timezone": {"Europe/Tallinn"},
			"manager_id": {"0"}, "mon": {"09:00-25:00"}, "tue": {"09:00-17:00"}}
		p = b.post(page, bad)
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("a bad span: %d", p.Status)
		}
		p.mustContain(t, "Monday: “09:00-25:00” is not a time span", `name="mon" value="09:00-25:00" placeholder="09:00-12:30, 13:30-17:00" aria-invalid="true"`)
		p = b.postIn("et", page, bad)
		p.mustContain(t, "Esmaspäev: „09:00-25:00“ ei ole ajavahemik", `value="09:00-25:00"`)
		p = b.postIn("hr", page, url.Values{"name": {"Bea Billing"}, "timezone": {"Mars/Olympus"}, "mon": {"09:00-17:00"}})
		p.mustContain(t, "„Mars/Olympus” nije vremenska zona", `value="Mars/Olympus"`)

		good := url.Values{"name": {"Bea Billing"}, "role": {"lead"}, "team": {"Billing"}, "timezone": {"Europe/Tallinn"},
			"manager_id": {fmt.Sprint(d.Admin.ID)}, "mon": {"08:00-12:00, 13:00-16:00"}}
		if p = b.post(page, good); p.Status != http.StatusSeeOther {
			t.Fatalf("saving the agent: %d\n%s", p.Status, p.Body)
		}
		b.get(p.Location).mustContain(t, "Saved.", `value="08:00-12:00, 13:00-16:00"`, `<option value="lead" selected>`)

		// Deactivate from the list, and back.
		b.get("/admin/agents")
		p = b.post(fmt.Sprintf("/team/agents/%d/active", id), url.Values{"active": {"false"}, "next": {"/admin/agents"}})
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/admin/agents?") {
			t.Fatalf("deactivating: %d %s", p.Status, p.Location)
		}
		b.get(p.Location).mustContain(t, "The agent was deactivated", "Reactivate")

		// The team: hours, a holiday file, an address; a bad address is refused and kept.
		b.get("/admin/teams").mustContain(t, `href="/admin/teams/Billing"`)
		b.get("/admin/teams/Billing")
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fields := map[string]string{"csrf": b.csrf, "timezone": "Europe/Tallinn", "response_target": "4h", "resolution_target": "5d",
			"reminders": "24h, 1h", "bh_mon": "08:00-16:00", "bh_fri": "08:00-15:00", "holidays": "2026-12-31", "addresses": "billing@desk.test"}
		for k, v := range fields {
			_ = mw.WriteField(k, v)
		}
		fw, _ := mw.CreateFormFile("holidays_ics", "holidays-ee.ics")
		_, _ = fw.Write(ics)
		_ = mw.Close()
		req, _ := http.NewRequest(http.MethodPost, d.URL+"/admin/teams/Billing", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		if p = b.do(req); p.Status != http.StatusSeeOther {
			t.Fatalf("saving the team: %d\n%s", p.Status, p.Body)
		}
		teams, err := d.Svc.Teams(context.Background(), desk.AgentActor(d.Admin))
		if err != nil {
			t.Fatal(err)
		}
		for _, tm := range teams {
			if tm.Name != "Billing" {
				continue
			}
			if tm.BusinessHours == nil || tm.BusinessHours[1][0].String() != "08:00-16:00" || !strings.Contains(strings.Join(tm.Holidays, " "), "2026-12-24") ||
				!strings.Contains(strings.Join(tm.Holidays, " "), "2026-12-31") || len(tm.Addresses) != 1 || len(tm.ReminderOffsets) != 2 {
				t.Fatalf("the team as stored: %+v", tm)
			}
		}
		p = b.post("/admin/teams/Billing", url.Values{"timezone": {"Europe/Tallinn"}, "response_target": {"4h"}, "bh_mon": {"08:00-16:00"},
			"addresses": {"not an address"}})
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("a bad address: %d", p.Status)
		}
		p.mustContain(t, "Addresses are email addresses", "not an address</textarea>")

		// The admin log has each change, newest first, with who made it.
		p = b.get("/admin/log")
		p.mustContain(t, "Team settings changed", "Agent deactivated", "Agent changed", "Agent added", "bea@desk.test", "Ada Admin")
		if strings.Index(p.Body, "Team settings changed") > strings.Index(p.Body, "Agent added") {
			t.Error("the log is not newest first")
		}
		if !strings.Contains(p.Body, "&#34;role&#34;:&#34;agent&#34;") || !strings.Contains(p.Body, "&#34;role&#34;:&#34;lead&#34;") {
			t.Errorf("the log does not show the role before and after:\n%s", p.Body)
		}
		// The page shows the chain's head: the newest row's hash, which kept verify checks.
		head := regexp.MustCompile(`id="admin-log-head" data-seq="(\d+)" data-hash="([0-9a-f]{64})"`).FindStringSubmatch(p.Body)
		newest := regexp.MustCompile(`<tr data-action="[a-z.]+" data-hash="([0-9a-f]{64})"><td>(\d+)</td>`).FindStringSubmatch(p.Body)
		if head == nil || newest == nil || head[2] != newest[1] || head[1] != newest[2] {
			t.Errorf("the log's head %v is not its newest row %v", head, newest)
		}
		p.mustContain(t, "The log is a hash chain")
	})
}

// Case types and canned replies on their screens; who sees the screens is the table's answer:
// an agent reads the canned replies, the rest of administration is refused, and the nav shows
// "Admin" only to those who may.
func TestAdminCaseTypesAndCanned(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		ctx := context.Background()
		ann, err := d.Svc.CreateAgent(ctx, desk.SystemActor(), desk.NewAgent{Name: "Ann Agent", Email: "ann@desk.test", Role: "agent", Team: "Care"})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Svc.SetPassword(ctx, ann.ID, adminPassword); err != nil {
			t.Fatal(err)
		}
		b := d.browser()
		b.signIn("admin@example.com", adminPassword)
		b.get("/admin/case-types")
		p := b.post("/admin/case-types", url.Values{"name": {"Repair"}, "team": {"Care"}, "references": {"order, serial"},
			"steps": {"Diagnosis: we find the fault\nReturn: we send it back"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("adding a case type: %d\n%s", p.Status, p.Body)
		}
		types, err := d.Svc.CaseTypes(ctx, desk.AgentActor(d.Admin))
		if err != nil || len(types) != 1 || len(types[0].Steps) != 2 || types[0].Steps[1].Explanation != "we send it back" {
			t.Fatalf("case types: %+v %v", types, err)
		}
		edit := fmt.Sprintf("/admin/case-types/%d", types[0].ID)
		b.get(edit).mustContain(t, "Diagnosis: we find the fault")
		p = b.post(edit, url.Values{"team": {"Care"}, "references": {"order"}, "steps": {"Diagnosis\nReturn: we send it back"}})
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("a step without explanation: %d", p.Status)
		}
		p.mustContain(t, "Each step is one line", "Diagnosis\nReturn: we send it back</textarea>")
		if p = b.post(edit, url.Values{"team": {"Care"}, "references": {"order"}, "steps": {"Diagnosis: we look\nReturn: we send it back"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("saving the case type: %d\n%s", p.Status, p.Body)
		}

		b.get("/admin/canned")
		p = b.post("/admin/canned", url.Values{"name": {"Thanks"}, "body": {"Dear {{customer.frist_name}}"}})
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("an unknown variable: %d", p.Status)
		}
		p.mustContain(t, "using only the variables listed", "Dear {{customer.frist_name}}</textarea>")
		if p = b.post("/admin/canned", url.Values{"name": {"Thanks"}, "body": {"Dear {{customer.first_name}}, thank you."}}); p.Status != http.StatusSeeOther {
			t.Fatalf("adding a canned reply: %d\n%s", p.Status, p.Body)
		}
		list, err := d.Svc.CannedReplies(ctx, desk.AgentActor(d.Admin))
		if err != nil || len(list) != 1 {
			t.Fatalf("canned replies: %v %v", list, err)
		}
		one := fmt.Sprintf("/admin/canned/%d", list[0].ID)
		b.get(one)
		if p = b.post(one, url.Values{"name": {"Thanks"}, "body": {"Dear {{customer.first_name}}, thank you again."}}); p.Status != http.StatusSeeOther {
			t.Fatalf("saving the canned reply: %d", p.Status)
		}
		if p = b.post(one+"/delete", nil); p.Status != http.StatusSeeOther {
			t.Fatalf("deleting the canned reply: %d", p.Status)
		}
		b.get("/admin/log").mustContain(t, "Case type added", "Case type changed", "Canned reply added", "Canned reply changed", "Canned reply deleted")

		// An agent: no Admin link, the screens refused, the canned replies readable.
		a := d.browser()
		a.signIn("ann@desk.test", adminPassword)
		if p := a.get("/inbox"); strings.Contains(p.Body, `href="/admin"`) {
			t.Error("an agent is shown the Admin link")
		}
		for _, path := range []string{"/admin", "/admin/agents", "/admin/teams", "/admin/case-types", edit, "/admin/log"} {
			if p := a.get(path); p.Status != http.StatusForbidden {
				t.Errorf("an agent opens %s: %d", path, p.Status)
			}
		}
		if p := a.get("/admin/canned"); p.Status != http.StatusOK {
			t.Errorf("an agent reads the canned replies: %d", p.Status)
		}
		// Their own name, zone and hours they change themselves; not their role.
		own := fmt.Sprintf("/admin/agents/%d", ann.ID)
		a.get(own).mustContain(t, `name="mon"`)
		if strings.Contains(a.get(own).Body, `name="role"`) {
			t.Error("an agent is offered their own role")
		}
		if p := a.post(own, url.Values{"name": {"Ann Agent"}, "timezone": {"Europe/Tallinn"}, "mon": {"10:00-18:00"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("an agent changes their own hours: %d\n%s", p.Status, p.Body)
		}
		if p := a.post(own, url.Values{"name": {"Ann Agent"}, "role": {"admin"}, "timezone": {"UTC"}}); p.Status != http.StatusForbidden {
			t.Errorf("an agent makes themselves admin: %d", p.Status)
		}
	})
}

// TestNULInAFormRefused: a form whose text holds a NUL character is refused with the page's
// 422, on every page at once. PostgreSQL refuses NUL in text, so such a post failed there with
// a 500; SQLite stored it.
func TestNULInAFormRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		b := d.browser()
		b.signIn(d.Admin.Email, adminPassword)
		b.get("/admin/canned")
		if p := b.post("/admin/canned", url.Values{"name": {"Th\x00anks"}, "body": {"Thank you."}}); p.Status != http.StatusUnprocessableEntity {
			t.Errorf("a canned reply named with a NUL: %d", p.Status)
		}
		if p := b.get("/?team=%00"); p.Status != http.StatusUnprocessableEntity {
			t.Errorf("the inbox asked for a team with a NUL: %d", p.Status)
		}
		if list, err := d.Svc.CannedReplies(context.Background(), desk.AgentActor(d.Admin)); err != nil || len(list) != 0 {
			t.Errorf("canned replies: %v %v", list, err)
		}
	})
}
