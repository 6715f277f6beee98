package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestCustomerDetailsOrder checks that a customer loaded by id or by contact point carries all
// their contact points, by kind and value, and all their references in the order they were
// added, whatever the order of their keys; and a customer with neither carries empty lists.
func TestCustomerDetailsOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := context.Background()
		var id, bare int64
		err := st.Write(ctx, func(tx *store.Tx) error {
			c := desk.Customer{Name: "Liis Mets", CreatedAt: t0, Contacts: []desk.Contact{
				{Kind: "phone", Value: "+3725550001"}, {Kind: "email", Value: "z@example.ee"}, {Kind: "email", Value: "a@example.ee"}}}
			if err := tx.InsertCustomer(ctx, &c); err != nil {
				return err
			}
			id = c.ID
			for i, r := range []desk.Reference{{Kind: "order", Value: "ORD-9", Key: "ord9"}, {Kind: "account", Value: "ACC-1", Key: "acc1"}, {Kind: "order", Value: "ORD-2", Key: "ord2"}} {
				if err := tx.AddReference(ctx, id, r, t0.Add(time.Duration(i)*time.Hour)); err != nil {
					return err
				}
			}
			b := desk.Customer{Name: "Nobody Known", CreatedAt: t0}
			err := tx.InsertCustomer(ctx, &b)
			bare = b.ID
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		wantContacts := []desk.Contact{{Kind: "email", Value: "a@example.ee"}, {Kind: "email", Value: "z@example.ee"}, {Kind: "phone", Value: "+3725550001"}}
		wantRefs := []desk.Reference{{Kind: "order", Value: "ORD-9", Key: "ord9"}, {Kind: "account", Value: "ACC-1", Key: "acc1"}, {Kind: "order", Value: "ORD-2", Key: "ord2"}}
		byID := storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) (desk.Customer, error) { return tx.Customer(ctx, id) })
		byContact := storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) (desk.Customer, error) {
			return tx.CustomerAt(ctx, desk.Contact{Kind: "phone", Value: "+3725550001"})
		})
		for name, c := range map[string]desk.Customer{"by id": byID, "by contact": byContact} {
			if c.ID != id || !reflect.DeepEqual(c.Contacts, wantContacts) || !reflect.DeepEqual(c.References, wantRefs) {
				t.Errorf("%s: %d %v %v, want %d %v %v", name, c.ID, c.Contacts, c.References, id, wantContacts, wantRefs)
			}
		}
		// Set-wise, as a mail group finds its senders: each contact point found gives the whole
		// customer, one's details never mixed with another's, and the unknown one is left out.
		mats := desk.Contact{Kind: "email", Value: "mats@example.ee"}
		var matsID int64
		err = st.Write(ctx, func(tx *store.Tx) error {
			c := desk.Customer{Name: "Mats", CreatedAt: t0, Contacts: []desk.Contact{mats}}
			err := tx.InsertCustomer(ctx, &c)
			matsID = c.ID
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		phone, email, unknown := desk.Contact{Kind: "phone", Value: "+3725550001"}, desk.Contact{Kind: "email", Value: "a@example.ee"}, desk.Contact{Kind: "email", Value: "nobody@example.ee"}
		found := storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) (map[desk.Contact]desk.Customer, error) {
			return tx.CustomersAt(ctx, []desk.Contact{phone, unknown, mats, email})
		})
		if len(found) != 3 {
			t.Errorf("found %d customers by 4 contact points, want 3: %v", len(found), found)
		}
		for _, p := range []desk.Contact{phone, email} {
			if c := found[p]; c.ID != id || c.Name != "Liis Mets" || !c.CreatedAt.Equal(t0) || !reflect.DeepEqual(c.Contacts, wantContacts) || !reflect.DeepEqual(c.References, wantRefs) {
				t.Errorf("at %v: %+v, want customer %d with %v %v", p, c, id, wantContacts, wantRefs)
			}
		}
		if c := found[mats]; c.ID != matsID || !reflect.DeepEqual(c.Contacts, []desk.Contact{mats}) || c.References == nil || len(c.References) != 0 {
			t.Errorf("at %v: %+v, want customer %d with only their address", mats, c, matsID)
		}
		none := storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) (desk.Customer, error) { return tx.Customer(ctx, bare) })
		if none.Contacts == nil || len(none.Contacts) != 0 || none.References == nil || len(none.References) != 0 {
			t.Errorf("customer without details: %#v %#v, want empty lists", none.Contacts, none.References)
		}
	})
}
