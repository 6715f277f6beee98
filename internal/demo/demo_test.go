package demo

import (
	"bytes"
	"context"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/auth"
	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
)

// TestSeed checks the demo as a newcomer meets it: the people, the cases and their records,
// search, the sign-in, and that a second start adds nothing.
func TestSeed(t *testing.T) {
	ctx := context.Background()
	quiet := slog.New(slog.DiscardHandler)
	svc := newService(ctx, t)
	sys := desk.SystemActor()

	var calls []int
	start := time.Now()
	in, err := Seed(ctx, svc, quiet, func(n int) { calls = append(calls, n) })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("seeding took %v", time.Since(start).Round(time.Millisecond))
	after := time.Now().UTC()
	if !in.Seeded || in.Email != "head@demo.kept.example" || in.Password != "kept-demo-password" || in.Token == "" {
		t.Fatalf("sign-in %+v: want a seeded desk with the demo admin and a token", in)
	}
	if len(calls) != caseCount/50 || calls[0] != 50 || calls[len(calls)-1] != caseCount {
		t.Errorf("progress calls %v: want every 50 cases up to %d", calls, caseCount)
	}

	// The token signs in as the head of care.
	me, err := svc.Authenticate(ctx, in.Token)
	if err != nil || me.Role != desk.RoleAdmin {
		t.Fatalf("the token authenticates as %+v, %v: want the admin", me, err)
	}

	// The password signs in too (once the UI asks for it).
	var hash string
	err = svc.Store().Read(ctx, func(tx *store.Tx) error {
		hash, err = tx.PasswordHash(ctx, me.ID)
		return err
	})
	if err != nil || !auth.CheckPassword(in.Password, hash) {
		t.Errorf("the demo password does not match the head of care's (%v)", err)
	}

	// Twelve agents on a ladder that reaches the head of care.
	agents, err := svc.Agents(ctx, sys)
	if err != nil {
		t.Fatal(err)
	}
	if len(agents) != 12 {
		t.Fatalf("%d agents, want 12", len(agents))
	}
	byID := map[int64]desk.Agent{}
	teams := map[string]bool{}
	for _, a := range agents {
		byID[a.ID] = a
		if a.Team != "" {
			teams[a.Team] = true
		}
	}
	if len(teams) != 3 || !teams["Billing"] || !teams["Repairs"] || !teams["Deliveries"] {
		t.Errorf("teams %v, want Billing, Repairs and Deliveries", teams)
	}
	head := byID[me.ID]
	if head.Email != in.Email || head.ManagerID != 0 {
		t.Errorf("head of care %+v: want %s with no manager", head, in.Email)
	}
	for _, a := range agents {
		cur, hops := a, 0
		for cur.ManagerID != 0 && hops < 5 {
			cur, hops = byID[cur.ManagerID], hops+1
		}
		if cur.ID != head.ID {
			t.Errorf("agent %s: the manager chain does not reach the head of care", a.Name)
		}
		if a.ID != head.ID && (hops == 0 || a.Timezone == "UTC") {
			t.Errorf("agent %s: manager %d, time zone %s", a.Name, a.ManagerID, a.Timezone)
		}
	}

	// 200 customers, no more.
	for id := int64(1); id <= customerCount; id++ {
		if _, err := svc.Customer(ctx, sys, id); err != nil {
			t.Fatalf("customer %d: %v", id, err)
		}
	}
	if _, err := svc.Customer(ctx, sys, customerCount+1); err == nil {
		t.Errorf("customer %d exists; want %d customers", customerCount+1, customerCount)
	}

	cases := allCases(ctx, t, svc)
	if len(cases) != caseCount {
		t.Fatalf("%d cases, want %d", len(cases), caseCount)
	}
	// The customers who hide Cyrillic letters in their words are flagged, and only they.
	lookalike := map[int64]bool{}
	channels := map[string]int{}
	for _, c := range cases {
		v, err := svc.Case(ctx, sys, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		channels[v.Channel]++
		if slices.Contains(c.Flags, desk.FlagLookalike) {
			lookalike[v.CustomerID] = true
		}
	}
	if len(lookalike) != lookalikeFolk {
		t.Errorf("cases of %d customers are flagged %s, want %d", len(lookalike), desk.FlagLookalike, lookalikeFolk)
	}
	t.Logf("cases by channel: %v", channels)
	if len(channels) != 5 {
		t.Errorf("cases came in by %v, want all five channels", channels)
	}

	// Every record lies in the last 90 days, in time order, and some hold the whole mix.
	oldest := after.Add(-91 * 24 * time.Hour)
	kinds := map[desk.EntryKind]int{}
	full := 0
	for _, c := range cases {
		rec, err := svc.Record(ctx, sys, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		// The request and the owner's introduction, up to 8 more messages, notes and calls, and
		// what the ladder adds (escalations with their introductions).
		if n := len(rec); n < 2 || n > 20 {
			t.Errorf("%s has %d entries, want 2 to 20", c.Ref, n)
		}
		have := map[desk.EntryKind]bool{}
		for i, e := range rec {
			if e.At.After(after) || e.At.Before(oldest) {
				t.Errorf("%s seq %d at %v: outside the last 90 days", c.Ref, e.Seq, e.At)
			}
			// One command may append several entries at one instant.
			if i > 0 && e.At.Before(rec[i-1].At) {
				t.Errorf("%s seq %d at %v is before seq %d at %v", c.Ref, e.Seq, e.At, rec[i-1].Seq, rec[i-1].At)
			}
			kinds[e.Kind]++
			have[e.Kind] = true
		}
		if have[desk.KindMessageIn] && have[desk.KindMessageOut] && have[desk.KindCall] {
			full++
		}
	}
	t.Logf("entries by kind: %v; %d cases hold messages both ways and a call", kinds, full)
	if full == 0 {
		t.Error("no case holds messages in, messages out and a call")
	}
	for _, k := range []desk.EntryKind{desk.KindMessageIn, desk.KindMessageOut, desk.KindNote, desk.KindCall} {
		if kinds[k] == 0 {
			t.Errorf("no %s entries", k)
		}
	}

	// A customer's account number finds that customer's cases.
	cust, err := svc.Customer(ctx, sys, 7)
	if err != nil {
		t.Fatal(err)
	}
	var account string
	for _, r := range cust.References {
		if r.Kind == "account" {
			account = r.Value
		}
	}
	hits, err := svc.Search(ctx, sys, account, 100)
	if err != nil {
		t.Fatal(err)
	}
	if account == "" || len(hits) != len(cust.Cases) || len(hits) == 0 {
		t.Errorf("search %q: %d hits, want the customer's %d cases", account, len(hits), len(cust.Cases))
	}
	for _, h := range hits {
		if v, err := svc.Case(ctx, sys, h.CaseID); err != nil || v.CustomerID != cust.ID {
			t.Errorf("search %q found %s of customer %d, want only customer %d's", account, h.Ref, v.CustomerID, cust.ID)
		}
	}

	// Estonian and Croatian words are found, with or without their accents.
	for _, q := range []string{"aitäh", "pesumasin", "račun", "perilica", "racun"} {
		hits, err := svc.Search(ctx, sys, q, 20)
		if err != nil || len(hits) == 0 {
			t.Errorf("search %q: %d hits, %v", q, len(hits), err)
		}
	}

	rep, err := svc.Verify(ctx, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Cases != caseCount || len(rep.Faults) != 0 {
		t.Errorf("verify: %d cases, faults %v", rep.Cases, rep.Faults)
	}

	// A second start adds nothing but still hands out a working token.
	again, err := Seed(ctx, svc, quiet, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.Seeded || again.Token == "" || again.Token == in.Token {
		t.Errorf("second seed %+v: want nothing added and a new token", again)
	}
	if me, err := svc.Authenticate(ctx, again.Token); err != nil || me.ID != head.ID {
		t.Errorf("the second token authenticates as %+v, %v", me, err)
	}
	if n := len(allCases(ctx, t, svc)); n != caseCount {
		t.Errorf("%d cases after the second seed, want %d", n, caseCount)
	}
}

// TestSeedIsRepeatable seeds two desks and finds the same customers and cases in both.
func TestSeedIsRepeatable(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds two desks")
	}
	ctx := context.Background()
	var desks [2][]service.CaseView
	for i := range desks {
		svc := newService(ctx, t)
		if _, err := Seed(ctx, svc, nil, nil); err != nil {
			t.Fatal(err)
		}
		for _, c := range allCases(ctx, t, svc) {
			v, err := svc.Case(ctx, desk.SystemActor(), c.ID)
			if err != nil {
				t.Fatal(err)
			}
			desks[i] = append(desks[i], v)
		}
	}
	for i, a := range desks[0] {
		b := desks[1][i]
		if a.Subject != b.Subject || a.CustomerID != b.CustomerID || a.OriginalRequest != b.OriginalRequest || a.OwnerID != b.OwnerID {
			t.Fatalf("%s differs between two seeds: %q of customer %d, then %q of customer %d", a.Ref, a.Subject, a.CustomerID, b.Subject, b.CustomerID)
		}
	}
}

// newService opens a fresh, migrated SQLite desk in a temporary folder.
func newService(ctx context.Context, t *testing.T) *service.Service {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	st, err := store.Open(ctx, store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx, quiet); err != nil {
		t.Fatal(err)
	}
	return service.New(st, clock.System{}, quiet)
}

// allCases pages through every case, newest first.
func allCases(ctx context.Context, t *testing.T, svc *service.Service) []service.CaseSummary {
	t.Helper()
	var out []service.CaseSummary
	var before int64
	for {
		page, err := svc.Cases(ctx, desk.SystemActor(), service.CaseList{BeforeID: before, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return out
		}
		out = append(out, page...)
		before = page[len(page)-1].ID
	}
}

func TestPrint(t *testing.T) {
	var b bytes.Buffer
	in := &SignIn{Email: headEmail, Password: headPassword, Token: "kept_1_secret", Seeded: true}
	in.Print(&b, "http://127.0.0.1:8080/")
	out := b.String()
	for _, want := range []string{headEmail, headPassword,
		`curl -H "Authorization: Bearer kept_1_secret" 'http://127.0.0.1:8080/api/v1/cases?status=open'`} {
		if !strings.Contains(out, want) {
			t.Errorf("Print output lacks %q:\n%s", want, out)
		}
	}
}

func TestTrackingNumber(t *testing.T) {
	// RR123456785EE is the textbook S10 example: its check digit is 5.
	if got := s10Check("12345678"); got != 5 {
		t.Errorf("s10Check(12345678) = %d, want 5", got)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		n := trackingNumber(r, croatian)
		if len(n) != 13 || !strings.HasSuffix(n, "HR") || int(n[10]-'0') != s10Check(n[2:10]) {
			t.Errorf("tracking number %s is not a valid S10 number", n)
		}
	}
}
