package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/jobs"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/text"
)

// env is the running server and what the measures need of the data set.
type env struct {
	g        *Generator
	svc      *service.Service
	st       *store.Store
	runner   *jobs.Runner
	httpURL  string
	smtpAddr string
	o        Options
	say      io.Writer
	runNo    int
	client   *http.Client
	head     string   // the head of care's API token
	agentTok []string // line agents' tokens, one per HTTP client
	agentID  []int64
}

func (e *env) tokens(ctx context.Context) error {
	var err error
	if e.head, err = e.svc.IssueToken(ctx, e.g.ppl.head.ID, "bench"); err != nil {
		return err
	}
	for i := 0; i < e.o.Clients; i++ {
		a := e.g.ppl.line[(i*7)%len(e.g.ppl.line)]
		tok, err := e.svc.IssueToken(ctx, a.ID, "bench")
		if err != nil {
			return err
		}
		e.agentTok, e.agentID = append(e.agentTok, tok), append(e.agentID, a.ID)
	}
	e.client = &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: e.o.Clients * 2, DisableCompression: true}}
	return nil
}

// ingest sends mail over real SMTP sessions from concurrent senders for the duration: half
// the messages open new cases for known customers, half answer an existing case by its ref in
// the subject. Each message counts once the listener answered 250, which it does only after
// the commit.
func (e *env) ingest(ctx context.Context, r *Result) error {
	perSession := e.o.PerSession
	if perSession <= 0 {
		perSession = DefaultPerSession
	}
	fmt.Fprintf(e.say, "ingest: %d concurrent senders, %d messages per SMTP session (as an MTA sends) to the real listener on loopback, for %s; "+
		"half new cases from known customers, half replies by case ref; a message counts when 250 comes back (after commit)\n", e.o.Senders, perSession, e.o.Duration)
	var ob *outbound
	var writers *replyWriters
	if e.o.IntakeReplies > 0 {
		// The outbox under intake (issue 21): agents reply meanwhile, each reply mailed.
		fmt.Fprintf(e.say, "  meanwhile 2 clients reply to open cases at %d replies/s in all, each mailed through the outbox to a loopback relay\n", e.o.IntakeReplies)
		var err error
		if ob, err = e.startOutbound(ctx); err != nil {
			return err
		}
		defer ob.stop()
		writers = ob.write(ctx, 2, e.o.IntakeReplies, time.Now().Add(e.o.Duration))
	}
	var next atomic.Int64
	stamp := time.Now().UnixNano()
	lat := make([][]time.Duration, e.o.Senders)
	var failed atomic.Int64
	var firstErr atomic.Value
	deadline := time.Now().Add(e.o.Duration)
	start := time.Now()
	var wg sync.WaitGroup
	for s := 0; s < e.o.Senders; s++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sender := newSMTPSender(e.smtpAddr, perSession)
			defer sender.close()
			for time.Now().Before(deadline) && ctx.Err() == nil {
				i := next.Add(1)
				from, raw := e.mail(i, stamp)
				t := time.Now()
				if err := sender.send(from, "support@bench.kept.test", raw); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				lat[s] = append(lat[s], time.Since(t))
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	all := slices.Concat(lat...)
	if n := failed.Load(); n > 0 {
		return fmt.Errorf("%d messages were refused, the first: %v", n, firstErr.Load())
	}
	r.IngestMsgs = len(all)
	r.IngestPerS = float64(len(all)) / took.Seconds()
	r.IngestP50, r.IngestP99 = pct(all, 50), pct(all, 99)
	fmt.Fprintf(e.say, "  %d messages in %.1f s: %.0f msg/s, per message p50 %.1f ms p99 %.1f ms\n", len(all), took.Seconds(), r.IngestPerS, r.IngestP50, r.IngestP99)
	// The words of the last mails go into the search index a moment after their commit (the
	// indexing of the others ran during the measure, on its CPU); the phases after see them.
	flushed := time.Now()
	if err := e.svc.FlushSearch(ctx); err != nil {
		return err
	}
	fmt.Fprintf(e.say, "  the search index caught up %.0f ms after the last message\n", float64(time.Since(flushed).Microseconds())/1000)
	if writers == nil {
		return nil
	}
	total, _, err := writers.wait()
	if err != nil {
		return err
	}
	lag, behind := ob.lags(ctx, writers.committed, total)
	r.IntakeRepliesN, r.IntakeOutboxP50, r.IntakeOutboxP99 = total, pct(lag, 50), pct(lag, 99)
	fmt.Fprintf(e.say, "  outbox during intake: %d replies, %d of their mails at the relay, lag p50 %.1f ms, p99 %.1f ms; the last %.1f s after intake stopped\n",
		total, len(lag), r.IntakeOutboxP50, r.IntakeOutboxP99, behind.Seconds())
	if len(lag) < total {
		return fmt.Errorf("the relay had %d of %d intake replies' mails a minute after intake stopped", len(lag), total)
	}
	return nil
}

// mail is message i of this run: a customer's new matter or a reply naming its case.
func (e *env) mail(i, stamp int64) (string, []byte) {
	g := e.g
	r := g.rng(streamMail, uint64(stamp)+uint64(i))
	var c customer
	var subject string
	var t topic
	if i%2 == 0 {
		p := g.plan(r.IntN(g.scale.Cases))
		c, t = g.customer(p.customer), p.topic
		subject = fmt.Sprintf("Re: %s [%s]", pick(r, g.tx[c.lang].subjects[t]), desk.CaseRef(p.id))
	} else {
		c, t = g.customer(r.IntN(g.scale.Customers)), topic(r.IntN(int(topicCount)))
		subject = pick(r, g.tx[c.lang].subjects[t])
	}
	v := g.vars(r, c, g.ppl.line[0], g.scale.Cases+int(i))
	subject = fill(subject, v)
	body := g.customerMessage(r, c.lang, t, v)
	raw := fmt.Sprintf("From: %s <%s>\r\nTo: support@bench.kept.test\r\nSubject: %s\r\nMessage-ID: <bench-%d-%d@%s>\r\nDate: %s\r\n"+
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s\r\n",
		mimeWord(c.name), c.email, mimeWord(subject), stamp, i, "example.com", time.Now().Format(time.RFC1123Z), strings.ReplaceAll(body, "\n", "\r\n"))
	return c.email, []byte(raw)
}

// mimeWord encodes a header value with non-ASCII letters as RFC 2047 asks.
func mimeWord(s string) string {
	for _, r := range s {
		if r > 127 {
			return "=?utf-8?q?" + qEncode(s) + "?="
		}
	}
	return s
}

func qEncode(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case c == ' ':
			b.WriteByte('_')
		case c > 127 || c == '=' || c == '?' || c == '_' || c < 32:
			fmt.Fprintf(&b, "=%02X", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// floor measures the cheapest request (GET /healthz: one ping of the database) the same way:
// on a quiet machine it costs well under a millisecond, so its latency shows how much of the
// others' is waiting for a core.
func (e *env) floor(ctx context.Context, r *Result) error {
	d := min(e.o.Duration, 5*time.Second)
	fmt.Fprintf(e.say, "floor: %d concurrent clients for %s, GET /healthz (one database ping): what waiting for a core costs every request on this machine now\n", e.o.Clients, d)
	o := e.o
	e.o.Duration = d
	st, err := e.load(ctx, func(_ *rand.Rand, _ int) (string, error) {
		_, err := e.get("", "/healthz")
		return "", err
	})
	e.o = o
	if err != nil {
		return err
	}
	r.FloorP50, r.FloorP99, r.FloorRPS = st.p50, st.p99, st.rps
	return nil
}

// inbox: each client is one line agent listing their open cases, as an inbox page does.
func (e *env) inbox(ctx context.Context, r *Result) error {
	fmt.Fprintf(e.say, "inbox: %d concurrent clients for %s, each an agent with their own token: GET /api/v1/cases?owner_id=ME&status=open,awaiting_confirmation&limit=50\n",
		e.o.Clients, e.o.Duration)
	st, err := e.load(ctx, func(_ *rand.Rand, c int) (string, error) {
		_, err := e.get(e.agentTok[c], fmt.Sprintf("/api/v1/cases?owner_id=%d&status=open,awaiting_confirmation&limit=50", e.agentID[c]))
		return "", err
	})
	if err != nil {
		return err
	}
	r.InboxP50, r.InboxP99, r.InboxRPS = st.p50, st.p99, st.rps
	return nil
}

// casePage: a case with 100 entries, as its page loads it: the case, then its record.
func (e *env) casePage(ctx context.Context, r *Result) error {
	var long []int64
	for k := 7; k < e.g.scale.Cases; k += 100 {
		long = append(long, e.g.plan(k).id)
	}
	body, err := e.get(e.head, fmt.Sprintf("/api/v1/cases/%d/record", long[0]))
	if err != nil {
		return err
	}
	var rec []json.RawMessage
	if err := json.Unmarshal(body, &rec); err != nil || len(rec) < 100 {
		return fmt.Errorf("case %d should have 100 entries, has %d (%v)", long[0], len(rec), err)
	}
	fmt.Fprintf(e.say, "case page: %d concurrent clients for %s, random cases among %d with 100 entries: GET /api/v1/cases/ID then GET /api/v1/cases/ID/record; one sample is both\n",
		e.o.Clients, e.o.Duration, len(long))
	st, err := e.load(ctx, func(rnd *rand.Rand, _ int) (string, error) {
		id := long[rnd.IntN(len(long))]
		if _, err := e.get(e.head, fmt.Sprintf("/api/v1/cases/%d", id)); err != nil {
			return "", err
		}
		_, err := e.get(e.head, fmt.Sprintf("/api/v1/cases/%d/record", id))
		return "", err
	})
	if err != nil {
		return err
	}
	r.CaseP50, r.CaseP99, r.CaseRPS = st.p50, st.p99, st.rps
	return nil
}

// searchWords are words the generated texts use, common and rarer, in the three languages.
var searchWords = []string{"invoice", "refund", "courier", "router", "technician", "warranty", "evening", "parcel",
	"arve", "tagasimakse", "kuller", "ruuter", "tehnik", "pakk", "ühendus",
	"račun", "povrat", "dostavljač", "usmjerivač", "tehničar", "paket", "jamstva",
	"Õunapuu", "Knežević", "Rebane", "Walker"}

// queries are the search measure's mix: single words, two words, references the customers
// and cases hold (orders, accounts, invoices, parcels, case refs) and a word with a reference.
type query struct{ q, kind string }

func (e *env) queries(n int) []query {
	g := e.g
	r := g.rng(streamMail, 1<<39)
	var out []query
	for i := 0; i < n; i++ {
		k := r.IntN(g.scale.Cases)
		c := g.customer(r.IntN(g.scale.Customers))
		switch roll := r.IntN(10); {
		case roll < 4:
			out = append(out, query{pick(r, searchWords), "word"})
		case roll < 6:
			out = append(out, query{pick(r, searchWords) + " " + pick(r, searchWords[:22]), "two words"})
		case roll < 7:
			out = append(out, query{c.orders[0], "reference"})
		case roll < 8:
			out = append(out, query{[...]string{c.account, fmt.Sprintf("INV-%07d", 2000000+k), fmt.Sprintf("RR%09dEE", 100000000+k)}[r.IntN(3)], "reference"})
		case roll < 9:
			out = append(out, query{desk.CaseRef(g.plan(k).id), "case ref"})
		default:
			out = append(out, query{pick(r, searchWords[:8]) + " " + c.account, "word+ref"})
		}
	}
	return out
}

func (e *env) search(ctx context.Context, r *Result) error {
	qs := e.queries(500)
	fmt.Fprintf(e.say, "search: %d concurrent clients for %s, GET /api/v1/search?q=…&limit=20 as the head of care, over 500 queries: 40%% one word, 20%% two words, "+
		"30%% a reference (order, account, invoice, parcel, case ref), 10%% word and account (e.g. %q, %q)\n", e.o.Clients, e.o.Duration, qs[0].q, qs[1].q)
	st, err := e.load(ctx, func(rnd *rand.Rand, _ int) (string, error) {
		q := qs[rnd.IntN(len(qs))]
		_, err := e.get(e.head, "/api/v1/search?limit=20&q="+url.QueryEscape(q.q))
		return q.kind, err
	})
	if err != nil {
		return err
	}
	r.SearchP50, r.SearchP99, r.SearchRPS = st.p50, st.p99, st.rps
	r.SearchKinds = map[string]KindStats{}
	for k, d := range st.byLabel {
		r.SearchKinds[k] = KindStats{N: len(d), P50: pct(d, 50), P99: pct(d, 99)}
	}
	return nil
}

// timerSet writes promises on fresh cases of the timer team through the bulk path: the
// cases, their records (request, introduction, promise) and search texts, the promises, and
// last the breach timers, so none can fire before all are written. Promise i is due at due(i).
func (e *env) timerSet(ctx context.Context, n int, due func(i int) time.Time, salt uint64) (first store.BulkIDs, err error) {
	g := e.g
	ids, err := e.st.NextIDs(ctx)
	if err != nil {
		return ids, err
	}
	made := time.Now().UTC().Truncate(time.Millisecond)
	bulk, err := e.st.Bulk(ctx)
	if err != nil {
		return ids, err
	}
	bulk.SkipAnalyze() // the tables are large already; only a load into empty ones needs it
	defer func() {
		if cerr := bulk.Close(ctx); err == nil {
			err = cerr
		}
	}()
	var batch store.BulkBatch
	nextEntry := ids.Entry
	for i := 0; i < n; i++ {
		rnd := g.rng(streamMail, salt<<32|uint64(i)|1<<38)
		cust := g.customer(rnd.IntN(g.scale.Customers))
		dc := cust.desk()
		owner := g.ppl.timerLead[i%len(g.ppl.timerLead)]
		v := g.vars(rnd, cust, owner, i)
		in := desk.NewCase{CustomerID: cust.id, Subject: "Waiting for a call back", Body: fill(pick(rnd, g.tx[cust.lang].followUps), v), Channel: "email"}
		c, drafts, parts := desk.OpenCase(in, dc, owner, nil, made)
		c.ID = ids.Case + int64(i)
		p := desk.Promise{ID: ids.Promise + int64(i), CaseID: c.ID, Kind: desk.PromiseCallback, Words: fill(pick(rnd, g.tx[cust.lang].promises), v),
			State: desk.PromiseOpen, MakerID: owner.ID, OwnerID: owner.ID, CreatedAt: made, DueAt: due(i)}
		drafts = append(drafts, desk.MakePromise(&c, p, desk.AgentActor(owner))...)
		es, err := desk.Chain(&c, drafts, made)
		if err != nil {
			return ids, err
		}
		c.Unanswered = 0
		batch.Cases = append(batch.Cases, c)
		for _, pt := range parts {
			batch.Participants = append(batch.Participants, store.BulkParticipant{CaseID: c.ID, Participant: pt})
		}
		batch.Docs = append(batch.Docs, store.SearchDoc{CaseID: c.ID, CustomerID: c.CustomerID, Words: text.Words(in.Subject)})
		for _, en := range es {
			en.ID = nextEntry
			nextEntry++
			batch.Entries = append(batch.Entries, en)
			if doc, ok := service.EntryDoc(c, en); ok {
				doc.EntryID = en.ID
				batch.Docs = append(batch.Docs, doc)
			}
		}
		batch.Promises = append(batch.Promises, p)
		if len(batch.Cases) == 5000 || i == n-1 {
			if err := bulk.Write(ctx, &batch); err != nil {
				return ids, err
			}
			batch = store.BulkBatch{}
		}
	}
	// The timers after all the cases, made again from each promise's ids and due time rather
	// than kept from above: 300k timers held at once grew the process by 45 MB, which the RSS
	// measure then counted as the server's.
	var timers []store.BulkTimer
	for i := 0; i < n; i++ {
		p := desk.Promise{ID: ids.Promise + int64(i), DueAt: due(i)}
		timers = append(timers, promiseTimers(ids.Case+int64(i), p, made, made)...)
		if len(timers) >= 20000 || i == n-1 {
			if err := bulk.Write(ctx, &store.BulkBatch{Timers: timers}); err != nil {
				return ids, err
			}
			timers = timers[:0]
		}
	}
	return ids, nil
}

// timers makes promises due one after another over the window and measures each one's lag
// from its due time until it is seen broken, while the running timer runner breaks them on the
// system clock. "Seen broken" is watched every 50 ms through the promises' (state, due_at)
// index: breaks happen in due order, so the latest due time among the broken tells which are
// done. The record's own promise_broken time is reported beside it.
func (e *env) timers(ctx context.Context, r *Result) error {
	n, window := e.o.TimerPromises, e.o.TimerWindow
	fmt.Fprintf(e.say, "timers: %d promises on fresh cases falling due over %s, written through the bulk path; the real timer runner (internal/jobs) breaks them "+
		"on the system clock; lag = from the due time until the promise is seen broken (polled every 50 ms)\n", n, window)
	// How long writing them takes is judged from a first 1% (due in ten days, so out of the
	// way), and the first falls due after twice that, so none is due before all are written.
	calib := min(max(n/100, 50), 5000)
	t := time.Now()
	later := time.Now().Add(10 * 24 * time.Hour).UTC().Truncate(time.Minute)
	cal, err := e.timerSet(ctx, calib, func(int) time.Time { return later }, uint64(e.runNo)<<1)
	if err != nil {
		return err
	}
	per := time.Since(t) / time.Duration(calib)
	// The bulk path leaves the report roll-ups alone, and these never fall due here: without
	// their facts the roll-ups counted a thousand open cases fewer than the tables after each
	// run at M.
	if err := e.st.RollCases(ctx, idRange(cal.Case, calib)); err != nil {
		return err
	}
	first := time.Now().Add(5*time.Second + 2*per*time.Duration(n)).UTC().Truncate(time.Millisecond)
	due := func(i int) time.Time {
		return first.Add(time.Duration(int64(window) * int64(i) / int64(max(1, n)))).Truncate(time.Millisecond)
	}
	t = time.Now()
	set, err := e.timerSet(ctx, n, due, uint64(e.runNo)<<1|1)
	if err != nil {
		return err
	}
	from := set.Promise
	e.runner.Wake()
	fmt.Fprintf(e.say, "  written in %.1f s (judged %.1f s from %d written first); the first falls due in %.1f s\n",
		time.Since(t).Seconds(), (2 * per * time.Duration(n)).Seconds(), calib, time.Until(first).Seconds())
	if late := time.Since(first); late > 0 {
		fmt.Fprintf(e.say, "  warning: writing took %s past the first due time; the early lags include it\n", late.Round(time.Millisecond))
	}

	seen := make([]time.Time, n)
	done := 0
	wait := e.o.TimerWait
	if wait <= 0 {
		wait = max(2*time.Minute, 10*window)
	}
	deadline := due(n - 1).Add(wait)
	lastSay := time.Now()
	for done < n && time.Now().Before(deadline) && ctx.Err() == nil {
		upTo, ok, err := e.st.LatestBrokenDue(ctx, first, due(n-1))
		if err != nil {
			return err
		}
		now := time.Now()
		for ok && done < n && !due(done).After(upTo) {
			seen[done] = now
			done++
		}
		if time.Since(lastSay) > 10*time.Second {
			fmt.Fprintf(e.say, "  %d of %d broken so far\n", done, n)
			lastSay = time.Now()
		}
		time.Sleep(50 * time.Millisecond)
	}
	outs, err := e.st.PromiseOutcomes(ctx, from, from+int64(n)-1)
	if err != nil {
		return err
	}
	var lags, recorded []time.Duration
	now := time.Now()
	for i, o := range outs {
		switch {
		case o.State == desk.PromiseBroken && !seen[i].IsZero():
			lags = append(lags, seen[i].Sub(o.Due))
			recorded = append(recorded, o.Done.Sub(o.Due))
			r.TimerBroken++
		case o.State == desk.PromiseBroken: // broken out of due order: seen only now
			lags = append(lags, now.Sub(o.Due))
			recorded = append(recorded, o.Done.Sub(o.Due))
			r.TimerBroken++
		default: // not broken yet: counted with its lag so far (a lower bound)
			lags = append(lags, now.Sub(o.Due))
		}
	}
	r.TimerN = n
	r.TimerLagP50, r.TimerLagP99 = pct(lags, 50), pct(lags, 99)
	r.TimerRecordedP99 = pct(recorded, 99)
	if len(lags) > 0 {
		r.TimerLagMax = ms(slices.Max(lags))
	}
	if done > 1 && seen[done-1].After(first) {
		r.TimerBreaksPerS = float64(done) / seen[done-1].Sub(first).Seconds()
	}
	fmt.Fprintf(e.say, "  %d of %d broken: lag p50 %.0f ms, p99 %.0f ms, max %.0f ms (the record's promise_broken times give p99 %.0f ms); "+
		"%.0f broken a second while %.0f fell due a second\n",
		r.TimerBroken, n, r.TimerLagP50, r.TimerLagP99, r.TimerLagMax, r.TimerRecordedP99, r.TimerBreaksPerS, float64(n)/window.Seconds())
	if r.TimerBroken < n {
		fmt.Fprintf(e.say, "  %d promises were not broken %s after the last fell due: their lag so far is counted, so the percentiles are a lower bound\n", n-r.TimerBroken, wait)
	}
	// A break rolls up its own case; as new cases they may also make their customers' earlier
	// closings repeat contacts. Untimed.
	rolled := time.Now()
	if err := e.st.RollCases(ctx, idRange(set.Case, n)); err != nil {
		return err
	}
	fmt.Fprintf(e.say, "  their cases' report facts, with their customers' earlier closings, rolled up again in %.1f s\n", time.Since(rolled).Seconds())
	return nil
}

// idRange is the n ids from first on.
func idRange(first int64, n int) []int64 {
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = first + int64(i)
	}
	return ids
}

// idle measures the CPU the idle server uses: nothing due for hours, no requests.
func (e *env) idle(ctx context.Context, r *Result) error {
	fmt.Fprintf(e.say, "idle CPU: the server (timer runner, HTTP and SMTP listeners) with no requests, over %s: utime+stime from /proc/self/stat", e.o.Idle)
	db := e.st.Backend() == "postgres"
	if db {
		fmt.Fprint(e.say, "; and PostgreSQL's processes (all of them on this machine) from /proc/PID/stat")
	}
	fmt.Fprintln(e.say)
	// Idle means the runner has caught up: wait (at most ten minutes, or --timer-wait) until
	// nothing is due.
	catchUp := 10 * time.Minute
	if e.o.TimerWait > 0 {
		catchUp = e.o.TimerWait
	}
	for deadline := time.Now().Add(catchUp); ; {
		n, err := e.st.DueTimers(ctx, time.Now())
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(e.say, "  warning: %d timers are still due; the runner is not idle\n", n)
			break
		}
		fmt.Fprintf(e.say, "  waiting for the runner: %d timers due\n", n)
		time.Sleep(5 * time.Second)
	}
	runtime.GC()
	before, dbBefore := procCPU("self"), postgresCPU()
	t := time.Now()
	select {
	case <-time.After(e.o.Idle):
	case <-ctx.Done():
		return ctx.Err()
	}
	took := time.Since(t)
	r.IdleCPU = float64(procCPU("self")-before) / float64(took) * 100
	if db {
		r.IdleDBCPU = float64(cpuSince(dbBefore, postgresCPU())) / float64(took) * 100
	}
	fmt.Fprintf(e.say, "  %.2f%% of one core (PostgreSQL: %.2f%%)\n", r.IdleCPU, r.IdleDBCPU)
	return nil
}

func (e *env) get(token, path string) ([]byte, error) {
	req, err := http.NewRequest("GET", e.httpURL+path, nil)
	if err != nil {
		return nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	return body, nil
}

type loadStats struct {
	n             int
	p50, p99, rps float64
	byLabel       map[string][]time.Duration
}

func (s loadStats) print(w io.Writer) {
	fmt.Fprintf(w, "  %d requests: p50 %.1f ms, p99 %.1f ms, %.0f req/s\n", s.n, s.p50, s.p99, s.rps)
	if len(s.byLabel) < 2 {
		return
	}
	labels := slices.Sorted(maps.Keys(s.byLabel))
	for _, l := range labels {
		d := s.byLabel[l]
		fmt.Fprintf(w, "    %-12s %6d requests: p50 %.1f ms, p99 %.1f ms\n", l, len(d), pct(d, 50), pct(d, 99))
	}
}

// load runs do from each client, back to back, for the duration, and prints the figures; any
// error stops it. do returns a label for the request's kind ("" for one kind), to break the
// latencies down.
func (e *env) load(ctx context.Context, do func(r *rand.Rand, client int) (string, error)) (loadStats, error) {
	type sample struct {
		label string
		d     time.Duration
	}
	lat := make([][]sample, e.o.Clients)
	errs := make(chan error, e.o.Clients)
	deadline := time.Now().Add(e.o.Duration)
	start := time.Now()
	var wg sync.WaitGroup
	for c := 0; c < e.o.Clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(e.g.seed, uint64(c)))
			for time.Now().Before(deadline) && ctx.Err() == nil {
				t := time.Now()
				label, err := do(rnd, c)
				if err != nil {
					errs <- err
					return
				}
				lat[c] = append(lat[c], sample{label, time.Since(t)})
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	select {
	case err := <-errs:
		return loadStats{}, err
	default:
	}
	st := loadStats{byLabel: map[string][]time.Duration{}}
	var all []time.Duration
	for _, ss := range lat {
		for _, x := range ss {
			all = append(all, x.d)
			st.byLabel[x.label] = append(st.byLabel[x.label], x.d)
		}
	}
	st.n, st.p50, st.p99, st.rps = len(all), pct(all, 50), pct(all, 99), float64(len(all))/took.Seconds()
	st.print(e.say)
	return st, nil
}

// pct is the p-th percentile in milliseconds (nearest rank).
func pct(d []time.Duration, p int) float64 {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return ms(s[min(max(i-1, 0), len(s)-1)])
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// clockTick is the kernel's USER_HZ, the unit of /proc/PID/stat's times (100 on Linux).
const clockTick = 10 * time.Millisecond

// procCPU is a process's user and system CPU time so far.
func procCPU(pid string) time.Duration {
	b, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
	if err != nil {
		return 0
	}
	s := string(b)
	// Fields after the command name (which may hold spaces) start after its ")".
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * clockTick
}

// postgresCPU is the CPU time so far of each process named postgres, by its pid.
func postgresCPU() map[string]time.Duration {
	dirs, _ := os.ReadDir("/proc")
	out := map[string]time.Duration{}
	for _, d := range dirs {
		if _, err := strconv.Atoi(d.Name()); err != nil {
			continue
		}
		comm, err := os.ReadFile(filepath.Join("/proc", d.Name(), "comm"))
		if err == nil && strings.TrimSpace(string(comm)) == "postgres" {
			out[d.Name()] = procCPU(d.Name())
		}
	}
	return out
}

// cpuSince is the CPU the processes of after used since before: a process there at both ends
// counts what it used between them, one started since (or a pid used again) counts all of its
// time, and one that ended counts nothing. Summing the totals instead went negative (-109% at
// scale M) when a connection pool closed a backend that had served the whole load.
func cpuSince(before, after map[string]time.Duration) time.Duration {
	var d time.Duration
	for pid, t := range after {
		if was := before[pid]; was <= t {
			t -= was
		}
		d += t
	}
	return d
}

func rssMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// goSysMB is the memory the Go runtime has from the system: heap, stacks and its own.
func goSysMB() float64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.Sys-m.HeapReleased) / (1 << 20)
}

func heapMB() float64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapInuse) / (1 << 20)
}
