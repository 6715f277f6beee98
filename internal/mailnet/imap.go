package mailnet

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/mail"
)

// The IMAP poller. It reads a mailbox the desk does not own (a hosted support@ address) and
// hands every message to the same Receiver as the SMTP listener.
//
// Delivery is at least once: a message is handed to the Receiver, and only once the Receiver
// has stored it does the checkpoint (UIDVALIDITY and the last UID) move past it, in a small
// transaction of its own. A crash between the two fetches that one message again, and the
// Receiver's dedupe (Message-ID + sender + text) stores it once.

const (
	imapMaxMessage  = 30 << 20        // larger messages are skipped, with an error log line
	imapBatch       = 20              // messages fetched per UID FETCH
	imapBatchBytes  = 32 << 20        // and at most this many bytes of them
	imapIdleMax     = 5 * time.Minute // the longest IDLE before polling anyway
	imapPollNoIdle  = time.Minute     // the sleep between polls when the server has no IDLE
	imapBackoffMin  = time.Second
	imapBackoffMax  = 5 * time.Minute
	imapDialTimeout = 30 * time.Second
	// imapStall closes the connection of a poll that made no progress for this long: the
	// client's commands take no context or deadline, and a server may stop answering.
	imapStall = 5 * time.Minute
)

// Mailbox is an IMAP mailbox to poll, as ParseMailbox reads it from a URL.
type Mailbox struct {
	Addr     string // host:port
	User     string
	Password string
	Folder   string // the mailbox to read, INBOX by default
	TLS      bool   // imaps://: TLS from the first byte
	StartTLS bool   // imap://…?tls=starttls: upgrade with STARTTLS before LOGIN
	Insecure bool   // ?tls=insecure: TLS without verifying the server's certificate (tests)
	Done     string // ?done=Folder: move each stored message there
}

// ParseMailbox reads imap://user:pass@host:port/INBOX or imaps://…; query parameters:
// tls=insecure (do not verify the certificate), tls=starttls (imap:// upgraded before LOGIN),
// done=Folder (move stored messages there). A password never goes in the clear to a host
// other than this machine: plain imap:// is refused unless the host is a loopback address.
func ParseMailbox(raw string) (Mailbox, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Mailbox{}, fmt.Errorf("imap mailbox url: %w", err)
	}
	var mb Mailbox
	port := ""
	switch u.Scheme {
	case "imaps":
		mb.TLS, port = true, "993"
	case "imap":
		port = "143"
	default:
		return Mailbox{}, fmt.Errorf("imap mailbox url: scheme %q: want imap:// or imaps://", u.Scheme)
	}
	host := u.Hostname()
	if host == "" {
		return Mailbox{}, errors.New("imap mailbox url: no host")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n <= 0 || n > 65535 {
			return Mailbox{}, fmt.Errorf("imap mailbox url: bad port %q", p)
		}
		port = p
	}
	mb.Addr = net.JoinHostPort(host, port)
	if u.User == nil || u.User.Username() == "" {
		return Mailbox{}, errors.New("imap mailbox url: no user name")
	}
	mb.User = u.User.Username()
	mb.Password, _ = u.User.Password()
	mb.Folder = strings.Trim(u.Path, "/")
	if mb.Folder == "" {
		mb.Folder = "INBOX"
	}
	q := u.Query()
	for k := range q {
		if k != "tls" && k != "done" {
			return Mailbox{}, fmt.Errorf("imap mailbox url: unknown parameter %q", k)
		}
	}
	switch q.Get("tls") {
	case "":
	case "insecure":
		mb.Insecure = true
	case "starttls":
		if mb.TLS {
			return Mailbox{}, errors.New("imap mailbox url: tls=starttls is for imap://, imaps:// is TLS already")
		}
		mb.StartTLS = true
	default:
		return Mailbox{}, fmt.Errorf("imap mailbox url: tls=%q: want insecure or starttls", q.Get("tls"))
	}
	mb.Done = q.Get("done")
	if !mb.TLS && !mb.StartTLS && !isLoopback(host) {
		return Mailbox{}, fmt.Errorf("imap mailbox url: imap:// to %s would send the password in the clear: use imaps:// or ?tls=starttls", host)
	}
	return mb, nil
}

// Key names the mailbox in the checkpoint table and in logs: user, server and folder, never
// the password.
func (mb Mailbox) Key() string {
	scheme := "imap"
	if mb.TLS {
		scheme = "imaps"
	}
	return scheme + "://" + mb.User + "@" + mb.Addr + "/" + mb.Folder
}

// Checkpoints keep where a poller stands in each mailbox (by Mailbox.Key), durably: the
// mailbox's UIDVALIDITY and the last UID stored. found is false for a mailbox never polled.
type Checkpoints interface {
	IMAPCheckpoint(ctx context.Context, mailbox string) (uidValidity, lastUID uint32, found bool, err error)
	SaveIMAPCheckpoint(ctx context.Context, mailbox string, uidValidity, lastUID uint32, at time.Time) error
	// TryHoldMailbox takes this node's hold on polling the mailbox, so that of several nodes
	// one polls it; held is nil when another node has it. held reports whether the hold still
	// stands; release gives it up.
	TryHoldMailbox(ctx context.Context, mailbox string) (held func(context.Context) bool, release func(), err error)
}

// Poller reads new messages of one IMAP mailbox into a Receiver. Run (or PollOnce) is meant
// for one goroutine at a time; calls from several are serialized.
type Poller struct {
	cp  Checkpoints
	mb  Mailbox
	r   Receiver
	clk clock.Clock
	log *slog.Logger

	mu      sync.Mutex // held for a poll; guards c
	c       *imapclient.Client
	newMail chan struct{} // a unilateral EXISTS: the mailbox may have grown
}

// NewPoller returns a poller of mb that hands messages to r and keeps its checkpoint in cp.
func NewPoller(cp Checkpoints, mb Mailbox, r Receiver, clk clock.Clock, log *slog.Logger) *Poller {
	return &Poller{cp: cp, mb: mb, r: r, clk: clk, log: log.With("mailbox", mb.Key()), newMail: make(chan struct{}, 1)}
}

// Close logs out and closes the connection, if one is open.
func (p *Poller) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closeConn()
}

func (p *Poller) closeConn() error {
	if p.c == nil {
		return nil
	}
	c := p.c
	p.c = nil
	done := make(chan struct{})
	go func() { // a polite LOGOUT, but never wait long on a server that is gone
		_ = c.Logout().Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
	}
	if err := c.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("close imap connection: %w", err)
	}
	return nil
}

func (p *Poller) connect() (*imapclient.Client, error) {
	opts := &imapclient.Options{
		Dialer: &net.Dialer{Timeout: imapDialTimeout},
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					select {
					case p.newMail <- struct{}{}:
					default: // one pending wake is enough
					}
				}
			},
		},
	}
	if p.mb.TLS || p.mb.StartTLS {
		host, _, _ := net.SplitHostPort(p.mb.Addr)
		opts.TLSConfig = &tls.Config{ServerName: host, InsecureSkipVerify: p.mb.Insecure, MinVersion: tls.VersionTLS12}
	}
	var c *imapclient.Client
	var err error
	switch {
	case p.mb.TLS:
		c, err = imapclient.DialTLS(p.mb.Addr, opts)
	case p.mb.StartTLS:
		c, err = imapclient.DialStartTLS(p.mb.Addr, opts)
	default:
		c, err = imapclient.DialInsecure(p.mb.Addr, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", p.mb.Addr, err)
	}
	if err := c.Login(p.mb.User, p.mb.Password).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("log in to %s as %s: %w", p.mb.Addr, p.mb.User, err)
	}
	if p.mb.Done != "" {
		err := c.Create(p.mb.Done, nil).Wait()
		var imapErr *imap.Error
		if err != nil && !(errors.As(err, &imapErr) && imapErr.Code == imap.ResponseCodeAlreadyExists) {
			c.Close()
			return nil, fmt.Errorf("create folder %s: %w", p.mb.Done, err)
		}
	}
	return c, nil
}

// receiveError is a Receiver failure: the connection is fine, the desk could not store.
type receiveError struct{ err error }

func (e receiveError) Error() string { return e.err.Error() }
func (e receiveError) Unwrap() error { return e.err }

// PollOnce connects (or reuses the connection), selects the mailbox and hands every message
// after the checkpoint to the Receiver, oldest first. It returns how many it handed over. It
// stops at the first message the Receiver fails to store, and the next poll starts there.
func (p *Poller) PollOnce(ctx context.Context) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n, err := p.poll(ctx)
	var re receiveError
	if err != nil && !errors.As(err, &re) {
		_ = p.closeConn() // the connection may be broken: the next poll dials afresh
	}
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("imap poll %s: %w", p.mb.Key(), ctx.Err())
	}
	return n, err
}

func (p *Poller) poll(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("imap poll: %w", err)
	}
	// Mail arriving from here on wakes the next IDLE; what came before, this poll fetches.
	select {
	case <-p.newMail:
	default:
	}
	if p.c == nil {
		c, err := p.connect()
		if err != nil {
			return 0, err
		}
		p.c = c
	}
	c := p.c
	// The client's commands take no context: closing the connection ends a wait on them.
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	stall := time.AfterFunc(imapStall, func() { c.Close() })
	defer stall.Stop()
	progress := func() { stall.Reset(imapStall) }

	sel, err := c.Select(p.mb.Folder, nil).Wait()
	if err != nil {
		return 0, fmt.Errorf("select %s: %w", p.mb.Folder, err)
	}
	validity, last, found, err := p.cp.IMAPCheckpoint(ctx, p.mb.Key())
	if err != nil {
		return 0, err
	}
	if found && validity != sel.UIDValidity {
		// The mailbox was rebuilt and its UIDs mean other messages now: read it all again;
		// the Receiver's dedupe keeps what it already stored from being stored twice.
		p.log.Warn("imap: UIDVALIDITY changed, reading the mailbox again from the start", "was", validity, "now", sel.UIDValidity)
		last = 0
	}
	validity = sel.UIDValidity
	if sel.NumMessages == 0 || (sel.UIDNext != 0 && uint32(sel.UIDNext) <= last+1) {
		return 0, nil
	}

	// First the UIDs and sizes of what is new, then the bodies in batches.
	type pending struct {
		uid  uint32
		size int64
	}
	var todo []pending
	set := imap.UIDSet{imap.UIDRange{Start: imap.UID(last + 1), Stop: 0}} // last+1:*
	list := c.Fetch(set, &imap.FetchOptions{UID: true, RFC822Size: true})
	for {
		msg := list.Next()
		if msg == nil {
			break
		}
		buf, err := msg.Collect()
		if err != nil {
			list.Close()
			return 0, fmt.Errorf("list new messages: %w", err)
		}
		// "n:*" always matches the newest message, even when its UID is below n.
		if uint32(buf.UID) > last {
			todo = append(todo, pending{uid: uint32(buf.UID), size: buf.RFC822Size})
		}
	}
	if err := list.Close(); err != nil {
		return 0, fmt.Errorf("list new messages: %w", err)
	}

	delivered := 0
	for len(todo) > 0 {
		// A batch: messages to fetch, up to imapBatch of them and imapBatchBytes in all;
		// a message too large to take is skipped on the spot.
		var batch []uint32
		bytes := int64(0)
		for len(todo) > 0 && len(batch) < imapBatch {
			m := todo[0]
			if m.size > imapMaxMessage {
				if len(batch) > 0 {
					break // skip it in order, after the messages before it
				}
				todo = todo[1:]
				p.log.Error("imap: message too large, skipped (it stays in the mailbox, unread)",
					"uid", m.uid, "size", m.size, "max", imapMaxMessage)
				if err := p.checkpoint(ctx, validity, m.uid); err != nil {
					return delivered, err
				}
				last = m.uid
				continue
			}
			if len(batch) > 0 && bytes+m.size > imapBatchBytes {
				break
			}
			batch = append(batch, m.uid)
			bytes += m.size
			todo = todo[1:]
		}
		if len(batch) == 0 {
			continue
		}
		progress()
		n, err := p.fetchBatch(ctx, c, validity, batch, progress)
		delivered += n
		if err != nil {
			return delivered, err
		}
	}
	return delivered, nil
}

// fetchBatch fetches the bodies of uids (ascending) and hands each to the Receiver in order,
// moving the checkpoint past each one stored.
func (p *Poller) fetchBatch(ctx context.Context, c *imapclient.Client, validity uint32, uids []uint32, progress func()) (int, error) {
	var set imap.UIDSet
	for _, u := range uids {
		set.AddNum(imap.UID(u))
	}
	section := &imap.FetchItemBodySection{Peek: true}
	bufs, err := c.Fetch(set, &imap.FetchOptions{UID: true, RFC822Size: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil {
		return 0, fmt.Errorf("fetch messages %v: %w", set, err)
	}
	byUID := make(map[uint32]*imapclient.FetchMessageBuffer, len(bufs))
	for _, b := range bufs {
		byUID[uint32(b.UID)] = b
	}
	delivered := 0
	for _, uid := range uids {
		progress()
		b := byUID[uid]
		if b == nil {
			// Expunged since we listed it: nothing to store, move on.
			p.log.Info("imap: message gone before it was fetched", "uid", uid)
			if err := p.checkpoint(ctx, validity, uid); err != nil {
				return delivered, err
			}
			continue
		}
		raw := b.FindBodySection(section)
		if len(raw) > imapMaxMessage {
			p.log.Error("imap: message too large, skipped (it stays in the mailbox, unread)", "uid", uid, "size", len(raw), "max", imapMaxMessage)
			if err := p.checkpoint(ctx, validity, uid); err != nil {
				return delivered, err
			}
			continue
		}
		if err := p.r.Receive(ctx, mail.Delivery{From: returnPath(raw), Raw: raw}); err != nil {
			return delivered, receiveError{fmt.Errorf("imap: store message uid %d of %s: %w", uid, p.mb.Key(), err)}
		}
		delivered++
		if err := p.checkpoint(ctx, validity, uid); err != nil {
			return delivered, err
		}
		if err := p.done(c, uid); err != nil {
			return delivered, err
		}
	}
	return delivered, nil
}

func (p *Poller) checkpoint(ctx context.Context, validity, uid uint32) error {
	if err := p.cp.SaveIMAPCheckpoint(ctx, p.mb.Key(), validity, uid, p.clk.Now()); err != nil {
		return fmt.Errorf("imap checkpoint at uid %d: %w", uid, err)
	}
	return nil
}

// done marks a stored message \Seen and, when asked to, moves it to the done folder.
func (p *Poller) done(c *imapclient.Client, uid uint32) error {
	set := imap.UIDSetNum(imap.UID(uid))
	if err := c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close(); err != nil {
		return fmt.Errorf("mark uid %d seen: %w", uid, err)
	}
	if p.mb.Done == "" {
		return nil
	}
	if _, err := c.Move(set, p.mb.Done).Wait(); err != nil {
		return fmt.Errorf("move uid %d to %s: %w", uid, p.mb.Done, err)
	}
	return nil
}

// Run polls until ctx ends: a poll, then IDLE until new mail (at most 5 minutes) when the
// server offers it, otherwise a minute's sleep. Errors are logged and retried with back-off,
// reconnecting; Run returns only when ctx ends.
func (p *Poller) Run(ctx context.Context) error {
	defer p.Close()
	for {
		held, release := p.holdMailbox(ctx)
		if held == nil {
			return nil // ctx ended
		}
		p.pollWhileHeld(ctx, held)
		release()
		if ctx.Err() != nil {
			return nil
		}
		p.log.Warn("imap: this node lost its hold on the mailbox; it polls again once it holds it", "mailbox", p.mb.Key())
		p.mu.Lock()
		_ = p.closeConn()
		p.mu.Unlock()
	}
}

// imapHoldRetry is how often a node whose mailbox another node polls asks again: the other
// node's hold ends with it, so this one takes over within this long.
const imapHoldRetry = 5 * time.Second

// holdMailbox waits until this node holds the mailbox (nil when ctx ends first).
func (p *Poller) holdMailbox(ctx context.Context) (held func(context.Context) bool, release func()) {
	said := false
	for {
		held, release, err := p.cp.TryHoldMailbox(ctx, p.mb.Key())
		switch {
		case held != nil:
			if said {
				p.log.Info("imap: this node polls the mailbox now", "mailbox", p.mb.Key())
			}
			return held, release
		case err != nil && ctx.Err() == nil:
			p.log.Error("imap: could not ask for the mailbox's hold; asking again", "mailbox", p.mb.Key(), "err", err)
		case !said:
			p.log.Info("imap: another node polls this mailbox; this one takes over if it stops", "mailbox", p.mb.Key())
			said = true
		}
		if !sleep(ctx, imapHoldRetry, nil) {
			return nil, nil
		}
	}
}

// pollWhileHeld polls and waits for new mail until ctx ends or the hold is lost.
func (p *Poller) pollWhileHeld(ctx context.Context, held func(context.Context) bool) {
	backoff := time.Duration(0)
	for held(ctx) {
		n, err := p.PollOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		if n > 0 {
			p.log.Info("imap: mail received", "count", n)
		}
		if err != nil {
			backoff = min(max(2*backoff, imapBackoffMin), imapBackoffMax)
			p.log.Error("imap: poll failed, retrying", "in", backoff, "err", err)
			if !sleep(ctx, backoff, nil) {
				return
			}
			continue
		}
		backoff = 0
		if err := p.wait(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			p.log.Warn("imap: idle failed, polling again", "err", err)
			p.mu.Lock()
			_ = p.closeConn()
			p.mu.Unlock()
		}
	}
}

// wait waits for new mail: IDLE when the server offers it, else a plain sleep.
func (p *Poller) wait(ctx context.Context) error {
	p.mu.Lock()
	c := p.c
	p.mu.Unlock()
	if c == nil || !c.Caps().Has(imap.CapIdle) {
		sleep(ctx, imapPollNoIdle, p.newMail)
		return nil
	}
	idle, err := c.Idle()
	if err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	t := time.NewTimer(imapIdleMax)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-p.newMail:
	case <-t.C:
	case <-c.Closed():
		return errors.New("idle: connection closed")
	}
	if err := idle.Close(); err != nil {
		return fmt.Errorf("end idle: %w", err)
	}
	if err := idle.Wait(); err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	return nil
}

// sleep waits d, or until wake fires; it reports false when ctx ended.
func sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-wake:
	case <-t.C:
	}
	return true
}

// returnPath is the envelope sender the delivering server recorded at the top of a mailbox's
// message (its first Return-Path header): what MAIL FROM was when the mail arrived there, ""
// for a bounce or when there is none.
func returnPath(raw []byte) string {
	for len(raw) > 0 {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			return "" // the end of the header
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if ok && strings.EqualFold(string(name), "Return-Path") {
			v := strings.TrimSpace(string(value))
			return strings.Trim(v, "<>")
		}
	}
	return ""
}
