package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/keptdesk/kept/internal/desk"
)

// The writes of a batch of promise breaks (see jobs.BatchHandler): each reads or writes the
// rows of a whole batch in one statement whose text is the same for any batch size: IN lists
// of varying length would each be prepared (and cached) as a statement of their own. On
// PostgreSQL a batch's ids go as one JSON parameter and its rows as arrays, a parameter a
// column (rowsOf). On SQLite both go as multi-row VALUES in chunks of fixed sizes (see
// chunkSizes): on a copy of scale S, decoding their JSON cost more than binding a placeholder
// a value.

// chunkSizes are the sizes of the statements a batch's rows go to SQLite in, as multi-row
// VALUES with a placeholder a value: a batch of 100 is 64 + 32 + 4, and a statement has at
// most seven texts for the statement cache.
var chunkSizes = [...]int{64, 32, 16, 8, 4, 2, 1}

// chunks calls fn for consecutive runs [lo, hi) of n rows, each of a size in chunkSizes.
func chunks(n int, fn func(lo, hi int) error) error {
	lo := 0
	for _, size := range chunkSizes {
		for n-lo >= size {
			if err := fn(lo, lo+size); err != nil {
				return err
			}
			lo += size
		}
	}
	return nil
}

// valuesRows is rows rows "(?, …), (…)" of cols placeholders each. They are anonymous ("?",
// not "$N"), bound in the order they stand: modernc looks up each numbered parameter's name
// in a list as long as the statement's parameters, quadratic in a chunk of 64 rows (half of
// the statement's CPU).
func valuesRows(rows, cols int) string {
	row := "(?" + strings.Repeat(", ?", cols-1) + ")"
	return row + strings.Repeat(", "+row, rows-1)
}

// idLists runs fn over ids as the IN list of a statement whose own parameters are $1 to $k,
// written before the list: on PostgreSQL once, in being a subquery of the ids as one JSON
// parameter ($k+1) and list that parameter; on SQLite once per chunk (see chunkSizes), in
// being "(VALUES (?), …)" and list the chunk's ids, cheaper than decoding JSON.
func (t *Tx) idLists(ids []int64, k int, fn func(in string, list []any) error) error {
	if t.d.name == "postgres" {
		list, err := t.d.jsonArg(ids)
		if err != nil {
			return err
		}
		return fn(t.d.jsonIDs(k+1), []any{list})
	}
	return chunks(len(ids), func(lo, hi int) error {
		list := make([]any, hi-lo)
		for i, id := range ids[lo:hi] {
			list[i] = id
		}
		return fn("(VALUES "+valuesRows(hi-lo, 1)+")", list)
	})
}

// byIDs loads the rows of query (given the id list's SQL, see idLists) keyed by id, what was
// loaded named in its errors; missing ids are left out: the one way the store loads rows by a list of ids (cases, promises,
// agents, entries), in statements whose text does not vary with the list's length.
func byIDs[T any](ctx context.Context, t *Tx, what string, ids []int64, query func(in string) string, scan func(scanner) (T, error), id func(T) int64) (map[int64]T, error) {
	out := make(map[int64]T, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	err := t.idLists(ids, 0, func(in string, list []any) error {
		return t.tx.eachRow(ctx, func(row scanner) error {
			v, err := scan(row)
			if err != nil {
				return err
			}
			out[id(v)] = v
			return nil
		}, query(in), list...)
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// forUpdate locks the rows a query reads inside a write (PostgreSQL; SQLite's writer holds
// the whole database).
func (t *Tx) forUpdate(q string) string {
	if t.writable {
		return q + t.d.forUpdate
	}
	return q
}

// CasesForUpdate loads the cases with these ids (missing ones are left out), keyed by id; inside
// a write it locks their rows, in the order of their ids, as Case locks one.
func (t *Tx) CasesForUpdate(ctx context.Context, ids []int64) (map[int64]desk.Case, error) {
	out, err := byIDs(ctx, t, "load cases", ids, func(in string) string {
		return t.forUpdate(`SELECT ` + t.d.cols(caseColumns) + ` FROM cases WHERE id IN ` + in + ` ORDER BY id`)
	}, scanCase, func(c desk.Case) int64 { return c.ID })
	if err != nil {
		return nil, err
	}
	for _, c := range out {
		t.loaded(c)
	}
	return out, nil
}

// AgentsByID loads the agents with these ids (missing ones are left out), keyed by id.
func (t *Tx) AgentsByID(ctx context.Context, ids []int64) (map[int64]desk.Agent, error) {
	return byIDs(ctx, t, "load agents", ids, func(in string) string {
		return `SELECT ` + agentColumns + agentFrom + ` WHERE a.id IN ` + in
	}, t.scanAgent, func(a desk.Agent) int64 { return a.ID })
}

// jsonArg is v encoded as a JSON parameter the way the dialect takes one: PostgreSQL reads the
// encoded bytes as they are (its parameters here are jsonb), so they are not copied into a
// string as well (the rows of a batch's writes, tens of KiB a statement); SQLite would bind
// bytes as a blob, which its JSON functions read as their binary form.
func (d dialect) jsonArg(v any) (any, error) {
	b, err := json.Marshal(v)
	if d.name == "postgres" {
		return b, err
	}
	return string(b), err
}

// Readers is Reader for several customers at once, keyed by customer id (missing ones are left
// out).
func (t *Tx) Readers(ctx context.Context, customerIDs []int64) (map[int64]desk.Reader, error) {
	out := make(map[int64]desk.Reader, len(customerIDs))
	if len(customerIDs) == 0 {
		return out, nil
	}
	err := t.idLists(customerIDs, 0, func(in string, list []any) error {
		return t.tx.eachRow(ctx, func(row scanner) error {
			var id int64
			var lang, zone string
			if err := row.Scan(&id, &lang, &zone); err != nil {
				return err
			}
			out[id] = desk.ReaderFor(lang, zone)
			return nil
		}, `SELECT id, lang, timezone FROM customers WHERE id IN `+in, list...)
	})
	if err != nil {
		return nil, fmt.Errorf("customers' languages and zones: %w", err)
	}
	return out, nil
}
