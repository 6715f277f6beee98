// Package demo fills an empty desk with a believable, repeatable demo — three teams, twelve
// agents, two hundred customers and a thousand cases with their records — so a newcomer who
// starts `kept serve --demo` has a living desk to look at and a sign-in to use.
//
// Everything goes through the service's commands, as an API client would, so the demo's
// records are chained, indexed and checked exactly like real ones. A fake clock backdates
// them over the last 90 days, and the desk's own timers run on it as it moves: the promises
// nobody kept break at their due time, unanswered customers escalate, and what is on the
// record is what the desk would have written in production.
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
	"github.com/keptdesk/kept/internal/jobs"
	"github.com/keptdesk/kept/internal/service"
)

// The demo's size and its sign-in.
const (
	headEmail     = "head@demo.kept.example"
	leadEmail     = "andres.kangur@demo.kept.example" // the Deliveries team's lead
	agentEmail    = "liis.kukk@demo.kept.example"     // an agent in Billing
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

// Print writes the sign-in for the desk listening at url: the agent UI's address, email and
// password, the API token, and one ready-to-paste curl line.
func (s *SignIn) Print(w io.Writer, url string) {
	url = strings.TrimRight(url, "/")
	if s.Seeded {
		fmt.Fprintf(w, "\nDemo desk ready: %d agents in 3 teams, %d customers, %d cases from the last 90 days.\n", len(demoAgents()), customerCount, caseCount)
	} else {
		fmt.Fprintf(w, "\nThe database already has cases, so no demo data was added.\n")
	}
	fmt.Fprintf(w, "\nOpen the desk in a browser and sign in as the head of care:\n")
	fmt.Fprintf(w, "  address:   %s/login\n", url)
	fmt.Fprintf(w, "  email:     %s\n", s.Email)
	fmt.Fprintf(w, "  password:  %s\n", s.Password)
	fmt.Fprintf(w, "The same password signs in a team lead (%s) and an agent (%s).\n", leadEmail, agentEmail)
	fmt.Fprintf(w, "\nAPI token (new on every start, which revokes the one before; keep it private):\n  %s\n", s.Token)
	// Quoted, because an unquoted ? is a glob in several shells.
	fmt.Fprintf(w, "\nTry it:\n  curl -H \"Authorization: Bearer %s\" '%s/api/v1/cases?status=open'\n", s.Token, url)
	if s.Seeded {
		fmt.Fprintf(w, "Every open promise, with its exact words and who made it:\n  curl -H \"Authorization: Bearer %s\" '%s/api/v1/promises?state=open'\n", s.Token, url)
	}
	fmt.Fprintln(w)
}

// Seed fills an empty desk with a realistic, deterministic demo (fixed seed, math/rand/v2 PCG) and
// returns the sign-in. On a database that already has cases it adds nothing, but still returns a
// sign-in with a fresh token for the demo admin, and revokes the one it gave before. progress,
// if not nil, is called with the number of cases written so far (every 50 cases and at the end).
func Seed(ctx context.Context, svc *service.Service, log *slog.Logger, progress func(cases int)) (*SignIn, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	start := time.Now()
	now := clock.System{}.Now()
	// The demo's story ends at the top of the hour: two seeds within the hour (the repeatability
	// test, say) tell it to the second. The desk's timers then catch up to the real now.
	base := now.Truncate(time.Hour)
	fake := clock.NewFake(base)
	s := &seeder{
		r:        rand.New(rand.NewPCG(seed1, seed2)),
		ph:       newPhrases(),
		pt:       newPromiseTexts(),
		kinds:    promiseKinds(),
		clk:      fake,
		now:      now,
		base:     base,
		progress: progress,
		byID:     map[int64]*staff{},
		byCase:   map[int64]*story{},
	}
	for l, name := range [3]string{"Europe/London", "Europe/Tallinn", "Europe/Zagreb"} {
		s.custLoc[l] = time.UTC
		if loc, err := time.LoadLocation(name); err == nil {
			s.custLoc[l] = loc
		}
	}
	var in *SignIn
	var t tally
	// One transaction for everything: thousands of commands pay for one commit, and a failed
	// seed leaves the database as it was.
	err := svc.Batch(ctx, func(svc *service.Service) error {
		// The story is told on the demo's clock, in the batch's transaction.
		s.svc = svc.With(service.WithClock(fake), service.WithLog(slog.New(warnings{log.Handler()})), service.WithEvents(func(e service.Event) {
			s.timersAdded = s.timersAdded || e.Timers
		}))
		s.timers = s.svc.Timers(log)
		existing, err := svc.Cases(ctx, desk.SystemActor(), service.CaseList{Limit: 1})
		if err != nil {
			return err
		}
		var head desk.Agent
		if len(existing) > 0 {
			head, err = findHead(ctx, svc)
		} else {
			if head, err = s.run(ctx); err == nil {
				t, err = s.tally(ctx)
			}
		}
		if err != nil {
			return err
		}
		// The token comes from the real clock: it is issued now, not in the demo's past. The
		// one printed at the last start stops working: a demo hands out one admin token.
		token, err := svc.CreateToken(ctx, desk.SystemActor(), service.NewToken{AgentID: head.ID, Label: tokenLabel, Replace: true})
		if err != nil {
			return err
		}
		in = &SignIn{Email: headEmail, Password: headPassword, Token: token.Secret, Seeded: len(existing) == 0}
		return nil
	})
	if err != nil {
		return nil, err
	}
	took := time.Since(start).Round(time.Millisecond)
	if in.Seeded {
		log.Info("demo data seeded", "agents", len(s.agents), "customers", s.customers, "cases", s.cases,
			"entries", s.entries, "messages", s.messages, "notes", s.notes, "calls", s.calls,
			"promises", s.promised, "promises_open", t.open, "promises_open_slipped", t.openSlipped, "promises_kept", t.kept, "promises_broken", t.broken,
			"slips", s.slips, "cases_escalated", t.escalated, "escalation_requests", s.asked, "handovers", s.handovers,
			"handover_missing", t.missing, "timers_fired", s.fired, "took", took)
	} else {
		log.Info("demo data not seeded: the database already has cases; issued a new token for the demo admin and revoked the one before",
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

// warnings passes on a logger's warnings and errors only: the demo's thousands of commands and
// timers would otherwise fill the server's log with routine lines such as "promise broken".
type warnings struct{ slog.Handler }

func (w warnings) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && w.Handler.Enabled(ctx, l)
}

func (w warnings) WithAttrs(attrs []slog.Attr) slog.Handler {
	return warnings{w.Handler.WithAttrs(attrs)}
}

func (w warnings) WithGroup(name string) slog.Handler { return warnings{w.Handler.WithGroup(name)} }

// staff is a stored agent, the language they answer in besides English, and the leave and
// sickness the demo plans for them.
type staff struct {
	desk.Agent
	speaks lang
	loc    *time.Location
	away   []desk.Absence
}

// seeder writes the demo through a service whose clock it moves, and counts what it wrote.
type seeder struct {
	r           *rand.Rand // the people and when cases open; each case has generators of its own
	ph          *phrases
	pt          [3]promiseTexts
	kinds       [topicCount][]kindWeight
	svc         *service.Service
	clk         *clock.Fake
	timers      *jobs.Runner // the desk's timers, on the demo's clock
	nextDue     time.Time    // the next timer's due time, as last read (zero: none)
	timersAdded bool         // a command has added timers since: nextDue may be later than the truth
	now         time.Time    // the real time seeding started: the clock ends there
	base        time.Time    // now, cut to the hour: the demo's story ends just before it
	progress    func(cases int)
	custLoc     [3]*time.Location
	targets     map[string]time.Duration // each team's response target

	agents   []*staff
	byID     map[int64]*staff
	absences []*absencePlan
	byCase   map[int64]*story
	tl       timeline

	customers, cases, entries, messages, notes, calls int
	promised, slips, asked, handovers, fired          int
}

// limit is the time of the demo's last planned event.
func (s *seeder) limit() time.Time { return s.base.Add(-10 * time.Minute) }

// staffByEmail finds the agent whose email starts with prefix.
func (s *seeder) staffByEmail(prefix string) *staff {
	for _, a := range s.agents {
		if strings.HasPrefix(a.Email, prefix) {
			return a
		}
	}
	panic("demo: no agent " + prefix) // the demo's own staff list is wrong: a bug, not a state
}

// run writes the agents, customers and cases, and returns the head of care.
func (s *seeder) run(ctx context.Context) (desk.Agent, error) {
	day := 24 * time.Hour
	// The staff joined a little over a year ago, a few hours apart.
	s.clk.Set(s.base.Add(-420 * day))
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
		st := &staff{Agent: a, speaks: sp.speaks, loc: a.Location()}
		s.agents = append(s.agents, st)
		s.byID[a.ID] = st
		s.clk.Advance(time.Duration(1+s.r.IntN(6)) * time.Hour)
	}
	head := s.agents[0]
	// The head of care, a lead and an agent can sign in, so a newcomer sees the desk from
	// each rung.
	for _, st := range s.agents {
		if st.Email == headEmail || st.Email == leadEmail || st.Email == agentEmail {
			if err := s.svc.SetPassword(ctx, st.ID, headPassword); err != nil {
				return desk.Agent{}, err
			}
		}
	}
	if err := s.setTargets(ctx, head); err != nil {
		return desk.Agent{}, err
	}
	if err := defineCaseTypes(ctx, s.svc); err != nil {
		return desk.Agent{}, err
	}
	if err := defineCannedReplies(ctx, s.svc, desk.AgentActor(head.Agent)); err != nil {
		return desk.Agent{}, err
	}

	custs := customerPlan(s.r, customerCount, s.base.Year())
	joined := timesBetween(s.r, len(custs), s.base.Add(-400*day), s.base.Add(-91*day))
	for i, c := range custs {
		s.clk.Set(joined[i])
		stored, err := s.svc.CreateCustomer(ctx, desk.SystemActor(), c.input)
		if err != nil {
			return desk.Agent{}, fmt.Errorf("demo customer %s: %w", c.input.Email, err)
		}
		// Customers read the desk in the language they write in, at their own time of day.
		me := desk.CustomerActor(stored)
		if err := s.svc.SetLanguage(ctx, me, [...]string{english: "en", estonian: "et", croatian: "hr"}[c.lang]); err != nil {
			return desk.Agent{}, fmt.Errorf("demo customer %s: %w", c.input.Email, err)
		}
		if err := s.svc.SetCustomerTimezone(ctx, me, stored.ID, s.custLoc[c.lang].String()); err != nil {
			return desk.Agent{}, fmt.Errorf("demo customer %s: %w", c.input.Email, err)
		}
		c.Customer = stored
		s.customers++
	}
	for _, i := range s.r.Perm(len(custs))[:lookalikeFolk] {
		custs[i].lookalike = true
	}

	s.planAbsences()
	// Cases open in time order, so the newest case has the highest id as on a real desk.
	// Every customer has at least one case; the earliest customers tend to have more.
	opens := openTimes(s.r, caseCount, s.base.Add(-90*day), s.base.Add(-2*time.Hour))
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
		// Each case draws its words, its timing and its promises from generators of its own, so
		// K-1042 reads the same on every machine although when people work depends on the day
		// it is seeded.
		st := &story{
			idx:  i,
			r:    rand.New(rand.NewPCG(seed1, seed2+uint64(i)+1)),
			tr:   rand.New(rand.NewPCG(seed2, seed1+uint64(i)+1)),
			pr:   rand.New(rand.NewPCG(seed1^seed2, uint64(i)+1)),
			cust: custs[who[i]],
		}
		s.planCase(st, opens[i])
	}
	if err := s.play(ctx, s.now); err != nil {
		return desk.Agent{}, err
	}
	return head.Agent, s.settle(ctx, head)
}

// setTargets gives the teams their response targets. Billing and Repairs work Monday to
// Friday, so a customer who writes on Friday evening is answered on Monday: within three days.
// Deliveries has a weekend shift, in English only, and promises two days; its Estonian and
// Croatian customers who write on a Friday evening go up the ladder. Each team has its own
// desk address, which routes mail to it.
func (s *seeder) setTargets(ctx context.Context, head *staff) error {
	s.targets = map[string]time.Duration{"": desk.DefaultTeamSettings().ResponseTarget}
	for _, team := range []string{teamBilling, teamRepairs, teamDeliveries} {
		target := 72 * time.Hour
		if team == teamDeliveries {
			target = 48 * time.Hour
		}
		set, err := s.svc.SetTeamSettings(ctx, desk.AgentActor(head.Agent), team, service.TeamSettingsIn{ResponseTarget: &target,
			Addresses: []string{teamAddresses[team]}})
		if err != nil {
			return err
		}
		s.targets[team] = set.ResponseTarget
	}
	return nil
}

// tally is what the seeded desk holds, for the log.
type tally struct {
	open, openSlipped, kept, broken int
	escalated, missing              int
}

func (s *seeder) tally(ctx context.Context) (tally, error) {
	var t tally
	sys := desk.SystemActor()
	for _, state := range []desk.PromiseState{desk.PromiseOpen, desk.PromiseKept, desk.PromiseBroken} {
		ps, err := s.svc.Promises(ctx, sys, service.PromiseList{State: state, Limit: 1000})
		if err != nil {
			return t, err
		}
		for _, p := range ps {
			switch p.State {
			case desk.PromiseOpen:
				t.open++
				if p.Slips > 0 {
					t.openSlipped++
				}
			case desk.PromiseKept:
				t.kept++
			case desk.PromiseBroken:
				t.broken++
			}
		}
	}
	var before int64
	for {
		cases, err := s.svc.Cases(ctx, sys, service.CaseList{BeforeID: before, Limit: 500})
		if err != nil || len(cases) == 0 {
			return t, err
		}
		for _, c := range cases {
			if c.Rung > 0 {
				t.escalated++
			}
			if slices.Contains(c.Flags, desk.FlagHandoverMissing) {
				t.missing++
			}
		}
		before = cases[len(cases)-1].ID
	}
}
