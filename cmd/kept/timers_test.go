package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/store/storetest"
)

// The contract: a promise breaks within 2 s of its due time, and the escalation that follows
// is on the record within 2 s more.
const (
	breakWithin    = 2 * time.Second
	escalateWithin = 2 * time.Second
)

// promiseDesk is a running desk with a lead, an agent reporting to the lead, and a case of a
// customer owned by the agent.
type promiseDesk struct {
	srv      *server
	dbArgs   []string
	token    string
	leadID   any
	agentID  any
	casePath string
}

// allWeekHours is working hours covering every minute of the week, so any due time is bookable.
func allWeekHours() map[string][]string {
	h := map[string][]string{}
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		h[d] = []string{"00:00-24:00"}
	}
	return h
}

func newPromiseDesk(t *testing.T, backend string) *promiseDesk {
	t.Helper()
	cfg := storetest.Config(t, backend)
	d := &promiseDesk{dbArgs: []string{"--data", cfg.DataDir}}
	if backend == "postgres" {
		d.dbArgs = []string{"--db", cfg.URL}
	}
	code, out, errOut := kept(t, "", append([]string{"token", "--email", "head@example.com", "--role", "admin"}, d.dbArgs...)...)
	if code != 0 {
		t.Fatalf("kept token: exit %d\n%s%s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	d.token = lines[len(lines)-1]

	d.srv = startServer(t, d.dbArgs)
	lead := d.srv.call(t, d.token, "POST", "/api/v1/agents", map[string]any{"name": "Liis Lepp", "email": "liis@example.ee",
		"role": "lead", "team": "Billing", "timezone": "UTC", "hours": allWeekHours()}, 201)
	agent := d.srv.call(t, d.token, "POST", "/api/v1/agents", map[string]any{"name": "Ann Tamm", "email": "ann@example.ee",
		"role": "agent", "team": "Billing", "manager_id": lead["id"], "timezone": "UTC", "hours": allWeekHours()}, 201)
	d.leadID, d.agentID = lead["id"], agent["id"]
	cust := d.srv.call(t, d.token, "POST", "/api/v1/customers", map[string]any{"name": "Mari Kask", "email": "mari@example.ee"}, 201)
	cs := d.srv.call(t, d.token, "POST", "/api/v1/cases", map[string]any{"customer_id": cust["id"], "subject": "Router keeps rebooting",
		"body": "It restarts every hour.", "channel": "email", "owner_id": d.agentID}, 201)
	d.casePath = fmt.Sprintf("/api/v1/cases/%v", cs["id"])
	return d
}

// promise makes a call-back promise due at least ahead from now, on a whole second (due_at is
// sent as RFC 3339 without fractions), and returns the due time.
func (d *promiseDesk) promise(t *testing.T, ahead time.Duration) time.Time {
	t.Helper()
	at := time.Now().Add(ahead)
	due := at.Truncate(time.Second)
	if due.Before(at) {
		due = due.Add(time.Second)
	}
	p := d.srv.call(t, d.token, "POST", d.casePath+"/promises", map[string]any{"kind": "callback",
		"due_at": due.UTC().Format(time.RFC3339), "words": "I will call you back about the router."}, 201)
	if p["state"] != "open" {
		t.Fatalf("new promise: %v, want state open", p)
	}
	return due
}

type recordEntry struct {
	seq  int
	kind string
	at   time.Time
}

func (d *promiseDesk) record(t *testing.T) []recordEntry {
	t.Helper()
	var out []recordEntry
	for _, x := range d.srv.call(t, d.token, "GET", d.casePath+"/record", nil, 200)["list"].([]any) {
		e := x.(map[string]any)
		at, err := time.Parse(time.RFC3339Nano, fmt.Sprint(e["at"]))
		if err != nil {
			t.Fatalf("record entry %v: at: %v", e, err)
		}
		seq, _ := e["seq"].(float64)
		out = append(out, recordEntry{seq: int(seq), kind: fmt.Sprint(e["kind"]), at: at})
	}
	return out
}

// awaitBroken polls the record every 100 ms for at most 10 s until a promise_broken entry
// appears, and returns the record and when the poll saw it.
func (d *promiseDesk) awaitBroken(t *testing.T) ([]recordEntry, time.Time) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		rec := d.record(t)
		if entryCount(rec, "promise_broken") > 0 {
			return rec, time.Now()
		}
		if time.Now().After(deadline) {
			t.Fatalf("no promise_broken entry within 10 s; record kinds %v; server stderr:\n%s", entryKinds(rec), d.srv.stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func entryCount(rec []recordEntry, kind string) int {
	n := 0
	for _, e := range rec {
		if e.kind == kind {
			n++
		}
	}
	return n
}

func entryKinds(rec []recordEntry) []string {
	var out []string
	for _, e := range rec {
		out = append(out, e.kind)
	}
	return out
}

func firstEntry(rec []recordEntry, kind string) (recordEntry, int) {
	for i, e := range rec {
		if e.kind == kind {
			return e, i
		}
	}
	return recordEntry{}, -1
}

// checkBroken checks what follows a broken promise: the customer is told, the case has
// escalated (within escalateWithin of the break) to the lead at rung 1, and the promise reads
// broken.
func (d *promiseDesk) checkBroken(t *testing.T, rec []recordEntry) {
	t.Helper()
	broken, bi := firstEntry(rec, "promise_broken")
	if bi < 0 {
		t.Fatalf("no promise_broken entry: %v", entryKinds(rec))
	}
	if _, mi := firstEntry(rec[bi:], "message_out"); mi < 0 {
		t.Errorf("no message_out to the customer after promise_broken: %v", entryKinds(rec))
	}
	if esc, ei := firstEntry(rec[bi:], "escalated"); ei < 0 {
		t.Errorf("no escalated entry after promise_broken: %v", entryKinds(rec))
	} else if lag := esc.at.Sub(broken.at); lag < 0 || lag > escalateWithin {
		t.Errorf("escalated at %s, %v after promise_broken at %s; want within %v", esc.at, lag, broken.at, escalateWithin)
	}
	cv := d.srv.call(t, d.token, "GET", d.casePath, nil, 200)
	if rung, _ := cv["rung"].(float64); rung != 1 {
		t.Errorf("case rung %v, want 1", cv["rung"])
	}
	if owner, _ := cv["owner"].(map[string]any); owner == nil || owner["id"] != d.leadID {
		t.Errorf("case owner %v, want the lead (id %v)", cv["owner"], d.leadID)
	}
	ps, _ := cv["promises"].([]any)
	if len(ps) != 1 {
		t.Fatalf("case promises %v, want one", cv["promises"])
	}
	if p := ps[0].(map[string]any); p["state"] != "broken" {
		t.Errorf("promise %v, want state broken", p)
	}
}

// TestBinaryPromiseBreaks lets a promise run past its due time on a running server: it breaks
// on time, the customer is told, and the case climbs to the owner's lead.
func TestBinaryPromiseBreaks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		t.Parallel() // each backend has its own database and server; together they halve the wait
		d := newPromiseDesk(t, backend)
		due := d.promise(t, 3*time.Second)

		rec, seen := d.awaitBroken(t)
		broken, _ := firstEntry(rec, "promise_broken")
		lag := broken.at.Sub(due)
		t.Logf("%s: due %s → promise_broken at %s: lag %v (seen by polling after %v)",
			backend, due.UTC().Format(time.RFC3339), broken.at.UTC().Format(time.RFC3339Nano), lag, seen.Sub(due))
		if lag < 0 {
			t.Errorf("promise broke %v before its due time %s", -lag, due.UTC())
		} else if lag > breakWithin {
			t.Errorf("promise broke %v after its due time, want within %v; server stderr:\n%s", lag, breakWithin, d.srv.stderr)
		}
		// The escalation may trail the break by up to escalateWithin: wait for it that long.
		for entryCount(rec, "escalated") == 0 && time.Since(broken.at) < escalateWithin {
			time.Sleep(100 * time.Millisecond)
			rec = d.record(t)
		}
		d.checkBroken(t, rec)
		d.srv.stop(t)
	})
}

// TestBinaryPromiseSurvivesRestart lets a promise fall due while the server is down: the next
// start breaks it exactly once and escalates exactly once, and the record still verifies.
func TestBinaryPromiseSurvivesRestart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		t.Parallel() // each backend has its own database and server; together they halve the wait
		d := newPromiseDesk(t, backend)
		due := d.promise(t, 4*time.Second)
		d.srv.stop(t)
		if time.Now().After(due) {
			t.Fatalf("the server took until after the due time %s to stop; the test proves nothing", due.UTC())
		}
		time.Sleep(time.Until(due.Add(time.Second)))

		d.srv = startServer(t, d.dbArgs)
		listening := time.Now()
		rec, seen := d.awaitBroken(t)
		broken, _ := firstEntry(rec, "promise_broken")
		t.Logf("%s: due %s, restarted (listening) %v after it; promise_broken at %v after the due time, seen %v after listening",
			backend, due.UTC().Format(time.RFC3339), listening.Sub(due), broken.at.Sub(due), seen.Sub(listening))
		if broken.at.Before(due) {
			t.Errorf("promise broke at %s, before its due time %s", broken.at, due.UTC())
		}
		if late := broken.at.Sub(listening); late > breakWithin {
			t.Errorf("promise broke %v after the restarted server listened, want within %v; server stderr:\n%s", late, breakWithin, d.srv.stderr)
		}

		// Give a second firing (a duplicate timer, a replay) time to show itself.
		time.Sleep(2 * time.Second)
		rec = d.record(t)
		if n := entryCount(rec, "promise_broken"); n != 1 {
			t.Errorf("%d promise_broken entries, want exactly 1: %v", n, entryKinds(rec))
		}
		if n := entryCount(rec, "escalated"); n != 1 {
			t.Errorf("%d escalated entries, want exactly 1: %v", n, entryKinds(rec))
		}
		d.checkBroken(t, rec)
		d.srv.stop(t)

		if code, out, errOut := kept(t, "", append([]string{"verify"}, d.dbArgs...)...); code != 0 {
			t.Errorf("kept verify after the restart: exit %d\n%s%s", code, out, errOut)
		}
	})
}
