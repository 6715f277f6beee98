package service

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/keptdesk/kept/internal/store"
)

// A command's texts (a mail group's, a reply's, a note's) go into the full-text index shortly
// after their commit, not in it: the command queues their words (store.DeferWords, one row of
// search_queue a transaction) and a worker of this process indexes what is queued a moment
// later, many commands in one transaction, deleting the rows in the same transaction. So a
// sender's answer waits for neither FTS5 nor PostgreSQL's GIN index, and a crash loses no text:
// what was committed stays queued until it is indexed, here or by the next node to drain it.
// Search may trail the record by about indexDelay; references (order and invoice numbers) are
// written with the mail, and a case ref is the case's id, so a mail is found by them at once.

// indexDelay is how long the worker gathers queued texts before indexing them: a group
// commit's texts are a few, and FTS5 writes a segment for each transaction that writes it.
const indexDelay = 200 * time.Millisecond

// indexBatch is how many queued transactions (mail groups) one indexing transaction takes.
const indexBatch = 256

// searchQueue runs the worker: at most one in a process, started when intake queues words
// and ended when the queue is empty.
type searchQueue struct {
	mu      sync.Mutex
	running bool
	more    bool // words were queued since the worker last looked
	// queued counts this process's commits that queued words; indexed, how many of them a
	// drain has indexed (see searchCaughtUp).
	queued, indexed uint64
	drain           sync.Mutex // one drain at a time: FlushSearch waits for the worker's
}

// wordsQueued tells the worker that a committed transaction queued words.
func (s *Service) wordsQueued() {
	q := s.searchQ
	q.mu.Lock()
	defer q.mu.Unlock()
	q.more = true
	q.queued++
	if !q.running {
		q.running = true
		go s.indexLoop()
	}
}

// indexLoop indexes queued words until nothing more was queued while it worked.
func (s *Service) indexLoop() {
	q := s.searchQ
	for {
		time.Sleep(indexDelay)
		q.mu.Lock()
		if !q.more {
			q.running = false
			q.mu.Unlock()
			return
		}
		q.more = false
		q.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if err := s.indexQueued(ctx, true, 0); err != nil && !s.store.Closed() {
			// Still queued: the next mail's commit, FlushSearch at start, or another node
			// indexes it.
			s.log.Warn("indexing received mail for search failed; it stays queued", "err", err)
		}
		cancel()
	}
}

// FlushSearch indexes every text queued for the full-text index (see above) and returns once
// they are searchable: at start, for what a stopped process left queued, and in tests that
// search right after intake.
func (s *Service) FlushSearch(ctx context.Context) error {
	return s.indexQueued(ctx, false, 0)
}

// searchCaughtUp indexes what this process's commands queued and has not indexed yet, so that a
// search on the node a text was written on finds it at once (another node's search may trail by
// about indexDelay). With nothing queued, as in a desk's searches between writes, it costs a
// lock and two numbers. While commands commit, searches that arrive together share one drain:
// each waits for the drain running when it came, and runs one only if that drain did not cover
// what was committed before the search began.
func (s *Service) searchCaughtUp(ctx context.Context) error {
	q := s.searchQ
	q.mu.Lock()
	need, behind := q.queued, q.queued > q.indexed
	q.mu.Unlock()
	if !behind {
		return nil
	}
	return s.indexQueued(ctx, false, need)
}

// indexQueued indexes what is queued, a transaction for each indexBatch groups; skipLocked
// leaves what another node is indexing to it (PostgreSQL), else it waits for that node. With
// need above 0 it returns at once if an earlier drain has indexed that many of this process's
// commits.
func (s *Service) indexQueued(ctx context.Context, skipLocked bool, need uint64) error {
	if s.bound != nil {
		return nil // a bound service's commands index in its transaction
	}
	q := s.searchQ
	q.drain.Lock()
	defer q.drain.Unlock()
	q.mu.Lock()
	upTo := q.queued // every commit counted so far has its row in the queue
	done := need > 0 && q.indexed >= need
	q.mu.Unlock()
	if done {
		return nil
	}
	for {
		var n int
		err := s.store.Write(ctx, func(tx *store.Tx) error {
			var err error
			n, err = tx.IndexQueued(ctx, indexBatch, skipLocked)
			return err
		})
		if err != nil {
			return fmt.Errorf("index queued texts: %w", err)
		}
		if n < indexBatch {
			q.mu.Lock()
			q.indexed = max(q.indexed, upTo)
			q.mu.Unlock()
			return nil
		}
	}
}
