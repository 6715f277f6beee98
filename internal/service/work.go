package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/jobs"
	"github.com/keptdesk/kept/internal/store"
)

// work is one command's unit of work: the transaction it runs in, the time it acts at and who
// acts; what it has read, so that nothing is read twice (a batch — a hundred promise breaks —
// reads its rows set-wise first and then runs the same rules as a single command); and what it
// changed, reported once the transaction has committed. Helpers take it and two or three
// arguments. It lives for one transaction, which is why it holds the command's context.
type work struct {
	s     *Service
	ctx   context.Context
	tx    *store.Tx
	now   time.Time
	actor desk.Actor

	events []Event
	logs   []func() // log lines for what only happened if the transaction commits

	// What it has read. The cases and promises it locked are kept as it changes them; agents,
	// customers' details and settings are not written by the commands that read them here.
	cases        map[int64]*desk.Case
	promises     map[int64]*desk.Promise
	agents       map[int64]desk.Agent
	customers    map[int64]desk.Customer
	readers      map[int64]desk.Reader
	participants map[int64]map[participantKey]bool // of cases: who is on each, stored or added here
	settings     map[settingsKey]desk.TeamSettings
	lastMail     map[int64]string                   // the Message-ID of each case's last received mail ("" for none)
	absences     map[int64][]desk.Absence           // agents' absences around now (absenceWindow)
	automatic    map[string]int                     // automatic mails to an address in the past hour, with those queued here
	routes       *[]desk.TeamSettings               // the teams that take mail at desk addresses (routingTeams)
	incidentOf   map[int64]store.IncidentPromiseRef // promises known to be incidents' or not (incidentPromise)

	// What the customers read by mail, sent as the command ends (notices.go).
	notices     map[int64]*caseNotices
	noticeOrder []int64

	// Set by mail intake for the mail being filed.
	pools      ownerPools    // the owner pools of the mail's group, shared by its mails
	senders    mailSenders   // the customers at its group's senders' addresses (nil: look each up)
	analysed   *analysedText // the mail's text, analysed for search while parsing
	noAutoMail bool          // it answers an automatic mail: nothing automatic goes back (RFC 3834)
	answering  bool          // what the desk mails by itself answers the mail (counted: automaticLimit)

	// Automations (automations.go): what may start them, run as the command ends; while one
	// acts, how many ran in a row to get here and which.
	autoQueue []autoTrigger
	autoDepth int
	autoChain []int64
}

type participantKey struct {
	kind desk.ActorKind
	id   int64
}

type settingsKey struct {
	teamID   int64
	caseType string
}

func (s *Service) newWork(ctx context.Context, tx *store.Tx, actor desk.Actor, now time.Time) *work {
	return &work{s: s, ctx: ctx, tx: tx, now: now, actor: actor}
}

// write runs fn as one command in one transaction and reports what it changed once it has
// committed. A unique-key race with a concurrent command (the same inbound message twice) is
// retried once, when the retry will find what the other command stored; so is a transaction
// PostgreSQL failed to break a deadlock (two commands moving cases between the same agents,
// whose open-case counts they update, in opposite directions).
func (s *Service) write(ctx context.Context, actor desk.Actor, fn func(w *work) error) error {
	if s.bound != nil {
		return s.writeBound(ctx, actor, fn)
	}
	var w *work
	run := func() error {
		return s.writeTx(ctx, func(tx *store.Tx) error {
			w = s.newWork(ctx, tx, actor, s.now())
			return s.finish(w, fn(w))
		})
	}
	err := run()
	if store.IsDuplicate(err) || store.IsDeadlock(err) {
		err = run()
	}
	if err != nil {
		return err
	}
	w.committed()
	return nil
}

// writeBound runs fn in the transaction the service is bound to (see Batch): its changes are
// reported as it ends. A failed statement has spoilt the shared transaction, so
// nothing is retried here.
func (s *Service) writeBound(ctx context.Context, actor desk.Actor, fn func(w *work) error) error {
	if !s.bound.Writable() {
		return fmt.Errorf("a command inside a read (ReadAs): %w", errors.ErrUnsupported)
	}
	w := s.newWork(ctx, s.bound, actor, s.now())
	if err := s.finish(w, fn(w)); err != nil {
		return err
	}
	w.committed()
	return nil
}

// finish ends a command whose work returned err: if it succeeded, the automations it started
// run and what it wrote to customers is mailed, in its transaction.
func (s *Service) finish(w *work, err error) error {
	if err != nil {
		return err
	}
	if err := s.runAutomations(w); err != nil {
		return err
	}
	return s.sendNotices(w)
}

// read runs fn in one read transaction, as actor.
func (s *Service) read(ctx context.Context, actor desk.Actor, fn func(w *work) error) error {
	return s.readTx(ctx, func(tx *store.Tx) error { return fn(s.newWork(ctx, tx, actor, s.now())) })
}

// writeGated is write for those act's gate lets through.
func (s *Service) writeGated(ctx context.Context, actor desk.Actor, act Action, fn func(w *work) error) error {
	if err := gate(actor, act); err != nil {
		return err
	}
	return s.write(ctx, actor, fn)
}

// onCase runs a command on one case: the actor's gate for act, the case as they may see it
// and act allowed on it, then fn in the command's transaction.
func (s *Service) onCase(ctx context.Context, actor desk.Actor, caseID int64, act Action, fn func(w *work, c *desk.Case) error) error {
	return s.writeGated(ctx, actor, act, func(w *work) error {
		c, err := w.caseFor(caseID, act)
		if err != nil {
			return err
		}
		return fn(w, c)
	})
}

// readCase runs fn in a read on the case caseID as the actor may see it (a case they may not
// see is not found): how the reads of one case begin.
func readCase[T any](s *Service, ctx context.Context, actor desk.Actor, caseID int64, fn func(w *work, c *desk.Case) (T, error)) (T, error) {
	var out T
	err := s.read(ctx, actor, func(w *work) error {
		c, err := w.loadCase(caseID)
		if err != nil {
			return err
		}
		out, err = fn(w, c)
		return err
	})
	return out, err
}

// gated runs fn in run's transaction for those act's gate lets through, and answers what fn
// made of it: how the commands and reads that answer a value begin. The caller wraps its
// errors with what it does.
func gated[X, T any](actor desk.Actor, act Action, run func(func(X) error) error, fn func(X) (T, error)) (T, error) {
	if err := gate(actor, act); err != nil {
		var zero T
		return zero, err
	}
	return into(run, fn)
}

// into runs fn in run's transaction and answers what fn made of it.
func into[X, T any](run func(func(X) error) error, fn func(X) (T, error)) (T, error) {
	var out T
	err := run(func(x X) error {
		var err error
		out, err = fn(x)
		return err
	})
	return out, err
}

// readValue is a read (read) that answers a value: for reads open to every actor, or gated
// otherwise than by the table's gate.
func readValue[T any](s *Service, ctx context.Context, actor desk.Actor, fn func(w *work) (T, error)) (T, error) {
	return into(func(f func(*work) error) error { return s.read(ctx, actor, f) }, fn)
}

// readTxAs is a read open to those act's gate lets through, needing only the transaction.
func readTxAs[T any](s *Service, ctx context.Context, actor desk.Actor, act Action, fn func(tx *store.Tx) (T, error)) (T, error) {
	return gated(actor, act, func(f func(*store.Tx) error) error { return s.readTx(ctx, f) }, fn)
}

// readAs is a read open to those act's gate lets through (read).
func readAs[T any](s *Service, ctx context.Context, actor desk.Actor, act Action, fn func(w *work) (T, error)) (T, error) {
	return gated(actor, act, func(f func(*work) error) error { return s.read(ctx, actor, f) }, fn)
}

// writeAs is a command open to those act's gate lets through (write).
func writeAs[T any](s *Service, ctx context.Context, actor desk.Actor, act Action, fn func(w *work) (T, error)) (T, error) {
	return gated(actor, act, func(f func(*work) error) error { return s.write(ctx, actor, f) }, fn)
}

// readLooseAs is read for reads whose statements need not agree (see store.ReadLoose): on
// PostgreSQL each statement runs on its own, which saves the BEGIN and COMMIT round trips.
func (s *Service) readLooseAs(ctx context.Context, actor desk.Actor, fn func(w *work) error) error {
	return s.readLoose(ctx, func(tx *store.Tx) error { return fn(s.newWork(ctx, tx, actor, s.now())) })
}

// readTx runs fn in a read transaction: the one the service is bound to, if it is.
func (s *Service) readTx(ctx context.Context, fn func(tx *store.Tx) error) error {
	if s.bound != nil {
		return fn(s.bound)
	}
	s.onRead()
	return s.store.Read(ctx, fn)
}

// readLoose is readTx for reads whose statements need not agree (see store.ReadLoose).
func (s *Service) readLoose(ctx context.Context, fn func(tx *store.Tx) error) error {
	if s.bound != nil {
		return fn(s.bound)
	}
	s.onRead()
	return s.store.ReadLoose(ctx, fn)
}

// writeTx runs fn in a write transaction of its own, or in the one the service is bound to.
// Every command's texts go into the full-text index shortly after its commit, not in it
// (searchqueue.go): a reply's words cost the one SQLite writer a third of the reply at scale M.
func (s *Service) writeTx(ctx context.Context, fn func(tx *store.Tx) error) error {
	if s.bound != nil {
		return fn(s.bound)
	}
	var last *store.Tx
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		tx.DeferWords() // indexed after commit (searchqueue.go)
		last = tx
		return fn(tx)
	})
	if err == nil && last != nil && last.WordsQueued() { // set as it commits
		s.wordsQueued()
	}
	return err
}

// Batch runs fn with a service whose commands all share one write transaction, committed when
// fn returns nil: seeding a demo desk, or generating one, commits thousands of commands at once
// instead of paying a disk sync for each, and a failed seed leaves the database as it was. Its
// own code is the listener: what each command changed is reported as the command ends.
func (s *Service) Batch(ctx context.Context, fn func(b *Service) error) error {
	return s.store.Write(ctx, func(tx *store.Tx) error {
		b := *s
		b.bound = tx
		return fn(&b)
	})
}

// With is a copy of the service with options changed (a demo's clock, its own listener); a
// copy of a bound service (Batch) stays in its transaction.
func (s *Service) With(opts ...Option) *Service {
	c := *s
	for _, o := range opts {
		o(&c)
	}
	return &c
}

// Timers is a runner of the service's timers (Handlers) on its clock; a bound service's runs
// them in its transaction.
func (s *Service) Timers(log *slog.Logger) *jobs.Runner {
	var tr jobs.Transactions = s.store
	if s.bound != nil {
		tr = boundTx{s.bound}
	}
	r := jobs.NewRunner(tr, s.clock, log, s.Handlers())
	r.Hold = s.timersHeld
	return r
}

// boundTx runs a runner's transactions in one it was given.
type boundTx struct{ tx *store.Tx }

func (b boundTx) Write(_ context.Context, fn func(tx *store.Tx) error) error { return fn(b.tx) }
func (b boundTx) Read(_ context.Context, fn func(tx *store.Tx) error) error  { return fn(b.tx) }

// Ping checks that the database answers.
func (s *Service) Ping(ctx context.Context) error { return s.store.Ping(ctx) }

// Unavailable reports whether err says the database could not be reached or did not answer in
// time (store.Unavailable): the request may be tried again, and nothing in it was wrong.
func Unavailable(err error) bool { return store.Unavailable(err) }

// Backend names the database kind: "sqlite" or "postgres".
func (s *Service) Backend() string { return s.store.Backend() }

// onTimers makes a timer handler of fn: the due timers of one kind (one, or a run of them) are
// one command of the desk's own, whose changes are reported once the runner's transaction has
// committed.
func (s *Service) onTimers(fn func(w *work, timers []store.Timer) error) jobs.Handler {
	return func(ctx context.Context, tx *store.Tx, timers []store.Timer, now time.Time) (func(), error) {
		w := s.newWork(ctx, tx, desk.SystemActor(), now.UTC().Truncate(time.Microsecond))
		if err := s.finish(w, fn(w, timers)); err != nil {
			return nil, err
		}
		return w.committed, nil
	}
}

// each runs fn for every timer: a kind whose timers need nothing read set-wise.
func each(fn func(w *work, t store.Timer) error) func(w *work, timers []store.Timer) error {
	return func(w *work, timers []store.Timer) error {
		for _, t := range timers {
			if err := fn(w, t); err != nil {
				return err
			}
		}
		return nil
	}
}

// as runs fn with another actor for the command: the desk itself for what the rules make
// happen within it (the hand-overs an absence forces, a case a message opens), or the customer
// whose words mail or an integration brings.
func (w *work) as(actor desk.Actor, fn func() error) error {
	was := w.actor
	w.actor = actor
	defer func() { w.actor = was }()
	return fn()
}

// changed notes what the command changed, for listeners once it has committed.
func (w *work) changed(e Event) { w.events = append(w.events, e) }

// afterCommit runs fn once the command has committed (a log line of what it did).
func (w *work) afterCommit(fn func()) { w.logs = append(w.logs, fn) }

// committed reports the command's changes: called once its transaction has committed.
func (w *work) committed() {
	for _, e := range w.events {
		w.s.onCommit(e)
	}
	for _, fn := range w.logs {
		fn()
	}
}

// lockCase loads a case for changing it (the row is locked on PostgreSQL), once per command:
// later calls return the same case as the command has changed it.
func (w *work) lockCase(id int64) (*desk.Case, error) { return lockOnce(w, &w.cases, id, w.tx.Case) }

// keepCase makes c the command's copy of its case.
func (w *work) keepCase(c desk.Case) *desk.Case { return keep(&w.cases, c.ID, c) }

// lockOnce loads the row id for changing it from load, once per command: later calls answer
// the command's copy, kept in m, as the command has changed it (lockCase, promise).
func lockOnce[T any](w *work, m *map[int64]*T, id int64, load func(context.Context, int64) (T, error)) (*T, error) {
	if v, ok := (*m)[id]; ok {
		return v, nil
	}
	v, err := load(w.ctx, id)
	if err != nil {
		return nil, err
	}
	return keep(m, id, v), nil
}

// keep makes v the command's copy of its row id in m.
func keep[T any](m *map[int64]*T, id int64, v T) *T {
	p := &v
	keepIn(m, id, p)
	return p
}

// loadCase locks a case the actor may see; anything else is "not found".
func (w *work) loadCase(id int64) (*desk.Case, error) {
	c, err := w.lockCase(id)
	if store.IsNotFound(err) || (err == nil && !desk.CanSeeCase(w.actor, *c)) {
		return nil, desk.NotFound("case", id)
	}
	return c, err
}

// caseFor locks a case the actor may see (loadCase) and may act on as act.
func (w *work) caseFor(id int64, act Action) (*desk.Case, error) {
	c, err := w.loadCase(id)
	if err != nil {
		return nil, err
	}
	return c, w.allow(act, Object{Case: c})
}

// lockCases loads cases set-wise for a batch (locked, in the order of their ids), for lockCase
// to find.
func (w *work) lockCases(ids []int64) error {
	var missing []int64
	for _, id := range ids {
		if _, ok := w.cases[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	cases, err := w.tx.CasesForUpdate(w.ctx, missing)
	for _, c := range cases {
		w.keepCase(c)
	}
	return err
}

// promise loads a promise for changing it, once per command (see lockCase).
func (w *work) promise(id int64) (*desk.Promise, error) {
	return lockOnce(w, &w.promises, id, w.tx.Promise)
}

func (w *work) keepPromise(p desk.Promise) *desk.Promise { return keep(&w.promises, p.ID, p) }

// lockPromises loads promises set-wise for a batch (locked, in the order of their ids); missing
// ones are left out.
func (w *work) lockPromises(ids []int64) error {
	ps, err := w.tx.PromisesForUpdate(w.ctx, ids)
	for _, p := range ps {
		if _, ok := w.promises[p.ID]; !ok {
			w.keepPromise(p)
		}
	}
	return err
}

// reassignPromises gives the old owner's open promises on a case to its new owner, also those
// the command holds; promises given to other colleagues stay theirs.
func (w *work) reassignPromises(caseID, from, to int64) error {
	for _, p := range w.promises {
		if p.CaseID == caseID && p.State == desk.PromiseOpen && p.OwnerID == from {
			p.OwnerID = to
		}
	}
	return w.tx.ReassignOpenPromises(w.ctx, caseID, from, to)
}

// agent loads an agent once per command (a hundred breaks escalate to a handful of managers).
func (w *work) agent(id int64) (desk.Agent, error) { return readOnce(w, &w.agents, id, w.tx.Agent) }

func (w *work) keepAgent(a desk.Agent) { keepIn(&w.agents, a.ID, a) }

// readOnce loads the row id from load once per command, kept in m: what the command reads and
// does not change (agents, customers, readers).
func readOnce[T any](w *work, m *map[int64]T, id int64, load func(context.Context, int64) (T, error)) (T, error) {
	if v, ok := (*m)[id]; ok {
		return v, nil
	}
	v, err := load(w.ctx, id)
	if err == nil {
		keepIn(m, id, v)
	}
	return v, err
}

// keepIn keeps v as the command's row id in m.
func keepIn[T any](m *map[int64]T, id int64, v T) {
	if *m == nil {
		*m = map[int64]T{}
	}
	(*m)[id] = v
}

// loadAgents reads set-wise, for a batch, the agents not read yet.
func (w *work) loadAgents(ids []int64) error {
	var missing []int64
	seen := map[int64]bool{}
	for _, id := range ids {
		if _, ok := w.agents[id]; !ok && id != 0 && !seen[id] {
			seen[id] = true
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	agents, err := w.tx.AgentsByID(w.ctx, missing)
	for _, a := range agents {
		w.keepAgent(a)
	}
	return err
}

// customer loads a customer once per command.
func (w *work) customer(id int64) (desk.Customer, error) {
	return readOnce(w, &w.customers, id, w.tx.Customer)
}

func (w *work) keepCustomer(c desk.Customer) { keepIn(&w.customers, c.ID, c) }

// reader is how a customer reads what the desk writes: their language and time zone.
func (w *work) reader(customerID int64) (desk.Reader, error) {
	if c, ok := w.customers[customerID]; ok {
		return c.Reader(), nil
	}
	return readOnce(w, &w.readers, customerID, w.tx.Reader)
}

func (w *work) keepReader(customerID int64, r desk.Reader) { keepIn(&w.readers, customerID, r) }

// loadReaders reads set-wise, for a batch, how the customers read.
func (w *work) loadReaders(customerIDs []int64) error {
	readers, err := w.tx.Readers(w.ctx, customerIDs)
	for id, r := range readers {
		w.keepReader(id, r)
	}
	return err
}

// loadToChange locks a row in the write (store.Tx.LockToChange) and then loads it: a command
// that lays a change over the row, or checks one against it, starts from the row as the last
// change left it. Missing, it is ErrNotFound.
func loadToChange[T any](w *work, row store.Changed, id int64, load func(context.Context, int64) (T, error)) (T, error) {
	if err := w.tx.LockToChange(w.ctx, row, id); err != nil {
		var none T
		return none, err
	}
	return load(w.ctx, id)
}

// readByCustomer fills c.Reader with the customer's language and zone, so that what the desk's
// rules write to them (introductions, escalations, apologies, steps) is in their language with
// times in their zone.
func (w *work) readByCustomer(c *desk.Case) error {
	if c.Reader.Lang != "" {
		return nil
	}
	r, err := w.reader(c.CustomerID)
	c.Reader = r
	return err
}

// participate records someone acting on a case and says whether they are new to it.
func (w *work) participate(c *desk.Case, p desk.Participant) (bool, error) {
	on, ok := w.participants[c.ID]
	if !ok {
		ps, err := w.tx.Participants(w.ctx, c.ID)
		if err != nil {
			return false, err
		}
		on = w.keepParticipants(c.ID, ps)
	}
	k := participantKey{p.Kind, p.PersonID}
	if on[k] {
		return false, nil
	}
	on[k] = true
	return true, w.tx.AddParticipants(w.ctx, store.CaseParticipant{CaseID: c.ID, Participant: p})
}

func (w *work) keepParticipants(caseID int64, ps []desk.Participant) map[participantKey]bool {
	if w.participants == nil {
		w.participants = map[int64]map[participantKey]bool{}
	}
	on := make(map[participantKey]bool, len(ps))
	for _, p := range ps {
		on[participantKey{p.Kind, p.PersonID}] = true
	}
	w.participants[caseID] = on
	return on
}

// loadParticipants reads set-wise, for a batch, who is on the cases.
func (w *work) loadParticipants(caseIDs []int64) error {
	all, err := w.tx.ParticipantsOf(w.ctx, caseIDs)
	for _, id := range caseIDs {
		if _, ok := w.participants[id]; !ok {
			w.keepParticipants(id, all[id])
		}
	}
	return err
}

// absenceWindow is what of an agent's absences a command reads: from now to two weeks ahead,
// what deciding who is at work now, and when they are back, needs (desk.NextAtWork).
const absenceWindow = 15 * 24 * time.Hour

// absencesOf are an agent's absences around now, read once per command.
func (w *work) absencesOf(agentID int64) ([]desk.Absence, error) {
	err := w.loadAbsences([]int64{agentID})
	return w.absences[agentID], err
}

// loadAbsences reads set-wise, for a batch, the absences of agents not read yet.
func (w *work) loadAbsences(ids []int64) error {
	var missing []int64
	seen := map[int64]bool{} // a batch's hundred breaks name a handful of managers
	for _, id := range ids {
		if _, ok := w.absences[id]; !ok && id != 0 && !seen[id] {
			seen[id] = true
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	got, err := w.tx.AbsencesOf(w.ctx, missing, w.now.Add(-time.Minute), w.now.Add(absenceWindow))
	if err != nil {
		return err
	}
	if w.absences == nil {
		w.absences = map[int64][]desk.Absence{}
	}
	for _, id := range missing {
		w.absences[id] = got[id]
	}
	return nil
}

// settingsOf are the targets a case is held to (its team's, with its case type's response
// target where the type sets one), read once per command.
func (w *work) settingsOf(c desk.Case) (desk.TeamSettings, error) {
	key := settingsKey{c.TeamID, c.Type}
	if v, ok := w.settings[key]; ok {
		return v, nil
	}
	team, typeTarget, err := w.tx.CaseSettings(w.ctx, c.TeamID, c.Type)
	v := team.ForType(typeTarget)
	if err == nil {
		if w.settings == nil {
			w.settings = map[settingsKey]desk.TeamSettings{}
		}
		w.settings[key] = v
	}
	return v, err
}

// routingTeams are the teams that take mail at desk addresses, read once per unit of work.
func (w *work) routingTeams() ([]desk.TeamSettings, error) {
	if w.routes == nil {
		teams, err := w.tx.Teams(w.ctx)
		if err != nil {
			return nil, err
		}
		routes := []desk.TeamSettings{}
		for _, t := range teams {
			if len(t.Addresses) > 0 {
				routes = append(routes, t)
			}
		}
		w.routes = &routes
	}
	return *w.routes, nil
}
