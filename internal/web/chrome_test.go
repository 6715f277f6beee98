package web_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdpage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// chrome starts a real headless Chromium for one test and returns a tab's context. Without
// Chromium the test is skipped on a laptop, and fails in CI (CI=true), where it must run.
// Every dialog a page opens (alert, confirm) is dismissed and listed by dialogs(), so a test
// can assert that hostile content ran no script.
func chrome(t *testing.T) (ctx context.Context, dialogs func() []string) {
	t.Helper()
	bin := ""
	for _, name := range []string{os.Getenv("KEPT_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("Chromium is not installed; CI must run the browser tests (apt-get install chromium chromium-driver)")
		}
		t.Skip("Chromium is not installed; skipping a browser test")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "profile")),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium (%s): %v", bin, err)
	}
	var mu sync.Mutex
	var seen []string
	opened := make(chan struct{}, 16)
	if err := chromedp.Listen(ctx, func(ev any) {
		if d, ok := ev.(*cdpage.EventJavascriptDialogOpening); ok {
			mu.Lock()
			seen = append(seen, d.Message)
			mu.Unlock()
			select {
			case opened <- struct{}{}:
			default:
			}
		}
	}); err != nil {
		t.Fatalf("listen to Chromium: %v", err)
	}
	// A dialog stalls the page until answered; dismiss each one from outside the listener.
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-opened:
				_, _ = chromedp.Call(ctx, cdpage.HandleJavaScriptDialog, cdpage.HandleJavaScriptDialogParams{Accept: false})
			}
		}
	}()
	return ctx, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), seen...) }
}

// run runs browser steps with a time limit and fails the test with what was being done.
func run(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// get runs one browser action that returns a value.
func get[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, a)
	for tries := 1; err != nil && tries < 3 && strings.Contains(err.Error(), "No node with given id found"); tries++ {
		// The page replaced a node while it was read (a live update of the case page): the
		// read is of the page as it is now, so it is read again.
		v, err = chromedp.Run(sctx, a)
	}
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// signInChrome signs in through the real form.
func signInChrome(t *testing.T, ctx context.Context, d *testDesk, email, password string) {
	t.Helper()
	run(t, ctx, "sign in as "+email,
		chromedp.Navigate(d.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=email]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), email),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), password),
		chromedp.Submit(chromedp.CSS(`input[name=password]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`input[name=password]`)),
	)
}

// text returns the visible text of the page.
func text(t *testing.T, ctx context.Context) string {
	t.Helper()
	return get(t, ctx, "read the page", chromedp.Text(chromedp.CSS(`body`)))
}

func TestBrowserSignIn(t *testing.T) {
	d := newDesk(t, "sqlite")
	ctx, dialogs := chrome(t)
	run(t, ctx, "open the sign-in page", chromedp.Navigate(d.URL+"/login"), chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)))
	run(t, ctx, "send a wrong password",
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), "admin@example.com"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "not the password"),
		chromedp.Submit(chromedp.CSS(`input[name=password]`)),
		chromedp.WaitVisible(chromedp.CSS(`.error`)))
	if s := text(t, ctx); !strings.Contains(s, "do not match an active agent") {
		t.Fatalf("a wrong password shows:\n%s", s)
	}
	signInChrome(t, ctx, d, "admin@example.com", adminPassword)
	loc := get(t, ctx, "where sign-in lands", chromedp.Location())
	if !strings.HasSuffix(loc, "/inbox") {
		t.Fatalf("after signing in the browser is at %s, want the inbox", loc)
	}
	if s := text(t, ctx); !strings.Contains(s, "Ada Admin") || !strings.Contains(s, "Sign out") {
		t.Fatalf("signed in, the page does not show who is signed in:\n%s", s)
	}
	if got := dialogs(); len(got) > 0 {
		t.Fatalf("dialogs opened: %v", got)
	}
}
