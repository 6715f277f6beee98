// Package store keeps the desk's state in SQLite (embedded, the default) or PostgreSQL.
//
// Both backends run the same SQL through database/sql wherever the dialects agree; a small
// dialect value holds what differs (migrations, row locks, the full-text index). Commands run
// in Write, which is one transaction; reads run in Read, on SQLite's read pool.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations
var migrations embed.FS

// Config says which database to use: URL (postgres://…) when set, else SQLite in DataDir.
type Config struct {
	DataDir string
	URL     string
	Log     *slog.Logger // where background work (SQLite's checkpoints) reports; nil: slog's default
	// ReadOnly opens an existing desk only: no data folder or database file is made (kept
	// verify). A missing one is ErrNoDesk.
	ReadOnly bool
	// Lock takes the data folder's lock (a server's): a second server on one folder is
	// refused before it migrates or writes anything. PostgreSQL is shared by design.
	Lock bool
}

// Describe names the database for logs, without credentials.
func (c Config) Describe() string {
	if c.URL != "" {
		if i := strings.LastIndex(c.URL, "@"); i >= 0 {
			return "postgres://…" + c.URL[i:]
		}
		return c.URL
	}
	return "sqlite " + filepath.Join(c.DataDir, dbFile)
}

const dbFile = "kept.db"

// Store is the desk's database.
type Store struct {
	closed atomic.Bool
	writer *sql.DB // SQLite: one connection, so writers queue instead of failing busy
	reader *sql.DB // SQLite: a pool of read-only connections; PostgreSQL: the same pool as writer
	d      dialect
	cfg    Config
	// SQLite: statements prepared once per connection instead of parsed on every call (pgx
	// caches its prepared statements itself).
	writerStmts, readerStmts *stmtCache
	agents                   *agentCache
	chunks                   *chunkCache                // sealed chunks' blobs searches read (chunkcache.go)
	checkpoints              *checkpointer              // SQLite: checkpoints off the writer (checkpoint.go)
	lock                     *os.File                   // SQLite: the data folder's lock, for a server (LockDataDir)
	sealMu                   sync.Mutex                 // one SealSearch at a time
	statements               atomic.Int64               // run by transactions and loose reads (Statements)
	trace                    func(q string, args []any) // tests: each statement, before it runs
}

// Statements is how many statements the store's transactions and loose reads have run: what a
// command costs in round trips on PostgreSQL, for benchmarks (BenchmarkFileMail's stmts/op).
func (s *Store) Statements() int64 { return s.statements.Load() }

// Open connects to the database the config names; it does not migrate.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	var s *Store
	var err error
	if cfg.URL != "" {
		s, err = openPostgres(ctx, cfg.URL)
	} else {
		if cfg.DataDir == "" {
			cfg.DataDir = "kept-data"
		}
		log := cfg.Log
		if log == nil {
			log = slog.Default()
		}
		s, err = openSQLite(ctx, cfg, log)
	}
	if err == nil {
		s.cfg = cfg
		s.agents = newAgentCache()
		s.chunks = newChunkCache(chunkCacheBytes)
	}
	return s, err
}

func openSQLite(ctx context.Context, cfg Config, log *slog.Logger) (*Store, error) {
	dir := cfg.DataDir
	if !cfg.ReadOnly {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create data folder: %w", err)
		}
	}
	path := filepath.Join(dir, dbFile)
	var lock *os.File
	if cfg.Lock {
		var err error
		if lock, err = lockDataDir(dir); err != nil {
			return nil, err
		}
	}
	if err := checkDataFile(path, cfg.ReadOnly); err != nil {
		closeLock(lock)
		return nil, err
	}
	// FULL sync: a committed case or message survives a power cut, not only a crash.
	base := []string{"busy_timeout = 10000", "foreign_keys = 1", "journal_mode = WAL", "synchronous = FULL"}
	writer := sql.OpenDB(sqliteConnector{drv: newSQLiteDriver(), dsn: sqliteDSN(path, true),
		pragmas: append(slices.Clone(base), "temp_store = MEMORY", "wal_autocheckpoint = 0")})
	writer.SetMaxOpenConns(1)
	writer.SetConnMaxIdleTime(0)
	// The read pool is larger than the cores: with 16 clients (kept bench), a cheap read (an
	// inbox, a case, a ref lookup) must not queue for a connection behind slow searches holding
	// all of them; with a connection each, they share the cores instead (on a copy of scale S,
	// 14 readers of case pages beside 2 searchers: p50 0.4 ms with 16 connections, 7.8 ms with 4).
	// All stay open, keeping their prepared statements. Each page cache is 1 MiB, not SQLite's
	// 2 MB: under modernc a connection's cache costs about twice its size in RSS (16 readers
	// with 2 MB caches: +76 MB; with 8 MiB: +267 MB, past the 200 MB target at scale M), and
	// random case reads spent the same CPU with 1, 2, 4 or 8 MiB: the OS page cache, which all
	// connections share, is the cache that counts.
	readers := max(16, runtime.NumCPU()*4)
	reader := sql.OpenDB(sqliteConnector{drv: newSQLiteDriver(), dsn: sqliteDSN(path, false),
		pragmas: append(slices.Clone(base), "cache_size = -1024", "query_only = 1")})
	reader.SetMaxOpenConns(readers)
	reader.SetMaxIdleConns(readers)
	s := &Store{writer: writer, reader: reader, d: sqliteDialect, lock: lock,
		writerStmts: newStmtCache(writer), readerStmts: newStmtCache(reader)}
	if err := writer.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s.checkpoints = startCheckpointer(path, base, log)
	return s, nil
}

// sqliteDSN names the database file and what only the DSN can set: how the build's driver
// writes and reads times (sqliteTimeOption), and for the writer, a transaction that takes the
// write lock when it begins.
func sqliteDSN(path string, immediate bool) string {
	dsn := "file:" + path + "?" + sqliteTimeOption
	if immediate {
		dsn += "&_txlock=immediate"
	}
	return dsn
}

// sqliteConnector opens connections through the build's SQLite driver (sqlite_modernc.go or
// sqlite_cgo.go) and sets each one's pragmas itself, since the drivers spell pragmas in the DSN
// differently.
type sqliteConnector struct {
	drv     driver.Driver
	dsn     string
	pragmas []string
}

func (c sqliteConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	ex, ok := conn.(driver.ExecerContext)
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("sqlite driver %s cannot run statements on a connection", SQLiteDriver)
	}
	for _, p := range c.pragmas {
		if _, err := ex.ExecContext(ctx, "PRAGMA "+p, nil); err != nil {
			conn.Close()
			return nil, fmt.Errorf("pragma %s: %w", p, err)
		}
	}
	return conn, nil
}

func (c sqliteConnector) Driver() driver.Driver { return c.drv }

func openPostgres(ctx context.Context, url string) (*Store, error) {
	db, err := sql.Open("pgx", withConnectTimeout(url))
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db.SetMaxOpenConns(max(8, runtime.NumCPU()*4))
	db.SetMaxIdleConns(max(8, runtime.NumCPU()*4))
	// A server that accepts the connection and then says nothing would hold the start forever.
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	return &Store{writer: db, reader: db, d: postgresDialect}, nil
}

// withConnectTimeout gives a PostgreSQL URL a connect timeout (10 s) unless it has one: a
// server that does not answer must not hold a connection attempt forever.
func withConnectTimeout(url string) string {
	if strings.Contains(url, "connect_timeout=") || !strings.Contains(url, "://") {
		return url
	}
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	return url + sep + "connect_timeout=10"
}

// Backend names the database kind: "sqlite" or "postgres".
func (s *Store) Backend() string { return s.d.name }

// Close closes the database; on SQLite it first folds the WAL back into the main file. A
// second Close does nothing (a serve shutting down and a deferred close may both call it).
func (s *Store) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	var err error
	if s.d.name == "sqlite" {
		s.writerStmts.close()
		s.readerStmts.close()
		if s.checkpoints != nil {
			err = s.checkpoints.close()
		}
	}
	err = errors.Join(err, s.writer.Close())
	if s.reader != s.writer {
		err = errors.Join(err, s.reader.Close())
	}
	if s.lock != nil {
		err = errors.Join(err, s.lock.Close()) // closing the file ends its lock
	}
	return err
}

// Closed reports whether Close was called: background work then stops without complaint.
func (s *Store) Closed() bool { return s.closed.Load() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.reader.PingContext(ctx) }

// Migrate applies pending migrations and logs each one applied.
func (s *Store) Migrate(ctx context.Context, log *slog.Logger) error {
	p, err := s.migrations(ctx)
	if err != nil {
		return err
	}
	// Said before, not only after: a migration that rewrites a large desk's tables (00013 lists
	// every text, about 7 s a million) holds the server's start for a while.
	statuses, err := p.Status(ctx)
	if err != nil {
		return fmt.Errorf("migration status: %w", err)
	}
	var pending []string
	for _, st := range statuses {
		if st.State == goose.StatePending {
			pending = append(pending, filepath.Base(st.Source.Path))
		}
	}
	if len(pending) > 0 {
		log.Info("applying migrations; on a large desk this can take minutes", "pending", len(pending), "first", pending[0], "last", pending[len(pending)-1])
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", s.d.name, err)
	}
	for _, r := range results {
		log.Info("migration applied", "version", r.Source.Version, "file", filepath.Base(r.Source.Path), "took", r.Duration)
	}
	// The word index's chunks (00050): on a desk from before, every chunk of its texts.
	start := time.Now()
	sealed, err := s.SealSearch(ctx, func(done, total int64) {
		if done%50 == 0 {
			log.Info("sealing the word index's chunks", "done", done, "of", total)
		}
	})
	if err != nil {
		return err
	}
	if sealed > 0 {
		log.Info("word index chunks sealed", "chunks", sealed, "took", time.Since(start))
	}
	// The planner's samples an earlier release left on SQLite (see dropSamples).
	if s.d.name == "sqlite" {
		if err := dropSamples(ctx, s.writer); err != nil {
			return err
		}
	}
	// Rows of the admin log from before it was a chain (00043) are chained here, in Go, where
	// the hash is made; on a desk whose log is all chained this is one quick query.
	n, err := s.chainAdminLog(ctx)
	if n > 0 {
		log.Info("admin log chained", "rows", n)
	}
	if err != nil {
		return err
	}
	return s.warnStaleStatistics(ctx, log)
}

// warnStaleStatistics warns, on PostgreSQL, when autovacuum is off. The planner then keeps
// what it last saw of each table: a kind of entry it saw none of is planned as if there were
// none, and the reads of it grow with every one written (the roll-ups read each batch's
// escalations by walking all of them; the reports' backlog read every case), until someone
// runs ANALYZE.
func (s *Store) warnStaleStatistics(ctx context.Context, log *slog.Logger) error {
	if s.d.name != "postgres" {
		return nil
	}
	var on string
	if err := s.reader.QueryRowContext(ctx, `SHOW autovacuum`).Scan(&on); err != nil {
		return fmt.Errorf("read the autovacuum setting: %w", err)
	}
	if on == "off" {
		log.Warn("PostgreSQL's autovacuum is off: the planner's statistics go stale as the desk grows, and reads slow down with them; turn it on, or run VACUUM (ANALYZE) regularly")
	}
	return nil
}

// CheckSchema checks, without changing anything, that the database is a Kept desk whose
// schema this binary knows and has fully applied: what a command that only reads (kept verify)
// needs before it reads.
func (s *Store) CheckSchema(ctx context.Context) error {
	p, err := s.migrations(ctx)
	if err != nil {
		return err
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return fmt.Errorf("migration status: %w", err)
	}
	if pending {
		return fmt.Errorf("%s has migrations this binary would apply first: run kept migrate (this command only reads)", s.Describe())
	}
	return nil
}

// migrations is the goose provider of this backend's migrations, after checking that the
// database is a Kept desk (or empty) and holds no migration this binary does not know: a
// newer Kept made it, and an older one must not work on it.
func (s *Store) migrations(ctx context.Context) (*goose.Provider, error) {
	if err := s.checkKept(ctx); err != nil {
		return nil, err
	}
	fsys, err := fs.Sub(migrations, "migrations/"+s.d.name)
	if err != nil {
		return nil, fmt.Errorf("migrations for %s: %w", s.d.name, err)
	}
	// A database made while a later migration was already out (numbers are handed out ahead
	// of landing) takes the earlier one when it lands; each migration stands on its own.
	opts := []goose.ProviderOption{goose.WithAllowOutofOrder(true)}
	if s.d.name == "postgres" {
		// Several nodes may start at once; one migrates while the others wait. The lock is the
		// schema's, not the whole database's (goose's default), so desks in other schemas of
		// one database do not queue behind each other; its probe is every second, not five.
		var schema string
		if err := s.writer.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
			return nil, fmt.Errorf("migration lock: %w", err)
		}
		h := fnv.New64a()
		h.Write([]byte("kept migrations " + schema))
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(int64(h.Sum64()>>1)), lock.WithLockTimeout(1, 600))
		if err != nil {
			return nil, fmt.Errorf("migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(s.d.goose, s.writer, fsys, opts...)
	if err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	if err := s.refuseNewer(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

// Tx is one transaction. Its methods are the only SQL the rest of Kept runs.
type Tx struct {
	tx       sqlTx
	d        dialect
	writable bool
	agents   *agentCache
	chunks   *chunkCache
	pend     pending     // writes held to go a statement per table (see pending.go)
	failed   error       // a held write failed when a later statement made it: the transaction is lost
	index    []SearchDoc // texts to index at commit (see Index)
	// deferWords: the texts' words go to search_queue, indexed after commit (DeferWords);
	// wordsQueued: some did; recentBehind: they go into the main full-text index only
	// (LeaveRecentBehind).
	deferWords, wordsQueued, recentBehind bool
	sealDue                               bool               // its texts began a new chunk of the word index (search_chunks.go)
	opens                                 openLog            // its own changes to open-case counts (see OwnerPool)
	touched                               map[int64]bool     // cases whose report facts are worked out again before commit (rollups.go)
	rowKeys                               map[int64]caseKeys // what each case's row holds of its indexed columns (saveCases)
	rollSeen                              map[int64]rollCase // what of each case loaded here its facts follow (rollups.go)
	rollNew                               map[int64]bool     // cases inserted here or given another type (rollups.go: refreshRollups)
}

// beforeStatement makes the writes held so far before any other statement runs, so that the
// statement sees them and they keep their order.
func (t *Tx) beforeStatement(ctx context.Context) error {
	if t.failed != nil {
		return t.failed
	}
	if err := t.flush(ctx); err != nil {
		t.failed = err
		return err
	}
	return nil
}

// Write runs fn in one write transaction, committed when fn returns nil and rolled back
// otherwise.
func (s *Store) Write(ctx context.Context, fn func(tx *Tx) error) error {
	return s.run(ctx, s.writer, true, fn)
}

// Read runs fn in a read-only transaction, so it sees one consistent state.
func (s *Store) Read(ctx context.Context, fn func(tx *Tx) error) error {
	return s.run(ctx, s.reader, false, fn)
}

// ReadLoose runs fn like Read, except that on PostgreSQL it opens no transaction: each
// statement runs on its own and sees what was committed when it started, which saves the
// BEGIN and COMMIT round trips (most of a quick read's time). Use it for a read of one
// statement, or of statements that need not agree with each other (a search, whose hits are
// checked against the case rows it loads). On SQLite it is Read: a read transaction there
// costs nothing.
func (s *Store) ReadLoose(ctx context.Context, fn func(tx *Tx) error) error {
	if s.d.name != "postgres" {
		return s.run(ctx, s.reader, false, fn)
	}
	return fn(&Tx{tx: sqlTx{db: s.reader, count: &s.statements, trace: s.trace}, d: s.d, agents: s.agents, chunks: s.chunks})
}

// Writable says whether tx may write (a Write's, not a Read's).
func (t *Tx) Writable() bool { return t.writable }

func (s *Store) run(ctx context.Context, db *sql.DB, writable bool, fn func(tx *Tx) error) error {
	var opts *sql.TxOptions
	if !writable && s.d.name == "postgres" {
		// REPEATABLE READ: one snapshot for the whole read, as SQLite's read transaction
		// has. READ COMMITTED took one per statement. A read-only transaction never fails to
		// serialise, and takes its snapshot once instead of for each statement.
		opts = &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead}
	}
	stx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	stmts := s.readerStmts
	if writable {
		stmts = s.writerStmts
	}
	tx := &Tx{tx: sqlTx{tx: stx, stmts: stmts, count: &s.statements, trace: s.trace}, d: s.d, writable: writable, agents: s.agents, chunks: s.chunks}
	if writable && stmts != nil {
		tx.tx.local = newTxStmts()
	}
	tx.tx.before = tx.beforeStatement
	err = fn(tx)
	if err == nil {
		err = tx.flush(ctx)
	}
	if err == nil && writable {
		err = tx.refreshRollups(ctx)
	}
	if tx.failed != nil {
		err = tx.failed // what fn saw after a held write failed is beside the point
	}
	if err != nil {
		_ = stx.Rollback()
		return err
	}
	if err := tx.writeIndex(ctx); err != nil {
		_ = stx.Rollback()
		return err
	}
	if err := stx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if tx.sealDue {
		// Once every 1<<chunk_bits texts: the write is committed whatever this does, and a
		// chunk not sealed now is sealed by the next write that finds it due.
		if _, err := s.sealSearch(ctx, nil, !tx.recentBehind); err != nil {
			log := s.cfg.Log
			if log == nil {
				log = slog.Default()
			}
			log.Warn("search chunks: sealing failed; searches stay right, only slower", "err", err)
		}
	}
	return nil
}

// ErrNotFound is returned by lookups that find nothing.
var ErrNotFound = errors.New("not found")

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// IsDuplicate reports whether err is a unique-key violation: a concurrent command stored the
// same thing first, and the caller may retry to find it.
func IsDuplicate(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// IsDeadlock reports whether err is PostgreSQL breaking a deadlock between two transactions
// by failing one: run again, it goes through.
func IsDeadlock(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "40P01"
}

// DataDir is the SQLite data folder ("" on PostgreSQL).
func (s *Store) DataDir() string { return s.cfg.DataDir }

// URL is the PostgreSQL URL ("" on SQLite).
func (s *Store) URL() string { return s.cfg.URL }

// IsNotFound reports whether err says a lookup found nothing.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) || errors.Is(err, sql.ErrNoRows) }
