package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// keptBin is the real binary, built once for the whole test run.
var keptBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kept-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	keptBin = filepath.Join(dir, "kept")
	build := exec.Command("go", "build", "-o", keptBin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build kept:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// kept runs the binary to completion and returns its exit code and output.
func kept(t testing.TB, stdin string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(keptBin, args...)
	cmd.Env = append(os.Environ(), "KEPT_DATA=", "KEPT_DB=")
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run kept %v: %v", args, err)
	}
	return code, out.String(), errOut.String()
}

// server is a running `kept serve`.
type server struct {
	cmd    *exec.Cmd
	url    string
	stderr *bytes.Buffer
	args   []string // how it was started: its database
}

func startServer(t testing.TB, dbArgs []string) *server {
	t.Helper()
	cmd := exec.Command(keptBin, append([]string{"serve", "--http", "127.0.0.1:0"}, dbArgs...)...)
	cmd.Env = append(os.Environ(), "KEPT_DATA=", "KEPT_DB=")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, stderr: &bytes.Buffer{}, args: dbArgs}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if _, rest, ok := strings.Cut(sc.Text(), "listening on "); ok {
				found <- strings.Fields(rest)[0]
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case s.url = <-found:
	case <-time.After(30 * time.Second):
		t.Fatalf("kept serve did not say where it listens; stderr:\n%s", s.stderr)
	}
	return s
}

// stop sends SIGTERM and waits for a clean exit.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("kept serve exited with %v after SIGTERM; stderr:\n%s", err, s.stderr)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("kept serve did not stop within 15 s of SIGTERM")
	}
	if !strings.Contains(s.stderr.String(), "stopped") {
		t.Errorf("no 'stopped' log line after SIGTERM:\n%s", s.stderr)
	}
}

func (s *server) call(t testing.TB, token, method, path string, body any, want int) map[string]any {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.url+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, raw)
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: not JSON: %s", method, path, raw)
	}
	if l, ok := out.([]any); ok {
		return map[string]any{"list": l}
	}
	return out.(map[string]any)
}

// migratedDesk is a database of the backend migrated by `kept migrate`, the flags that name it,
// and an admin's API token from `kept token`.
func migratedDesk(t *testing.T, backend string) (store.Config, []string, string) {
	t.Helper()
	cfg := storetest.Config(t, backend)
	dbArgs := []string{"--data", cfg.DataDir}
	if backend == "postgres" {
		dbArgs = []string{"--db", cfg.URL}
	}
	if code, out, errOut := kept(t, "", append([]string{"migrate"}, dbArgs...)...); code != 0 || !strings.Contains(out, "up to date") {
		t.Fatalf("kept migrate: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut := kept(t, "", append([]string{"token", "--email", "head@example.com", "--role", "admin"}, dbArgs...)...)
	if code != 0 {
		t.Fatalf("kept token: exit %d\n%s%s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return cfg, dbArgs, lines[len(lines)-1]
}

// TestBinary drives the real binary through the contract's flow on both databases, then
// proves that `kept verify` notices an entry altered behind the desk's back.
func TestBinary(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		cfg, dbArgs, token := migratedDesk(t, backend)

		srv := startServer(t, dbArgs)
		resp, err := http.Get(srv.url + "/healthz")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("healthz: %v %v", resp, err)
		}
		resp.Body.Close()

		agent := srv.call(t, token, "POST", "/api/v1/agents", map[string]any{"name": "Ann Tamm", "email": "ann@example.ee", "role": "agent", "team": "Billing", "timezone": "Europe/Tallinn"}, 201)
		cust := srv.call(t, token, "POST", "/api/v1/customers", map[string]any{"name": "Mari Kask", "email": "mari@example.ee",
			"references": []map[string]string{{"kind": "account", "value": "ACC-371"}}}, 201)
		cs := srv.call(t, token, "POST", "/api/v1/cases", map[string]any{"customer_id": cust["id"], "subject": "Internet down since Monday",
			"body": "My connection drops every evening.", "channel": "email", "owner_id": agent["id"]}, 201)
		ref := cs["ref"].(string)
		path := fmt.Sprintf("/api/v1/cases/%v", cs["id"])
		srv.call(t, token, "POST", path+"/messages", map[string]any{"body": "We replaced the router, Marker-Q7Z."}, 201)
		srv.call(t, token, "POST", path+"/calls", map[string]any{"direction": "inbound", "at": time.Now().UTC().Add(-time.Hour).Format(time.RFC3339),
			"duration_s": 300, "summary": "Mari confirmed the line is stable", "transcript": "Mari: It works now."}, 201)
		record := srv.call(t, token, "GET", path+"/record", nil, 200)["list"].([]any)
		// The request, the owner's and the recorder's introductions, the reply, the call.
		if len(record) != 5 || record[3].(map[string]any)["kind"] != "message_out" {
			t.Fatalf("record has %d entries (%v), want 5 with the reply fourth", len(record), record)
		}
		for _, q := range []string{"router", "ACC-371"} {
			hits := srv.call(t, token, "GET", "/api/v1/search?q="+q, nil, 200)["hits"].([]any)
			if len(hits) != 1 || hits[0].(map[string]any)["ref"] != ref {
				t.Errorf("search %q: %v, want %s", q, hits, ref)
			}
		}
		bad := srv.call(t, token, "POST", "/api/v1/cases", map[string]any{"customer_id": cust["id"], "subject": "x", "body": "y", "channel": "fax"}, 422)
		if e := bad["error"].(map[string]any); e["field"] != "channel" || e["code"] == "" {
			t.Errorf("a bad channel answered %v", bad)
		}
		srv.call(t, "", "GET", "/api/v1/cases", nil, 401)

		if code, out, _ := kept(t, "", append([]string{"verify"}, dbArgs...)...); code != 0 || !strings.Contains(out, "ok: 1 records, 5 entries") {
			t.Errorf("kept verify on an untouched database: exit %d\n%s", code, out)
		}
		exportFile := filepath.Join(t.TempDir(), "record.json")
		if code, _, errOut := kept(t, "", append([]string{"export", "--case", ref, "--out", exportFile}, dbArgs...)...); code != 0 {
			t.Fatalf("kept export: exit %d %s", code, errOut)
		}
		srv.stop(t)

		if code, out, _ := kept(t, "", "verify", "--export", exportFile); code != 0 || !strings.Contains(out, "ok: "+ref) {
			t.Errorf("kept verify --export: exit %d %s", code, out)
		}
		x, _ := os.ReadFile(exportFile)
		if err := os.WriteFile(exportFile, bytes.Replace(x, []byte("Marker-Q7Z"), []byte("Marker-X7Z"), 1), 0o600); err != nil {
			t.Fatal(err)
		}
		if code, out, _ := kept(t, "", "verify", "--export", exportFile); code == 0 || !strings.Contains(out, ref+" seq 4") {
			t.Errorf("kept verify --export of an altered export: exit %d %q, want a failure naming %s seq 4", code, out, ref)
		}

		// Alter the reply behind the desk's back: in the SQLite file itself, or on PostgreSQL
		// as a superuser with the append-only triggers switched off.
		if backend == "sqlite" {
			dbFile := filepath.Join(cfg.DataDir, "kept.db")
			b, err := os.ReadFile(dbFile)
			if err != nil {
				t.Fatal(err)
			}
			if n := bytes.Count(b, []byte("Marker-Q7Z")); n != 1 {
				t.Fatalf("the marker is %d times in the database file, want once", n)
			}
			if err := os.WriteFile(dbFile, bytes.Replace(b, []byte("Marker-Q7Z"), []byte("Marker-X7Z"), 1), 0o600); err != nil {
				t.Fatal(err)
			}
		} else {
			db, err := sql.Open("pgx", cfg.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for _, q := range []string{"ALTER TABLE entries DISABLE TRIGGER USER",
				"UPDATE entries SET body = replace(body, 'Marker-Q7Z', 'Marker-X7Z')",
				"ALTER TABLE entries ENABLE TRIGGER USER"} {
				if _, err := db.ExecContext(context.Background(), q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
		}
		code, out, _ := kept(t, "", append([]string{"verify"}, dbArgs...)...)
		if code == 0 || !strings.Contains(out, ref+" seq 4") {
			t.Errorf("kept verify after tampering: exit %d\n%s\nwant a failure naming %s seq 4", code, out, ref)
		}
	})
}

func TestCommandLine(t *testing.T) {
	if code, out, _ := kept(t, "", "version"); code != 0 || !strings.HasPrefix(out, "kept ") {
		t.Errorf("kept version: %d %q", code, out)
	}
	if code, _, errOut := kept(t, "", "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Errorf("kept frobnicate: %d %q", code, errOut)
	}
	dir := t.TempDir()
	if code, _, errOut := kept(t, "", "token", "--data", dir); code != 2 || !strings.Contains(errOut, "--email is required") {
		t.Errorf("kept token without --email: %d %q", code, errOut)
	}
	if code, out, errOut := kept(t, "a long demo passphrase\n", "password", "--data", dir, "--email", "ann@example.ee"); code != 0 || !strings.Contains(out, "password set") {
		t.Errorf("kept password: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := kept(t, "short\n", "password", "--data", dir, "--email", "ann@example.ee"); code == 0 || !strings.Contains(errOut, "10 characters") {
		t.Errorf("kept password with a short password: %d %q", code, errOut)
	}
	if code, _, errOut := kept(t, "", "serve", "--data", dir, "--relay", "carrier-pigeon://loft"); code != 2 || !strings.Contains(errOut, "--relay") {
		t.Errorf("kept serve with a bad relay: %d %q", code, errOut)
	}
	if code, _, errOut := kept(t, "", "serve", "--data", dir, "--trusted-proxies", "10.0.0.0/8,proxy.lan"); code != 2 || !strings.Contains(errOut, `--trusted-proxies / KEPT_TRUSTED_PROXIES: trusted proxy "proxy.lan"`) {
		t.Errorf("kept serve with a bad trusted proxy: %d %q", code, errOut)
	}
}

// TestTrustedProxies: the log names the client X-Forwarded-For gives only when the request
// comes from a trusted proxy; otherwise the header is ignored and one warning says so.
func TestTrustedProxies(t *testing.T) {
	get := func(s *server, forwarded string) {
		req, _ := http.NewRequest(http.MethodGet, s.url+"/login", nil)
		req.Header.Set("X-Forwarded-For", forwarded)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	s := startServer(t, []string{"--data", t.TempDir(), "--trusted-proxies", "127.0.0.1"})
	get(s, "192.0.2.1, 203.0.113.9")
	s.stop(t)
	if log := s.stderr.String(); !strings.Contains(log, "path=/login status=200") || !strings.Contains(log, "remote=203.0.113.9") ||
		strings.Contains(log, "not a trusted proxy") {
		t.Errorf("behind a trusted proxy, the log line does not name the client 203.0.113.9:\n%s", log)
	}
	s = startServer(t, []string{"--data", t.TempDir()})
	get(s, "203.0.113.9")
	get(s, "203.0.113.10")
	s.stop(t)
	log := s.stderr.String()
	if strings.Contains(log, "remote=203.0.113") || !strings.Contains(log, "remote=127.0.0.1") {
		t.Errorf("without trusted proxies, X-Forwarded-For was believed:\n%s", log)
	}
	if n := strings.Count(log, "not a trusted proxy"); n != 1 {
		t.Errorf("%d warnings about an untrusted X-Forwarded-For, want 1:\n%s", n, log)
	}
}
