package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// InsertCustomer stores a new customer with their contact points and references, and sets its id.
func (t *Tx) InsertCustomer(ctx context.Context, c *desk.Customer) error {
	if err := t.unheld().QueryRowContext(ctx, `INSERT INTO customers (name, lang, timezone, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		c.Name, c.Lang, c.Timezone, c.CreatedAt).Scan(&c.ID); err != nil {
		return fmt.Errorf("insert customer: %w", err)
	}
	for _, p := range c.Contacts {
		if _, err := t.unheld().ExecContext(ctx, `INSERT INTO contact_points (customer_id, kind, value) VALUES ($1, $2, $3)`, c.ID, p.Kind, p.Value); err != nil {
			return fmt.Errorf("insert contact %s of customer %d: %w", p.Value, c.ID, err)
		}
	}
	for _, r := range c.References {
		if err := t.AddReference(ctx, c.ID, r, c.CreatedAt); err != nil {
			return err
		}
	}
	return nil
}

// AddReference attaches a reference to a customer (once).
func (t *Tx) AddReference(ctx context.Context, customerID int64, r desk.Reference, now time.Time) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO customer_refs (customer_id, kind, value, key, created_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (customer_id, kind, key) DO NOTHING`, customerID, r.Kind, r.Value, r.Key, now)
	if err != nil {
		return fmt.Errorf("add reference %s to customer %d: %w", r.Value, customerID, err)
	}
	return nil
}

// CustomerByContact finds the customer reachable at a contact point.
func (t *Tx) CustomerByContact(ctx context.Context, p desk.Contact) (int64, error) {
	var id int64
	err := t.tx.QueryRowContext(ctx, `SELECT customer_id FROM contact_points WHERE kind = $1 AND value = $2`, p.Kind, p.Value).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("find customer by %s: %w", p.Kind, notFound(err))
	}
	return id, nil
}

// Customer loads a customer with contact points and references.
func (t *Tx) Customer(ctx context.Context, id int64) (desk.Customer, error) {
	c, err := scanCustomer(t.tx.QueryRowContext(ctx, `SELECT id, name, timezone, lang, created_at FROM customers WHERE id = $1`, id))
	if err != nil {
		return c, fmt.Errorf("load customer %d: %w", id, notFound(err))
	}
	return c, t.customerDetails(ctx, &c)
}

// CustomerAt loads the customer reachable at a contact point, like CustomerByContact and
// then Customer but a statement shorter: every mail and inbound message looks up its sender.
func (t *Tx) CustomerAt(ctx context.Context, p desk.Contact) (desk.Customer, error) {
	// Cast parameters here and in customerDetails: compared bare with an indexed column, they
	// make SQLite plan the statement again for each new value on an analysed desk (sqlite_stat4),
	// which cost intake more than running these statements (probed at scale S: 19 µs a lookup
	// with bare parameters, 6 µs cast).
	// Unheld: nothing held writes customers, their contact points or references.
	c, err := scanCustomer(t.unheld().QueryRowContext(ctx, `SELECT c.id, c.name, c.timezone, c.lang, c.created_at
		FROM contact_points p JOIN customers c ON c.id = p.customer_id WHERE p.kind = CAST($1 AS TEXT) AND p.value = CAST($2 AS TEXT)`, p.Kind, p.Value))
	if err != nil {
		return c, fmt.Errorf("find customer by %s: %w", p.Kind, notFound(err))
	}
	return c, t.customerDetails(ctx, &c)
}

func scanCustomer(row scanner) (desk.Customer, error) {
	var c desk.Customer
	err := row.Scan(&c.ID, &c.Name, &c.Timezone, &c.Lang, &c.CreatedAt)
	c.CreatedAt = c.CreatedAt.UTC()
	return c, err
}

// CustomersAt finds the customers reachable at contact points, with their contact points and
// references, set-wise: a mail group's senders in two statements instead of two a mail (on
// PostgreSQL each is a round trip). Contact points no customer has are left out.
func (t *Tx) CustomersAt(ctx context.Context, ps []desk.Contact) (map[desk.Contact]desk.Customer, error) {
	out := map[desk.Contact]desk.Customer{}
	if len(ps) == 0 {
		return out, nil
	}
	js, err := json.Marshal(ps)
	if err != nil {
		return nil, fmt.Errorf("find %d customers by contact: %w", len(ps), err)
	}
	// Unheld: nothing held writes customers, their contact points or references.
	rows, err := t.unheld().QueryContext(ctx, customersAt(t.d), string(js))
	if err != nil {
		return nil, fmt.Errorf("find %d customers by contact: %w", len(ps), err)
	}
	defer rows.Close()
	var found []desk.Contact
	for rows.Next() {
		var p desk.Contact
		var c desk.Customer
		if err := rows.Scan(&p.Kind, &p.Value, &c.ID, &c.Name, &c.Timezone, &c.Lang, &c.CreatedAt); err != nil {
			return nil, fmt.Errorf("find %d customers by contact: %w", len(ps), err)
		}
		c.CreatedAt = c.CreatedAt.UTC()
		out[p] = c
		found = append(found, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find %d customers by contact: %w", len(ps), err)
	}
	rows.Close()
	cs := make([]*desk.Customer, len(found))
	for i, p := range found {
		c := out[p]
		cs[i] = &c
	}
	if err := t.customersDetails(ctx, cs); err != nil {
		return nil, err
	}
	for i, p := range found {
		out[p] = *cs[i]
	}
	return out, nil
}

// customerDetails loads a customer's contact points (by kind and value) and references (in
// the order they were added) in one statement: every mail looks its sender up, and on
// PostgreSQL each statement is a round trip.
func (t *Tx) customerDetails(ctx context.Context, c *desk.Customer) error {
	return t.customersDetails(ctx, []*desk.Customer{c})
}

// customersAt reads the customers at the contact points (kind, value) of a JSON array in
// parameter 1.
func customersAt(d dialect) string {
	return `SELECT p.kind, p.value, c.id, c.name, c.timezone, c.lang, c.created_at
		FROM ` + d.jsonRows(1, "kind TEXT", "value TEXT") + ` ` + d.joinEach("contact_points", "p", "p.kind = j.kind AND p.value = j.value") + `
		JOIN customers c ON c.id = p.customer_id`
}

// customerDetails reads the contact points and references of the customers whose id is in
// (a condition on customer_id: "= $1", or IN a list).
func customerDetails(in string) string {
	return `SELECT customer_id, 0 AS part, kind, value, '' AS key, NULL AS created_at FROM contact_points WHERE customer_id ` + in + `
		UNION ALL
		SELECT customer_id, 1, kind, value, key, created_at FROM customer_refs WHERE customer_id ` + in + `
		ORDER BY 1, part, created_at, kind, key, value`
}

// customersDetails is customerDetails for several customers, in one statement.
func (t *Tx) customersDetails(ctx context.Context, cs []*desk.Customer) error {
	if len(cs) == 0 {
		return nil
	}
	byID := make(map[int64][]*desk.Customer, len(cs)) // a customer found at two of its contact points is here twice
	ids := make([]int64, 0, len(cs))
	for _, c := range cs {
		c.Contacts, c.References = []desk.Contact{}, []desk.Reference{}
		if byID[c.ID] == nil {
			ids = append(ids, c.ID)
		}
		byID[c.ID] = append(byID[c.ID], c)
	}
	what := fmt.Sprintf("load contacts and references of customer %d", ids[0])
	if len(ids) > 1 {
		what = fmt.Sprintf("load contacts and references of %d customers", len(ids))
	}
	// Cast parameters (see CustomerAt); one customer's id bare, not as a list, which SQLite
	// plans no worse and reads without decoding JSON.
	in, arg := `= CAST($1 AS BIGINT)`, any(ids[0])
	if len(ids) > 1 {
		in, arg = `IN `+t.d.jsonIDs(1), idList(ids)
	}
	rows, err := t.unheld().QueryContext(ctx, customerDetails(in), arg)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var part int
		var kind, value, key string
		var at any
		if err := rows.Scan(&id, &part, &kind, &value, &key, &at); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		for _, c := range byID[id] {
			if part == 0 {
				c.Contacts = append(c.Contacts, desk.Contact{Kind: kind, Value: value})
			} else {
				c.References = append(c.References, desk.Reference{Kind: kind, Value: value, Key: key})
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// CustomerNames loads customers by id set-wise, without their contact points and references
// (Contacts and References are nil): what an import's batch needs of the customers earlier
// batches made, to name them on entries. Missing ids are left out.
func (t *Tx) CustomerNames(ctx context.Context, ids []int64) (map[int64]desk.Customer, error) {
	return byIDs(ctx, t, fmt.Sprintf("load %d customers", len(ids)), ids, func(in string) string {
		return `SELECT id, name, timezone, lang, created_at FROM customers WHERE id IN ` + in
	}, scanCustomer, func(c desk.Customer) int64 { return c.ID })
}
