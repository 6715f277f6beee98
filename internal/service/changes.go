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

// ChangeBus shares what live pages need with the other nodes on one PostgreSQL database
// (store.ListenChanges): which cases changed (ids only, as the pages' own stream carries: what
// changed is read through the pages) and who has which case open, so a page on any node hears
// of a change made through another, and of a colleague looking at the same case there.
type ChangeBus struct {
	st    *store.Store
	log   *slog.Logger
	id    string      // this process: it delivers its own messages itself, not twice
	queue chan string // messages waiting to be told: "c <case>" or "p <case> <viewers>"
	// listening is closed once the other nodes' messages are first listened to.
	listening chan struct{}
	once      sync.Once
}

// BusListener is what the other nodes' messages are given to.
type BusListener struct {
	Changed func(Event)
	// Presence is a node's (from's) viewers of a case, as that node last said (its own JSON).
	Presence func(from string, caseID int64, viewers []byte)
}

// changeQueue bounds the messages waiting to be told; past it one is not shared (its case's
// next one is), so a slow database never holds a commit.
const changeQueue = 4096

// ChangeBus returns the bus for this process, or nil when no other node shares the database
// (SQLite).
func (s *Service) ChangeBus() *ChangeBus {
	if !s.store.SharesChanges() {
		return nil
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return &ChangeBus{st: s.store, log: s.log, id: hex.EncodeToString(b), queue: make(chan string, changeQueue), listening: make(chan struct{})}
}

// Listening is closed once Run first listens to the other nodes.
func (b *ChangeBus) Listening() <-chan struct{} { return b.listening }

// Publish queues a committed event for the other nodes. It never blocks.
func (b *ChangeBus) Publish(e Event) {
	if b == nil || e.CaseID == 0 {
		return
	}
	b.enqueue("c " + strconv.FormatInt(e.CaseID, 10))
}

// PublishPresence queues this node's viewers of a case (the pages' JSON) for the other nodes.
// It never blocks.
func (b *ChangeBus) PublishPresence(caseID int64, viewers []byte) {
	if b == nil || caseID == 0 {
		return
	}
	b.enqueue("p " + strconv.FormatInt(caseID, 10) + " " + string(viewers))
}

func (b *ChangeBus) enqueue(msg string) {
	select {
	case b.queue <- msg:
	default:
		b.log.Warn("live updates: too many messages waiting to be shared with other nodes; one is not", "message", msg[:min(len(msg), 40)])
	}
}

// Run tells the other nodes what was published here and gives l what they publish, until ctx
// ends.
func (b *ChangeBus) Run(ctx context.Context, l BusListener) error {
	if b == nil {
		return nil
	}
	listening := make(chan error, 1)
	go func() {
		listening <- b.st.ListenChanges(ctx, store.Listener{
			Heard:     func(p string) { b.hear(p, l) },
			Listening: func() { b.once.Do(func() { close(b.listening) }) },
			Lost: func(err error) {
				b.log.Warn("live updates: lost the other nodes' messages; listening again", "err", err)
			},
		})
	}()
	for {
		select {
		case <-ctx.Done():
			return <-listening
		case msg := <-b.queue:
			payloads := b.drain(msg)
			if err := b.st.PublishChanges(context.WithoutCancel(ctx), payloads); err != nil {
				b.log.Warn("live updates: could not tell the other nodes", "messages", len(payloads), "err", err)
			}
		}
	}
}

// drain takes what waits besides first, as payloads: a case's change once, and only the last
// of its viewers.
func (b *ChangeBus) drain(first string) []string {
	at := map[string]int{} // a message's key ("c 42", "p 42") → its place in out
	var out []string
	add := func(msg string) {
		key := msg
		if strings.HasPrefix(msg, "p ") {
			key = msg[:2+strings.IndexByte(msg[2:]+" ", ' ')]
		}
		if i, ok := at[key]; ok {
			out[i] = b.id + " " + msg
			return
		}
		at[key] = len(out)
		out = append(out, b.id+" "+msg)
	}
	add(first)
	for len(out) < 500 {
		select {
		case msg := <-b.queue:
			add(msg)
		default:
			return out
		}
	}
	return out
}

// hear reads another node's payload; this process's own and unreadable ones are skipped.
func (b *ChangeBus) hear(p string, l BusListener) {
	from, rest, ok := strings.Cut(p, " ")
	if !ok || from == b.id {
		return
	}
	kind, rest, _ := strings.Cut(rest, " ")
	id, viewers, _ := strings.Cut(rest, " ")
	caseID, err := strconv.ParseInt(id, 10, 64)
	if err != nil || caseID <= 0 {
		return
	}
	switch {
	case kind == "c" && l.Changed != nil:
		l.Changed(Event{CaseID: caseID})
	case kind == "p" && l.Presence != nil:
		l.Presence(from, caseID, []byte(viewers))
	}
}
