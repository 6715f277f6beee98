package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/api"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/metrics"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// matrixRole is one kind of caller: how it reaches the pages (a session) and the API (a
// token), and the agent above it (or a foreign one) that agent routes are tried on.
type matrixRole struct {
	name    string
	actor   desk.Actor
	session string // the kept_session cookie; "" for none
	csrf    string
	anon    string // without a session: the kept_csrf cookie the form token goes with
	token   string // Authorization: Bearer; "" for none
	target  desk.Agent
}

// matrixScene is a desk with two teams and every role, and foreign objects: team B's case of
// another customer (not handed to the partner), with a promise, a document and a mail.
type matrixScene struct {
	d         *testDesk
	roles     []*matrixRole
	caseB     service.CaseView
	promise   service.PromiseView
	doc       desk.Document
	call      desk.Entry // a logged call of the case, with a recording
	recording int64      // the recording's document
	mailID    int64
	outID     int64 // a mail the desk queued on the case
	custB     desk.Customer
	token     desk.Token // a token of the agent above, to revoke
	tokenOf   desk.Agent
	absences  map[int64]int64
	teamB     string
	teamBID   int64
	incident  service.IncidentView // team B's, owned by its agent
	decision  desk.Decision        // on the case, waiting for team B's manager
	caseType  desk.CaseType
	partner   int64
	canned    desk.CannedReply
	doomed    map[string]int64 // a canned reply for each role to delete on the page
	doomedAPI map[string]int64 // and one by the API
	// Webhook endpoints: one to read and change, and one for each surface's removal.
	hook, hookAPIGone, hookPageGone int64
	autoGone, autoPageGone          int64 // automations (off) to remove
}

const matrixPassword = "matrix horse battery"

func newMatrixScene(t *testing.T, d *testDesk) *matrixScene {
	t.Helper()
	ctx, sys := context.Background(), desk.SystemActor()
	svc := d.Svc
	allWeek := map[string][]string{}
	for _, day := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		allWeek[day] = []string{"00:00-24:00"}
	}
	add := func(name, role, team string, manager, partner int64) desk.Agent {
		t.Helper()
		a, err := svc.CreateAgent(ctx, sys, desk.NewAgent{Name: name, Email: strings.ToLower(name) + "@desk.test", Role: role, Team: team,
			ManagerID: manager, PartnerID: partner, Timezone: "UTC", Hours: allWeek})
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.SetPassword(ctx, a.ID, matrixPassword); err != nil {
			t.Fatal(err)
		}
		return a
	}
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	m := &matrixScene{d: d, absences: map[int64]int64{}, teamB: "B"}
	check(svc.SetPassword(ctx, d.Admin.ID, matrixPassword))
	mgrA := add("Mia", "manager", "A", d.Admin.ID, 0)
	leadA := add("Lea", "lead", "A", mgrA.ID, 0)
	agentA := add("Ann", "agent", "A", leadA.ID, 0)
	phone := add("Phone", "agent", "A", leadA.ID, 0)
	bossB := add("Ott", "manager", "B", d.Admin.ID, 0)
	ownerB := add("Olga", "agent", "B", bossB.ID, 0)
	agentB := add("Bob", "agent", "B", bossB.ID, 0)
	m.teamBID = ownerB.TeamID
	firm, err := svc.CreatePartner(ctx, sys, "Fixit")
	check(err)
	pu := add("Pat", "partner", "", 0, firm.ID)
	m.partner = firm.ID

	custA, err := svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.ee"})
	check(err)
	m.custB, err = svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Ivo Ivić", Email: "ivo@example.hr"})
	check(err)
	m.caseB, err = svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: m.custB.ID, Subject: "Invoice", Body: "Where is my invoice?", Channel: "email", OwnerID: ownerB.ID})
	check(err)
	m.promise, err = svc.MakePromise(ctx, desk.AgentActor(ownerB), m.caseB.ID, desk.NewPromise{Kind: "update", Words: "I write tomorrow.", DueAt: start.Add(26 * 3600e9)})
	check(err)
	m.doc, err = svc.AddDocument(ctx, sys, service.DocumentIn{CustomerID: m.custB.ID, CaseID: m.caseB.ID, Kind: "invoice", Filename: "inv.txt", ContentType: "text/plain", Content: []byte("invoice")})
	check(err)
	m.call, err = svc.LogCall(ctx, sys, m.caseB.ID, desk.NewCall{Direction: "inbound", At: start, DurationS: 60, Summary: "Asked about the invoice."})
	check(err)
	rec, err := svc.AddRecording(ctx, sys, service.RecordingIn{CaseID: m.caseB.ID, CallSeq: m.call.Seq, ContentType: "audio/mpeg", Content: []byte("ID3 audio")})
	check(err)
	recData, _ := desk.DataOf[desk.RecordingAddedData](rec)
	m.recording = recData.DocumentID
	raw := "From: ivo@example.hr\r\nTo: care@desk.test\r\nSubject: Re: [" + m.caseB.Ref + "] Invoice\r\nMessage-ID: <m1@example.hr>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nStill nothing.\r\n" +
		"--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=a.txt\r\n\r\nattached\r\n--b--\r\n"
	res, err := svc.ReceiveMail(ctx, mail.Delivery{From: "ivo@example.hr", To: []string{"care@desk.test"}, Raw: []byte(raw)})
	check(err)
	if res.CaseID != m.caseB.ID {
		t.Fatalf("the mail went to case %d, want %s", res.CaseID, m.caseB.Ref)
	}
	m.mailID = res.MailID
	out, err := svc.CaseOutbox(ctx, sys, m.caseB.ID)
	check(err)
	if len(out) == 0 {
		t.Fatal("nothing was queued on the case")
	}
	m.outID = out[0].ID
	// A case of Mari's own, for the customer's session to see something.
	_, err = svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: custA.ID, Subject: "Kettle", Body: "It leaks.", Channel: "web", OwnerID: agentA.ID})
	check(err)
	m.incident, err = svc.CreateIncident(ctx, desk.AgentActor(ownerB), desk.NewIncident{Title: "Outage"})
	check(err)
	m.decision, err = svc.MakeDecision(ctx, desk.AgentActor(agentB), m.caseB.ID, desk.NewDecision{Kind: "credit", Amount: 100, Currency: "EUR", Reason: "The outage."})
	check(err)
	spare, err := svc.CreateToken(ctx, sys, service.NewToken{AgentID: bossB.ID, Label: "spare"})
	check(err)
	m.token, m.tokenOf = spare.Token, bossB
	// The endpoints are stored behind the service's back: the desk refuses an address it cannot
	// resolve, and this desk resolves none.
	auto, err := svc.CreateAutomation(ctx, sys, desk.Automation{Name: "Off", When: desk.AutomationWhen{Event: "note"},
		Then: []desk.AutomationAction{{Do: desk.DoNote, Body: "never"}}})
	check(err)
	m.autoGone = auto.ID
	auto, err = svc.CreateAutomation(ctx, sys, desk.Automation{Name: "Off too", When: desk.AutomationWhen{Event: "note"},
		Then: []desk.AutomationAction{{Do: desk.DoNote, Body: "never"}}})
	check(err)
	m.autoPageGone = auto.ID
	for _, id := range []*int64{&m.hook, &m.hookAPIGone, &m.hookPageGone} {
		check(d.St.Write(ctx, func(tx *store.Tx) error {
			h := desk.Webhook{URL: "https://hooks.example.com/in", Events: []string{"*"}, Active: true, CreatedAt: start}
			err := tx.InsertWebhook(ctx, &h, "a secret of sixteen or more", d.Admin.ID)
			*id = h.ID
			return err
		}))
	}

	for _, a := range []desk.Agent{d.Admin, mgrA, leadA, agentA, phone, bossB, agentB, pu} {
		v, err := svc.AddAbsence(ctx, sys, a.ID, desk.NewAbsence{Kind: "break", From: start.Add(48 * 3600e9), To: start.Add(49 * 3600e9)}, nil)
		check(err)
		m.absences[a.ID] = v.ID
	}

	role := func(name string, a desk.Agent, target desk.Agent, scopes ...string) *matrixRole {
		r := &matrixRole{name: name, actor: desk.AgentActor(a), target: target}
		sess, err := svc.SignIn(ctx, a.Email, matrixPassword)
		check(err)
		r.session = sess.Token
		k, err := svc.CreateToken(ctx, desk.AgentActor(d.Admin), service.NewToken{AgentID: a.ID, Label: name, Scopes: scopes})
		check(err)
		r.token = k.Secret
		r.actor, err = svc.Authenticate(ctx, k.Secret)
		check(err)
		return r
	}
	m.roles = []*matrixRole{
		role("admin", d.Admin, bossB),
		role("manager", mgrA, d.Admin),
		role("lead", leadA, mgrA),
		role("agent of the same team", agentA, leadA),
		role("agent of another team", agentB, bossB),
		role("partner user", pu, bossB),
	}
	integration := role("integration token", phone, leadA, desk.ScopeCustomerVoice)
	integration.session = "" // an integration has no session on the pages
	m.roles = append(m.roles, integration)

	// The customer: a portal session, no API token.
	check(svc.RequestPortalLink(ctx, service.PortalLinkRequest{Email: custA.Email(), BaseURL: d.URL}))
	mails := portalMails(t, d)
	link, err := url.Parse(d.URL + portalMailedLink(t, d, mails[len(mails)-1]))
	check(err)
	cs, err := svc.UsePortalLink(ctx, link.Query().Get("token"))
	check(err)
	m.roles = append(m.roles, &matrixRole{name: "customer", actor: desk.CustomerActor(custA), session: cs.Token, target: bossB})
	for _, r := range m.roles {
		r.csrf = m.csrfOf(t, r)
	}
	m.caseType, err = svc.CreateCaseType(ctx, sys, desk.NewCaseType{Name: "Repair", Team: "B"})
	check(err)
	m.canned, err = svc.CreateCannedReply(ctx, sys, "Hello", "Hello {{customer.first_name}}", false)
	check(err)
	m.doomed, m.doomedAPI = map[string]int64{}, map[string]int64{}
	for _, r := range m.roles {
		c, err := svc.CreateCannedReply(ctx, sys, "Doomed "+r.name, "Hello", false)
		check(err)
		m.doomed[r.name] = c.ID
		c, err = svc.CreateCannedReply(ctx, sys, "Doomed by API "+r.name, "Hello", false)
		check(err)
		m.doomedAPI[r.name] = c.ID
	}
	return m
}

// csrfOf reads the form token a page gives the role's session.
func (m *matrixScene) csrfOf(t *testing.T, r *matrixRole) string {
	t.Helper()
	path := "/inbox"
	switch {
	case r.session == "":
		path = "/login" // an anonymous form token, with its cookie
	case r.actor.Kind == desk.ActorCustomer:
		path = "/portal"
	}
	req, _ := http.NewRequest(http.MethodGet, m.d.URL+path, nil)
	if r.session != "" {
		req.AddCookie(&http.Cookie{Name: "kept_session", Value: r.session})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "kept_csrf" {
			r.anon = c.Value
		}
	}
	body, _ := io.ReadAll(resp.Body)
	got := csrfMeta.FindStringSubmatch(string(body))
	if got == nil {
		t.Fatalf("%s: no form token on %s (status %d)", r.name, path, resp.StatusCode)
	}
	return got[1]
}

// path fills a route's pattern with the foreign objects, as the role would try them.
func (m *matrixScene) path(pattern string, r *matrixRole) string {
	_, p, _ := strings.Cut(pattern, " ")
	if !strings.Contains(pattern, " ") {
		p = pattern
	}
	id := func(v int64) string { return strconv.FormatInt(v, 10) }
	objID := id(m.caseB.ID)
	switch {
	case strings.HasPrefix(p, "/api/v1/agents/"):
		objID = id(r.target.ID)
	case strings.HasPrefix(p, "/api/v1/customers/"):
		objID = id(m.custB.ID)
	case strings.HasPrefix(p, "/api/v1/promises/"):
		objID = id(m.promise.ID)
	case strings.HasPrefix(p, "/api/v1/mails/"):
		objID = id(m.mailID)
	case strings.HasPrefix(p, "/api/v1/documents/"):
		objID = id(m.doc.ID)
	case strings.HasPrefix(p, "/api/v1/tokens/"), strings.HasPrefix(p, "/admin/tokens/"):
		objID = id(m.token.ID)
	case strings.HasPrefix(p, "/api/v1/incidents/"), strings.HasPrefix(p, "/incidents/"):
		objID = id(m.incident.ID)
	case strings.HasPrefix(p, "/api/v1/decisions/"), strings.HasPrefix(p, "/decisions/"):
		objID = id(m.decision.ID)
	case strings.HasPrefix(p, "/team/agents/"), strings.HasPrefix(p, "/admin/agents/"):
		objID = id(r.target.ID)
	case strings.HasPrefix(p, "/api/v1/automations/"):
		objID = id(m.autoGone)
	case strings.HasPrefix(p, "/settings/automations/"):
		objID = id(m.autoPageGone)
	case strings.HasPrefix(pattern, "DELETE /api/v1/webhooks/"):
		objID = id(m.hookAPIGone)
	case strings.HasSuffix(p, "/delete") && strings.HasPrefix(p, "/settings/webhooks/"):
		objID = id(m.hookPageGone)
	case strings.HasPrefix(p, "/api/v1/webhooks/"), strings.HasPrefix(p, "/settings/webhooks/"):
		objID = id(m.hook)
	case strings.HasPrefix(p, "/admin/partners/"), strings.HasPrefix(p, "/api/v1/partners/"):
		objID = id(m.partner)
	case strings.HasPrefix(p, "/admin/case-types/"), strings.HasPrefix(p, "/api/v1/case-types/"):
		objID = id(m.caseType.ID)
	case strings.HasSuffix(p, "/delete") && strings.HasPrefix(p, "/admin/canned/"):
		objID = id(m.doomed[r.name]) // each role deletes one of its own
	case strings.HasPrefix(p, "/admin/canned/"):
		objID = id(m.canned.ID)
	case strings.HasPrefix(pattern, "DELETE /api/v1/canned-replies/"):
		objID = id(m.doomedAPI[r.name])
	case strings.HasPrefix(p, "/api/v1/canned-replies/"):
		objID = id(m.canned.ID)
	}
	if strings.Contains(p, "/outbox/") {
		p = strings.NewReplacer("{mail_id}", id(m.outID), "{mail}", id(m.outID)).Replace(p)
	}
	p = strings.Replace(p, "{delivery_id}", "1", 1) // a webhook delivery: none is queued, so the answer is the rule's, 409
	if strings.HasPrefix(p, "/api/v1/reports/") {
		p = strings.Replace(p, "{name}", "promises", 1) // a report there is; {name} is a team's elsewhere
	}
	if strings.Contains(p, "/recordings/{doc}") {
		p = strings.Replace(p, "{doc}", id(m.recording), 1)
	}
	p = strings.Replace(p, "{seq}", id(m.call.Seq), 1)
	p = strings.NewReplacer("{id}", objID, "{pid}", id(m.promise.ID), "{doc}", id(m.doc.ID), "{mail}", id(m.mailID), "{n}", "0",
		"{absence_id}", id(m.absences[r.target.ID]), "{name}", m.teamB, "{file}", "kept.css", "{$}", "").Replace(p)
	if p == "/" && !strings.Contains(pattern, "{$}") {
		p = "/no-such-page"
	}
	if strings.HasPrefix(pattern, "GET /calendar/") {
		p = "/calendar/nobody.ics"
	}
	if strings.HasPrefix(p, "/availability/absences/") {
		// The page changes the reader's own absences: tried on their own.
		p = "/availability/absences/" + id(m.absences[r.actor.ID])
	}
	return p
}

// object is what the route acts on, as the permission table is asked about it.
func (m *matrixScene) object(pattern string, r *matrixRole) service.Object {
	c := desk.Case{ID: m.caseB.ID, CustomerID: m.caseB.CustomerID, OwnerID: m.caseB.OwnerID, TeamID: m.teamBID}
	p := desk.Promise{ID: m.promise.ID, CaseID: c.ID, OwnerID: m.promise.OwnerID, MakerID: m.promise.MakerID}
	switch {
	case strings.Contains(pattern, "/incidents/{id}"):
		return service.Object{Incident: &m.incident.Incident}
	case strings.Contains(pattern, "/decisions/{id}"):
		return service.Object{Case: &c, Decision: &m.decision}
	case strings.Contains(pattern, "/tokens/{id}"):
		return service.Object{Agent: &m.tokenOf}
	case strings.Contains(pattern, "/agents/{id}") || strings.Contains(pattern, "/team/agents/"):
		return service.Object{Agent: &r.target}
	case strings.Contains(pattern, "/availability/absences/{absence_id}"):
		me := desk.Agent{ID: r.actor.ID}
		return service.Object{Agent: &me}
	case strings.Contains(pattern, "/promises/{id}") || strings.Contains(pattern, "{pid}"):
		return service.Object{Case: &c, Promise: &p}
	case strings.Contains(pattern, "/cases/{id}"), strings.Contains(pattern, "/mails/"), strings.Contains(pattern, "/documents/"):
		return service.Object{Case: &c}
	case strings.Contains(pattern, "/teams/{name}"):
		return service.Object{TeamID: m.teamBID}
	}
	return service.Object{}
}

// TestPermissionMatrix walks every route of the API and the pages, as every role, on foreign
// objects (another team's case of another customer, not handed to the partner; the agent above
// the caller), and checks each answer against the permission table: allowed is neither 403
// nor 404 (nor a sign-in); refused is 403 or 404 (an object the caller may not see), or the
// sign-in a surface without the caller's session answers. A route the table has no row for
// fails the test, so the table cannot fall behind the routes.
func TestPermissionMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newPortalDesk(t, backend)
		m := newMatrixScene(t, d)
		ctx := context.Background()
		byRoute := map[string]service.Rule{}
		for _, r := range service.Rules() {
			for _, p := range r.Routes {
				if _, dup := byRoute[p]; dup {
					t.Errorf("the route %s has two rows", p)
				}
				byRoute[p] = r
			}
		}
		type route struct {
			pattern string
			api     bool
			need    desk.ActorKind
		}
		var routes []route
		for _, p := range api.New(d.Svc, slog.New(slog.DiscardHandler), metrics.New(), "test").Routes() {
			routes = append(routes, route{pattern: p, api: true})
		}
		for _, r := range d.Web.Routes() {
			if r.Pattern == "/api/" || r.Pattern == "GET /healthz" || r.Pattern == "GET /readyz" || r.Pattern == "GET /metrics" {
				continue // the API's own, walked above
			}
			routes = append(routes, route{pattern: r.Pattern, need: r.Need})
		}
		// Signing out ends the session the rest of the walk uses: last.
		slices.SortStableFunc(routes, func(a, b route) int {
			return btoi(a.pattern == "POST /logout") - btoi(b.pattern == "POST /logout")
		})
		seen := map[string]bool{}
		for _, rt := range routes {
			seen[rt.pattern] = true
			rule, ok := byRoute[rt.pattern]
			if !ok {
				t.Errorf("the route %s has no row in the permission table (service/permissions.go)", rt.pattern)
				continue
			}
			for _, r := range m.roles {
				method, _, found := strings.Cut(rt.pattern, " ")
				if !found {
					method = http.MethodGet
				}
				path := m.path(rt.pattern, r)
				status, loc := m.send(t, method, path, r, rt.api)
				// The embeddable request page is anyone's: no session opens it, none is needed.
				open := rule.Action == service.ActPublic || rule.Action == service.ActLink || rule.Action == service.ActEmbedRequest
				var want bool
				switch {
				case open:
					if status == http.StatusForbidden || status >= 500 {
						t.Errorf("%s %s as %s: %d, want an answer for anyone", method, path, r.name, status)
					}
					continue
				case rt.api && r.token == "", !rt.api && (r.session == "" || rt.need != r.actor.Kind):
					want = false // no credential of this surface's kind
				default:
					var err error
					if want, err = d.Svc.May(ctx, r.actor, rule.Action, m.object(rt.pattern, r)); err != nil {
						t.Fatalf("May %s: %v", rule.Action, err)
					}
				}
				refused := status == http.StatusForbidden || status == http.StatusNotFound || status == http.StatusUnauthorized ||
					(status == http.StatusSeeOther && (strings.HasPrefix(loc, "/login") || strings.HasPrefix(loc, "/portal/login")))
				switch {
				case status >= 500:
					t.Errorf("%s %s as %s: %d", method, path, r.name, status)
				case want && refused:
					t.Errorf("%s %s as %s (%s): %d %s, but the table allows it", method, path, r.name, rule.Action, status, loc)
				case !want && !refused:
					t.Errorf("%s %s as %s (%s): %d %s, but the table refuses it", method, path, r.name, rule.Action, status, loc)
				}
			}
		}
		for _, r := range service.Rules() {
			for _, p := range r.Routes {
				if !seen[p] {
					t.Errorf("the table's %s names %s, which no surface serves", r.Action, p)
				}
			}
		}
	})
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// send makes one request as the role and returns its status and redirect; a stream (live
// updates) is answered by its headers.
func (m *matrixScene) send(t *testing.T, method, path string, r *matrixRole, isAPI bool) (int, string) {
	t.Helper()
	var body io.Reader
	var ctype string
	if method != http.MethodGet && method != http.MethodHead {
		if isAPI {
			body, ctype = strings.NewReader("{}"), "application/json"
		} else {
			body, ctype = strings.NewReader(url.Values{"csrf": {r.csrf}}.Encode()), "application/x-www-form-urlencoded"
		}
	}
	req, err := http.NewRequest(method, m.d.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if isAPI && r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	if !isAPI && r.session != "" {
		req.AddCookie(&http.Cookie{Name: "kept_session", Value: r.session})
	}
	if !isAPI && r.anon != "" {
		req.AddCookie(&http.Cookie{Name: "kept_csrf", Value: r.anon})
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	resp.Body.Close() // a stream is never read to its end
	return resp.StatusCode, resp.Header.Get("Location")
}

// TestCasePageOffersWhatTheTableAllows: the case page shows the settling forms (hand over,
// keep, slip, resolve) only to those the service would let through; it does not decide itself.
func TestCasePageOffersWhatTheTableAllows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newPortalDesk(t, backend)
		m := newMatrixScene(t, d)
		forms := []string{
			fmt.Sprintf(`action="/cases/%d/handover"`, m.caseB.ID),
			fmt.Sprintf(`action="/cases/%d/promises/%d/keep"`, m.caseB.ID, m.promise.ID),
			fmt.Sprintf(`action="/cases/%d/promises/%d/slip"`, m.caseB.ID, m.promise.ID),
			fmt.Sprintf(`action="/cases/%d/resolve"`, m.caseB.ID),
			fmt.Sprintf(`action="/cases/%d/merge"`, m.caseB.ID),
		}
		for _, r := range m.roles {
			if r.name != "admin" && r.name != "agent of another team" {
				continue
			}
			req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/cases/%d", d.URL, m.caseB.ID), nil)
			req.AddCookie(&http.Cookie{Name: "kept_session", Value: r.session})
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s reads the case: %d", r.name, resp.StatusCode)
			}
			for _, f := range forms {
				if shown := strings.Contains(string(body), f); shown != (r.name == "admin") {
					t.Errorf("%s: form %s shown %v", r.name, f, shown)
				}
			}
		}
	})
}
