// Package demo fills an empty desk with a believable, repeatable demo — three teams, twelve
// agents, two hundred customers and a thousand cases with their records — so a newcomer who
// starts `kept serve --demo` has a living desk to look at and a sign-in to use.
//
// Everything goes through the service's commands, as an API client would, so the demo's
// records are chained, indexed and checked exactly like real ones. A fake clock backdates
// them over the last 90 days.
package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// The demo's size and its sign-in.
const (
	headEmail     = "head@demo.kept.example"
	headPassword  = "kept-demo-password"
	customerCount = 200
	caseCount     = 1000
	lookalikeFolk = 4 // customers who hide Cyrillic letters in their texts
	tokenLabel    = "demo sign-in"
)

// The generator's fixed seed: the same demo on every machine, so docs and screenshots match.
const seed1, seed2 = 0x6b6570742d64656d, 0x6f2d6465736b2d31

// SignIn is how a newcomer gets into the demo desk.
type SignIn struct {
	Email    string
	Password string
	Token    string // a fresh API token for the demo admin
	Seeded   bool   // false when the database already had data and nothing was added
}

// Print writes the sign-in for the desk listening at url: the email and password (the agent UI is
// at /login once it exists), the API token, and one ready-to-paste curl line.
func (s *SignIn) Print(w io.Writer, url string) {
	url = strings.TrimRight(url, "/")
	if s.Seeded {
		fmt.Fprintf(w, "\nDemo desk ready: %d agents in 3 teams, %d customers, %d cases from the last 90 days.\n", len(demoAgents()), customerCount, caseCount)
	} else {
		fmt.Fprintf(w, "\nThe database already has cases, so no demo data was added.\n")
	}
	// The agent UI (/login) comes with a later release; the password is set for it already.
	fmt.Fprintf(w, "\nSign-in of the head of care (for the agent UI, coming soon)\n")
	fmt.Fprintf(w, "  email:     %s\n", s.Email)
	fmt.Fprintf(w, "  password:  %s\n", s.Password)
	fmt.Fprintf(w, "\nAPI token (new on every start; keep it private):\n  %s\n", s.Token)
	// Quoted, because an unquoted ? is a glob in several shells.
	fmt.Fprintf(w, "\nTry it:\n  curl -H \"Authorization: Bearer %s\" '%s/api/v1/cases?status=open'\n\n", s.Token, url)
}

// Seed fills an empty desk with a realistic, deterministic demo (fixed seed, math/rand/v2 PCG) and
// returns the sign-in. On a database that already has cases it adds nothing, but still returns a
// sign-in with a fresh token for the demo admin. progress, if not nil, is called with the number of
// cases written so far (every 50 cases and at the end).
func Seed(ctx context.Context, svc *service.Service, log *slog.Logger, progress func(cases int)) (*SignIn, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	start := time.Now()
	now := clock.System{}.Now()
	fake := clock.NewFake(now)
	s := &seeder{
		r:   rand.New(rand.NewPCG(seed1, seed2)),
		ph:  newPhrases(),
		svc: service.New(svc.Store(), fake, log),
		clk: fake,
		now: now,
	}
	var in *SignIn
	// One transaction for everything: thousands of commands pay for one commit, and a failed
	// seed leaves the database as it was.
	err := svc.Store().Batch(ctx, func(ctx context.Context) error {
		existing, err := svc.Cases(ctx, desk.SystemActor(), service.CaseList{Limit: 1})
		if err != nil {
			return err
		}
		var head desk.Agent
		if len(existing) > 0 {
			head, err = findHead(ctx, svc)
		} else {
			head, err = s.run(ctx, progress)
		}
		if err != nil {
			return err
		}
		// The token comes from the real clock: it is issued now, not in the demo's past.
		token, err := svc.IssueToken(ctx, head.ID, tokenLabel)
		if err != nil {
			return err
		}
		in = &SignIn{Email: headEmail, Password: headPassword, Token: token, Seeded: len(existing) == 0}
		return nil
	})
	if err != nil {
		return nil, err
	}
	took := time.Since(start).Round(time.Millisecond)
	if in.Seeded {
		log.Info("demo data seeded", "agents", len(s.agents), "customers", s.customers, "cases", s.cases,
			"entries", s.entries, "messages", s.messages, "notes", s.notes, "calls", s.calls, "took", took)
	} else {
		log.Info("demo data not seeded: the database already has cases; issued a new token for the demo admin",
			"email", headEmail, "took", took)
	}
	return in, nil
}

// findHead finds the demo admin on a desk seeded before. A desk with cases but no demo admin
// is someone's real data: the demo creates no admin with a published password there.
func findHead(ctx context.Context, svc *service.Service) (desk.Agent, error) {
	agents, err := svc.Agents(ctx, desk.SystemActor())
	if err != nil {
		return desk.Agent{}, err
	}
	for _, a := range agents {
		if a.Email == headEmail && a.Active {
			return a, nil
		}
	}
	return desk.Agent{}, fmt.Errorf("the database already has cases but no demo admin %s: demo data is only added to an empty database", headEmail)
}

// staff is a stored agent and the language they answer in besides English.
type staff struct {
	desk.Agent
	speaks lang
}

// seeder writes the demo through a service whose clock it moves, and counts what it wrote.
type seeder struct {
	r   *rand.Rand // the people and when cases open; each case has generators of its own
	ph  *phrases
	svc *service.Service
	clk *clock.Fake
	now time.Time // the real time seeding started; nothing is written after it

	agents                                            []staff
	customers, cases, entries, messages, notes, calls int
}

// run writes the agents, customers and cases, and returns the head of care.
func (s *seeder) run(ctx context.Context, progress func(cases int)) (desk.Agent, error) {
	day := 24 * time.Hour
	// The staff joined a little over a year ago, a few hours apart.
	s.clk.Set(s.now.Add(-420 * day))
	for _, sp := range demoAgents() {
		var mgr int64
		if sp.boss >= 0 {
			mgr = s.agents[sp.boss].ID
		}
		a, err := s.svc.CreateAgent(ctx, desk.SystemActor(), desk.NewAgent{Name: sp.name, Email: sp.email, Role: string(sp.role),
			Team: sp.team, ManagerID: mgr, Timezone: sp.tz, Hours: sp.hours})
		if err != nil {
			return desk.Agent{}, fmt.Errorf("demo agent %s: %w", sp.email, err)
		}
		s.agents = append(s.agents, staff{Agent: a, speaks: sp.speaks})
		s.clk.Advance(time.Duration(1+s.r.IntN(6)) * time.Hour)
	}
	head := s.agents[0].Agent
	if err := s.svc.SetPassword(ctx, head.ID, headPassword); err != nil {
		return desk.Agent{}, err
	}

	custs := customerPlan(s.r, customerCount, s.now.Year())
	joined := timesBetween(s.r, len(custs), s.now.Add(-400*day), s.now.Add(-91*day))
	for i, c := range custs {
		s.clk.Set(joined[i])
		stored, err := s.svc.CreateCustomer(ctx, desk.SystemActor(), c.input)
		if err != nil {
			return desk.Agent{}, fmt.Errorf("demo customer %s: %w", c.input.Email, err)
		}
		c.Customer = stored
		s.customers++
	}
	for _, i := range s.r.Perm(len(custs))[:lookalikeFolk] {
		custs[i].lookalike = true
	}

	// Cases open in time order, so the newest case has the highest id as on a real desk.
	// Every customer has at least one case; the earliest customers tend to have more.
	opens := openTimes(s.r, caseCount, s.now.Add(-90*day), s.now.Add(-2*time.Hour))
	who := make([]int, caseCount)
	for i := range who {
		if i < len(custs) {
			who[i] = i
		} else {
			who[i] = min(s.r.IntN(len(custs)), s.r.IntN(len(custs)))
		}
	}
	s.r.Shuffle(len(who), func(i, j int) { who[i], who[j] = who[j], who[i] })
	for i := range caseCount {
		// Each case draws its words and its timing from generators of its own, so K-1042 reads
		// the same on every machine although when people work depends on the day it is seeded.
		st := &story{
			r:    rand.New(rand.NewPCG(seed1, seed2+uint64(i)+1)),
			tr:   rand.New(rand.NewPCG(seed2, seed1+uint64(i)+1)),
			cust: custs[who[i]],
		}
		if err := s.writeCase(ctx, st, opens[i]); err != nil {
			return desk.Agent{}, fmt.Errorf("demo case %d: %w", i+1, err)
		}
		if progress != nil && ((i+1)%50 == 0 || i+1 == caseCount) {
			progress(i + 1)
		}
	}
	return head, nil
}

// openTimes are n sorted times in [from, to) when cases come in, mostly in the daytime of
// the customers' Europe.
func openTimes(r *rand.Rand, n int, from, to time.Time) []time.Time {
	out := make([]time.Time, n)
	for i := range out {
		for {
			out[i] = from.Add(time.Duration(r.Int64N(int64(to.Sub(from))))).Truncate(time.Second)
			if h := out[i].Hour(); (h >= 6 && h < 21) || chance(r, 25) {
				break
			}
		}
	}
	slices.SortFunc(out, time.Time.Compare)
	return out
}

// story is one case being written: who it is about, what, and the values its texts use.
type story struct {
	r, tr   *rand.Rand // the case's words; its timing
	cust    *customer
	topic   topic
	issue   issue
	notes   []string // internal notes that fit the issue
	owner   staff
	channel string
	v       vars
	id      int64
}

// step is a kind of record entry after the opening message.
type step int

const (
	stepCustomer step = iota // the customer writes again
	stepReply                // the owner replies
	stepNote                 // an internal note
	stepCall                 // a logged phone call
)

// writeCase opens one case at the given time and adds its further entries, each later than
// the one before and none after the real now.
func (s *seeder) writeCase(ctx context.Context, st *story, opened time.Time) error {
	r, c := st.r, st.cust
	st.topic = topicFor(r, c)
	lt := &s.ph.langs[c.lang]
	tt := &lt.topics[st.topic]
	st.owner = s.ownerFor(r, st.topic, c.lang)
	st.v = s.caseVars(r, c, st.topic, st.owner)
	n := issueFor(r, tt, st.v)
	st.issue, st.notes = tt.issues[n], s.ph.notes[st.topic][n]
	v := st.v

	subject := pick(r, st.issue.subjects, v)
	details := pickDistinct(r, tt.details, v, 1+r.IntN(2))
	problem := join(" ", append([]string{fillOr(st.issue.problem, v)}, details...)...)
	body := join("\n\n", pick(r, lt.greetings, v), join(" ", problem, pick(r, tt.asks, v)), pick(r, lt.signoffs, v))
	if c.lookalike {
		subject, body = lookalikes(r, subject), lookalikes(r, body)
	}
	st.channel = pickChannel(r)
	// On the phone an agent takes down the customer's words, so a case is phoned in only
	// while its owner is at work; other channels arrive at any hour by themselves.
	by := desk.SystemActor()
	if phoned := chance(r, 30); phoned {
		if _, moved := nextWorking(st.tr, st.owner.Agent, opened); !moved {
			st.channel, by = "phone", desk.AgentActor(st.owner.Agent)
		}
	}
	s.clk.Set(opened)
	view, err := s.svc.OpenCase(ctx, by, desk.NewCase{CustomerID: c.ID, Subject: subject, Body: body, Channel: st.channel,
		OwnerID: st.owner.ID, Type: st.topic.caseType()})
	if err != nil {
		return err
	}
	st.id, v["ref"] = view.ID, view.Ref
	s.cases++
	s.entries++

	steps := s.followUps(r, opened)
	gaps := gaps(st.tr, steps)
	limit := s.now.Add(-10 * time.Minute)
	at := opened
	for i, kind := range steps {
		// Squeeze the remaining gaps, in proportion, into the time left before the real now.
		var rest time.Duration
		for _, g := range gaps[i:] {
			rest += g
		}
		g := gaps[i]
		if window := limit.Sub(at); rest > window {
			g = time.Duration(float64(g) * float64(window) / float64(rest))
		}
		next := at.Add(max(g, time.Second)).Truncate(time.Second)
		// People act at sensible hours, when that still leaves room for what follows.
		if settled := settle(st.tr, kind, st.owner.Agent, next); settled.Before(limit.Add(-time.Duration(len(steps)-i) * time.Hour)) {
			next = settled
		}
		v["since"] = ""
		if days := int(next.Sub(opened) / (24 * time.Hour)); days >= 2 && (days%10 != 1 || days%100 == 11) {
			v["since"] = fmt.Sprint(days) // "21 dana" is not Croatian, so no day count ending in 1
		}
		s.clk.Set(next)
		if err := s.writeStep(ctx, st, kind, next.Sub(at)); err != nil {
			return err
		}
		s.entries++
		at = next
	}
	return nil
}

// issueFor picks the index of the case's issue among those the customer's references can
// tell (every topic has issues that need no reference beyond the account).
func issueFor(r *rand.Rand, tt *topicTexts, v vars) int {
	var usable []int
	for i, is := range tt.issues {
		if _, ok := fill(is.problem, v); ok && pick(r, is.subjects, v) != "" && pick(r, is.actions, v) != "" {
			usable = append(usable, i)
		}
	}
	if len(usable) == 0 {
		return 0
	}
	return usable[r.IntN(len(usable))]
}

// settle moves an entry's time to when its author would write it: an agent's into their
// working hours, a customer's out of the small hours (mostly).
func settle(r *rand.Rand, kind step, owner desk.Agent, t time.Time) time.Time {
	if kind != stepCustomer {
		at, _ := nextWorking(r, owner, t)
		return at
	}
	if h := t.Hour(); (h >= 22 || h < 6) && chance(r, 80) {
		day := t.Truncate(24 * time.Hour)
		if h >= 22 {
			day = day.Add(24 * time.Hour)
		}
		return day.Add(6*time.Hour + time.Duration(r.IntN(180))*time.Minute)
	}
	return t
}

// nextWorking is t if the agent is at work then, else a little after the start of their next
// stretch of work (moved true). It looks a week ahead.
func nextWorking(r *rand.Rand, a desk.Agent, t time.Time) (at time.Time, moved bool) {
	loc := a.Location()
	local := t.In(loc)
	midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	for d := range 8 {
		day := midnight.AddDate(0, 0, d)
		for _, sp := range a.Hours[day.Weekday()] {
			from, to := day.Add(time.Duration(sp.From)*time.Minute), day.Add(time.Duration(sp.To)*time.Minute)
			if !t.Before(from) && t.Before(to) {
				return t, false
			}
			if from.After(t) {
				late := time.Duration(5+r.IntN(40)) * time.Minute
				return from.Add(min(late, to.Sub(from)/2)).UTC(), true
			}
		}
	}
	return t, false
}

// writeStep adds one further entry to a case's record; gap is the time since the entry before.
func (s *seeder) writeStep(ctx context.Context, st *story, kind step, gap time.Duration) error {
	r, c, v := st.r, st.cust, st.v
	lt := &s.ph.langs[c.lang]
	agent := desk.AgentActor(st.owner.Agent)
	var err error
	switch kind {
	case stepCustomer:
		body := pick(r, lt.followUps, v)
		if chance(r, 30) {
			body = join(" ", body, pick(r, lt.topics[st.topic].asks, v))
		}
		if chance(r, 40) {
			body = join("\n\n", body, pick(r, lt.signoffs, v))
		}
		if c.lookalike {
			body = lookalikes(r, body)
		}
		_, err = s.svc.AddMessage(ctx, desk.CustomerActor(c.Customer), st.id, desk.NewMessage{Body: body, Channel: writtenChannel(st.channel)})
		s.messages++
	case stepReply:
		middle := join(" ", pick(r, st.issue.actions, v), pick(r, lt.replyClose, v))
		if chance(r, 70) {
			middle = join(" ", pick(r, lt.replyAck, v), middle)
		}
		body := join("\n\n", pick(r, lt.replyOpen, v), middle, pick(r, lt.replySign, v))
		_, err = s.svc.AddMessage(ctx, agent, st.id, desk.NewMessage{Body: body, Channel: writtenChannel(st.channel)})
		s.messages++
	case stepNote:
		note := pick(r, st.notes, v)
		if chance(r, 30) || note == "" {
			note = pick(r, s.ph.notesAny, v)
		}
		_, err = s.svc.AddMessage(ctx, agent, st.id, desk.NewMessage{Body: note, Internal: true})
		s.notes++
	case stepCall:
		_, err = s.svc.LogCall(ctx, agent, st.id, s.call(st, gap))
		s.calls++
	}
	return err
}

// call makes a logged call: an English summary for the staff and a short transcript in the
// customer's language. It ended when it is logged and started within the gap before.
func (s *seeder) call(st *story, gap time.Duration) desk.NewCall {
	r, v := st.r, st.v
	lt := &s.ph.langs[st.cust.lang]
	me, them := firstName(st.owner.Name)+": ", st.cust.first+": "
	summaries, hello, answer, dir := s.ph.summariesOut, lt.callHelloOut, lt.callCustOut, "outbound"
	if chance(r, 40) {
		summaries, hello, answer, dir = s.ph.summariesIn, lt.callHelloIn, lt.callCustIn, "inbound"
	}
	transcript := strings.Join([]string{
		me + pick(r, hello, v),
		them + pick(r, answer, v),
		me + join(" ", pick(r, lt.callCheck, v), pick(r, st.issue.actions, v)),
		them + pick(r, lt.callCustAsk, v),
		me + pick(r, lt.callClose, v),
		them + pick(r, lt.callCustBye, v),
	}, "\n")
	dur := min(time.Duration(60+st.tr.IntN(840))*time.Second, gap/2)
	return desk.NewCall{Direction: dir, At: s.clk.Now().Add(-dur), DurationS: int(dur / time.Second),
		Summary: pick(r, summaries, v), Transcript: transcript}
}

// followUps draws what happens on a case after it opens: 1 to 8 entries, fewer on a case
// opened in the last day or two, each step likely to answer the one before.
func (s *seeder) followUps(r *rand.Rand, opened time.Time) []step {
	// After each kind of entry, the weights of what comes next: customer, reply, note, call.
	next := [4][4]int{
		stepCustomer: {0, 55, 20, 25},
		stepReply:    {55, 15, 10, 20},
		stepNote:     {10, 60, 0, 30},
		stepCall:     {40, 30, 30, 0},
	}
	n := 1 + r.IntN(8)
	out := make([]step, 0, n)
	prev := stepCustomer // the opening message
	for range n {
		w := next[prev]
		x := r.IntN(w[0] + w[1] + w[2] + w[3])
		kind := stepCustomer
		for x >= w[kind] {
			x -= w[kind]
			kind++
		}
		out = append(out, kind)
		prev = kind
	}
	// Cut only after drawing, so a young case's words match what it would say when older.
	if age := s.now.Sub(opened); age < 48*time.Hour {
		out = out[:min(n, 1+int(age/(16*time.Hour)))]
	}
	return out
}

// gaps are the times between a case's entries: agents answer within hours, customers come
// back within days.
func gaps(r *rand.Rand, steps []step) []time.Duration {
	between := func(lo, hi time.Duration) time.Duration { return lo + time.Duration(r.Int64N(int64(hi-lo))) }
	out := make([]time.Duration, len(steps))
	for i, kind := range steps {
		switch kind {
		case stepCustomer:
			out[i] = between(time.Hour, 72*time.Hour)
		case stepReply:
			out[i] = between(15*time.Minute, 20*time.Hour)
		case stepNote:
			out[i] = between(2*time.Minute, 3*time.Hour)
		case stepCall:
			out[i] = between(20*time.Minute, 36*time.Hour)
		}
	}
	return out
}

// topicFor draws what the case is about; only customers with orders have late deliveries.
func topicFor(r *rand.Rand, c *customer) topic {
	x := r.IntN(100)
	switch {
	case x < 30:
		return billing
	case x < 60:
		return repair
	case x < 88 && len(c.orders) > 0:
		return delivery
	case x < 88:
		return repair
	}
	return cancellation
}

// ownerFor picks the case's owner from the topic's team among those who write the customer's
// language; now and then the lead takes one on.
func (s *seeder) ownerFor(r *rand.Rand, t topic, l lang) staff {
	var lead staff
	var agents []staff
	for _, a := range s.agents {
		if a.Team != t.team() || (l != english && a.speaks != l) {
			continue
		}
		if a.Role == desk.RoleAgent {
			agents = append(agents, a)
		} else {
			lead = a
		}
	}
	if len(agents) == 0 || (lead.ID != 0 && chance(r, 12)) {
		if lead.ID != 0 {
			return lead
		}
		return s.agents[0] // no one on the team writes the language: the head of care does
	}
	return agents[r.IntN(len(agents))]
}

// caseVars are the values the case's texts are filled with.
func (s *seeder) caseVars(r *rand.Rand, c *customer, t topic, owner staff) vars {
	v := vars{
		"name": c.first, "acc": c.account, "con": c.contract,
		"amount": money(c.lang, 1200+r.IntN(17000)), "days": fmt.Sprint(3 + r.IntN(10)),
		"agent": owner.Name, "agentfirst": firstName(owner.Name), "team": owner.Team,
	}
	if v["team"] == "" {
		v["team"] = "customer care"
	}
	for _, a := range s.agents {
		if a.ID == owner.ManagerID {
			v["lead"] = a.Name
		}
	}
	if v["lead"] == "" {
		v["lead"] = owner.Name
	}
	if len(c.orders) > 0 {
		o := c.orders[r.IntN(len(c.orders))]
		v["ord"], v["trk"] = o, c.tracking[o]
	}
	if t == repair {
		i := r.IntN(3)
		it := s.ph.langs[c.lang].items[i]
		v["item"], v["Item"] = it.nom, capitalize(it.nom)
		v["item_gen"], v["Item_gen"] = it.gen, capitalize(it.gen)
		v["item_obj"] = it.obj
		v["fault"] = it.faults[r.IntN(len(it.faults))]
		v["item_en"] = s.ph.langs[english].items[i].nom
	}
	return v
}

// pickChannel draws where a written case came in: mostly email and the web form.
func pickChannel(r *rand.Rand) string {
	x := r.IntN(100)
	switch {
	case x < 50:
		return "email"
	case x < 80:
		return "web"
	case x < 90:
		return "social"
	}
	return "api"
}

// writtenChannel is where written follow-ups on a case go: a case opened by phone or by an
// integration continues by email.
func writtenChannel(opened string) string {
	if opened == "phone" || opened == "api" {
		return "email"
	}
	return opened
}

func firstName(full string) string {
	first, _, _ := strings.Cut(full, " ")
	return first
}
