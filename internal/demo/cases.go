package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// story is one case: who it is about, what, the values its texts use, and its planned steps.
type story struct {
	idx       int
	r, tr, pr *rand.Rand // the case's words; its timing; its promises and escalations
	cust      *customer
	topic     topic
	issue     issue
	notes     []string // internal notes that fit the issue
	owner     *staff   // who owns it when it opens
	channel   string
	by        desk.Actor // who opens it: the desk, or the owner taking a phone call
	subject   string
	body      string
	opened    time.Time
	steps     []*plannedStep
	v         vars
	id        int64
}

// step is a kind of record entry after the opening message.
type step int

const (
	stepCustomer step = iota // the customer writes again
	stepReply                // the owner replies
	stepNote                 // an internal note
	stepCall                 // a logged phone call
)

// plannedStep is a step with its time and, when not the case's owner, who takes it.
type plannedStep struct {
	kind     step
	at       time.Time
	gap      time.Duration // since the entry before
	author   *staff        // nil: whoever owns the case then
	escalate bool          // the customer (or, in a note, the agent) asks to go up the ladder
	promise  *promisePlan  // a reply that makes a promise
}

// planCase draws a case (its words from r, its timing from tr) and puts its opening and
// further steps on the timeline, each later than the one before and none after the limit.
func (s *seeder) planCase(st *story, opened time.Time) {
	r, c := st.r, st.cust
	st.opened = opened
	st.topic = topicFor(r, c)
	lt := &s.ph.langs[c.lang]
	tt := &lt.topics[st.topic]
	st.owner = s.ownerFor(r, st.topic, c.lang, opened)
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
	st.subject, st.body = subject, body
	st.channel = pickChannel(r)
	// On the phone an agent takes down the customer's words, so a case is phoned in only
	// while its owner is at work; other channels arrive at any hour by themselves.
	st.by = desk.SystemActor()
	if phoned := chance(r, 30); phoned {
		if _, moved := nextWorking(st.tr, st.owner.Agent, opened); !moved {
			st.channel, st.by = "phone", desk.AgentActor(st.owner.Agent)
		}
	}
	s.tl.add(opened, func(ctx context.Context) error { return s.openCase(ctx, st) })

	s.planSteps(st)
	for _, ps := range st.steps {
		s.tl.add(ps.at, func(ctx context.Context) error { return s.writeStep(ctx, st, ps) })
	}
	s.planPromise(st)
	s.planResolution(st)
}

// planSteps times the case's further entries. A customer who wrote is answered within the
// team's response target, by a colleague when the owner is away or not at work in time; now
// and then one asks for someone more senior.
func (s *seeder) planSteps(st *story) {
	kinds := s.followUps(st.r, st.opened)
	gaps := gaps(st.tr, kinds)
	limit := s.limit()
	target := s.targets[st.owner.Team]
	at, waiting, since := st.opened, true, st.opened
	for i, kind := range kinds {
		// Squeeze the remaining gaps, in proportion, into the time left before the limit.
		var rest time.Duration
		for _, g := range gaps[i:] {
			rest += g
		}
		g := gaps[i]
		if window := limit.Sub(at); rest > window {
			g = time.Duration(float64(g) * float64(window) / float64(rest))
		}
		next := at.Add(max(g, time.Second)).Truncate(time.Second)
		var author *staff
		var settled time.Time
		if kind == stepCustomer {
			settled = settleCustomer(st.tr, next)
		} else {
			var deadline time.Time
			if waiting {
				deadline = since.Add(target - time.Hour)
			}
			settled, author = s.whoWhen(st.tr, st, next, deadline)
		}
		// People act at sensible hours, when that still leaves room for what follows.
		if settled.Before(limit.Add(-time.Duration(len(kinds)-i) * time.Hour)) {
			next = settled.Truncate(time.Second)
		} else if kind != stepCustomer {
			author = nil
			if ab := s.awayAt(st.owner, next); ab != nil {
				author = s.cover(ab, st)
			}
		}
		ps := &plannedStep{kind: kind, at: next, gap: next.Sub(at), author: author}
		switch kind {
		case stepCustomer:
			// Asking for someone senior, once answered: an unanswered customer is escalated by
			// the desk itself.
			ps.escalate = !waiting && chance(st.pr, 2)
			if !waiting {
				since = next
			}
			waiting = true
		case stepReply:
			waiting = false
		case stepNote:
			ps.escalate = chance(st.pr, 1)
		}
		st.steps = append(st.steps, ps)
		at = next
	}
}

// whoWhen is when an agent's step due at t happens and who takes it: the owner at their next
// working time; whoever covers while the owner is away; or, when that is after deadline (zero:
// none), the teammate at work soonest, an agent before the team's lead or manager. A nil author
// is the case's owner.
func (s *seeder) whoWhen(r *rand.Rand, st *story, t, deadline time.Time) (time.Time, *staff) {
	who, author := st.owner, (*staff)(nil)
	if ab := s.awayAt(st.owner, t); ab != nil {
		who = s.cover(ab, st)
		author = who
	}
	at := s.nextAt(r, who, t)
	if deadline.IsZero() || !at.After(deadline) {
		return at, author
	}
	for _, seniors := range []bool{false, true} {
		for _, m := range s.agents {
			if m == who || m == st.owner || m.Team == "" || m.Team != st.owner.Team || (m.Role != desk.RoleAgent) != seniors ||
				(st.cust.lang != english && m.speaks != st.cust.lang) {
				continue
			}
			if mt := s.nextAt(r, m, t); mt.Before(at) {
				at, author = mt, m
			}
		}
		if !at.After(deadline) {
			break
		}
	}
	return at, author
}

// nextAt is when the agent next acts at or after t: in their working hours, after any
// absence the plan has for them.
func (s *seeder) nextAt(r *rand.Rand, a *staff, t time.Time) time.Time {
	for range 4 {
		at, _ := nextWorking(r, a.Agent, t)
		ab := s.awayAt(a, at)
		if ab == nil {
			return at
		}
		t = ab.to
	}
	return t
}

// settleCustomer moves a customer's message out of the small hours (mostly).
func settleCustomer(r *rand.Rand, t time.Time) time.Time {
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

// followUps draws what happens on a case after it opens: 1 to 8 entries, fewer on a case
// opened in the last day or two, each step likely to answer the one before. A customer writes
// again once answered; only now and then do they write twice with no answer in between.
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
	prev, waiting := stepCustomer, true // the opening message waits for an answer
	for range n {
		w := next[prev]
		x := r.IntN(w[0] + w[1] + w[2] + w[3])
		kind := stepCustomer
		for x >= w[kind] {
			x -= w[kind]
			kind++
		}
		if kind == stepCustomer && waiting && !chance(r, 3) {
			kind = stepReply
		}
		waiting = kind == stepCustomer || (waiting && kind != stepReply)
		out = append(out, kind)
		prev = kind
	}
	// Cut only after drawing, so a young case's words match what it would say when older.
	age := s.limit().Sub(opened)
	if age < 48*time.Hour {
		out = out[:min(n, 1+int(age/(16*time.Hour)))]
	}
	// Nothing closes a case yet, so a customer's last word stays unanswered for good and the
	// desk escalates it at the response target: the owner has the last word, except on the
	// young cases that make the inbox.
	waiting = true
	for _, k := range out {
		waiting = k == stepCustomer || (waiting && k != stepReply)
	}
	if waiting && age >= 48*time.Hour {
		out = append(out, stepReply)
	}
	return out
}

// gaps are the times between a case's entries: a waiting customer is answered within hours,
// customers come back within days.
func gaps(r *rand.Rand, steps []step) []time.Duration {
	between := func(lo, hi time.Duration) time.Duration { return lo + time.Duration(r.Int64N(int64(hi-lo))) }
	out := make([]time.Duration, len(steps))
	waiting := true
	for i, kind := range steps {
		switch {
		case kind == stepCustomer:
			out[i] = between(time.Hour, 72*time.Hour)
		case waiting && kind == stepReply:
			out[i] = between(10*time.Minute, 6*time.Hour)
		case waiting:
			out[i] = between(5*time.Minute, 3*time.Hour)
		case kind == stepReply:
			out[i] = between(15*time.Minute, 20*time.Hour)
		case kind == stepNote:
			out[i] = between(2*time.Minute, 3*time.Hour)
		case kind == stepCall:
			out[i] = between(20*time.Minute, 36*time.Hour)
		}
		waiting = kind == stepCustomer || (waiting && kind != stepReply)
	}
	return out
}

// openCase opens the case on the desk.
func (s *seeder) openCase(ctx context.Context, st *story) error {
	view, err := s.svc.OpenCase(ctx, st.by, desk.NewCase{CustomerID: st.cust.ID, Subject: st.subject, Body: st.body,
		Channel: st.channel, OwnerID: st.owner.ID, Type: st.topic.caseType()})
	if err != nil {
		return fmt.Errorf("demo case %d: %w", st.idx+1, err)
	}
	st.id, st.v["ref"] = view.ID, view.Ref
	s.byCase[st.id] = st
	s.cases++
	s.entries++
	if s.progress != nil && (s.cases%50 == 0 || s.cases == caseCount) {
		s.progress(s.cases)
	}
	return nil
}

// ownerNow is the agent who owns the case now: escalations and hand-overs move it.
func (s *seeder) ownerNow(ctx context.Context, st *story) (*staff, error) {
	c, err := s.svc.Case(ctx, desk.SystemActor(), st.id)
	return s.byID[c.OwnerID], err
}

// author is who takes an agent's step: the planned colleague, unless the case has moved to
// someone else since it opened (up the ladder, or to a cover), who then answers for it.
func (s *seeder) author(ctx context.Context, st *story, ps *plannedStep) (*staff, error) {
	now, err := s.ownerNow(ctx, st)
	if err != nil || now != st.owner || ps.author == nil {
		return now, err
	}
	return ps.author, nil
}

// speakAs makes the case's texts speak in the agent's name.
func (s *seeder) speakAs(st *story, a *staff) { agentVars(st.v, a) }

// agentVars are the values naming the agent who writes.
func agentVars(v vars, a *staff) {
	v["agent"], v["agentfirst"], v["team"] = a.Name, firstName(a.Name), a.Team
	if a.Team == "" {
		v["team"] = "customer care"
	}
}

// writeStep adds one further entry to a case's record.
func (s *seeder) writeStep(ctx context.Context, st *story, ps *plannedStep) error {
	r, c, v := st.r, st.cust, st.v
	lt := &s.ph.langs[c.lang]
	v["since"] = ""
	if days := int(ps.at.Sub(st.opened) / (24 * time.Hour)); days >= 2 && (days%10 != 1 || days%100 == 11) {
		v["since"] = fmt.Sprint(days) // "21 dana" is not Croatian, so no day count ending in 1
	}
	if ps.kind == stepCustomer {
		body := pick(r, lt.followUps, v)
		if chance(r, 30) {
			body = join(" ", body, pick(r, lt.topics[st.topic].asks, v))
		}
		if ps.escalate {
			body = pick(st.pr, s.pt[c.lang].askSenior, v)
		}
		if chance(r, 40) {
			body = join("\n\n", body, pick(r, lt.signoffs, v))
		}
		if c.lookalike {
			body = lookalikes(r, body)
		}
		from := desk.CustomerActor(c.Customer)
		if _, err := s.svc.AddMessage(ctx, from, st.id, desk.NewMessage{Body: body, Channel: writtenChannel(st.channel)}); err != nil {
			return err
		}
		s.messages++
		s.entries++
		if ps.escalate {
			if _, err := s.svc.Escalate(ctx, from, st.id, pick(st.pr, s.pt[c.lang].seniorWhy, v)); err != nil {
				return err
			}
			s.asked++
		}
		return nil
	}

	a, err := s.author(ctx, st, ps)
	if err != nil {
		return err
	}
	s.speakAs(st, a)
	agent := desk.AgentActor(a.Agent)
	switch ps.kind {
	case stepReply:
		middle := ""
		if pp := ps.promise; pp != nil {
			view, err := s.makePromise(ctx, st, pp, a)
			if err != nil {
				return err
			}
			middle = join(" ", pick(r, st.issue.actions, v), view.Words)
		}
		_, err = s.svc.AddMessage(ctx, agent, st.id, desk.NewMessage{Body: s.replyBody(st, middle), Channel: writtenChannel(st.channel)})
		s.messages++
	case stepNote:
		note := pick(r, st.notes, v)
		if chance(r, 30) || note == "" {
			note = pick(r, s.ph.notesAny, v)
		}
		var ask agentAsk
		if ps.escalate {
			asks := agentAsks()
			ask = asks[st.pr.IntN(len(asks))]
			note = fillOr(ask.note, v)
		}
		_, err = s.svc.AddMessage(ctx, agent, st.id, desk.NewMessage{Body: note, Internal: true})
		s.notes++
		if err == nil && ps.escalate {
			_, err = s.svc.Escalate(ctx, agent, st.id, ask.reason)
			s.asked++
		}
	case stepCall:
		_, err = s.svc.LogCall(ctx, agent, st.id, s.call(st, a, ps.gap))
		s.calls++
	}
	s.entries++
	return err
}

// replyBody is a reply to the customer around middle; with no middle, what the owner did about
// the issue and how things go on.
func (s *seeder) replyBody(st *story, middle string) string {
	r, v := st.r, st.v
	lt := &s.ph.langs[st.cust.lang]
	if middle == "" {
		middle = join(" ", pick(r, st.issue.actions, v), pick(r, lt.replyClose, v))
	}
	if chance(r, 70) {
		middle = join(" ", pick(r, lt.replyAck, v), middle)
	}
	return join("\n\n", pick(r, lt.replyOpen, v), middle, pick(r, lt.replySign, v))
}

// call makes a logged call by the agent: an English summary for the staff and a short
// transcript in the customer's language. It ended when it is logged and started within the gap
// before.
func (s *seeder) call(st *story, a *staff, gap time.Duration) desk.NewCall {
	r, v := st.r, st.v
	lt := &s.ph.langs[st.cust.lang]
	me, them := firstName(a.Name)+": ", st.cust.first+": "
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
// language and are not away when it opens; now and then the lead takes one on.
func (s *seeder) ownerFor(r *rand.Rand, t topic, l lang, opened time.Time) *staff {
	var lead *staff
	var agents []*staff
	for _, a := range s.agents {
		if a.Team != t.team() || (l != english && a.speaks != l) || s.awayAt(a, opened) != nil {
			continue
		}
		if a.Role == desk.RoleAgent {
			agents = append(agents, a)
		} else {
			lead = a
		}
	}
	if len(agents) == 0 || (lead != nil && chance(r, 12)) {
		if lead != nil {
			return lead
		}
		return s.agents[0] // no one on the team writes the language: the head of care does
	}
	return agents[r.IntN(len(agents))]
}

// caseVars are the values the case's texts are filled with.
func (s *seeder) caseVars(r *rand.Rand, c *customer, t topic, owner *staff) vars {
	v := vars{
		"name": c.first, "acc": c.account, "con": c.contract,
		"amount": money(c.lang, 1200+r.IntN(17000)), "days": fmt.Sprint(3 + r.IntN(10)),
	}
	agentVars(v, owner)
	if m := s.byID[owner.ManagerID]; m != nil {
		v["lead"] = m.Name
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
