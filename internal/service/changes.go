package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strconv"
	"strings"
	"sync"

	"github.com/keptdesk/kept/internal/store"
)

// ChangeBus shares commit events with the other nodes on one PostgreSQL database, so a live
// page on any node hears of a change made through another (store.ListenChanges). A message
// carries ids only, as the pages' own stream does: what changed is read through the pages.
type ChangeBus struct {
	st    *store.Store
	log   *slog.Logger
	id    string     // this process: it delivers its own changes itself, not twice
	queue chan int64 // cases changed here, waiting to be told
	// listening is closed once the other nodes' changes are first listened to.
	listening chan struct{}
	once      sync.Once
}

// changeQueue bounds the changes waiting to be told; past it a change is not shared (its
// case's next change is), so a slow database never holds a commit.
const changeQueue = 4096

// ChangeBus returns the bus for this process, or nil when no other node shares the database
// (SQLite).
func (s *Service) ChangeBus() *ChangeBus {
	if !s.store.SharesChanges() {
		return nil
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return &ChangeBus{st: s.store, log: s.log, id: hex.EncodeToString(b), queue: make(chan int64, changeQueue), listening: make(chan struct{})}
}

// Listening is closed once Run first listens to the other nodes' changes.
func (b *ChangeBus) Listening() <-chan struct{} { return b.listening }

// Publish queues a committed event for the other nodes. It never blocks.
func (b *ChangeBus) Publish(e Event) {
	if b == nil || e.CaseID == 0 {
		return
	}
	select {
	case b.queue <- e.CaseID:
	default:
		b.log.Warn("live updates: too many changes waiting to be shared with other nodes; one is not", "case", e.CaseID)
	}
}

// Run tells the other nodes what was published here and gives heard what they publish, until
// ctx ends.
func (b *ChangeBus) Run(ctx context.Context, heard func(Event)) error {
	if b == nil {
		return nil
	}
	listening := make(chan error, 1)
	go func() {
		listening <- b.st.ListenChanges(ctx, store.Listener{
			Heard: func(p string) {
				if e, ok := b.parse(p); ok {
					heard(e)
				}
			},
			Listening: func() { b.once.Do(func() { close(b.listening) }) },
			Lost: func(err error) {
				b.log.Warn("live updates: lost the other nodes' changes; listening again", "err", err)
			},
		})
	}()
	for {
		select {
		case <-ctx.Done():
			return <-listening
		case id := <-b.queue:
			payloads := b.drain(id)
			if err := b.st.PublishChanges(context.WithoutCancel(ctx), payloads); err != nil {
				b.log.Warn("live updates: could not tell the other nodes", "changes", len(payloads), "err", err)
			}
		}
	}
}

// drain takes what waits besides first, each case once, as payloads.
func (b *ChangeBus) drain(first int64) []string {
	seen := map[int64]bool{first: true}
	out := []string{b.payload(first)}
	for len(out) < 500 {
		select {
		case id := <-b.queue:
			if !seen[id] {
				seen[id] = true
				out = append(out, b.payload(id))
			}
		default:
			return out
		}
	}
	return out
}

func (b *ChangeBus) payload(caseID int64) string { return b.id + " " + strconv.FormatInt(caseID, 10) }

// parse reads another node's payload; its own and unreadable ones are skipped.
func (b *ChangeBus) parse(p string) (Event, bool) {
	from, id, ok := strings.Cut(p, " ")
	if !ok || from == b.id {
		return Event{}, false
	}
	caseID, err := strconv.ParseInt(id, 10, 64)
	if err != nil || caseID <= 0 {
		return Event{}, false
	}
	return Event{CaseID: caseID}, true
}
