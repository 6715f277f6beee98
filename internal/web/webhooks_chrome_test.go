package web_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/webhooks"
)

// hookReceiver is a real HTTP endpoint on loopback that keeps what it was sent.
type hookReceiver struct {
	mu  sync.Mutex
	got []*http.Request
	raw [][]byte
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.got, h.raw = append(h.got, r), append(h.raw, body)
	h.mu.Unlock()
}

func (h *hookReceiver) count() int { h.mu.Lock(); defer h.mu.Unlock(); return len(h.got) }

// An admin registers a webhook in the desk (issue 17): the desk makes up its secret and shows
// it once; a case opens and the receiver on loopback gets a case_opened signed with that
// secret; the endpoint's log shows it delivered, and "send again" sends it again with the same
// id; the endpoint is turned off, and removed.
func TestBrowserWebhookAdministration(t *testing.T) {
	d := newDesk(t, "sqlite", service.WithWebhooks(true)) // the receiver is on loopback
	rcv := &hookReceiver{}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	ctx, dialogs := chrome(t)
	signInChrome(t, ctx, d, "admin@example.com", adminPassword)
	run(t, ctx, "open the webhooks page from the menu",
		chromedp.Navigate(d.URL+"/inbox"),
		chromedp.Click(chromedp.CSS(`nav.main a[href="/settings/webhooks"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#hook-form`)),
		chromedp.WaitVisible(chromedp.CSS(`#hooks-none`)),
	)
	run(t, ctx, "register an endpoint for case_opened",
		chromedp.SendKeys(chromedp.CSS(`#hook-form input[name=url]`), srv.URL+"/kept"),
		chromedp.Click(chromedp.CSS(`#hook-form input[value=case_opened]`)),
		chromedp.Click(chromedp.CSS(`#hook-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#hook-secret-value`)),
	)
	secret := get(t, ctx, "read the secret", chromedp.Text(chromedp.CSS(`#hook-secret-value`)))
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("the secret shown is %q", secret)
	}
	if s := get(t, ctx, "read the list", chromedp.Text(chromedp.CSS(`#hooks`))); !strings.Contains(s, srv.URL+"/kept") || !strings.Contains(s, "case_opened") ||
		!strings.Contains(s, "None yet") {
		t.Fatalf("the list reads:\n%s", s)
	}

	bg := context.Background()
	cust, err := d.Svc.CreateCustomer(bg, desk.SystemActor(), desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.ee"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := d.Svc.OpenCase(bg, desk.SystemActor(), desk.NewCase{CustomerID: cust.ID, Subject: "Router", Body: "It blinks.", Channel: "web", OwnerID: d.Admin.ID})
	if err != nil {
		t.Fatal(err)
	}
	sender := webhooks.NewSender(d.Svc.WebhookQueue(""), d.Clock, slog.New(slog.DiscardHandler), true)
	if n, err := sender.RunDue(bg); err != nil || n != 1 {
		t.Fatalf("sent %d, %v", n, err)
	}
	rcv.mu.Lock()
	req, body := rcv.got[0], rcv.raw[0]
	rcv.mu.Unlock()
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(req.Header.Get("webhook-id") + "." + req.Header.Get("webhook-timestamp") + "."))
	mac.Write(body)
	if want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)); req.Header.Get("webhook-signature") != want {
		t.Errorf("the signature does not verify with the secret shown")
	}
	var p struct {
		Type string `json:"type"`
		Ref  string `json:"ref"`
	}
	if err := json.Unmarshal(body, &p); err != nil || p.Type != "case_opened" || p.Ref != c.Ref {
		t.Errorf("the receiver got %s (%v)", body, err)
	}

	run(t, ctx, "open the endpoint's log",
		chromedp.Navigate(d.URL+"/settings/webhooks"),
		chromedp.WaitVisible(chromedp.CSS(`#hooks`)),
		chromedp.Click(chromedp.CSS(`a.hook-log`)),
		chromedp.WaitVisible(chromedp.CSS(`#deliveries`)),
	)
	if s := get(t, ctx, "read the log", chromedp.Text(chromedp.CSS(`#deliveries`))); !strings.Contains(s, "case_opened") || !strings.Contains(s, "Delivered") ||
		!strings.Contains(s, "HTTP 200") {
		t.Fatalf("the log reads:\n%s", s)
	}
	run(t, ctx, "send it again",
		chromedp.Click(chromedp.CSS(`button.delivery-resend`)),
		chromedp.WaitVisible(chromedp.CSS(`#hook-done`)),
	)
	if n, err := sender.RunDue(bg); err != nil || n != 1 || rcv.count() != 2 {
		t.Fatalf("sent again %d, %v; the receiver has %d", n, err, rcv.count())
	}
	rcv.mu.Lock()
	if rcv.got[1].Header.Get("webhook-id") != req.Header.Get("webhook-id") {
		t.Errorf("sent again with another id")
	}
	rcv.mu.Unlock()

	run(t, ctx, "turn it off",
		chromedp.Navigate(d.URL+"/settings/webhooks"),
		chromedp.Click(chromedp.CSS(`button.hook-off`)),
		chromedp.WaitVisible(chromedp.CSS(`button.hook-on`)),
	)
	if s := get(t, ctx, "read the state", chromedp.Text(chromedp.CSS(`td.hook-active`))); !strings.Contains(s, "Off") || !strings.Contains(s, "Ada Admin") {
		t.Errorf("after turning it off the state reads %q", s)
	}
	if _, err := d.Svc.OpenCase(bg, desk.SystemActor(), desk.NewCase{CustomerID: cust.ID, Subject: "Kettle", Body: "It leaks.", Channel: "web", OwnerID: d.Admin.ID}); err != nil {
		t.Fatal(err)
	}
	if n, _ := sender.RunDue(bg); n != 0 {
		t.Errorf("an endpoint turned off was sent %d deliveries", n)
	}
	run(t, ctx, "remove it",
		chromedp.Click(chromedp.CSS(`button.hook-delete`)),
		chromedp.WaitVisible(chromedp.CSS(`#hooks-none`)),
	)
	if got := dialogs(); len(got) > 0 {
		t.Fatalf("dialogs opened: %v", got)
	}
}
