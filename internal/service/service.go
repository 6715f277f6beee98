// Package service runs the desk's commands and queries. Every command is one function that
// runs one transaction: load the state, ask the rules (desk) what follows, store the entries,
// the case row and its search text together. The API, and later mail, timers and the UI, call
// these functions and never write SQL themselves. Every read checks what the actor may see.
package service

import (
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/keptdesk/kept/internal/auth"
	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
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
	Hooks      bool // webhook deliveries were queued
}

// Service runs commands against one store.
type Service struct {
	store    *store.Store
	clock    clock.Clock
	log      *slog.Logger
	onCommit func(Event)
	onRead   func() // called as each read of the store begins (see WithReads)
	mailCfg  MailConfig
	mailKeys *mailKeys
	ingest   *mailGroups
	tokenUse *tokenUses   // when this process last wrote each API token's use
	records  *recordCache // encoded record entries, kept for good (recordcache.go)
	clockOK  *clockGuard  // whether the wall clock may be trusted with timers (clockguard.go)
	// searchQ indexes mail's words after its commit (searchqueue.go).
	searchQ *searchQueue
	// teamAddrs are the addresses teams take mail at, as the mail door last read them (maildoor.go).
	teamAddrs *atomic.Pointer[teamAddresses]
	// hooks are the active webhook endpoints as commands last read them (webhooks.go).
	hooks        *atomic.Pointer[hookList]
	hooksPrivate bool // webhook endpoints may be on loopback or private addresses
	// autos are the active automations as commands last read them (automations.go).
	autos *atomic.Pointer[autoList]
	// portalMail writes and reports portal sign-in links (portal.go); set by the web pages.
	portalMail *atomic.Pointer[PortalLinkMail]
	// linkBase is where the desk is reached from outside, for links in mails commands write
	// (agreement.go); set by the web pages.
	linkBase *atomic.Pointer[string]
	// sealer seals second factors' keys in the database (WithSecretKey); nil: in the clear.
	sealer *auth.Sealer
	// bound is set on a copy made by Batch or ReadAs: its commands and reads all join this
	// transaction.
	bound *store.Tx
}

// Option adjusts a Service.
type Option func(*Service)

// WithEvents calls fn after each committed change.
func WithEvents(fn func(Event)) Option { return func(s *Service) { s.onCommit = fn } }

// WithReads calls fn as each read the service runs on the store begins (a read transaction,
// or a loose read): a test counts what a page costs, which the page cannot see for itself.
func WithReads(fn func()) Option { return func(s *Service) { s.onRead = fn } }

// WithClock sets where "now" comes from (a demo's past, a test's fake clock).
func WithClock(clk clock.Clock) Option { return func(s *Service) { s.clock = clk } }

// WithSecretKey seals the keys of agents' second factors in the database with this 256-bit
// key (see auth.Sealer); without it they are stored in the clear, and never shown again.
func WithSecretKey(key []byte) Option {
	return func(s *Service) {
		sealer, err := auth.NewSealer(key)
		if err != nil {
			panic(err) // a key of the wrong length: auth.ParseKey makes only 32-byte keys
		}
		s.sealer = sealer
	}
}

// WithLog sets where the service logs.
func WithLog(log *slog.Logger) Option { return func(s *Service) { s.log = log } }

// New returns a Service on st using clk for "now".
func New(st *store.Store, clk clock.Clock, log *slog.Logger, opts ...Option) *Service {
	s := &Service{store: st, clock: clk, log: log, onCommit: func(Event) {}, onRead: func() {}, mailKeys: &mailKeys{}, ingest: &mailGroups{}, searchQ: &searchQueue{}, tokenUse: &tokenUses{}, records: newRecordCache(DefaultRecordCacheBytes), clockOK: &clockGuard{}, teamAddrs: &atomic.Pointer[teamAddresses]{}, hooks: &atomic.Pointer[hookList]{}, autos: &atomic.Pointer[autoList]{},
		portalMail: &atomic.Pointer[PortalLinkMail]{}, linkBase: &atomic.Pointer[string]{}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// now is the clock's time in the precision both databases keep.
func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Microsecond) }

// appendAs appends the customer's message (desk.AddMessage's drafts) to the case's record as
// from, the customer: as a contact (appendContact: it may answer, escalate, bring them in) or,
// not contact, only on the record (an automatic reply, an answer to a resolution). It returns
// the message's entry: the first, as a customer brings no introduction before it.
func (s *Service) appendAs(w *work, from desk.Actor, c *desk.Case, drafts []desk.Draft, contact bool) (desk.Entry, error) {
	var entries []desk.Entry
	err := w.as(from, func() (err error) {
		if contact {
			entries, err = s.appendContact(w, c, drafts)
		} else {
			entries, err = s.appendRecord(w, c, drafts)
		}
		return err
	})
	if err != nil {
		return desk.Entry{}, err
	}
	return entries[0], nil
}

// appendRecord chains drafts onto the case's record, stores and indexes them, saves the case
// row and queues what the customer should read of them: the one way anything is added to a
// record. The entries' ids are set in the slice returned once they are written (at the latest
// when the command commits).
func (s *Service) appendRecord(w *work, c *desk.Case, drafts []desk.Draft) ([]desk.Entry, error) {
	entries, err := recordEntries(w, c, drafts)
	if err != nil {
		return nil, err
	}
	if err := s.queueMail(w, *c, entries); err != nil {
		return nil, err
	}
	if err := s.queueWebhooks(w, *c, entries); err != nil {
		return nil, err
	}
	if err := s.triggerEntries(w, *c, entries); err != nil {
		return nil, err
	}
	return entries, nil
}

// recordEntries chains drafts onto the case's record, writes and indexes them and saves the
// case: what every entry takes. appendRecord adds what the entries set off (mail, webhooks,
// automations); an import's past history sets off none of that.
func recordEntries(w *work, c *desk.Case, drafts []desk.Draft) ([]desk.Entry, error) {
	entries, err := desk.Chain(c, drafts, w.now)
	if err != nil {
		return nil, err
	}
	if err := w.tx.AppendEntries(w.ctx, entries); err != nil {
		return nil, err
	}
	for _, e := range entries {
		if doc, ok := w.indexDoc(*c, e); ok {
			if err := w.tx.Index(w.ctx, doc); err != nil {
				return nil, err
			}
		}
	}
	if err := w.tx.SaveCase(w.ctx, *c); err != nil {
		return nil, err
	}
	w.changed(Event{CaseID: c.ID, Entries: len(entries)})
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
		if d, _ := desk.DataOf[desk.CallData](e); d.Transcript != "" {
			body += "\n" + d.Transcript
		}
	default:
		return "", false
	}
	return body, true
}

// entryDoc names the entry by its seq when it has no id yet (appended in this transaction).
func entryDoc(c desk.Case, e desk.Entry, words, refs []string) store.SearchDoc {
	d := store.SearchDoc{CaseID: c.ID, CustomerID: c.CustomerID, EntryID: e.ID, Internal: e.Internal, Words: words, Refs: refs}
	if d.EntryID == 0 {
		d.EntrySeq = e.Seq
	}
	return d
}

// analysedText is a text with its words and reference keys (text.Words, text.RefKeys).
type analysedText struct {
	body        string
	words, refs []string
}

func analyse(body string) *analysedText {
	return &analysedText{body: body, words: text.Words(body), refs: text.RefKeys(body)}
}

// indexDoc is EntryDoc, taking the words of the text mail intake analysed while parsing (in
// parallel, so that its single committer does not) when the entry is that very text.
func (w *work) indexDoc(c desk.Case, e desk.Entry) (store.SearchDoc, bool) {
	if a := w.analysed; a != nil && e.Body == a.body {
		if body, ok := entryText(e); ok && body == a.body {
			return entryDoc(c, e, a.words, a.refs), true
		}
	}
	return EntryDoc(c, e)
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

// ignoreNotFound is nil for a store miss: a row gone meanwhile (a timer's case, an agent the
// table asks about) leaves nothing to do, not an error.
func ignoreNotFound(err error) error {
	if store.IsNotFound(err) {
		return nil
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
