package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// newAgreementScene is the portal's scene with mailed links pointing at the test desk and
// Mari's kettle case escalated to Lea (rung 1), who stands above Ann, its first owner.
func newAgreementScene(t *testing.T, backend string) *portalScene {
	t.Helper()
	d := newPortalDesk(t, backend)
	d.Web.DefaultBaseURL(d.URL)
	sc := newPortalScene(t, d)
	v, err := d.Svc.Escalate(context.Background(), desk.CustomerActor(sc.mari), sc.kettle.ID, "I want someone more senior")
	if err != nil || v.OwnerID != sc.lea.ID || v.Rung != 1 {
		t.Fatalf("escalate: %+v %v", v, err)
	}
	return sc
}

// caseMails are the mails queued on a case, oldest first.
func caseMails(t *testing.T, d *testDesk, caseID int64) []store.OutMail {
	t.Helper()
	var out []store.OutMail
	err := d.St.Read(context.Background(), func(tx *store.Tx) error {
		var err error
		out, err = tx.Outbox(context.Background(), caseID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// answerLinks are the paths of the last mail's links to agree and to decline.
func answerLinks(t *testing.T, d *testDesk, caseID int64) (yes, no string) {
	t.Helper()
	mails := caseMails(t, d, caseID)
	msg, err := mail.Parse(mails[len(mails)-1].Raw, mail.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(regexp.QuoteMeta(d.URL) + `(/portal/handover\?answer=(yes|no)&token=\S+)`)
	for _, m := range re.FindAllStringSubmatch(msg.Text, -1) {
		if m[2] == "yes" {
			yes = m[1]
		} else {
			no = m[1]
		}
	}
	if yes == "" || no == "" {
		t.Fatalf("the mail has no links to answer by:\n%s", msg.Text)
	}
	return yes, no
}

func linkToken(t *testing.T, path string) string {
	t.Helper()
	u, err := url.Parse(path)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("token")
}

var askedField = regexp.MustCompile(`name="asked" value="(\d+)"`)

// TestAgreementByPortalButton: the agent's hand-over below the rung is refused with who could
// take the case and an "Ask the customer" button; the customer answers in the portal; the
// case page then hands the case over naming that agreement.
func TestAgreementByPortalButton(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newAgreementScene(t, backend)
		d, id := sc.d, portalID(sc.kettle.ID)
		agent := d.browser()
		agent.signIn("admin@example.com", adminPassword)
		agent.get("/cases/" + id)
		p := agent.post("/cases/"+id+"/handover", url.Values{"to": {portalID(sc.ann.ID)}, "briefing": {"Ann knows the kettle"}})
		if p.Status != http.StatusConflict {
			t.Fatalf("hand-over below the rung: %d", p.Status)
		}
		p.mustContain(t, "without the customer&#39;s agreement", `id="allowed"`, "Ada Admin", `id="ask-customer"`, `name="to" value="`+portalID(sc.ann.ID)+`"`)

		p = agent.post("/cases/"+id+"/handover/ask", url.Values{"to": {portalID(sc.ann.ID)}})
		if p.Status != http.StatusSeeOther || !strings.Contains(p.Location, "done=asked") {
			t.Fatalf("ask the customer: %d → %q\n%s", p.Status, p.Location, p.Body)
		}
		agent.get(p.Location).mustContain(t, "The customer is asked", "The customer was asked whether Ann Tamm may take the case; no answer yet.")

		cust := d.browser()
		cust.portalSignIn("mari@example.ee")
		p = cust.get("/portal/cases/" + id)
		p.mustContain(t, "May we hand your case on?", "Ann Tamm (agent, Care), who has worked on your case before, would take it back.", `id="agree"`, `id="decline"`)
		m := askedField.FindStringSubmatch(p.Body)
		if m == nil {
			t.Fatalf("no question to answer on the portal page:\n%s", p.Body)
		}
		p = cust.post("/portal/cases/"+id+"/handover", url.Values{"asked": {m[1]}, "answer": {"yes"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("agree: %d\n%s", p.Status, p.Body)
		}
		p = cust.get(p.Location)
		p.mustContain(t, "Thank you: your agreement is on your case.", "I agree that Ann Tamm takes over my case.")
		p.portalLacks(t, `id="agree"`)
		// Answering again is refused on the page.
		if p = cust.post("/portal/cases/"+id+"/handover", url.Values{"asked": {m[1]}, "answer": {"no"}}); p.Status != http.StatusConflict {
			t.Fatalf("answering twice: %d", p.Status)
		}
		p.mustContain(t, "This question no longer stands")

		p = agent.get("/cases/" + id)
		p.mustContain(t, "The customer agreed that Ann Tamm takes the case.", `id="hand-agreed"`)
		q, err := d.Svc.HandoverQuestionOf(context.Background(), desk.AgentActor(d.Admin), sc.kettle.ID)
		if err != nil || q == nil || q.Answer != "agreed" {
			t.Fatalf("question %+v %v", q, err)
		}
		p = agent.post("/cases/"+id+"/handover", url.Values{"to": {portalID(sc.ann.ID)}, "agreement": {strconv.FormatInt(q.AnswerEntryID, 10)},
			"briefing": {"Mari agreed: replace the kettle."}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("hand-over with the agreement: %d\n%s", p.Status, p.Body)
		}
		if v, _ := d.Svc.Case(context.Background(), desk.SystemActor(), sc.kettle.ID); v.OwnerID != sc.ann.ID || v.Rung != 1 {
			t.Errorf("after the agreed hand-over: owner %d rung %d", v.OwnerID, v.Rung)
		}
	})
}

// TestAgreementBySignedLink: the mailed links open a page with one button in the customer's
// language; opening them (a mail scanner) uses nothing; the button answers once; a used, an
// expired and a made-up link are refused; a declined answer is no agreement.
func TestAgreementBySignedLink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newAgreementScene(t, backend)
		d, ctx := sc.d, context.Background()
		if err := d.Svc.SetLanguage(ctx, desk.CustomerActor(sc.mari), "et"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Svc.AskHandoverAgreement(ctx, desk.AgentActor(d.Admin), sc.kettle.ID, desk.HandoverAsk{ToAgentID: sc.ann.ID}); err != nil {
			t.Fatal(err)
		}
		yes, no := answerLinks(t, d, sc.kettle.ID)
		scanner := d.browser()
		for range 2 {
			p := scanner.get(yes) // asks for English: the page is in Mari's language all the same
			if p.Status != http.StatusOK {
				t.Fatalf("opening the link: %d\n%s", p.Status, p.Body)
			}
			p.mustContain(t, "Ann Tamm (klienditeenindaja, Care), kes on teie juhtumiga varem tegelenud, võtaks selle tagasi.", "Jah, olen nõus", `action="/portal/handover"`)
			p.portalLacks(t, "Ei, ma ei ole nõus</button>")
			scanner.get(no).mustContain(t, "Ei, ma ei ole nõus")
		}
		if q, _ := d.Svc.HandoverQuestionOf(ctx, desk.SystemActor(), sc.kettle.ID); q == nil || !q.Open {
			t.Fatalf("opening the links answered the question: %+v", q)
		}

		b := d.browser()
		b.get(yes)
		p := b.post("/portal/handover", url.Values{"token": {linkToken(t, yes)}, "answer": {"yes"}})
		if p.Status != http.StatusOK {
			t.Fatalf("agree by the link: %d\n%s", p.Status, p.Body)
		}
		p.mustContain(t, "Aitäh! Teie nõusolek on pöördumise juures.")
		rec, _ := d.Svc.Record(ctx, desk.SystemActor(), sc.kettle.ID)
		last := rec[len(rec)-1]
		if last.Kind != desk.KindHandoverAgreed || last.Actor.ID != sc.mari.ID || last.Body != "Olen nõus, et minu juhtumiga tegeleb edaspidi Ann Tamm." {
			t.Fatalf("the answer on the record: %+v", last)
		}
		// Both links are used now.
		for _, link := range []string{yes, no} {
			if p := d.browser().get(link); p.Status != http.StatusGone {
				t.Fatalf("a used link: %d", p.Status)
			}
		}
		b.get(no)
		if p := b.post("/portal/handover", url.Values{"token": {linkToken(t, no)}, "answer": {"no"}}); p.Status != http.StatusGone || !strings.Contains(p.Body, "juba kasutatud") {
			t.Fatalf("answering by a used link: %d\n%s", p.Status, p.Body)
		}

		// Asked again: the links expire, the portal still takes a no, and a no is no agreement.
		if _, err := d.Svc.AskHandoverAgreement(ctx, desk.AgentActor(d.Admin), sc.kettle.ID, desk.HandoverAsk{ToAgentID: sc.ann.ID}); err != nil {
			t.Fatal(err)
		}
		yes, _ = answerLinks(t, d, sc.kettle.ID)
		// The kettle's delivery is kept, or its breaking would take the case a rung up.
		if _, err := d.Svc.KeepPromise(ctx, desk.AgentActor(d.Admin), sc.promise.ID, "Delivered"); err != nil {
			t.Fatal(err)
		}
		d.Clock.Advance(service.HandoverLinkLength + time.Minute)
		if p := d.browser().get(yes); p.Status != http.StatusGone || !strings.Contains(p.Body, "kehtivus on lõppenud") {
			t.Fatalf("an expired link: %d\n%s", p.Status, p.Body)
		}
		if p := d.browser().get("/portal/handover?answer=yes&token=kept_1_" + strings.Repeat("A", 43)); p.Status != http.StatusNotFound {
			t.Fatalf("a made-up link: %d", p.Status)
		}
		cust := d.browser()
		cust.portalSignIn("mari@example.ee")
		p = cust.get("/portal/cases/" + portalID(sc.kettle.ID))
		m := askedField.FindStringSubmatch(p.Body)
		if m == nil {
			t.Fatalf("no question in the portal after the links expired:\n%s", p.Body)
		}
		if p = cust.post("/portal/cases/"+portalID(sc.kettle.ID)+"/handover", url.Values{"asked": {m[1]}, "answer": {"no"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("decline: %d\n%s", p.Status, p.Body)
		}
		q, _ := d.Svc.HandoverQuestionOf(ctx, desk.SystemActor(), sc.kettle.ID)
		if q == nil || q.Answer != "declined" {
			t.Fatalf("after declining: %+v", q)
		}
		_, err := d.Svc.HandOver(ctx, desk.AgentActor(d.Admin), sc.kettle.ID, desk.Handover{ToAgentID: sc.ann.ID, Briefing: "x", AgreementID: q.AnswerEntryID})
		if e, ok := desk.AsError(err); !ok || e.Code != "downward_reassignment" {
			t.Fatalf("a hand-over naming a declined answer: %v", err)
		}
		agent := d.browser()
		agent.signIn("admin@example.com", adminPassword)
		agent.get("/cases/"+portalID(sc.kettle.ID)).mustContain(t, "The customer declined: Ann Tamm does not take the case.")
	})
}
