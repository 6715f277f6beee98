package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// kept import brings a team's history in from another desk. The command reads the source's
// files; the service writes what it read, a batch of customers or cases per unit of work
// (service.ImportCustomers, service.ImportCases), remembering each source id, so a second run
// adds nothing and an interrupted one goes on where it stopped.

const importUsage = `kept import zendesk|freshdesk|mbox|csv [--data DIR | --db URL] [--dry-run] [--json] [flags] PATH

  zendesk PATH    a folder as Zendesk's API list endpoints return them: tickets.json {"tickets":[…]}
                  (more pages: tickets-2.json …), users.json {"users":[…]}, groups.json,
                  organizations.json, comments/{ticket_id}.json {"comments":[…]}, and optionally
                  attachments/{attachment_id}/{file_name} with the files' bytes;
                  or a file of Zendesk's JSON data export (one ticket a line, its comments inside),
                  with users.json beside it if the export has one
  freshdesk PATH  a folder as Freshdesk's API returns them: tickets.json (each ticket with its
                  "conversations"), contacts.json, companies.json, agents.json, groups.json,
                  and optionally attachments/{attachment_id}/{name}
  mbox PATH       a mailbox file; threads are rebuilt from Message-ID, In-Reply-To and References;
                  mail from the desk's own addresses (--mail-address, the teams' addresses) is the
                  agents'
  csv PATH        customers, one a line, with the header
                  name,email,phone,language,timezone,reference_kind,reference_value
                  (columns in any order; only name and email or phone are needed; a customer with
                  more references takes more lines with the same email)

Imported cases keep their original times, authors, public messages (message_in/message_out) and
private notes (internal notes), and attachments (stored as documents when their bytes are in the
export, else named with their address). Each record starts with an "imported" entry naming the
source and id. Solved and closed tickets are closed, the rest open. The desk's agents are matched
by email; a source's agent who is not here is kept by name on their entries, and their cases go to
--owner (default: the first active admin). Running it again adds nothing (counted as skipped).
`

// errDryRun rolls a dry run's transaction back.
var errDryRun = errors.New("dry run: nothing written")

// importBatch is how many cases go in one unit of work: few enough that an interrupted import
// loses seconds of work, many enough that each table is written in a few statements a batch
// and the commit's disk sync is paid once a thousand tickets.
const importBatch = 1000

type importFlags struct {
	dryRun, asJSON  bool
	owner, mailAddr string
	mapFile         string
	writeMap        string
}

// importSource is one format's reader: what it found, handed to the service in batches.
type importSource interface {
	// people are the source's customers (and agents, marked) to bring in before the cases.
	people() []service.ImportPerson
	// count is how many cases the source has (for the progress line).
	count() int
	// cases calls fn with the source's cases, a batch at a time.
	cases(batch int, fn func([]service.ImportCase) error) error
	// mapping is what the admin may map: the statuses, groups, agents and ticket types the source uses.
	mapping() importMap
}

// inBatches builds a case of each of a source's items and hands them to fn batch at a time:
// the cases method of a source that holds its items, or an index of them, in memory. A build
// that fails (a mail no longer readable where the index found it) stops it.
func inBatches[T any](items []T, batch int, build func(T) (service.ImportCase, error), fn func([]service.ImportCase) error) error {
	var out []service.ImportCase
	for _, t := range items {
		c, err := build(t)
		if err != nil {
			return err
		}
		out = append(out, c)
		if len(out) == batch {
			if err := fn(out); err != nil {
				return err
			}
			out = nil
		}
	}
	if len(out) > 0 {
		return fn(out)
	}
	return nil
}

// importMap is the mapping file: source statuses to open/closed, groups to team names, agents
// (by the source's id) to desk agents' emails, ticket types to the desk's case types.
type importMap struct {
	Statuses map[string]string `json:"statuses"`
	Groups   map[string]string `json:"groups"`
	Agents   map[string]string `json:"agents"`
	Types    map[string]string `json:"types"`
}

func importCmd(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("import", stderr)
	cfg := dbFlags(fs)
	var f importFlags
	fs.BoolVar(&f.dryRun, "dry-run", false, "report what would be created, and write nothing")
	fs.BoolVar(&f.asJSON, "json", false, "end with a JSON line of the counts")
	fs.StringVar(&f.owner, "owner", "", "email of the agent who owns cases whose assignee is not at this desk (default: the first active admin)")
	fs.StringVar(&f.mailAddr, "mail-address", envOr("KEPT_MAIL_ADDRESS", "support@localhost"), "the desk's own address (mbox: its mail is the agents')")
	fs.StringVar(&f.mapFile, "map", "", "a mapping file (written by --write-map, edited) for statuses, groups, agents and ticket types")
	fs.StringVar(&f.writeMap, "write-map", "", "write the source's statuses, groups, agents and ticket types to this file to edit, and import nothing")
	fs.Usage = func() {
		fmt.Fprint(stderr, importUsage, "\nFlags:\n")
		fs.PrintDefaults()
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			fs.Usage()
			return flag.ErrHelp
		}
		return fmt.Errorf("%w: name the source: kept import zendesk|freshdesk|mbox|csv [flags] PATH", errUsage)
	}
	format := args[0]
	// Flags may come before or after the path.
	var paths []string
	rest := args[1:]
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		if fs.NArg() == 0 {
			break
		}
		paths = append(paths, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(paths) != 1 {
		return fmt.Errorf("%w: kept import %s [flags] PATH takes one path", errUsage, format)
	}
	path := paths[0]
	var m importMap
	if f.mapFile != "" {
		b, err := os.ReadFile(f.mapFile)
		if err != nil {
			return fmt.Errorf("read the mapping file: %w", err)
		}
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("read the mapping file %s: %w", f.mapFile, err)
		}
		for s, to := range m.Statuses {
			if to != string(desk.StatusOpen) && to != string(desk.StatusClosed) {
				return fmt.Errorf("the mapping file %s maps status %q to %q: use open or closed", f.mapFile, s, to)
			}
		}
	}
	started := time.Now()
	// Reading comes first and takes a while on a large export (a multi-GB mailbox is read
	// through to index it): say so, rather than sit silent until the progress line.
	fmt.Fprintf(stderr, "import: reading %s\n", path)
	var src importSource
	var err error
	switch format {
	case "zendesk":
		src, err = readZendesk(path)
	case "freshdesk":
		src, err = readFreshdesk(path)
	case "mbox":
		src, err = readMbox(path, f.mailAddr)
	case "csv":
		src, err = readCustomersCSV(path)
	default:
		return fmt.Errorf("%w: unknown source %q: zendesk, freshdesk, mbox or csv", errUsage, format)
	}
	if err != nil {
		return err
	}
	read := fmt.Sprintf("import: read %s in %s", filepath.Base(path), time.Since(started).Round(time.Millisecond))
	if n := src.count(); n > 0 { // a customers file has none
		read += fmt.Sprintf(": %d cases", n)
	}
	fmt.Fprintln(stderr, read)
	if f.writeMap != "" {
		return writeImportMap(f.writeMap, src.mapping(), stdout)
	}
	log := newLogger(stderr)
	if f.dryRun && cfg.URL == "" {
		// A dry run writes nothing, not even a new desk's database: with none in the data
		// folder yet, it runs against an empty one of its own, removed after.
		if _, err := os.Stat(filepath.Join(cfg.DataDir, "kept.db")); errors.Is(err, os.ErrNotExist) {
			tmp, err := os.MkdirTemp("", "kept-dry-run-")
			if err != nil {
				return fmt.Errorf("dry run: %w", err)
			}
			defer os.RemoveAll(tmp)
			fmt.Fprintf(stderr, "import: no desk in %s yet: the dry run counts against an empty one\n", cfg.DataDir)
			cfg.DataDir = tmp
		}
	}
	svc, closeDB, err := openService(ctx, *cfg, log)
	if err != nil {
		return err
	}
	defer closeDB()
	opt := service.ImportOptions{Source: format, File: filepath.Base(filepath.Clean(path)), Owner: f.owner,
		Agents: m.Agents, Teams: m.Groups, Statuses: m.Statuses, Types: m.Types}
	if mb, ok := src.(*mbox); ok {
		if err := mb.markDesk(ctx, svc); err != nil {
			return err
		}
	}
	unknown, err := svc.CheckImport(ctx, desk.SystemActor(), opt)
	if err != nil {
		return err
	}
	if len(unknown) > 0 {
		// Not refused: a mapping written by --write-map names every agent of the old desk,
		// and those who never worked here are rightly kept by name. Said, in case of a typo.
		fmt.Fprintf(stderr, "import: the mapping names agents this desk has no agent at (%s): their entries keep them by name and their cases go to the default owner\n",
			strings.Join(unknown, ", "))
	}
	var prog *progress
	var total service.ImportCounts
	run := func(svc *service.Service) error {
		actor := desk.SystemActor()
		people := src.people()
		// The people first, with a progress of their own: a customers file is nothing else,
		// and a large one said nothing until it was done.
		prog = newProgress(stderr, len(people), "customers and agents")
		for start := 0; start < len(people); start += 500 {
			batch := people[start:min(start+500, len(people))]
			n, err := svc.ImportCustomers(ctx, actor, opt, batch)
			if err != nil {
				return err
			}
			total.Add(n)
			prog.add(len(batch))
		}
		prog.done()
		prog = newProgress(stderr, src.count(), "cases")
		if err := readAhead(ctx, src, func(batch []service.ImportCase) error {
			n, err := svc.ImportCases(ctx, actor, opt, batch)
			if err != nil {
				return err
			}
			total.Add(n)
			prog.add(len(batch))
			return nil
		}); err != nil {
			return err
		}
		return svc.EndImport(ctx, actor)
	}
	if f.dryRun {
		err = svc.Batch(ctx, func(b *service.Service) error {
			if err := run(b); err != nil {
				return err
			}
			return errDryRun
		})
		if errors.Is(err, errDryRun) {
			err = nil
		}
	} else {
		err = run(svc)
	}
	if prog != nil {
		prog.done()
	}
	if err != nil {
		return fmt.Errorf("%w (what was imported before stays; run the same command again to go on)", err)
	}
	verb := "imported"
	if f.dryRun {
		verb = "would import (dry run, nothing written)"
	}
	fmt.Fprintf(stdout, "%s from %s %s: %d customers, %d cases, %d entries, %d attachments, %d agents; %d skipped (imported before) in %s\n",
		verb, format, path, total.Customers, total.Cases, total.Entries, total.Attachments, total.Agents, total.Skipped, time.Since(started).Round(time.Millisecond))
	if f.asJSON {
		out := struct {
			service.ImportCounts
			Source string `json:"source"`
			DryRun bool   `json:"dry_run"`
		}{total, format, f.dryRun}
		b, _ := json.Marshal(out) // plain numbers and strings always encode
		fmt.Fprintln(stdout, string(b))
	}
	return nil
}

// readAhead hands the source's cases to fn a batch at a time, reading (and decoding) the next
// batches while fn writes this one: one goroutine decodes the source, another analyses the
// decoded batch's texts for search (service.PrepareImport), so on two cores the writer, the
// import's bound, does little else. The first error (the reader's or fn's) ends all.
func readAhead(ctx context.Context, src importSource, fn func([]service.ImportCase) error) error {
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	decoded := make(chan []service.ImportCase, 1)
	batches := make(chan []service.ImportCase, 1)
	read := make(chan error, 1)
	go func() {
		defer close(decoded)
		read <- src.cases(importBatch, func(batch []service.ImportCase) error {
			select {
			case decoded <- batch:
				return nil
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		})
	}()
	go func() {
		defer close(batches)
		for batch := range decoded {
			service.PrepareImport(batch)
			select {
			case batches <- batch:
			case <-ctx.Done():
				for range decoded { // let the reader see the end and go
				}
				return
			}
		}
	}()
	for batch := range batches {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(batch); err != nil {
			stop(err)
			for range batches { // let the stages see the end and go
			}
			return err
		}
	}
	return <-read
}

// writeImportMap writes the mapping file for the admin to edit and pass back with --map.
func writeImportMap(file string, m importMap, stdout io.Writer) error {
	for _, mm := range []*map[string]string{&m.Statuses, &m.Groups, &m.Agents, &m.Types} {
		if *mm == nil {
			*mm = map[string]string{}
		}
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(file, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write the mapping file: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %s: %d statuses, %d groups, %d agents, %d types; edit it (statuses: open or closed; groups: a team's name, \"\" for none; agents: a desk agent's email; types: a case type of the desk, \"\" for none) and import with --map %s\n",
		file, len(m.Statuses), len(m.Groups), len(m.Agents), len(m.Types), file)
	return nil
}

// typeMap is the default mapping of the ticket types seen: each to the desk's case type of the
// same name (none, at import, if the desk has no such type).
func typeMap(types map[string]bool) map[string]string {
	out := map[string]string{}
	for t := range types {
		if t != "" {
			out[t] = t
		}
	}
	return out
}

// statusMap is the default mapping of the statuses seen.
func statusMap(statuses []string) map[string]string {
	out := map[string]string{}
	for _, s := range statuses {
		if s != "" {
			out[s] = string(desk.ImportedStatus(s))
		}
	}
	return out
}

// progress reports an import's progress on standard error: a line redrawn on a terminal
// (count, rate, time left), else a log line per thousand cases.
type progress struct {
	w        io.Writer
	terminal bool
	unit     string // what is counted: "cases"
	total    int
	n        int
	start    time.Time
	last     time.Time
	logged   int
}

func newProgress(w io.Writer, total int, unit string) *progress {
	return &progress{w: w, terminal: isTerminal(w), unit: unit, total: total, start: time.Now()}
}

func (p *progress) add(n int) {
	p.n += n
	now := time.Now()
	switch {
	case p.terminal && now.Sub(p.last) >= 200*time.Millisecond:
		p.last = now
		fmt.Fprintf(p.w, "\r%s", p.line(now))
	case !p.terminal && p.n/1000 > p.logged:
		p.logged = p.n / 1000
		fmt.Fprintf(p.w, "import: %s\n", p.line(now))
	}
}

func (p *progress) line(now time.Time) string {
	el := now.Sub(p.start).Seconds()
	rate := 0.0
	if el > 0 {
		rate = float64(p.n) / el
	}
	left := "?"
	if rate > 0 && p.total >= p.n {
		left = time.Duration(float64(p.total-p.n) / rate * float64(time.Second)).Round(time.Second).String()
	}
	return fmt.Sprintf("%d/%d %s, %.0f/s, %s left   ", p.n, p.total, p.unit, rate, left)
}

func (p *progress) done() {
	if p.terminal && p.n > 0 {
		fmt.Fprintf(p.w, "\r%s\n", p.line(time.Now()))
	}
}

// sortedKeys are a set's members in order.
func sortedKeys(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
