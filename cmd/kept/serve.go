package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/keptdesk/kept/internal/api"
	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/demo"
	"github.com/keptdesk/kept/internal/jobs"
	"github.com/keptdesk/kept/internal/metrics"
	"github.com/keptdesk/kept/internal/service"
)

// shutdownGrace is how long requests in flight may take to finish after SIGTERM.
const shutdownGrace = 20 * time.Second

func serve(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	cfg := dbFlags(fs)
	addr := fs.String("http", envOr("KEPT_HTTP", "127.0.0.1:8080"), "address to serve HTTP on")
	smtpAddr := fs.String("smtp", envOr("KEPT_SMTP", ""), "address to accept mail on (not built yet)")
	withDemo := fs.Bool("demo", false, "seed demo data into an empty database and print a sign-in")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *smtpAddr != "" {
		return fmt.Errorf("%w: --smtp: this build of Kept cannot receive mail yet; leave --smtp and KEPT_SMTP unset", errUsage)
	}
	log := newLogger(stderr)
	m := metrics.New()
	var timers *jobs.Runner // set below, before anything can commit
	svc, closeDB, err := openService(ctx, *cfg, log, service.WithEvents(func(e service.Event) {
		m.Committed(e.CaseOpened, e.Entries)
		if e.Timers && timers != nil {
			timers.Wake()
		}
	}))
	if err != nil {
		return err
	}
	defer closeDB()
	log.Info("database ready", "db", cfg.Describe())
	timers = jobs.NewRunner(svc.Store(), clock.System{}, log, svc.Handlers())
	timersCtx, stopTimers := context.WithCancel(context.WithoutCancel(ctx))
	timersDone := make(chan error, 1)
	go func() { timersDone <- timers.Run(timersCtx) }()
	defer func() {
		stopTimers()
		if err := <-timersDone; err != nil && !errors.Is(err, context.Canceled) {
			log.Error("timers stopped with an error", "err", err)
		}
	}()

	var signIn *demo.SignIn
	if *withDemo {
		progress := progressPrinter(stderr, "seeding demo data: %d cases")
		signIn, err = demo.Seed(ctx, svc, log, progress)
		if progress != nil {
			fmt.Fprintln(stderr)
		}
		if err != nil {
			return fmt.Errorf("seed demo data: %w", err)
		}
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	srv := &http.Server{
		Handler:           api.New(svc, log, m, version).Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	url := "http://" + ln.Addr().String()
	log.Info("listening", "url", url)
	fmt.Fprintf(stdout, "Kept %s is listening on %s (database: %s)\n", version, url, cfg.Describe())
	if signIn != nil {
		signIn.Print(stdout, url)
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve HTTP: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight", "grace", shutdownGrace)
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}
