package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/keptdesk/kept/internal/desk"
)

// TestBrowserDownloadRecord: in real Chromium, the case page's "Download record" links save
// the record as the JSON that verifies and as a PDF, under the case's name.
func TestBrowserDownloadRecord(t *testing.T) {
	d := newPortalDesk(t, "sqlite")
	sc := newPortalScene(t, d)
	if err := d.Svc.SetPassword(context.Background(), sc.ann.ID, adminPassword); err != nil {
		t.Fatal(err)
	}
	ctx, _ := chrome(t)
	dir := t.TempDir()
	if _, err := chromedp.CallBrowser(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir}); err != nil {
		t.Fatal(err)
	}
	signInChrome(t, ctx, d, sc.ann.Email, adminPassword)
	run(t, ctx, "open the case and download its record",
		chromedp.Navigate(d.URL+"/cases/"+strconv.FormatInt(sc.kettle.ID, 10)),
		chromedp.WaitVisible(chromedp.CSS(`#export-json`)),
		chromedp.Click(chromedp.CSS(`#export-json`)),
		chromedp.Click(chromedp.CSS(`#export-pdf`)),
	)
	saved := func(name string) []byte {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err == nil && len(b) > 0 {
				return b
			}
			if time.Now().After(deadline) {
				entries, _ := os.ReadDir(dir)
				t.Fatalf("%s was not saved; the folder holds %v", name, entries)
			}
			time.Sleep(100 * time.Millisecond) // the browser writes the file on its own time
		}
	}
	var x desk.RecordExport
	if err := json.Unmarshal(saved(sc.kettle.Ref+"-record.json"), &x); err != nil {
		t.Fatal(err)
	}
	if f, err := desk.CheckExport(x); f != nil || err != nil || x.Ref != sc.kettle.Ref {
		t.Errorf("the downloaded record does not verify: %v %v", f, err)
	}
	if pdf := saved(sc.kettle.Ref + "-record.pdf"); !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Errorf("the downloaded PDF starts %.20q", pdf)
	}
}
