package web_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/api"
	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/metrics"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
	"github.com/keptdesk/kept/internal/web"
)

// testDesk is the whole desk (pages and API) on a real HTTP listener, with a fake clock and a
// signed-up admin whose password is adminPassword. opts adjust the service (e.g. WithMail).
type testDesk struct {
	t     *testing.T
	URL   string
	Svc   *service.Service
	St    *store.Store // the desk's database, for what a test checks behind the service's back
	Clock *clock.Fake
	Admin desk.Agent
	Web   *web.Server
}

const adminPassword = "correct horse battery"

// start is the desk's clock in every page test: a Monday morning.
var start = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func newDesk(t *testing.T, backend string, opts ...service.Option) *testDesk {
	t.Helper()
	return newDeskWith(t, backend, web.Options{Zone: time.UTC}, opts...)
}

// newDeskWith is newDesk with the web server's options.
func newDeskWith(t *testing.T, backend string, wopts web.Options, opts ...service.Option) *testDesk {
	t.Helper()
	return newDeskLogged(t, backend, wopts, slog.New(slog.DiscardHandler), opts...)
}

// newDeskLogged is newDeskWith writing its log to log.
func newDeskLogged(t *testing.T, backend string, wopts web.Options, log *slog.Logger, opts ...service.Option) *testDesk {
	t.Helper()
	st := storetest.Open(t, backend)
	clk := clock.NewFake(start)
	m := metrics.New()
	d := &testDesk{t: t, Clock: clk, St: st}
	d.Svc = service.New(st, clk, log, append(opts, service.WithEvents(func(e service.Event) {
		if d.Web != nil {
			d.Web.Changed(e)
		}
	}))...)
	w, err := web.New(d.Svc, log, m, wopts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w.Handler(api.New(d.Svc, log, m, "test").DrawsRecords(web.DrawRecord).Handler()))
	t.Cleanup(srv.Close)
	d.URL, d.Web = srv.URL, w
	ctx := context.Background()
	if d.Admin, _, err = d.Svc.EnsureAgent(ctx, "admin@example.com", "Ada Admin", desk.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if err := d.Svc.SetPassword(ctx, d.Admin.ID, adminPassword); err != nil {
		t.Fatal(err)
	}
	return d
}

// runTimers runs the timers due by the desk's clock, as the runner of `kept serve` would.
func (d *testDesk) runTimers() {
	d.t.Helper()
	if _, err := d.Svc.Timers(slog.New(slog.DiscardHandler)).RunDue(context.Background()); err != nil {
		d.t.Fatal(err)
	}
}

// browser is one cookie-keeping HTTP client, like one browser profile.
type browser struct {
	t    *testing.T
	d    *testDesk
	c    *http.Client
	csrf string // the form token of the last page read
	// forwardedFor is sent as X-Forwarded-For: the client a trusted proxy would name.
	forwardedFor string
}

func (d *testDesk) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: d.t, d: d, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]*)">`)

// page is an answer: its status, where it redirects and its body.
type page struct {
	Status   int
	Location string
	Body     string
	Header   http.Header
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	if b.forwardedFor != "" {
		req.Header.Set("X-Forwarded-For", b.forwardedFor)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if m := csrfMeta.FindStringSubmatch(string(body)); m != nil {
		b.csrf = m[1]
	}
	return page{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Body: string(body), Header: resp.Header}
}

// get reads a page.
func (b *browser) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.d.URL+path, nil)
	req.Header.Set("Accept-Language", "en")
	return b.do(req)
}

// post sends a form with the last page's token, as the page's own form would.
func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, b.d.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// signIn signs in through the form and fails the test if the desk does not let them in.
func (b *browser) signIn(email, password string) {
	b.t.Helper()
	b.get("/login")
	p := b.post("/login", url.Values{"email": {email}, "password": {password}})
	if p.Status != http.StatusSeeOther {
		b.t.Fatalf("sign in as %s: status %d, want 303; page:\n%s", email, p.Status, p.Body)
	}
}

// mustContain fails unless the page shows every text.
func (p page) mustContain(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if !strings.Contains(p.Body, s) {
			t.Fatalf("the page does not show %q; it is:\n%s", s, p.Body)
		}
	}
}

// upload sends a form with one file (field "file"), as a page's upload form does.
func (b *browser) upload(path string, fields map[string]string, filename string, content []byte) page {
	b.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("csrf", b.csrf)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile("file", filename)
	_, _ = fw.Write(content)
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, b.d.URL+path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.do(req)
}
