package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// Issue 16, §1: from an agent's page an admin has them mailed a password reset link (the page
// and the log show no password and no link), sees their API tokens and revokes one; a team's
// default language is set on its page, and a customer who never chose a language, writing to
// the team's address, reads the desk in it. Each change is on the admin log.
func TestAdminResetsPasswordRevokesTokensSetsTeamLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend, service.WithMail(service.MailConfig{Address: "care@desk.test", Outbound: true}))
		ctx := context.Background()
		ann := caseAgent(t, d, "Ann Tamm", "ann@example.com", "Care")
		k, err := d.Svc.CreateToken(ctx, desk.AgentActor(d.Admin), service.NewToken{AgentID: ann.ID, Label: "phone bridge"})
		if err != nil {
			t.Fatal(err)
		}
		b := d.browser()
		b.signIn("admin@example.com", adminPassword)
		page := fmt.Sprintf("/admin/agents/%d", ann.ID)
		p := b.get(page)
		p.mustContain(t, `id="password-reset"`, "Mail a password reset link", "A recurring break, such as lunch", `id="agent-tokens"`, "phone bridge", fmt.Sprintf(`action="/admin/tokens/%d/revoke"`, k.Token.ID))
		if strings.Contains(p.Body, k.Secret) {
			t.Error("the agent's page shows a token's secret")
		}

		p = b.post(page+"/password-reset", url.Values{})
		if p.Status != http.StatusSeeOther || p.Location != page+"?done=reset_sent" {
			t.Fatalf("password reset: %d %s\n%s", p.Status, p.Location, p.Body)
		}
		shown := b.get(p.Location)
		shown.mustContain(t, "A one-time link to set a new password was mailed")
		mails := portalMails(t, d)
		if len(mails) != 1 || mails[0].To != "ann@example.com" {
			t.Fatalf("mails queued: %d", len(mails))
		}
		msg, err := mail.Parse(mails[0].Raw, mail.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		link := strings.TrimPrefix(resetLinkRE.FindString(msg.Text), d.URL)
		if link == "" {
			t.Fatalf("no reset link in the mail:\n%s", msg.Text)
		}
		_, token, _ := strings.Cut(link, "token=")
		if strings.Contains(shown.Body, token) {
			t.Error("the admin's page shows the reset link")
		}
		// The link sets Ann's password, as the one she would ask for herself.
		annB := d.browser()
		annB.get(link).mustContain(t, `name="token"`)

		p = b.post(fmt.Sprintf("/admin/tokens/%d/revoke", k.Token.ID), url.Values{})
		if p.Status != http.StatusSeeOther || p.Location != page+"?done=token_revoked" {
			t.Fatalf("revoke: %d %s\n%s", p.Status, p.Location, p.Body)
		}
		b.get(p.Location).mustContain(t, "The API token was revoked", `data-state="revoked"`)
		if _, err := d.Svc.Authenticate(ctx, k.Secret); err == nil {
			t.Error("the revoked token still works")
		}

		// An agent has no reset button on their own page and no way to another's tokens.
		annB.signIn("ann@example.com", casePassword)
		if p := annB.post(fmt.Sprintf("/admin/agents/%d/password-reset", d.Admin.ID), url.Values{}); p.Status != http.StatusForbidden {
			t.Errorf("an agent resetting the admin's password: %d", p.Status)
		}

		// A team's default language, on its page.
		p = b.post("/admin/teams/Care", url.Values{"timezone": {"Europe/Tallinn"}, "response_target": {"4h"}, "addresses": {"abi@desk.test"}, "language": {"xx"}})
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("an unknown language: %d", p.Status)
		}
		p.mustContain(t, "Choose one of the desk&#39;s languages.")
		p = b.post("/admin/teams/Care", url.Values{"timezone": {"Europe/Tallinn"}, "response_target": {"4h"}, "addresses": {"abi@desk.test"}, "language": {"et"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("setting the language: %d\n%s", p.Status, p.Body)
		}
		b.get("/admin/teams/Care").mustContain(t, `<option value="et" selected>Estonian (et)</option>`)
		raw := "From: Mari Mets <mari@example.ee>\r\nTo: abi@desk.test\r\nSubject: Arve\r\nMessage-ID: <lang1@example.ee>\r\n\r\nTere, arve on vale.\r\n"
		res, err := d.Svc.ReceiveMail(ctx, mail.Delivery{From: "mari@example.ee", To: []string{"abi@desk.test"}, Raw: []byte(raw)})
		if err != nil {
			t.Fatal(err)
		}
		cv, err := d.Svc.Case(ctx, desk.AgentActor(d.Admin), res.CaseID)
		if err != nil {
			t.Fatal(err)
		}
		cust, err := d.Svc.Customer(ctx, desk.AgentActor(d.Admin), cv.CustomerID)
		if err != nil {
			t.Fatal(err)
		}
		if cust.Lang != "et" {
			t.Errorf("the new customer who wrote to the Estonian team reads %q, want et", cust.Lang)
		}

		log := b.get("/admin/log")
		log.mustContain(t, "Password reset link mailed", "API token revoked", "&#34;language&#34;:&#34;et&#34;")
		if strings.Contains(log.Body, token) {
			t.Error("the admin log shows the reset link")
		}
	})
}

// Issue 16, §1: a case type's process with its steps translated, on its page: the Estonian and
// Croatian lines become each step's translations, the edit page shows them again, and a line
// left empty removes that step's translation.
func TestAdminCaseTypeTranslatedSteps(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		ctx := context.Background()
		b := d.browser()
		b.signIn("admin@example.com", adminPassword)
		b.get("/admin/case-types").mustContain(t, `name="steps_et"`, `name="steps_hr"`, "The steps in Estonian")
		p := b.post("/admin/case-types", url.Values{"name": {"Repair"}, "team": {"Care"}, "references": {"order"},
			"steps":    {"Diagnosis: we find the fault\nReturn: we send it back"},
			"steps_et": {"Diagnoos: leiame vea\nTagastus: saadame tagasi"},
			"steps_hr": {"Dijagnoza: tražimo kvar\n"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("adding a case type: %d\n%s", p.Status, p.Body)
		}
		types, err := d.Svc.CaseTypes(ctx, desk.AgentActor(d.Admin))
		if err != nil || len(types) != 1 {
			t.Fatalf("case types: %v %v", types, err)
		}
		ct := types[0]
		if ct.Steps[0].In("et").Name != "Diagnoos" || ct.Steps[1].In("et").Explanation != "saadame tagasi" ||
			ct.Steps[0].In("hr").Name != "Dijagnoza" || ct.Steps[1].In("hr").Name != "Return" {
			t.Fatalf("the steps as stored: %+v", ct.Steps)
		}
		edit := fmt.Sprintf("/admin/case-types/%d", ct.ID)
		b.get(edit).mustContain(t, "Diagnoos: leiame vea\nTagastus: saadame tagasi</textarea>", "Dijagnoza: tražimo kvar</textarea>")
		p = b.post(edit, url.Values{"team": {"Care"}, "references": {"order"}, "steps": {"Diagnosis: we find the fault\nReturn: we send it back"},
			"steps_et": {"Diagnoos: leiame vea\n\nLiigne: rida"}, "steps_hr": {""}})
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("more Estonian lines than steps: %d", p.Status)
		}
		p.mustContain(t, "The Estonian steps have more lines than there are steps.")
		p = b.post(edit, url.Values{"team": {"Care"}, "references": {"order"}, "steps": {"Diagnosis: we find the fault\nReturn: we send it back"},
			"steps_et": {"Diagnoos: leiame vea\n"}, "steps_hr": {""}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("saving: %d\n%s", p.Status, p.Body)
		}
		ct, err = d.Svc.CaseTypeByID(ctx, desk.AgentActor(d.Admin), ct.ID)
		if err != nil || ct.Steps[1].In("et").Name != "Return" || ct.Steps[0].In("hr").Name != "Diagnosis" || ct.Steps[0].In("et").Name != "Diagnoos" {
			t.Fatalf("after removing translations: %+v %v", ct.Steps, err)
		}
	})
}

// Issue 16, §1: partners and their users on the admin screens (the API had only POST
// /partners): an admin adds a partner, renames it, adds a user (an agent with role partner, who
// then has their agent page to be changed or deactivated), and stops handing it cases, which
// the hand-over then refuses. Each change is on the admin log.
func TestAdminPartnersAndTheirUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		ctx := context.Background()
		b := d.browser()
		b.signIn("admin@example.com", adminPassword)
		b.get("/admin/partners").mustContain(t, "No partners yet.", `href="/admin/partners"`)
		p := b.post("/admin/partners", url.Values{"name": {"  "}})
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("a blank name: %d", p.Status)
		}
		p.mustContain(t, "A partner&#39;s name is 1 to 200 characters.")
		p = b.post("/admin/partners", url.Values{"name": {"Fixit"}})
		if p.Status != http.StatusSeeOther || !strings.HasSuffix(p.Location, "?done=partner_created") {
			t.Fatalf("adding a partner: %d %s\n%s", p.Status, p.Location, p.Body)
		}
		page, _, _ := strings.Cut(p.Location, "?")
		b.get(p.Location).mustContain(t, "The partner was added", `value="Fixit"`, "No users yet.")
		p = b.post(page+"/users", url.Values{"user_name": {"Pat Partner"}, "email": {"not mail"}, "timezone": {"Europe/Zagreb"}})
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, `value="Pat Partner"`) {
			t.Fatalf("a bad address: %d", p.Status)
		}
		p = b.post(page+"/users", url.Values{"user_name": {"Pat Partner"}, "email": {"pat@fixit.test"}, "timezone": {"Europe/Zagreb"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("adding a user: %d\n%s", p.Status, p.Body)
		}
		b.get(p.Location).mustContain(t, "The user was added", "Pat Partner", "pat@fixit.test")
		p = b.post(page, url.Values{"name": {"Fixit Ltd"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("renaming: %d\n%s", p.Status, p.Body)
		}
		b.get("/admin/partners").mustContain(t, "Fixit Ltd", "No longer handed cases")

		list, err := d.Svc.Partners(ctx, desk.AgentActor(d.Admin))
		if err != nil || len(list) != 1 || list[0].Name != "Fixit Ltd" || list[0].Active || len(list[0].Users) != 1 ||
			list[0].Users[0].Role != desk.RolePartner || list[0].Users[0].Timezone != "Europe/Zagreb" {
			t.Fatalf("partners: %+v %v", list, err)
		}
		b.get(fmt.Sprintf("/admin/agents/%d", list[0].Users[0].ID)).mustContain(t, "Pat Partner", "Deactivate")
		cust, err := d.Svc.CreateCustomer(ctx, desk.SystemActor(), desk.NewCustomer{Name: "Mari", Email: "mari@example.ee"})
		if err != nil {
			t.Fatal(err)
		}
		cv, err := d.Svc.OpenCase(ctx, desk.SystemActor(), desk.NewCase{CustomerID: cust.ID, Subject: "Kettle", Body: "It leaks.", Channel: "web", OwnerID: d.Admin.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Svc.AssignPartner(ctx, desk.AgentActor(d.Admin), cv.ID, list[0].ID, 0); err == nil || !strings.Contains(err.Error(), "no longer works with") {
			t.Errorf("handing a case to a partner the desk no longer works with: %v", err)
		}
		b.get("/admin/log").mustContain(t, "Partner added", "Partner changed", "Fixit Ltd", "pat@fixit.test")
	})
}
