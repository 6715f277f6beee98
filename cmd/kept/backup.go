package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/keptdesk/kept/internal/store"
)

// kept backup writes a consistent copy of a desk while it runs; kept restore puts one into an
// empty place and verifies it. SQLite: the copy is a SQLite file (VACUUM INTO). PostgreSQL:
// pg_dump's custom format, restored with pg_restore (both from PostgreSQL's client tools).

func backup(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("backup", stderr)
	cfg := dbFlags(fs)
	to := fs.String("to", "", "the file to write (it must not exist)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *to == "" {
		return fmt.Errorf("%w: --to FILE is required", errUsage)
	}
	if _, err := os.Stat(*to); err == nil {
		return fmt.Errorf("%s exists: a backup never overwrites a file", *to)
	}
	if cfg.URL != "" {
		if err := pgTool(ctx, "pg_dump", cfg.URL, "--format=custom", "--no-owner", "--file", *to); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "backed up %s to %s\n", cfg.Describe(), *to)
		return nil
	}
	cfg.ReadOnly = true
	st, err := store.Open(ctx, *cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.CheckSchema(ctx); err != nil {
		return err
	}
	if err := st.BackupTo(ctx, *to); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s to %s\n", cfg.Describe(), *to)
	return nil
}

func restore(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("restore", stderr)
	cfg := dbFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: kept restore [--data DIR | --db URL] FILE", errUsage)
	}
	from := fs.Arg(0)
	if _, err := os.Stat(from); err != nil {
		return fmt.Errorf("read the backup: %w", err)
	}
	if cfg.URL != "" {
		st, err := store.Open(ctx, *cfg)
		if err != nil {
			return err
		}
		empty, err := st.IsEmpty(ctx)
		st.Close()
		if err != nil {
			return err
		}
		if !empty {
			return fmt.Errorf("%s is not empty: restore into an empty database", cfg.Describe())
		}
		if err := pgTool(ctx, "pg_restore", cfg.URL, "--no-owner", "--exit-on-error", from); err != nil {
			return err
		}
	} else {
		if entries, err := os.ReadDir(cfg.DataDir); err == nil && len(entries) > 0 {
			return fmt.Errorf("%s is not empty: restore into an empty or missing data folder", cfg.DataDir)
		}
		if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
			return fmt.Errorf("create the data folder: %w", err)
		}
		if err := copyFile(from, filepath.Join(cfg.DataDir, "kept.db")); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "restored %s into %s; verifying it\n", from, cfg.Describe())
	return verify(ctx, dbArgs(*cfg), nil, stdout, stderr)
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
