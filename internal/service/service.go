// Package service runs the desk's commands and queries. Every command is one function that
// runs one transaction: load the state, ask the rules (desk) what follows, store the entries,
// the case row and its search text together. The API, and later mail, timers and the UI, call
// these functions and never write SQL themselves. Every read checks what the actor may see.
package service

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/jobs"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/text"
)

// Event tells listeners (metrics, later live updates) what a committed command changed.
type Event struct {
	CaseID     int64
	CaseOpened bool
	Entries    int
	Timers     bool // timers were added: a sleeping timer runner should look again
	Mail       bool // mail was queued in the outbox without an entry (a reminder to an agent)
}

// Service runs commands against one store.
type Service struct {
	store    *store.Store
	clock    clock.Clock
	log      *slog.Logger
	onCommit func(Event)
	mailCfg  MailConfig
	mailKeys mailKeys
	ingest   mailGroups
	// portalMail writes and reports portal sign-in links (portal.go); set by the web pages.
	portalMail atomic.Pointer[PortalLinkMail]
}

// Option adjusts a Service.
type Option func(*Service)

// WithEvents calls fn after each committed change.
func WithEvents(fn func(Event)) Option { return func(s *Service) { s.onCommit = fn } }

// New returns a Service on st using clk for "now".
func New(st *store.Store, clk clock.Clock, log *slog.Logger, opts ...Option) *Service {
	s := &Service{store: st, clock: clk, log: log, onCommit: func(Event) {}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Store is the service's store (for health checks and batching).
func (s *Service) Store() *store.Store { return s.store }

// now is the clock's time in the precision both databases keep.
func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Microsecond) }

// write runs fn as one transaction and reports its events once it has committed. A unique-key
// race with a concurrent command (the same inbound message twice) is retried once, when the
// retry will find what the other command stored; so is a transaction PostgreSQL failed to
// break a deadlock (two commands moving cases between the same agents, whose open-case counts
// they update, in opposite directions).
func (s *Service) write(ctx context.Context, fn func(tx *store.Tx, ev *[]Event) error) error {
	var events []Event
	run := func() error {
		events = events[:0]
		return s.store.Write(ctx, func(tx *store.Tx) error {
			tx.ResetMemo() // inside a Batch, the commands before this one share the transaction
			return fn(tx, &events)
		})
	}
	err := run()
	// Inside a batch the failed statement has spoilt the shared transaction: no retry there.
	if (store.IsDuplicate(err) || store.IsDeadlock(err)) && !store.InBatch(ctx) {
		err = run()
	}
	if err != nil {
		return err
	}
	for _, e := range events {
		s.onCommit(e)
	}
	return nil
}

// timerEvents is where a timer handler puts its events: the runner reports them through the
// same callback as commands' once the timer's transaction has committed (and never when the
// handler fails).
func (s *Service) timerEvents(ctx context.Context) *[]Event {
	ev := &[]Event{}
	jobs.AfterCommit(ctx, func() {
		for _, e := range *ev {
			s.onCommit(e)
		}
	})
	return ev
}

// appendRecord chains drafts onto the case's record, stores and indexes them, and saves the
// case row: the one way anything is added to a record.
func (s *Service) appendRecord(ctx context.Context, tx *store.Tx, c *desk.Case, drafts []desk.Draft, now time.Time, ev *[]Event) ([]desk.Entry, error) {
	entries, err := desk.Chain(c, drafts, now)
	if err != nil {
		return nil, err
	}
	if err := tx.InsertEntries(ctx, entries); err != nil {
		return nil, err
	}
	for _, e := range entries {
		if doc, ok := indexDoc(tx, *c, e); ok {
			if err := tx.Index(ctx, doc); err != nil {
				return nil, err
			}
		}
	}
	if err := tx.SaveCase(ctx, *c); err != nil {
		return nil, err
	}
	if err := s.queueMail(ctx, tx, *c, entries, now); err != nil {
		return nil, err
	}
	*ev = append(*ev, Event{CaseID: c.ID, Entries: len(entries)})
	return entries, nil
}

// EntryDoc is the searchable text of an entry: what people wrote or said. Texts the desk
// writes itself (introductions, escalations, status changes) are left out, so a search for
// "customer" finds customers' words, not the desk's boilerplate. Bulk writers (kept bench)
// index with it too, so generated data is searched as the desk's own.
func EntryDoc(c desk.Case, e desk.Entry) (store.SearchDoc, bool) {
	body, ok := entryText(e)
	if !ok {
		return store.SearchDoc{}, false
	}
	return entryDoc(c, e, text.Words(body), text.RefKeys(body)), true
}

// entryText is the text of an entry that search finds, if any (see EntryDoc).
func entryText(e desk.Entry) (string, bool) {
	body := e.Body
	switch e.Kind {
	case desk.KindMessageIn, desk.KindNote, desk.KindPromiseMade, desk.KindPromiseSlipped, desk.KindDocumentAdded:
	case desk.KindMessageOut, desk.KindHandover:
		if e.Actor.Kind == desk.ActorSystem {
			return "", false
		}
	case desk.KindCall:
		if t := dataString(e, "transcript"); t != "" {
			body += "\n" + t
		}
	default:
		return "", false
	}
	return body, true
}

func entryDoc(c desk.Case, e desk.Entry, words, refs []string) store.SearchDoc {
	return store.SearchDoc{CaseID: c.ID, CustomerID: c.CustomerID, EntryID: e.ID, Internal: e.Internal, Words: words, Refs: refs}
}

// analysedKey holds in a transaction's memo a text already analysed for search: mail intake
// analyses each mail's text while parsing, in parallel, so its single committer does not.
type analysedKey struct{}

// analysedText is a text with its words and reference keys (text.Words, text.RefKeys).
type analysedText struct {
	body        string
	words, refs []string
}

func analyse(body string) *analysedText {
	return &analysedText{body: body, words: text.Words(body), refs: text.RefKeys(body)}
}

// indexDoc is EntryDoc, taking the words of a text analysed ahead (see analysedKey) when the
// entry is that very text.
func indexDoc(tx *store.Tx, c desk.Case, e desk.Entry) (store.SearchDoc, bool) {
	if a, ok := tx.Memo()[analysedKey{}].(*analysedText); ok && e.Body == a.body {
		if body, ok := entryText(e); ok && body == a.body {
			return entryDoc(c, e, a.words, a.refs), true
		}
	}
	return EntryDoc(c, e)
}

// loadCase loads a case the actor may see; anything else is "not found".
func loadCase(ctx context.Context, tx *store.Tx, actor desk.Actor, id int64) (desk.Case, error) {
	c, err := tx.Case(ctx, id)
	if store.IsNotFound(err) || (err == nil && !desk.CanSeeCase(actor, c)) {
		return desk.Case{}, desk.NotFound("case", id)
	}
	return c, err
}

// requireStaff refuses commands that only the desk's own people may run.
func requireStaff(actor desk.Actor) error {
	if !desk.IsStaff(actor) {
		return desk.Forbidden("only the desk's agents may do this")
	}
	return nil
}

// notFoundAs turns a store miss into the rules' "not found" for the named object.
func notFoundAs(err error, what string, id any) error {
	if store.IsNotFound(err) {
		return desk.NotFound(what, id)
	}
	return err
}

func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := desk.AsError(err); ok {
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}

// dataString reads one string field of an entry's data.
func dataString(e desk.Entry, key string) string {
	var m map[string]any
	if len(e.Data) == 0 || json.Unmarshal(e.Data, &m) != nil {
		return ""
	}
	v, _ := m[key].(string)
	return v
}
