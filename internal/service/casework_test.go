package service_test

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// Issue 16, the daily work: copies, attachments, merging and waiting on the customer.

// A customer's mail copied to a colleague makes the colleague the case's cc (the desk's own
// address is not kept); the agent's reply goes to both, with a blind copy only in the envelope,
// and the customer's record never names the blind copy.
func TestCopiesKeptAndUsedOnReplies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newMailScene(t, backend)
		raw := eml("From: Mari Mets <mari@example.ee>", "To: care@desk.test", "Cc: Jaan <jaan@example.ee>, care@desk.test, Care <care+k1.x@desk.test>",
			"Subject: Broken invoice", "Message-ID: <cc1@example.ee>", "Content-Type: text/plain; charset=utf-8", "", "The invoice is wrong.")
		res := must(sc.svc.ReceiveMail(sc.ctx, mail.Delivery{From: "mari@example.ee", To: []string{"care@desk.test"}, Raw: raw}))
		v := must(sc.svc.Case(sc.ctx, sc.sys, res.CaseID))
		if !slices.Equal(v.CC, []string{"jaan@example.ee"}) {
			t.Fatalf("cc after the mail = %v, want jaan only", v.CC)
		}
		ann := desk.AgentActor(sc.ann)
		_, err := sc.svc.AddMessage(sc.ctx, ann, res.CaseID, desk.NewMessage{Body: "We fixed it.",
			CC: []string{"jaan@example.ee", "Piret <piret@example.ee>"}, BCC: []string{"audit@example.ee"}})
		if err != nil {
			t.Fatal(err)
		}
		m := sc.lastMail(res.CaseID)
		if !slices.Equal(m.Also, []string{"jaan@example.ee", "piret@example.ee", "audit@example.ee"}) {
			t.Errorf("envelope copies = %v", m.Also)
		}
		msg, text := textOf(t, m)
		var cc []string
		for _, a := range msg.Cc {
			cc = append(cc, a.Email)
		}
		if !slices.Equal(cc, []string{"jaan@example.ee", "piret@example.ee"}) || !strings.Contains(text, "We fixed it.") {
			t.Errorf("Cc header = %v; text %q", cc, text)
		}
		if strings.Contains(strings.ToLower(string(m.Raw)), "audit@") {
			t.Errorf("the blind copy is in the mail the customer gets:\n%s", m.Raw)
		}
		mine := sc.record(res.CaseID, desk.CustomerActor(sc.mari))
		for _, e := range mine {
			if strings.Contains(string(e.Data)+e.Body, "audit@") {
				t.Errorf("the customer's record names the blind copy: %s %s %s", e.Kind, e.Body, e.Data)
			}
		}
		if e := lastOf(mine, desk.KindCopiesChanged); e == nil || !strings.Contains(e.Body, "piret@example.ee") {
			t.Errorf("the cc change is not on the customer's record: %v", kindsOf(mine))
		}
		staff := sc.record(res.CaseID, sc.sys)
		if e := lastOf(staff, desk.KindCopiesChanged); e == nil || !e.Internal || !strings.Contains(e.Body, "audit@example.ee") {
			t.Errorf("the bcc change is not an internal entry: %+v", e)
		}
		// The customer's own address is never a copy.
		if _, err := sc.svc.SetCopies(sc.ctx, ann, res.CaseID, service.CopiesIn{CC: []string{"mari@example.ee"}}); err == nil {
			t.Error("the customer's own address was taken as a copy")
		}
	})
}

// Files on a reply are mailed as attachments, kept as the customer's documents and quoted on
// the record (kept verify holds them); a note's file is never the customer's to see.
func TestAttachmentsOnRepliesAndNotes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newMailScene(t, backend)
		v := sc.openCase(sc.ann, "Contract")
		ann := desk.AgentActor(sc.ann)
		before := len(sc.customerMails(v.ID)) // the owner's introduction
		pdf := []byte("%PDF-1.4 the signed contract")
		res, err := sc.svc.AddMessage(sc.ctx, ann, v.ID, desk.NewMessage{Body: "Here is the contract.",
			Files: []desk.FileIn{{Filename: "leping.pdf", ContentType: "application/pdf", Content: pdf}}})
		if err != nil {
			t.Fatal(err)
		}
		d, _ := desk.DataOf[desk.MessageOutData](res.Entry)
		if len(d.Files) != 1 || d.Files[0].DocumentID == 0 || d.Files[0].SHA256 != hexSHA(pdf) {
			t.Fatalf("the reply's entry names %+v", d.Files)
		}
		msg, _ := textOf(t, sc.lastMail(v.ID))
		if len(msg.Attachments) != 1 || msg.Attachments[0].Filename != "leping.pdf" || string(msg.Attachments[0].Data) != string(pdf) {
			t.Errorf("mailed attachments = %+v", msg.Attachments)
		}
		mari := desk.CustomerActor(sc.mari)
		if _, content, err := sc.svc.DocumentContent(sc.ctx, mari, d.Files[0].DocumentID); err != nil || string(content) != string(pdf) {
			t.Errorf("the customer cannot read the reply's file: %v", err)
		}
		note, err := sc.svc.AddMessage(sc.ctx, ann, v.ID, desk.NewMessage{Body: "Scan of the ID", Internal: true,
			Files: []desk.FileIn{{Filename: "id.png", ContentType: "image/png", Content: []byte("\x89PNG secret")}}})
		if err != nil {
			t.Fatal(err)
		}
		nd, _ := desk.DataOf[desk.NoteData](note.Entry)
		if len(nd.Files) != 1 {
			t.Fatalf("the note names %+v", nd.Files)
		}
		if _, _, err := sc.svc.DocumentContent(sc.ctx, mari, nd.Files[0].DocumentID); err == nil {
			t.Error("the customer reads an internal note's file")
		}
		for _, doc := range must(sc.svc.Documents(sc.ctx, mari, sc.mari.ID)) {
			if doc.ID == nd.Files[0].DocumentID {
				t.Error("the customer's documents list an internal note's file")
			}
		}
		if n := len(sc.customerMails(v.ID)) - before; n != 1 {
			t.Errorf("%d mails to the customer; the note mailed something", n)
		}
		big := make([]byte, desk.MaxDocumentSize+1)
		if _, err := sc.svc.AddMessage(sc.ctx, ann, v.ID, desk.NewMessage{Body: "too big", Files: []desk.FileIn{{Filename: "big.bin", Content: big}}}); err == nil {
			t.Error("a file over the limit was taken")
		}
		rep := must(sc.svc.Verify(sc.ctx, v.ID, nil))
		if !rep.OK() {
			t.Errorf("verify: %+v", rep)
		}
	})
}

// Merging case B into case A of the same customer: an entry on both, B closed pointing to A,
// both records verify, and a later reply on B's thread lands on A. Cases of two customers, and
// a case with an open promise, are refused.
func TestMergeCases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newMailScene(t, backend)
		a := sc.openCase(sc.ann, "Invoice wrong")
		b := sc.openCase(sc.ann, "Invoice still wrong")
		ann := desk.AgentActor(sc.ann)
		must(sc.svc.AddMessage(sc.ctx, ann, b.ID, desk.NewMessage{Body: "Looking into it."}))
		bMail := sc.lastMail(b.ID)

		other := sc.caseOf(sc.customer("Ivo Horvat", "ivo@example.hr"), sc.ann, "Other")
		if _, err := sc.svc.MergeIn(sc.ctx, ann, a.ID, other.ID); err == nil {
			t.Fatal("cases of two customers were merged")
		} else if e, ok := desk.AsError(err); !ok || e.Code != "merge_other_customer" {
			t.Errorf("refusal = %v", err)
		}
		if _, err := sc.svc.MergeIn(sc.ctx, desk.AgentActor(sc.bob), a.ID, b.ID); err == nil {
			t.Error("an agent who settles neither case merged them")
		}
		p := must(sc.svc.MakePromise(sc.ctx, ann, b.ID, desk.NewPromise{Kind: "callback", Words: "I call you back", DueAt: sc.clock.Now().Add(48 * time.Hour)}))
		if _, err := sc.svc.MergeIn(sc.ctx, ann, a.ID, b.ID); err == nil {
			t.Fatal("a case with an open promise was merged")
		} else if e, ok := desk.AsError(err); !ok || e.Code != "merge_open_promises" {
			t.Errorf("refusal = %v", err)
		}
		must(sc.svc.KeepPromise(sc.ctx, ann, p.ID, "called"))

		got := must(sc.svc.MergeIn(sc.ctx, ann, a.ID, b.ID))
		if got.ID != a.ID {
			t.Fatalf("merge answered %s", got.Ref)
		}
		bv := must(sc.svc.Case(sc.ctx, sc.sys, b.ID))
		if bv.Status != desk.StatusClosed || bv.MergedInto != a.Ref {
			t.Errorf("%s after the merge: %s, merged into %q", b.Ref, bv.Status, bv.MergedInto)
		}
		if e := lastOf(sc.record(b.ID, desk.CustomerActor(sc.mari)), desk.KindMerged); e == nil || !strings.Contains(e.Body, "Merged into "+a.Ref) {
			t.Errorf("B's record: %+v", e)
		}
		if e := lastOf(sc.record(a.ID, desk.CustomerActor(sc.mari)), desk.KindMerged); e == nil || !strings.Contains(e.Body, b.Ref+" merged in") {
			t.Errorf("A's record: %+v", e)
		}
		if _, err := sc.svc.MergeIn(sc.ctx, ann, a.ID, b.ID); err == nil {
			t.Error("a merged case was merged again")
		}
		r := sc.replyTo(bMail, "mari@example.ee", "Any news?")
		if r.CaseID != a.ID {
			t.Errorf("a reply on %s's thread went to %s, want %s", b.Ref, desk.CaseRef(r.CaseID), a.Ref)
		}
		if res := must(sc.svc.AddMessage(sc.ctx, desk.CustomerActor(sc.mari), b.ID, desk.NewMessage{Body: "From the portal."})); res.CaseID != a.ID {
			t.Errorf("the customer's message on %s went to %s, want %s", b.Ref, desk.CaseRef(res.CaseID), a.Ref)
		}
		if bv := must(sc.svc.Case(sc.ctx, sc.sys, b.ID)); bv.Status != desk.StatusClosed {
			t.Errorf("the customer's message reopened the merged case: %s", bv.Status)
		}
		for _, id := range []int64{a.ID, b.ID} {
			if rep := must(sc.svc.Verify(sc.ctx, id, nil)); !rep.OK() {
				t.Errorf("verify %s: %+v", desk.CaseRef(id), rep)
			}
		}
	})
}

// A case set waiting on its customer until Wednesday: its response clock does not escalate it
// meanwhile; when the time comes (at the team's next business moment) the owner is reminded
// and it is back with them. Set waiting again, the customer's mail takes it back at once.
func TestWaitingOnCustomer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newMailScene(t, backend)
		billingWorksOfficeHours(sc, nil, service.TeamSettingsIn{})
		sc.clock.Set(sc.at(0, "10:00"))
		v := sc.openCase(sc.ann, "Need your meter reading")
		ann := desk.AgentActor(sc.ann)
		// Nobody answered the customer; the desk waits for a reading anyway (asked by phone).
		until := sc.at(2, "07:00") // before the team's day starts on Wednesday
		got := must(sc.svc.SetWaiting(sc.ctx, ann, v.ID, service.WaitingIn{Until: until}))
		if got.Waiting == nil || got.Waiting.Until == nil || !got.Waiting.Until.Equal(until) {
			t.Fatalf("waiting = %+v", got.Waiting)
		}
		sc.advance(24 * time.Hour) // past the response target: no escalation while waiting
		if e := lastOf(sc.record(v.ID, sc.sys), desk.KindEscalated); e != nil {
			t.Errorf("escalated while waiting: %s", e.Body)
		}
		w := must(sc.svc.Case(sc.ctx, sc.sys, v.ID)).Waiting
		if w == nil || w.Waited <= 0 || w.Waited >= 24*3600 {
			t.Errorf("waiting clock after a day = %+v (business time)", w)
		}
		sc.clock.Set(sc.at(2, "08:59"))
		sc.advance(0)
		if must(sc.svc.Case(sc.ctx, sc.sys, v.ID)).Waiting == nil {
			t.Fatal("the reminder came before the team's day")
		}
		sc.advance(2 * time.Minute)
		if must(sc.svc.Case(sc.ctx, sc.sys, v.ID)).Waiting != nil {
			t.Fatal("still waiting after its time ended")
		}
		notes := must(sc.svc.Notifications(sc.ctx, ann))
		if !slices.ContainsFunc(notes, func(n desk.Notification) bool { return n.Kind == "waiting_ended" && n.CaseID == v.ID }) {
			t.Errorf("the owner was not reminded: %+v", notes)
		}
		must(sc.svc.AddMessage(sc.ctx, ann, v.ID, desk.NewMessage{Body: "Please send the reading."}))
		must(sc.svc.SetWaiting(sc.ctx, ann, v.ID, service.WaitingIn{}))
		sc.replyTo(sc.lastMail(v.ID), "mari@example.ee", "It is 12345.")
		if must(sc.svc.Case(sc.ctx, sc.sys, v.ID)).Waiting != nil {
			t.Error("still waiting after the customer wrote")
		}
		var reasons []string
		for _, e := range sc.record(v.ID, sc.sys) {
			if d, ok := desk.DataOf[desk.WaitingChangedData](e); ok {
				reasons = append(reasons, d.Reason)
			}
		}
		if !slices.Equal(reasons, []string{"", desk.WaitingReminded, "", desk.WaitingAnswered}) {
			t.Errorf("waiting entries = %q", reasons)
		}
		if _, err := sc.svc.SetWaiting(sc.ctx, desk.CustomerActor(sc.mari), v.ID, service.WaitingIn{}); err == nil {
			t.Error("the customer set their case waiting")
		}
	})
}

func hexSHA(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
