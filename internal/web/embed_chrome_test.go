package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/web"
)

// TestBrowserEmbedFramed: a company's page on another site frames the request page, and a
// visitor sends a request from inside the frame, where the desk's cookies are not sent.
func TestBrowserEmbedFramed(t *testing.T) {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>Shop</title><h1>Our shop</h1><iframe id="desk" src=%q width="600" height="700"></iframe>`, r.URL.Query().Get("src"))
	}))
	t.Cleanup(site.Close)
	// localhost and 127.0.0.1 are different sites to the browser.
	siteURL := strings.Replace(site.URL, "127.0.0.1", "localhost", 1)
	d := newDeskWith(t, "sqlite", web.Options{Zone: time.UTC, EmbedOrigins: []string{siteURL}},
		service.WithMail(service.MailConfig{Address: "care@desk.test", Outbound: true}))
	ctx, _ := chrome(t)
	run(t, ctx, "open the shop's page",
		chromedp.Navigate(siteURL+"/?src="+d.URL+"/embed/request?lang=et"),
		chromedp.WaitVisible(chromedp.CSS(`#desk`)),
	)
	// The frame is of another site: Chromium runs it as a target of its own.
	var frame *target.Info
	for deadline := time.Now().Add(10 * time.Second); frame == nil; {
		infos, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, info := range infos {
			if info.Type == "iframe" && strings.HasPrefix(info.URL, d.URL+"/embed/request") {
				frame = info
			}
		}
		if frame == nil && time.Now().After(deadline) {
			t.Fatalf("the request page was not framed: %+v", infos)
		}
		time.Sleep(50 * time.Millisecond)
	}
	in, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(frame.TargetID))
	defer cancel()
	run(t, in, "send a request from inside the frame",
		chromedp.WaitVisible(chromedp.CSS(`#request-form`)),
		chromedp.SendKeys(chromedp.CSS(`#request-form input[name=name]`), "Nina Novak"),
		chromedp.SendKeys(chromedp.CSS(`#request-form input[name=email]`), "nina@example.org"),
		chromedp.SendKeys(chromedp.CSS(`#request-form textarea[name=body]`), "The dryer is loud."),
		chromedp.Click(chromedp.CSS(`#send-request`)),
		chromedp.WaitVisible(chromedp.CSS(`#sent`)),
	)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if mails := portalMails(t, d); len(mails) == 1 && mails[0].To == "nina@example.org" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no confirmation mail after sending the request from the frame")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
