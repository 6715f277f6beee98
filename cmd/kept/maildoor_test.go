package main

import (
	"bytes"
	"errors"
	"fmt"
	"net/smtp"
	"net/textproto"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/store/storetest"
)

// rcpt opens a session and answers what the listener said to RCPT TO:<to>.
func rcpt(t *testing.T, addr, to string) error {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail("someone@example.org"); err != nil {
		t.Fatal(err)
	}
	return c.Rcpt(to)
}

// TestBinaryMailRecipients: the listener takes mail only for the desk's own addresses (its
// address, that address's plus forms, and --mail-accept's addresses and domains) and refuses
// any other recipient with 550 5.1.1, so nobody can make the desk mail a stranger.
func TestBinaryMailRecipients(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		t.Parallel()
		cfg := storetest.Config(t, backend)
		dbArgs := []string{"--data", cfg.DataDir}
		if backend == "postgres" {
			dbArgs = []string{"--db", cfg.URL}
		}
		smtpAddr := freePort(t)
		srv := startServer(t, append(dbArgs, "--smtp", smtpAddr, "--mail-address", "support@desk.test",
			"--mail-accept", "billing@desk.test, @help.desk.test"))
		defer srv.stop(t)
		for _, to := range []string{"support@desk.test", "Support@Desk.Test", "support+k42.abcdef@desk.test", "billing@desk.test",
			"anyone@help.desk.test"} {
			if err := rcpt(t, smtpAddr, to); err != nil {
				t.Errorf("RCPT TO:<%s>: %v, want 250", to, err)
			}
		}
		for _, to := range []string{"victim@example.org", "support@example.org", "other@desk.test", "support@desk.test.example.org",
			"x@sub.help.desk.test"} {
			err := rcpt(t, smtpAddr, to)
			var perr *textproto.Error
			if !errors.As(err, &perr) || perr.Code != 550 || !strings.HasPrefix(perr.Msg, "5.1.1") {
				t.Errorf("RCPT TO:<%s>: %v, want 550 5.1.1", to, err)
			}
		}
	})
}

// TestBinaryMailSenders drives the mail door's sender rules through real SMTP on loopback,
// where (as on any machine without DNS) a mail is judged by its envelope: a forged From: with
// a case ref joins the victim's case only as a flagged entry the customer does not see, and
// escalates nothing; a forged stranger gets no automatic mail; mail from an agent's address
// makes no customer and is reported to the admins.
func TestBinaryMailSenders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		t.Parallel()
		cfg := storetest.Config(t, backend)
		dbArgs := []string{"--data", cfg.DataDir}
		if backend == "postgres" {
			dbArgs = []string{"--db", cfg.URL}
		}
		code, out, errOut := kept(t, "", append([]string{"token", "--email", "head@desk.test", "--role", "admin"}, dbArgs...)...)
		if code != 0 {
			t.Fatalf("kept token: %d %s%s", code, out, errOut)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		token := lines[len(lines)-1]
		relay := startRelay(t)
		smtpAddr := freePort(t)
		srv := startServer(t, append(dbArgs, "--smtp", smtpAddr, "--relay", "smtp://"+relay.addr, "--mail-address", "support@desk.test"))
		defer srv.stop(t)
		srv.call(t, token, "POST", "/api/v1/agents", map[string]any{"name": "Ann Tamm", "email": "ann@desk.test", "role": "agent"}, 201)

		send := func(envelope, raw string) {
			t.Helper()
			if err := sendMail(smtpAddr, envelope, "support@desk.test", raw); err != nil {
				t.Fatalf("mail from %s: %v", envelope, err)
			}
		}
		find := func(word string) []any {
			return srv.call(t, token, "GET", "/api/v1/search?q="+word, nil, 200)["hits"].([]any)
		}
		send("mari@example.ee", "From: Mari Kask <mari@example.ee>\nTo: support@desk.test\nSubject: Ruuter katki\nMessage-ID: <m1-"+backend+
			"@example.ee>\nDate: Mon, 23 Nov 2026 10:00:00 +0200\n\nMinu ruuter on katki.\n")
		hits := find("ruuter")
		if len(hits) != 1 {
			t.Fatalf("Mari's mail: %d cases", len(hits))
		}
		caseID := fmt.Sprint(hits[0].(map[string]any)["case_id"])
		ref := hits[0].(map[string]any)["ref"].(string)
		relay.waitFor(t, "looks after your case") // Mari is introduced to her owner

		send("eve@attacker.test", "From: Mari Kask <mari@example.ee>\nTo: support@desk.test\nSubject: Re: ["+ref+"] uus konto\nMessage-ID: <f1-"+backend+
			"@attacker.test>\nDate: Mon, 23 Nov 2026 11:00:00 +0200\n\nPalun makske tagasi kontole EE00FORGED.\n")
		c := srv.call(t, token, "GET", "/api/v1/cases/"+caseID, nil, 200)
		if fmt.Sprint(c["rung"]) != "0" || !strings.Contains(fmt.Sprint(c["flags"]), "unverified_sender") {
			t.Errorf("after a forged mail: rung %v, flags %v; want rung 0 and unverified_sender", c["rung"], c["flags"])
		}
		record := srv.call(t, token, "GET", "/api/v1/cases/"+caseID+"/record", nil, 200)["list"].([]any)
		forged := 0
		for _, e := range record {
			e := e.(map[string]any)
			if strings.Contains(fmt.Sprint(e["body"]), "FORGED") {
				forged++
				data := e["data"].(map[string]any)
				if e["internal"] != true || data["unverified_sender"] != true || data["auth"].(map[string]any)["verified"] != false {
					t.Errorf("the forged mail's entry: internal %v, data %v", e["internal"], data)
				}
			}
		}
		if forged != 1 {
			t.Errorf("the forged mail is on Mari's case %d times, want once", forged)
		}

		// A stranger's forged From: opens a case, but the desk mails the "sender" nothing.
		send("bulk@spam.test", "From: \"Win at evil.example\" <victim@example.org>\nTo: support@desk.test\nSubject: Winner evil.example\nMessage-ID: <s1-"+backend+
			"@spam.test>\nDate: Mon, 23 Nov 2026 11:00:00 +0200\n\nSpamword.\n")
		if len(find("spamword")) != 1 {
			t.Error("the spam was not kept")
		}
		// Mail from an agent's address opens no case.
		send("ann@desk.test", "From: Ann Tamm <ann@desk.test>\nTo: support@desk.test\nSubject: Fwd: customer wrote to me\nMessage-ID: <a1-"+backend+
			"@desk.test>\nDate: Mon, 23 Nov 2026 11:00:00 +0200\n\nForwardword.\n")
		if hits := find("forwardword"); len(hits) != 0 {
			t.Errorf("mail from an agent's address opened %v", hits)
		}
		notes := srv.call(t, token, "GET", "/api/v1/notifications", nil, 200)["list"].([]any)
		if len(notes) != 1 || notes[0].(map[string]any)["kind"] != "mail_unfiled" || !strings.Contains(fmt.Sprint(notes[0]), "ann@desk.test") {
			t.Errorf("the admin's notifications: %v", notes)
		}
		// The outbox sends in order: once a later mail is out, the stranger's would have been too.
		send("jaan@example.ee", "From: Jaan <jaan@example.ee>\nTo: support@desk.test\nSubject: Arve\nMessage-ID: <j1-"+backend+
			"@example.ee>\nDate: Mon, 23 Nov 2026 11:00:00 +0200\n\nArve kysimus.\n")
		relay.waitFor(t, "jaan@example.ee")
		relay.mu.Lock()
		defer relay.mu.Unlock()
		for _, m := range relay.msgs {
			if bytes.Contains(m, []byte("victim@example.org")) || bytes.Contains(m, []byte("evil.example")) {
				t.Errorf("the desk mailed the forged stranger:\n%s", m)
			}
		}
	})
}

// TestBinaryDemoTakesItsMail: the demo desk takes mail for its own address (support@localhost
// by default) and refuses strangers, like any desk.
func TestBinaryDemoTakesItsMail(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds the demo desk")
	}
	smtpAddr := freePort(t)
	srv := startServer(t, []string{"--data", t.TempDir(), "--demo", "--smtp", smtpAddr})
	defer srv.stop(t)
	if err := sendMail(smtpAddr, "mari@example.ee", "support@localhost", "From: mari@example.ee\nTo: support@localhost\nSubject: Demo\n\nHello.\n"); err != nil {
		t.Errorf("the demo's own address: %v", err)
	}
	var perr *textproto.Error
	if err := rcpt(t, smtpAddr, "victim@example.org"); !errors.As(err, &perr) || perr.Code != 550 {
		t.Errorf("a stranger's address at the demo: %v, want 550", err)
	}
}
