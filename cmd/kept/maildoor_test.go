package main

import (
	"errors"
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
