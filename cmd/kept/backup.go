package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"github.com/keptdesk/kept/internal/store"
)

// kept backup writes a consistent copy of a desk while it runs; kept restore puts one into an
// empty place and verifies it. SQLite: the copy is a SQLite file (VACUUM INTO). PostgreSQL:
// pg_dump's custom format, restored with pg_restore (both from PostgreSQL's client tools).

const backupUsage = `kept backup --to FILE [--data DIR | --db URL]

Writes a consistent copy of the desk while it runs. SQLite (a data folder): a SQLite file made
with VACUUM INTO. PostgreSQL: pg_dump's custom format, made by pg_dump (PostgreSQL's client
tools must be installed). Restore either with kept restore. kept serve --backup-dir DIR makes
them on a schedule.
`

const restoreUsage = `kept restore [--data DIR | --db URL] FILE

Puts a copy kept backup made into an empty or missing data folder (SQLite) or an empty
database (PostgreSQL, with pg_restore), then verifies it as kept verify does. A copy that does
not verify is not restored: nothing of it is left where kept serve would start on it.
`

func backup(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("backup", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, backupUsage, "\nFlags:\n"); fs.PrintDefaults() }
	cfg := dbFlags(fs)
	to := fs.String("to", "", "the file to write (it must not exist)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *to == "" {
		return fmt.Errorf("%w: --to FILE is required", errUsage)
	}
	if err := backupTo(ctx, *cfg, *to); err != nil {
		return err
	}
	how := "a SQLite copy made with VACUUM INTO"
	if cfg.URL != "" {
		how = "pg_dump's custom format, made by pg_dump"
	}
	fmt.Fprintf(stdout, "backed up %s to %s (%s); restore it with kept restore\n", cfg.Describe(), *to, how)
	return nil
}

// backupTo writes a consistent copy of the desk cfg names into the file to, which must not
// exist: SQLite's VACUUM INTO through a read-only connection of its own (beside a running
// serve), or pg_dump's custom format.
func backupTo(ctx context.Context, cfg store.Config, to string) error {
	if _, err := os.Stat(to); err == nil {
		return fmt.Errorf("%s exists: a backup never overwrites a file", to)
	}
	if cfg.URL != "" {
		return pgTool(ctx, "pg_dump", cfg.URL, "--format=custom", "--no-owner", "--file", to)
	}
	cfg.ReadOnly, cfg.Lock = true, false
	st, err := store.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.CheckSchema(ctx); err != nil {
		return err
	}
	return st.BackupTo(ctx, to)
}

// backupSchedule is serve's own backups: one into dir every interval, named by its time
// (kept-20261205T230000Z.backup), keeping the newest keep of them. On PostgreSQL with several
// nodes, give it to one node.
type backupSchedule struct {
	cfg   store.Config
	dir   string
	every time.Duration
	keep  int
	log   *slog.Logger
	// failed tells the admins (service.BackupFailed); nil: the log line only.
	failed func(dir string, err error)
}

func (b backupSchedule) run(ctx context.Context) error {
	t := time.NewTicker(b.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-t.C:
			if _, err := b.once(ctx, now); err != nil && ctx.Err() == nil {
				b.log.Error("scheduled backup failed; the next is tried at its time", "dir", b.dir, "err", err)
				if b.failed != nil {
					b.failed(b.dir, err)
				}
			}
		}
	}
}

// once writes the backup of now and removes the oldest beyond keep; it returns the file.
func (b backupSchedule) once(ctx context.Context, now time.Time) (string, error) {
	if err := os.MkdirAll(b.dir, 0o750); err != nil {
		return "", fmt.Errorf("backup folder: %w", err)
	}
	file := filepath.Join(b.dir, "kept-"+now.UTC().Format("20060102T150405Z")+".backup")
	part := file + ".part" // a crash midway leaves no file that looks whole
	_ = os.Remove(part)
	if err := backupTo(ctx, b.cfg, part); err != nil {
		_ = os.Remove(part)
		return "", err
	}
	if err := os.Rename(part, file); err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	b.log.Info("backed up", "file", file)
	old, err := filepath.Glob(filepath.Join(b.dir, "kept-*.backup"))
	if err != nil {
		return file, err
	}
	slices.Sort(old) // the names sort by time
	for len(old) > b.keep {
		if err := os.Remove(old[0]); err != nil {
			return file, fmt.Errorf("remove an old backup: %w", err)
		}
		b.log.Info("removed an old backup", "file", old[0], "keep", b.keep)
		old = old[1:]
	}
	return file, nil
}

// kept restore never leaves a copy that failed its check where serve would start on it.
// SQLite: the copy is checked in a folder of its own inside the data folder and moved into
// place only once it verifies. PostgreSQL: pg_restore writes into the database itself, in one
// transaction (a restore that stops partway leaves nothing); a copy that then fails its check
// is dropped again, object by object, leaving what the database held before.
func restore(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("restore", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, restoreUsage, "\nFlags:\n"); fs.PrintDefaults() }
	cfg := dbFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: kept restore [--data DIR | --db URL] FILE", errUsage)
	}
	from := fs.Arg(0)
	kind, err := backupKind(from)
	if err != nil {
		return err
	}
	if cfg.URL != "" {
		if kind != "postgres" {
			return fmt.Errorf("%s is not a PostgreSQL backup (kept backup of a PostgreSQL desk, pg_dump's custom format)%s", from, kindHint(kind))
		}
		return restorePostgres(ctx, *cfg, from, stdout, stderr)
	}
	if kind != "sqlite" {
		return fmt.Errorf("%s is not a SQLite backup (kept backup of a desk in a data folder)%s", from, kindHint(kind))
	}
	return restoreSQLite(ctx, *cfg, from, stdout, stderr)
}

// backupKind says what a backup file is by its first bytes: "sqlite", "postgres" (pg_dump's
// custom format) or "" (neither).
func backupKind(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("read the backup: %w", err)
	}
	defer f.Close()
	head := make([]byte, 16)
	n, _ := io.ReadFull(f, head)
	switch {
	case n == 16 && string(head) == "SQLite format 3\x00":
		return "sqlite", nil
	case n >= 5 && string(head[:5]) == "PGDMP":
		return "postgres", nil
	}
	return "", nil
}

// kindHint says how a backup of the other kind is restored.
func kindHint(kind string) string {
	switch kind {
	case "sqlite":
		return ": it is a SQLite backup, restored with --data DIR"
	case "postgres":
		return ": it is a PostgreSQL backup, restored with --db URL"
	}
	return ": it is neither kind of backup kept makes"
}

func restoreSQLite(ctx context.Context, cfg store.Config, from string, stdout, stderr io.Writer) error {
	dir := cfg.DataDir
	staging := filepath.Join(dir, ".restoring")
	entries, err := os.ReadDir(dir)
	if len(entries) == 1 && entries[0].Name() == filepath.Base(staging) {
		// What a restore stopped halfway left: never a desk.
		if err := os.RemoveAll(staging); err != nil {
			return fmt.Errorf("remove an earlier restore's copy: %w", err)
		}
		entries = nil
	}
	if err == nil && len(entries) > 0 {
		return fmt.Errorf("%s is not empty: restore into an empty or missing data folder", dir)
	}
	made := errors.Is(err, os.ErrNotExist)
	undo := func() {
		os.RemoveAll(staging)
		if made {
			os.Remove(dir)
		}
	}
	if err := os.MkdirAll(staging, 0o750); err != nil {
		undo()
		return fmt.Errorf("create the data folder: %w", err)
	}
	if err := copyFile(from, filepath.Join(staging, "kept.db")); err != nil {
		undo()
		return err
	}
	fmt.Fprintf(stdout, "restoring %s into %s: verifying it first\n", from, cfg.Describe())
	staged := cfg
	staged.DataDir = staging
	if err := verify(ctx, dbArgs(staged), nil, stdout, stderr); err != nil {
		undo()
		return notRestored(stderr, from, dir+" is as it was", err)
	}
	if err := os.Rename(filepath.Join(staging, "kept.db"), filepath.Join(dir, "kept.db")); err != nil {
		undo()
		return notRestored(stderr, from, dir+" is as it was", err)
	}
	os.RemoveAll(staging)
	fmt.Fprintf(stdout, "restored %s into %s\n", from, cfg.Describe())
	return nil
}

func restorePostgres(ctx context.Context, cfg store.Config, from string, stdout, stderr io.Writer) error {
	st, err := store.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	empty, err := st.IsEmpty(ctx)
	if err != nil {
		return err
	}
	if !empty {
		return fmt.Errorf("%s is not empty: restore into an empty database", cfg.Describe())
	}
	if _, err := exec.LookPath("pg_restore"); err != nil {
		return fmt.Errorf("pg_restore is needed for PostgreSQL (PostgreSQL's client tools): %w", err)
	}
	before, err := st.SchemaObjects(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restoring %s into %s with pg_restore, then verifying it\n", from, cfg.Describe())
	// One transaction: a restore that fails partway leaves nothing.
	if err := pgTool(ctx, "pg_restore", cfg.URL, "--no-owner", "--single-transaction", "--exit-on-error", from); err != nil {
		return notRestored(stderr, from, "nothing of it was written", err)
	}
	if err := verify(ctx, dbArgs(cfg), nil, stdout, stderr); err != nil {
		// Only what the restore wrote goes: whatever the database held before stays.
		if derr := st.DropObjectsBut(context.WithoutCancel(ctx), before); derr != nil {
			return fmt.Errorf("the backup does not verify (%w), and what it wrote could not all be dropped again: %w", err, derr)
		}
		return notRestored(stderr, from, "what it wrote is dropped again", err)
	}
	fmt.Fprintf(stdout, "restored %s into %s\n", from, cfg.Describe())
	return nil
}

// notRestored says a backup was not restored and what was left; a copy that failed its check
// was listed by verify above, which ends with its exit code alone.
func notRestored(stderr io.Writer, from, left string, err error) error {
	var failed verifyFailed
	if errors.As(err, &failed) {
		fmt.Fprintf(stderr, "kept restore: %s was not restored: it does not verify (above); %s\n", from, left)
		return err
	}
	return fmt.Errorf("%s was not restored (%s): %w", from, left, err)
}

// dbArgs are the flags naming a desk, for a command run after another.
func dbArgs(cfg store.Config) []string {
	if cfg.URL != "" {
		return []string{"--db", cfg.URL}
	}
	return []string{"--data", cfg.DataDir}
}

// pgTool runs one of PostgreSQL's client tools on the database of a URL. A search_path in the
// URL (Kept's own parameter for another schema) is not libpq's: it is given to pg_dump as the
// schema to dump, and refused for pg_restore, which restores the schema the dump names.
func pgTool(ctx context.Context, tool, rawURL string, args ...string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("the database URL: %w", err)
	}
	q := u.Query()
	if schema := q.Get("search_path"); schema != "" {
		if tool != "pg_dump" {
			return errors.New("restore into a whole database: pg_restore puts a dump back into the schema it came from")
		}
		args = append(args, "--schema="+schema)
		q.Del("search_path")
		u.RawQuery = q.Encode()
	}
	path, err := exec.LookPath(tool)
	if err != nil {
		return fmt.Errorf("%s is needed for PostgreSQL (PostgreSQL's client tools): %w", tool, err)
	}
	cmd := exec.CommandContext(ctx, path, append([]string{"--dbname", u.String()}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %v\n%s", tool, err, out)
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s: %w", from, err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
