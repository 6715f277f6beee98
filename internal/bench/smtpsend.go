package bench

import (
	"errors"
	"fmt"
	"net/smtp"
)

// DefaultPerSession is how many messages a sender delivers over one SMTP session before it
// opens another. A mail server sends what it has queued for one destination over a session
// it keeps open (Postfix reuses its connections), so a desk's listener sees a few long
// sessions, not one per message; each message is still acknowledged (250) only once committed.
const DefaultPerSession = 20

// smtpSender delivers messages one at a time over an SMTP session it keeps open for up to
// perSession messages, as an MTA does.
type smtpSender struct {
	addr       string
	perSession int
	c          *smtp.Client
	sent       int
}

func newSMTPSender(addr string, perSession int) *smtpSender {
	if perSession <= 0 {
		perSession = DefaultPerSession
	}
	return &smtpSender{addr: addr, perSession: perSession}
}

// send delivers raw from from to to and returns once the listener answered it. After an error
// the session is dropped and the next message opens a new one.
func (s *smtpSender) send(from, to string, raw []byte) error {
	if s.c == nil {
		c, err := smtp.Dial(s.addr)
		if err != nil {
			return fmt.Errorf("smtp session: %w", err)
		}
		if err := c.Hello("sender.bench.kept.test"); err != nil {
			c.Close()
			return fmt.Errorf("smtp session: %w", err)
		}
		s.c, s.sent = c, 0
	}
	err := s.deliver(from, to, raw)
	s.sent++
	if err != nil || s.sent >= s.perSession {
		s.close()
	}
	return err
}

func (s *smtpSender) deliver(from, to string, raw []byte) error {
	if err := s.c.Mail(from); err != nil {
		return err
	}
	if err := s.c.Rcpt(to); err != nil {
		return err
	}
	w, err := s.c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(raw); err != nil {
		return errors.Join(err, w.Close())
	}
	return w.Close() // waits for the answer to the message
}

// close ends the session, if one is open.
func (s *smtpSender) close() {
	if s.c != nil {
		_ = s.c.Quit()
		s.c.Close()
		s.c = nil
	}
}
