package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// SQLite's checkpoints (copying the WAL's pages back into the database file) run here, on a
// connection of their own, instead of inside the writer's commits: with auto-checkpoint, the
// commit that crossed 1,000 WAL pages copied them and synced both files while every other
// write waited (a tenth of the timer runner's CPU a break on a copy of scale S). The writer
// runs with wal_autocheckpoint = 0.
const (
	// checkpointEvery is how often the checkpointer wakes: an idle server wakes once a second
	// for a checkpoint with nothing to do, and a busy one's WAL holds about a second of writes.
	checkpointEvery = time.Second
	// walRestartBytes is the WAL size past which a checkpoint also starts the WAL over. A
	// PASSIVE checkpoint never waits, but the writer only starts the WAL over if a checkpoint
	// has caught up when its next transaction begins, which a writer that never pauses does
	// not let happen: the WAL would grow without bound.
	walRestartBytes = 64 << 20
	// checkpointBusy is how long a restarting checkpoint waits for the writer and readers; the
	// writer waits for it meanwhile, so it is short, and a checkpoint that gives up tries again
	// a second later.
	checkpointBusy = "busy_timeout = 1000"
)

// checkpointer checkpoints a SQLite database every checkpointEvery until stopped.
type checkpointer struct {
	db   *sql.DB
	path string
	log  *slog.Logger
	stop chan struct{}
	done chan struct{}
}

// startCheckpointer opens its connection to the database at path with the store's pragmas and
// starts checkpointing.
func startCheckpointer(path string, pragmas []string, log *slog.Logger) *checkpointer {
	db := sql.OpenDB(sqliteConnector{drv: newSQLiteDriver(), dsn: sqliteDSN(path, false),
		pragmas: append(slices.Clone(pragmas), checkpointBusy)})
	db.SetMaxOpenConns(1)
	db.SetConnMaxIdleTime(0)
	c := &checkpointer{db: db, path: path, log: log, stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c
}

func (c *checkpointer) run() {
	defer close(c.done)
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-tick.C:
			if err := c.checkpoint(context.Background(), walRestartBytes); err != nil {
				c.log.Error("sqlite checkpoint", "db", c.path, "err", err)
			}
		}
	}
}

// checkpoint copies what it can of the WAL into the database without waiting for anyone
// (PASSIVE) and, when the WAL has grown past restartBytes, starts it over (RESTART, which
// waits up to checkpointBusy for the writer and readers).
func (c *checkpointer) checkpoint(ctx context.Context, restartBytes int64) error {
	// busy is 1 when another checkpoint was running; frames is the WAL's length in pages (-1
	// when the database is not in WAL mode).
	var busy, frames, done int64
	if err := c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &done); err != nil {
		return fmt.Errorf("passive: %w", err)
	}
	if frames <= 0 {
		return nil
	}
	var pageSize int64
	if err := c.db.QueryRowContext(ctx, "PRAGMA page_size").Scan(&pageSize); err != nil {
		return fmt.Errorf("page size: %w", err)
	}
	if frames*pageSize < restartBytes {
		return nil
	}
	if err := c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(RESTART)").Scan(&busy, &frames, &done); err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	return nil
}

// close stops the checkpointer and folds the whole WAL into the database (TRUNCATE), leaving
// an empty WAL file for the last connection to close to delete.
func (c *checkpointer) close() error {
	close(c.stop)
	<-c.done
	var busy, frames, done int64
	err := c.db.QueryRow("PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &frames, &done)
	if err != nil {
		err = fmt.Errorf("checkpoint at close: %w", err)
	}
	if cerr := c.db.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("close the checkpointer's connection: %w", cerr)
	}
	return err
}
