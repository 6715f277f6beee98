package mailnet

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// testRelay is a real SMTP server on loopback that keeps what it receives. It can refuse the
// next messages with a given reply, and be stopped and started again on the same port.
type testRelay struct {
	t         testing.TB
	addr      string
	tls       *tls.Config       // offers STARTTLS, or with implicit, speaks TLS from the start
	implicit  bool              // smtps
	users     map[string]string // AUTH PLAIN accounts; when set, MAIL needs AUTH
	clearAuth bool              // offer AUTH without TLS

	mu         sync.Mutex
	srv        *smtp.Server
	ln         net.Listener
	served     chan struct{}
	mails      []relayedMail
	sessions   int // SMTP sessions opened
	answer     int // reply code for the next DATA commands, 0 for 250
	answerLeft int // how many more DATA commands get answer; <0: all
}

type relayedMail struct {
	From string
	To   []string
	Data []byte
	TLS  bool
	User string
}

// startTestRelay starts r on a free loopback port; it is stopped when the test ends.
func startTestRelay(t testing.TB, r *testRelay) *testRelay {
	t.Helper()
	r.t = t
	r.start()
	t.Cleanup(r.stop)
	return r
}

// start listens on the relay's port (a new one the first time).
func (r *testRelay) start() {
	r.t.Helper()
	addr := r.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		r.t.Fatalf("test relay: listen on %s: %v", addr, err)
	}
	r.addr = ln.Addr().String()
	if r.implicit {
		ln = tls.NewListener(ln, r.tls)
	}
	srv := smtp.NewServer(&relayBackend{r: r})
	srv.Domain = "relay.test"
	srv.TLSConfig = r.tls
	srv.AllowInsecureAuth = r.clearAuth
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	served := make(chan struct{})
	r.mu.Lock()
	r.srv, r.ln, r.served = srv, ln, served
	r.mu.Unlock()
	go func() {
		defer close(served)
		_ = srv.Serve(ln)
	}()
}

// stop closes the listener and every connection; the port is free for start again.
func (r *testRelay) stop() {
	r.mu.Lock()
	srv, ln, served := r.srv, r.ln, r.served
	r.srv = nil
	r.mu.Unlock()
	if srv == nil {
		return
	}
	_ = srv.Close()
	// Close misses a listener Serve has not registered yet (a stop right after start).
	_ = ln.Close()
	<-served
}

// refuse makes the next n DATA commands (all, with n < 0) answer code; 0 accepts again.
func (r *testRelay) refuse(code, n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.answer, r.answerLeft = code, n
}

func (r *testRelay) received() []relayedMail {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]relayedMail(nil), r.mails...)
}

func (r *testRelay) url(query string) string {
	u := "smtp://" + r.addr
	if r.implicit {
		u = "smtps://" + r.addr
	}
	if query != "" {
		u += "?" + query
	}
	return u
}

type relayBackend struct{ r *testRelay }

func (b *relayBackend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	b.r.mu.Lock()
	b.r.sessions++
	b.r.mu.Unlock()
	return &relaySession{r: b.r, conn: c}, nil
}

type relaySession struct {
	r    *testRelay
	conn *smtp.Conn
	user string
	from string
	to   []string
}

func (s *relaySession) AuthMechanisms() []string {
	if len(s.r.users) == 0 {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *relaySession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if want, ok := s.r.users[user]; !ok || want != pass {
			return smtp.ErrAuthFailed
		}
		s.user = user
		return nil
	}), nil
}

func (s *relaySession) Mail(from string, _ *smtp.MailOptions) error {
	if len(s.r.users) > 0 && s.user == "" {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	}
	s.from = from
	return nil
}

func (s *relaySession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *relaySession) Data(rd io.Reader) error {
	data, err := io.ReadAll(rd)
	if err != nil {
		return err
	}
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	if s.r.answer != 0 && s.r.answerLeft != 0 {
		s.r.answerLeft--
		return &smtp.SMTPError{Code: s.r.answer, EnhancedCode: smtp.EnhancedCode{s.r.answer / 100, 0, 0}, Message: "test relay says no"}
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.r.mails = append(s.r.mails, relayedMail{From: s.from, To: s.to, Data: data, TLS: isTLS, User: s.user})
	return nil
}

func (s *relaySession) Reset()        { s.from, s.to = "", nil }
func (s *relaySession) Logout() error { return nil }

// selfSignedTLS is a server config with a fresh certificate for 127.0.0.1 that no one trusts.
func selfSignedTLS(t testing.TB) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "relay.test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

const relayTestMessage = "From: Desk <desk@kept.test>\r\nTo: mari@example.ee\r\nMessage-ID: <r1@kept.test>\r\n" +
	"Subject: Your case\r\n\r\nHello,\r\n.a line starting with a dot\r\n..and two\r\n\r\nbye\r\n"

func mustParseRelay(t testing.TB, u string) Relay {
	t.Helper()
	r, err := ParseRelay(u)
	if err != nil {
		t.Fatalf("parse %s: %v", u, err)
	}
	return r
}

func TestParseRelay(t *testing.T) {
	for _, tc := range []struct {
		url              string
		addr             string
		implicit, starts bool
		insecure         bool
		user             string
	}{
		{url: "smtp://mail.example.com:587", addr: "mail.example.com:587"},
		{url: "smtp://mail.example.com", addr: "mail.example.com:25"},
		{url: "smtps://mail.example.com", addr: "mail.example.com:465", implicit: true},
		{url: "smtp://127.0.0.1:2525?starttls=required&tls=insecure", addr: "127.0.0.1:2525", starts: true, insecure: true},
		{url: "smtp://[::1]:2525/", addr: "[::1]:2525"},
		// Credentials to another host: STARTTLS becomes required, so AUTH never goes in clear.
		{url: "smtp://desk:p%40ss@mail.example.com:587", addr: "mail.example.com:587", starts: true, user: "desk"},
		{url: "smtp://desk:pw@localhost:25", addr: "localhost:25", user: "desk"},
		{url: "smtps://desk:pw@mail.example.com:465", addr: "mail.example.com:465", implicit: true, user: "desk"},
	} {
		r := mustParseRelay(t, tc.url)
		if r.addr != tc.addr || r.implicitTLS != tc.implicit || r.requireTLS != tc.starts || r.insecure != tc.insecure || r.user != tc.user {
			t.Errorf("%s: parsed %+v", tc.url, r)
		}
	}
	if r := mustParseRelay(t, "smtp://desk:p%40ss@mail.example.com:587"); r.pass != "p@ss" || strings.Contains(r.String(), "p@ss") {
		t.Errorf("password %q, shown as %s", r.pass, r)
	}
	for _, bad := range []string{
		"", "mail.example.com:25", "http://mail.example.com", "smtp://", "smtp://:25", "smtp://h:25/path",
		"smtp://h:25?starttls=maybe", "smtp://h:25?verify=no", "smtps://h:465?starttls=required", "smtp://:pw@h:25",
	} {
		if r, err := ParseRelay(bad); err == nil {
			t.Errorf("%q parsed as %+v", bad, r)
		}
	}
	if _, err := ParseRelay("smtp://desk:secret@h:25/%zz"); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("bad URL error %v shows the password or is missing", err)
	}
}

// TestRelayRefusesAuthInClear checks the rule on the configuration alone: credentials are
// sent unencrypted only to a loopback host.
func TestRelayRefusesAuthInClear(t *testing.T) {
	remote := mustParseRelay(t, "smtp://desk:pw@mail.example.com:587")
	if err := remote.checkAuth(false); err == nil {
		t.Error("AUTH in clear to mail.example.com allowed")
	}
	if err := remote.checkAuth(true); err != nil {
		t.Errorf("AUTH over TLS refused: %v", err)
	}
	if !remote.requireTLS {
		t.Error("credentials for a remote relay do not require STARTTLS")
	}
	for _, u := range []string{"smtp://desk:pw@127.0.0.1:2525", "smtp://desk:pw@localhost:2525", "smtp://desk:pw@[::1]:2525"} {
		if err := mustParseRelay(t, u).checkAuth(false); err != nil {
			t.Errorf("%s: AUTH in clear to loopback refused: %v", u, err)
		}
	}
	if err := mustParseRelay(t, "smtp://mail.example.com:25").checkAuth(false); err != nil {
		t.Errorf("no credentials, yet refused: %v", err)
	}
}

func TestRelaySendExactBytes(t *testing.T) {
	tr := startTestRelay(t, &testRelay{})
	r := mustParseRelay(t, tr.url(""))
	if err := r.Send(context.Background(), "desk@kept.test", []string{"mari@example.ee", "jaan@example.ee"}, []byte(relayTestMessage)); err != nil {
		t.Fatal(err)
	}
	got := tr.received()
	if len(got) != 1 {
		t.Fatalf("relay received %d mails, want 1", len(got))
	}
	m := got[0]
	if string(m.Data) != relayTestMessage || m.From != "desk@kept.test" || strings.Join(m.To, ",") != "mari@example.ee,jaan@example.ee" || m.TLS {
		t.Fatalf("relay received from %s to %v (TLS %v):\n%q\nwant\n%q", m.From, m.To, m.TLS, m.Data, relayTestMessage)
	}
}

func TestRelayClassifiesErrors(t *testing.T) {
	ctx := context.Background()
	tr := startTestRelay(t, &testRelay{})
	r := mustParseRelay(t, tr.url(""))
	send := func() error {
		return r.Send(ctx, "desk@kept.test", []string{"mari@example.ee"}, []byte(relayTestMessage))
	}

	tr.refuse(451, 1)
	if err := send(); err == nil || IsPermanent(err) || !strings.Contains(err.Error(), "451") {
		t.Errorf("451: %v (permanent %v)", err, IsPermanent(err))
	}
	tr.refuse(550, 1)
	err := send()
	var se *smtp.SMTPError
	if !IsPermanent(err) || !errors.As(err, &se) || se.Code != 550 {
		t.Errorf("550: %v (permanent %v)", err, IsPermanent(err))
	}
	if err := send(); err != nil {
		t.Errorf("after the refusals: %v", err)
	}
	if err := r.Send(ctx, "desk@kept.test", []string{"a@example.ee\r\nRCPT TO:<b@example.ee>"}, []byte(relayTestMessage)); !IsPermanent(err) {
		t.Errorf("line break in a recipient: %v", err)
	}
	if err := r.Send(ctx, "desk@kept.test", nil, []byte(relayTestMessage)); !IsPermanent(err) {
		t.Errorf("no recipients: %v", err)
	}
	if err := (Relay{}).Send(ctx, "desk@kept.test", []string{"mari@example.ee"}, []byte(relayTestMessage)); err == nil || IsPermanent(err) {
		t.Errorf("unconfigured relay: %v", err)
	}
	tr.stop()
	if err := send(); err == nil || IsPermanent(err) {
		t.Errorf("relay down: %v", err)
	}
	if got := len(tr.received()); got != 1 {
		t.Errorf("relay received %d mails, want 1", got)
	}
}

func TestRelayStartTLSAuth(t *testing.T) {
	ctx := context.Background()
	tr := startTestRelay(t, &testRelay{tls: selfSignedTLS(t), users: map[string]string{"desk": "s3cret"}})
	to := []string{"mari@example.ee"}

	r := mustParseRelay(t, "smtp://desk:s3cret@"+tr.addr+"?starttls=required&tls=insecure")
	if err := r.Send(ctx, "desk@kept.test", to, []byte(relayTestMessage)); err != nil {
		t.Fatal(err)
	}
	got := tr.received()
	if len(got) != 1 || !got[0].TLS || got[0].User != "desk" || string(got[0].Data) != relayTestMessage {
		t.Fatalf("relay received %+v, want one mail over TLS from user desk", got)
	}

	// Opportunistic: STARTTLS is used when offered, without being asked.
	r = mustParseRelay(t, "smtp://desk:s3cret@"+tr.addr+"?tls=insecure")
	if err := r.Send(ctx, "desk@kept.test", to, []byte(relayTestMessage)); err != nil {
		t.Fatal(err)
	}
	if got := tr.received(); len(got) != 2 || !got[1].TLS {
		t.Fatalf("opportunistic STARTTLS not used: %+v", got[len(got)-1])
	}

	// A wrong password is the configuration's fault: temporary, so the mail waits for a fix.
	r = mustParseRelay(t, "smtp://desk:wrong@"+tr.addr+"?tls=insecure")
	if err := r.Send(ctx, "desk@kept.test", to, []byte(relayTestMessage)); err == nil || IsPermanent(err) {
		t.Errorf("wrong password: %v (permanent %v)", err, IsPermanent(err))
	}
	// So is a missing login, which the relay refuses at MAIL with 530.
	r = mustParseRelay(t, tr.url("tls=insecure"))
	if err := r.Send(ctx, "desk@kept.test", to, []byte(relayTestMessage)); err == nil || IsPermanent(err) {
		t.Errorf("no login: %v (permanent %v)", err, IsPermanent(err))
	}
	// The self-signed certificate is refused unless the URL says tls=insecure.
	r = mustParseRelay(t, "smtp://desk:s3cret@"+tr.addr)
	if err := r.Send(ctx, "desk@kept.test", to, []byte(relayTestMessage)); err == nil || IsPermanent(err) ||
		!strings.Contains(err.Error(), "certificate") {
		t.Errorf("untrusted certificate: %v", err)
	}
	if got := len(tr.received()); got != 2 {
		t.Errorf("relay received %d mails, want 2", got)
	}
}

func TestRelayStartTLSRequired(t *testing.T) {
	tr := startTestRelay(t, &testRelay{}) // offers no STARTTLS
	r := mustParseRelay(t, tr.url("starttls=required"))
	err := r.Send(context.Background(), "desk@kept.test", []string{"mari@example.ee"}, []byte(relayTestMessage))
	if err == nil || IsPermanent(err) || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("send without the required STARTTLS: %v", err)
	}
	if got := len(tr.received()); got != 0 {
		t.Fatalf("relay received %d mails in clear", got)
	}
}

func TestRelayAuthInClearToLoopback(t *testing.T) {
	tr := startTestRelay(t, &testRelay{users: map[string]string{"desk": "pw"}, clearAuth: true})
	r := mustParseRelay(t, "smtp://desk:pw@"+tr.addr)
	if err := r.Send(context.Background(), "desk@kept.test", []string{"mari@example.ee"}, []byte(relayTestMessage)); err != nil {
		t.Fatal(err)
	}
	if got := tr.received(); len(got) != 1 || got[0].User != "desk" || got[0].TLS {
		t.Fatalf("relay received %+v", got)
	}
}

func TestRelayImplicitTLS(t *testing.T) {
	tr := startTestRelay(t, &testRelay{tls: selfSignedTLS(t), implicit: true})
	r := mustParseRelay(t, tr.url("tls=insecure"))
	if err := r.Send(context.Background(), "desk@kept.test", []string{"mari@example.ee"}, []byte(relayTestMessage)); err != nil {
		t.Fatal(err)
	}
	if got := tr.received(); len(got) != 1 || !got[0].TLS || string(got[0].Data) != relayTestMessage {
		t.Fatalf("relay received %+v", got)
	}
}

// TestRelaySessionTimeout has a relay that accepts the connection and never speaks.
func TestRelaySessionTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			accepted <- c
		}
	}()
	defer func() {
		ln.Close()
		select {
		case c := <-accepted:
			c.Close()
		default:
		}
	}()
	r := mustParseRelay(t, "smtp://"+ln.Addr().String())
	r.sessionTimeout = 300 * time.Millisecond
	start := time.Now()
	err = r.Send(context.Background(), "desk@kept.test", []string{"mari@example.ee"}, []byte(relayTestMessage))
	if took := time.Since(start); err == nil || IsPermanent(err) || took > 3*time.Second {
		t.Fatalf("silent relay: %v after %v", err, took)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("silent relay error does not say the session timed out: %v", err)
	}
}

func TestRelayString(t *testing.T) {
	for u, want := range map[string]string{
		"smtp://desk:pw@mail.example.com:587": "smtp://desk@mail.example.com:587",
		"smtps://mail.example.com":            "smtps://mail.example.com:465",
	} {
		if got := fmt.Sprint(mustParseRelay(t, u)); got != want {
			t.Errorf("%s shown as %s, want %s", u, got, want)
		}
	}
	if got := (Relay{}).String(); got != "no relay" {
		t.Errorf("zero relay shown as %s", got)
	}
}
