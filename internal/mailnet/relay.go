package mailnet

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Relay is the SMTP server outbound mail is handed to (KEPT_SMTP_RELAY). The zero Relay is
// "not configured": Send fails with a temporary error, so mail waits in the outbox.
type Relay struct {
	addr        string // host:port
	host        string
	implicitTLS bool // smtps://: TLS from the first byte
	requireTLS  bool // smtp://: refuse to go on without STARTTLS
	insecure    bool // skip certificate checks (test relays)
	user, pass  string
	helo        string

	dialTimeout    time.Duration
	sessionTimeout time.Duration
}

const (
	relayDialTimeout    = 10 * time.Second
	relaySessionTimeout = 60 * time.Second
)

// ParseRelay reads a relay URL:
//
//	smtp://[user:pass@]host[:port][?starttls=required][&tls=insecure]
//	smtps://[user:pass@]host[:port][?tls=insecure]
//
// smtp:// uses STARTTLS when the server offers it, and insists on it with starttls=required;
// smtps:// is TLS from the start. Ports default to 25 and 465. With user info the relay is
// asked for AUTH PLAIN, which is never sent unencrypted except to a loopback host, so user info
// on smtp:// to any other host makes STARTTLS required. tls=insecure skips certificate checks,
// for test relays with self-signed certificates.
func ParseRelay(raw string) (Relay, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url's error quotes the URL, password included.
		return Relay{}, errors.New("mail relay: not a URL (want smtp://host:port)")
	}
	r := Relay{dialTimeout: relayDialTimeout, sessionTimeout: relaySessionTimeout, helo: heloName()}
	port := ""
	switch u.Scheme {
	case "smtp":
		port = "25"
	case "smtps":
		port, r.implicitTLS = "465", true
	default:
		return Relay{}, fmt.Errorf("mail relay: scheme %q is not smtp or smtps", u.Scheme)
	}
	r.host = u.Hostname()
	if r.host == "" {
		return Relay{}, errors.New("mail relay: no host (want smtp://host:port)")
	}
	if p := u.Port(); p != "" {
		port = p
	}
	r.addr = net.JoinHostPort(r.host, port)
	if u.Path != "" && u.Path != "/" {
		return Relay{}, fmt.Errorf("mail relay: unexpected path %q", u.Path)
	}
	for k, vs := range u.Query() {
		v := strings.Join(vs, ",")
		switch {
		case k == "starttls" && v == "required" && !r.implicitTLS:
			r.requireTLS = true
		case k == "tls" && v == "insecure":
			r.insecure = true
		default:
			return Relay{}, fmt.Errorf("mail relay: unknown option %s=%s (known: starttls=required on smtp://, tls=insecure)", k, v)
		}
	}
	if u.User != nil {
		r.user = u.User.Username()
		r.pass, _ = u.User.Password()
		if r.user == "" {
			return Relay{}, errors.New("mail relay: user info without a user name")
		}
		if !r.implicitTLS && !isLoopback(r.host) {
			r.requireTLS = true // the password must not cross the network in clear
		}
	}
	return r, nil
}

// heloName is the name Kept introduces itself with; some relays frown on "localhost".
func heloName() string {
	if h, err := os.Hostname(); err == nil && h != "" && !strings.ContainsAny(h, " \r\n") {
		return h
	}
	return "localhost"
}

// isLoopback reports whether host is this machine by name or address; only such a relay may
// receive credentials over an unencrypted connection.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// String names the relay for logs, without the password.
func (r Relay) String() string {
	if r.addr == "" {
		return "no relay"
	}
	s := "smtp://"
	if r.implicitTLS {
		s = "smtps://"
	}
	if r.user != "" {
		s += url.User(r.user).String() + "@"
	}
	return s + r.addr
}

// Configured reports whether r names a relay.
func (r Relay) Configured() bool { return r.addr != "" }

// checkAuth refuses to send credentials over an unencrypted connection to another host.
func (r Relay) checkAuth(encrypted bool) error {
	if r.user == "" || encrypted || isLoopback(r.host) {
		return nil
	}
	return fmt.Errorf("refusing AUTH over an unencrypted connection to %s (use STARTTLS or smtps://)", r.host)
}

// permanentError marks a failure that retrying cannot cure: the relay refused the message
// itself with a 5xx reply, or the message cannot be put on the wire.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// IsPermanent reports whether err from Send means the mail will never be accepted, so it
// should be marked failed instead of retried.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// Send hands one message to the relay in one SMTP session: dial (10 s), STARTTLS or TLS, AUTH,
// MAIL, RCPT for each recipient, DATA; the whole session is bounded by 60 s. It is all or
// nothing: a refused recipient fails the whole send.
//
// Errors are temporary unless IsPermanent: a 5xx reply to MAIL, RCPT or DATA is about this
// message and permanent, while a 5xx to the greeting, STARTTLS or AUTH, or an "authentication
// required" reply, is about the relay or our configuration, and retrying after it is fixed
// must still deliver the mail.
func (r Relay) Send(ctx context.Context, from string, to []string, raw []byte) error {
	if r.addr == "" {
		return errors.New("mail relay: not configured (set KEPT_SMTP_RELAY)")
	}
	ctx, cancel := context.WithTimeout(ctx, r.sessionTimeout)
	defer cancel()
	var s *outSession
	defer func() { s.close() }()
	return r.sendOn(ctx, &s, from, to, raw)
}

// outSession is one SMTP session with the relay over which mails go one after another (MAIL, RCPT
// and DATA each, RSET after one the relay refused), so a batch pays for the connection, TLS and
// AUTH once; the sender keeps a few open between batches (sessionPool). A nil *outSession is
// none yet; sendOn opens one and drops it when it breaks.
type outSession struct {
	conn net.Conn
	c    *smtp.Client
	stop func() bool // unbinds the context that closes conn (see bind)
	// reused: taken from the pool and not yet used since; the relay may have closed it while
	// it was idle, which the first command finds out.
	reused    bool
	idleSince time.Time
}

// bind makes ctx's end close the session's connection: go-smtp sets a deadline per command and
// clears it after, so a deadline on the conn cannot bound a send; closing the conn does, DATA
// included.
func (s *outSession) bind(ctx context.Context) {
	conn := s.conn
	s.stop = context.AfterFunc(ctx, func() { conn.Close() })
}

// sendOn sends one mail on *s, opening a session first when there is none (bounded by ctx:
// the connection closes when ctx ends). Errors are as Send's. After an error that was not the
// relay's reply to this mail the session is closed and *s is nil, so the next mail opens a new
// one. A session kept from an earlier batch that turns out to be closed is replaced by a new
// one and the mail sent on that.
func (r Relay) sendOn(ctx context.Context, s **outSession, from string, to []string, raw []byte) error {
	if r.addr == "" {
		return errors.New("mail relay: not configured (set KEPT_SMTP_RELAY)")
	}
	if err := checkEnvelope(from, to, raw); err != nil {
		return &permanentError{err: err}
	}
	err := error(nil)
	for try := 0; try < 2; try++ {
		if *s == nil {
			*s, err = r.open(ctx)
		}
		if err != nil {
			break
		}
		reused := (*s).reused
		(*s).reused = false
		if err = (*s).send(from, to, raw); err != nil && !(*s).reset(err) {
			(*s).close()
			*s = nil
		}
		if err == nil || !reused || isReply(err) || ctx.Err() != nil {
			break
		}
	}
	if err != nil && ctx.Err() != nil && !IsPermanent(err) {
		// The conn was closed under the client; say why instead of "use of closed connection".
		err = fmt.Errorf("%w (%w)", err, ctx.Err())
	}
	if err != nil {
		return fmt.Errorf("send via %s: %w", r, err)
	}
	return nil
}

// isReply reports whether err is the relay's answer about a mail (not a broken connection, and
// not a 421, which says the relay closes the session).
func isReply(err error) bool {
	var se *smtp.SMTPError
	return errors.As(err, &se) && se.Code != 421
}

func checkEnvelope(from string, to []string, raw []byte) error {
	if len(to) == 0 {
		return errors.New("no recipients")
	}
	if len(raw) == 0 {
		return errors.New("empty message")
	}
	for _, a := range append([]string{from}, to...) {
		if strings.ContainsAny(a, "\r\n") {
			return fmt.Errorf("line break in envelope address %q", a)
		}
	}
	return nil
}

// open starts a session: connect, STARTTLS or TLS, EHLO, AUTH.
func (r Relay) open(ctx context.Context) (*outSession, error) {
	conn, err := r.dial(ctx)
	if err != nil {
		return nil, err
	}
	s := &outSession{conn: conn}
	s.bind(ctx)
	session, encrypted := conn, r.implicitTLS
	if !r.implicitTLS {
		if session, encrypted, err = r.startTLS(ctx, conn); err != nil {
			s.close()
			return nil, err
		}
	}
	s.c = smtp.NewClient(session)
	s.c.CommandTimeout, s.c.SubmissionTimeout = r.sessionTimeout, r.sessionTimeout
	if err := r.greet(s.c, encrypted); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// greet says EHLO and, when the relay URL has credentials, authenticates.
func (r Relay) greet(c *smtp.Client, encrypted bool) error {
	if err := c.Hello(r.helo); err != nil {
		return fmt.Errorf("EHLO: %w", err)
	}
	if r.user == "" {
		return nil
	}
	if err := r.checkAuth(encrypted); err != nil {
		return err
	}
	if ok, _ := c.Extension("AUTH"); !ok {
		return errors.New("relay does not offer AUTH, but the relay URL has credentials")
	}
	if err := c.Auth(sasl.NewPlainClient("", r.user, r.pass)); err != nil {
		return fmt.Errorf("AUTH PLAIN as %s: %w", r.user, err)
	}
	return nil
}

// send is one mail transaction on the session. It is all or nothing: a refused recipient fails
// the whole send.
func (s *outSession) send(from string, to []string, raw []byte) error {
	c := s.c
	opts := &smtp.MailOptions{Size: int64(len(raw))}
	if !envelopeASCII(from, to) {
		if ok, _ := c.Extension("SMTPUTF8"); !ok {
			return &permanentError{err: errors.New("non-ASCII envelope address, and the relay does not offer SMTPUTF8")}
		}
		opts.UTF8 = true
	}
	if err := c.Mail(from, opts); err != nil {
		return transactionError(fmt.Errorf("MAIL FROM <%s>: %w", from, err))
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt, nil); err != nil {
			return transactionError(fmt.Errorf("RCPT TO <%s>: %w", rcpt, err))
		}
	}
	w, err := c.Data()
	if err != nil {
		return transactionError(fmt.Errorf("DATA: %w", err))
	}
	if _, err := w.Write(raw); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return transactionError(fmt.Errorf("end of DATA: %w", err))
	}
	return nil
}

// reset makes the session ready for the next mail after err: an SMTP reply to this mail (a
// refusal) leaves the session usable once RSET is accepted; anything else (the connection
// failed, or the relay said it closes) does not.
func (s *outSession) reset(err error) bool {
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code == 421 {
		return false
	}
	return s.c.Reset() == nil
}

// close ends the session: QUIT (a failing QUIT cannot take back what the relay accepted), then
// the connection. A nil session is closed already.
func (s *outSession) close() {
	if s == nil {
		return
	}
	if s.c != nil {
		_ = s.c.Quit()
	}
	s.stop()
	s.conn.Close()
}

// transactionError marks a 5xx reply within the mail transaction as permanent, except the
// replies that ask for authentication or encryption: those are the relay's configuration.
func transactionError(err error) error {
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code < 500 || se.Code > 599 {
		return err
	}
	switch se.Code {
	case 523, 530, 534, 535, 538: // encryption needed, authentication required/too weak/failed
		return err
	}
	return &permanentError{err: err}
}

func (r Relay) dial(ctx context.Context) (net.Conn, error) {
	d := &net.Dialer{Timeout: r.dialTimeout}
	if r.implicitTLS {
		conn, err := (&tls.Dialer{NetDialer: d, Config: r.tlsConfig()}).DialContext(ctx, "tcp", r.addr)
		if err != nil {
			return nil, fmt.Errorf("connect: %w", err)
		}
		return conn, nil
	}
	conn, err := d.DialContext(ctx, "tcp", r.addr)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	return conn, nil
}

// tlsConfig checks the relay's certificate against its host name, unless the URL said
// tls=insecure.
func (r Relay) tlsConfig() *tls.Config {
	return &tls.Config{ServerName: r.host, InsecureSkipVerify: r.insecure, MinVersion: tls.VersionTLS12}
}

// startTLS reads the greeting, says EHLO and, when the relay offers STARTTLS, switches conn to
// TLS. go-smtp v0.25 can only STARTTLS unconditionally (failing against relays without it),
// so this step is done here and the client is handed a conn that replays the greeting: it then
// says EHLO again, which RFC 3207 requires after TLS and RFC 5321 allows without it.
func (r Relay) startTLS(ctx context.Context, conn net.Conn) (net.Conn, bool, error) {
	tp := textproto.NewConn(conn) // not closed: closing it would close conn
	_, greeting, err := tp.ReadResponse(220)
	if err != nil {
		return nil, false, fmt.Errorf("greeting: %w", err)
	}
	greeting, _, _ = strings.Cut(greeting, "\n")
	plain := func() (net.Conn, bool, error) {
		// Bytes tp has buffered stay in the stream the client reads.
		return &replayConn{Conn: conn, r: io.MultiReader(strings.NewReader("220 "+greeting+"\r\n"), tp.R)}, false, nil
	}
	offered, err := offersSTARTTLS(tp, r.helo)
	switch {
	case err != nil && r.requireTLS:
		return nil, false, fmt.Errorf("EHLO: %w", err)
	case err != nil:
		return plain() // maybe an old relay without EHLO: the client falls back to HELO
	case !offered && r.requireTLS:
		return nil, false, errors.New("relay does not offer STARTTLS, which the relay URL requires")
	case !offered:
		return plain()
	}
	id, err := tp.Cmd("STARTTLS")
	if err != nil {
		return nil, false, fmt.Errorf("STARTTLS: %w", err)
	}
	tp.StartResponse(id)
	_, _, err = tp.ReadResponse(220)
	tp.EndResponse(id)
	if err != nil {
		if r.requireTLS {
			return nil, false, fmt.Errorf("STARTTLS: %w", err)
		}
		return plain() // refused (454, say): the session goes on unencrypted
	}
	tc := tls.Client(&replayConn{Conn: conn, r: tp.R}, r.tlsConfig())
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, false, fmt.Errorf("STARTTLS handshake: %w", err)
	}
	return &replayConn{Conn: tc, r: io.MultiReader(strings.NewReader("220 "+greeting+"\r\n"), tc)}, true, nil
}

func offersSTARTTLS(tp *textproto.Conn, helo string) (bool, error) {
	id, err := tp.Cmd("EHLO %s", helo)
	if err != nil {
		return false, err
	}
	tp.StartResponse(id)
	defer tp.EndResponse(id)
	_, msg, err := tp.ReadResponse(250)
	if err != nil {
		return false, err
	}
	lines := strings.Split(msg, "\n")
	for _, l := range lines[1:] { // the first line is the server's name
		if kw, _, _ := strings.Cut(l, " "); strings.EqualFold(kw, "STARTTLS") {
			return true, nil
		}
	}
	return false, nil
}

// replayConn is a conn whose reads come from r: what was read ahead of the SMTP client,
// then the conn itself.
type replayConn struct {
	net.Conn
	r io.Reader
}

func (c *replayConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// envelopeASCII reports whether the addresses are plain ASCII, as SMTP without SMTPUTF8 needs.
func envelopeASCII(from string, to []string) bool {
	for _, a := range append([]string{from}, to...) {
		for i := 0; i < len(a); i++ {
			if a[i] >= 0x80 {
				return false
			}
		}
	}
	return true
}
