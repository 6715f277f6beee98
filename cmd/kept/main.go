// Command kept is the customer-care desk that keeps its word: one binary that serves the desk,
// migrates its database, issues tokens and verifies its records.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	_ "time/tzdata" // agents' time zones work on machines without a zoneinfo database

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

const usage = `Kept — the customer-care desk that keeps its word.

Usage:
  kept serve    [--data DIR | --db URL] [--http ADDR] [--demo]   run the desk
  kept migrate  [--data DIR | --db URL]                          apply database migrations
  kept token    [--data DIR | --db URL] --email EMAIL [--role R] [--expires 90d] [--label L]
                [--integration NAME --scope customer-voice]       print a new API token
  kept token    [--data DIR | --db URL] --list                    list tokens: id, agent, created, last used, expires, revoked
  kept token    [--data DIR | --db URL] --revoke ID               revoke a token at once
  kept password [--data DIR | --db URL] --email EMAIL             set a password (read from stdin)
  kept password [--data DIR | --db URL] --email EMAIL --reset-second-factor
                                                                  remove the agent's second factor (no password read)
  kept verify   [--data DIR | --db URL] [--case REF]              check every record's hash chain
  kept verify   --export FILE                                     check an exported record
  kept export   [--data DIR | --db URL] --case REF [--out FILE]  export a record as JSON
  kept reports rebuild [--data DIR | --db URL]                     rebuild the report roll-ups from the tables
  kept backup   [--data DIR | --db URL] --to FILE                a consistent copy, while serve runs
  kept restore  [--data DIR | --db URL] FILE                     into an empty place, then verify it
  kept import   zendesk|freshdesk|mbox|csv [--data DIR | --db URL] [--dry-run] [--json] PATH
                                                                  bring in another desk's history (kept import --help)
  kept bench    [--data DIR | --db URL] [--scale S|M] [--json]    generate a desk and measure it (BENCHMARKS.md)
  kept version                                                    print the version

--data defaults to ./kept-data (SQLite inside it); --db postgres://… uses PostgreSQL.
The flags may also come from KEPT_DATA, KEPT_DB, KEPT_HTTP.
`

func main() {
	tuneGC(os.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// gcPercent is the garbage collector's target unless GOGC says otherwise. Kept's live heap is a
// few megabytes (the data lives in the database), so Go's default of 100 collects every few
// megabytes allocated: a quarter to a third of a page's CPU under load. 400 lets the heap grow
// to five times the live data (tens of MB) and collects a quarter as often.
const gcPercent = 400

// tuneGC sets the collector's target, leaving it alone when GOGC is set.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
}

// memoryLimit is serve's soft limit on the Go runtime's memory, unless GOMEMLIMIT is set. At
// GOGC 400 the heap may grow to five times what is live before a collection, and storing one
// large mail holds some 50 MiB live for a moment (its bytes, and its attachment decoded while
// it is parsed): a few such mails in a row took the heap past 400 MB. Near the limit the
// collector runs sooner instead. The everyday live heap is a few MB, far below it; the limit is
// soft, so a desk that needs more gets more, collected more often.
const memoryLimit = 128 << 20

// limitMemory sets serve's memory limit, leaving it alone when GOMEMLIMIT is set.
func limitMemory(getenv func(string) string) {
	if limit := serveMemoryLimit(getenv); limit > 0 {
		debug.SetMemoryLimit(limit)
	}
}

// serveMemoryLimit is the limit serve sets: memoryLimit, or 0 (none of its own) when
// GOMEMLIMIT is set. kept bench measures the server under the same limit; without it, the
// heap grew to five times what was live at GOGC 400 (RSS 315–380 MB at scale M).
func serveMemoryLimit(getenv func(string) string) int64 {
	if getenv("GOMEMLIMIT") != "" {
		return 0
	}
	return memoryLimit
}

// errUsage marks a mistake on the command line: the usage is printed with it.
var errUsage = errors.New("usage")

// run is main without the process: tests call it directly.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmds := map[string]func(context.Context, []string, io.Reader, io.Writer, io.Writer) error{
		"serve": serve, "migrate": migrate, "token": token, "password": password,
		"verify": verify, "export": export, "bench": benchCmd, "backup": backup, "restore": restore, "import": importCmd, "reports": reports,
		"version": func(context.Context, []string, io.Reader, io.Writer, io.Writer) error {
			fmt.Fprintln(stdout, "kept", version)
			return nil
		},
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
			fmt.Fprint(stdout, usage)
			return 0
		}
		fmt.Fprintf(stderr, "kept: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	err := cmd(ctx, args[1:], stdin, stdout, stderr)
	var failed verifyFailed
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "kept %s: %v\n", args[0], err)
		return 2
	case errors.As(err, &failed):
		return 1
	}
	fmt.Fprintf(stderr, "kept %s: %v\n", args[0], err)
	return 1
}

// dbFlags adds --data and --db to a command's flags.
func dbFlags(fs *flag.FlagSet) *store.Config {
	var cfg store.Config
	fs.StringVar(&cfg.DataDir, "data", envOr("KEPT_DATA", "kept-data"), "data folder for the embedded SQLite database")
	fs.StringVar(&cfg.URL, "db", os.Getenv("KEPT_DB"), "PostgreSQL URL (postgres://…); overrides --data")
	return &cfg
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("kept "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parse parses a command's flags, for a command that takes no other arguments.
func parse(fs *flag.FlagSet, args []string) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	return nil
}

// parseFlags parses a command's flags and leaves the arguments after them to the command: a
// wrong flag is a usage error, --help is itself.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}

func newLogger(w io.Writer) *slog.Logger {
	level := slog.LevelInfo
	if os.Getenv("KEPT_LOG") == "debug" {
		level = slog.LevelDebug
	}
	if os.Getenv("KEPT_LOG_FORMAT") == "json" {
		return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// openService opens and migrates the database and returns a service on it.
func openService(ctx context.Context, cfg store.Config, log *slog.Logger, opts ...service.Option) (*service.Service, func(), error) {
	cfg.Log = log
	st, err := store.Open(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	if err := st.Migrate(ctx, log); err != nil {
		st.Close()
		return nil, nil, err
	}
	clk, err := service.DeskClock(ctx, st)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return service.New(st, clk, log, opts...), func() { st.Close() }, nil
}

// openReader opens an existing desk to read it, changing nothing: no folder or file is made
// and no migration applied (kept verify).
func openReader(ctx context.Context, cfg store.Config, log *slog.Logger) (*service.Service, func(), error) {
	cfg.Log, cfg.ReadOnly = log, true
	st, err := store.Open(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	if err := st.CheckSchema(ctx); err != nil {
		st.Close()
		return nil, nil, err
	}
	return service.New(st, clock.System{}, log), func() { st.Close() }, nil
}

func migrate(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("migrate", stderr)
	cfg := dbFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	_, closeDB, err := openService(ctx, *cfg, newLogger(stderr))
	if err != nil {
		return err
	}
	closeDB()
	fmt.Fprintln(stdout, "database is up to date:", cfg.Describe())
	return nil
}
