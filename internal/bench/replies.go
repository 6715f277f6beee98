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
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mailnet"
	"github.com/keptdesk/kept/internal/service"
)

// replies measures the outbox under write load (issue 21): clients reply to open cases as fast
// as they can for the duration (or at --reply-rate in all), through a service of a desk that
// mails its customers (its own instance on the same store, with the outbox sender and a relay on
// loopback, so the other measures run as before without outbound mail), and each reply's lag is
// from its commit (the command has returned) to the relay's 250 for its mail. The replies go
// to the service, not over HTTP: the measure is the outbox's, and the API's cost is in the
// other measures.
func (e *env) replies(ctx context.Context, r *Result) error {
	pace := "as fast as they can"
	if e.o.ReplyRate > 0 {
		pace = fmt.Sprintf("%d replies/s in all", e.o.ReplyRate)
	}
	fmt.Fprintf(e.say, "replies: %d concurrent clients for %s, %s, public replies to open cases (each queues a mail), the outbox sender on a loopback relay; "+
		"lag from each reply's commit to the relay's 250\n", e.o.Clients, e.o.Duration, pace)
	ob, err := e.startOutbound(ctx)
	if err != nil {
		return err
	}
	defer ob.stop()
	w := ob.write(ctx, e.o.Clients, e.o.ReplyRate, time.Now().Add(e.o.Duration))
	total, took, err := w.wait()
	if err != nil {
		return err
	}
	lag, behind := ob.lags(ctx, w.committed, total)
	r.RepliesN, r.RepliesPerS = total, float64(total)/took.Seconds()
	r.OutboxLagP50, r.OutboxLagP99 = pct(lag, 50), pct(lag, 99)
	r.OutboxCatchUpS = behind.Seconds()
	fmt.Fprintf(e.say, "  %d replies in %.1f s: %.0f replies/s; %d of their mails at the relay, lag p50 %.1f ms, p99 %.1f ms; the last %.1f s after the load stopped\n",
		total, took.Seconds(), r.RepliesPerS, len(lag), r.OutboxLagP50, r.OutboxLagP99, r.OutboxCatchUpS)
	if len(lag) < total {
		return fmt.Errorf("the relay had %d of %d replies' mails a minute after the load stopped", len(lag), total)
	}
	return nil
}

// outbound is a service of the bench's desk that mails its customers, its outbox sender, and
// the relay on loopback it sends to.
type outbound struct {
	e      *env
	svc    *service.Service
	sink   *sink
	open   []int64 // the open cases replies go to
	stopFn func()
}

func (e *env) startOutbound(ctx context.Context) (*outbound, error) {
	sink, err := startSink()
	if err != nil {
		return nil, err
	}
	relay, err := mailnet.ParseRelay("smtp://" + sink.addr)
	if err != nil {
		sink.close()
		return nil, err
	}
	var sender *mailnet.Sender
	svc := service.New(e.st, clock.System{}, e.o.Log, service.WithMail(service.MailConfig{Address: "support@bench.kept.test", Outbound: true}),
		service.WithEvents(func(ev service.Event) {
			if (ev.Entries > 0 || ev.Mail) && sender != nil {
				sender.Wake()
			}
		}))
	if err := svc.PrepareMail(ctx); err != nil {
		sink.close()
		return nil, err
	}
	sender = mailnet.NewSender(svc.Outbox("bench"), relay, clock.System{}, e.o.Log)
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- sender.Run(sctx) }()
	ob := &outbound{e: e, svc: svc, sink: sink, stopFn: func() { stop(); <-done; sink.close() }}
	for k := 0; k < e.g.scale.Cases; k++ {
		if p := e.g.plan(k); p.open {
			ob.open = append(ob.open, p.id)
		}
	}
	if len(ob.open) == 0 {
		ob.stop()
		return nil, fmt.Errorf("no open case to reply to")
	}
	return ob, nil
}

func (ob *outbound) stop() { ob.stopFn() }

// replyWriters are clients replying to open cases until a deadline.
type replyWriters struct {
	committed []map[int]time.Time // per client: each reply's token and when its command returned
	start     time.Time
	wg        sync.WaitGroup
	errs      chan error
}

// write starts clients replying until the deadline, at most rate replies a second in all (0: as
// fast as they can); tokens are unique per call of write in a run.
func (ob *outbound) write(ctx context.Context, clients, rate int, deadline time.Time) *replyWriters {
	e := ob.e
	head := desk.AgentActor(e.g.ppl.head)
	w := &replyWriters{committed: make([]map[int]time.Time, clients), start: time.Now(), errs: make(chan error, clients)}
	base := int(writeCalls.Add(1)) << 40
	for c := range clients {
		w.committed[c] = map[int]time.Time{}
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			rnd := rand.New(rand.NewPCG(e.g.seed, uint64(base)+uint64(c)+1<<20))
			for n := 0; time.Now().Before(deadline) && ctx.Err() == nil; n++ {
				if rate > 0 {
					// Client c's n-th reply is due at n×clients/rate after the start.
					due := w.start.Add(time.Duration(float64(n*clients+c) / float64(rate) * float64(time.Second)))
					if d := time.Until(due); d > 0 {
						time.Sleep(d)
					}
					if !time.Now().Before(deadline) {
						return
					}
				}
				token := base | c<<24 | n
				body := fmt.Sprintf("bench-reply-%d: thank you for waiting, we have checked this and will write again soon.", token)
				if _, err := ob.svc.AddMessage(ctx, head, ob.open[rnd.IntN(len(ob.open))], desk.NewMessage{Body: body}); err != nil {
					w.errs <- fmt.Errorf("reply: %w", err)
					return
				}
				w.committed[c][token] = time.Now()
			}
		}()
	}
	return w
}

// writeCalls numbers the calls of write, so no two reply streams share a token.
var writeCalls atomic.Int64

// wait waits for the clients to stop and says how many replies they made, in how long.
func (w *replyWriters) wait() (int, time.Duration, error) {
	w.wg.Wait()
	took := time.Since(w.start)
	select {
	case err := <-w.errs:
		return 0, took, err
	default:
	}
	total := 0
	for _, m := range w.committed {
		total += len(m)
	}
	return total, took, nil
}

// lags waits (a minute at most) until the relay has every reply's mail and gives each reply's
// lag from its commit to the relay's 250, and how long after the load stopped the last came.
func (ob *outbound) lags(ctx context.Context, committed []map[int]time.Time, total int) ([]time.Duration, time.Duration) {
	caughtUp := time.Now()
	got := ob.sink.arrivals()
	count := func() int {
		n := 0
		for _, m := range committed {
			for token := range m {
				if _, ok := got[token]; ok {
					n++
				}
			}
		}
		return n
	}
	for count() < total && time.Since(caughtUp) < time.Minute && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
		got = ob.sink.arrivals()
	}
	behind := time.Since(caughtUp)
	var lag []time.Duration
	for _, m := range committed {
		for token, at := range m {
			if recv, ok := got[token]; ok {
				lag = append(lag, recv.Sub(at))
			}
		}
	}
	slices.Sort(lag)
	return lag, behind
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
