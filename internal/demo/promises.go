package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// promisePlan is a promise on a demo case and what is planned to become of it. The words are
// written when it is made, from the due time the desk accepts; what the plan leaves undone
// (no keep, no slip before the due time) the desk's timers decide.
type promisePlan struct {
	kind  desk.PromiseKind
	made  time.Time
	due   time.Time
	slips []slipPlan
	keep  time.Time    // zero: never kept, so it breaks at its due time or is still open
	again *promisePlan // the new promise a senior colleague makes once this one has broken
	id    int64        // set once made
	line  string       // the line the words were filled from: a slip fills it again for the new time
}

// slipPlan moves a promise at a time to a later due time.
type slipPlan struct {
	at, to time.Time
}

// finalDue is the due time after the planned slips.
func (pp *promisePlan) finalDue() time.Time {
	if n := len(pp.slips); n > 0 {
		return pp.slips[n-1].to
	}
	return pp.due
}

// lastTouched is when the promise was last made or moved.
func (pp *promisePlan) lastTouched() time.Time {
	if n := len(pp.slips); n > 0 {
		return pp.slips[n-1].at
	}
	return pp.made
}

// planPromise gives about three cases in ten a promise, made in one of the owner's replies: the
// first one, or on a case still moving in the last days, the latest. Most promises made long
// enough ago were kept, some slipped once or twice, some broke; the latest are still open, a few
// of them due within hours.
func (s *seeder) planPromise(st *story) {
	pr := st.pr
	var replies []*plannedStep
	for _, ps := range st.steps {
		if ps.kind == stepReply {
			replies = append(replies, ps)
		}
	}
	if len(replies) == 0 {
		return
	}
	at := replies[0]
	recent := s.base.Sub(replies[len(replies)-1].at) < 6*24*time.Hour
	if recent {
		at = replies[len(replies)-1]
	}
	pct := 26
	if recent {
		pct = 60
	}
	if !chance(pr, pct) {
		return
	}
	owner := s.keeper(st, at.at)
	pp := &promisePlan{kind: s.promiseKind(pr, st.topic), made: at.at}
	pp.due = s.freeAt(owner, at.at.Add(promiseTime(pr, pp.kind)))
	if recent && chance(pr, 35) && s.base.Sub(at.at) > 30*time.Hour {
		// Due in the next hours: the day-ahead reminder has reached the owner already.
		pp.due = s.freeAt(owner, s.base.Add(time.Hour+time.Duration(pr.IntN(360))*time.Minute))
	}
	at.promise = pp
	s.planOutcome(st, pp, owner)
}

// planOutcome decides what becomes of a promise and puts the events on the timeline.
func (s *seeder) planOutcome(st *story, pp *promisePlan, owner *staff) {
	pr := st.pr
	limit := s.limit()
	x := pr.IntN(100)
	if pp.due.After(limit) {
		// Still open; some have slipped once already, a few twice.
		if x < 25 && s.planSlip(pr, pp, owner) && x < 6 {
			s.planSlip(pr, pp, owner)
		}
	} else {
		keep := true
		switch {
		case x < 68:
		case x < 80:
			keep = false
		case x < 93:
			s.planSlip(pr, pp, owner)
			keep = chance(pr, 75)
		default:
			if s.planSlip(pr, pp, owner) {
				s.planSlip(pr, pp, owner)
			}
			keep = chance(pr, 70)
		}
		if due := pp.finalDue(); due.Before(limit) {
			if keep {
				pp.keep = s.keepAt(pr, owner, pp.lastTouched(), due)
			}
			if pp.keep.IsZero() {
				s.planAgain(st, pp, owner) // it breaks at its due time
			}
		}
	}
	s.addPromiseEvents(st, pp)
}

// addPromiseEvents puts a promise's slips, keeping and follow-up on the timeline; making it
// belongs to the reply it is made in.
func (s *seeder) addPromiseEvents(st *story, pp *promisePlan) {
	for _, sl := range pp.slips {
		s.tl.add(sl.at, func(ctx context.Context) error { return s.slip(ctx, st, pp, sl) })
	}
	if !pp.keep.IsZero() {
		s.tl.add(pp.keep, func(ctx context.Context) error { return s.keepPromise(ctx, st, pp) })
	}
	if a := pp.again; a != nil {
		s.tl.add(a.made, func(ctx context.Context) error { return s.promiseAgain(ctx, st, pp) })
		s.addPromiseEvents(st, a)
	}
}

// planSlip moves the promise once, some time before it is due; false when there is no time left
// for it before now.
func (s *seeder) planSlip(pr *rand.Rand, pp *promisePlan, owner *staff) bool {
	due, from := pp.finalDue(), pp.lastTouched()
	end := due
	if limit := s.limit(); limit.Before(end) {
		end = limit
	}
	if end.Sub(from) < time.Hour {
		return false
	}
	frac := 0.35 + 0.5*pr.Float64()
	at, ok := s.atWork(owner, from.Add(10*time.Minute), end, frac)
	if !ok {
		at = from.Add(time.Duration(float64(end.Sub(from)) * frac)).Truncate(time.Second)
	}
	pp.slips = append(pp.slips, slipPlan{at: at, to: s.freeAt(owner, due.Add(slipTime(pr, pp.kind)))})
	return true
}

// keepAt is when a promise due at due is kept: a while after from, in the keeper's working
// hours when they leave time, always before the due time and before now.
func (s *seeder) keepAt(pr *rand.Rand, owner *staff, from, due time.Time) time.Time {
	end := due.Add(-time.Minute)
	if limit := s.limit(); limit.Before(end) {
		end = limit
	}
	if end.Sub(from) < 4*time.Minute {
		return time.Time{}
	}
	frac := 0.3 + 0.65*pr.Float64()
	if at, ok := s.atWork(owner, from.Add(2*time.Minute), end, frac); ok {
		return at
	}
	return from.Add(time.Duration(float64(end.Sub(from)) * frac)).Truncate(time.Second)
}

// atWork is the moment frac of the way through the agent's working time in [from, end); false
// when they do not work in between.
func (s *seeder) atWork(a *staff, from, end time.Time, frac float64) (time.Time, bool) {
	if !end.After(from) {
		return time.Time{}, false
	}
	stretches := desk.AvailableStretches(a.Agent, a.away, from, end.Sub(from))
	var total time.Duration
	for _, st := range stretches {
		total += st.To.Sub(st.From)
	}
	if total < time.Minute {
		return time.Time{}, false
	}
	pos := time.Duration(frac * float64(total))
	for _, st := range stretches {
		d := st.To.Sub(st.From)
		if pos < d {
			return st.From.Add(pos).UTC().Truncate(time.Second), true
		}
		pos -= d
	}
	return stretches[len(stretches)-1].To.Add(-time.Minute).UTC().Truncate(time.Second), true
}

// planAgain plans the new promise the owner's manager makes once a promise has broken (the
// timer escalates the case to them), in most cases a few working hours later.
func (s *seeder) planAgain(st *story, pp *promisePlan, owner *staff) {
	pr := st.pr
	if !chance(pr, 65) {
		return
	}
	senior := s.byID[owner.ManagerID]
	if senior == nil {
		senior = owner
	}
	made := s.nextAt(pr, senior, pp.finalDue().Add(time.Hour+time.Duration(pr.IntN(18*60))*time.Minute)).Truncate(time.Second)
	if !made.Before(s.limit()) {
		return
	}
	a := &promisePlan{kind: s.promiseKind(pr, st.topic), made: made}
	a.due = s.freeAt(senior, made.Add(promiseTime(pr, a.kind)))
	if a.due.Before(s.limit()) && chance(pr, 90) {
		a.keep = s.keepAt(pr, senior, made, a.due)
	}
	pp.again = a
}

// promiseKind draws the kind of a promise on the topic.
func (s *seeder) promiseKind(pr *rand.Rand, t topic) desk.PromiseKind {
	kinds := s.kinds[t]
	total := 0
	for _, k := range kinds {
		total += k.weight
	}
	x := pr.IntN(total)
	for _, k := range kinds {
		if x < k.weight {
			return k.kind
		}
		x -= k.weight
	}
	return kinds[0].kind
}

// promiseTime is how far ahead a promise of the kind is due when made.
func promiseTime(pr *rand.Rand, k desk.PromiseKind) time.Duration {
	between := func(lo, hi time.Duration) time.Duration { return lo + time.Duration(pr.Int64N(int64(hi-lo))) }
	switch k {
	case desk.PromiseCallback:
		return between(2*time.Hour, 30*time.Hour)
	case desk.PromiseUpdate:
		return between(6*time.Hour, 72*time.Hour)
	case desk.PromiseDelivery:
		return between(24*time.Hour, 120*time.Hour)
	case desk.PromiseFix:
		return between(24*time.Hour, 168*time.Hour)
	}
	return between(24*time.Hour, 144*time.Hour)
}

// slipTime is how far a slip of the kind moves the promise.
func slipTime(pr *rand.Rand, k desk.PromiseKind) time.Duration {
	between := func(lo, hi time.Duration) time.Duration { return lo + time.Duration(pr.Int64N(int64(hi-lo))) }
	switch k {
	case desk.PromiseCallback:
		return between(4*time.Hour, 30*time.Hour)
	case desk.PromiseUpdate, desk.PromiseDelivery:
		return between(24*time.Hour, 72*time.Hour)
	}
	return between(48*time.Hour, 120*time.Hour)
}

// freeAt is the first quarter hour at or after t when the agent can be booked, as far as the
// plan knows (the desk has the last word when the promise is made).
func (s *seeder) freeAt(a *staff, t time.Time) time.Time {
	if slots := desk.FreeSlots(a.Agent, a.away, t, 1); len(slots) > 0 {
		return slots[0].UTC()
	}
	return t
}

// keeper is who the plan expects to own the case at t: its owner, or whoever covers for them.
func (s *seeder) keeper(st *story, t time.Time) *staff {
	if ab := s.awayAt(st.owner, t); ab != nil {
		return s.cover(ab, st)
	}
	return st.owner
}

// promiseWords fills one of the customer's lines for the kind with the due time.
func (s *seeder) promiseWords(st *story, kind desk.PromiseKind, due time.Time) (words, place, line string) {
	var lines []string
	var places []string
	for _, l := range s.pt[st.cust.lang].lines[st.topic] {
		if l.kind == kind {
			lines, places = append(lines, l.words), append(places, l.place)
		}
	}
	w := phrase(st.cust.lang, due, s.custLoc[st.cust.lang])
	v := st.v
	v["by"], v["on"] = w.by, w.on
	defer func() { v["by"], v["on"] = "", "" }()
	usable := []int{}
	for i, l := range lines {
		if _, ok := fill(l, v); ok {
			usable = append(usable, i)
		}
	}
	if len(usable) == 0 { // every topic has a line of each of its kinds that needs nothing more
		return fillOr(lines[0], v), places[0], lines[0]
	}
	i := usable[st.pr.IntN(len(usable))]
	words, _ = fill(lines[i], v)
	return words, places[i], lines[i]
}

// restatedWords fills a promise's line again for its new due time, as the customer reads it:
// the words a slip restates the promise in ("" when the line cannot be filled again).
func (s *seeder) restatedWords(st *story, pp *promisePlan, due time.Time) string {
	if pp.line == "" {
		return ""
	}
	w := phrase(st.cust.lang, due, s.custLoc[st.cust.lang])
	v := st.v
	v["by"], v["on"] = w.by, w.on
	defer func() { v["by"], v["on"] = "", "" }()
	words, ok := fill(pp.line, v)
	if !ok {
		return ""
	}
	return words
}

// makePromise makes the planned promise as author on the case. A due time the owner cannot be
// booked at is refused by the desk with the owner's free times: the promise is then made for
// the first of them, as an agent would.
func (s *seeder) makePromise(ctx context.Context, st *story, pp *promisePlan, author *staff) (service.PromiseView, error) {
	due := pp.due
	for {
		words, place, line := s.promiseWords(st, pp.kind, due)
		view, err := s.svc.MakePromise(ctx, desk.AgentActor(author.Agent), st.id,
			desk.NewPromise{Kind: string(pp.kind), DueAt: due, Words: words, Place: place})
		if slot, ok := firstFreeSlot(err, due); ok {
			due = slot
			continue
		}
		if err != nil {
			return view, fmt.Errorf("promise on %s: %w", st.v["ref"], err)
		}
		pp.id, pp.line = view.ID, line
		s.promised++
		return view, nil
	}
}

// firstFreeSlot reads the owner's first free time after asked from an owner_unavailable refusal.
func firstFreeSlot(err error, asked time.Time) (time.Time, bool) {
	e, ok := desk.AsError(err)
	if !ok || e.Code != "owner_unavailable" {
		return time.Time{}, false
	}
	slots, _ := e.Details["free_slots"].([]map[string]any)
	for _, sl := range slots {
		at, _ := sl["at"].(string)
		if t, err := time.Parse(time.RFC3339, at); err == nil && t.After(asked) {
			return t, true
		}
	}
	return time.Time{}, false
}

// promiseIn loads a planned promise as it stands now; ok is false when it was never made (id 0)
// or is no longer in state: the story moved on without it.
func (s *seeder) promiseIn(ctx context.Context, id int64, state desk.PromiseState) (p desk.Promise, ok bool, err error) {
	if id == 0 {
		return p, false, nil
	}
	v, err := s.svc.Promise(ctx, desk.SystemActor(), id)
	return v.Promise, err == nil && v.Promise.State == state, err
}

// slip moves an open promise, by its owner, with a reason and an honest message.
func (s *seeder) slip(ctx context.Context, st *story, pp *promisePlan, sl slipPlan) error {
	p, ok, err := s.promiseIn(ctx, pp.id, desk.PromiseOpen)
	if !ok || !p.DueAt.After(s.clk.Now()) {
		return err
	}
	owner := s.byID[p.OwnerID]
	pt := &s.pt[st.cust.lang]
	reason := pick(st.pr, pt.reasons[st.topic], st.v)
	to := sl.to
	if !to.After(p.DueAt) {
		to = s.freeAt(owner, p.DueAt.Add(slipTime(st.pr, pp.kind)))
	}
	tmpl := pt.slipMsgs[st.pr.IntN(len(pt.slipMsgs))]
	for {
		loc := s.custLoc[st.cust.lang]
		old, next := phrase(st.cust.lang, p.DueAt, loc), phrase(st.cust.lang, to, loc)
		msg, _ := fill(tmpl, vars{"old_at": old.at, "new_at": next.at, "new_by": next.by, "reason": reason})
		_, err := s.svc.SlipPromise(ctx, desk.AgentActor(owner.Agent), pp.id, desk.Slip{DueAt: to, Reason: reason, Message: msg,
			Words: s.restatedWords(st, pp, to)})
		if slot, ok := firstFreeSlot(err, to); ok {
			to = slot
			continue
		}
		if err != nil {
			return fmt.Errorf("slip on %s: %w", st.v["ref"], err)
		}
		s.slips++
		return nil
	}
}

// keepPromise keeps an open promise, by its owner: a call-back is a logged call, an update a
// message, and the rest are done out of sight.
func (s *seeder) keepPromise(ctx context.Context, st *story, pp *promisePlan) error {
	p, ok, err := s.promiseIn(ctx, pp.id, desk.PromiseOpen)
	if !ok {
		return err
	}
	owner := s.byID[p.OwnerID]
	s.speakAs(st, owner)
	switch p.Kind {
	case desk.PromiseCallback:
		if _, err := s.svc.LogCall(ctx, desk.AgentActor(owner.Agent), st.id, s.call(st, owner, 30*time.Minute)); err != nil {
			return err
		}
		s.calls++
	case desk.PromiseUpdate:
		if _, err := s.svc.AddMessage(ctx, desk.AgentActor(owner.Agent), st.id,
			desk.NewMessage{Body: s.replyBody(st, ""), Channel: writtenChannel(st.channel)}); err != nil {
			return err
		}
		s.messages++
	}
	note := pick(st.pr, s.pt[st.cust.lang].keptNotes[p.Kind], st.v)
	if _, err := s.svc.KeepPromise(ctx, desk.AgentActor(owner.Agent), pp.id, note); err != nil {
		return fmt.Errorf("keep on %s: %w", st.v["ref"], err)
	}
	return nil
}

// promiseAgain is the senior colleague who got the case when a promise broke: an apology and a
// new promise, in one message.
func (s *seeder) promiseAgain(ctx context.Context, st *story, broken *promisePlan) error {
	_, ok, err := s.promiseIn(ctx, broken.id, desk.PromiseBroken)
	if !ok {
		return err
	}
	owner, err := s.ownerNow(ctx, st)
	if err != nil {
		return err
	}
	s.speakAs(st, owner)
	view, err := s.makePromise(ctx, st, broken.again, owner)
	if err != nil {
		return err
	}
	sorry := pick(st.pr, s.pt[st.cust.lang].sorry, st.v)
	if _, err := s.svc.AddMessage(ctx, desk.AgentActor(owner.Agent), st.id,
		desk.NewMessage{Body: s.replyBody(st, sorry+" "+view.Words), Channel: writtenChannel(st.channel)}); err != nil {
		return err
	}
	s.messages++
	return nil
}
