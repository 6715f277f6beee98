package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mailnet"
	"github.com/keptdesk/kept/internal/service"
)

// replies measures the outbox under write load (issue 21): clients reply to open cases as fast
// as they can for the duration, through a service of a desk that mails its customers (its own
// instance on the same store, with the outbox sender and a relay on loopback, so the other
// measures run as before without outbound mail), and each reply's lag is from its commit (the
// command has returned) to the relay's 250 for its mail. The replies go to the service, not
// over HTTP: the measure is the outbox's, and the API's cost is in the other measures.
func (e *env) replies(ctx context.Context, r *Result) error {
	fmt.Fprintf(e.say, "replies: %d concurrent clients for %s, public replies to open cases (each queues a mail), the outbox sender on a loopback relay; "+
		"lag from each reply's commit to the relay's 250\n", e.o.Clients, e.o.Duration)
	sink, err := startSink()
	if err != nil {
		return err
	}
	defer sink.close()
	relay, err := mailnet.ParseRelay("smtp://" + sink.addr)
	if err != nil {
		return err
	}
	var sender *mailnet.Sender
	svc := service.New(e.st, clock.System{}, e.o.Log, service.WithMail(service.MailConfig{Address: "support@bench.kept.test", Outbound: true}),
		service.WithEvents(func(ev service.Event) {
			if (ev.Entries > 0 || ev.Mail) && sender != nil {
				sender.Wake()
			}
		}))
	if err := svc.PrepareMail(ctx); err != nil {
		return err
	}
	sender = mailnet.NewSender(svc.Outbox("bench"), relay, clock.System{}, e.o.Log)
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- sender.Run(sctx) }()
	defer func() { stop(); <-done }()

	var open []int64
	for k := 0; k < e.g.scale.Cases; k++ {
		if p := e.g.plan(k); p.open {
			open = append(open, p.id)
		}
	}
	if len(open) == 0 {
		return fmt.Errorf("no open case to reply to")
	}
	head := desk.AgentActor(e.g.ppl.head)
	committed := make([]map[int]time.Time, e.o.Clients)
	errs := make(chan error, e.o.Clients)
	deadline := time.Now().Add(e.o.Duration)
	start := time.Now()
	var wg sync.WaitGroup
	for c := range e.o.Clients {
		committed[c] = map[int]time.Time{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(e.g.seed, uint64(c)+1<<20))
			for n := 0; time.Now().Before(deadline) && ctx.Err() == nil; n++ {
				token := c<<24 | n
				body := fmt.Sprintf("bench-reply-%d: thank you for waiting, we have checked this and will write again soon.", token)
				if _, err := svc.AddMessage(ctx, head, open[rnd.IntN(len(open))], desk.NewMessage{Body: body}); err != nil {
					errs <- fmt.Errorf("reply: %w", err)
					return
				}
				committed[c][token] = time.Now()
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	select {
	case err := <-errs:
		return err
	default:
	}
	total := 0
	for _, m := range committed {
		total += len(m)
	}
	// The sender catches up: wait until the relay has every reply's mail (a minute at most).
	caughtUp := time.Now()
	for sink.count() < total && time.Since(caughtUp) < time.Minute && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	behind := time.Since(caughtUp)
	got := sink.arrivals()
	var lag []time.Duration
	for _, m := range committed {
		for token, at := range m {
			if recv, ok := got[token]; ok {
				lag = append(lag, recv.Sub(at))
			}
		}
	}
	r.RepliesN, r.RepliesPerS = total, float64(total)/took.Seconds()
	r.OutboxLagP50, r.OutboxLagP99 = pct(lag, 50), pct(lag, 99)
	r.OutboxCatchUpS = behind.Seconds()
	slices.Sort(lag)
	fmt.Fprintf(e.say, "  %d replies in %.1f s: %.0f replies/s; %d of their mails at the relay, lag p50 %.1f ms, p99 %.1f ms; the last %.1f s after the load stopped\n",
		total, took.Seconds(), r.RepliesPerS, len(lag), r.OutboxLagP50, r.OutboxLagP99, r.OutboxCatchUpS)
	if len(lag) < total {
		return fmt.Errorf("the relay had %d of %d replies' mails a minute after the load stopped", len(lag), total)
	}
	return nil
}

// sink is a relay on loopback that takes every mail and notes when each reply's mail came.
type sink struct {
	addr string
	srv  *smtp.Server
	mu   sync.Mutex
	at   map[int]time.Time
}

var replyToken = regexp.MustCompile(`bench-reply-(\d+):`)

func startSink() (*sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("relay sink: %w", err)
	}
	s := &sink{addr: ln.Addr().String(), at: map[int]time.Time{}}
	s.srv = smtp.NewServer(sinkBackend{s})
	s.srv.Domain = "relay.bench.kept.test"
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func (s *sink) close() { _ = s.srv.Close() }

func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.at)
}

func (s *sink) arrivals() map[int]time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[int]time.Time, len(s.at))
	for k, v := range s.at {
		out[k] = v
	}
	return out
}

type sinkBackend struct{ s *sink }

func (b sinkBackend) NewSession(*smtp.Conn) (smtp.Session, error) { return sinkSession(b), nil }

type sinkSession struct{ s *sink }

func (sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (sinkSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (sinkSession) Reset()                               {}
func (sinkSession) Logout() error                        { return nil }

func (ss sinkSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	now := time.Now()
	// A mail the desk sends on its own (an introduction) carries no token and is not counted.
	if m := replyToken.FindSubmatch(raw); m != nil {
		var token int
		if _, err := fmt.Sscan(string(bytes.TrimSpace(m[1])), &token); err == nil {
			ss.s.mu.Lock()
			ss.s.at[token] = now
			ss.s.mu.Unlock()
		}
	}
	return nil
}
