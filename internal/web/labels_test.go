package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// Issue 16, finding 3: priority, tags, sorting and a paged inbox. The case page sets a case's
// priority and tags (on the record); the inbox shows them, narrows by them, sorts, and pages
// past its 200 rows with an "Older cases" link that keeps the filter.
func TestCaseLabelsAndInboxPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		ctx, sys := context.Background(), desk.SystemActor()
		cust, err := d.Svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.ee"})
		if err != nil {
			t.Fatal(err)
		}
		var first service.CaseView
		err = d.Svc.Batch(ctx, func(b *service.Service) error {
			for i := range 205 {
				c, err := b.OpenCase(ctx, sys, desk.NewCase{CustomerID: cust.ID, Subject: fmt.Sprintf("Kettle %03d", i), Body: "It leaks.", Channel: "email", OwnerID: d.Admin.ID})
				if err != nil {
					return err
				}
				if i == 0 {
					first = c
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		b := d.browser()
		b.signIn("admin@example.com", adminPassword)
		casePath := fmt.Sprintf("/cases/%d", first.ID)
		b.get(casePath).mustContain(t, `id="labels-form"`, "Normal")
		p := b.post(casePath+"/labels", url.Values{"priority": {"high"}, "tags": {"Refund, kettle"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("setting the labels: %d\n%s", p.Status, p.Body)
		}
		b.get(p.Location).mustContain(t, "The priority and tags are saved", `<span class="badge prio-high" id="case-priority">High</span>`,
			`>refund</a>`, `>kettle</a>`, "Priority changed", "Priority: normal → high", "Tags: none → refund, kettle")
		p = b.post(casePath+"/labels", url.Values{"priority": {"asap"}, "tags": {"refund"}})
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("a priority that is none: %d", p.Status)
		}

		b.get("/inbox?priority=high").mustContain(t, first.Ref, "Kettle 000")
		if p := b.get("/inbox?priority=low"); strings.Contains(p.Body, first.Ref+"<") {
			t.Error("a high case is listed among the low ones")
		}
		if p := b.get("/inbox?tag=refund"); !strings.Contains(p.Body, first.Ref) || strings.Contains(p.Body, "Kettle 001") {
			t.Errorf("the refund tag lists:\n%s", p.Body)
		}
		sorted := b.get("/inbox?sort=priority")
		if i, j := strings.Index(sorted.Body, "Kettle 000"), strings.Index(sorted.Body, "Kettle 204"); i < 0 || j < 0 || i > j {
			t.Error("sorted by priority, the high case is not first")
		}

		// 206 cases: the first page has 200 and a link to the rest.
		p = b.get("/inbox?sort=created")
		if n := strings.Count(p.Body, `<tr data-case=`); n != 200 {
			t.Fatalf("the first page has %d rows", n)
		}
		p.mustContain(t, "Older cases")
		m := regexp.MustCompile(`<a href="([^"]*)" rel="next" id="inbox-older">`).FindStringSubmatch(p.Body)
		if m == nil {
			t.Fatal("no link to older cases")
		}
		href := strings.ReplaceAll(m[1], "&amp;", "&")
		if !strings.Contains(href, "sort=created") || !strings.Contains(href, "after=") {
			t.Fatalf("the older link: %s", href)
		}
		older := b.get(href)
		if n := strings.Count(older.Body, `<tr data-case=`); n != 5 || strings.Contains(older.Body, `id="inbox-older"`) {
			t.Fatalf("the second page has %d rows:\n%s", n, older.Body)
		}
		older.mustContain(t, "Kettle 000", "Kettle 004")
	})
}
