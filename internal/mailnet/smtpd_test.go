package mailnet_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/smtp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/mailnet"
)

// keeper is a Receiver that keeps every delivery.
type keeper struct {
	mu sync.Mutex
	ds []mail.Delivery
}

func (k *keeper) Receive(_ context.Context, d mail.Delivery) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.ds = append(k.ds, d)
	return nil
}

func (k *keeper) all() []mail.Delivery {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]mail.Delivery(nil), k.ds...)
}

// startSMTP serves cfg on a loopback port and returns its address.
func startSMTP(t *testing.T, cfg mailnet.ServerConfig, r mailnet.Receiver) string {
	t.Helper()
	if cfg.Domain == "" {
		cfg.Domain = "desk.test"
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := mailnet.NewServer(cfg, r, slog.New(slog.DiscardHandler))
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// TestSMTPLongLines: mail with lines far past RFC 5321's 1,000 octets exists (HTML newsletters,
// some clients), and Postfix takes it; refusing it loses a customer's mail. Each is accepted
// and kept byte for byte, whatever the length of its lines.
func TestSMTPLongLines(t *testing.T) {
	k := &keeper{}
	addr := startSMTP(t, mailnet.ServerConfig{}, k)
	for _, n := range []int{5000, 100_000, 3 << 20} {
		line := strings.Repeat("<td>x</td>", n/10)
		raw := "From: news@example.com\r\nTo: support@desk.test\r\nSubject: Newsletter " + fmt.Sprint(n) +
			"\r\nContent-Type: text/html\r\n\r\n<html>" + line + "</html>\r\n.a line that starts with a dot\r\nend\r\n"
		if err := smtp.SendMail(addr, nil, "news@example.com", []string{"support@desk.test"}, []byte(raw)); err != nil {
			t.Errorf("a %d-character line: %v", n, err)
			continue
		}
		ds := k.all()
		if got := ds[len(ds)-1].Raw; !bytes.Equal(got, []byte(raw)) {
			t.Errorf("a %d-character line: stored %d bytes, not the %d sent", n, len(got), len(raw))
		}
	}
}

// TestSMTPCommandLineLimit: the limit on a line holds for commands, where nothing legitimate
// comes near it, so a client cannot make the listener hold an endless line.
func TestSMTPCommandLineLimit(t *testing.T) {
	addr := startSMTP(t, mailnet.ServerConfig{}, &keeper{})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	if line, _ := r.ReadString('\n'); !strings.HasPrefix(line, "220") {
		t.Fatalf("greeting %q", line)
	}
	fmt.Fprintf(c, "EHLO client.test\r\nMAIL FROM:<%s@example.com>\r\n", strings.Repeat("a", 1<<20))
	var last string
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			break
		}
		last = line
	}
	if !strings.HasPrefix(last, "500") {
		t.Errorf("a 1 MiB command line: last answer %q, want 500 and the connection closed", last)
	}
}

// TestSMTPSessionLimit: one client opening 300 sessions and sitting on them neither gets them
// all nor keeps mail from others out.
func TestSMTPSessionLimit(t *testing.T) {
	k := &keeper{}
	addr := startSMTP(t, mailnet.ServerConfig{}, k)
	greeted, refused := 0, 0
	for i := 0; i < 300; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		line, _ := bufio.NewReader(c).ReadString('\n')
		switch {
		case strings.HasPrefix(line, "220"):
			greeted++
		case strings.HasPrefix(line, "421"):
			refused++
		default:
			t.Fatalf("session %d: greeting %q", i, line)
		}
	}
	if refused == 0 {
		t.Errorf("one client got all of its %d sessions", greeted)
	}
	// Another client still gets its mail in.
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := smtp.NewClient(c, "desk.test")
	if err != nil {
		t.Fatalf("another client while one holds %d sessions: %v", greeted, err)
	}
	defer cl.Close()
	if err := sendOn(cl, "mari@example.ee", "support@desk.test", "From: mari@example.ee\r\nSubject: hi\r\n\r\nhello\r\n"); err != nil {
		t.Errorf("another client's mail: %v", err)
	}
	t.Logf("one client: %d sessions greeted, %d refused", greeted, refused)
}

func sendOn(c *smtp.Client, from, to, raw string) error {
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(raw)); err != nil {
		return err
	}
	return w.Close()
}

// fakeNow is a clock for the listener's idle times.
type fakeNow struct{ ns atomic.Int64 }

func newFakeNow() *fakeNow {
	f := &fakeNow{}
	f.ns.Store(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC).UnixNano())
	return f
}
func (f *fakeNow) now() time.Time          { return time.Unix(0, f.ns.Load()) }
func (f *fakeNow) advance(d time.Duration) { f.ns.Add(int64(d)) }

// dialFrom opens a session from a loopback address and returns its greeting line.
func dialFrom(t *testing.T, ip net.IP, addr string) (net.Conn, *bufio.Reader, string) {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	r := bufio.NewReader(c)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, _ := r.ReadString('\n')
	return c, r, line
}

// closed reports whether the server has closed c (reading ends without an answer).
func closed(c net.Conn, r *bufio.Reader) bool {
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	fmt.Fprintf(c, "NOOP\r\n")
	line, err := r.ReadString('\n')
	return err != nil && line == ""
}

// TestSMTPSessionLimits: at the limit for one client, or for all, a new session takes the
// place of the one idle longest between transactions; a session in the middle of a mail is
// never the one closed, and with nobody idle long enough the newcomer is refused with 421.
func TestSMTPSessionLimits(t *testing.T) {
	clk := newFakeNow()
	addr := startSMTP(t, mailnet.ServerConfig{MaxSessions: 3, MaxPerClient: 2, IdleEvict: 5 * time.Second, Now: clk.now}, &keeper{})
	one, two := net.IPv4(127, 0, 0, 1), net.IPv4(127, 0, 0, 2)
	a, ar, line := dialFrom(t, one, addr)
	if !strings.HasPrefix(line, "220") {
		t.Fatalf("first session: %q", line)
	}
	// The second is in a mail transaction: busy, never evicted.
	b, br, _ := dialFrom(t, one, addr)
	fmt.Fprintf(b, "EHLO client.test\r\nMAIL FROM:<x@example.com>\r\n")
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(l, "250 ") && strings.Contains(l, "2.0.0") && !strings.Contains(l, "Hello") {
			break
		}
	}
	if _, _, line := dialFrom(t, one, addr); !strings.HasPrefix(line, "421") {
		t.Errorf("a third session from one client before anyone idled: %q, want 421", line)
	}
	clk.advance(6 * time.Second)
	if _, _, line := dialFrom(t, one, addr); !strings.HasPrefix(line, "220") {
		t.Errorf("a third session from one client once the first idled: %q, want 220", line)
	}
	if !closed(a, ar) {
		t.Error("the idle session was not closed to make room")
	}
	if closed(b, br) {
		t.Error("the session in a mail transaction was closed")
	}
	// All three places are taken (b, the newcomer, and one from another client); a fourth
	// client gets in only once someone has idled.
	c, cr, _ := dialFrom(t, two, addr)
	if _, _, line := dialFrom(t, net.IPv4(127, 0, 0, 3), addr); !strings.HasPrefix(line, "421") {
		t.Errorf("a session past the listener's limit: %q, want 421", line)
	}
	clk.advance(6 * time.Second)
	if _, _, line := dialFrom(t, net.IPv4(127, 0, 0, 3), addr); !strings.HasPrefix(line, "220") {
		t.Errorf("a session past the limit once others idled: %q, want 220", line)
	}
	_ = c
	_ = cr
}

// TestSMTPChunkingLongLines: BDAT (RFC 3030, which Postfix uses when offered) carries long
// lines too, and a chunk is never read as commands.
func TestSMTPChunkingLongLines(t *testing.T) {
	k := &keeper{}
	addr := startSMTP(t, mailnet.ServerConfig{}, k)
	c, r, _ := dialFrom(t, net.IPv4(127, 0, 0, 1), addr)
	msg := "From: a@example.com\r\nTo: support@desk.test\r\nSubject: chunks\r\n\r\n" + strings.Repeat("y", 10_000) + "\r\n.\r\nBDAT 5\r\n"
	half := len(msg) / 2
	fmt.Fprintf(c, "EHLO client.test\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<support@desk.test>\r\nBDAT %d\r\n%s", half, msg[:half])
	fmt.Fprintf(c, "BDAT %d LAST\r\n%s", len(msg)-half, msg[half:])
	fmt.Fprintf(c, "QUIT\r\n")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var answers []string
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			break
		}
		answers = append(answers, strings.TrimSpace(l))
	}
	ds := k.all()
	if len(ds) != 1 || string(ds[0].Raw) != msg {
		t.Fatalf("chunked mail: %d stored; answers %q", len(ds), answers)
	}
}

// TestSMTPShutdown: stopping closes sessions that are between transactions at once, so a
// client holding idle sessions cannot hold up a restart.
func TestSMTPShutdown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := mailnet.NewServer(mailnet.ServerConfig{Domain: "desk.test"}, &keeper{}, slog.New(slog.DiscardHandler))
	go srv.Serve(ln)
	for range 5 {
		dialFrom(t, net.IPv4(127, 0, 0, 1), ln.Addr().String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown with idle sessions: %v", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("shutdown waited %v for idle sessions", took)
	}
}
