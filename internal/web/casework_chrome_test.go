package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
)

// Issue 16's daily work on the case page in real Chromium: a reply with a Cc, a Bcc and a file
// (and a file over the limit refused by the page before sending, the text kept), the case set
// waiting on the customer, and a second case of the customer merged into it.
func TestBrowserCaseDailyWork(t *testing.T) {
	d := newDesk(t, "sqlite", service.WithMail(service.MailConfig{Address: "care@desk.test", Outbound: true}))
	bg := context.Background()
	ann := caseAgent(t, d, "Ann Tamm", "ann@example.com", "Care")
	cust := caseMust(d.Svc.CreateCustomer(bg, desk.SystemActor(), desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.ee"}))
	open := func(subject string) service.CaseView {
		return caseMust(d.Svc.OpenCase(bg, desk.SystemActor(), desk.NewCase{CustomerID: cust.ID, Subject: subject, Body: subject, Channel: "email", OwnerID: ann.ID}))
	}
	a, b := open("Kettle leaks"), open("Kettle still leaks")
	file := filepath.Join(t.TempDir(), "manual.pdf")
	if err := os.WriteFile(file, []byte("%PDF-1.4 the kettle's manual"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, dialogs := chrome(t)
	signInChrome(t, ctx, d, "ann@example.com", casePassword)
	caseURL := d.URL + "/cases/" + itoa(a.ID)

	// A file over the limit is refused on the page, in words, and the text stays.
	run(t, ctx, "choose a file over the limit",
		chromedp.Navigate(caseURL),
		chromedp.WaitVisible(chromedp.CSS(`#reply-form`)),
		chromedp.SendKeys(chromedp.CSS(`#reply`), "The manual is attached."),
		chromedp.SetAttributeValue(chromedp.CSS(`#reply-files`), "data-max", "10"),
		chromedp.SetUploadFiles(chromedp.CSS(`#reply-files`), []string{file}),
		chromedp.WaitVisible(chromedp.CSS(`#reply-files-error`)),
	)
	if msg := get(t, ctx, "the refusal", chromedp.Text(chromedp.CSS(`#reply-files-error`))); !strings.Contains(msg, "The files are too large") {
		t.Fatalf("the page says %q", msg)
	}
	if v := get(t, ctx, "the text kept", chromedp.Value(chromedp.CSS(`#reply`))); v != "The manual is attached." {
		t.Fatalf("the text after the refusal: %q", v)
	}

	run(t, ctx, "reply with copies and the file",
		chromedp.SetAttributeValue(chromedp.CSS(`#reply-files`), "data-max", "26214400"),
		chromedp.SetUploadFiles(chromedp.CSS(`#reply-files`), []string{file}),
		chromedp.SendKeys(chromedp.CSS(`#reply-cc`), "jaan@example.ee"),
		chromedp.SendKeys(chromedp.CSS(`#reply-bcc`), "audit@example.ee"),
		chromedp.Click(chromedp.CSS(`#reply-form button.primary`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice.done`)),
	)
	page := text(t, ctx)
	for _, want := range []string{"manual.pdf", "Cc from now on: jaan@example.ee", "Bcc from now on: audit@example.ee"} {
		if !strings.Contains(page, want) {
			t.Errorf("the case page does not show %q", want)
		}
	}
	var mails []store.OutMail
	if err := d.St.Read(bg, func(tx *store.Tx) error {
		var err error
		mails, err = tx.Outbox(bg, a.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	last := mails[len(mails)-1]
	msg, err := mail.Parse(last.Raw, mail.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(last.Also, ",") != "jaan@example.ee,audit@example.ee" || len(msg.Cc) != 1 || len(msg.Attachments) != 1 ||
		strings.Contains(string(last.Raw), "audit@") {
		t.Errorf("the reply's mail: also %v, cc %v, %d attachments", last.Also, msg.Cc, len(msg.Attachments))
	}

	run(t, ctx, "set the case waiting on the customer",
		chromedp.SetValue(chromedp.CSS(`#waiting-form input[name=until]`), "2026-11-25T10:00"),
		chromedp.Click(chromedp.CSS(`#waiting-form button`)),
		chromedp.WaitVisible(chromedp.CSS(`#waiting-state`)),
	)
	if s := text(t, ctx); !strings.Contains(s, "Waiting on the customer: the response clock is paused.") || !strings.Contains(s, "Wed 25 Nov 10:00") {
		t.Errorf("the waiting case does not say so:\n%s", s)
	}

	run(t, ctx, "merge the other case in",
		chromedp.Click(chromedp.CSS(`#merge summary`)),
		chromedp.WaitVisible(chromedp.CSS(`#merge-form input[name=from]`)),
		chromedp.SendKeys(chromedp.CSS(`#merge-form input[name=from]`), b.Ref),
		chromedp.Click(chromedp.CSS(`#merge-form button`)),
		chromedp.WaitVisible(chromedp.CSS(`li.kind-merged`)),
	)
	if s := text(t, ctx); !strings.Contains(s, b.Ref+" merged in.") {
		t.Errorf("the case's record does not say %s merged in", b.Ref)
	}
	run(t, ctx, "open the merged case",
		chromedp.Navigate(d.URL+"/cases/"+itoa(b.ID)),
		chromedp.WaitVisible(chromedp.CSS(`.notice.merged`)),
	)
	if s := text(t, ctx); !strings.Contains(s, "This case was merged into "+a.Ref) || !strings.Contains(s, "Merged into "+a.Ref+".") {
		t.Errorf("the merged case does not point to %s:\n%s", a.Ref, s)
	}
	if got := dialogs(); len(got) > 0 {
		t.Fatalf("dialogs opened: %v", got)
	}
}
