package mailnet_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/big"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/mailnet"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

const (
	imapTestUser = "kept"
	imapTestPass = "s3cret"
)

// dovecot is a real IMAP server on loopback, for one test.
type dovecot struct {
	addr    string // plain IMAP
	tlsAddr string // IMAP over TLS, when started withTLS
	dir     string
}

// startDovecot runs dovecot (Debian's dovecot-imapd) on a free loopback port, stopped after the
// test. It skips when dovecot is not installed, except in CI.
func startDovecot(t *testing.T) *dovecot { return startDovecotTLS(t, false) }

func startDovecotTLS(t *testing.T, withTLS bool) *dovecot {
	t.Helper()
	const bin = "/usr/sbin/dovecot"
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("dovecot is required in CI (apt-get install dovecot-imapd): %v", err)
		}
		t.Skipf("dovecot is not installed (apt-get install dovecot-imapd): %v", err)
	}
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		t.Fatal(err)
	}
	// Which users dovecot runs as. Its mail processes refuse uid 0, so as root the mail belongs
	// to nobody, and dovecot's own users (made by the package) run its internal processes; they
	// need to reach the files in the temp dir, which the testing package makes 0700.
	uid, gid := os.Getuid(), os.Getgid()
	var users string
	if uid == 0 {
		uid, gid = 65534, 65534
		if err := os.Chown(home, uid, gid); err != nil {
			t.Fatal(err)
		}
		for _, d := range []string{dir, filepath.Dir(dir)} {
			if err := os.Chmod(d, 0o711); err != nil {
				t.Fatal(err)
			}
		}
		users = "default_internal_user = dovecot\ndefault_login_user = dovenull\n"
	} else {
		u, err := user.Current()
		if err != nil {
			t.Fatal(err)
		}
		users = fmt.Sprintf("default_internal_user = %s\ndefault_login_user = %s\n", u.Username, u.Username)
	}
	passwd := filepath.Join(dir, "passwd")
	if err := os.WriteFile(passwd, []byte(imapTestUser+":{PLAIN}"+imapTestPass+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	ssl, imaps, tlsAddr := "ssl = no\n", "", ""
	if withTLS {
		certPath, keyPath := selfSignedCert(t, dir)
		ssl = fmt.Sprintf("ssl = yes\nssl_cert = <%s\nssl_key = <%s\n", certPath, keyPath)
		tlsPort := freePort(t)
		imaps = fmt.Sprintf("  inet_listener imaps {\n    port = %d\n    ssl = yes\n  }\n", tlsPort)
		tlsAddr = fmt.Sprintf("127.0.0.1:%d", tlsPort)
	}
	conf := fmt.Sprintf(`base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
protocols = imap
listen = 127.0.0.1
%[8]sdisable_plaintext_auth = no
auth_mechanisms = plain
first_valid_uid = 0
%[2]smail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  args = %[3]s
}
userdb {
  driver = static
  args = uid=%[4]d gid=%[5]d home=%[6]s
}
service imap-login {
  inet_listener imap {
    port = %[7]d
  }
%[9]s}
`, dir, users, passwd, uid, gid, home, port, ssl, imaps)
	confPath := filepath.Join(dir, "dovecot.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-F", "-c", confPath)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dovecot: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
			t.Logf("dovecot output:\n%s\ndovecot.log:\n%s", out.String(), log)
		}
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
			t.Fatalf("dovecot exited: %s\n%s", out.String(), log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("dovecot does not answer on %s: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return &dovecot{addr: addr, tlsAddr: tlsAddr, dir: dir}
}

// selfSignedCert writes a certificate for 127.0.0.1 and its key, as PEM files dovecot reads.
func selfSignedCert(t *testing.T, dir string) (certPath, keyPath string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certPath, keyPath
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (d *dovecot) url(query string) string {
	u := "imap://" + imapTestUser + ":" + imapTestPass + "@" + d.addr + "/INBOX"
	if query != "" {
		u += "?" + query
	}
	return u
}

func (d *dovecot) mailbox(t *testing.T, query string) mailnet.Mailbox {
	t.Helper()
	mb, err := mailnet.ParseMailbox(d.url(query))
	if err != nil {
		t.Fatal(err)
	}
	return mb
}

// client is a test client of the server: how mail gets into the mailbox.
func (d *dovecot) client(t *testing.T) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(d.addr, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(imapTestUser, imapTestPass).Wait(); err != nil {
		t.Fatalf("login: %v", err)
	}
	return c
}

func (d *dovecot) append(t *testing.T, raw []byte) {
	t.Helper()
	c := d.client(t)
	cmd := c.Append("INBOX", int64(len(raw)), nil)
	if _, err := cmd.Write(raw); err != nil {
		t.Fatalf("append: %v", err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatalf("append: %v", err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatalf("append: %v", err)
	}
	_ = c.Logout().Wait()
}

func (d *dovecot) appendN(t *testing.T, from, to int) {
	t.Helper()
	for i := from; i <= to; i++ {
		d.append(t, testMessage(i, ""))
	}
}

func testMessage(i int, body string) []byte {
	if body == "" {
		body = fmt.Sprintf("Hello, this is message %d.\r\n", i)
	}
	return []byte(fmt.Sprintf("From: Customer %[1]d <customer%[1]d@example.com>\r\nTo: support@desk.test\r\n"+
		"Subject: Question %[1]d\r\nMessage-ID: <msg%[1]d@example.com>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\n\r\n%[2]s", i, body))
}

var messageIDRe = regexp.MustCompile(`Message-ID: <msg(\d+)@example\.com>`)

// recorder is a Receiver that records what it stores, and fails where told to.
type recorder struct {
	mu     sync.Mutex
	got    []string
	failOn map[string]int // Message-ID number -> failures left
	next   mailnet.Receiver
	wake   chan struct{}
}

func newRecorder() *recorder {
	return &recorder{failOn: map[string]int{}, wake: make(chan struct{}, 100)}
}

func (r *recorder) Receive(ctx context.Context, d mail.Delivery) error {
	m := messageIDRe.FindSubmatch(d.Raw)
	id := "?"
	if m != nil {
		id = string(m[1])
	}
	r.mu.Lock()
	if r.failOn[id] > 0 {
		r.failOn[id]--
		r.mu.Unlock()
		return errors.New("database is down")
	}
	r.mu.Unlock()
	if r.next != nil {
		if err := r.next.Receive(ctx, d); err != nil {
			return err
		}
	}
	r.mu.Lock()
	r.got = append(r.got, id)
	r.mu.Unlock()
	r.wake <- struct{}{}
	return nil
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	got := r.got
	r.got = nil
	return got
}

func checkpoint(t *testing.T, st *store.Store, mb mailnet.Mailbox) (uint32, uint32, bool) {
	t.Helper()
	var v, last uint32
	var found bool
	err := st.Read(context.Background(), func(tx *store.Tx) error {
		var err error
		v, last, found, err = tx.IMAPCheckpoint(context.Background(), mb.Key())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return v, last, found
}

func pollOnce(t *testing.T, p *mailnet.Poller, want int) {
	t.Helper()
	n, err := p.PollOnce(context.Background())
	if err != nil {
		t.Fatalf("poll: %v", err)
	}
	if n != want {
		t.Fatalf("poll delivered %d, want %d", n, want)
	}
}

func wantIDs(t *testing.T, r *recorder, want ...string) {
	t.Helper()
	got := r.take()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("delivered %v, want %v", got, want)
	}
}

func newTestPoller(t *testing.T, st *store.Store, mb mailnet.Mailbox, r mailnet.Receiver, log *slog.Logger) *mailnet.Poller {
	t.Helper()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := mailnet.NewPoller(service.New(st, clock.System{}, slog.New(slog.DiscardHandler)).Checkpoints(), mb, r, clock.System{}, log)
	t.Cleanup(func() { p.Close() })
	return p
}

func TestIMAPPollerDeliversOnceAndResumes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		d := startDovecot(t)
		mb := d.mailbox(t, "")
		r := newRecorder()
		p := newTestPoller(t, st, mb, r, nil)

		start := time.Now()
		d.appendN(t, 1, 5)
		pollOnce(t, p, 5)
		t.Logf("5 messages appended and polled in %v", time.Since(start))
		wantIDs(t, r, "1", "2", "3", "4", "5")
		if _, last, found := checkpoint(t, st, mb); !found || last != 5 {
			t.Fatalf("checkpoint = %d (found %v), want 5", last, found)
		}

		pollOnce(t, p, 0) // nothing new
		wantIDs(t, r)

		d.appendN(t, 6, 7)
		pollOnce(t, p, 2)
		wantIDs(t, r, "6", "7")

		// Stored messages are marked \Seen, and stay in the mailbox.
		c := d.client(t)
		if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
			t.Fatal(err)
		}
		msgs, err := c.Fetch(imap.SeqSet{imap.SeqRange{Start: 1, Stop: 7}}, &imap.FetchOptions{Flags: true}).Collect()
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			seen := false
			for _, f := range m.Flags {
				seen = seen || f == imap.FlagSeen
			}
			if !seen {
				t.Errorf("message %d is not marked seen: %v", m.SeqNum, m.Flags)
			}
		}
		if len(msgs) != 7 {
			t.Errorf("mailbox holds %d messages, want 7", len(msgs))
		}

		// A restart: a new poller on the same database fetches nothing already stored.
		p.Close()
		r2 := newRecorder()
		p2 := newTestPoller(t, st, mb, r2, nil)
		pollOnce(t, p2, 0)
		wantIDs(t, r2)
		d.appendN(t, 8, 8)
		pollOnce(t, p2, 1)
		wantIDs(t, r2, "8")
	})
}

func TestIMAPPollerReceiverErrorStopsThere(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		d := startDovecot(t)
		mb := d.mailbox(t, "")
		r := newRecorder()
		r.failOn["3"] = 1
		p := newTestPoller(t, st, mb, r, nil)
		d.appendN(t, 1, 5)

		n, err := p.PollOnce(context.Background())
		if err == nil || !strings.Contains(err.Error(), "database is down") {
			t.Fatalf("poll error = %v, want the receiver's", err)
		}
		if n != 2 {
			t.Fatalf("poll delivered %d before the failure, want 2", n)
		}
		wantIDs(t, r, "1", "2")
		if _, last, _ := checkpoint(t, st, mb); last != 2 {
			t.Fatalf("checkpoint = %d, want 2 (not past the failed message)", last)
		}
		pollOnce(t, p, 3)
		wantIDs(t, r, "3", "4", "5")
		if _, last, _ := checkpoint(t, st, mb); last != 5 {
			t.Fatalf("checkpoint = %d, want 5", last)
		}
	})
}

func TestIMAPPollerSkipsHugeMessage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		d := startDovecot(t)
		mb := d.mailbox(t, "")
		r := newRecorder()
		var logs lockedBuffer
		p := newTestPoller(t, st, mb, r, slog.New(slog.NewTextHandler(&logs, nil)))

		d.appendN(t, 1, 1)
		line := strings.Repeat("x", 76) + "\r\n"
		huge := testMessage(2, strings.Repeat(line, (31<<20)/len(line)+1))
		start := time.Now()
		d.append(t, huge)
		t.Logf("appended a %d MiB message in %v", len(huge)>>20, time.Since(start))
		d.appendN(t, 3, 4)

		start = time.Now()
		pollOnce(t, p, 3)
		t.Logf("polled past it in %v", time.Since(start))
		wantIDs(t, r, "1", "3", "4")
		if _, last, _ := checkpoint(t, st, mb); last != 4 {
			t.Fatalf("checkpoint = %d, want 4", last)
		}
		if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "too large") {
			t.Fatalf("no error line for the skipped message; log:\n%s", logs.String())
		}
	})
}

func TestIMAPPollerMovesToDoneFolder(t *testing.T) {
	st := storetest.Open(t, "sqlite")
	d := startDovecot(t)
	mb := d.mailbox(t, "done=Processed")
	r := newRecorder()
	p := newTestPoller(t, st, mb, r, nil)
	d.appendN(t, 1, 3)
	pollOnce(t, p, 3)
	wantIDs(t, r, "1", "2", "3")
	c := d.client(t)
	for folder, want := range map[string]uint32{"INBOX": 0, "Processed": 3} {
		s, err := c.Status(folder, &imap.StatusOptions{NumMessages: true, NumUnseen: true}).Wait()
		if err != nil {
			t.Fatal(err)
		}
		if *s.NumMessages != want || *s.NumUnseen != 0 {
			t.Errorf("%s holds %d messages (%d unseen), want %d (0 unseen)", folder, *s.NumMessages, *s.NumUnseen, want)
		}
	}
	d.appendN(t, 4, 4)
	pollOnce(t, p, 1)
	wantIDs(t, r, "4")
}

func TestIMAPPollerRunIdle(t *testing.T) {
	st := storetest.Open(t, "sqlite")
	d := startDovecot(t)
	mb := d.mailbox(t, "")
	r := newRecorder()
	var logs lockedBuffer
	p := newTestPoller(t, st, mb, r, slog.New(slog.NewTextHandler(&logs, nil)))
	d.appendN(t, 1, 1)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run = %v, want nil when ctx ends", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after ctx ended")
		}
	}()
	waitFor := func(id string) time.Duration {
		t.Helper()
		start := time.Now()
		select {
		case <-r.wake:
		case <-time.After(2 * time.Second):
			t.Fatalf("message %s not delivered within 2 s; log:\n%s", id, logs.String())
		}
		wantIDs(t, r, id)
		return time.Since(start)
	}
	waitFor("1")
	time.Sleep(200 * time.Millisecond) // Run is in IDLE now
	for i := 2; i <= 3; i++ {
		d.appendN(t, i, i)
		t.Logf("message %d delivered %v after APPEND", i, waitFor(fmt.Sprint(i)))
	}
}

// TestIMAPPollerIntoServiceDedupes polls into the real service: a rebuilt mailbox (a new
// UIDVALIDITY) is read again from the start, and the service stores nothing twice.
func TestIMAPPollerIntoServiceDedupes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		svc := service.New(st, clock.System{}, slog.New(slog.DiscardHandler),
			service.WithMail(service.MailConfig{Address: "support@desk.test"}))
		ctx := context.Background()
		if _, err := svc.CreateAgent(ctx, desk.SystemActor(), desk.NewAgent{Name: "Ann", Email: "ann@desk.test", Role: "agent"}); err != nil {
			t.Fatal(err)
		}
		if err := svc.PrepareMail(ctx); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var results []service.MailResult
		r := newRecorder()
		r.next = receiverFunc(func(ctx context.Context, dl mail.Delivery) error {
			res, err := svc.ReceiveMail(ctx, dl)
			if err == nil {
				mu.Lock()
				results = append(results, res)
				mu.Unlock()
			}
			return err
		})
		d := startDovecot(t)
		mb := d.mailbox(t, "")
		p := newTestPoller(t, st, mb, r, nil)
		d.appendN(t, 1, 3)
		pollOnce(t, p, 3)
		wantIDs(t, r, "1", "2", "3")

		// The mailbox is rebuilt: pretend the checkpoint was taken under another UIDVALIDITY.
		v, last, _ := checkpoint(t, st, mb)
		err := st.Write(context.Background(), func(tx *store.Tx) error {
			return tx.SaveIMAPCheckpoint(context.Background(), mb.Key(), v+1, last, time.Now())
		})
		if err != nil {
			t.Fatal(err)
		}
		pollOnce(t, p, 3)
		wantIDs(t, r, "1", "2", "3")
		if v2, last2, _ := checkpoint(t, st, mb); v2 != v || last2 != 3 {
			t.Fatalf("checkpoint = %d/%d, want %d/3", v2, last2, v)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(results) != 6 {
			t.Fatalf("%d results, want 6", len(results))
		}
		for i, res := range results {
			if res.Duplicate != (i >= 3) {
				t.Errorf("result %d: duplicate = %v, want %v", i, res.Duplicate, i >= 3)
			}
			if res.MailID != results[i%3].MailID {
				t.Errorf("result %d: mail %d, want %d", i, res.MailID, results[i%3].MailID)
			}
		}
	})
}

func TestIMAPPollerTLS(t *testing.T) {
	st := storetest.Open(t, "sqlite")
	d := startDovecotTLS(t, true)
	d.appendN(t, 1, 2)
	base := "imaps://" + imapTestUser + ":" + imapTestPass + "@" + d.tlsAddr + "/INBOX"

	// The self-signed certificate is refused unless the URL says tls=insecure.
	mb, err := mailnet.ParseMailbox(base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newTestPoller(t, st, mb, newRecorder(), nil).PollOnce(context.Background()); err == nil ||
		!strings.Contains(err.Error(), "certificate") {
		t.Fatalf("poll with an unverifiable certificate: %v, want a certificate error", err)
	}
	mb, err = mailnet.ParseMailbox(base + "?tls=insecure")
	if err != nil {
		t.Fatal(err)
	}
	r := newRecorder()
	pollOnce(t, newTestPoller(t, st, mb, r, nil), 2)
	wantIDs(t, r, "1", "2")
}

// TestIMAPCheckpointStore round-trips checkpoints, the full uint32 range included.
func TestIMAPCheckpointStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := context.Background()
		read := func(mailbox string) (uint32, uint32, bool) {
			var v, last uint32
			var found bool
			err := st.Read(ctx, func(tx *store.Tx) error {
				var err error
				v, last, found, err = tx.IMAPCheckpoint(ctx, mailbox)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return v, last, found
		}
		save := func(mailbox string, v, last uint32) {
			err := st.Write(ctx, func(tx *store.Tx) error {
				return tx.SaveIMAPCheckpoint(ctx, mailbox, v, last, time.Now().UTC())
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if _, _, found := read("a"); found {
			t.Fatal("checkpoint found for a mailbox never polled")
		}
		save("a", 7, 1)
		save("a", 7, 2)
		save("b", math.MaxUint32, math.MaxUint32)
		if v, last, found := read("a"); !found || v != 7 || last != 2 {
			t.Fatalf("a = %d/%d (%v), want 7/2", v, last, found)
		}
		if v, last, _ := read("b"); v != math.MaxUint32 || last != math.MaxUint32 {
			t.Fatalf("b = %d/%d, want max uint32", v, last)
		}
	})
}

type receiverFunc func(ctx context.Context, d mail.Delivery) error

func (f receiverFunc) Receive(ctx context.Context, d mail.Delivery) error { return f(ctx, d) }

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestParseMailbox(t *testing.T) {
	good := []struct {
		url  string
		want mailnet.Mailbox
	}{
		{"imap://u:pw-secret@127.0.0.1:1143/INBOX", mailnet.Mailbox{Addr: "127.0.0.1:1143", User: "u", Password: "pw-secret", Folder: "INBOX"}},
		{"imap://u:pw-secret@localhost", mailnet.Mailbox{Addr: "localhost:143", User: "u", Password: "pw-secret", Folder: "INBOX"}},
		{"imaps://support%40desk.example:p%2Fw@mail.example.com/Support%20Box?done=Processed",
			mailnet.Mailbox{Addr: "mail.example.com:993", User: "support@desk.example", Password: "p/w", Folder: "Support Box", TLS: true, Done: "Processed"}},
		{"imaps://u:pw-secret@mail.example.com:1993/INBOX?tls=insecure",
			mailnet.Mailbox{Addr: "mail.example.com:1993", User: "u", Password: "pw-secret", Folder: "INBOX", TLS: true, Insecure: true}},
		{"imap://u:pw-secret@mail.example.com/INBOX?tls=starttls",
			mailnet.Mailbox{Addr: "mail.example.com:143", User: "u", Password: "pw-secret", Folder: "INBOX", StartTLS: true}},
	}
	for _, tc := range good {
		got, err := mailnet.ParseMailbox(tc.url)
		if err != nil {
			t.Errorf("ParseMailbox(%q): %v", tc.url, err)
			continue
		}
		if got != tc.want {
			t.Errorf("ParseMailbox(%q) = %+v, want %+v", tc.url, got, tc.want)
		}
		if strings.Contains(got.Key(), got.Password) && got.Password != "" {
			t.Errorf("Key() %q shows the password", got.Key())
		}
	}
	bad := []string{
		"imap://u:pw-secret@mail.example.com/INBOX", // plaintext LOGIN to another host
		"imap://u:pw-secret@mail.example.com/INBOX?tls=insecure",
		"pop3://u:pw-secret@127.0.0.1/INBOX",
		"imaps://mail.example.com/INBOX",              // no user
		"imaps://u:pw-secret@/INBOX",                  // no host
		"imaps://u:pw-secret@host:99999/INBOX",        // bad port
		"imaps://u:pw-secret@host/INBOX?tls=maybe",    // unknown tls mode
		"imaps://u:pw-secret@host/INBOX?tls=starttls", // starttls on imaps
		"imaps://u:pw-secret@host/INBOX?folder=x",     // unknown parameter
	}
	for _, u := range bad {
		if _, err := mailnet.ParseMailbox(u); err == nil {
			t.Errorf("ParseMailbox(%q) accepted", u)
		}
	}
}

// TestIMAPPollerRunRetries: a server that does not answer is retried with back-off, a log
// line each time, and Run returns only when ctx ends.
func TestIMAPPollerRunRetries(t *testing.T) {
	st := storetest.Open(t, "sqlite")
	mb, err := mailnet.ParseMailbox(fmt.Sprintf("imap://u:pw@127.0.0.1:%d/INBOX", freePort(t)))
	if err != nil {
		t.Fatal(err)
	}
	var logs lockedBuffer
	p := newTestPoller(t, st, mb, newRecorder(), slog.New(slog.NewTextHandler(&logs, nil)))
	ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
	defer cancel()
	if err := p.Run(ctx); err != nil {
		t.Fatalf("Run = %v, want nil when ctx ends", err)
	}
	// Attempts at 0 s, 1 s (back-off 1 s) and 3 s (2 s): two failures logged before the end.
	if n := strings.Count(logs.String(), "poll failed"); n != 2 {
		t.Fatalf("%d failures logged, want 2 (back-off 1 s, then 2 s); log:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "in=1s") || !strings.Contains(logs.String(), "in=2s") {
		t.Fatalf("back-off not 1 s then 2 s; log:\n%s", logs.String())
	}
}

// Issue 20, finding 8: an IMAP mailbox configured on two nodes was polled by both. Two nodes on
// one PostgreSQL database poll one mailbox: the first holds it and alone delivers what arrives,
// the second says another node polls it; when the first node's database connections die (as
// when the node is killed), the second takes over within seconds.
func TestIMAPOneNodePollsAndAnotherTakesOver(t *testing.T) {
	cfg := storetest.Config(t, "postgres")
	ctx := context.Background()
	nodeA := fmt.Sprintf("kept-test-node-a-%d", time.Now().UnixNano())
	open := func(app string) *store.Store {
		c := cfg
		if app != "" {
			c.URL += "&application_name=" + app // its sessions are found by name, to kill them
		}
		st, err := store.Open(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
			t.Fatal(err)
		}
		return st
	}
	stA, stB := open(nodeA), open("")
	defer stA.Close()
	defer stB.Close()
	d := startDovecot(t)
	mb := d.mailbox(t, "")
	rA, rB := newRecorder(), newRecorder()
	var logA, logB lockedBuffer
	pA := newTestPoller(t, stA, mb, rA, slog.New(slog.NewTextHandler(&logA, nil)))
	pB := newTestPoller(t, stB, mb, rB, slog.New(slog.NewTextHandler(&logB, nil)))
	run := func(p *mailnet.Poller) func() {
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { _ = p.Run(rctx); close(done) }()
		return func() { cancel(); <-done }
	}
	waitOn := func(r *recorder, id string, within time.Duration) {
		t.Helper()
		select {
		case <-r.wake:
		case <-time.After(within):
			t.Fatalf("message %s not delivered within %v; logs:\nA:\n%s\nB:\n%s", id, within, logA.String(), logB.String())
		}
		wantIDs(t, r, id)
	}
	d.appendN(t, 1, 1)
	stopA := run(pA)
	defer stopA()
	waitOn(rA, "1", 3*time.Second)
	stopB := run(pB)
	defer stopB()
	deadline := time.Now().Add(3 * time.Second)
	for !strings.Contains(logB.String(), "another node polls this mailbox") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(logB.String(), "another node polls this mailbox") {
		t.Fatalf("node B does not say another node polls the mailbox:\n%s", logB.String())
	}
	d.appendN(t, 2, 2)
	waitOn(rA, "2", 3*time.Second)
	if got := rB.take(); len(got) != 0 {
		t.Fatalf("node B delivered %v while node A held the mailbox", got)
	}
	// Node A dies: the database ends its sessions, and its hold on the mailbox with them.
	killer, err := sql.Open("pgx", cfg.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer killer.Close()
	if _, err := killer.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, nodeA); err != nil {
		t.Fatal(err)
	}
	stopA()
	d.appendN(t, 3, 3)
	// A may die after handing message 2 over and before marking it done in the mailbox: B then
	// hands it over again (at least once; intake drops the repeat by its Message-ID). Message 3
	// must come, and nothing else.
	var got []string
	until := time.After(10 * time.Second)
	for !slices.Contains(got, "3") {
		select {
		case <-rB.wake:
			got = append(got, rB.take()...)
		case <-until:
			t.Fatalf("message 3 not delivered by node B within 10s (got %v); logs:\nA:\n%s\nB:\n%s", got, logA.String(), logB.String())
		}
	}
	for _, id := range got {
		if id != "2" && id != "3" {
			t.Fatalf("node B delivered %v after taking over, want 3 (and at most a repeat of 2)", got)
		}
	}
}
