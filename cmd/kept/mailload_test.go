package main

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/smtp"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/store/storetest"
)

// procKiB reads a size in kB (VmRSS, VmHWM) from /proc/PID/status.
func procKiB(pid int, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	return -1
}

// TestBinaryMailMemory is issue 13's load on the SMTP door, against the real binary: 300
// sessions opened and left idle (ten from each of 30 loopback addresses), then 8 mails of 20 MiB
// sent at once. Every mail is stored, the desk answers HTTP throughout, and the process's peak
// resident memory (VmHWM, from its start) stays under 250 MB. Run alone for its numbers:
//
//	go test -count=1 -run TestBinaryMailMemory -v ./cmd/kept/
func TestBinaryMailMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 160 MiB of mail")
	}
	storetest.Each(t, func(t *testing.T, backend string) {
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
		smtpAddr := freePort(t)
		srv := startServer(t, append(dbArgs, "--smtp", smtpAddr, "--mail-address", "support@desk.test"))
		srv.call(t, token, "POST", "/api/v1/agents", map[string]any{"name": "Ann", "email": "ann@desk.test", "role": "agent"}, 201)
		pid := srv.cmd.Process.Pid
		t.Logf("%s: RSS at start %d kB", backend, procKiB(pid, "VmRSS"))

		// 300 idle sessions, each greeted or refused.
		greeted, refused := 0, 0
		for i := 0; i < 300; i++ {
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 1, byte(2+i/10))}, Timeout: 5 * time.Second}
			c, err := d.Dial("tcp", smtpAddr)
			if err != nil {
				t.Fatalf("idle session %d: %v", i, err)
			}
			defer c.Close()
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			line, _ := bufio.NewReader(c).ReadString('\n')
			if strings.HasPrefix(line, "220") {
				greeted++
			} else {
				refused++
			}
		}
		t.Logf("%s: idle sessions: %d greeted, %d refused; RSS %d kB", backend, greeted, refused, procKiB(pid, "VmRSS"))
		// Long enough for an idle session to count as idle (mailnet.DefaultServerConfig's IdleEvict).
		time.Sleep(6 * time.Second)

		// 20 MiB each: a short text and an attachment of random bytes, base64 in 76-column lines.
		bin := make([]byte, 15<<20)
		rand.Read(bin)
		enc := base64.StdEncoding.EncodeToString(bin)
		var att strings.Builder
		for i := 0; i < len(enc); i += 76 {
			att.WriteString(enc[i:min(i+76, len(enc))])
			att.WriteString("\r\n")
		}
		body := att.String()
		var wg sync.WaitGroup
		errs := make([]error, 8)
		took := make([]time.Duration, 8)
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				raw := fmt.Sprintf("From: big%d@example.com\r\nTo: support@desk.test\r\nSubject: Scan number Big%d\r\n"+
					"Message-ID: <big%d-%s@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"+
					"--b\r\nContent-Type: text/plain\r\n\r\nThe scan is attached.\r\n--b\r\nContent-Type: application/pdf; name=scan.pdf\r\n"+
					"Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=scan.pdf\r\n\r\n%s--b--\r\n", i, i, i, backend, body)
				start := time.Now()
				errs[i] = smtp.SendMail(smtpAddr, nil, fmt.Sprintf("big%d@example.com", i), []string{"support@desk.test"}, []byte(raw))
				took[i] = time.Since(start)
			}()
		}
		// The desk keeps answering while the mail comes in.
		stop := make(chan struct{})
		var slowest atomic.Int64
		var httpErr atomic.Value
		go func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(200 * time.Millisecond):
				}
				start := time.Now()
				resp, err := http.Get(srv.url + "/healthz")
				if err != nil {
					httpErr.Store(err)
					continue
				}
				resp.Body.Close()
				if d := time.Since(start); int64(d) > slowest.Load() {
					slowest.Store(int64(d))
				}
			}
		}()
		wg.Wait()
		close(stop)
		for i, err := range errs {
			if err != nil {
				t.Errorf("mail %d: %v", i, err)
			}
		}
		if err, _ := httpErr.Load().(error); err != nil {
			t.Errorf("healthz during the load: %v", err)
		}
		peak := procKiB(pid, "VmHWM")
		t.Logf("%s: 8 mails of %d MiB in %v (slowest); healthz slowest %v; RSS now %d kB, peak %d kB",
			backend, (len(body)+400)>>20, longest(took), time.Duration(slowest.Load()), procKiB(pid, "VmRSS"), peak)
		if peak > 250_000 {
			t.Errorf("%s: peak RSS %d kB, want under 250 MB", backend, peak)
		}
		for i := range 8 {
			hits := srv.call(t, token, "GET", fmt.Sprintf("/api/v1/search?q=big%d", i), nil, 200)["hits"].([]any)
			if len(hits) != 1 {
				t.Errorf("mail %d: %d cases found, want 1", i, len(hits))
			}
		}
		srv.stop(t)
	})
}

func longest(ds []time.Duration) time.Duration {
	var m time.Duration
	for _, d := range ds {
		m = max(m, d)
	}
	return m
}
