package service

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// Group commit for mail intake. A mail is acknowledged only once it is durable, and on SQLite
// a durable commit is a sync to disk, about as costly as everything else a mail needs. So
// mails that arrive while a commit is under way queue up, and the next commit takes all of
// them: one transaction, one sync, then every sender gets its answer and every listener its
// events. A single mail waits for nobody: with nothing under way it commits at once, alone.
//
// On PostgreSQL too, though it commits concurrent transactions side by side: there each
// statement is a round trip, and a mail alone took 36 of them (its owner pool, senders, the
// report roll-ups), where a group shares what it reads and writes each table once (about four
// statements a mail). BenchmarkIngestSMTP on PostgreSQL: 150 mails a second alone, 214–272
// grouped; with agents replying meanwhile the mail now waits for the replies rather than the
// replies for the mail (BENCHMARKS.md). Each node has its one committer; two nodes' groups
// replying to the same cases may deadlock, which PostgreSQL breaks, and the group is then filed
// mail by mail as below.
//
// When a mail of the group fails, the group is rolled back and filed again with each mail in
// a savepoint of its own: the failed one is undone without spoiling the others and, after
// they have committed, tried again in a transaction of its own, exactly as it would have been
// without group commit (so it is stored, flagged when malformed, or refused with the same error). If
// the whole group fails to commit, each of its mails is tried again alone the same way; a
// mail already stored is then found by its dedupe key and not stored twice.

// maxGroup bounds a group: a commit holds the SQLite writer, and every other command waits.
const maxGroup = 32

type mailJob struct {
	ctx  context.Context
	in   *inMail
	res  MailResult
	err  error
	work *work // the mail's command in the transaction that stored it
	done chan struct{}
}

// mailGroups queues mail for its committer: one, since SQLite has one writer, and on
// PostgreSQL groups committed side by side by one node would deadlock, opening cases for the
// same agents and so locking those agents' rows (their open-case counts) in different orders.
type mailGroups struct {
	mu      sync.Mutex
	queue   []*mailJob
	running int
}

const committers = 1

// receive queues a parsed mail and waits until it is committed (or has failed).
func (g *mailGroups) receive(ctx context.Context, s *Service, in *inMail) (MailResult, error) {
	job := &mailJob{ctx: ctx, in: in, done: make(chan struct{})}
	g.mu.Lock()
	g.queue = append(g.queue, job)
	if g.running < committers {
		g.running++
		go g.commitLoop(s)
	}
	g.mu.Unlock()
	select {
	case <-job.done:
		return job.res, job.err
	case <-ctx.Done():
		// It may still commit; the sender's retry then finds it by its dedupe key.
		return MailResult{}, wrap("receive mail", ctx.Err())
	}
}

// commitLoop commits queued mail, a group at a time, until the queue is empty.
func (g *mailGroups) commitLoop(s *Service) {
	for {
		g.mu.Lock()
		n := min(len(g.queue), maxGroup)
		if n == 0 {
			g.running--
			g.mu.Unlock()
			return
		}
		group := make([]*mailJob, n)
		copy(group, g.queue)
		g.queue = append(g.queue[:0], g.queue[n:]...)
		g.mu.Unlock()
		s.commitGroup(group)
	}
}

// commitGroup stores a group of mails in one transaction and answers each.
func (s *Service) commitGroup(group []*mailJob) {
	var live []*mailJob
	for _, j := range group {
		if err := j.ctx.Err(); err != nil {
			j.err = wrap("receive mail", err) // the sender gave up; its retry comes as a new delivery
			close(j.done)
			continue
		}
		live = append(live, j)
	}
	if len(live) == 1 {
		j := live[0]
		j.res, j.err = s.receiveAlone(j.ctx, j.in)
		close(j.done)
		return
	}
	if len(live) == 0 {
		return
	}
	// The transaction runs to its end even if a sender stops waiting: a cancelled statement
	// would undo the whole group, not one mail.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// First without savepoints: a savepoint makes SQLite's full-text index flush what it holds
	// to disk, a segment per mail, and merge them again later (a sixth of intake's CPU). Mails
	// rarely fail; when one does, the group is rolled back and filed again, each mail in a
	// savepoint of its own, so the others still commit together.
	stored, alone := live, []*mailJob(nil)
	_, err := s.fileMails(ctx, live, false)
	if errors.Is(err, errMailFailed) {
		alone, err = s.fileMails(ctx, live, true)
		stored = slices.DeleteFunc(slices.Clone(live), func(j *mailJob) bool { return slices.Contains(alone, j) })
	}
	if err != nil {
		s.log.Warn("mail group did not commit; storing its mails one by one", "mails", len(live), "err", err)
		alone, stored = live, nil
	}
	for _, j := range stored {
		j.err = nil
		j.work.committed()
		s.logMail(j.in, j.res, nil)
		close(j.done)
	}
	for _, j := range alone {
		j.res, j.err = s.receiveAlone(j.ctx, j.in)
		close(j.done)
	}
}

// receiveAlone stores one parsed mail in a transaction of its own: a group of one. A unique-key
// race with a concurrent delivery of the same mail is run again once, to find it stored.
func (s *Service) receiveAlone(ctx context.Context, in *inMail) (MailResult, error) {
	j := &mailJob{ctx: ctx, in: in}
	_, err := s.fileMails(ctx, []*mailJob{j}, false)
	if errors.Is(err, errMailFailed) {
		err = j.err
	}
	if store.IsDuplicate(err) || store.IsDeadlock(err) {
		if _, err = s.fileMails(ctx, []*mailJob{j}, false); errors.Is(err, errMailFailed) {
			err = j.err
		}
	}
	if err == nil {
		j.work.committed()
	}
	s.logMail(in, j.res, err)
	return j.res, wrap("receive mail", err)
}

// fileMails files mails in one transaction, each a command of its own (fileMail): mail intake's
// one path. Without saved it stops at the first mail that fails (errMailFailed, the mail's own
// error in its err); with saved each mail is filed in a savepoint, and those that failed are
// returned while the others commit. The mails share the group's owner pools.
func (s *Service) fileMails(ctx context.Context, jobs []*mailJob, saved bool) (failed []*mailJob, err error) {
	err = s.writeTx(ctx, func(tx *store.Tx) error {
		failed = failed[:0]
		pools := ownerPools{}
		// Nothing in a group changes a team's settings or an agent: the mails read them once.
		settings := map[settingsKey]desk.TeamSettings{}
		agents := map[int64]desk.Agent{}
		var routes *[]desk.TeamSettings // nor the teams that take mail at desk addresses
		senders, err := groupSenders(ctx, tx, jobs)
		if err != nil {
			return err
		}
		for _, j := range jobs {
			w := s.newWork(ctx, tx, desk.SystemActor(), s.now())
			w.pools, w.settings, w.routes, w.senders, w.agents = pools, settings, routes, senders, agents
			j.res, j.err, j.work = MailResult{}, nil, w
			file := func() error {
				defer func() { routes = w.routes }()
				return s.finish(w, s.fileMail(w, j.in, &j.res))
			}
			if !saved {
				if j.err = file(); j.err != nil {
					return errMailFailed
				}
				continue
			}
			ferr, txErr := tx.Savepoint(ctx, file)
			if txErr != nil {
				return txErr
			}
			if ferr != nil {
				j.err = ferr
				failed = append(failed, j)
				// A customer it made is gone with its savepoint: the mails after it look
				// their senders up again.
				senders = nil
			}
		}
		return nil
	})
	return failed, err
}

// mailSenders are the customers at a mail group's senders' addresses, read set-wise before its
// mails are filed (store.Tx.CustomersAt), and those made for new senders since: nothing in a
// group changes a customer's contact points or references. A sender no customer had is there
// as a customer of id 0 until one is made.
type mailSenders map[desk.Contact]desk.Customer

// groupSenders reads the customers at the senders' addresses of a group of mails.
func groupSenders(ctx context.Context, tx *store.Tx, jobs []*mailJob) (mailSenders, error) {
	if len(jobs) < 2 {
		return nil, nil // one mail looks its sender up as it is filed
	}
	contacts := make([]desk.Contact, 0, len(jobs))
	for _, j := range jobs {
		contacts = append(contacts, mailContact(j.in.from, j.in.sum))
	}
	found, err := tx.CustomersAt(ctx, contacts)
	if err != nil {
		return nil, err
	}
	for _, c := range contacts {
		if _, ok := found[c]; !ok {
			found[c] = desk.Customer{}
		}
	}
	return found, nil
}

// errMailFailed rolls back a group in which a mail failed, to file it again with savepoints.
var errMailFailed = errors.New("a mail of the group failed")

// ownerPools are the owner pools (store.OwnerPool) of one transaction, by team: read by the
// first mail of a group that opens a case, used by the others, which then read only the open
// counts. Nothing in a group writes agents or absences, so the pools stay true for it; a
// savepoint rolled back undoes only cases, whose counts are read again anyway.
type ownerPools map[int64]*store.OwnerPool

// ownerLoads are the loads a new case's owner is chosen by: the agents (of one team, when
// teamID is not 0) with their open cases, and whether the desk's rule keeps new cases from them
// for now (away). They come from the command's owner pool, or its mail group's.
func (w *work) ownerLoads(teamID int64) ([]desk.AgentLoad, error) {
	p, open, err := w.ownerPool(teamID)
	if err != nil {
		return nil, err
	}
	loads := make([]desk.AgentLoad, len(p.Agents))
	for i, a := range p.Agents {
		loads[i] = desk.AgentLoad{Agent: a, Open: open[a.ID], Away: desk.AwayForNewCases(p.Absences[a.ID], w.now)}
	}
	return loads, nil
}

// ownerPool is the owner pool of a team (0: the whole desk) as the command or its mail group
// has it, with its agents' open counts.
func (w *work) ownerPool(teamID int64) (*store.OwnerPool, map[int64]int, error) {
	if w.pools == nil {
		w.pools = ownerPools{}
	}
	p := w.pools[teamID]
	if p == nil || !p.Holds(w.now) {
		pool, err := w.tx.OwnerPool(w.ctx, teamID, w.now)
		if err != nil {
			return nil, nil, err
		}
		p = &pool
		w.pools[teamID] = p
	}
	open, err := w.tx.OpenCounts(w.ctx, p)
	return p, open, err
}
