// Package text holds the text normalisation behind Kept's search.
//
// Tickets keep customer text exactly as received; the search indexes (SQLite
// FTS5 and PostgreSQL alike) store the forms produced here instead. Fold and
// Words give the case-, accent- and look-alike-insensitive word form used for
// full-text search; RefKey and RefKeys give the exact keys of references such
// as "ACC-371", "v1.1" or "RMA 55/2"; ParseQuery turns a search box input into
// both. Snippet, MixedScript and LinkCount serve result display and spam
// scoring. Every function is deterministic and safe for concurrent use, since
// both index backends must agree on the same output.
package text
