package mailnet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
	"golang.org/x/sync/semaphore"

	"github.com/keptdesk/kept/internal/mail"
)

// Receiver stores a delivered message durably; the listener answers 250 only once it returns nil.
type Receiver interface {
	Receive(ctx context.Context, d mail.Delivery) error
}

// Accepts decides whether the desk takes mail for a recipient address.
type Accepts func(ctx context.Context, rcpt string) bool

// ServerConfig is how the SMTP listener behaves. Zero fields take the defaults.
type ServerConfig struct {
	Domain          string  // the name the listener greets with
	MaxMessageBytes int64   // larger messages are refused with a clear 552 (30 MiB)
	Accepts         Accepts // nil: every recipient (a catch-all, for tests and benchmarks)

	MaxSessions  int           // sessions at once (100)
	MaxPerClient int           // sessions at once from one client address (20)
	IdleEvict    time.Duration // at a limit, a session idle this long between transactions makes room (5 s)
	ReadTimeout  time.Duration // for a command, and between a message's bytes (2 min)

	// SpoolDir holds a message while it comes in (os.TempDir when empty), so a session holds
	// only a buffer, whatever the size of its mail.
	SpoolDir string
	// MemoryBudget bounds the bytes of mail parsed and stored at once (32 MiB): a message
	// waits for its share, as a whole while larger than the budget.
	MemoryBudget int64
	Now          func() time.Time // the clock for idle times (time.Now)
}

// The defaults of ServerConfig. Postfix takes 100 sessions at once (default_process_limit)
// and 50 from one client; a desk's listener sits behind an MX or a relay that sends over a
// few connections, so 20 leaves room and keeps one client from taking the door.
const (
	DefaultMaxSessions  = 100
	DefaultMaxPerClient = 20
	DefaultIdleEvict    = 5 * time.Second
	DefaultMemoryBudget = 32 << 20
)

func (cfg ServerConfig) withDefaults() ServerConfig {
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = 30 << 20
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	if cfg.MaxPerClient <= 0 {
		cfg.MaxPerClient = DefaultMaxPerClient
	}
	if cfg.IdleEvict <= 0 {
		cfg.IdleEvict = DefaultIdleEvict
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = 2 * time.Minute
	}
	if cfg.SpoolDir == "" {
		cfg.SpoolDir = os.TempDir()
	}
	if cfg.MemoryBudget <= 0 {
		cfg.MemoryBudget = DefaultMemoryBudget
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg
}

// Server is the desk's SMTP listener.
type Server struct {
	smtp *smtp.Server
	gate *gate
}

// NewServer returns an SMTP listener that hands every accepted message to r.
func NewServer(cfg ServerConfig, r Receiver, log *slog.Logger) *Server {
	cfg = cfg.withDefaults()
	b := &backend{cfg: cfg, r: r, log: log, budget: semaphore.NewWeighted(cfg.MemoryBudget)}
	s := smtp.NewServer(b)
	s.Domain = cfg.Domain
	s.MaxMessageBytes = cfg.MaxMessageBytes
	s.MaxRecipients = 100
	s.MaxLineLength = 0 // counted by the door, for commands only (door.go)
	s.ReadTimeout = cfg.ReadTimeout
	s.WriteTimeout = 2 * time.Minute
	s.ErrorLog = slogLogger{log}
	return &Server{smtp: s, gate: newGate(cfg)}
}

// Serve accepts sessions on l until Close or Shutdown.
func (s *Server) Serve(l net.Listener) error {
	return s.smtp.Serve(listener{Listener: l, g: s.gate})
}

// Close stops at once, cutting off sessions in flight.
func (s *Server) Close() error { return s.smtp.Close() }

// Shutdown stops taking sessions, closes those between transactions, and waits (until ctx
// ends) for the others to finish theirs.
func (s *Server) Shutdown(ctx context.Context) error {
	done := make(chan error, 1)
	go func() { done <- s.smtp.Shutdown(ctx) }()
	s.gate.drain()
	return <-done
}

// ErrServerClosed is what Serve returns after Close or Shutdown.
var ErrServerClosed = smtp.ErrServerClosed

// slogLogger sends go-smtp's own log lines (a session's I/O errors) to the desk's log.
type slogLogger struct{ log *slog.Logger }

func (l slogLogger) Printf(format string, v ...any) {
	l.log.Debug("smtp: " + fmt.Sprintf(format, v...))
}
func (l slogLogger) Println(v ...any) { l.log.Debug("smtp: " + strings.TrimSpace(fmt.Sprintln(v...))) }

type backend struct {
	cfg    ServerConfig
	r      Receiver
	log    *slog.Logger
	budget *semaphore.Weighted
}

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	s := &session{b: b, c: c}
	s.door, _ = c.Conn().(*doorConn)
	return s, nil
}

type session struct {
	b    *backend
	c    *smtp.Conn
	door *doorConn // nil when served without the door (never, through Serve)
	from string
	to   []string
}

func (s *session) busy(b bool) {
	if s.door != nil {
		s.door.setBusy(b)
	}
}

func (s *session) Reset() {
	s.from, s.to = "", nil
	s.busy(false)
}

func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	s.busy(true)
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.b.cfg.Accepts != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if !s.b.cfg.Accepts(ctx, to) {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox at this desk: " + to}
		}
	}
	s.to = append(s.to, to)
	return nil
}

// How long a message may wait for its share of the memory budget: a sender waits up to 10
// minutes for the answer to its message (RFC 5321 4.5.3.2.6), and storing needs time too.
const budgetWait = 4 * time.Minute

func (s *session) Data(r io.Reader) error {
	// The message goes to a spool file as it comes, so a session costs a buffer, not its mail.
	f, err := os.CreateTemp(s.b.cfg.SpoolDir, "kept-smtp-*.eml")
	if err != nil {
		s.b.log.Error("mail not taken: cannot spool it", "dir", s.b.cfg.SpoolDir, "err", err)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "temporary failure storing the message; please retry"}
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	n, err := io.Copy(f, r)
	if errors.Is(err, smtp.ErrDataTooLarge) {
		return &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4},
			Message: fmt.Sprintf("message too large: this desk takes at most %d MiB", s.b.cfg.MaxMessageBytes>>20)}
	}
	if err != nil {
		return fmt.Errorf("read message: %w", err)
	}
	// Then it waits for its share of the memory budget, so only a few large mails are read,
	// parsed and stored at once.
	weight := min(max(n, 1), s.b.cfg.MemoryBudget)
	wctx, cancel := context.WithTimeout(context.Background(), budgetWait)
	defer cancel()
	if err := s.b.budget.Acquire(wctx, weight); err != nil {
		s.b.log.Warn("mail not taken: too much mail being stored; asking the sender to retry", "from", s.from, "bytes", n)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 1}, Message: "too busy to store the message now; please retry"}
	}
	defer s.b.budget.Release(weight)
	raw := make([]byte, n)
	if _, err := f.ReadAt(raw, 0); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read spooled message %s: %w", filepath.Base(f.Name()), err)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "empty message"}
	}
	d := mail.Delivery{From: s.from, To: s.to, Raw: raw, Helo: s.c.Hostname()}
	remote := s.c.Conn().RemoteAddr()
	if a, ok := remote.(*net.TCPAddr); ok {
		d.RemoteIP = a.IP
	}
	// The sender waits for our answer, so the message is stored before we say 250.
	ctx, cancelStore := context.WithTimeout(context.Background(), time.Minute)
	defer cancelStore()
	if err := s.b.r.Receive(ctx, d); err != nil {
		s.b.log.Error("mail not stored: asking the sender to retry", "from", s.from, "remote", remote, "err", err)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "temporary failure storing the message; please retry"}
	}
	return nil
}
