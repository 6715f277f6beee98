package web_test

import (
	"context"
	"io"
	"log"
	"log/slog"
	"net"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/mailnet"
)

// relaySink is an SMTP server on loopback standing in for the desk's relay: the outbox is sent
// to it as `kept serve` sends it, and it keeps what arrives.
type relaySink struct {
	mu     sync.Mutex
	got    []sunkMail
	sender *mailnet.Sender
	t      *testing.T
}

// sunkMail is one mail the relay received.
type sunkMail struct {
	To  string
	Msg *mail.Message
}

func (s *relaySink) NewSession(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }

type sinkSession struct {
	s  *relaySink
	to []string
}

func (ss *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}
func (ss *sinkSession) Data(r io.Reader) error {
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
		ss.s.got = append(ss.s.got, sunkMail{To: to, Msg: msg})
	}
	return nil
}
func (ss *sinkSession) Reset()        { ss.to = nil }
func (ss *sinkSession) Logout() error { return nil }

// newRelaySink starts the relay and a sender of d's outbox to it.
func newRelaySink(t *testing.T, d *testDesk) *relaySink {
	t.Helper()
	sk := &relaySink{t: t}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := smtp.NewServer(sk)
	srv.Domain = "relay.test"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	relay, err := mailnet.ParseRelay("smtp://" + ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	sk.sender = mailnet.NewSender(d.Svc.Outbox("test"), relay, d.Clock, slog.New(slog.DiscardHandler))
	return sk
}

// drain sends what the outbox holds and returns what the relay received since the last drain.
func (s *relaySink) drain() []sunkMail {
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
