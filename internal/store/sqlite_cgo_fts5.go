//go:build cgosqlite && !(sqlite_fts5 || fts5)

package store

// mattn/go-sqlite3 compiles SQLite without FTS5 unless built with its sqlite_fts5 tag, and
// Kept's search index is an FTS5 table: stop the build here rather than at the first migration.
var _ = build_with_tags_cgosqlite_and_sqlite_fts5
