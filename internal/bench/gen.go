package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/text"
)

// Scale is the size of a generated desk.
type Scale struct {
	Name      string
	Customers int
	Cases     int
	Agents    int // line agents, spread over the teams; each team also has a lead and a manager
}

// Scales are the sizes kept bench knows. XS is for tests; S and M are the sizes
// (1M and 10M entries: on average ten entries a case).
var Scales = map[string]Scale{
	"XS": {Name: "XS", Customers: 100, Cases: 600, Agents: 8},
	"S":  {Name: "S", Customers: 10_000, Cases: 100_000, Agents: 48},
	"M":  {Name: "M", Customers: 100_000, Cases: 1_000_000, Agents: 200},
}

// Marker is what bench notes in the database about the data set it generated, so a later
// run of the same scale and seed reuses it.
type Marker struct {
	Scale       string    `json:"scale"`
	Seed        uint64    `json:"seed"`
	Customers   int64     `json:"customers"`
	Cases       int64     `json:"cases"`
	Entries     int64     `json:"entries"`
	Promises    int64     `json:"promises"`
	FirstCase   int64     `json:"first_case"`
	FirstCust   int64     `json:"first_customer"`
	GeneratedAt time.Time `json:"generated_at"`
	GenSeconds  float64   `json:"generation_s"`
	Runs        int       `json:"runs"` // measuring runs since generation (each adds cases and entries)
}

// Progress reports generation progress: done of total in the named phase.
type Progress func(phase string, done, total int)

// desk is the generated desk's people, as the generator and the measures need them.
type deskPeople struct {
	head      desk.Agent
	line      []desk.Agent // role agent: owners of generated cases
	byID      map[int64]desk.Agent
	absences  map[int64][]desk.Absence
	timerLead []desk.Agent // owners of the timer measure's promises (see timers.go)
}

// Generator writes a deterministic desk: everything follows from the seed, the scale and the
// generation time.
type Generator struct {
	seed  uint64
	scale Scale
	now   time.Time
	tx    [langCount]langTexts
	ppl   deskPeople
	ids   store.BulkIDs // first ids of the generated rows
}

func newGenerator(seed uint64, sc Scale, now time.Time) *Generator {
	return &Generator{seed: seed, scale: sc, now: now.UTC().Truncate(time.Millisecond), tx: texts()}
}

func (g *Generator) rng(stream, i uint64) *rand.Rand {
	return rand.New(rand.NewPCG(g.seed, stream<<40|i))
}

const (
	streamCustomer = 1
	streamPlan     = 2
	streamCase     = 3
	streamAgent    = 4
	streamMail     = 5
)

// customer is a generated customer, derived from its index alone.
type customer struct {
	idx     int
	id      int64
	lang    lang
	name    string
	first   string
	email   string
	account string
	orders  []string
	created time.Time
}

func (g *Generator) customer(i int) customer {
	r := g.rng(streamCustomer, uint64(i))
	l := lang(r.IntN(int(langCount)))
	first, last := pick(r, firstNames[l]), pick(r, lastNames[l])
	c := customer{idx: i, id: g.ids.Customer + int64(i), lang: l, name: first + " " + last, first: first,
		account: fmt.Sprintf("ACC-%d", 100000+i)}
	c.email = fmt.Sprintf("%s.%s.%d@%s", asciiFold(first), asciiFold(last), i, pick(r, domains[l]))
	for o := 0; o < 1+r.IntN(3); o++ {
		c.orders = append(c.orders, fmt.Sprintf("ORD-%07d", 1000000+i*3+o))
	}
	c.created = g.now.Add(-time.Duration(800+r.IntN(1000)) * 24 * time.Hour).Add(time.Duration(r.IntN(86400)) * time.Second)
	return c
}

func (c customer) desk() desk.Customer {
	d := desk.Customer{ID: c.id, Name: c.name, CreatedAt: c.created,
		Contacts: []desk.Contact{{Kind: desk.ContactEmail, Value: c.email}}}
	d.References = append(d.References, desk.Reference{Kind: "account", Value: c.account, Key: text.RefKey(c.account)})
	for _, o := range c.orders {
		d.References = append(d.References, desk.Reference{Kind: "order", Value: o, Key: text.RefKey(o)})
	}
	return d
}

// plan is what is decided about a case before its texts: cheap to recompute, so measures find
// open, long and promised cases without reading the database.
type plan struct {
	k        int
	id       int64
	customer int
	open     bool
	promise  bool
	long     bool // exactly 100 entries: the case page the measure reads
	topic    topic
}

func (g *Generator) plan(k int) plan {
	r := g.rng(streamPlan, uint64(k))
	p := plan{k: k, id: g.ids.Case + int64(k), customer: r.IntN(g.scale.Customers), topic: topic(r.IntN(int(topicCount)))}
	p.long = k%100 == 7
	recent := k >= g.scale.Cases*4/5
	p.promise = recent && r.IntN(4) == 0 && !p.long // 5% of all cases
	p.open = p.promise || (recent && r.IntN(100) < 45) || r.IntN(100) < 8
	return p
}

// opened is when case k was opened: cases are spread over the last two years in id order.
func (g *Generator) opened(k int, r *rand.Rand) time.Time {
	span := 730 * 24 * time.Hour
	start := g.now.Add(-span)
	at := start.Add(time.Duration(float64(span-2*time.Hour) * float64(k) / float64(g.scale.Cases)))
	return at.Add(time.Duration(r.IntN(3600)) * time.Second).Truncate(time.Millisecond)
}

func (g *Generator) vars(r *rand.Rand, c customer, owner desk.Agent, k int) vars {
	return vars{
		"name": c.name, "first": c.first, "account": c.account, "order": c.orders[r.IntN(len(c.orders))],
		"invoice": fmt.Sprintf("INV-%07d", 2000000+k), "tracking": fmt.Sprintf("RR%09dEE", 100000000+k),
		"item": pick(r, items[c.lang]), "amount": money(c.lang, 1500+r.IntN(30000)),
		"agent": owner.Name, "team": owner.Team,
	}
}

// customerMessage is a customer's first message about a problem: 300 to 900 characters.
func (g *Generator) customerMessage(r *rand.Rand, l lang, t topic, v vars) string {
	tt := &g.tx[l]
	parts := []string{pick(r, tt.greetings), "", pick(r, tt.problems[t])}
	first := r.IntN(len(tt.details))
	parts = append(parts, tt.details[first])
	if r.IntN(2) == 0 {
		parts = append(parts, tt.details[(first+1+r.IntN(len(tt.details)-1))%len(tt.details)])
	}
	parts = append(parts, pick(r, tt.asks), "", pick(r, tt.signoffs))
	return fill(strings.Join(parts, "\n"), v)
}

func (g *Generator) followUp(r *rand.Rand, l lang, v vars) string {
	tt := &g.tx[l]
	return fill(pick(r, tt.greetings)+"\n\n"+pick(r, tt.followUps)+" "+pick(r, tt.details)+"\n\n"+pick(r, tt.signoffs), v)
}

func (g *Generator) reply(r *rand.Rand, l lang, t topic, v vars) string {
	tt := &g.tx[l]
	return fill(pick(r, tt.replyOpen)+"\n\n"+pick(r, tt.replyBody[t])+"\n\n"+pick(r, tt.replyEnd), v)
}

// chunk is the rows of a run of consecutive cases, before entry ids are given.
type chunk struct {
	idx      int
	batch    store.BulkBatch
	docEntry []int // per doc: the index of its entry in batch.Entries, or -1 for a subject
}

// genCase writes case k into ch: the case, its participants, its record chained and indexed
// as the service would, and an open promise with its timers for 5% of cases.
func (g *Generator) genCase(k int, ch *chunk) error {
	p := g.plan(k)
	r := g.rng(streamCase, uint64(k))
	cust := g.customer(p.customer)
	dc := cust.desk()
	owner := g.ownerFor(r, p.topic)
	v := g.vars(r, cust, owner, k)
	at := g.opened(k, r)
	channel := [...]string{"email", "email", "email", "web", "web", "phone", "social"}[r.IntN(7)]
	var recorder *desk.Agent
	if channel == "phone" {
		recorder = &owner
	}
	in := desk.NewCase{CustomerID: cust.id, Subject: fill(pick(r, g.tx[cust.lang].subjects[p.topic]), v),
		Body: g.customerMessage(r, cust.lang, p.topic, v), Channel: channel}
	c, drafts, parts := desk.OpenCase(in, dc, owner, recorder, at)
	c.ID = p.id
	for _, pt := range parts {
		ch.batch.Participants = append(ch.batch.Participants, store.BulkParticipant{CaseID: c.ID, Participant: pt})
	}
	ch.batch.Docs = append(ch.batch.Docs, store.SearchDoc{CaseID: c.ID, CustomerID: c.CustomerID, Words: text.Words(in.Subject), Refs: text.RefKeys(in.Subject)})
	ch.docEntry = append(ch.docEntry, -1)

	// How many entries: ten on average; one case in a hundred has exactly 100.
	closing := 0
	if !p.open {
		closing = 4 // resolved (status, resolution) and confirmed (confirmation, status)
	}
	if p.promise {
		closing = 1
	}
	talk := 1 + r.IntN(8)
	if p.long {
		talk = 100 - len(drafts) - closing
	}
	// Gaps between entries: minutes to a day and a half, squeezed to end before now.
	total := 2 + talk + closing
	gaps := make([]time.Duration, total)
	var sum time.Duration
	for i := range gaps {
		gaps[i] = time.Duration(15+r.IntN(36*60)) * time.Minute
		sum += gaps[i]
	}
	if room := g.now.Add(-5 * time.Minute).Sub(at); sum > room {
		for i := range gaps {
			gaps[i] = time.Duration(float64(gaps[i]) * float64(room) / float64(sum))
		}
	}
	step := 0
	next := func() time.Time {
		at = at.Add(gaps[step%len(gaps)]).Truncate(time.Millisecond)
		step++
		return at
	}
	add := func(ds []desk.Draft, when time.Time) error {
		es, err := desk.Chain(&c, ds, when)
		if err != nil {
			return err
		}
		for _, e := range es {
			ch.batch.Entries = append(ch.batch.Entries, e)
			if doc, ok := service.EntryDoc(c, e); ok {
				ch.batch.Docs = append(ch.batch.Docs, doc)
				ch.docEntry = append(ch.docEntry, len(ch.batch.Entries)-1)
			}
		}
		return nil
	}
	if err := add(drafts, at); err != nil {
		return err
	}
	ownerActor, custActor := desk.AgentActor(owner), desk.CustomerActor(dc)
	if c.Status == desk.StatusQuarantined {
		// The spam checks held it; the owner looked and let it through.
		ds, err := desk.Release(&c, ownerActor)
		if err != nil {
			return fmt.Errorf("case %d: %w", c.ID, err)
		}
		if err := add(ds, next()); err != nil {
			return err
		}
		talk--
	}
	for i := 0; i < talk; i++ {
		when := next()
		var ds []desk.Draft
		var err error
		switch roll := r.IntN(100); {
		case i == talk-1 || i == 0 || roll < 35: // the last word before a resolution or a wait is the desk's
			ds, err = desk.AddMessage(&c, ownerActor, desk.NewMessage{Body: g.reply(r, cust.lang, p.topic, v)}, when)
		case roll < 70:
			ds, err = desk.AddMessage(&c, custActor, desk.NewMessage{Body: g.followUp(r, cust.lang, v)}, when)
		case roll < 85:
			ds, err = desk.AddMessage(&c, ownerActor, desk.NewMessage{Body: fill(pick(r, g.tx[cust.lang].notes), v), Internal: true}, when)
		default:
			summary := fill(pick(r, g.tx[cust.lang].calls), v)
			ds, err = desk.LogCall(&c, ownerActor, desk.NewCall{Direction: [...]string{"inbound", "outbound"}[r.IntN(2)],
				At: when.Add(-time.Duration(2+r.IntN(20)) * time.Minute), DurationS: 60 + r.IntN(900), Summary: summary,
				Transcript: fill(pick(r, g.tx[cust.lang].followUps)+"\n"+pick(r, g.tx[cust.lang].replyBody[p.topic]), v)}, when)
		}
		if err != nil {
			return fmt.Errorf("case %d: %w", c.ID, err)
		}
		if err := add(ds, when); err != nil {
			return err
		}
	}
	switch {
	case p.promise:
		when := next()
		pr := desk.Promise{ID: 0, CaseID: c.ID, Kind: desk.PromiseKind([...]string{"callback", "update", "delivery", "fix", "appointment"}[r.IntN(5)]),
			Words: fill(pick(r, g.tx[cust.lang].promises), v), State: desk.PromiseOpen, MakerID: owner.ID, OwnerID: owner.ID, CreatedAt: when,
			DueAt: g.availableAt(owner, g.now.Add(time.Hour+time.Duration(r.Int64N(int64(30*24*time.Hour-2*time.Hour)))).Truncate(time.Minute))}
		pr.ID = g.ids.Promise + int64(k) // unique per case; promises are sparse over case indexes
		if err := add(desk.MakePromise(&c, pr, ownerActor), when); err != nil {
			return err
		}
		ch.batch.Promises = append(ch.batch.Promises, pr)
		ch.batch.Timers = append(ch.batch.Timers, promiseTimers(c.ID, pr, g.now, when)...)
	case !p.open:
		when := next()
		ds, err := desk.Resolve(&c, ownerActor, fill(pick(r, g.tx[cust.lang].resolved), v), when)
		if err != nil {
			return fmt.Errorf("case %d: %w", c.ID, err)
		}
		if err := add(ds, when); err != nil {
			return err
		}
		when = next()
		ds, err = desk.Confirm(&c, custActor, desk.Confirmation{Confirmed: true, Words: pick(r, g.tx[cust.lang].thanks)}, when)
		if err != nil {
			return fmt.Errorf("case %d: %w", c.ID, err)
		}
		if err := add(ds, when); err != nil {
			return err
		}
		ch.batch.Outcomes = append(ch.batch.Outcomes, store.BulkOutcome{CaseID: c.ID, AgentID: owner.ID, Outcome: "confirmed", At: when})
	}
	c.Unanswered = 0 // the desk answered last: no response target is running
	ch.batch.Cases = append(ch.batch.Cases, c)
	return nil
}

// promiseTimers are a promise's reminders (24 h and 1 h before, the default team settings)
// still ahead of now, and its breach timer, as service.schedulePromise stores them.
func promiseTimers(caseID int64, p desk.Promise, now, made time.Time) []store.BulkTimer {
	payload := store.TimerPayload(p.DueAt)
	var out []store.BulkTimer
	for _, before := range desk.DefaultTeamSettings().ReminderOffsets {
		if at := p.DueAt.Add(-before); at.After(now) {
			out = append(out, store.BulkTimer{Timer: store.Timer{Kind: "promise_reminder", DueAt: at, CaseID: caseID, RefID: p.ID, Payload: payload}, CreatedAt: made})
		}
	}
	return append(out, store.BulkTimer{Timer: store.Timer{Kind: "promise_due", DueAt: p.DueAt, CaseID: caseID, RefID: p.ID,
		Key: fmt.Sprintf("promise_due:%d", p.ID), Payload: payload}, CreatedAt: made})
}

// availableAt moves t forward to the first quarter hour its agent can be booked, as the
// service requires of a promise's due time.
func (g *Generator) availableAt(a desk.Agent, t time.Time) time.Time {
	for i := 0; i < 4*24*14; i++ {
		if desk.Available(a, g.ppl.absences[a.ID], t) {
			return t
		}
		t = t.Add(15 * time.Minute)
	}
	return t
}

func (g *Generator) ownerFor(r *rand.Rand, t topic) desk.Agent {
	team := teamOf[t]
	// Agents of the topic's team, found by a stable walk from a random start.
	n := len(g.ppl.line)
	start := r.IntN(n)
	for i := 0; i < n; i++ {
		a := g.ppl.line[(start+i)%n]
		if a.Team == team {
			return a
		}
	}
	return g.ppl.line[start]
}

// weekHours are the agents' working weeks, in their own time zones.
var weekHours = []map[string][]string{
	{"mon": {"09:00-12:30", "13:00-17:30"}, "tue": {"09:00-12:30", "13:00-17:30"}, "wed": {"09:00-12:30", "13:00-17:30"}, "thu": {"09:00-12:30", "13:00-17:30"}, "fri": {"09:00-12:30", "13:00-16:00"}},
	{"mon": {"08:00-16:00"}, "tue": {"08:00-16:00"}, "wed": {"08:00-16:00"}, "thu": {"08:00-16:00"}, "fri": {"08:00-14:00"}},
	{"tue": {"10:00-18:00"}, "wed": {"10:00-18:00"}, "thu": {"10:00-18:00"}, "fri": {"10:00-18:00"}, "sat": {"09:00-15:00"}},
	{"mon": {"12:00-20:00"}, "tue": {"12:00-20:00"}, "wed": {"12:00-20:00"}, "thu": {"12:00-20:00"}, "fri": {"12:00-20:00"}},
}

var timezones = []string{"Europe/Tallinn", "Europe/Zagreb", "Europe/London"}

const (
	headEmail      = "head@bench.kept.test"
	timerTeam      = "Timers"
	timerLeads     = 10
	timerEmailPart = "timers."
)

// createPeople adds the desk's agents through the service (one transaction): a head of care,
// per team a manager, a lead and line agents with working hours and time zones, future leave
// booked for some (with its timers), and the timer measure's own small team.
func (g *Generator) createPeople(ctx context.Context, svc *service.Service) error {
	sys := desk.SystemActor()
	always := map[string][]string{}
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		always[d] = []string{"00:00-24:00"}
	}
	return svc.Batch(ctx, func(svc *service.Service) error {
		head, err := svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Helena Kask", Email: headEmail, Role: "admin", Timezone: "Europe/Tallinn"})
		if err != nil {
			return err
		}
		r := g.rng(streamAgent, 0)
		n := 0
		for ti, team := range teams {
			l := lang(ti % int(langCount))
			mk := func(role string, boss int64, i int) (desk.Agent, error) {
				first, last := pick(r, firstNames[l]), pick(r, lastNames[l])
				email := fmt.Sprintf("%s.%s.%d@bench.kept.test", asciiFold(first), asciiFold(last), n)
				n++
				return svc.CreateAgent(ctx, sys, desk.NewAgent{Name: first + " " + last, Email: email, Role: role, Team: team, ManagerID: boss,
					Timezone: timezones[(ti+i)%len(timezones)], Hours: weekHours[(ti+i)%len(weekHours)]})
			}
			mgr, err := mk("manager", head.ID, 0)
			if err != nil {
				return err
			}
			lead, err := mk("lead", mgr.ID, 1)
			if err != nil {
				return err
			}
			for i := 0; i < g.scale.Agents/len(teams); i++ {
				a, err := mk("agent", lead.ID, i)
				if err != nil {
					return err
				}
				if i%20 == 3 { // leave booked five to seven weeks ahead: hand-overs are due when it starts
					from := g.now.Add(time.Duration(35+r.IntN(14)) * 24 * time.Hour).Truncate(24 * time.Hour)
					if _, err := svc.AddAbsence(ctx, sys, a.ID, desk.NewAbsence{Kind: "leave", From: from, To: from.Add(time.Duration(7+r.IntN(8)) * 24 * time.Hour)}, nil); err != nil {
						return err
					}
				}
			}
		}
		tm, err := svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Timo Timer", Email: timerEmailPart + "manager@bench.kept.test", Role: "manager",
			Team: timerTeam, ManagerID: head.ID, Timezone: "UTC", Hours: always})
		if err != nil {
			return err
		}
		for i := 0; i < timerLeads; i++ {
			// Leads, not agents: new cases go to line agents first, so ingest never lands on them.
			if _, err := svc.CreateAgent(ctx, sys, desk.NewAgent{Name: fmt.Sprintf("Timer Lead %d", i+1), Email: fmt.Sprintf("%slead%d@bench.kept.test", timerEmailPart, i),
				Role: "lead", Team: timerTeam, ManagerID: tm.ID, Timezone: "UTC", Hours: always}); err != nil {
				return err
			}
		}
		return nil
	})
}

// loadPeople reads the desk's agents and absences back (after creating them, or on reuse).
func (g *Generator) loadPeople(ctx context.Context, svc *service.Service) error {
	sys := desk.SystemActor()
	agents, err := svc.Agents(ctx, sys)
	if err != nil {
		return err
	}
	g.ppl = deskPeople{byID: map[int64]desk.Agent{}, absences: map[int64][]desk.Absence{}}
	for _, a := range agents {
		g.ppl.byID[a.ID] = a
		switch {
		case a.Email == headEmail:
			g.ppl.head = a
		case strings.HasPrefix(a.Email, timerEmailPart+"lead"):
			g.ppl.timerLead = append(g.ppl.timerLead, a)
		case a.Role == desk.RoleAgent && strings.HasSuffix(a.Email, "@bench.kept.test"):
			g.ppl.line = append(g.ppl.line, a)
			abs, err := svc.Absences(ctx, sys, a.ID)
			if err != nil {
				return err
			}
			g.ppl.absences[a.ID] = abs
		}
	}
	if len(g.ppl.line) == 0 || len(g.ppl.timerLead) == 0 {
		return errors.New("the database has no agents of a generated desk")
	}
	return nil
}

// pastAbsences are the line agents' leave and sickness of the last two years.
func (g *Generator) pastAbsences() []desk.Absence {
	var out []desk.Absence
	for i, a := range g.ppl.line {
		r := g.rng(streamAgent, uint64(1000+i))
		for j := 0; j < 2+r.IntN(4); j++ {
			from := g.now.Add(-time.Duration(20+r.IntN(700)) * 24 * time.Hour).Truncate(24 * time.Hour)
			kind, days := desk.AbsenceLeave, 5+r.IntN(10)
			if r.IntN(3) == 0 {
				kind, days = desk.AbsenceSick, 1+r.IntN(4)
			}
			out = append(out, desk.Absence{AgentID: a.ID, Kind: kind, From: from, To: from.Add(time.Duration(days) * 24 * time.Hour), CreatedAt: from.Add(-72 * time.Hour)})
		}
	}
	return out
}

const chunkCases = 2000

// generate writes the whole data set through the bulk path: customers, past absences, then
// the cases in chunks built by one worker per core while this goroutine writes.
func (g *Generator) generate(ctx context.Context, st *store.Store, progress Progress) (entries, promises int64, err error) {
	bulk, err := st.Bulk(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer func() {
		if cerr := bulk.Close(context.WithoutCancel(ctx)); err == nil {
			err = cerr
		}
	}()
	const custBatch = 5000
	for i := 0; i < g.scale.Customers; i += custBatch {
		var b store.BulkBatch
		for j := i; j < min(i+custBatch, g.scale.Customers); j++ {
			b.Customers = append(b.Customers, g.customer(j).desk())
		}
		if i == 0 {
			b.Absences = g.pastAbsences()
		}
		if err := bulk.Write(ctx, &b); err != nil {
			return 0, 0, err
		}
		progress("customers", min(i+custBatch, g.scale.Customers), g.scale.Customers)
	}

	chunks := (g.scale.Cases + chunkCases - 1) / chunkCases
	work := make(chan int)
	done := make(chan *chunk, 4)
	errs := make(chan error, runtime.NumCPU())
	gctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for w := 0; w < runtime.NumCPU(); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for idx := range work {
				ch := &chunk{idx: idx}
				for k := idx * chunkCases; k < min((idx+1)*chunkCases, g.scale.Cases); k++ {
					if err := g.genCase(k, ch); err != nil {
						errs <- err
						cancel()
						return
					}
				}
				select {
				case done <- ch:
				case <-gctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		defer close(work)
		for i := 0; i < chunks; i++ {
			select {
			case work <- i:
			case <-gctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(done) }()

	pending := map[int]*chunk{}
	nextChunk, nextEntry := 0, g.ids.Entry
	for ch := range done {
		pending[ch.idx] = ch
		for {
			c, ok := pending[nextChunk]
			if !ok {
				break
			}
			delete(pending, nextChunk)
			for i := range c.batch.Entries {
				c.batch.Entries[i].ID = nextEntry
				nextEntry++
			}
			for i, ei := range c.docEntry {
				if ei >= 0 {
					c.batch.Docs[i].EntryID = c.batch.Entries[ei].ID
				}
			}
			if err := bulk.Write(gctx, &c.batch); err != nil {
				cancel()
				return 0, 0, err
			}
			entries += int64(len(c.batch.Entries))
			promises += int64(len(c.batch.Promises))
			nextChunk++
			progress("cases", min(nextChunk*chunkCases, g.scale.Cases), g.scale.Cases)
		}
	}
	select {
	case err := <-errs:
		return 0, 0, err
	default:
	}
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	if nextChunk != chunks {
		return 0, 0, fmt.Errorf("generation stopped after %d of %d chunks", nextChunk, chunks)
	}
	progress("indexes", 0, 0)
	return entries, promises, nil
}
