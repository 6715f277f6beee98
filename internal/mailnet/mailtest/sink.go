// Package mailtest is an SMTP relay on loopback for tests: the desk's outbox is sent to it as
// `kept serve` sends it, and it keeps what arrives.
package mailtest

import (
	"context"
	"io"
	"log"
	"log/slog"
	"net"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/mailnet"
)

// Mail is one mail the relay received, for one recipient.
type Mail struct {
	To  string
	Msg *mail.Message
}

// Sink is the relay, with a sender of one desk's outbox to it.
type Sink struct {
	t      testing.TB
	mu     sync.Mutex
	got    []Mail
	sender *mailnet.Sender
}

// New starts the relay (stopped when the test ends) and a sender of outbox to it.
func New(t testing.TB, outbox mailnet.Outbox, clk clock.Clock) *Sink {
	t.Helper()
	s := &Sink{t: t}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := smtp.NewServer(backend{s})
	srv.Domain = "relay.test"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	relay, err := mailnet.ParseRelay("smtp://" + ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s.sender = mailnet.NewSender(outbox, relay, clk, slog.New(slog.DiscardHandler))
	return s
}

// Drain sends what the outbox holds and returns what the relay received since the last Drain.
func (s *Sink) Drain() []Mail {
	s.t.Helper()
	if _, err := s.sender.RunDue(context.Background()); err != nil {
		s.t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	got := s.got
	s.got = nil
	return got
}

type backend struct{ s *Sink }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s  *Sink
	to []string
}

func (ss *session) Mail(string, *smtp.MailOptions) error { return nil }
func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}
func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg, err := mail.Parse(raw, mail.DefaultLimits())
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	for _, to := range ss.to {
		ss.s.got = append(ss.s.got, Mail{To: to, Msg: msg})
	}
	return nil
}
func (ss *session) Reset()        { ss.to = nil }
func (ss *session) Logout() error { return nil }
