package main

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/store/storetest"
	"github.com/keptdesk/kept/internal/webhooks"
)

// hookRequest is a delivery as a receiver took it.
type hookRequest struct {
	id, ts, sig string
	body        []byte
}

// TestWebhookKilledDuringDelivery (issue 17): `kept serve` is killed (SIGKILL) while a receiver
// on loopback holds a delivery open, the receiver then takes it, and Kept starts again: the
// delivery arrives again (at least once, never lost), with the same webhook-id and body and a
// signature that verifies, and the endpoint's log says delivered. The restarted node takes its
// own claim back at once (it names itself with --node), not after the lease.
func TestWebhookKilledDuringDelivery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		_, dbArgs, token := migratedDesk(t, backend)
		args := append([]string{"--node", "hooks-1", "--webhook-allow-private"}, dbArgs...)

		got := make(chan hookRequest, 10)
		release := make(chan struct{})
		var once sync.Once
		var attempts atomic.Int32
		recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			got <- hookRequest{id: r.Header.Get("webhook-id"), ts: r.Header.Get("webhook-timestamp"), sig: r.Header.Get("webhook-signature"), body: body}
			if attempts.Add(1) == 1 { // the first is held open: Kept is killed while it waits for the answer
				<-release
			}
			w.WriteHeader(http.StatusNoContent)
		}))
		defer recv.Close()
		defer once.Do(func() { close(release) })

		key := make([]byte, 32)
		_, _ = rand.Read(key)
		secret := "whsec_" + base64.StdEncoding.EncodeToString(key)

		srv := startServer(t, args)
		hook := srv.call(t, token, "POST", "/api/v1/webhooks", map[string]any{"url": recv.URL + "/kept", "events": []string{"case_opened"}, "secret": secret}, 201)
		agent := srv.call(t, token, "POST", "/api/v1/agents", map[string]any{"name": "Ana Horvat", "email": "ana@desk.test", "role": "agent", "timezone": "Europe/Zagreb"}, 201)
		cust := srv.call(t, token, "POST", "/api/v1/customers", map[string]any{"name": "Đuro Čačić", "email": "duro@example.hr", "language": "hr"}, 201)
		cs := srv.call(t, token, "POST", "/api/v1/cases", map[string]any{"customer_id": cust["id"], "subject": "Račun za studeni",
			"body": "Račun nije stigao.", "channel": "email", "owner_id": agent["id"]}, 201)

		first := waitHook(t, got, "the first attempt")
		if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = srv.cmd.Wait()
		once.Do(func() { close(release) }) // the receiver took it; Kept never heard its answer

		srv = startServer(t, args)
		again := waitHook(t, got, "the delivery after the restart")
		for _, r := range []hookRequest{first, again} {
			if want, err := webhooks.Sign(secret, r.id, r.ts, r.body); err != nil || r.sig != want {
				t.Errorf("webhook-signature %q of %s does not verify (want %q, %v)", r.sig, r.id, want, err)
			}
		}
		if again.id != first.id || string(again.body) != string(first.body) {
			t.Errorf("the repeat is not the same delivery: webhook-id %s then %s; body\n%s\nthen\n%s", first.id, again.id, first.body, again.body)
		}
		if want := fmt.Sprintf(`"case_id":%v`, cs["id"]); !strings.Contains(string(first.body), want) || !strings.Contains(string(first.body), `"type":"case_opened"`) {
			t.Errorf("the body is not the case opened: %s", first.body)
		}

		// The log: one delivery, delivered, on its second attempt.
		path := fmt.Sprintf("/api/v1/webhooks/%v/deliveries", hook["id"])
		deadline := time.Now().Add(20 * time.Second)
		for {
			list, _ := srv.call(t, token, "GET", path, nil, 200)["list"].([]any)
			if len(list) == 1 && list[0].(map[string]any)["state"] == "delivered" {
				if d := list[0].(map[string]any); d["webhook_id"] != first.id || d["attempts"] != float64(2) {
					t.Errorf("the log: %v; want webhook-id %s after 2 attempts", d, first.id)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the log never says delivered: %v", list)
			}
			time.Sleep(100 * time.Millisecond)
		}
		select {
		case r := <-got:
			t.Errorf("a third attempt: %s", r.id)
		default:
		}
		srv.stop(t)
	})
}

func waitHook(t *testing.T, got <-chan hookRequest, what string) hookRequest {
	t.Helper()
	select {
	case r := <-got:
		return r
	case <-time.After(30 * time.Second):
		t.Fatalf("%s never reached the receiver", what)
	}
	return hookRequest{}
}
