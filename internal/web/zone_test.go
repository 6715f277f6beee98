package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/keptdesk/kept/internal/desk"
)

// A customer who signs in to the portal keeps their browser's time zone, so what the desk
// writes to them afterwards names their own time.
func TestPortalKeepsTheBrowsersZone(t *testing.T) {
	d := newDesk(t, "sqlite")
	ctx := context.Background()
	c, err := d.Svc.CreateCustomer(ctx, desk.AgentActor(d.Admin), desk.NewCustomer{Name: "Mari Maasikas", Email: "mari@example.ee"})
	if err != nil {
		t.Fatal(err)
	}
	link, _ := url.Parse(portalLinkFor(t, d.Svc, d.Clock, "mari@example.ee", "en", d.URL))
	b := d.browser()
	u, _ := url.Parse(d.URL)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: "kept_tz", Value: "Europe/Tallinn", Path: "/"}})
	b.get(link.RequestURI())
	if p := b.post("/portal/signin", url.Values{"token": {link.Query().Get("token")}}); p.Status != http.StatusSeeOther {
		t.Fatalf("sign in by link: %d\n%s", p.Status, p.Body)
	}
	got, err := d.Svc.Customer(ctx, desk.AgentActor(d.Admin), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Timezone != "Europe/Tallinn" {
		t.Fatalf("the customer's zone is %q after signing in from a Tallinn browser", got.Timezone)
	}
}
