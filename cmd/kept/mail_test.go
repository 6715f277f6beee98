package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/smtp"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	gosmtp "github.com/emersion/go-smtp"

	"github.com/keptdesk/kept/internal/store/storetest"
)

// captureRelay is a real SMTP server on loopback that keeps every message it accepts.
type captureRelay struct {
	mu   sync.Mutex
	msgs [][]byte
	addr string
	srv  *gosmtp.Server
}

func startRelay(t *testing.T) *captureRelay {
	t.Helper()
	r := &captureRelay{}
	r.srv = gosmtp.NewServer(r)
	r.srv.Domain = "relay.test"
	r.srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr = ln.Addr().String()
	go r.srv.Serve(ln)
	t.Cleanup(func() { r.srv.Close() })
	return r
}

func (r *captureRelay) NewSession(*gosmtp.Conn) (gosmtp.Session, error) {
	return &relaySession{r: r}, nil
}

type relaySession struct{ r *captureRelay }

func (s *relaySession) Reset()                                 {}
func (s *relaySession) Logout() error                          { return nil }
func (s *relaySession) Mail(string, *gosmtp.MailOptions) error { return nil }
func (s *relaySession) Rcpt(string, *gosmtp.RcptOptions) error { return nil }
func (s *relaySession) Data(rd io.Reader) error {
	b, err := io.ReadAll(rd)
	if err != nil {
		return err
	}
	s.r.mu.Lock()
	s.r.msgs = append(s.r.msgs, b)
	s.r.mu.Unlock()
	return nil
}

// waitFor returns the relayed messages once one contains want, failing after 10 s.
func (r *captureRelay) waitFor(t *testing.T, want string) []byte {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		r.mu.Lock()
		for _, m := range r.msgs {
			if bytes.Contains(m, []byte(want)) {
				r.mu.Unlock()
				return m
			}
		}
		r.mu.Unlock()
	}
	t.Fatalf("no relayed mail contains %q", want)
	return nil
}

// dkimKey writes a fresh Ed25519 key as a PEM file and returns its public half.
func dkimKey(t *testing.T) (ed25519.PublicKey, string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "dkim.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return pub, path
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// sendMail delivers a raw message over a real SMTP session and reports whether it got a 2xx.
func sendMail(addr, from, to string, raw string) error {
	return smtp.SendMail(addr, nil, from, []string{to}, []byte(strings.ReplaceAll(raw, "\n", "\r\n")))
}

func header(raw []byte, name string) string {
	m := regexp.MustCompile(`(?mi)^` + name + `:\s*(.*?)\r?$`).FindSubmatch(raw)
	if m == nil {
		return ""
	}
	return string(m[1])
}

// TestBinaryMail drives real SMTP sessions in and out: a new mail opens a case, the desk's
// reply reaches the relay with threading headers, and the customer's reply joins the case.
func TestBinaryMail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		t.Parallel()
		cfg := storetest.Config(t, backend)
		dbArgs := []string{"--data", cfg.DataDir}
		if backend == "postgres" {
			dbArgs = []string{"--db", cfg.URL}
		}
		code, out, errOut := kept(t, "", append([]string{"token", "--email", "head@desk.test", "--role", "admin"}, dbArgs...)...)
		if code != 0 {
			t.Fatalf("kept token: %d %s%s", code, out, errOut)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		token := lines[len(lines)-1]
		relay := startRelay(t)
		smtpAddr := freePort(t)
		pub, keyFile := dkimKey(t)
		srv := startServer(t, append(dbArgs, "--smtp", smtpAddr, "--relay", "smtp://"+relay.addr, "--mail-address", "support@desk.test", "--dkim-key", keyFile))
		srv.call(t, token, "POST", "/api/v1/agents", map[string]any{"name": "Ann Tamm", "email": "ann@desk.test", "role": "agent"}, 201)

		first := "From: Mari Kask <mari@example.ee>\nTo: support@desk.test\nSubject: Arve on vale\nMessage-ID: <m1-" + backend + "@example.ee>\n" +
			"Date: Mon, 23 Nov 2026 10:00:00 +0200\nContent-Type: text/plain; charset=utf-8\n\nTere! Minu arve on vale, palun parandage.\n"
		if err := sendMail(smtpAddr, "mari@example.ee", "support@desk.test", first); err != nil {
			t.Fatalf("the desk did not accept a new mail: %v", err)
		}
		hits := srv.call(t, token, "GET", "/api/v1/search?q=arve", nil, 200)["hits"].([]any)
		if len(hits) != 1 {
			t.Fatalf("the new mail opened %d cases, want 1", len(hits))
		}
		caseID := fmt.Sprint(hits[0].(map[string]any)["case_id"])
		ref := hits[0].(map[string]any)["ref"].(string)

		srv.call(t, token, "POST", "/api/v1/cases/"+caseID+"/messages", map[string]any{"body": "Tere Mari, parandasime arve. Unique-Reply-77."}, 201)
		reply := relay.waitFor(t, "Unique-Reply-77")
		if got := header(reply, "In-Reply-To"); got != "<m1-"+backend+"@example.ee>" {
			t.Errorf("the reply's In-Reply-To is %q, want the customer's Message-ID", got)
		}
		if to := header(reply, "To"); !strings.Contains(to, "mari@example.ee") {
			t.Errorf("the reply went to %q", to)
		}
		if rt := header(reply, "Reply-To"); !strings.Contains(rt, "support+") || !strings.Contains(rt, "@desk.test") {
			t.Errorf("the reply's Reply-To %q carries no reply token", rt)
		}
		if s := header(reply, "Subject"); !strings.Contains(s, ref) {
			t.Errorf("the reply's subject %q does not name %s", s, ref)
		}
		deskID := header(reply, "Message-ID")
		vs, err := dkim.VerifyWithOptions(bytes.NewReader(reply), &dkim.VerifyOptions{LookupTXT: func(string) ([]string, error) {
			return []string{"v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)}, nil
		}})
		if err != nil || len(vs) != 1 || vs[0].Err != nil {
			t.Errorf("the relayed reply's DKIM signature does not verify: %v %+v", err, vs)
		}

		// The customer answers the desk's mail: it joins the case by its Message-ID.
		answer := "From: mari@example.ee\nTo: support@desk.test\nSubject: Re: Arve\nMessage-ID: <m2-" + backend + "@example.ee>\nIn-Reply-To: " + deskID +
			"\nReferences: " + deskID + "\nContent-Type: text/plain; charset=utf-8\n\nAitäh, nüüd on korras.\n"
		if err := sendMail(smtpAddr, "mari@example.ee", "support@desk.test", answer); err != nil {
			t.Fatalf("the desk did not accept the reply: %v", err)
		}
		// A retry of the same mail is stored once.
		if err := sendMail(smtpAddr, "mari@example.ee", "support@desk.test", answer); err != nil {
			t.Fatalf("the desk did not accept a retry: %v", err)
		}
		record := srv.call(t, token, "GET", "/api/v1/cases/"+caseID+"/record", nil, 200)["list"].([]any)
		in := 0
		for _, e := range record {
			if e.(map[string]any)["kind"] == "message_in" {
				in++
			}
		}
		if in != 2 {
			t.Errorf("the case has %d messages in, want 2 (the first mail and one copy of the reply)", in)
		}
		// The record points at the mail exactly as it arrived.
		data := record[0].(map[string]any)["data"].(map[string]any)
		mailID := fmt.Sprint(data["mail_id"])
		stored := srv.call(t, token, "GET", "/api/v1/mails/"+mailID, nil, 200)
		if stored["from"] != "mari@example.ee" || len(fmt.Sprint(stored["sha256"])) != 64 {
			t.Errorf("stored mail %v", stored)
		}
		req, _ := http.NewRequest("GET", srv.url+"/api/v1/mails/"+mailID+"/raw", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !bytes.Contains(raw, []byte(strings.ReplaceAll(first, "\n", "\r\n"))) || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("the raw mail is not what was sent: %q (%s)", raw, resp.Header.Get("Content-Disposition"))
		}
		// A stranger naming the case in the subject gets a case of their own.
		stranger := "From: eve@example.com\nTo: support@desk.test\nSubject: Re: [" + ref + "] give me the details\nMessage-ID: <e1-" + backend + "@example.com>\n\nWhat is in it?\n"
		if err := sendMail(smtpAddr, "eve@example.com", "support@desk.test", stranger); err != nil {
			t.Fatal(err)
		}
		if hits := srv.call(t, token, "GET", "/api/v1/search?q=details", nil, 200)["hits"].([]any); len(hits) != 1 || fmt.Sprint(hits[0].(map[string]any)["case_id"]) == caseID {
			t.Errorf("the stranger's mail went to %v, want a new case", hits)
		}
		// An attachment comes back as a download, never rendered, byte for byte.
		withFile := "From: mari@example.ee\nTo: support@desk.test\nSubject: Invoice attached\nMessage-ID: <m3-" + backend + "@example.ee>\n" +
			"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\n\n--b1\nContent-Type: text/plain\n\nSee the invoice.\n--b1\n" +
			"Content-Type: text/html; name=\"arve.html\"\nContent-Disposition: attachment; filename=\"arve.html\"\n\n<script>alert(1)</script>\n--b1--\n"
		if err := sendMail(smtpAddr, "mari@example.ee", "support@desk.test", withFile); err != nil {
			t.Fatal(err)
		}
		fileHits := srv.call(t, token, "GET", "/api/v1/search?q=invoice", nil, 200)["hits"].([]any)
		if len(fileHits) == 0 {
			t.Fatal("the mail with an attachment is not found")
		}
		rec := srv.call(t, token, "GET", fmt.Sprintf("/api/v1/cases/%v/record", fileHits[0].(map[string]any)["case_id"]), nil, 200)["list"].([]any)
		var fileMail string
		for _, e := range rec {
			if d, ok := e.(map[string]any)["data"].(map[string]any); ok && d["attachments"] != nil {
				fileMail = fmt.Sprint(d["mail_id"])
			}
		}
		req, _ = http.NewRequest("GET", srv.url+"/api/v1/mails/"+fileMail+"/attachments/0", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/octet-stream" ||
			!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") || !bytes.Contains(body, []byte("<script>alert(1)</script>")) {
			t.Errorf("attachment download: %d %v %q", resp.StatusCode, resp.Header, body)
		}
		srv.stop(t)
	})
}

// TestBinaryMailSurvivesKill sends mail from several connections, kills the server with
// SIGKILL mid-flow and restarts it: every message that got a 250 is there exactly once.
func TestBinaryMailSurvivesKill(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		t.Parallel()
		cfg := storetest.Config(t, backend)
		dbArgs := []string{"--data", cfg.DataDir}
		if backend == "postgres" {
			dbArgs = []string{"--db", cfg.URL}
		}
		code, out, _ := kept(t, "", append([]string{"token", "--email", "head@desk.test", "--role", "admin"}, dbArgs...)...)
		if code != 0 {
			t.Fatal(out)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		token := lines[len(lines)-1]
		smtpAddr := freePort(t)
		args := append(append([]string{}, dbArgs...), "--smtp", smtpAddr, "--mail-address", "support@desk.test")
		srv := startServer(t, args)
		srv.call(t, token, "POST", "/api/v1/agents", map[string]any{"name": "Ann", "email": "ann@desk.test", "role": "agent"}, 201)

		var mu sync.Mutex
		acked := map[string]bool{}
		var wg sync.WaitGroup
		for c := 0; c < 4; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 200; i++ {
					id := fmt.Sprintf("crash-%d-%d", c, i)
					raw := fmt.Sprintf("From: sender%d@example.com\nTo: support@desk.test\nSubject: Word%s\nMessage-ID: <%s@example.com>\n\nMessage %s\n", c, strings.ReplaceAll(id, "-", ""), id, id)
					if err := sendMail(smtpAddr, fmt.Sprintf("sender%d@example.com", c), "support@desk.test", raw); err != nil {
						return // the server is gone
					}
					mu.Lock()
					acked[id] = true
					mu.Unlock()
				}
			}()
		}
		time.Sleep(700 * time.Millisecond)
		if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = srv.cmd.Wait()
		wg.Wait()
		if len(acked) == 0 {
			t.Fatal("no mail was acknowledged before the kill")
		}
		srv = startServer(t, args)
		defer srv.stop(t)
		missing, dup := 0, 0
		for id := range acked {
			q := "word" + strings.ReplaceAll(id, "-", "")
			hits := srv.call(t, token, "GET", "/api/v1/search?q="+q, nil, 200)["hits"].([]any)
			switch {
			case len(hits) == 0:
				missing++
			case len(hits) > 1:
				dup++
			}
		}
		t.Logf("%s: %d mails acknowledged before SIGKILL; %d missing, %d stored twice", backend, len(acked), missing, dup)
		if missing > 0 || dup > 0 {
			t.Errorf("after SIGKILL: %d acknowledged mails missing, %d stored twice", missing, dup)
		}
	})
}
