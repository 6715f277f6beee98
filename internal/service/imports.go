package service

import (
	"context"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/text"
)

// Imports bring a team's history in from another desk (kept import): customers, and cases with
// their records as they happened there (original times, authors, public messages and private
// notes, attachments). The command line reads the source's files; these methods write what it
// read, a batch of customers or cases in one unit of work, so an interrupted import keeps what
// it committed and a second run finds it (the imports table, by the source's ids) and adds
// nothing. Imported history is past: it mails nobody, calls no webhook and starts no clock.

// ImportOptions say where a batch comes from and how the source's people and groups map here.
type ImportOptions struct {
	Source string // "zendesk", "freshdesk", "mbox", "csv": the imports' namespace
	File   string // the file or folder read, named on each case's first entry
	// Owner is the email of the agent who owns cases whose assignee is not at this desk; ""
	// picks the desk's first active admin (or agent).
	Owner string
	// Agents maps a source agent (by id or email) to a desk agent's email; Teams maps a source
	// group to a team name (a new name creates the team); Statuses maps a source status to
	// "open" or "closed"; Types maps a source's ticket type to a case type of the desk ("" for
	// none), so the imported history counts for the estimates of that type's cases. Unmapped
	// agents are matched by email, groups left without a team, statuses mapped by
	// desk.ImportedStatus, and types taken as the desk's case type of the same name if it has one.
	Agents, Teams, Statuses, Types map[string]string
}

// ImportPerson is someone as the source names them: a customer (end-user) or one of its agents.
type ImportPerson struct {
	SourceID    string // the source's id for them ("" when it gives none)
	Name, Email string
	Phone       string
	Agent       bool // one of the source desk's agents
	Lang        string
	Timezone    string
	CreatedAt   time.Time
	// References are more things the customer is known by (an organisation, an account).
	References []desk.Reference
}

// ImportFile is an attachment: its bytes when the export carried them (stored as a document),
// else where they were.
type ImportFile struct {
	Filename, ContentType, URL string
	Size                       int64
	Inline                     bool
	Content                    []byte
}

// ImportEntry is one message or note of an imported case.
type ImportEntry struct {
	At        time.Time
	Author    ImportPerson
	Public    bool // false: a private note of the desk's people
	Body      string
	Subject   string
	MessageID string
	Files     []ImportFile
	// Mail is the raw mail a customer's message came as (an mbox's): kept as the stored mail,
	// as intake keeps what it receives, with the HTML the mail parser made safe to show and
	// what it found wrong with the mail.
	Mail     []byte
	SafeHTML string
	Problems []string

	analysed *importAnalysed // its text analysed for search ahead of the writer (PrepareImport)
}

// importAnalysed is an imported entry's text as the record keeps it, with its words and
// references for search, deduplicated.
type importAnalysed struct {
	body string
	doc  store.SearchDoc // no case or entry yet
}

// PrepareImport analyses the texts of a batch's entries for search: the part of an import's
// work that needs nothing from the desk, and most of what ImportCases did beside the database.
// A reader calls it on the next batch while ImportCases writes this one, so on two cores it
// is off the writer's path; ImportCases analyses what it was not given analysed.
func PrepareImport(cases []ImportCase) {
	for i := range cases {
		for j := range cases[i].Entries {
			e := &cases[i].Entries[j]
			body := importText(e.Body)
			e.analysed = &importAnalysed{body: body, doc: store.SearchDoc{Words: text.Words(body), Refs: text.RefKeys(body)}.Cleaned()}
		}
	}
}

// ImportCase is a ticket or mail thread to bring in.
type ImportCase struct {
	SourceID  string
	URL       string
	Requester ImportPerson
	Assignee  ImportPerson // no Email and SourceID: nobody
	Group     string       // the source's group, mapped to a team by ImportOptions.Teams
	Subject   string
	Channel   string // the desk's channel (see desk.ImportedChannel)
	Status    string // the source's status
	Type      string // the source's ticket type (Zendesk's question, incident…), mapped by ImportOptions.Types
	CreatedAt time.Time
	Entries   []ImportEntry
	// MergedInto is the source's id of the ticket this one was merged into there ("" for
	// none): once both are here, the case is linked to the other as the desk's merges are.
	MergedInto string
}

// ImportCounts is what an import created, and what it found already there (Skipped).
type ImportCounts struct {
	Customers   int `json:"customers"`
	Cases       int `json:"cases"`
	Entries     int `json:"entries"`
	Attachments int `json:"attachments"`
	Skipped     int `json:"skipped"`
	Agents      int `json:"agents"`
}

// Add adds another batch's counts.
func (c *ImportCounts) Add(o ImportCounts) {
	c.Customers += o.Customers
	c.Cases += o.Cases
	c.Entries += o.Entries
	c.Attachments += o.Attachments
	c.Skipped += o.Skipped
	c.Agents += o.Agents
}

const (
	importCustomer = "customer"
	importCase     = "case"
)

// importer is one batch's unit of work: the people it has found or made, by the source's ids
// and by email.
type importer struct {
	s         *Service
	w         *work
	opt       ImportOptions
	counts    ImportCounts
	customers map[string]desk.Customer // by "id:…" or "email:…"
	agents    map[string]*desk.Agent   // by email; nil: no such agent here
	owner     *desk.Agent
	teams     map[string]int64     // team ids by name (ImportOptions.Teams)
	caseTypes map[string]bool      // the desk's case types by name, read once a batch
	made      []store.ImportedRow  // what it made, remembered as the batch ends
	spans     []store.ImportedSpan // how long work took in the cases made: the estimates' history
	merges    []store.ImportMerge  // cases the source merged into another, linked at the import's end
}

// finish remembers what the batch made, by the source's ids.
func (im *importer) finish() (ImportCounts, error) {
	if err := im.w.tx.AddImportedSpans(im.w.ctx, im.spans); err != nil {
		return im.counts, err
	}
	if err := im.w.tx.AddImportMerges(im.w.ctx, im.merges, im.w.now); err != nil {
		return im.counts, err
	}
	return im.counts, im.w.tx.AddImported(im.w.ctx, im.made, im.w.now)
}

func (im *importer) made1(kind, externalID string, localID int64) {
	im.made = append(im.made, store.ImportedRow{Source: im.opt.Source, Kind: kind, ExternalID: externalID, LocalID: localID})
}

// ImportCustomers brings in customers (a CSV's, a source's end-users), with their contact
// points and references, in one unit of work. A customer already imported, or already at the
// desk by email or phone, is skipped.
func (s *Service) ImportCustomers(ctx context.Context, actor desk.Actor, opt ImportOptions, people []ImportPerson) (ImportCounts, error) {
	if err := gate(actor, ActImport); err != nil {
		return ImportCounts{}, err
	}
	var counts ImportCounts
	err := s.write(ctx, actor, func(w *work) error {
		im, err := s.newImporter(w, opt, people)
		if err != nil {
			return err
		}
		for _, p := range people {
			if p.Agent {
				continue
			}
			if _, created, err := im.customer(p); err != nil {
				return err
			} else if !created {
				im.counts.Skipped++
			}
		}
		counts, err = im.finish()
		return err
	})
	return counts, wrap("import customers", err)
}

// CheckImport refuses, before anything is written, options an import could not run with: an
// owner who is not an active agent of the desk, a case type the desk does not have. It also
// says which agents the mapping names that the desk has no agent at: their entries keep them
// by name and their cases go to the default owner, as for an agent the mapping leaves out.
func (s *Service) CheckImport(ctx context.Context, actor desk.Actor, opt ImportOptions) (unknownAgents []string, err error) {
	if err := gate(actor, ActImport); err != nil {
		return nil, err
	}
	err = s.read(ctx, actor, func(w *work) error {
		im := &importer{s: s, w: w, opt: opt, agents: map[string]*desk.Agent{}}
		for _, from := range slices.Sorted(maps.Keys(opt.Types)) {
			if _, err := im.caseType(from); err != nil {
				return err
			}
		}
		for _, from := range slices.Sorted(maps.Keys(opt.Agents)) {
			to := strings.ToLower(strings.TrimSpace(opt.Agents[from]))
			if to == "" {
				continue
			}
			a, err := w.tx.AgentByEmail(w.ctx, to)
			if store.IsNotFound(err) || (err == nil && a.Role == desk.RolePartner) {
				unknownAgents = append(unknownAgents, from+" → "+opt.Agents[from])
			} else if err != nil {
				return err
			}
		}
		if opt.Owner == "" {
			return nil
		}
		_, err := im.defaultOwner() // with an owner named, it only reads
		return err
	})
	return unknownAgents, err
}

// ImportCases brings in cases with their records, in one unit of work. A case imported before
// (by its source id) is skipped whole.
func (s *Service) ImportCases(ctx context.Context, actor desk.Actor, opt ImportOptions, cases []ImportCase) (ImportCounts, error) {
	if err := gate(actor, ActImport); err != nil {
		return ImportCounts{}, err
	}
	var counts ImportCounts
	err := s.write(ctx, actor, func(w *work) error {
		// Each text once, into the main index, and a batch's pages kept in memory until its
		// commit: EndImport catches the recent tables up and shrinks the cache.
		w.tx.LeaveRecentBehind()
		if err := w.tx.GrowCache(w.ctx); err != nil {
			return err
		}
		var people []ImportPerson
		ids := make([]string, 0, len(cases))
		for _, c := range cases {
			ids = append(ids, c.SourceID)
			people = append(people, c.Requester)
			for _, e := range c.Entries {
				people = append(people, e.Author)
			}
		}
		im, err := s.newImporter(w, opt, people)
		if err != nil {
			return err
		}
		done, err := w.tx.Imported(w.ctx, opt.Source, importCase, ids)
		if err != nil {
			return err
		}
		todo := make([]ImportCase, 0, len(cases))
		for _, c := range cases {
			if _, ok := done[c.SourceID]; ok {
				im.counts.Skipped++
				continue
			}
			done[c.SourceID] = 0 // a source listing a ticket twice brings it once
			todo = append(todo, c)
		}
		if err := im.importCases(todo); err != nil {
			return err
		}
		counts, err = im.finish()
		return err
	})
	return counts, wrap("import cases", err)
}

// EndImport ends an import that wrote cases: the search tables its batches left behind (see
// store.Tx.LeaveRecentBehind) are caught up, so searches take their quick path again, and the
// writing connection's page cache is as it was (store.Tx.GrowCache), and PostgreSQL's planner
// knows the tables as the import left them (store.Store.GatherStatistics). An import that
// stopped before it leaves the tables to the desk's next write (searches are right either way),
// the cache to the process's end and the statistics to autovacuum.
func (s *Service) EndImport(ctx context.Context, actor desk.Actor) error {
	if err := gate(actor, ActImport); err != nil {
		return err
	}
	if s.bound != nil {
		// A dry run's writes are rolled back; its cache stays to the process's end (the
		// bound transaction holds the one writing connection).
		return nil
	}
	if err := s.linkImportMerges(ctx, actor); err != nil {
		return fmt.Errorf("end import: %w", err)
	}
	if _, err := s.store.SealSearch(ctx, nil); err != nil {
		return fmt.Errorf("end import: %w", err)
	}
	if err := s.store.ShrinkCache(ctx); err != nil {
		return fmt.Errorf("end import: %w", err)
	}
	if err := s.store.GatherStatistics(ctx); err != nil {
		return fmt.Errorf("end import: %w", err)
	}
	return nil
}

// linkImportMerges links the imported cases their source had merged into another ticket to
// the case that ticket became, once it is here: the case points to it (mail to its thread
// lands there) and each record says so, in the words of the desk's own merges. The cases
// stay as imported (the merged one closed), and as with the rest of the imported history no
// webhook or automation hears of it. A ticket merged into one merged further is linked to
// where that went. One merged into a case of another customer is not linked (the desk
// merges only one customer's cases; its note still names the other). One whose target is not
// here yet waits for a later import. A few hundred a transaction, so the writer is not held.
func (s *Service) linkImportMerges(ctx context.Context, actor desk.Actor) error {
	const perTx = 200
	for after := int64(0); ; {
		var last int64
		var done bool
		err := s.write(ctx, actor, func(w *work) error {
			merges, err := w.tx.ImportMerges(w.ctx, after, perTx)
			if err != nil {
				return err
			}
			done = len(merges) < perTx
			// The targets' local ids, a lookup a source for the whole step.
			targets := map[string]map[string]int64{}
			for _, m := range merges {
				if targets[m.Source] == nil {
					var ids []string
					for _, o := range merges {
						if o.Source == m.Source {
							ids = append(ids, o.IntoExternal)
						}
					}
					if targets[m.Source], err = w.tx.Imported(w.ctx, m.Source, importCase, ids); err != nil {
						return err
					}
				}
			}
			for _, m := range merges {
				last = m.CaseID
				if err := linkImportMerge(w, m, targets[m.Source]); err != nil {
					return fmt.Errorf("link case %d to %s ticket %s: %w", m.CaseID, m.Source, m.IntoExternal, err)
				}
			}
			return nil
		})
		if err != nil || done {
			return err
		}
		after = last
	}
}

// linkImportMerge links one imported case to the case its source merged it into, if that is
// here (imported: the local ids of the source's cases), and forgets the merge once linked or
// found not linkable.
func linkImportMerge(w *work, m store.ImportMerge, imported map[string]int64) error {
	intoID, ok := imported[m.IntoExternal]
	if !ok {
		return nil // not imported yet
	}
	if err := w.lockCases([]int64{m.CaseID, intoID}); err != nil {
		return err
	}
	from, err := w.loadCase(m.CaseID)
	if err != nil {
		return err
	}
	to, err := w.loadCase(intoID)
	if err == nil {
		to, err = mergedTarget(w, to)
	}
	if err != nil {
		return err
	}
	if from.ID != to.ID && from.MergedInto == 0 && from.CustomerID == to.CustomerID {
		from.MergedInto = to.ID
		// As the import writes its history: no mail, webhook or automation hears of it.
		if _, err := recordEntries(w, from, []desk.Draft{{Kind: desk.KindMerged, Actor: w.actor,
			Body: fmt.Sprintf("Merged into %s (in %s, before the import).", to.Ref(), m.Source), Data: desk.MergedData{Into: to.ID}}}); err != nil {
			return err
		}
		if _, err := recordEntries(w, to, []desk.Draft{{Kind: desk.KindMerged, Actor: w.actor,
			Body: fmt.Sprintf("%s merged in (in %s, before the import).", from.Ref(), m.Source), Data: desk.MergedData{From: from.ID}}}); err != nil {
			return err
		}
	}
	return w.tx.DropImportMerge(w.ctx, m.CaseID)
}

// newImporter starts a batch: the customers it names that earlier imports made are read at once.
func (s *Service) newImporter(w *work, opt ImportOptions, people []ImportPerson) (*importer, error) {
	im := &importer{s: s, w: w, opt: opt, customers: map[string]desk.Customer{}, agents: map[string]*desk.Agent{}}
	var ids []string
	for _, p := range people {
		if p.SourceID != "" && !p.Agent {
			ids = append(ids, p.SourceID)
		}
	}
	slices.Sort(ids)
	known, err := w.tx.Imported(w.ctx, opt.Source, importCustomer, slices.Compact(ids))
	if err != nil {
		return nil, err
	}
	local := make([]int64, 0, len(known))
	for _, id := range known {
		local = append(local, id)
	}
	// Set-wise: a batch of a thousand tickets names hundreds of customers. Only their names
	// are needed (entries name them); their contact points are not read.
	found, err := w.tx.CustomerNames(w.ctx, local)
	if err != nil {
		return nil, err
	}
	for ext, id := range known {
		c, ok := found[id]
		if !ok {
			return nil, fmt.Errorf("customer %d of %s user %s: %w", id, opt.Source, ext, store.ErrNotFound)
		}
		im.customers["id:"+ext] = c
	}
	return im, nil
}

// customer finds or makes the customer a source's person is: by the source's id, then by
// email or phone; a new one keeps the source's id as a reference.
func (im *importer) customer(p ImportPerson) (desk.Customer, bool, error) {
	w := im.w
	if p.SourceID != "" {
		if c, ok := im.customers["id:"+p.SourceID]; ok {
			return c, false, nil
		}
	}
	contacts := importContacts(p)
	for _, cp := range contacts {
		key := cp.Kind + ":" + cp.Value
		c, ok := im.customers[key]
		if !ok {
			found, err := w.tx.CustomerAt(w.ctx, cp)
			if store.IsNotFound(err) {
				continue
			} else if err != nil {
				return c, false, err
			}
			c = found
		}
		// A customer the desk has already takes the references the source knows them by,
		// its own id among them, as a new one does (once: a second run adds none).
		refs, err := desk.ValidateReferences("references", im.sourceRefs(p))
		if err != nil {
			return c, false, err
		}
		for _, r := range refs {
			if err := w.tx.AddReference(w.ctx, c.ID, r, w.now); err != nil {
				return c, false, err
			}
		}
		return c, false, im.remember(p, c)
	}
	c := desk.Customer{Name: strings.TrimSpace(importText(p.Name)), Contacts: contacts, CreatedAt: w.now}
	if !p.CreatedAt.IsZero() {
		c.CreatedAt = p.CreatedAt.UTC().Truncate(time.Microsecond)
	}
	if c.Name == "" {
		c.Name = p.Email
	}
	if c.Name == "" {
		c.Name = fmt.Sprintf("%s user %s", im.opt.Source, p.SourceID)
	}
	c.Name = truncateRunes(c.Name, 200)
	if lang := strings.ToLower(strings.TrimSpace(p.Lang)); slices.Contains(desk.Languages(), lang) {
		c.Lang = lang
	}
	if tz := strings.TrimSpace(p.Timezone); tz != "" && tz != "Local" {
		if _, err := time.LoadLocation(tz); err == nil {
			c.Timezone = tz
		}
	}
	var err error
	if c.References, err = desk.ValidateReferences("references", im.sourceRefs(p)); err != nil {
		return c, false, err
	}
	if err := w.tx.InsertCustomer(w.ctx, &c); err != nil {
		return c, false, err
	}
	im.counts.Customers++
	w.keepCustomer(c)
	return c, true, im.remember(p, c)
}

// sourceRefs are the references a source's person keeps at the desk: the source's id for them
// ("zendesk_user" 361001), so they are found by it, and those the source gave.
func (im *importer) sourceRefs(p ImportPerson) []desk.Reference {
	if p.SourceID == "" {
		return p.References
	}
	return append([]desk.Reference{{Kind: im.opt.Source + "_user", Value: p.SourceID}}, p.References...)
}

// remember notes what a source's person is here, for this batch and (by the source's id) for
// later runs.
func (im *importer) remember(p ImportPerson, c desk.Customer) error {
	for _, cp := range c.Contacts {
		im.customers[cp.Kind+":"+cp.Value] = c
	}
	if p.SourceID == "" {
		return nil
	}
	if _, ok := im.customers["id:"+p.SourceID]; ok {
		return nil
	}
	im.customers["id:"+p.SourceID] = c
	im.made1(importCustomer, p.SourceID, c.ID)
	return nil
}

// importContacts are the person's email and phone as the desk keeps them; what does not read
// as one is left out (the source's data is what it is).
func importContacts(p ImportPerson) []desk.Contact {
	var out []desk.Contact
	for _, c := range []struct{ kind, value string }{{desk.ContactEmail, p.Email}, {desk.ContactPhone, p.Phone}} {
		if strings.TrimSpace(c.value) == "" {
			continue
		}
		if cp, err := desk.CanonicalContact(c.kind, c.kind, c.value); err == nil {
			out = append(out, cp)
		}
	}
	return out
}

// agent is the desk agent a source's agent is: by the mapping, else by email; nil when the
// desk has none (the entry then keeps the author by name).
func (im *importer) agent(p ImportPerson) (*desk.Agent, error) {
	email := strings.ToLower(strings.TrimSpace(p.Email))
	for _, k := range []string{p.SourceID, p.Email, email} {
		if m, ok := im.opt.Agents[k]; ok && k != "" {
			email = strings.ToLower(strings.TrimSpace(m))
			break
		}
	}
	if email == "" {
		return nil, nil
	}
	if a, ok := im.agents[email]; ok {
		return a, nil
	}
	a, err := im.w.tx.AgentByEmail(im.w.ctx, email)
	if store.IsNotFound(err) || (err == nil && a.Role == desk.RolePartner) {
		im.agents[email] = nil
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	im.w.keepAgent(a)
	im.agents[email] = &a
	return &a, nil
}

// defaultOwner owns the cases whose assignee is not at the desk: the agent named in the
// options, else the first active admin, else the first active agent. A desk with no agent at
// all gets one for the imported cases, who can be given a password later.
func (im *importer) defaultOwner() (desk.Agent, error) {
	if im.owner != nil {
		return *im.owner, nil
	}
	w := im.w
	var owner desk.Agent
	if im.opt.Owner != "" {
		a, err := im.agent(ImportPerson{Email: im.opt.Owner})
		if err != nil {
			return owner, err
		}
		if a == nil || !a.Active {
			return owner, desk.Invalid("owner", "no active agent %s at the desk to own the imported cases", im.opt.Owner)
		}
		owner = *a
	} else {
		agents, err := w.tx.Agents(w.ctx)
		if err != nil {
			return owner, err
		}
		for _, a := range agents {
			if desk.MayOwnNewCase(a) && (owner.ID == 0 || (a.Role == desk.RoleAdmin && owner.Role != desk.RoleAdmin)) {
				owner = a
			}
		}
		if owner.ID == 0 {
			a, err := desk.ValidateAgent(desk.NewAgent{Name: "Imported cases", Email: "import@localhost", Role: string(desk.RoleAgent)}, w.now)
			if err != nil {
				return owner, err
			}
			if err := w.tx.InsertAgent(w.ctx, &a); err != nil {
				return owner, err
			}
			im.counts.Agents++
			owner = a
		}
	}
	w.keepAgent(owner)
	im.owner = &owner
	return owner, nil
}

// author is who an entry names: the desk's agent, the customer, or (for someone the desk does
// not have: a source agent with no account here, a deleted user) their name as the source gave it.
func (im *importer) author(p ImportPerson) (desk.Actor, error) {
	if p.Agent {
		a, err := im.agent(p)
		if err != nil || a != nil {
			if a == nil {
				return desk.Actor{}, err
			}
			return desk.AgentActor(*a), nil
		}
		return desk.Actor{Kind: desk.ActorAgent, Name: personName(p, im.opt.Source)}, nil
	}
	if p.SourceID == "" && p.Email == "" && p.Phone == "" {
		return desk.Actor{Kind: desk.ActorCustomer, Name: personName(p, im.opt.Source)}, nil
	}
	c, _, err := im.customer(p)
	return desk.CustomerActor(c), err
}

func personName(p ImportPerson, source string) string {
	switch {
	case strings.TrimSpace(p.Name) != "":
		return strings.TrimSpace(p.Name)
	case p.Email != "":
		return p.Email
	case p.SourceID != "":
		return fmt.Sprintf("%s user %s", source, p.SourceID)
	}
	return "unknown"
}

// caseType is the desk's case type for a source's ticket type: the mapped one, which must be
// one of the desk's (a mapping naming none is refused before anything is written, see
// CheckImport); unmapped or mapped to its own name (as the written mapping file has it), the
// desk's type of the same name if it has one, else none.
func (im *importer) caseType(from string) (string, error) {
	to, mapped := im.opt.Types[from]
	if !mapped || to == from {
		to, mapped = from, false
	}
	to = strings.TrimSpace(to)
	if to == "" {
		return "", nil
	}
	if im.caseTypes == nil {
		types, err := im.w.tx.CaseTypes(im.w.ctx)
		if err != nil {
			return "", err
		}
		im.caseTypes = make(map[string]bool, len(types))
		for _, ct := range types {
			im.caseTypes[ct.Name] = true
		}
	}
	switch {
	case im.caseTypes[to]:
		return to, nil
	case mapped:
		return "", desk.Invalid("types", "the mapping maps type %q to %q, which is not a case type of this desk: create it first, or map to \"\" for none", from, to)
	}
	return "", nil
}

// status is the desk's status for a source's, through the mapping.
func (im *importer) status(s string) desk.Status {
	if m, ok := im.opt.Statuses[s]; ok {
		s = m
	}
	return desk.ImportedStatus(s)
}

// importCases writes a batch's cases: first each case's row is made ready (its customer and
// owner found or made), then the rows are inserted together, then each case's record (the
// "imported" entry first, then every message and note at its own time), its participants,
// documents and search text, which the store writes set-wise as the batch ends.
func (im *importer) importCases(cases []ImportCase) error {
	ready := make([]importing, len(cases))
	rows := make([]*desk.Case, len(cases))
	for i, in := range cases {
		if err := im.prepareCase(in, &ready[i]); err != nil {
			return fmt.Errorf("%s %s: %w", im.opt.Source, in.SourceID, err)
		}
		rows[i] = &ready[i].c
	}
	if err := im.w.tx.InsertCases(im.w.ctx, rows); err != nil {
		return err
	}
	for i := range ready {
		if err := im.recordCase(&ready[i]); err != nil {
			return fmt.Errorf("%s %s: %w", im.opt.Source, ready[i].in.SourceID, err)
		}
	}
	// Hashing the records and analysing their texts is most of an import's own work, and
	// touches nothing shared: a worker a core, the writer one of them. The writer works too
	// rather than waiting: beside the import's reading stages the workers were often not
	// running, and the writer waited for them a tenth of the import (go tool trace, -pprof=sync).
	var next atomic.Int64
	errs := make([]error, len(ready))
	chain := func() {
		for i := int(next.Add(1) - 1); i < len(ready); i = int(next.Add(1) - 1) {
			errs[i] = chainCase(&ready[i], im.w.now, ready[i].in.SourceID)
		}
	}
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(ready)) - 1 {
		wg.Go(chain)
	}
	chain()
	wg.Wait()
	for i := range ready {
		err := errs[i]
		if err == nil {
			err = im.importCase(&ready[i])
		}
		if err != nil {
			return fmt.Errorf("%s %s: %w", im.opt.Source, ready[i].in.SourceID, err)
		}
	}
	return nil
}

// importing is a case of a batch on its way in.
type importing struct {
	in      ImportCase
	cust    desk.Customer
	owner   desk.Agent
	entries []ImportEntry // by time
	c       desk.Case     // its row, with its id once inserted
	cp      *desk.Case    // the row as the command keeps it (work.keepCase)
	drafts  []desk.Draft
	mails   []mailLink // stored mails and the entries they become
	chained []desk.Entry
	docs    []store.SearchDoc
}

// team is the id of the team a source's group maps to (made when the desk has none by that
// name), once per batch.
func (im *importer) team(name string) (int64, error) {
	if id, ok := im.teams[name]; ok {
		return id, nil
	}
	id, err := im.w.tx.EnsureTeam(im.w.ctx, name, im.w.now)
	if err != nil {
		return 0, err
	}
	if im.teams == nil {
		im.teams = map[string]int64{}
	}
	im.teams[name] = id
	return id, nil
}

// prepareCase makes a case's row ready to insert: its customer, owner, team and subject.
func (im *importer) prepareCase(in ImportCase, p *importing) error {
	w := im.w
	cust, _, err := im.customer(in.Requester)
	if err != nil {
		return err
	}
	owner, err := im.caseOwner(in.Assignee)
	if err != nil {
		return err
	}
	created := in.CreatedAt.UTC().Truncate(time.Microsecond)
	if created.IsZero() {
		created = w.now
	}
	entries := slices.Clone(in.Entries)
	slices.SortStableFunc(entries, func(a, b ImportEntry) int { return a.At.Compare(b.At) })
	c := desk.Case{CustomerID: cust.ID, Subject: importSubject(in, entries), Status: im.status(in.Status), TeamID: owner.TeamID,
		OwnerID: owner.ID, Channel: in.Channel, Flags: []string{}, CreatedAt: created, UpdatedAt: created}
	if c.Channel == "" {
		c.Channel = "email"
	}
	if team := im.opt.Teams[in.Group]; team != "" {
		if c.TeamID, err = im.team(team); err != nil {
			return err
		}
	}
	if c.Type, err = im.caseType(in.Type); err != nil {
		return err
	}
	for _, e := range entries {
		if e.Public && !e.Author.Agent {
			c.OriginalRequest = importText(e.Body)
			break
		}
	}
	if c.OriginalRequest == "" && len(entries) > 0 {
		c.OriginalRequest = importText(entries[0].Body)
	}
	*p = importing{in: in, cust: cust, owner: owner, entries: entries, c: c}
	return nil
}

// recordCase makes ready the record of a case whose row is inserted: its drafts (the
// "imported" entry first, then every message and note; their authors found or made, their
// attachments stored) and its participants.
func (im *importer) recordCase(p *importing) error {
	w, in, cust, owner, entries := im.w, p.in, p.cust, p.owner, p.entries
	created := p.c.CreatedAt
	cp := w.keepCase(p.c)
	p.cp = cp
	w.keepParticipants(cp.ID, nil)
	im.made1(importCase, in.SourceID, cp.ID)
	drafts := []desk.Draft{desk.Imported(desk.ImportedData{File: im.opt.File, ImportedAt: desk.InstantOf(w.now), Source: im.opt.Source,
		SourceID: in.SourceID, Status: in.Status, URL: in.URL, Subject: cp.Subject, OriginalSHA256: desk.TextSHA256(cp.OriginalRequest)}, created)}
	parts := []desk.Participant{desk.ParticipantFor(desk.CustomerActor(cust), created), desk.ParticipantFor(desk.AgentActor(owner), created)}
	for _, e := range entries {
		d, mailID, err := im.entryDraft(cp, e)
		if err != nil {
			return err
		}
		if d.Actor.ID != 0 {
			parts = append(parts, desk.ParticipantFor(d.Actor, d.At))
		}
		if mailID != 0 {
			p.mails = append(p.mails, mailLink{mailID, int64(len(drafts) + 1)})
		}
		drafts = append(drafts, d)
	}
	unanswered := 0
	for _, d := range drafts {
		switch d.Kind {
		case desk.KindMessageIn:
			unanswered++
		case desk.KindMessageOut:
			unanswered = 0
		}
	}
	if cp.Status == desk.StatusOpen {
		cp.Unanswered = unanswered
	}
	for _, p := range parts {
		if _, err := w.participate(cp, p); err != nil {
			return err
		}
	}
	p.drafts = drafts
	return nil
}

// chainCase chains a case's record and analyses its texts for search: the part of an import
// that reads and writes nothing but the case, run for a batch's cases side by side.
func chainCase(p *importing, now time.Time, sourceID string) error {
	cp := p.cp
	chained, err := desk.Chain(cp, p.drafts, now)
	if err != nil {
		return err
	}
	cp.UpdatedAt = p.c.CreatedAt
	for _, e := range chained {
		if e.At.After(cp.UpdatedAt) {
			cp.UpdatedAt = e.At
		}
	}
	p.chained = chained
	refs := append(text.RefKeys(cp.Subject), text.RefKey(sourceID))
	p.docs = append(p.docs, store.SearchDoc{CaseID: cp.ID, CustomerID: cp.CustomerID, Words: text.Words(cp.Subject), Refs: refs}.Cleaned())
	for k, e := range chained {
		// chained[0] is the "imported" entry; then p.entries, one each, in order.
		if k > 0 && k <= len(p.entries) {
			if a := p.entries[k-1].analysed; a != nil {
				if body, ok := entryText(e); ok && body == a.body {
					doc := a.doc
					doc.CaseID, doc.CustomerID, doc.EntryID, doc.Internal = cp.ID, cp.CustomerID, e.ID, e.Internal
					if e.ID == 0 {
						doc.EntrySeq = e.Seq
					}
					p.docs = append(p.docs, doc)
					continue
				}
			}
		}
		if doc, ok := EntryDoc(*cp, e); ok {
			p.docs = append(p.docs, doc.Cleaned())
		}
	}
	return nil
}

// importCase writes a chained case: its entries, search texts and row, and its spans of
// history for the estimates.
func (im *importer) importCase(p *importing) error {
	w, cp := im.w, p.cp
	if err := w.tx.AppendEntries(w.ctx, p.chained); err != nil {
		return err
	}
	// The case's history counts for the estimates of promises on the desk's cases (story 16).
	for _, sp := range desk.ImportedSpans(*cp, p.chained) {
		im.spans = append(im.spans, store.ImportedSpan{CaseID: cp.ID, CaseType: cp.Type, ImportedSpan: sp})
	}
	for _, d := range p.docs {
		if err := w.tx.Index(w.ctx, d); err != nil {
			return err
		}
	}
	if err := w.tx.SaveCase(w.ctx, *cp); err != nil {
		return err
	}
	for _, m := range p.mails {
		if err := w.tx.SetMailEntry(w.ctx, m.mailID, cp.ID, m.seq); err != nil {
			return err
		}
	}
	if p.in.MergedInto != "" {
		im.merges = append(im.merges, store.ImportMerge{CaseID: cp.ID, Source: im.opt.Source, IntoExternal: p.in.MergedInto})
	}
	im.counts.Cases++
	im.counts.Entries += len(p.chained)
	w.changed(Event{CaseID: cp.ID, Entries: len(p.chained)})
	return nil
}

// mailLink is a stored mail and the seq of the entry it became.
type mailLink struct{ mailID, seq int64 }

// caseOwner is the desk agent the source's assignee is, when they are here and active, else
// the default owner.
func (im *importer) caseOwner(p ImportPerson) (desk.Agent, error) {
	if p.Email != "" || p.SourceID != "" {
		p.Agent = true
		a, err := im.agent(p)
		if err != nil {
			return desk.Agent{}, err
		}
		if a != nil && desk.MayOwnNewCase(*a) {
			return *a, nil
		}
	}
	return im.defaultOwner()
}

// entryDraft is one imported message or note: a customer's public words are a message in, an
// agent's a message out, private ones an internal note; attachments whose bytes came along are
// stored as the customer's documents.
func (im *importer) entryDraft(c *desk.Case, e ImportEntry) (desk.Draft, int64, error) {
	actor, err := im.author(e.Author)
	if err != nil {
		return desk.Draft{}, 0, err
	}
	files, err := im.files(c, actor, e)
	if err != nil {
		return desk.Draft{}, 0, err
	}
	var mailID int64
	d := desk.Draft{Actor: actor, Body: importText(e.Body), At: e.At, Channel: c.Channel}
	switch {
	case !e.Public:
		d.Kind, d.Internal, d.Channel = desk.KindNote, true, ""
		if len(files) > 0 {
			d.Data = desk.NoteData{Files: files}
		}
	case actor.Kind == desk.ActorAgent:
		d.Kind = desk.KindMessageOut
		if len(files) > 0 {
			d.Data = desk.MessageOutData{Files: files}
		}
	default:
		d.Kind = desk.KindMessageIn
		data := desk.MessageInData{Files: files, Subject: e.Subject, MessageID: e.MessageID}
		if e.Author.Email != "" {
			data.From = strings.ToLower(e.Author.Email)
		}
		if len(e.Mail) > 0 {
			for _, f := range files { // the stored mail's own, in its order
				data.Attachments = append(data.Attachments, f.Filename)
			}
			m, err := im.storeMail(c, e)
			if err != nil {
				return d, 0, err
			}
			mailID, data.MailID, data.SHA256 = m.ID, m.ID, m.SHA256
			data.HTML = m.SafeHTML != ""
		}
		if data.Files != nil || data.Subject != "" || data.From != "" || data.MessageID != "" || data.MailID != 0 {
			d.Data = data
		}
	}
	return d, mailID, nil
}

// storeMail keeps a customer's imported mail whole, as intake keeps what it receives: its
// bytes, exactly as they were, are the mail the entry names. A mail the desk has already (it
// came in by intake too) is named, not stored twice.
func (im *importer) storeMail(c *desk.Case, e ImportEntry) (desk.ReceivedMail, error) {
	sum := hexSum(e.Mail)
	at := e.At.UTC().Truncate(time.Microsecond)
	if at.IsZero() {
		at = im.w.now
	}
	m := desk.ReceivedMail{SHA256: sum, Raw: e.Mail, MessageID: e.MessageID, From: strings.ToLower(e.Author.Email),
		DedupeKey: "import:" + sum, SafeHTML: e.SafeHTML, Problems: e.Problems, CaseID: c.ID, ReceivedAt: at}
	inserted, err := im.w.tx.InsertMail(im.w.ctx, &m)
	if err != nil || inserted {
		return m, err
	}
	m.ID, _, err = im.w.tx.MailByDedupeKey(im.w.ctx, m.DedupeKey)
	return m, err
}

// files records an entry's attachments; those whose bytes came along are stored as documents
// of the case's customer.
func (im *importer) files(c *desk.Case, by desk.Actor, e ImportEntry) ([]desk.File, error) {
	var out []desk.File
	for _, f := range e.Files {
		name := desk.CleanFilename(f.Filename)
		if name == "" {
			name = "attachment"
		}
		df := desk.File{ContentType: desk.CleanContentType(f.ContentType), Filename: name, Inline: f.Inline, Size: f.Size, URL: f.URL}
		if len(f.Content) > 0 && len(f.Content) <= desk.MaxDocumentSize {
			sum := hexSum(f.Content)
			at := e.At.UTC().Truncate(time.Microsecond)
			if at.IsZero() {
				at = im.w.now
			}
			doc := desk.Document{CustomerID: c.CustomerID, CaseID: c.ID, Kind: "attachment", Filename: name, ContentType: df.ContentType,
				Size: int64(len(f.Content)), SHA256: sum, By: by, CreatedAt: at}
			if err := im.w.tx.InsertDocument(im.w.ctx, &doc, f.Content); err != nil {
				return nil, err
			}
			df.DocumentID, df.Size = doc.ID, doc.Size
		}
		im.counts.Attachments++
		out = append(out, df)
	}
	return out, nil
}

// importSubject is the case's subject: the source's, else its first message's subject or
// first line, else the source's number.
func importSubject(in ImportCase, entries []ImportEntry) string {
	s := strings.TrimSpace(in.Subject)
	for _, e := range entries {
		if s != "" {
			break
		}
		s = strings.TrimSpace(e.Subject)
		if s == "" {
			s, _, _ = strings.Cut(strings.TrimSpace(e.Body), "\n")
		}
	}
	if s == "" {
		s = "#" + in.SourceID // the customer reads it as their case's title: no English words
	}
	return truncateRunes(strings.Join(strings.Fields(importText(s)), " "), 200)
}

// importText is a source's text as the record keeps it: valid UTF-8 without NUL bytes (which
// PostgreSQL refuses), at most as long as a mail's text may be.
func importText(s string) string {
	s, _ = fitText(strings.ReplaceAll(s, "\x00", "\uFFFD"), maxRecordText)
	return s
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
