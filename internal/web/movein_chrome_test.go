package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
)

// Issue 16, "Done when": a team moves in, administered in a real browser. An admin creates a
// team with an address, hours and Estonian as its language, an agent with a lunch break (who
// is mailed a link to set a password: nobody sees one), a case type with translated steps, a
// canned reply with variables and a routing rule (an automation that raises the priority of
// invoices). A mail to the team's address then lands with that agent, at work, with the
// rule's priority; the agent, signed in in Estonian, answers with the canned reply, its
// variables filled in Estonian, and attaches the corrected invoice (on the page, on the
// record with its SHA-256, and in the mail); the admin log shows each change.
func TestBrowserTeamMovesIn(t *testing.T) {
	d := newDesk(t, "sqlite", service.WithMail(service.MailConfig{Address: "care@desk.test", Outbound: true}))
	bg := context.Background()
	ctx, dialogs := chrome(t)
	signInChrome(t, ctx, d, "admin@example.com", adminPassword)
	weekdays := []string{"mon", "tue", "wed", "thu", "fri"}

	team := []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(d.URL + "/admin/teams"),
		chromedp.WaitVisible(chromedp.CSS(`#new-team`)),
		chromedp.SendKeys(chromedp.CSS(`form[action="/admin/teams"] input[name=name]`), "Arveldus"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/teams"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#team-form`)),
		chromedp.SetValue(chromedp.CSS(`#team-form input[name=timezone]`), "Europe/Tallinn"),
		chromedp.SetValue(chromedp.CSS(`#team-form textarea[name=addresses]`), "arved@desk.test"),
		chromedp.SetValue(chromedp.CSS(`#team-form select[name=language]`), "et"),
	}
	for _, day := range weekdays {
		team = append(team, chromedp.SetValue(chromedp.CSS(`#team-form input[name=bh_`+day+`]`), "08:00-17:00"))
	}
	team = append(team, chromedp.Click(chromedp.CSS(`#team-form button[type=submit]`)))
	run(t, ctx, "create a team with an address, hours and a language", team...)
	notice(t, ctx, "Saved.")

	agent := []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(d.URL + "/admin/agents"),
		chromedp.WaitVisible(chromedp.CSS(`#new-agent-form`)),
		chromedp.SendKeys(chromedp.CSS(`#new-agent-form input[name=name]`), "Kati Kask"),
		chromedp.SendKeys(chromedp.CSS(`#new-agent-form input[name=email]`), "kati@desk.test"),
		chromedp.SendKeys(chromedp.CSS(`#new-agent-form input[name=team]`), "Arveldus"),
		chromedp.SetValue(chromedp.CSS(`#new-agent-form input[name=timezone]`), "Europe/Tallinn"),
	}
	for _, day := range weekdays { // lunch 12:00-12:30 every weekday
		agent = append(agent, chromedp.SetValue(chromedp.CSS(`#new-agent-form input[name=`+day+`]`), "09:00-12:00, 12:30-17:00"))
	}
	agent = append(agent, chromedp.Click(chromedp.CSS(`#new-agent-form button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`#agent-form`)),
		chromedp.Click(chromedp.CSS(`#password-reset button[type=submit]`)))
	run(t, ctx, "add an agent with a lunch break and mail them a password link", agent...)
	notice(t, ctx, "A one-time link to set a new password was mailed")

	run(t, ctx, "add a case type with translated steps",
		chromedp.Navigate(d.URL+"/admin/case-types"),
		chromedp.WaitVisible(chromedp.CSS(`#type-form`)),
		chromedp.SendKeys(chromedp.CSS(`#type-form input[name=name]`), "Invoice correction"),
		chromedp.SendKeys(chromedp.CSS(`#type-form input[name=team]`), "Arveldus"),
		chromedp.SendKeys(chromedp.CSS(`#type-form input[name=references]`), "invoice"),
		chromedp.SetValue(chromedp.CSS(`#type-form textarea[name=steps]`), "Check: we check the invoice\nCorrection: we send a corrected invoice"),
		chromedp.SetValue(chromedp.CSS(`#type-form textarea[name=steps_et]`), "Kontroll: kontrollime arvet\nParandus: saadame parandatud arve"),
		chromedp.SetValue(chromedp.CSS(`#type-form textarea[name=steps_hr]`), "Provjera: provjeravamo račun\nIspravak: šaljemo ispravljeni račun"),
		chromedp.Click(chromedp.CSS(`#type-form button[type=submit]`)),
	)
	notice(t, ctx, "The case type was added.")
	canned := "Tere, {{customer.first_name}}! Parandame juhtumi {{case.ref}} arve ja saadame selle hiljemalt {{promise.due}}.\n{{agent.name}}"
	run(t, ctx, "add a canned reply with variables",
		chromedp.Navigate(d.URL+"/admin/canned"),
		chromedp.WaitVisible(chromedp.CSS(`#canned-form`)),
		chromedp.SendKeys(chromedp.CSS(`#canned-form input[name=name]`), "Arve parandatud"),
		chromedp.SetValue(chromedp.CSS(`#canned-form textarea[name=body]`), canned),
		chromedp.Click(chromedp.CSS(`#canned-form button[type=submit]`)),
	)
	notice(t, ctx, "The canned reply was added.")
	run(t, ctx, "add a routing rule: invoices are urgent",
		chromedp.Navigate(d.URL+"/settings/automations"),
		chromedp.WaitVisible(chromedp.CSS(`#auto-form`)),
		chromedp.SetValue(chromedp.CSS(`#auto-form input[name=name]`), "Invoices first"),
		chromedp.SetValue(chromedp.CSS(`#auto-form select[name=event]`), "case_opened"),
		chromedp.SetValue(chromedp.CSS(`#auto-form input[name=words]`), "arve, invoice"),
		chromedp.SetValue(chromedp.CSS(`#auto-form select[name=do]`), "set_priority"),
		chromedp.SetValue(chromedp.CSS(`#auto-form select[name=priority]`), "urgent"),
		chromedp.Click(chromedp.CSS(`#auto-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#automations`)),
	)

	// Monday 09:00 UTC is 11:00 in Tallinn: Kati is at work, before her lunch.
	raw := "From: Mari Mets <mari@example.ee>\r\nTo: arved@desk.test\r\nSubject: Arve on topelt\r\nMessage-ID: <movein-1@example.ee>\r\n" +
		"Date: Mon, 23 Nov 2026 08:59:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Tere! Novembri arve tuli kaks korda.\r\n"
	res, err := d.Svc.ReceiveMail(bg, mail.Delivery{From: "mari@example.ee", To: []string{"arved@desk.test"}, Raw: []byte(raw)})
	if err != nil {
		t.Fatal(err)
	}
	cv, err := d.Svc.Case(bg, desk.AgentActor(d.Admin), res.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	if cv.Owner.Name != "Kati Kask" || cv.Team != "Arveldus" || cv.Priority != "urgent" {
		t.Fatalf("the mail landed with %q of %q at priority %q, want Kati Kask of Arveldus, urgent", cv.Owner.Name, cv.Team, cv.Priority)
	}
	kati, err := d.Svc.AgentToEdit(bg, desk.AgentActor(d.Admin), cv.OwnerID)
	if err != nil {
		t.Fatal(err)
	}
	if !desk.Available(kati, nil, d.Clock.Now()) {
		t.Fatalf("Kati is not at work at %v: %+v", d.Clock.Now(), kati.Hours)
	}

	// Kati sets her password from the mailed link, in her own browser, and reads the desk in
	// Estonian.
	var link string
	for _, m := range portalMails(t, d) {
		if m.To == "kati@desk.test" {
			msg, err := mail.Parse(m.Raw, mail.DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			link = resetLinkRE.FindString(msg.Text)
		}
	}
	if link == "" {
		t.Fatal("no password link was mailed to Kati")
	}
	kctx, kdialogs := chrome(t)
	const password = "kati uus salasõna"
	run(t, kctx, "set a password from the link",
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/login/reset/password"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), password),
		chromedp.SendKeys(chromedp.CSS(`input[name=repeat]`), password),
		chromedp.Submit(chromedp.CSS(`input[name=repeat]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`input[name=repeat]`)),
		chromedp.Click(chromedp.CSS(`form.langs button[value="et"]`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="et"]`)),
	)
	due := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC) // Tuesday 11:00 in Tallinn, before lunch
	run(t, kctx, "promise the corrected invoice",
		chromedp.Navigate(fmt.Sprintf("%s/cases/%d", d.URL, cv.ID)),
		chromedp.WaitVisible(chromedp.CSS(`#make-promise > summary`)),
		chromedp.Click(chromedp.CSS(`#make-promise > summary`)),
		chromedp.WaitVisible(chromedp.CSS(`#promise-form textarea[name=words]`)),
		chromedp.SetValue(chromedp.CSS(`#promise-form input[name=due]`), "2026-11-24T11:00"),
		chromedp.SetValue(chromedp.CSS(`#promise-form textarea[name=words]`), "Saadan parandatud arve."),
		chromedp.Click(chromedp.CSS(`#promise-form button.primary`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice.done`)),
	)
	list, err := d.Svc.CannedReplies(bg, desk.AgentActor(d.Admin))
	if err != nil || len(list) != 1 {
		t.Fatalf("canned replies: %v %v", list, err)
	}
	tallinn, _ := time.LoadLocation("Europe/Tallinn")
	want := fmt.Sprintf("Tere, Mari! Parandame juhtumi %s arve ja saadame selle hiljemalt %s.", cv.Ref, desk.ReaderFor("et", "").Stamp(due, tallinn))
	// The corrected invoice goes with the reply, chosen in the composer's file input.
	invoice := []byte("%PDF-1.4 arve 2026-11 parandatud")
	file := filepath.Join(t.TempDir(), "arve-parandatud.pdf")
	if err := os.WriteFile(file, invoice, 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, kctx, "answer with the canned reply and the corrected invoice",
		chromedp.SetValue(chromedp.CSS(`#reply-form select[name=canned]`), fmt.Sprint(list[0].ID)),
		chromedp.SetUploadFiles(chromedp.CSS(`#reply-files`), []string{file}),
		chromedp.Click(chromedp.CSS(`#reply-form button.primary`)),
	)
	waitFor(t, kctx, "the reply on the page", fmt.Sprintf(`document.body.innerText.includes(%q)`, want))
	if s := text(t, kctx); !strings.Contains(s, want) || !strings.Contains(s, "Kati Kask") || !strings.Contains(s, "arve-parandatud.pdf") {
		t.Fatalf("the case page does not show the reply %q with arve-parandatud.pdf:\n%s", want, s)
	}
	rec, err := d.Svc.Record(bg, desk.AgentActor(d.Admin), cv.ID)
	if err != nil {
		t.Fatal(err)
	}
	var sent string
	var files []desk.File
	for _, e := range rec {
		if e.Kind == desk.KindMessageOut {
			sent = e.Body
			od, _ := desk.DataOf[desk.MessageOutData](e)
			files = od.Files
		}
	}
	if !strings.HasPrefix(sent, want) || strings.Contains(sent, "{{") {
		t.Fatalf("the reply on the record: %q, want it to start %q", sent, want)
	}
	sum := sha256.Sum256(invoice)
	if len(files) != 1 || files[0].Filename != "arve-parandatud.pdf" || files[0].SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("the reply's entry names the files %+v, want arve-parandatud.pdf with its SHA-256", files)
	}
	var mails []store.OutMail
	if err := d.St.Read(bg, func(tx *store.Tx) error {
		var err error
		mails, err = tx.Outbox(bg, cv.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(mails) == 0 {
		t.Fatal("no mail went out for the reply")
	}
	out, err := mail.Parse(mails[len(mails)-1].Raw, mail.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Attachments) != 1 || out.Attachments[0].Filename != "arve-parandatud.pdf" || string(out.Attachments[0].Data) != string(invoice) {
		t.Fatalf("the reply's mail carries %d attachments, want arve-parandatud.pdf with its bytes", len(out.Attachments))
	}

	run(t, ctx, "read the admin log",
		chromedp.Navigate(d.URL+"/admin/log"),
		chromedp.WaitVisible(chromedp.CSS(`#admin-log`)),
	)
	log := get(t, ctx, "read the log", chromedp.Text(chromedp.CSS(`#admin-log`)))
	for _, want := range []string{"Team settings changed", "arved@desk.test", "Agent added", "kati@desk.test", "Password reset link mailed",
		"Case type added", "Kontroll", "Canned reply added", "Arve parandatud", "Automation set up", "Invoices first"} {
		if !strings.Contains(log, want) {
			t.Fatalf("the admin log lacks %q:\n%s", want, log)
		}
	}
	if head := get(t, ctx, "read the head", chromedp.Text(chromedp.CSS(`#admin-log-head`))); !strings.Contains(head, "hash chain") {
		t.Fatalf("the log's head reads %q", head)
	}
	if got := append(dialogs(), kdialogs()...); len(got) > 0 {
		t.Fatalf("dialogs opened: %v", got)
	}
}

// notice waits for the admin page's notice to say what a change was answered with: the page
// the form's post led to, not the one it was sent from.
func notice(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	waitFor(t, ctx, "the notice "+want, fmt.Sprintf(`(document.getElementById('admin-notice') || {textContent: ''}).textContent.includes(%q)`, want))
}

// waitFor waits until a script's test holds on the page; a poll that a navigation interrupts
// is asked again on the new page.
func waitFor(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	var err error
	for range 5 {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err = chromedp.Run(sctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(10*time.Second)))
		cancel()
		if err == nil {
			return
		}
	}
	t.Fatalf("wait for %s: %v\n%s", what, err, text(t, ctx))
}
