package store

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
)

// dialect is what differs between SQLite and PostgreSQL in the statements both run: the rest of
// the store writes one SQL for both and asks here for the parts that differ. (Where the two
// take different ways altogether, as writing the search index or bulk loads, the code says so
// where it branches.)
type dialect struct {
	name      string // "sqlite" or "postgres"
	goose     goose.Dialect
	forUpdate string // row lock suffix for a SELECT inside a write
	// forKeyShare holds rows that the write's new rows will refer to: a delete of one waits for
	// the write to commit, or the write waits for the delete and reads the row gone.
	forKeyShare string
	timeType    string // what a time parameter is cast to: its stored type
	// shard is the row of agent_open_cases a connection's writes go to: PostgreSQL spreads an
	// agent's count over shards by connection, so concurrent commands do not queue on one row.
	shard string
}

var (
	sqliteDialect   = dialect{name: "sqlite", goose: goose.DialectSQLite3, timeType: "TEXT", shard: "0"}
	postgresDialect = dialect{name: "postgres", goose: goose.DialectPostgres, forUpdate: " FOR UPDATE", forKeyShare: " FOR KEY SHARE", timeType: "TIMESTAMPTZ",
		shard: "pg_backend_pid() % 8"}
)

// jsonIDs is a subquery of the ids in a JSON array of numbers passed as parameter n.
//
// On PostgreSQL the ids go through an array: the planner takes a set-returning function's rows
// to be 100 whatever it returns, and for 100 ids a hash of them over a scan of the whole table
// looked cheaper than an index search per id. Each mail's sender lookup read all of a desk's
// customer references (29,000 at scale S: 2.1 ms a statement against 0.1 ms through the index,
// pgbench). An unnested array it takes to be 10 rows, and searches the index.
func (d dialect) jsonIDs(n int) string {
	if d.name == "postgres" {
		return fmt.Sprintf("(SELECT unnest(ARRAY(SELECT jsonb_array_elements_text($%d::jsonb)::bigint)))", n)
	}
	return fmt.Sprintf("(SELECT value FROM json_each($%d))", n)
}

// rowsOf is the FROM item, named j, of the rows execRows writes, with the columns named (with
// their SQL types: "id BIGINT") after the rows' fields' JSON keys. On PostgreSQL it is unnest
// of parameters 1 to n, an array a column. On SQLite it is multi-row VALUES whose placeholders
// execRows fills in chunks: json_extract reads an object's keys one by one for every column,
// which was a tenth of a batch of promise breaks' CPU (23 columns of each case saved); bound
// values cost little. Either way the column names are marked for execRows.
func (d dialect) rowsOf(cols ...string) string {
	names := make([]string, len(cols))
	sel := make([]string, len(cols))
	for i, c := range cols {
		var typ string
		names[i], typ, _ = strings.Cut(c, " ")
		if d.name == "postgres" {
			sel[i] = fmt.Sprintf("$%d::%s[]", i+1, typ)
		} else {
			sel[i] = fmt.Sprintf("column%d AS %s", i+1, names[i])
		}
	}
	mark := rowsMark + strings.Join(names, " ") + rowsMarkEnd
	if d.name == "postgres" {
		return fmt.Sprintf("unnest(%s) %s AS j (%s)", strings.Join(sel, ", "), mark, strings.Join(names, ", "))
	}
	return fmt.Sprintf("(SELECT %s FROM (VALUES %s)) AS j", strings.Join(sel, ", "), mark)
}

// rowsMark and rowsMarkEnd enclose, in a statement of rowsOf on SQLite, the column names whose
// placeholders execRows puts in their place.
const rowsMark, rowsMarkEnd = "/*rows ", "*/"

// jsonRows is a FROM item, named j, of the rows of a JSON array of objects passed as parameter
// n, with the columns named (with their SQL types: "id BIGINT") after the objects' keys.
func (d dialect) jsonRows(n int, cols ...string) string {
	if d.name == "postgres" {
		return fmt.Sprintf("jsonb_to_recordset($%d::jsonb) AS j(%s)", n, strings.Join(cols, ", "))
	}
	sel := make([]string, len(cols))
	for i, c := range cols {
		name, _, _ := strings.Cut(c, " ")
		sel[i] = fmt.Sprintf("json_extract(value, '$.%s') AS %s", name, name)
	}
	// jsonb_each: each object comes out in SQLite's binary JSON, which json_extract reads as it
	// is; json_each would give it as text, parsed again for each column.
	return fmt.Sprintf("(SELECT %s FROM jsonb_each($%d)) AS j", strings.Join(sel, ", "), n)
}

// ownerOrder is a condition that column col is parameter n, for a list ordered by col and then
// by id (ORDER BY col DESC, id DESC) that an index of (col, id) can serve. On PostgreSQL it is
// written as membership of a list of one: "col = $n" makes col a constant to the planner,
// which then drops it from the order, and the primary key serves "id DESC" as well: for an
// owner whose open cases are all older than the desk's newest it read the desk's cases
// backwards until 50 were the owner's (0.2–1.2 s for a manager's inbox at scale S). A list of
// one leaves col in the order, which only the index of (col, id) serves.
func (d dialect) ownerOrder(col string, n int) string {
	if d.name == "postgres" {
		return fmt.Sprintf("%s = ANY(ARRAY[CAST($%d AS BIGINT)])", col, n)
	}
	return fmt.Sprintf("%s = $%d", col, n)
}

// joinEach joins the rows before it (a few, as a command's jsonRows are) with those of table,
// named alias, for which on holds. On PostgreSQL each row's are searched on their own (OFFSET 0
// keeps the planner from making it one join): it takes jsonRows to be 100 rows whatever they
// hold, and for 100 a hash of them over a scan of the whole table looked cheaper than an index
// search each. A mail's sender, looked up by address among 10,000 customers' contact points,
// took 7 ms that way, against 0.7 ms a row at a time.
func (d dialect) joinEach(table, alias, on string) string {
	if d.name == "postgres" {
		return fmt.Sprintf("CROSS JOIN LATERAL (SELECT * FROM %s %s WHERE %s OFFSET 0) %s", table, alias, on, alias)
	}
	return fmt.Sprintf("JOIN %s %s ON %s", table, alias, on)
}

// timeParam is a time as a JSON row carries it, read back by timeColumn: on SQLite in the text
// the driver writes for a time parameter (see sqliteDSN), so stored times compare as they
// always have.
func (d dialect) timeParam(at time.Time) string {
	if d.name == "postgres" {
		return dbTime(at).Format(time.RFC3339Nano)
	}
	return dbTime(at).Format(sqliteTimeLayouts[0])
}

// timeColumn reads a time a JSON row carries (timeParam) as the column type times are stored in.
func (d dialect) timeColumn(expr string) string {
	if d.name == "postgres" {
		return "CAST(" + expr + " AS TIMESTAMPTZ)"
	}
	return expr
}

// untyped is a column read so that SQLite hands over its stored text, which parseStoredTime
// reads faster than the driver would (see anyTime); PostgreSQL reads it as it is.
func (d dialect) untyped(col string) string {
	if d.name == "sqlite" {
		return "+" + col // no declared type
	}
	return col
}

// unindexed is a column compared without its indexes on SQLite (unary +): where the only index
// a statement's constant could use is one of few values (a state), SQLite without statistics
// takes it and reads a large part of the table; PostgreSQL plans by its statistics.
func (d dialect) unindexed(col string) string {
	if d.name == "sqlite" {
		return "+" + col
	}
	return col
}

// columnList is a list of columns as each dialect reads it: on SQLite its times untyped (see
// untyped), so that the driver hands over their text instead of trying a layout that fails
// (an allocated error a time) before the one that reads it.
type columnList struct{ sqlite, postgres string }

// timesUntyped is the column list cols (names separated by commas) with the columns named in
// times untyped on SQLite.
func timesUntyped(cols string, times ...string) columnList {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		name := strings.TrimSpace(p)
		if slices.Contains(times, name) {
			parts[i] = strings.Replace(p, name, sqliteDialect.untyped(name), 1)
		}
	}
	return columnList{sqlite: strings.Join(parts, ","), postgres: cols}
}

// cols is the column list as d reads it.
func (d dialect) cols(c columnList) string {
	if d.name == "sqlite" {
		return c.sqlite
	}
	return c.postgres
}

// valuesRows is rows rows of cols placeholders in the dialect's form: SQLite's anonymous "?"
// (see valuesRows), PostgreSQL's numbered "$N".
func (d dialect) valuesRows(rows, cols int) string {
	if d.name == "sqlite" {
		return valuesRows(rows, cols)
	}
	b := make([]byte, 0, rows*cols*5)
	n := 0
	for r := range rows {
		if r > 0 {
			b = append(b, ", "...)
		}
		b = append(b, '(')
		for c := range cols {
			if c > 0 {
				b = append(b, ", "...)
			}
			n++
			b = fmt.Appendf(b, "$%d", n)
		}
		b = append(b, ')')
	}
	return string(b)
}
