package desk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// Entry data was a map[string]any until issue 14; the records written then hash the bytes
// those maps marshalled to. The old* functions below are how each rule built its map then
// (aa7cff8), kept verbatim over the same inputs, so every type can be held to them.

// oldBytes is what Chain stored for a map: nothing for an empty one.
func oldBytes(t *testing.T, m map[string]any) []byte {
	t.Helper()
	if len(m) == 0 {
		return nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sameAsMap checks that a draft's typed data is stored as the old map was, byte for byte, and
// that reading it back and writing it again gives the same bytes.
func sameAsMap(t *testing.T, name string, d Draft, old map[string]any) {
	t.Helper()
	want := oldBytes(t, old)
	c := Case{ID: 1042}
	es, err := Chain(&c, []Draft{d}, now)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	got := es[0].Data
	if !bytes.Equal(got, want) {
		t.Errorf("%s: typed data %s\n  the map wrote %s", name, got, want)
		return
	}
	back, err := ReadData(es[0])
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	again, err := marshalData(d.Kind, back)
	if err != nil || !bytes.Equal(again, want) {
		t.Errorf("%s: read back and written again: %s (%v), want %s", name, again, err, want)
	}
}

// Times as the rules meet them: whole seconds, a zone other than UTC, nanoseconds (which
// RFC 3339 as the desk wrote it drops), and the far ends of what a year can be.
var dataTimes = []time.Time{
	time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC),
	time.Date(2026, 3, 29, 3, 30, 15, 0, time.FixedZone("EEST", 3*3600)),
	time.Date(2026, 11, 23, 10, 0, 0, 999_999_999, time.UTC).Add(-time.Hour * 24 * 400),
	time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC),
	time.Date(9999, 12, 31, 23, 59, 59, 500, time.FixedZone("", -7*3600)),
}

// Texts with what JSON escapes (HTML, quotes, control characters, U+2028) and letters beyond ASCII.
var dataTexts = []string{"", "plain", "Arve <märts> & \"topelt\"\n\ttab", "Račun\u2028ožujak\x01 📦", strings.Repeat("x", 300)}

var dataIDs = []int64{0, 1, 42, 1<<53 + 1, 1<<63 - 1}

func TestMessageInDataAsMap(t *testing.T) {
	cust := Customer{ID: 7, Name: "Mari"}
	owner := Agent{ID: 3, Name: "Ann", Role: RoleAgent, Team: "Billing", Active: true}
	recorder := &Agent{ID: 4, Name: "Bob <the> \"recorder\"", Role: RoleAgent}
	auths := []*MailAuth{
		{Aligned: true, By: "kept", DKIM: []string{"example.ee=pass", "esp.test=fail"}, DMARC: "reject", EnvelopeDomain: "example.ee",
			FromDomain: "example.ee", Reason: "SPF passes", SPF: "pass", Verified: true},
		{By: "", FromDomain: ""},
		{By: "mx.example.com", FromDomain: "example.com", SPF: "softfail", Reason: "r <&>"},
	}
	oldAuth := func(a *MailAuth) map[string]any {
		d := map[string]any{"from_domain": a.FromDomain, "by": a.By, "aligned": a.Aligned, "verified": a.Verified}
		if a.EnvelopeDomain != "" {
			d["envelope_domain"] = a.EnvelopeDomain
		}
		if a.SPF != "" {
			d["spf"] = a.SPF
		}
		if len(a.DKIM) > 0 {
			d["dkim"] = a.DKIM
		}
		if a.DMARC != "" {
			d["dmarc"] = a.DMARC
		}
		if a.Reason != "" {
			d["reason"] = a.Reason
		}
		return d
	}
	n := 0
	for i, subject := range dataTexts {
		// By hand: the case's subject, and who took the words down.
		for _, rec := range []*Agent{nil, recorder} {
			in := NewCase{CustomerID: 7, Subject: subject + "!", Body: "help", Channel: "phone"}
			_, drafts, _ := OpenCase(in, cust, owner, rec, now)
			old := map[string]any{"subject": in.Subject}
			if rec != nil {
				old["recorded_by"] = rec.Name
			}
			sameAsMap(t, fmt.Sprintf("opened by hand %q", subject), drafts[0], old)
			n++
		}
		// By mail: every key the mail path sets, present and absent, with empty headers kept.
		for j, auth := range auths {
			for variant := range 4 {
				mailID := dataIDs[1+(i+j)%(len(dataIDs)-1)]
				msgID, from := dataTexts[(i+1)%len(dataTexts)], dataTexts[(i+j+2)%len(dataTexts)]
				var problems, attachments []string
				automatic, html, unverified := variant&1 == 1, variant&2 == 2, (i+variant)%2 == 0
				if variant > 1 {
					problems = []string{"no Message-ID", "no Date <>"}
					attachments = []string{"arve.pdf", "", "ž.png"}
				}
				typed := MessageInData{MailID: mailID, SHA256: "ab12", MessageID: msgID, Subject: subject, From: from,
					Automatic: automatic, Problems: problems, Attachments: attachments, HTML: html, Auth: auth, UnverifiedSender: unverified}
				// mailData, then the auth verdict, then unverified_sender as the paths set it.
				old := map[string]any{"mail_id": mailID, "sha256": "ab12", "message_id": msgID, "subject": subject, "from": from}
				if automatic {
					old["automatic"] = true
				}
				if len(problems) > 0 {
					old["problems"] = problems
				}
				if len(attachments) > 0 {
					old["attachments"] = attachments
				}
				if html {
					old["html"] = true
				}
				old["auth"] = oldAuth(auth)
				if unverified {
					old["unverified_sender"] = true
				}
				name := fmt.Sprintf("mail %d/%d/%d", i, j, variant)
				// A follow-up mail's entry, and the first entry of a case a mail opened (its
				// subject is the mail's, whatever the case's).
				sameAsMap(t, name+" follow-up", Draft{Kind: KindMessageIn, Data: typed}, old)
				_, drafts, _ := OpenCase(NewCase{CustomerID: 7, Subject: "case subject", Body: "b", Channel: "email", Data: typed}, cust, owner, nil, now)
				sameAsMap(t, name+" opening", drafts[0], old)
				n += 2
			}
		}
	}
	// A customer's message written in the desk keeps nothing.
	c := Case{ID: 1, Status: StatusOpen, Channel: "web"}
	drafts, err := AddMessage(&c, CustomerActor(cust), NewMessage{Body: "hi"}, now)
	if err != nil {
		t.Fatal(err)
	}
	sameAsMap(t, "customer's message", drafts[0], nil)
	t.Logf("%d message_in data compared", n+1)
}

func TestMessageOutAndStatusDataAsMap(t *testing.T) {
	agent := AgentActor(Agent{ID: 3, Name: "Ann", Role: RoleAgent})
	for _, offer := range []bool{false, true} {
		c := Case{ID: 1, Status: StatusOpen, Channel: "email"}
		drafts, err := AddMessage(&c, agent, NewMessage{Body: "Our offer", Offer: offer}, now)
		if err != nil {
			t.Fatal(err)
		}
		var old map[string]any
		if offer {
			old = map[string]any{"offer": true}
		}
		sameAsMap(t, fmt.Sprintf("message out, offer %v", offer), drafts[0], old)
	}
	statuses := []Status{StatusOpen, StatusAwaitingConfirmation, StatusClosed, StatusClosedUnconfirmed, StatusQuarantined, ""}
	for _, from := range statuses {
		for _, to := range statuses {
			c := Case{Status: from}
			sameAsMap(t, fmt.Sprintf("status %q → %q", from, to), statusChange(&c, to, "why"), map[string]any{"from": string(from), "to": string(to)})
		}
	}
}

func TestCallDataAsMap(t *testing.T) {
	agent := AgentActor(Agent{ID: 3, Name: "Ann", Role: RoleAgent})
	for _, at := range dataTimes[:3] { // a call cannot be logged before it happens
		for _, dir := range []string{"in", "outbound"} {
			for _, dur := range []int{0, 59, 86400} {
				for _, transcript := range dataTexts {
					in := NewCall{Direction: dir, At: at, DurationS: dur, Summary: "called", Transcript: transcript}
					drafts, err := LogCall(&Case{}, agent, in, now)
					if err != nil {
						t.Fatal(err)
					}
					d := strings.ToLower(dir)
					if d == "in" {
						d = "inbound"
					}
					old := map[string]any{"direction": d, "at": in.At.UTC().Format(time.RFC3339), "duration_s": in.DurationS}
					if transcript != "" {
						old["transcript"] = transcript
					}
					sameAsMap(t, fmt.Sprintf("call %v %s %d %q", at, dir, dur, transcript), drafts[0], old)
				}
			}
		}
	}
}

func TestPromiseDataAsMap(t *testing.T) {
	by := AgentActor(Agent{ID: 3, Name: "Ann", Role: RoleAgent})
	for _, id := range dataIDs {
		for _, due := range dataTimes {
			for _, place := range dataTexts {
				p := Promise{ID: id, Kind: PromiseAppointment, Words: "We meet", Place: place, DueAt: due, OwnerID: id / 2, State: PromiseOpen}
				old := map[string]any{"promise_id": p.ID, "kind": string(p.Kind), "due_at": p.DueAt.UTC().Format(time.RFC3339), "owner_id": p.OwnerID}
				if p.Place != "" {
					old["place"] = p.Place
				}
				sameAsMap(t, fmt.Sprintf("promise made %d %v %q", id, due, place), MakePromise(&Case{}, p, by)[0], old)
			}
			p := Promise{ID: id, Kind: PromiseCallback, Words: "I call", DueAt: due, State: PromiseOpen}
			kept, err := KeepPromise(&p, by, "done", now)
			if err != nil {
				t.Fatal(err)
			}
			sameAsMap(t, fmt.Sprintf("promise kept %d %v", id, due), kept[0],
				map[string]any{"promise_id": p.ID, "due_at": p.DueAt.UTC().Format(time.RFC3339)})

			for slips := range 3 {
				p := Promise{ID: id, Kind: PromiseFix, Words: "Fixed", DueAt: due, State: PromiseOpen, Slips: slips}
				if due.Before(now) {
					broken, err := BreakPromise(&Case{}, &p, time.UTC, now)
					if err != nil {
						t.Fatal(err)
					}
					sameAsMap(t, fmt.Sprintf("promise broken %d %v %d", id, due, slips), broken[0],
						map[string]any{"promise_id": p.ID, "due_at": p.DueAt.UTC().Format(time.RFC3339), "slips": p.Slips})
					continue
				}
				to := due.Add(25*time.Hour + 500*time.Millisecond)
				if to.Year() > 9999 {
					to = due.Add(time.Millisecond)
				}
				from := p.DueAt
				slipped, _, err := SlipPromise(&p, by, Slip{DueAt: to, Reason: " the <bank> ", Message: "Later"}, now)
				if err != nil {
					t.Fatal(err)
				}
				sameAsMap(t, fmt.Sprintf("promise slipped %d %v %d", id, due, slips), slipped[0],
					map[string]any{"promise_id": p.ID, "from": from.UTC().Format(time.RFC3339), "to": to.UTC().Format(time.RFC3339), "reason": "the <bank>", "slips": p.Slips})
				if id != 0 { // a slipped promise is a stored one: its id is never 0
					sameAsMap(t, fmt.Sprintf("slip message %d", id), slipped[1], map[string]any{"promise_id": p.ID})
				}
			}
		}
	}
}

func TestLadderDataAsMap(t *testing.T) {
	owner := Agent{ID: 3, Name: "Ann", Role: RoleAgent, Team: "Billing", TeamID: 1, Active: true}
	manager := Agent{ID: 2, Name: "Lea", Role: RoleLead, Team: "", Active: true}
	for _, trigger := range []string{TriggerBrokenPromise, TriggerAgentRequest, "", "odd <trigger>"} {
		for rung := range 3 {
			c := Case{ID: 1, OwnerID: owner.ID, Rung: rung}
			sameAsMap(t, fmt.Sprintf("escalated at the top %q %d", trigger, rung), Escalate(&c, owner, nil, trigger, "why", now)[0],
				map[string]any{"trigger": trigger, "from_owner": owner.ID, "to_owner": owner.ID, "top": true})
			c = Case{ID: 1, OwnerID: owner.ID, Rung: rung}
			sameAsMap(t, fmt.Sprintf("escalated %q %d", trigger, rung), Escalate(&c, owner, &manager, trigger, "why", now)[0],
				map[string]any{"trigger": trigger, "from_owner": owner.ID, "to_owner": manager.ID, "rung": rung + 1})
		}
	}
	for _, a := range []Agent{owner, manager, {ID: 1<<53 + 1, Name: "X", Role: RoleAdmin, Team: "Ž <&>"}} {
		for _, isOwner := range []bool{false, true} {
			for _, until := range append([]time.Time{{}}, dataTimes...) {
				old := map[string]any{"agent_id": a.ID, "role": string(a.Role), "team": a.Team, "owner": isOwner}
				if !until.IsZero() {
					old["until"] = until.UTC().Format(time.RFC3339)
				}
				sameAsMap(t, fmt.Sprintf("introduction %d %v %v", a.ID, isOwner, until), Introduce(Reader{}, a, isOwner, now, until), old)
			}
		}
	}
	to := Agent{ID: 5, Name: "Bob", Role: RoleAgent, Active: true}
	for _, until := range []time.Time{{}, now.Add(time.Hour), now.Add(48*time.Hour + 1500*time.Millisecond)} {
		for _, missing := range []bool{false, true} {
			for _, agreement := range []int64{0, 9, 1<<53 + 1} {
				c := Case{ID: 1, OwnerID: owner.ID}
				in := Handover{ToAgentID: to.ID, Briefing: "Read the record", Until: until, AgreementID: agreement}
				drafts, err := HandOver(&c, AgentActor(owner), in, HandoverState{Owner: owner, To: to, Missing: missing}, now)
				if err != nil {
					t.Fatal(err)
				}
				old := map[string]any{"from": owner.ID, "to": to.ID}
				if !until.IsZero() {
					old["until"] = until.UTC().Format(time.RFC3339)
				}
				if missing {
					old["missing"] = true
				}
				// An agreement is recorded (and spent) only by a move below the case's rung, with
				// below_rung: this case never climbed, so it is not (the ladder's own tests go down).
				sameAsMap(t, fmt.Sprintf("handover %v %v %d", until, missing, agreement), drafts[0], old)
			}
		}
	}
}

func TestProcessDataAsMap(t *testing.T) {
	by := AgentActor(Agent{ID: 3, Name: "Ann", Role: RoleAgent})
	cust := CustomerActor(Customer{ID: 7, Name: "Mari"})
	ct := CaseType{Name: "Repair", Steps: []Step{{Name: "Look <at> it"}, {Name: "Fix", Partner: "Fixit"}, {Name: "Return"}}}
	for from := range 4 {
		for pos := 1; pos <= 3; pos++ {
			if pos == from {
				continue
			}
			c := Case{Step: from}
			drafts, err := EnterStep(&c, ct, pos, by)
			if err != nil {
				t.Fatal(err)
			}
			sameAsMap(t, fmt.Sprintf("step %d → %d", from, pos), drafts[0], map[string]any{"from": from, "to": pos, "step": ct.Steps[pos-1].Name})
		}
	}
	for _, text := range dataTexts[1:] {
		c := Case{ID: 1, Status: StatusOpen, OriginalRequest: text + " (original)"}
		drafts, err := Resolve(&c, by, " "+text+" ", now)
		if err != nil {
			t.Fatal(err)
		}
		sameAsMap(t, "resolution proposed "+text, drafts[1], map[string]any{"summary": strings.TrimSpace(text)})
		rejected, err := Confirm(&c, cust, Confirmation{Words: "no"}, now)
		if err != nil {
			t.Fatal(err)
		}
		sameAsMap(t, "resolution rejected "+text, rejected[0], map[string]any{"original_request": c.OriginalRequest, "rejected_answer": strings.TrimSpace(text)})
		// Rejected, the case has no resolution: confirming one proposed again keeps its summary.
		for _, resolution := range []string{"", text} {
			c := Case{ID: 1, Status: StatusAwaitingConfirmation, Resolution: resolution}
			confirmed, err := Confirm(&c, cust, Confirmation{Confirmed: true}, now)
			if err != nil {
				t.Fatal(err)
			}
			sameAsMap(t, "resolution confirmed "+resolution, confirmed[0], map[string]any{"summary": resolution})
		}
	}
	for _, p := range []*Partner{nil, {ID: 1, Name: "Fixit OÜ"}, {ID: 1<<53 + 1, Name: "A <&> \"B\""}} {
		for _, step := range []int{0, 2} {
			c := Case{ID: 1, PartnerID: 99}
			drafts, err := AssignPartner(&c, p, ct, step, by)
			if err != nil {
				t.Fatal(err)
			}
			old := map[string]any{"partner_id": 0}
			if p != nil {
				old = map[string]any{"partner_id": p.ID, "partner": p.Name}
				if step != 0 {
					old["step"] = step
				}
			}
			sameAsMap(t, fmt.Sprintf("partner %v step %d", p, step), drafts[0], old)
		}
	}
}

func TestDocumentAndReferenceDataAsMap(t *testing.T) {
	by := CustomerActor(Customer{ID: 7, Name: "Mari"})
	for i, id := range dataIDs {
		for _, text := range dataTexts {
			d := Document{ID: id, Kind: text, Filename: text + ".pdf", Size: id / 3, SHA256: fmt.Sprintf("%064x", i)}
			sameAsMap(t, fmt.Sprintf("document %d %q", id, text), DocumentAdded(d, by), map[string]any{
				"document_id": d.ID, "kind": d.Kind, "filename": d.Filename, "size": d.Size, "sha256": d.SHA256})
		}
	}
	for _, text := range dataTexts {
		// The service builds this one (AddCaseReference): its map, and the type it uses now.
		sameAsMap(t, "reference "+text, Draft{Kind: KindReferenceAdded, Data: ReferenceAddedData{Kind: text, Value: text + "-1"}},
			map[string]any{"kind": text, "value": text + "-1"})
	}
}

// TestDataOfKind: DataOf reads an entry only as its own kind's type, and Chain refuses data of
// another kind than the draft's.
func TestDataOfKind(t *testing.T) {
	c := Case{ID: 1}
	es, err := Chain(&c, []Draft{
		{Kind: KindPromiseKept, Data: PromiseKeptData{PromiseID: 9, DueAt: InstantOf(now)}},
		{Kind: KindNote, Body: "no data"},
		{Kind: KindMessageOut, Data: MessageOutData{}}, // nothing to keep: stored as no data, as an empty map was
	}, now)
	if err != nil {
		t.Fatal(err)
	}
	if d, ok := DataOf[PromiseKeptData](es[0]); !ok || d.PromiseID != 9 || !d.DueAt.Time().Equal(now) {
		t.Errorf("promise kept reads %+v %v", d, ok)
	}
	if _, ok := DataOf[PromiseBrokenData](es[0]); ok {
		t.Error("a promise_kept entry reads as promise_broken data")
	}
	if es[2].Data != nil {
		t.Errorf("an empty message_out data stored as %s", es[2].Data)
	}
	if d, ok := DataOf[MessageOutData](es[2]); !ok || (d.Offer || d.PromiseID != 0 || d.Files != nil) {
		t.Errorf("a message_out without data reads %+v %v", d, ok)
	}
	if d, err := ReadData(es[1]); d != nil || err != nil {
		t.Errorf("a note's data reads %v %v", d, err)
	}
	bad := es[0]
	bad.Data = json.RawMessage(`{"promise_id":"nine"}`)
	if _, ok := DataOf[PromiseKeptData](bad); ok {
		t.Error("data of the wrong shape reads")
	}
	if _, err := ReadData(bad); err == nil {
		t.Error("ReadData reads data of the wrong shape")
	}
	if _, err := Chain(&c, []Draft{{Kind: KindPromiseBroken, Data: PromiseKeptData{PromiseID: 9}}}, now); err == nil {
		t.Error("Chain took a promise_broken entry with promise_kept data")
	}
}
