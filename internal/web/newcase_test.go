package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// Issue 16, finding 3: a caller who is a new customer could not be logged without the API. The
// inbox's "New case" opens a case for a caller: a new customer is added from their name and
// phone, a known email finds its customer, the caller's words are the original request, and a
// form that is refused keeps what was typed.
func TestNewCaseForCaller(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		ctx := context.Background()
		known, err := d.Svc.CreateCustomer(ctx, desk.SystemActor(), desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.ee"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Svc.CreateAgent(ctx, desk.SystemActor(), desk.NewAgent{Name: "Ann", Email: "ann@desk.test", Role: "agent"}); err != nil {
			t.Fatal(err)
		}
		b := d.browser()
		b.signIn("admin@example.com", adminPassword)
		b.get("/inbox").mustContain(t, `href="/cases/new"`)
		b.get("/cases/new").mustContain(t, "New case for a caller")

		p := b.post("/cases/new", url.Values{"name": {"Ivo Ivić"}, "subject": {"No dial tone"}, "body": {"My line is dead since Monday."}, "channel": {"phone"}})
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("no way to reach the caller: %d", p.Status)
		}
		p.mustContain(t, "Give an email or a phone", `value="Ivo Ivić"`, "My line is dead since Monday.</textarea>")

		p = b.post("/cases/new", url.Values{"name": {"Ivo Ivić"}, "phone": {"+385 91 555 0101"}, "language": {"hr"},
			"subject": {"No dial tone"}, "body": {"My line is dead since Monday."}, "channel": {"phone"}})
		if p.Status != http.StatusSeeOther || !strings.Contains(p.Location, "done=opened_new") {
			t.Fatalf("opening a case for a new caller: %d %s\n%s", p.Status, p.Location, p.Body)
		}
		b.get(p.Location).mustContain(t, "the caller is added as a new customer", "No dial tone", "My line is dead since Monday.")

		p = b.post("/cases/new", url.Values{"email": {"MARI@example.ee"}, "subject": {"Kettle again"}, "body": {"It leaks again."}, "channel": {"web"}})
		if p.Status != http.StatusSeeOther || !strings.Contains(p.Location, "done=opened&") && !strings.HasSuffix(p.Location, "done=opened") {
			t.Fatalf("opening a case for a known customer: %d %s", p.Status, p.Location)
		}
		v, err := d.Svc.Customer(ctx, desk.SystemActor(), known.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Cases) != 1 || v.Cases[0].Subject != "Kettle again" {
			t.Fatalf("Mari's cases: %+v", v.Cases)
		}
	})
}
