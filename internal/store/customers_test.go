package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestCustomerLookupsSearchTheirIndexes: on PostgreSQL, finding a mail's sender by address and
// reading customers' contact points and references search the indexes, on a desk of a few
// thousand customers whose statistics are fresh. The planner took a list of ids or contact
// points to be 100 rows, and hashed them over a scan of every contact point and reference:
// 7 ms and 2 ms a mail at 10,000 customers.
func TestCustomerLookupsSearchTheirIndexes(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, "postgres")
	for _, q := range []string{
		`INSERT INTO customers (id, name, created_at) SELECT n, 'Customer ' || n, now() FROM generate_series(1, 5000) n`,
		`INSERT INTO contact_points (customer_id, kind, value) SELECT n, 'email', 'c' || n || '@example.com' FROM generate_series(1, 5000) n`,
		`INSERT INTO customer_refs (customer_id, kind, value, key, created_at) SELECT n, 'order', 'A-' || n || '-' || k, 'a' || n || 'x' || k, now()
			FROM generate_series(1, 5000) n, generate_series(1, 3) k`,
		`ANALYZE customers`, `ANALYZE contact_points`, `ANALYZE customer_refs`} {
		if _, err := storetest.Raw(t, st).ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	at, details, err := st.CustomerLookupPlans(ctx, `[{"kind": "email", "value": "c17@example.com"}]`, `[17, 4500]`)
	if err != nil {
		t.Fatal(err)
	}
	for name, plan := range map[string]string{"by contact point": at, "contact points and references": details} {
		if strings.Contains(plan, "Seq Scan") {
			t.Errorf("%s:\n%s\nwant no table read whole", name, plan)
		}
	}
}
