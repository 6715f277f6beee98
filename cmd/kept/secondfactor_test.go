package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/auth"
	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
)

// The last admin who lost their phone and recovery codes gets back in from the server's shell:
// `kept password --email E --reset-second-factor` removes the factor, and then the password
// alone signs in.
func TestPasswordResetsASecondFactor(t *testing.T) {
	dir := t.TempDir()
	if code, _, errOut := kept(t, "a long demo passphrase\n", "password", "--data", dir, "--email", "ann@example.ee"); code != 0 {
		t.Fatalf("kept password: %d %s", code, errOut)
	}
	ctx := context.Background()
	now := time.Now()
	withDesk := func(fn func(svc *service.Service)) {
		st, err := store.Open(ctx, store.Config{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		fn(service.New(st, clock.NewFake(now), slog.New(slog.NewTextHandler(io.Discard, nil))))
	}
	withDesk(func(svc *service.Service) {
		sess, err := svc.SignIn(ctx, "ann@example.ee", "a long demo passphrase")
		if err != nil {
			t.Fatal(err)
		}
		st, err := svc.StartSecondFactor(ctx, sess.Actor)
		if err != nil {
			t.Fatal(err)
		}
		code, _ := auth.HOTP(st.Secret, auth.TOTPStepAt(now))
		if _, err := svc.ConfirmSecondFactor(ctx, sess.Actor, code); err != nil {
			t.Fatal(err)
		}
		if s, err := svc.SignIn(ctx, "ann@example.ee", "a long demo passphrase"); err != nil || s.Step == nil {
			t.Fatalf("with a second factor, the password alone: %+v %v", s, err)
		}
	})
	if code, _, errOut := kept(t, "", "password", "--data", dir, "--email", "nobody@example.ee", "--reset-second-factor"); code != 1 || !strings.Contains(errOut, "no agent has the address") {
		t.Errorf("an unknown address: %d %q", code, errOut)
	}
	if code, out, errOut := kept(t, "", "password", "--data", dir, "--email", "ann@example.ee", "--reset-second-factor"); code != 0 || !strings.Contains(out, "second factor removed") {
		t.Fatalf("reset: %d %q %q", code, out, errOut)
	}
	withDesk(func(svc *service.Service) {
		s, err := svc.SignIn(ctx, "ann@example.ee", "a long demo passphrase")
		if err != nil || s.Step != nil || s.Token == "" || s.Actor.Kind != desk.ActorAgent {
			t.Fatalf("after the reset, the password alone: %+v %v", s, err)
		}
	})
}
