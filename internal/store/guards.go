package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/pressly/goose/v3"
)

// Guards on the data a desk is started on: a file that is not a Kept database is refused, not
// taken for a new desk; a second server on one data folder is refused; a schema newer than
// the binary is refused, and a read-only command never migrates.

// ErrNoDesk says a data folder or database holds no desk (for commands that only read).
var ErrNoDesk = errors.New("no desk here")

// sqliteHeader opens every SQLite database file.
var sqliteHeader = []byte("SQLite format 3\x00")

// checkDataFile refuses a kept.db that is not a SQLite database (an empty file included); a
// missing one is a new desk, unless mustExist.
func checkDataFile(path string, mustExist bool) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		if mustExist {
			return fmt.Errorf("%s: %w (no %s)", filepath.Dir(path), ErrNoDesk, filepath.Base(path))
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	head := make([]byte, len(sqliteHeader))
	n, err := io.ReadFull(f, head)
	if n == 0 && (err == io.EOF || err == nil) {
		return fmt.Errorf("%s is empty (0 bytes), not a Kept database: move it away to start a new desk, or restore a backup into the folder", path)
	}
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if !bytes.Equal(head[:n], sqliteHeader) {
		return fmt.Errorf("%s is not a SQLite database, so not a Kept database: move it away to start a new desk, or restore a backup into the folder", path)
	}
	return nil
}

// checkKept refuses a database that holds tables but no Kept migrations (another program's).
func (s *Store) checkKept(ctx context.Context) error {
	var tables, kept int
	q := `SELECT COUNT(*), COUNT(CASE WHEN name = 'goose_db_version' THEN 1 END) FROM sqlite_master WHERE type = 'table'`
	if s.d.name == "postgres" {
		q = `SELECT COUNT(*), COUNT(CASE WHEN table_name = 'goose_db_version' THEN 1 END) FROM information_schema.tables WHERE table_schema = current_schema()`
	}
	if err := s.writer.QueryRowContext(ctx, q).Scan(&tables, &kept); err != nil {
		return fmt.Errorf("look at the database's tables: %w", err)
	}
	if tables > 0 && kept == 0 {
		return fmt.Errorf("%s holds %d tables of another program, not a Kept desk: give Kept a data folder or database of its own", s.Describe(), tables)
	}
	return nil
}

// Describe names the database for messages: the data folder, or the PostgreSQL URL without
// its password.
func (s *Store) Describe() string { return s.cfg.Describe() }

// lockDataDir takes the data folder's lock for a server, so a second server on the same folder
// is refused rather than both writing one database; the lock ends with the process (also on a
// crash) or when the file is closed.
func lockDataDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "kept.lock"), os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("lock the data folder: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("another kept serve is using %s: stop it first, or give this one its own --data", dir)
		}
		return nil, fmt.Errorf("lock the data folder: %w", err)
	}
	return f, nil
}

func closeLock(f *os.File) {
	if f != nil {
		f.Close()
	}
}

// refuseNewer refuses a database with a migration applied that p does not know.
func (s *Store) refuseNewer(ctx context.Context, p *goose.Provider) error {
	known := map[int64]bool{0: true}
	for _, src := range p.ListSources() {
		known[src.Version] = true
	}
	q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'goose_db_version'`
	if s.d.name == "postgres" {
		q = `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'goose_db_version'`
	}
	var n int
	if err := s.writer.QueryRowContext(ctx, q).Scan(&n); err != nil || n == 0 {
		return err // a new desk has no table yet
	}
	rows, err := s.writer.QueryContext(ctx, `SELECT DISTINCT version_id FROM goose_db_version WHERE is_applied`)
	if err != nil {
		return fmt.Errorf("read the applied migrations: %w", err)
	}
	defer rows.Close()
	var unknown int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return fmt.Errorf("read the applied migrations: %w", err)
		}
		if !known[v] && v > unknown {
			unknown = v
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read the applied migrations: %w", err)
	}
	if unknown != 0 {
		return fmt.Errorf("%s was last used by a newer Kept (it has migration %05d, which this binary does not know): run that version, or restore a backup made with this one", s.Describe(), unknown)
	}
	return nil
}

// QuickCheck asks SQLite whether the database file is sound (PRAGMA quick_check: every page
// and index readable, without comparing index contents); PostgreSQL checks its pages itself.
// It returns what SQLite found wrong, nothing when the file is sound.
func (s *Store) QuickCheck(ctx context.Context) ([]string, error) {
	if s.d.name != "sqlite" {
		return nil, nil
	}
	var faults []string
	err := sqlTx{db: s.reader}.eachRow(ctx, func(row scanner) error {
		line, err := scanValue[string](row)
		if err == nil && line != "ok" {
			faults = append(faults, line)
		}
		return err
	}, `PRAGMA quick_check`)
	if err != nil {
		return nil, fmt.Errorf("check the database file: %w", err)
	}
	return faults, nil
}

// BackupTo writes a consistent copy of a SQLite desk to path (a new file; VACUUM INTO reads
// one snapshot, so a running server goes on meanwhile). PostgreSQL is backed up with its own
// tools (kept backup runs pg_dump).
func (s *Store) BackupTo(ctx context.Context, path string) error {
	if s.d.name != "sqlite" {
		return errors.New("back up PostgreSQL with pg_dump")
	}
	if _, err := s.writer.ExecContext(ctx, `VACUUM INTO $1`, path); err != nil {
		return fmt.Errorf("back up to %s: %w", path, err)
	}
	return nil
}

// SchemaObject is a table, view, sequence or function in the PostgreSQL schema the desk uses,
// as DROP names it: for kept restore, which drops what a failed restore wrote and nothing that
// was there before it (a database found without tables may still hold an extension's
// functions, or a DBA's).
type SchemaObject struct{ Kind, Name string }

// SchemaObjects lists the objects in the desk's PostgreSQL schema, those that depend on others
// first (views, then tables, then sequences and functions).
func (s *Store) SchemaObjects(ctx context.Context) ([]SchemaObject, error) {
	if s.d.name != "postgres" {
		return nil, errors.New("schema objects: PostgreSQL only")
	}
	var out []SchemaObject
	err := s.Read(ctx, func(t *Tx) (err error) {
		out, err = listOf(ctx, t, "the schema's objects", func(row scanner) (SchemaObject, error) {
			var o SchemaObject
			err := row.Scan(&o.Kind, &o.Name)
			return o, err
		}, `SELECT kind, name FROM (
		SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END AS kind,
			quote_ident(c.relname) AS name, CASE WHEN c.relkind IN ('v', 'm') THEN 1 WHEN c.relkind = 'S' THEN 3 ELSE 2 END AS o
		FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
		UNION ALL
		SELECT 'FUNCTION', quote_ident(p.proname) || '(' || pg_get_function_identity_arguments(p.oid) || ')', 4
		FROM pg_proc p WHERE p.pronamespace = current_schema()::regnamespace AND p.prokind = 'f') x ORDER BY o, name`)
		return err
	})
	return out, err
}

// DropObjectsBut drops the objects in the desk's PostgreSQL schema that are not in keep (what
// was there before a restore), with what depends on them.
func (s *Store) DropObjectsBut(ctx context.Context, keep []SchemaObject) error {
	now, err := s.SchemaObjects(ctx)
	if err != nil {
		return err
	}
	for _, o := range now {
		if slices.Contains(keep, o) {
			continue
		}
		if _, err := s.writer.ExecContext(ctx, `DROP `+o.Kind+` IF EXISTS `+o.Name+` CASCADE`); err != nil {
			return fmt.Errorf("drop %s %s: %w", strings.ToLower(o.Kind), o.Name, err)
		}
	}
	return nil
}

// IsEmpty reports whether the database holds no tables at all (a restore's target).
func (s *Store) IsEmpty(ctx context.Context) (bool, error) {
	q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'`
	if s.d.name == "postgres" {
		q = `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()`
	}
	var n int
	if err := s.writer.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return false, fmt.Errorf("look at the database's tables: %w", err)
	}
	return n == 0, nil
}
