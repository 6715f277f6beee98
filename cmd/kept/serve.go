package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/api"
	"github.com/keptdesk/kept/internal/auth"
	"github.com/keptdesk/kept/internal/demo"
	"github.com/keptdesk/kept/internal/jobs"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/mailnet"
	"github.com/keptdesk/kept/internal/metrics"
	"github.com/keptdesk/kept/internal/realip"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/web"
	"github.com/keptdesk/kept/internal/webhooks"
)

// shutdownGrace is how long requests in flight may take to finish after SIGTERM.
const shutdownGrace = 20 * time.Second

func serve(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	cfg := dbFlags(fs)
	addr := fs.String("http", envOr("KEPT_HTTP", "127.0.0.1:8080"), "address to serve HTTP on")
	smtpAddr := fs.String("smtp", envOr("KEPT_SMTP", ""), "address to accept mail on, e.g. 127.0.0.1:2525 (off when empty)")
	mailAddr := fs.String("mail-address", envOr("KEPT_MAIL_ADDRESS", "support@localhost"), "the desk's own address: mail to customers comes from it, replies go to it")
	mailAccept := fs.String("mail-accept", envOr("KEPT_MAIL_ACCEPT", ""), "more addresses and whole domains the desk takes mail for, comma-separated: billing@example.com,@help.example.com")
	trustAR := fs.String("trust-auth-results", envOr("KEPT_TRUST_AUTH_RESULTS", ""), "take SPF/DKIM/DMARC from the Authentication-Results header your MTA adds with this authserv-id, instead of checking here (off when empty)")
	relayURL := fs.String("relay", envOr("KEPT_SMTP_RELAY", ""), "SMTP relay for mail to customers: smtp://[user:pass@]host:port or smtps://… (off when empty)")
	imapURLs := fs.String("imap", envOr("KEPT_IMAP", ""), "mailboxes to poll, comma-separated: imaps://user:pass@host/INBOX[?done=Processed] (off when empty)")
	dkimKey := fs.String("dkim-key", envOr("KEPT_DKIM_KEY", ""), "PEM private key file to DKIM-sign mail to customers (off when empty)")
	dkimSelector := fs.String("dkim-selector", envOr("KEPT_DKIM_SELECTOR", "kept"), "DKIM selector: the key is published at SELECTOR._domainkey.DOMAIN")
	withDemo := fs.Bool("demo", false, "seed demo data into an empty database and print a sign-in")
	baseURL := fs.String("base-url", envOr("KEPT_BASE_URL", ""), "where people reach the desk, for links in mail, e.g. https://help.example.com (default: http:// and the address it listens on)")
	zoneName := fs.String("timezone", envOr("KEPT_TIMEZONE", "UTC"), "IANA time zone for people who have not chosen one")
	hooksPrivate := fs.Bool("webhook-allow-private", envOr("KEPT_WEBHOOK_ALLOW_PRIVATE", "") == "1", "let webhook endpoints be on loopback or private addresses (refused by default, so a webhook cannot reach the desk's own network)")
	nodeName := fs.String("node", envOr("KEPT_NODE", ""), "this node's name, unique among the nodes on one database (default: the host's name and the HTTP address)")
	proxyList := fs.String("trusted-proxies", envOr("KEPT_TRUSTED_PROXIES", ""), "reverse proxies whose X-Forwarded-For names the client, comma-separated CIDR ranges or addresses, e.g. 10.0.0.0/8,127.0.0.1 (none when empty: the TCP peer is the client)")
	embedList := fs.String("embed-origins", envOr("KEPT_EMBED_ORIGINS", ""), "sites that may frame the embeddable request page /embed/request, comma-separated, e.g. https://www.example.com (none when empty: the page works only opened directly)")
	secretKey := fs.String("secret-key", envOr("KEPT_SECRET_KEY", ""), "32 random bytes in base64 or hex (openssl rand -base64 32) that seal agents' second-factor keys in the database; keep it apart from the backups (better given as KEPT_SECRET_KEY)")
	backupDir := fs.String("backup-dir", envOr("KEPT_BACKUP_DIR", ""), "write a backup into this folder on a schedule (off when empty); restore one with kept restore")
	backupEvery := fs.String("backup-every", envOr("KEPT_BACKUP_EVERY", "24h"), "how often serve writes a backup into --backup-dir, e.g. 6h")
	backupKeep := fs.String("backup-keep", envOr("KEPT_BACKUP_KEEP", "7"), "how many of its backups serve keeps in --backup-dir (the oldest go)")
	var sso web.SSOOptions
	fs.StringVar(&sso.Issuer, "oidc-issuer", envOr("KEPT_OIDC_ISSUER", ""), "OpenID Connect provider for single sign-on, e.g. https://login.example.com (off when empty)")
	fs.StringVar(&sso.ClientID, "oidc-client-id", envOr("KEPT_OIDC_CLIENT_ID", ""), "the desk's client id at the OpenID Connect provider")
	fs.StringVar(&sso.ClientSecret, "oidc-client-secret", envOr("KEPT_OIDC_CLIENT_SECRET", ""), "the desk's client secret at the OpenID Connect provider (better given as KEPT_OIDC_CLIENT_SECRET)")
	fs.StringVar(&sso.Name, "oidc-name", envOr("KEPT_OIDC_NAME", "single sign-on"), "the provider's name on the sign-in button: Sign in with NAME")
	fs.BoolVar(&sso.CreateAgents, "oidc-create-agents", envOr("KEPT_OIDC_CREATE_AGENTS", "") == "1", "single sign-on creates an agent (role agent) for a verified address no agent has (refused by default)")
	if err := parse(fs, args); err != nil {
		return err
	}
	svcOpts := []service.Option{}
	if *secretKey != "" {
		key, err := auth.ParseKey(*secretKey)
		if err != nil {
			return fmt.Errorf("%w: --secret-key / KEPT_SECRET_KEY: %v", errUsage, err)
		}
		svcOpts = append(svcOpts, service.WithSecretKey(key))
	}
	if sso.Issuer != "" && sso.ClientID == "" {
		return fmt.Errorf("%w: --oidc-issuer / KEPT_OIDC_ISSUER needs --oidc-client-id / KEPT_OIDC_CLIENT_ID", errUsage)
	}
	every, err := time.ParseDuration(*backupEvery)
	if err != nil || every < time.Second {
		return fmt.Errorf("%w: --backup-every / KEPT_BACKUP_EVERY: %q is not a duration of a second or more, e.g. 24h", errUsage, *backupEvery)
	}
	keep, err := strconv.Atoi(*backupKeep)
	if err != nil || keep < 1 {
		return fmt.Errorf("%w: --backup-keep / KEPT_BACKUP_KEEP: %q is not a count of 1 or more", errUsage, *backupKeep)
	}
	proxies, err := realip.ParseProxies(*proxyList)
	if err != nil {
		return fmt.Errorf("%w: --trusted-proxies / KEPT_TRUSTED_PROXIES: %v", errUsage, err)
	}
	embedOrigins, err := web.ParseEmbedOrigins(*embedList)
	if err != nil {
		return fmt.Errorf("%w: --embed-origins / KEPT_EMBED_ORIGINS: %v", errUsage, err)
	}
	zone, err := time.LoadLocation(*zoneName)
	if err != nil {
		return fmt.Errorf("%w: --timezone / KEPT_TIMEZONE: %v", errUsage, err)
	}
	accept, err := service.ParseMailAccept(*mailAccept)
	if err != nil {
		return fmt.Errorf("%w: --mail-accept / KEPT_MAIL_ACCEPT: %v", errUsage, err)
	}
	if _, _, ok := strings.Cut(*mailAddr, "@"); !ok {
		return fmt.Errorf("%w: --mail-address / KEPT_MAIL_ADDRESS: %q is not an address", errUsage, *mailAddr)
	}
	var relay mailnet.Relay
	if *relayURL != "" {
		r, err := mailnet.ParseRelay(*relayURL)
		if err != nil {
			return fmt.Errorf("%w: --relay / KEPT_SMTP_RELAY: %v", errUsage, err)
		}
		relay = r
	}
	var mailboxes []mailnet.Mailbox
	for _, u := range strings.Split(*imapURLs, ",") {
		if u = strings.TrimSpace(u); u == "" {
			continue
		}
		mb, err := mailnet.ParseMailbox(u)
		if err != nil {
			return fmt.Errorf("%w: --imap / KEPT_IMAP: %v", errUsage, err)
		}
		mailboxes = append(mailboxes, mb)
	}
	var signer *mail.DKIM
	if *dkimKey != "" {
		pemBytes, err := os.ReadFile(*dkimKey)
		if err != nil {
			return fmt.Errorf("%w: --dkim-key: %v", errUsage, err)
		}
		_, domain, _ := strings.Cut(*mailAddr, "@")
		if signer, err = mail.NewDKIM(pemBytes, domain, *dkimSelector); err != nil {
			return fmt.Errorf("%w: --dkim-key: %v", errUsage, err)
		}
	}
	node := nodeOf(*nodeName, *addr)
	limitMemory(os.Getenv)
	log := newLogger(stderr)
	m := metrics.New()
	var timers *jobs.Runner // set below, before anything can commit
	var sender *mailnet.Sender
	var hooks *webhooks.Sender // set below, before anything can commit
	var pages *web.Server
	var changes *service.ChangeBus // set below, before anything can commit
	cfg.Lock = true
	svc, closeDB, err := openService(ctx, *cfg, log, append(svcOpts, service.WithEvents(func(e service.Event) {
		m.Committed(e.CaseOpened, e.Entries)
		if pages != nil {
			pages.Changed(e)
		}
		changes.Publish(e)
		if e.Timers && timers != nil {
			timers.Wake()
		}
		if (e.Entries > 0 || e.Mail) && sender != nil {
			sender.Wake()
		}
		if e.Hooks && hooks != nil {
			hooks.Wake()
		}
	}), service.WithWebhooks(*hooksPrivate), service.WithMail(service.MailConfig{Address: *mailAddr, Accept: accept, Outbound: relay.Configured(), DKIM: signer,
		Auth: &mail.Authenticator{Resolver: net.DefaultResolver, TrustAuthServID: strings.TrimSpace(*trustAR)}}))...)
	if err != nil {
		return err
	}
	defer closeDB()
	log.Info("database ready", "db", cfg.Describe())
	rolled, err := svc.ReportsRolledUp(ctx)
	if err != nil {
		return err
	}
	m.WatchOutbox(svc.OutboxCounts)
	if err := svc.PrepareMail(ctx); err != nil {
		return err
	}
	// Mail a stopped process committed but had not yet indexed for search (searchqueue.go).
	if err := svc.FlushSearch(ctx); err != nil {
		return err
	}
	if err := svc.EnsureShippedAutomations(ctx); err != nil {
		return err
	}
	// Set before anything runs in the background, so commit events never see it half-made.
	pages, err = web.New(svc, log, m, web.Options{Zone: zone, BaseURL: *baseURL, Demo: *withDemo, TrustedProxies: proxies, SSO: sso, EmbedOrigins: embedOrigins})
	if err != nil {
		return fmt.Errorf("prepare the web pages: %w", err)
	}
	timers = svc.Timers(log)
	hooks = webhooks.NewSender(svc.WebhookQueue(node), svc.ClockSource(), log, *hooksPrivate)
	background := []func(context.Context) error{timers.Run, svc.FollowDatabaseClock, hooks.Run}
	if changes = svc.ChangeBus(); changes != nil {
		// Live pages on this node hear of changes made through the others, and of colleagues
		// looking at the same case there.
		background = append(background, func(ctx context.Context) error { return changes.Run(ctx, pages.ShareLive(changes.PublishPresence)) })
	}
	if !rolled {
		// An upgrade that rolls up more: the reports read the tables, slower, until this is done.
		background = append(background, svc.CatchUpReports)
	}
	for _, mb := range mailboxes {
		poller := mailnet.NewPoller(svc.Checkpoints(), mb, svc, svc.ClockSource(), log)
		defer poller.Close()
		background = append(background, poller.Run)
		log.Info("polling a mailbox", "mailbox", mb.Key())
	}
	if *backupDir != "" {
		b := backupSchedule{cfg: *cfg, dir: *backupDir, every: every, keep: keep, log: log, failed: svc.BackupFailed}
		background = append(background, b.run)
		log.Info("backing up on a schedule", "dir", *backupDir, "every", every, "keep", keep)
	}
	if relay.Configured() {
		sender = mailnet.NewSender(svc.Outbox(node), relay, svc.ClockSource(), log)
		background = append(background, sender.Run)
		log.Info("mail to customers goes through the relay", "relay", relay.String(), "from", *mailAddr)
	}
	// The timers and the outbox stop after the listeners, so nothing in flight is cut off.
	bgCtx, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	bgDone := make(chan error, len(background))
	for _, run := range background {
		go func() { bgDone <- run(bgCtx) }()
	}
	defer func() {
		stopBackground()
		for range background {
			if err := <-bgDone; err != nil && !errors.Is(err, context.Canceled) {
				log.Error("background work stopped with an error", "err", err)
			}
		}
	}()

	var signIn *demo.SignIn
	if *withDemo {
		progress, endProgress := progressPrinter(stderr, "seeding demo data: %d cases")
		signIn, err = demo.Seed(ctx, svc, log, progress)
		endProgress()
		if err != nil {
			return fmt.Errorf("seed demo data: %w", err)
		}
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	// Bound before "listening" is printed, so mail sent once it is printed finds the door open.
	var sl net.Listener
	if *smtpAddr != "" {
		if sl, err = net.Listen("tcp", *smtpAddr); err != nil {
			ln.Close()
			return fmt.Errorf("listen for mail on %s: %w", *smtpAddr, err)
		}
	}
	apiServer := api.New(svc, log, m, version).DrawsRecords(web.DrawRecord).OnNode(node).Watch("timers", timers.LastRound).Watch("webhooks", hooks.LastRound)
	if sender != nil {
		apiServer.Watch("outbox", sender.LastRound)
	}
	srv := &http.Server{
		Handler:           pages.Handler(apiServer.Handler()),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	srv.RegisterOnShutdown(pages.CloseStreams) // live-update streams never go idle by themselves
	url := "http://" + ln.Addr().String()
	pages.DefaultBaseURL(url)
	log.Info("listening", "url", url, "trusted_proxies", proxies.String())
	fmt.Fprintf(stdout, "Kept %s is listening on %s (database: %s)\n", version, url, cfg.Describe())
	if signIn != nil {
		signIn.Print(stdout, url)
	}

	served := make(chan error, 2)
	go func() { served <- srv.Serve(ln) }()
	var smtpd *mailnet.Server
	if sl != nil {
		_, domain, _ := strings.Cut(*mailAddr, "@")
		smtpd = mailnet.NewServer(mailnet.ServerConfig{Domain: domain, Accepts: svc.AcceptsRecipient, SpoolDir: spoolDir(*cfg)}, svc, log)
		go func() { served <- smtpd.Serve(sl) }()
		log.Info("accepting mail", "smtp", sl.Addr().String(), "address", *mailAddr)
		fmt.Fprintf(stdout, "Kept accepts mail on smtp://%s for %s\n", sl.Addr(), strings.Join(append([]string{*mailAddr}, accept...), ", "))
	}
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests and mail in flight", "grace", shutdownGrace)
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if smtpd != nil {
		if err := smtpd.Shutdown(sctx); err != nil {
			log.Error("mail listener did not stop cleanly", "err", err)
		}
	}
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, mailnet.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// spoolDir is where the SMTP listener keeps messages while they arrive: the data folder's
// spool/ on SQLite (the desk's own disk, which one serve uses at a time, so what a crash left
// there is cleared), the system's temporary folder on PostgreSQL.
func spoolDir(cfg store.Config) string {
	if cfg.URL != "" {
		return ""
	}
	dir := filepath.Join(cfg.DataDir, "spool")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "" // the listener falls back to the temporary folder
	}
	stale, _ := filepath.Glob(filepath.Join(dir, "kept-smtp-*.eml"))
	for _, f := range stale {
		os.Remove(f)
	}
	return dir
}

// nodeOf is this node's name among the nodes sharing a database: the one given, or the host's
// name and the HTTP address. With a port chosen at random (":0") the address names no node
// for good, so the name is empty, and a restart does not take back its own mail in flight
// early (it waits out the lease, as another node would).
func nodeOf(given, addr string) string {
	if given != "" {
		return given
	}
	if strings.HasSuffix(addr, ":0") {
		return ""
	}
	host, err := os.Hostname()
	if err != nil {
		return ""
	}
	return host + " " + addr
}
