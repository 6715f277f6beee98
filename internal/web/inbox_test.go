package web_test

import (
	"bufio"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// inboxScene is a small desk: Ann and Bob in Billing, Cid in Shipping, and Ann's cases with
// promises due at different times.
type inboxScene struct {
	d        *testDesk
	ctx      context.Context
	lea      desk.Agent // Billing's lead, above Ann and Bob
	ann      desk.Agent
	bob      desk.Agent
	cid      desk.Agent
	mari     desk.Customer
	jaan     desk.Customer    // gave an order number
	waiting  service.CaseView // Ann's, nothing promised: only the response target (tomorrow)
	later    service.CaseView // Ann's, a call-back promised for 15:00
	sooner   service.CaseView // Ann's, an update promised for 11:00
	hostile  service.CaseView // Ann's, a subject that is markup
	bobs     service.CaseView // Bob's (Billing)
	cids     service.CaseView // Cid's (Shipping)
	refd     service.CaseView // Ann's, Jaan's, with his order number
	password string
}

func newInboxScene(t *testing.T, backend string) *inboxScene {
	t.Helper()
	d := newDesk(t, backend)
	sc := &inboxScene{d: d, ctx: context.Background(), password: "ann's long password"}
	sys := desk.SystemActor()
	agent := func(name, email, role, team string, manager int64) desk.Agent {
		a, err := d.Svc.CreateAgent(sc.ctx, sys, desk.NewAgent{Name: name, Email: email, Role: role, Team: team, ManagerID: manager, Timezone: "UTC"})
		if err != nil {
			t.Fatal(err)
		}
		if role == string(desk.RoleAgent) && team == "Billing" { // only Ann and Bob sign in: hashing is slow
			if err := d.Svc.SetPassword(sc.ctx, a.ID, sc.password); err != nil {
				t.Fatal(err)
			}
		}
		return a
	}
	sc.lea = agent("Lea Lead", "lea@example.com", string(desk.RoleLead), "Billing", 0)
	sc.ann = agent("Ann Tamm", "ann@example.com", string(desk.RoleAgent), "Billing", sc.lea.ID)
	sc.bob = agent("Bob Kask", "bob@example.com", string(desk.RoleAgent), "Billing", sc.lea.ID)
	sc.cid = agent("Cid Saar", "cid@example.com", string(desk.RoleAgent), "Shipping", 0)
	var err error
	if sc.mari, err = d.Svc.CreateCustomer(sc.ctx, sys, desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.com"}); err != nil {
		t.Fatal(err)
	}
	if sc.jaan, err = d.Svc.CreateCustomer(sc.ctx, sys, desk.NewCustomer{Name: "Jaan Jõgi", Email: "jaan@example.com"}); err != nil {
		t.Fatal(err)
	}
	open := func(owner desk.Agent, subject string, refs ...desk.Reference) service.CaseView {
		t.Helper()
		d.Clock.Advance(time.Minute)
		customer := sc.mari.ID
		if len(refs) > 0 {
			customer = sc.jaan.ID
		}
		c, err := d.Svc.OpenCase(sc.ctx, sys, desk.NewCase{CustomerID: customer, Subject: subject, Body: "Please help: " + subject,
			Channel: "email", OwnerID: owner.ID, References: refs})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	promise := func(c service.CaseView, kind string, due time.Time) {
		t.Helper()
		if _, err := d.Svc.MakePromise(sc.ctx, desk.AgentActor(sc.ann), c.ID, desk.NewPromise{Kind: kind, DueAt: due, Words: "I will get back to you by " + due.Format("15:04")}); err != nil {
			t.Fatal(err)
		}
	}
	sc.waiting = open(sc.ann, "Router blinks red")
	sc.later = open(sc.ann, "Invoice charged twice")
	promise(sc.later, "callback", inboxAt(15, 0))
	sc.sooner = open(sc.ann, "Parcel never arrived")
	promise(sc.sooner, "update", inboxAt(11, 0))
	sc.hostile = open(sc.ann, `<script>alert("subject")</script> refund`)
	sc.bobs = open(sc.bob, "Modem returned broken")
	sc.cids = open(sc.cid, "Wrong address on the label")
	sc.refd = open(sc.ann, "Where is my order", desk.Reference{Kind: "order", Value: "ORD-55123"})
	return sc
}

// inboxAt is a time of day on the test desk's Monday (UTC).
func inboxAt(hour, minute int) time.Time {
	return start.Add(time.Duration(hour-9)*time.Hour + time.Duration(minute)*time.Minute)
}

var inboxRowRE = regexp.MustCompile(`(?s)<tr data-case="(\d+)"[^>]*>(.*?)</tr>`)

// inboxRows reads the case ids of an inbox page in order, with each row's HTML.
func inboxRows(t *testing.T, body string) (ids []int64, rows map[int64]string) {
	t.Helper()
	rows = map[int64]string{}
	for _, m := range inboxRowRE.FindAllStringSubmatch(body, -1) {
		id, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
		rows[id] = m[2]
	}
	return ids, rows
}

func TestInboxNeedsSignIn(t *testing.T) {
	d := newDesk(t, "sqlite")
	b := d.browser()
	for path, want := range map[string]string{
		"/inbox":         "/login?next=%2Finbox",
		"/search?q=lost": "/login?next=%2Fsearch%3Fq%3Dlost",
	} {
		if p := b.get(path); p.Status != http.StatusSeeOther || p.Location != want {
			t.Errorf("signed out, %s: %d → %q, want a redirect to %s", path, p.Status, p.Location, want)
		}
	}
	// A script's request (the live stream, a partial refresh) gets a 401, not a page.
	req, _ := http.NewRequest(http.MethodGet, d.URL+"/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	if p := b.do(req); p.Status != http.StatusUnauthorized {
		t.Errorf("signed out, /events: %d, want 401", p.Status)
	}
}

func TestInboxOrderAndFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newInboxScene(t, backend)
		d := sc.d
		d.Clock.Set(inboxAt(12, 0)) // the 11:00 update is now overdue; the timers have not run yet
		b := d.browser()
		b.signIn("ann@example.com", sc.password)

		p := b.get("/inbox")
		if p.Status != http.StatusOK {
			t.Fatalf("/inbox: %d\n%s", p.Status, p.Body)
		}
		ids, rows := inboxRows(t, p.Body)
		pos := map[int64]int{}
		for i, id := range ids {
			pos[id] = i + 1
		}
		// What falls due first is first: the overdue update, the 15:00 call-back, then the
		// cases waiting for an answer (response target tomorrow).
		if len(ids) != 5 || pos[sc.sooner.ID] != 1 || pos[sc.later.ID] != 2 || pos[sc.waiting.ID] == 0 || pos[sc.hostile.ID] == 0 || pos[sc.refd.ID] == 0 {
			t.Fatalf("Ann's inbox lists %v; want %d (11:00, overdue), %d (15:00), then %d, %d and %d", ids,
				sc.sooner.ID, sc.later.ID, sc.waiting.ID, sc.hostile.ID, sc.refd.ID)
		}
		if pos[sc.waiting.ID] > pos[sc.hostile.ID] || pos[sc.hostile.ID] > pos[sc.refd.ID] {
			t.Errorf("the waiting cases are not by their response target: %v", ids)
		}
		sooner := rows[sc.sooner.ID]
		for _, want := range []string{`class="badge over"`, "1 h overdue", sc.sooner.Ref, "Parcel never arrived", "Mari Mets", "Ann Tamm", `href="/cases/` + strconv.FormatInt(sc.sooner.ID, 10) + `"`} {
			if !strings.Contains(sooner, want) {
				t.Errorf("the overdue row does not show %q:\n%s", want, sooner)
			}
		}
		if strings.Contains(rows[sc.later.ID], "badge over") || !strings.Contains(rows[sc.later.ID], "in 3 h") {
			t.Errorf("the 15:00 row:\n%s", rows[sc.later.ID])
		}
		// The subject is the customer's text: shown, never run.
		if strings.Contains(p.Body, `<script>alert`) || !strings.Contains(rows[sc.hostile.ID], `&lt;script&gt;alert(&#34;subject&#34;)&lt;/script&gt; refund`) {
			t.Errorf("the hostile subject is not escaped:\n%s", rows[sc.hostile.ID])
		}
		p.mustContain(t, "overdue: 1")

		// Mine holds only Ann's own cases; her team's adds Bob's, never Shipping's.
		for _, id := range []int64{sc.bobs.ID, sc.cids.ID} {
			if _, ok := rows[id]; ok {
				t.Errorf("Ann's own inbox lists case %d of another agent", id)
			}
		}
		p = b.get("/inbox?scope=team")
		ids, rows = inboxRows(t, p.Body)
		if len(ids) != 6 || rows[sc.bobs.ID] == "" || rows[sc.cids.ID] != "" || ids[0] != sc.sooner.ID {
			t.Errorf("Billing's inbox lists %v; want Ann's five and Bob's %d, not Cid's %d", ids, sc.bobs.ID, sc.cids.ID)
		}
		p.mustContain(t, "Team Billing", `aria-current="page" class="current">Team Billing`)

		// Overdue and escalated filters.
		p = b.get("/inbox?show=overdue")
		if ids, _ = inboxRows(t, p.Body); len(ids) != 1 || ids[0] != sc.sooner.ID {
			t.Errorf("overdue only: %v", ids)
		}
		p = b.get("/inbox?show=escalated")
		if ids, _ = inboxRows(t, p.Body); len(ids) != 0 {
			t.Errorf("escalated only, before any escalation: %v", ids)
		}
		p.mustContain(t, "No case here has been escalated.")
		if _, err := d.Svc.Escalate(sc.ctx, desk.AgentActor(sc.ann), sc.waiting.ID, "the customer asked for a manager"); err != nil {
			t.Fatal(err)
		}
		// The case went up to Lea: gone from Ann's own inbox, still in her team's, marked.
		if _, rows = inboxRows(t, b.get("/inbox").Body); rows[sc.waiting.ID] != "" {
			t.Errorf("the case escalated to Lea is still in Ann's own inbox")
		}
		p = b.get("/inbox?scope=team&show=escalated")
		if ids, rows = inboxRows(t, p.Body); len(ids) != 1 || ids[0] != sc.waiting.ID || !strings.Contains(rows[sc.waiting.ID], `class="badge esc"`) ||
			!strings.Contains(rows[sc.waiting.ID], "Lea Lead") {
			t.Errorf("the team's escalated cases: %v\n%s", ids, p.Body)
		}

		// All statuses include closed ones; the default does not.
		if _, err := d.Svc.Resolve(sc.ctx, desk.AgentActor(sc.ann), sc.refd.ID, "found the parcel"); err != nil {
			t.Fatal(err)
		}
		if ids, _ = inboxRows(t, b.get("/inbox").Body); len(ids) != 3 {
			t.Errorf("open cases after one awaits confirmation: %v", ids)
		}
		if _, rows = inboxRows(t, b.get("/inbox?status=any").Body); rows[sc.refd.ID] == "" || !strings.Contains(rows[sc.refd.ID], "Awaiting confirmation") {
			t.Errorf("all statuses do not list the resolved case:\n%v", rows)
		}

		// The partial a script fetches is the rows alone.
		req, _ := http.NewRequest(http.MethodGet, d.URL+"/inbox?partial=1", nil)
		req.Header.Set("X-Kept-Partial", "1")
		part := b.do(req)
		if part.Status != http.StatusOK || strings.Contains(part.Body, "<html") || !strings.Contains(part.Body, `<tr data-case="`+strconv.FormatInt(sc.sooner.ID, 10)+`"`) {
			t.Errorf("partial: %d\n%s", part.Status, part.Body)
		}
	})
}

func TestInboxEmptyAndPartner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newInboxScene(t, backend)
		d := sc.d
		// The admin owns nothing and is in no team.
		b := d.browser()
		b.signIn("admin@example.com", adminPassword)
		p := b.get("/inbox")
		if ids, _ := inboxRows(t, p.Body); len(ids) != 0 {
			t.Errorf("the admin's inbox lists %v", ids)
		}
		p.mustContain(t, "You have no cases here.")
		b.get("/inbox?scope=team").mustContain(t, "You are not in a team")

		// A partner user (an outside contractor) sees only the cases handed to their firm.
		hp, err := d.Svc.CreatePartner(sc.ctx, desk.SystemActor(), "HP hardware service")
		if err != nil {
			t.Fatal(err)
		}
		tech, err := d.Svc.CreateAgent(sc.ctx, desk.SystemActor(), desk.NewAgent{Name: "Tom Tech", Email: "tom@hp.example.com", Role: "partner", PartnerID: hp.ID, Timezone: "UTC"})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Svc.SetPassword(sc.ctx, tech.ID, sc.password); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Svc.AssignPartner(sc.ctx, desk.AgentActor(sc.ann), sc.waiting.ID, hp.ID, 0); err != nil {
			t.Fatal(err)
		}
		tb := d.browser()
		tb.signIn("tom@hp.example.com", sc.password)
		for _, path := range []string{"/inbox", "/inbox?scope=team"} {
			if ids, _ := inboxRows(t, tb.get(path).Body); len(ids) != 1 || ids[0] != sc.waiting.ID {
				t.Errorf("the partner's %s lists %v, want only the handed case %d", path, ids, sc.waiting.ID)
			}
		}

		// Bob's own inbox: his one case, nobody else's.
		bb := d.browser()
		bb.signIn("bob@example.com", sc.password)
		if ids, _ := inboxRows(t, bb.get("/inbox").Body); len(ids) != 1 || ids[0] != sc.bobs.ID {
			t.Errorf("Bob's own inbox lists %v, want only %d", ids, sc.bobs.ID)
		}
	})
}

func TestSearchPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newInboxScene(t, backend)
		b := sc.d.browser()
		b.signIn("ann@example.com", sc.password)

		b.get("/search").mustContain(t, "Type words from a message")
		p := b.get("/search?q=" + url.QueryEscape("invoice"))
		p.mustContain(t, sc.later.Ref, "Invoice charged twice", "Mari Mets", `href="/cases/`+strconv.FormatInt(sc.later.ID, 10), `value="invoice"`)
		if strings.Contains(p.Body, sc.sooner.Ref) {
			t.Errorf("searching for a word lists a case without it")
		}
		p = b.get("/search?q=" + url.QueryEscape("ORD-55123"))
		p.mustContain(t, sc.refd.Ref, "Where is my order", "Jaan Jõgi")
		if strings.Contains(p.Body, sc.later.Ref) {
			t.Errorf("a reference search lists another customer's cases")
		}
		// References match exactly: part of one finds nothing.
		if p = b.get("/search?q=" + url.QueryEscape("ORD-5512")); strings.Contains(p.Body, sc.refd.Ref) {
			t.Errorf("part of a reference found its case")
		}
		b.get("/search?q="+url.QueryEscape(sc.bobs.Ref)).mustContain(t, "Modem returned broken")
		p = b.get("/search?q=" + url.QueryEscape(`zebra <b>"quoted"</b>`))
		p.mustContain(t, "No case matches", `value="zebra &lt;b&gt;&#34;quoted&#34;&lt;/b&gt;"`)
		if strings.Contains(p.Body, "<b>\"quoted") {
			t.Error("the query is shown unescaped")
		}
		// The hostile subject is found and shown as text.
		p = b.get("/search?q=refund")
		p.mustContain(t, "&lt;script&gt;alert")
		if strings.Contains(p.Body, "<script>alert") {
			t.Error("a hit's subject is shown unescaped")
		}
	})
}

// TestEventsStream reads /events with a real HTTP client: a change to a case arrives as a
// "case" event carrying its id.
func TestEventsStream(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newInboxScene(t, backend)
		d := sc.d
		b := d.browser()
		b.signIn("ann@example.com", sc.password)
		ctx, cancel := context.WithTimeout(sc.ctx, 10*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, d.URL+"/events", nil)
		req.Header.Set("Accept", "text/event-stream")
		resp, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
			t.Fatalf("/events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		lines := make(chan string, 64)
		go func() {
			defer close(lines)
			s := bufio.NewScanner(resp.Body)
			for s.Scan() {
				lines <- s.Text()
			}
		}()
		next := func(what string) string {
			t.Helper()
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("the stream ended while waiting for %s", what)
				}
				return l
			case <-ctx.Done():
				t.Fatalf("no %s within the time limit", what)
			}
			return ""
		}
		// The stream opens with a retry hint and a comment, before anything changes.
		for l := next("the opening"); l != ""; l = next("the opening") {
		}
		if _, err := d.Svc.Escalate(sc.ctx, desk.AgentActor(sc.ann), sc.later.ID, "the customer asked for a manager"); err != nil {
			t.Fatal(err)
		}
		want := "data: " + strconv.FormatInt(sc.later.ID, 10)
		for {
			l := next("the case event")
			if l == "event: case" {
				if got := next("the event's data"); got != want {
					t.Fatalf("case event data %q, want %q", got, want)
				}
				break
			}
		}
		// Bob opens the case with its stream: Ann's stream hears that Bob has it open, and
		// hears it again, with nobody, when he leaves.
		bb := d.browser()
		bb.signIn("bob@example.com", sc.password)
		bctx, leave := context.WithCancel(ctx)
		breq, _ := http.NewRequestWithContext(bctx, http.MethodGet, d.URL+"/events?case="+strconv.FormatInt(sc.later.ID, 10), nil)
		bresp, err := bb.c.Do(breq)
		if err != nil {
			t.Fatal(err)
		}
		defer bresp.Body.Close()
		presence := func(want string) {
			t.Helper()
			for {
				if l := next("a presence event"); l == "event: presence" {
					if got := next("the presence data"); got != want {
						t.Fatalf("presence data %q, want %q", got, want)
					}
					return
				}
			}
		}
		presence(`data: {"case":` + strconv.FormatInt(sc.later.ID, 10) + `,"names":["Bob Kask"]}`)
		leave()
		presence(`data: {"case":` + strconv.FormatInt(sc.later.ID, 10) + `,"names":[]}`)
	})
}
