package mailnet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/keptdesk/kept/internal/mail"
)

// Receiver stores a delivered message durably; the listener answers 250 only once it returns nil.
type Receiver interface {
	Receive(ctx context.Context, d mail.Delivery) error
}

// Accepts decides whether the desk takes mail for a recipient address.
type Accepts func(rcpt string) bool

// ServerConfig is how the SMTP listener behaves.
type ServerConfig struct {
	Domain          string  // the name the listener greets with
	MaxMessageBytes int64   // larger messages are refused with a clear 552
	Accepts         Accepts // nil: every recipient (the desk as a catch-all)
}

// NewServer returns an SMTP listener that hands every accepted message to r.
func NewServer(cfg ServerConfig, r Receiver, log *slog.Logger) *smtp.Server {
	if cfg.MaxMessageBytes == 0 {
		cfg.MaxMessageBytes = 30 << 20
	}
	s := smtp.NewServer(&backend{cfg: cfg, r: r, log: log})
	s.Domain = cfg.Domain
	s.MaxMessageBytes = cfg.MaxMessageBytes
	s.MaxRecipients = 100
	s.ReadTimeout = 2 * time.Minute
	s.WriteTimeout = 2 * time.Minute
	return s
}

type backend struct {
	cfg ServerConfig
	r   Receiver
	log *slog.Logger
}

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{b: b, remote: c.Conn().RemoteAddr()}, nil
}

type session struct {
	b      *backend
	remote net.Addr
	from   string
	to     []string
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.b.cfg.Accepts != nil && !s.b.cfg.Accepts(to) {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox at this desk: " + to}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if errors.Is(err, smtp.ErrDataTooLarge) {
		return &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4},
			Message: fmt.Sprintf("message too large: this desk takes at most %d MiB", s.b.cfg.MaxMessageBytes>>20)}
	}
	if err != nil {
		return fmt.Errorf("read message: %w", err)
	}
	if len(strings.TrimSpace(string(raw))) == 0 {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "empty message"}
	}
	// The sender waits for our answer, so the message is stored before we say 250.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.b.r.Receive(ctx, mail.Delivery{From: s.from, To: s.to, Raw: raw}); err != nil {
		s.b.log.Error("mail not stored: asking the sender to retry", "from", s.from, "remote", s.remote, "err", err)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "temporary failure storing the message; please retry"}
	}
	return nil
}
