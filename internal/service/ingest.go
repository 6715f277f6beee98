package service

import (
	"context"
	"errors"
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
// When a mail of the group fails, the group is rolled back and filed again with each mail in
// a savepoint of its own: the failed one is undone without spoiling the others and, after
// they have committed, tried again in a transaction of its own, exactly as it would have been
// without group commit (so it is stored, flagged when malformed, or refused with the same error). If
// the whole group fails to commit, each of its mails is tried again alone the same way; a
// mail already stored is then found by its dedupe key and not stored twice.

// maxGroup bounds a group: a commit holds the SQLite writer, and every other command waits.
const maxGroup = 32

type mailJob struct {
	ctx    context.Context
	in     *inMail
	res    MailResult
	err    error
	events []Event
	done   chan struct{}
}

// mailGroups queues mail for its committer: one, since SQLite has one writer. PostgreSQL does
// not group mail (ReceiveMail): it already flushes concurrent commits together, and groups
// committed side by side would deadlock, opening cases for the same agents and so locking
// those agents' rows (their open-case counts) in different orders.
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
	var alone []*mailJob // failed in the group: tried again on their own
	var stored []*mailJob
	// The transaction runs to its end even if a sender stops waiting: a cancelled statement
	// would undo the whole group, not one mail.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// First without savepoints: a savepoint makes SQLite's full-text index flush what it holds
	// to disk, a segment per mail, and merge them again later (a sixth of intake's CPU). Mails
	// rarely fail; when one does, the group is rolled back and filed again, each mail in a
	// savepoint of its own, so the others still commit together.
	err := s.store.Write(ctx, func(tx *store.Tx) error { return s.fileGroup(tx, live) })
	switch {
	case err == nil:
		stored = live
	case errors.Is(err, errMailFailed):
		stored, alone, err = s.commitGroupSaved(ctx, live)
	}
	if err != nil {
		s.log.Warn("mail group did not commit; storing its mails one by one", "mails", len(live), "err", err)
		alone, stored = live, nil
	}
	for _, j := range stored {
		for _, e := range j.events {
			s.onCommit(e)
		}
		s.logMail(j.in, j.res, nil)
		close(j.done)
	}
	for _, j := range alone {
		j.res, j.err = s.receiveAlone(j.ctx, j.in)
		close(j.done)
	}
}

// fileGroup files a group's mails in tx, one after the other, and fails with errMailFailed
// as soon as one of them fails.
func (s *Service) fileGroup(tx *store.Tx, live []*mailJob) error {
	pools := ownerPools{}
	for _, j := range live {
		jctx := pools.in(context.WithoutCancel(j.ctx)) // keeps the mail's values (an auto-reply's, say)
		j.res, j.events = MailResult{}, j.events[:0]
		tx.ResetMemo()
		if err := s.fileMail(jctx, tx, j.in, &j.res, &j.events); err != nil {
			return errMailFailed
		}
	}
	return nil
}

// errMailFailed rolls back a group in which a mail failed, to file it again with savepoints.
var errMailFailed = errors.New("a mail of the group failed")

// commitGroupSaved files a group in one transaction, each mail in a savepoint, and returns the
// mails stored and those that failed (to be tried again alone).
func (s *Service) commitGroupSaved(ctx context.Context, live []*mailJob) (stored, alone []*mailJob, err error) {
	err = s.store.Write(ctx, func(tx *store.Tx) error {
		alone, stored = alone[:0], stored[:0]
		pools := ownerPools{}
		for _, j := range live {
			jctx := pools.in(context.WithoutCancel(j.ctx))
			j.res, j.events = MailResult{}, j.events[:0]
			tx.ResetMemo()
			ferr, txErr := tx.Savepoint(jctx, func() error { return s.fileMail(jctx, tx, j.in, &j.res, &j.events) })
			tx.ResetMemo() // what the savepoint looked up may have been undone with it
			if txErr != nil {
				return txErr
			}
			if ferr != nil {
				alone = append(alone, j)
				continue
			}
			stored = append(stored, j)
		}
		return nil
	})
	return stored, alone, err
}

// ownerPools are the owner pools (store.OwnerPool) of one group transaction, by team: read by
// the first mail of the group that opens a case, used by the others, which then read only the
// open counts. Nothing in a group writes agents or absences, so the pools stay true for it; a
// savepoint rolled back undoes only cases, whose counts are read again anyway.
type ownerPools map[int64]*store.OwnerPool

type ownerPoolsKey struct{}

// in gives the pools to a mail's filing.
func (p ownerPools) in(ctx context.Context) context.Context {
	return context.WithValue(ctx, ownerPoolsKey{}, p)
}

// ownerLoads is tx.OwnerLoads, from the group's pools when filing a group of mails.
func ownerLoads(ctx context.Context, tx *store.Tx, teamID int64, now time.Time) ([]desk.AgentLoad, error) {
	pools, ok := ctx.Value(ownerPoolsKey{}).(ownerPools)
	if !ok {
		return tx.OwnerLoads(ctx, teamID, now)
	}
	p := pools[teamID]
	if p == nil {
		pool, err := tx.OwnerPool(ctx, teamID, now)
		if err != nil {
			return nil, err
		}
		p = &pool
		pools[teamID] = p
	}
	return tx.PoolLoads(ctx, p, now)
}
