package desk

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func chained(t *testing.T, n int) (Case, []Entry) {
	t.Helper()
	c := Case{ID: 42}
	var drafts []Draft
	for i := 0; i < n; i++ {
		drafts = append(drafts, Draft{Kind: KindMessageIn, Actor: Actor{Kind: ActorCustomer, ID: 7, Name: "Mari"}, Channel: "email",
			Body: "message <" + strings.Repeat("x", i) + "> & more", Data: MessageInData{Subject: fmt.Sprint("message ", i)}})
	}
	entries, err := Chain(&c, drafts, now)
	if err != nil {
		t.Fatal(err)
	}
	return c, entries
}

func TestChainAndCheck(t *testing.T) {
	c, entries := chained(t, 4)
	if c.LastSeq != 4 || c.LastHash != entries[3].Hash || entries[0].PrevHash != "" {
		t.Fatalf("case head %d %q; first prev %q", c.LastSeq, c.LastHash, entries[0].PrevHash)
	}
	check := func(es []Entry, headSeq int64, headHash string) *ChainFault {
		v := NewChainChecker(CaseRef(42))
		for _, e := range es {
			v.Add(e)
		}
		return v.Finish(headSeq, headHash)
	}
	if f := check(entries, c.LastSeq, c.LastHash); f != nil {
		t.Fatalf("an untouched chain fails: %v", f)
	}
	altered := append([]Entry(nil), entries...)
	altered[2].Body = "message <xy> & more!"
	if f := check(altered, c.LastSeq, c.LastHash); f == nil || f.Seq != 3 || f.Ref != "K-1042" {
		t.Errorf("altered body: fault %v, want K-1042 seq 3", f)
	}
	for name, mutate := range map[string]func(e *Entry){
		"time":     func(e *Entry) { e.At = e.At.Add(time.Second) },
		"actor":    func(e *Entry) { e.Actor.Name = "Bob" },
		"internal": func(e *Entry) { e.Internal = true },
		"data":     func(e *Entry) { e.Data = json.RawMessage(`{"n":9}`) },
		"case":     func(e *Entry) { e.CaseID = 43 },
	} {
		altered := append([]Entry(nil), entries...)
		mutate(&altered[1])
		if f := check(altered, c.LastSeq, c.LastHash); f == nil || f.Seq != 2 {
			t.Errorf("altered %s: fault %v, want seq 2", name, f)
		}
	}
	if f := check(append(append([]Entry(nil), entries[:1]...), entries[2:]...), c.LastSeq, c.LastHash); f == nil || f.Seq != 2 {
		t.Errorf("a removed middle entry: fault %v, want seq 2", f)
	}
	if f := check(entries[:3], c.LastSeq, c.LastHash); f == nil || f.Seq != 4 {
		t.Errorf("a removed last entry: fault %v, want seq 4", f)
	}
}

func TestCanonicalIsStable(t *testing.T) {
	_, entries := chained(t, 1)
	e := entries[0]
	e.Data = json.RawMessage(`{"n":0}`) // the data's own bytes are entrydata_test.go's concern
	want := `{"v":1,"case":"K-1042","seq":1,"kind":"message_in","at":"2026-11-23T10:00:00Z","actor":{"kind":"customer","id":7,"name":"Mari"},"internal":false,"channel":"email","body":"message <> & more","data":{"n":0},"prev":""}`
	if got := string(e.Canonical()); got != want {
		t.Errorf("canonical bytes changed (old exports would stop verifying):\n got %s\nwant %s", got, want)
	}
}

func TestCheckExport(t *testing.T) {
	c, entries := chained(t, 3)
	x := NewRecordExport(c, entries, SystemActor(), time.Time{})
	b, _ := json.Marshal(x)
	var back RecordExport
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if f, err := CheckExport(back); f != nil || err != nil {
		t.Fatalf("an export read back fails: %v %v", f, err)
	}
	back.Ref = CaseRef(43)
	if f, _ := CheckExport(back); f == nil {
		t.Error("an export relabelled to another case verifies")
	}
	if _, err := CheckExport(RecordExport{Format: "something/2"}); err == nil {
		t.Error("a file of another format is accepted")
	}
}

func TestCaseRef(t *testing.T) {
	for _, tc := range []struct {
		in string
		id int64
		ok bool
	}{{"K-1042", 42, true}, {"k1042", 42, true}, {" K-1001 ", 1, true}, {"K-1000", 0, false}, {"K-", 0, false}, {"X-1042", 0, false}, {"K-10x", 0, false}} {
		id, ok := ParseCaseRef(tc.in)
		if id != tc.id || ok != tc.ok {
			t.Errorf("ParseCaseRef(%q) = %d %v, want %d %v", tc.in, id, ok, tc.id, tc.ok)
		}
	}
	if CaseRef(42) != "K-1042" {
		t.Errorf("CaseRef(42) = %s", CaseRef(42))
	}
}

func TestParseHours(t *testing.T) {
	h, err := ParseHours("hours", map[string][]string{"mon": {"13:30-17:00", "09:00-12:30"}, "sat": {"00:00-24:00"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(h[time.Monday]) != 2 || h[time.Monday][0] != (Span{540, 750}) || h[time.Saturday][0] != (Span{0, 1440}) || len(h[time.Sunday]) != 0 {
		t.Errorf("hours %v", h)
	}
	b, _ := json.Marshal(h)
	if !strings.Contains(string(b), `"mon":["09:00-12:30","13:30-17:00"]`) || !strings.Contains(string(b), `"sun":[]`) {
		t.Errorf("hours encode as %s", b)
	}
	for _, bad := range []map[string][]string{
		{"mon": {"9-17"}}, {"mon": {"17:00-09:00"}}, {"mon": {"09:00-12:00", "11:00-13:00"}}, {"funday": {"09:00-10:00"}}, {"mon": {"24:30-25:00"}},
	} {
		if _, err := ParseHours("hours", bad); err == nil {
			t.Errorf("ParseHours(%v) accepted", bad)
		} else if e, ok := AsError(err); !ok || !strings.HasPrefix(e.Field, "hours") {
			t.Errorf("ParseHours(%v): error %v does not name the field", bad, err)
		}
	}
}

func TestChooseOwner(t *testing.T) {
	a := func(id int64, role Role, active bool) Agent { return Agent{ID: id, Role: role, Active: active} }
	got, err := ChooseOwner([]AgentLoad{{a(1, RoleAgent, true), 5, false}, {a(2, RoleAgent, false), 0, false}, {a(3, RolePartner, true), 0, false},
		{a(6, RoleAgent, true), 0, true}, {a(4, RoleLead, true), 2, false}, {a(5, RoleAgent, true), 2, false}})
	if err != nil || got.ID != 5 {
		t.Errorf("ChooseOwner = %d %v, want the least busy agent present, 5 (agents before leads)", got.ID, err)
	}
	if got, _ := ChooseOwner([]AgentLoad{{a(4, RoleLead, true), 3, false}, {a(7, RoleAdmin, true), 1, false}}); got.ID != 7 {
		t.Errorf("with no agents ChooseOwner = %d, want the least busy of the rest, 7", got.ID)
	}
	if _, err := ChooseOwner(nil); err == nil {
		t.Error("ChooseOwner with nobody succeeded")
	}
}

func TestMessagesAndCalls(t *testing.T) {
	c := Case{ID: 1, CustomerID: 7, Status: StatusClosed, Channel: "email"}
	cust := Actor{Kind: ActorCustomer, ID: 7, Name: "Mari"}
	drafts, err := AddMessage(&c, cust, NewMessage{Body: "Still broken"}, now)
	if err != nil || len(drafts) != 2 || drafts[0].Kind != KindMessageIn || drafts[1].Kind != KindStatusChanged || c.Status != StatusOpen {
		t.Errorf("a customer writing on a closed case: %v %v, status %s", drafts, err, c.Status)
	}
	if _, err := AddMessage(&c, cust, NewMessage{Body: "x", Internal: true}, now); err == nil {
		t.Error("a customer's internal message accepted")
	}
	agent := Actor{Kind: ActorAgent, ID: 3, Name: "Ann", Role: RoleAgent}
	if d, _ := AddMessage(&c, agent, NewMessage{Body: "note", Internal: true}, now); d[0].Kind != KindNote || !d[0].Internal {
		t.Errorf("an internal note became %v", d)
	}
	if _, err := AddMessage(&c, agent, NewMessage{Body: "  "}, now); err == nil {
		t.Error("an empty message accepted")
	}
	if _, err := LogCall(&c, agent, NewCall{Direction: "sideways", At: now, Summary: "x"}, now); err == nil {
		t.Error("a call with no direction accepted")
	}
	if _, err := LogCall(&c, agent, NewCall{Direction: "in", At: now.Add(time.Hour), Summary: "x"}, now); err == nil {
		t.Error("a call in the future accepted")
	}
	d, err := LogCall(&c, agent, NewCall{Direction: "in", At: now.Add(-time.Hour), DurationS: 60, Summary: "Called", Transcript: "Hi"}, now)
	if err != nil {
		t.Fatalf("a call refused: %v", err)
	}
	if call, ok := d[0].Data.(CallData); !ok || call.Direction != "inbound" || call.Transcript != "Hi" {
		t.Errorf("a call became %+v", d[0])
	}
}

func TestAccess(t *testing.T) {
	c := Case{ID: 1, CustomerID: 7}
	note := Entry{Internal: true}
	for _, tc := range []struct {
		a            Actor
		seeCase, see bool
	}{
		{Actor{Kind: ActorCustomer, ID: 7}, true, false},
		{Actor{Kind: ActorCustomer, ID: 8}, false, false},
		{Actor{Kind: ActorAgent, ID: 1, Role: RoleAgent}, true, true},
		{Actor{Kind: ActorAgent, ID: 2, Role: RolePartner}, false, false},
	} {
		if CanSeeCase(tc.a, c) != tc.seeCase || CanSeeEntry(tc.a, note) != tc.see {
			t.Errorf("%+v: sees case %v, note %v; want %v, %v", tc.a, CanSeeCase(tc.a, c), CanSeeEntry(tc.a, note), tc.seeCase, tc.see)
		}
	}
}

func TestOpenCaseIntroducesAndCounts(t *testing.T) {
	cust := Customer{ID: 7, Name: "Mari"}
	owner := Agent{ID: 3, Name: "Ann", Role: RoleAgent, Team: "Billing"}
	phone := Agent{ID: 4, Name: "Pia", Role: RoleAgent}
	c, drafts, parts := OpenCase(NewCase{Subject: "s", Body: "b", Channel: "email"}, cust, owner, nil, now)
	if c.Unanswered != 1 || len(drafts) != 2 || drafts[1].Kind != KindIntroduction || !strings.HasPrefix(drafts[1].Body, "Ann (agent, Billing) looks after your case") || len(parts) != 2 {
		t.Errorf("an emailed case: unanswered %d, drafts %v, participants %v", c.Unanswered, drafts, parts)
	}
	c, drafts, parts = OpenCase(NewCase{Subject: "s", Body: "b", Channel: "phone"}, cust, owner, &phone, now)
	if c.Unanswered != 0 || len(drafts) != 3 || !strings.Contains(drafts[2].Body, "Pia (agent) has joined") || len(parts) != 3 {
		t.Errorf("a case taken on the phone: unanswered %d, drafts %v, participants %v", c.Unanswered, drafts, parts)
	}
	if CountContact(&c, 2) || c.Unanswered != 1 {
		t.Errorf("first contact after the call: unanswered %d", c.Unanswered)
	}
	if !CountContact(&c, 2) {
		t.Error("the second unanswered contact does not escalate")
	}
}

func TestInboundFlags(t *testing.T) {
	for _, tc := range []struct {
		body string
		want string
	}{
		{"I click here and nothing happens on my invoice page.", ""},
		{"Dear сustоmеr, your parcel waits.", FlagLookalike},
		{"{Great|Amazing} news! You have won: claim your prize at http://x.example", FlagSpamSuspect},
	} {
		got := strings.Join(InboundFlags(tc.body), ",")
		if got != tc.want {
			t.Errorf("InboundFlags(%q) = %q, want %q", tc.body, got, tc.want)
		}
	}
	c, _, _ := OpenCase(NewCase{Subject: "s", Body: "{Great|Amazing} news! You have won: claim your prize", Channel: "email"}, Customer{ID: 1}, Agent{ID: 2}, nil, now)
	if c.Status != StatusQuarantined {
		t.Errorf("a spam intake has status %s, want quarantined", c.Status)
	}
}

// A text checked ahead (mail intake checks while parsing) decides what checking it on the
// case would; checks of another text are not taken for this one.
func TestCheckedText(t *testing.T) {
	spam := "{Great|Amazing} news! You have won: claim your prize"
	c, _, _ := OpenCase(NewCase{Subject: "s", Body: spam, Channel: "email", Checked: CheckText(spam)}, Customer{ID: 1}, Agent{ID: 2}, nil, now)
	if c.Status != StatusQuarantined || strings.Join(c.Flags, ",") != FlagSpamSuspect {
		t.Errorf("a spam intake checked ahead: status %s, flags %v", c.Status, c.Flags)
	}
	c, _, _ = OpenCase(NewCase{Subject: "s", Body: spam, Channel: "email", Checked: CheckText("Where is my parcel?")}, Customer{ID: 1}, Agent{ID: 2}, nil, now)
	if c.Status != StatusQuarantined {
		t.Errorf("a spam intake with another text's checks has status %s, want quarantined", c.Status)
	}
	ok := CheckText("Where is my parcel?")
	c = Case{ID: 3, Status: StatusOpen, Channel: "email"}
	if _, err := AddMessage(&c, CustomerActor(Customer{ID: 1}), NewMessage{Body: "Dear сustоmеr, your parcel waits.", Checked: ok}, now); err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.Flags, ",") != FlagLookalike {
		t.Errorf("a reply with another text's checks is flagged %v, want %s", c.Flags, FlagLookalike)
	}
	c.AddFlag("malformed_mail")
	lookalike := CheckText("Dear сustоmеr, again.")
	c2 := Case{ID: 4, Status: StatusOpen, Channel: "email"}
	if _, err := AddMessage(&c2, CustomerActor(Customer{ID: 1}), NewMessage{Body: lookalike.Body, Checked: lookalike}, now); err != nil {
		t.Fatal(err)
	}
	c2.AddFlag("malformed_mail")
	if strings.Join(lookalike.Flags, ",") != FlagLookalike || strings.Join(c2.Flags, ",") != FlagLookalike+",malformed_mail" {
		t.Errorf("checked ahead: %v; on the case after another flag: %v", lookalike.Flags, c2.Flags)
	}
}

// Webhooks and the OpenAPI file offer every entry kind, the newer ones included (the list was
// written by hand and left out delivery_failed, the incidents' and decisions' kinds, ratings…).
func TestEntryKindsAreEveryKind(t *testing.T) {
	kinds := EntryKinds()
	for _, want := range []EntryKind{KindMessageIn, KindDeliveryFailed, KindRatingGiven, KindIncidentLinked, KindDecisionMade, KindPriorityChanged, KindImported} {
		if !slices.Contains(kinds, want) {
			t.Errorf("EntryKinds() lacks %s: %v", want, kinds)
		}
	}
}
