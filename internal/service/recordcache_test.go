package service_test

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestRecordPageReaderViews checks the kept record against each reader: the desk reads a
// record with internal notes first (so they are kept), then the customer, a partner it is
// handed to and a partner it is not each get what Record gives them, no internal note, a tag
// of their own view; a note added later changes the staff's tag and not the customer's, and
// a reply changes both.
func TestRecordPageReaderViews(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		svc, _ := newService(t, backend)
		svc.EncodeRecordsWith(func(b []byte, e desk.Entry) ([]byte, error) {
			j, err := json.Marshal(e)
			return append(b, j...), err
		})
		ctx, sys := t.Context(), desk.SystemActor()
		ann := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ann", Email: "ann@example.ee", Role: "agent", Team: "Repairs"}))
		mari := must(svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Mari", Email: "mari@example.ee"}))
		c := must(svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: mari.ID, Subject: "Kettle", Body: "It broke.", Channel: "email", OwnerID: ann.ID}))
		must(svc.AddMessage(ctx, desk.AgentActor(ann), c.ID, desk.NewMessage{Body: "Supplier owes us a credit note.", Internal: true}))
		must(svc.AddMessage(ctx, desk.AgentActor(ann), c.ID, desk.NewMessage{Body: "We will send a new one."}))
		hp := must(svc.CreatePartner(ctx, sys, "HP service"))
		tech := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Tom", Email: "tom@hp.example.com", Role: "partner", PartnerID: hp.ID}))
		other := must(svc.CreatePartner(ctx, sys, "Other service"))
		stranger := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Sam", Email: "sam@other.example.com", Role: "partner", PartnerID: other.ID}))
		must(svc.AssignPartner(ctx, sys, c.ID, hp.ID, 0))

		staff, customer, partner := desk.AgentActor(ann), desk.CustomerActor(mari), desk.AgentActor(tech)
		// What Record (the uncached read) gives each reader, encoded the same way.
		want := func(a desk.Actor) string {
			rec := must(svc.Record(ctx, a, c.ID))
			parts := make([]string, len(rec))
			for i, e := range rec {
				parts[i] = string(must(json.Marshal(e)))
			}
			return "[" + strings.Join(parts, ",") + "]\n"
		}
		tags := map[string]string{}
		for _, r := range []struct {
			name string
			a    desk.Actor
		}{{"staff", staff}, {"customer", customer}, {"partner", partner}, {"staff again", staff}} {
			page := must(svc.RecordPage(ctx, r.a, c.ID, ""))
			if got := string(page.JSON); got != want(r.a) {
				t.Errorf("%s: the kept record differs from Record:\n got %s\nwant %s", r.name, got, want(r.a))
			}
			if r.a.Kind != desk.ActorAgent || r.a.Role == desk.RolePartner {
				if strings.Contains(string(page.JSON), "credit note") {
					t.Errorf("%s reads the internal note: %s", r.name, page.JSON)
				}
			} else if !strings.Contains(string(page.JSON), "credit note") {
				t.Errorf("%s misses the internal note", r.name)
			}
			tags[r.name] = page.ETag
		}
		if tags["staff"] == tags["customer"] || tags["staff"] != tags["staff again"] {
			t.Errorf("tags: %v (staff and customer views must differ; staff's must be stable)", tags)
		}
		if _, err := svc.RecordPage(ctx, desk.AgentActor(stranger), c.ID, ""); !isNotFound(err) {
			t.Errorf("a partner the case is not handed to: %v, want not found", err)
		}
		if _, err := svc.RecordPage(ctx, desk.CustomerActor(must(svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Ivo", Email: "ivo@example.ee"}))), c.ID, tags["customer"]); !isNotFound(err) {
			t.Errorf("another customer, even with the tag: %v, want not found", err)
		}

		// An internal note: the staff's view changes, the customer's does not.
		must(svc.AddMessage(ctx, staff, c.ID, desk.NewMessage{Body: "Second note.", Internal: true}))
		if p := must(svc.RecordPage(ctx, customer, c.ID, tags["customer"])); !p.NotModified || p.ETag != tags["customer"] {
			t.Errorf("customer after an internal note: %+v, want not modified", p)
		}
		p := must(svc.RecordPage(ctx, staff, c.ID, tags["staff"]))
		if p.NotModified || !strings.Contains(string(p.JSON), "Second note.") || string(p.JSON) != want(staff) {
			t.Errorf("staff after an internal note: %+v, want the new record", p)
		}
		// A reply: both change.
		must(svc.AddMessage(ctx, staff, c.ID, desk.NewMessage{Body: "Posted today."}))
		p = must(svc.RecordPage(ctx, customer, c.ID, tags["customer"]))
		if p.NotModified || string(p.JSON) != want(customer) || strings.Contains(string(p.JSON), "Second note.") {
			t.Errorf("customer after a reply: %+v", p)
		}
	})
}

// TestRecordCacheBound checks that a cache too small for a record still answers it whole, and
// that a cache of none answers as Record does.
func TestRecordCacheBound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		for _, bound := range []int64{0, 300} {
			svc := service.New(storetest.Open(t, backend), clock.NewFake(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)), slog.New(slog.DiscardHandler),
				service.WithRecordCache(bound))
			svc.EncodeRecordsWith(func(b []byte, e desk.Entry) ([]byte, error) { return append(b, e.Body...), nil })
			ctx, sys := t.Context(), desk.SystemActor()
			cust := must(svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Mari", Email: "mari@example.ee"}))
			ann := desk.AgentActor(must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ann", Email: "ann@example.ee", Role: "agent"})))
			cases := []int64{}
			for _, s := range []string{"one", "two"} {
				c := must(svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: cust.ID, Subject: s, Body: strings.Repeat(s, 50), Channel: "email"}))
				cases = append(cases, c.ID)
			}
			for range 2 {
				for i, id := range cases {
					must(svc.AddMessage(ctx, ann, id, desk.NewMessage{Body: "more"}))
					page := must(svc.RecordPage(ctx, ann, id, ""))
					if !strings.Contains(string(page.JSON), []string{"one", "two"}[i]) || !strings.HasSuffix(string(page.JSON), "more]\n") {
						t.Errorf("bound %d, case %d: %s", bound, id, page.JSON)
					}
				}
			}
		}
	})
}
