package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mailnet/mailtest"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
	"github.com/keptdesk/kept/internal/web"
)

var (
	embedFormRE = regexp.MustCompile(`name="form" value="([^"]+)"`)
	embedLinkRE = regexp.MustCompile(`https?://\S+/embed/confirm\?token=\S+`)
)

// embedGet reads the embeddable page as a browser in lang would (no cookies: framed on
// another site, the desk's are withheld).
func embedGet(t *testing.T, d *testDesk, path, lang string) page {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, d.URL+path, nil)
	req.Header.Set("Accept-Language", lang)
	return embedDo(t, req)
}

func embedPost(t *testing.T, d *testDesk, form url.Values, lang string) page {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, d.URL+"/embed/request", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Language", lang)
	return embedDo(t, req)
}

func embedDo(t *testing.T, req *http.Request) page {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	b := &browser{t: t, c: c}
	return b.do(req)
}

func embedToken(t *testing.T, p page) string {
	t.Helper()
	m := embedFormRE.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no form token on the page:\n%s", p.Body)
	}
	return m[1]
}

// customerCases counts the cases of the customer at an address (-1: no such customer).
func customerCases(t *testing.T, d *testDesk, email string) int {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := d.St.Read(ctx, func(tx *store.Tx) error {
		var err error
		id, err = tx.CustomerByContact(ctx, desk.Contact{Kind: desk.ContactEmail, Value: email})
		return err
	})
	if store.IsNotFound(err) {
		return -1
	} else if err != nil {
		t.Fatal(err)
	}
	cases, err := d.Svc.Cases(ctx, desk.SystemActor(), service.CaseList{CustomerID: id})
	if err != nil {
		t.Fatal(err)
	}
	return len(cases)
}

// TestEmbedRequestPage: the page a company's site frames, its policy, its signed form, and a
// request that opens a case only once the mailed link confirms the address.
func TestEmbedRequestPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDeskWith(t, backend, web.Options{Zone: time.UTC, EmbedOrigins: []string{"https://shop.example", "https://www.shop.example"}},
			service.WithMail(service.MailConfig{Address: "care@desk.test", Outbound: true}))
		ctx, head := context.Background(), desk.AgentActor(d.Admin)
		allWeek := map[string][]string{}
		for _, day := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
			allWeek[day] = []string{"00:00-24:00"}
		}
		if _, err := d.Svc.CreateAgent(ctx, head, desk.NewAgent{Name: "Ann Tamm", Email: "ann@desk.test", Role: "agent", Team: "Care", Timezone: "UTC", Hours: allWeek}); err != nil {
			t.Fatal(err)
		}
		repair, err := d.Svc.CreateCaseType(ctx, head, desk.NewCaseType{Name: "Repair", Team: "Care", RequiredReferences: []string{"order"}})
		if err != nil {
			t.Fatal(err)
		}
		typeID := portalID(repair.ID)
		relay := mailtest.New(t, d.Svc.Outbox("test"), d.Clock)

		// The page: its policy, framed only by the allowed sites; no script; in the chosen language.
		p := embedGet(t, d, "/embed/request?lang=et&type="+typeID, "en")
		want := "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors https://shop.example https://www.shop.example"
		if p.Status != http.StatusOK || p.Header.Get("Content-Security-Policy") != want || p.Header.Get("X-Frame-Options") != "" {
			t.Fatalf("the page: %d, CSP %q, X-Frame-Options %q", p.Status, p.Header.Get("Content-Security-Policy"), p.Header.Get("X-Frame-Options"))
		}
		p.mustContain(t, "Saatke meile pöördumine", `name="ref_order"`, `name="email"`, `name="name"`, "Repair")
		if strings.Contains(p.Body, "<script") {
			t.Errorf("the page has a script:\n%s", p.Body)
		}
		// Without ?lang= the browser's language.
		embedGet(t, d, "/embed/request", "hr").mustContain(t, "Pošaljite nam zahtjev")

		// A form the desk did not sign is refused in the reader's language, the text kept.
		sent := url.Values{"type": {typeID}, "name": {"Nina Novak"}, "email": {"Nina@Example.org"},
			"body": {"The dryer is loud."}, "ref_order": {"ORD-77"}, "form": {"12345.forged"}}
		p = embedPost(t, d, sent, "hr")
		if p.Status != http.StatusBadRequest {
			t.Fatalf("a forged token: %d\n%s", p.Status, p.Body)
		}
		p.mustContain(t, "Ovaj je obrazac istekao", "The dryer is loud.")
		// A form older than two hours likewise.
		sent.Set("form", embedToken(t, embedGet(t, d, "/embed/request", "en")))
		d.Clock.Advance(service.EmbedFormLength + time.Minute)
		p = embedPost(t, d, sent, "en")
		if p.Status != http.StatusBadRequest {
			t.Fatalf("an old token: %d\n%s", p.Status, p.Body)
		}
		p.mustContain(t, "This form has expired", "The dryer is loud.")

		// A missing reference the type needs: refused, the text kept, nothing mailed.
		sent.Set("form", embedToken(t, p))
		sent.Set("lang", "et")
		sent.Del("ref_order")
		p = embedPost(t, d, sent, "en")
		if p.Status != http.StatusUnprocessableEntity || strings.Contains(p.Body, `id="sent"`) {
			t.Fatalf("without the order: %d\n%s", p.Status, p.Body)
		}
		p.mustContain(t, "The dryer is loud.", `value="Nina Novak"`)
		if got := relay.Drain(); len(got) != 0 {
			t.Fatalf("%d mails after a refused request", len(got))
		}

		// The request: a mail with the link, in the visitor's language; no case yet.
		sent.Set("ref_order", "ORD-77")
		p = embedPost(t, d, sent, "en")
		if p.Status != http.StatusOK {
			t.Fatalf("the request: %d\n%s", p.Status, p.Body)
		}
		p.mustContain(t, "Saatsime aadressile Nina@Example.org lingi", `id="sent"`)
		mails := relay.Drain()
		if len(mails) != 1 || mails[0].To != "nina@example.org" {
			t.Fatalf("the relay got: %+v", mails)
		}
		msg := mails[0].Msg
		if msg.Subject != "Palun kinnitage oma pöördumine" {
			t.Errorf("the mail's subject: %q", msg.Subject)
		}
		link := embedLinkRE.FindString(msg.Text)
		if !strings.HasPrefix(link, d.URL+"/") {
			t.Fatalf("no link to the desk in the mail:\n%s", msg.Text)
		}
		link = strings.TrimPrefix(link, d.URL)
		if n := customerCases(t, d, "nina@example.org"); n > 0 {
			t.Fatalf("%d cases before the link was confirmed", n)
		}

		// Opening the link (as a mail scanner would) opens nothing.
		b := d.browser()
		for range 2 {
			p = b.get(link)
			if p.Status != http.StatusOK {
				t.Fatalf("opening the link: %d\n%s", p.Status, p.Body)
			}
			p.mustContain(t, "Kinnitage oma pöördumine", `action="/embed/confirm"`)
		}
		if n := customerCases(t, d, "nina@example.org"); n > 0 {
			t.Fatalf("%d cases after opening the link without continuing", n)
		}
		token, _ := url.QueryUnescape(strings.TrimPrefix(link, "/embed/confirm?token="))
		p = b.post("/embed/confirm", url.Values{"token": {token}})
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/portal/cases/") {
			t.Fatalf("continue: %d → %q\n%s", p.Status, p.Location, p.Body)
		}
		if n := customerCases(t, d, "nina@example.org"); n != 1 {
			t.Fatalf("%d cases after confirming, want 1", n)
		}
		// Signed into the portal, in their language, with the reference on the case.
		b.get(p.Location).mustContain(t, "The dryer is loud.", "ORD-77")

		// The link works once, and says so in the visitor's language.
		p = d.browser().get(link)
		if p.Status != http.StatusGone {
			t.Fatalf("the link again: %d\n%s", p.Status, p.Body)
		}
		p.mustContain(t, "Seda linki on juba kasutatud")
		b2 := d.browser()
		b2.get("/portal/login")
		if p = b2.post("/embed/confirm", url.Values{"token": {token}}); p.Status != http.StatusGone {
			t.Fatalf("continue again: %d\n%s", p.Status, p.Body)
		}
		if n := customerCases(t, d, "nina@example.org"); n != 1 {
			t.Fatalf("%d cases after using the link twice, want 1", n)
		}

		// Submissions are paced per address and client: the fifth for one address waits.
		for i := range 3 {
			sent.Set("form", embedToken(t, embedGet(t, d, "/embed/request", "en")))
			p = embedPost(t, d, sent, "en")
			if want := http.StatusOK; i == 2 {
				if p.Status != http.StatusTooManyRequests || p.Header.Get("Retry-After") == "" {
					t.Fatalf("a fifth request: %d\n%s", p.Status, p.Body)
				}
				p.mustContain(t, "Siit on saadetud liiga palju pöördumisi", "The dryer is loud.")
			} else if p.Status != want {
				t.Fatalf("request %d: %d", i+3, p.Status)
			}
		}

		// A link not used within a day no longer opens anything, and says so in the visitor's language.
		var links []string
		for _, m := range relay.Drain() {
			if l := embedLinkRE.FindString(m.Msg.Text); l != "" {
				links = append(links, strings.TrimPrefix(l, d.URL))
			}
		}
		if len(links) != 2 {
			t.Fatalf("%d links mailed for the two paced requests", len(links))
		}
		d.Clock.Advance(service.EmbedLinkLength)
		late := links[0]
		if p = d.browser().get(late); p.Status != http.StatusGone {
			t.Fatalf("a day-old link: %d\n%s", p.Status, p.Body)
		}
		p.mustContain(t, "See link on aegunud")
		if n := customerCases(t, d, "nina@example.org"); n != 1 {
			t.Fatalf("%d cases after the paced requests, want 1", n)
		}

		// Without allowed sites the page may not be framed at all.
		plain := newDesk(t, backend)
		p = embedGet(t, plain, "/embed/request", "en")
		if csp := p.Header.Get("Content-Security-Policy"); !strings.HasSuffix(csp, "frame-ancestors 'none'") {
			t.Errorf("without --embed-origins: CSP %q", csp)
		}
	})
}

func TestParseEmbedOrigins(t *testing.T) {
	got, err := web.ParseEmbedOrigins(" https://shop.example , http://localhost:8080,")
	if err != nil || strings.Join(got, " ") != "https://shop.example http://localhost:8080" {
		t.Fatalf("origins: %v %v", got, err)
	}
	for _, bad := range []string{"https://shop.example; script-src *", "shop.example", "javascript:alert(1)", "https://shop.example/path", "*"} {
		if _, err := web.ParseEmbedOrigins(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
