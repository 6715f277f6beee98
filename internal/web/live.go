package web

// Live updates for open desk pages, by server-sent events.
//
// GET /events (signed-in agents only) is one long text/event-stream response. It carries:
//
//	event: case
//	data: 42
//
// after every committed change to case 42 (its id, nothing more: the page fetches what it
// shows through the ordinary pages, which check access). And, to the desk's own staff:
//
//	event: presence
//	data: {"case":42,"names":["Ann Tamm","Bob Kask"]}
//
// when who has case 42 open changes: names are the OTHER agents who have it open now (the
// stream's own agent is left out; an empty list means nobody else). A comment line
// (": ping") is sent every 25 s so proxies keep the connection and a dead client is noticed.
// The stream ends when the client leaves or the server shuts down (Server.CloseStreams).
//
// GET /events?case=42 also keeps the agent present on case 42 for as long as the stream is
// open: the case page opens it, so a colleague's collision notice lasts exactly as long as the
// page. Presence set by presence.open without a stream lasts presenceTTL.

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

const (
	// streamHeartbeat is how often an idle stream sends a comment.
	streamHeartbeat = 25 * time.Second
	// streamWriteWait bounds one write to a stream; a client that cannot take a few bytes in this
	// time is gone.
	streamWriteWait = 10 * time.Second
	// presenceTTL is how long opening a case page counts as having it open without a stream.
	presenceTTL = 2 * time.Minute
)

// ShareLive joins this node's live pages to the other nodes' (serve gives it the service's
// ChangeBus): publish tells them who has a case open here; the listener it returns takes
// their changes and their viewers.
func (s *Server) ShareLive(publish func(caseID int64, viewers []byte)) service.BusListener {
	s.presence.mu.Lock()
	s.presence.share = publish
	s.presence.mu.Unlock()
	return service.BusListener{Changed: s.Changed, Presence: s.presence.heard}
}

// CloseStreams ends every live-update stream: call it when the HTTP server shuts down
// (http.Server.RegisterOnShutdown), as Shutdown does not wait for streams to go quiet.
func (s *Server) CloseStreams() { s.hub.close() }

// events streams case changes and presence to one open page.
func (s *Server) events(w http.ResponseWriter, r *request) error {
	actor := r.sess.Actor
	staff := desk.IsStaff(actor)
	var watch int64
	if v := r.URL.Query().Get("case"); v != "" && staff {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
			watch = id
		}
	}
	rc := http.NewResponseController(w)
	// The server's read timeout would otherwise end the stream: the connection's background
	// read fails at the deadline and cancels the request's context.
	if err := rc.SetReadDeadline(time.Time{}); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return nil
	}
	// Only the desk's own staff hear of every case; a partner's user would otherwise learn the
	// ids of cases not handed to their firm. Their pages refresh when they reload.
	var changes <-chan service.Event
	var moves <-chan presenceChange
	if staff {
		c, unsubscribe := s.hub.subscribe()
		defer unsubscribe()
		changes = c
		m, stop := s.presence.subscribe()
		defer stop()
		moves = m
	}
	if watch != 0 {
		defer s.presence.watch(watch, actor.ID, actor.Name)()
	}

	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: pass each event on at once
	w.WriteHeader(http.StatusOK)
	send := func(format string, args ...any) error {
		if err := rc.SetWriteDeadline(time.Now().Add(streamWriteWait)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return err
		}
		if _, err := fmt.Fprintf(w, format, args...); err != nil {
			return err
		}
		return rc.Flush()
	}
	// The first bytes tell the browser the stream is open, and how soon to come back if cut.
	if err := send("retry: 3000\n: open\n\n"); err != nil {
		return nil
	}
	if watch != 0 {
		if err := send("event: presence\ndata: %s\n\n", presenceJSON(watch, s.presence.others(watch, actor.ID))); err != nil {
			return nil
		}
	}
	tick := time.NewTicker(streamHeartbeat)
	defer tick.Stop()
	ctx := r.Context()
	for {
		var err error
		select {
		case <-ctx.Done():
			return nil
		case <-s.hub.done():
			return nil
		case e := <-changes:
			err = send("event: case\ndata: %d\n\n", e.CaseID)
		case m := <-moves:
			err = send("event: presence\ndata: %s\n\n", presenceJSON(m.caseID, m.namesBut(actor.ID)))
		case <-tick.C:
			s.presence.sweep()
			err = send(": ping\n\n")
		}
		if err != nil {
			return nil // the client is gone
		}
	}
}

func presenceJSON(caseID int64, names []string) string {
	if names == nil {
		names = []string{}
	}
	b, _ := json.Marshal(struct {
		Case  int64    `json:"case"`
		Names []string `json:"names"`
	}{caseID, names})
	return string(b)
}

// presence remembers, in memory on this node, which agents have which case open, so the case
// page can warn of a colleague working on the same case.
type presence struct {
	mu    sync.Mutex
	ttl   time.Duration
	now   func() time.Time
	cases map[int64]map[int64]*viewer // case → agent → viewer
	subs  map[chan presenceChange]struct{}
	// With several nodes: what the others said of their viewers (case → node → viewers), and
	// how this node tells them of its own (nil: one node).
	remote map[int64]map[string]remoteViewers
	share  func(caseID int64, viewers []byte)
	shared map[int64]time.Time // when this node last told its viewers of each case
}

// remoteViewers are another node's viewers of a case, as it last said: they count until
// until, and the node says them again before then while they stay.
type remoteViewers struct {
	viewers []presentAgent
	until   time.Time
}

type viewer struct {
	name    string
	until   time.Time // present until then without a stream
	streams int       // open /events?case= streams: present while any is open
}

// presenceChange is everyone who has a case open after a change.
type presenceChange struct {
	caseID  int64
	viewers []presentAgent
}

type presentAgent struct {
	id   int64
	name string
}

// namesBut lists the viewers' names except one agent's.
func (c presenceChange) namesBut(agentID int64) []string {
	names := []string{}
	for _, v := range c.viewers {
		if v.id != agentID {
			names = append(names, v.name)
		}
	}
	return names
}

func newPresence() *presence {
	return &presence{ttl: presenceTTL, now: time.Now, cases: map[int64]map[int64]*viewer{}, subs: map[chan presenceChange]struct{}{},
		remote: map[int64]map[string]remoteViewers{}, shared: map[int64]time.Time{}}
}

// open marks the agent as having the case open (for presenceTTL, or while a stream watches it)
// and returns the names of the other agents who have it open, sorted.
func (p *presence) open(caseID int64, agentID int64, name string) (others []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sweepLocked()
	v, seen := p.viewerLocked(caseID, agentID)
	v.name, v.until = name, p.now().Add(p.ttl)
	if !seen {
		p.publishLocked(caseID)
	}
	return p.othersLocked(caseID, agentID)
}

// viewerLocked is the agent's viewer of the case, made now if they had none (seen false).
func (p *presence) viewerLocked(caseID, agentID int64) (v *viewer, seen bool) {
	vs := p.cases[caseID]
	if vs == nil {
		vs = map[int64]*viewer{}
		p.cases[caseID] = vs
	}
	if v, seen = vs[agentID]; !seen {
		v = &viewer{}
		vs[agentID] = v
	}
	return v, seen
}

// close forgets that the agent has the case open (they left it, or signed out).
func (p *presence) close(caseID, agentID int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.cases[caseID][agentID]; !ok {
		return
	}
	p.dropLocked(caseID, agentID)
	p.publishLocked(caseID)
}

// others lists the other agents who have the case open now, sorted by name.
func (p *presence) others(caseID, agentID int64) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.othersLocked(caseID, agentID)
}

// watch keeps the agent present on the case until the returned function is called (when the
// page's stream ends).
func (p *presence) watch(caseID, agentID int64, name string) (stop func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	v, seen := p.viewerLocked(caseID, agentID)
	if !seen {
		v.name = name
	}
	v.streams++
	if !seen {
		p.publishLocked(caseID)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			p.mu.Lock()
			defer p.mu.Unlock()
			v, ok := p.cases[caseID][agentID]
			if !ok {
				return
			}
			if v.streams--; v.streams <= 0 {
				p.dropLocked(caseID, agentID)
				p.publishLocked(caseID)
			}
		})
	}
}

// sweep forgets agents whose presence has expired, telling the streams.
func (p *presence) sweep() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sweepLocked()
}

func (p *presence) sweepLocked() {
	now := p.now()
	for caseID, vs := range p.cases {
		was := len(vs)
		maps.DeleteFunc(vs, func(_ int64, v *viewer) bool { return v.streams <= 0 && !now.Before(v.until) })
		changed := len(vs) < was
		if len(vs) == 0 {
			delete(p.cases, caseID)
		}
		if changed {
			p.publishLocked(caseID)
		} else if now.Sub(p.shared[caseID]) >= p.ttl/2 {
			p.shareLocked(caseID) // said again, so the other nodes keep counting them
		}
	}
	for caseID, nodes := range p.remote {
		was := len(nodes)
		// A node whose viewers are out of date stopped saying (it died, or lost the bus).
		maps.DeleteFunc(nodes, func(_ string, rv remoteViewers) bool { return !now.Before(rv.until) })
		changed := len(nodes) < was
		if len(nodes) == 0 {
			delete(p.remote, caseID)
		}
		if changed {
			p.notifyLocked(caseID)
		}
	}
}

// heard takes another node's viewers of a case (its JSON: [{"id":…,"name":…}]).
func (p *presence) heard(node string, caseID int64, data []byte) {
	var list []struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}
	if json.Unmarshal(data, &list) != nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	nodes := p.remote[caseID]
	if nodes == nil {
		nodes = map[string]remoteViewers{}
		p.remote[caseID] = nodes
	}
	if len(list) == 0 {
		delete(nodes, node)
	} else {
		rv := remoteViewers{until: p.now().Add(p.ttl)}
		for _, v := range list {
			rv.viewers = append(rv.viewers, presentAgent{id: v.ID, name: v.Name})
		}
		nodes[node] = rv
	}
	if len(nodes) == 0 {
		delete(p.remote, caseID)
	}
	p.notifyLocked(caseID)
}

// maxSharedViewers bounds what one message says of a case (a NOTIFY carries 8,000 bytes).
const maxSharedViewers = 50

// shareLocked tells the other nodes this node's viewers of the case (none: it has none now).
func (p *presence) shareLocked(caseID int64) {
	if p.share == nil {
		return
	}
	type shared struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}
	list := []shared{}
	for id, v := range p.cases[caseID] {
		if len(list) < maxSharedViewers {
			list = append(list, shared{ID: id, Name: v.name})
		}
	}
	b, err := json.Marshal(list)
	if err != nil {
		return
	}
	if len(list) == 0 {
		delete(p.shared, caseID)
	} else {
		p.shared[caseID] = p.now()
	}
	p.share(caseID, b)
}

func (p *presence) dropLocked(caseID, agentID int64) {
	delete(p.cases[caseID], agentID)
	if len(p.cases[caseID]) == 0 {
		delete(p.cases, caseID)
	}
}

func (p *presence) othersLocked(caseID, agentID int64) []string {
	names := []string{}
	for _, v := range p.viewersLocked(caseID) {
		if v.id != agentID {
			names = append(names, v.name)
		}
	}
	return names
}

// viewersLocked is everyone who has the case open, on this node or another, once each, sorted
// by name.
func (p *presence) viewersLocked(caseID int64) []presentAgent {
	now := p.now()
	seen := map[int64]bool{}
	var out []presentAgent
	for id, v := range p.cases[caseID] {
		if v.streams > 0 || now.Before(v.until) {
			seen[id] = true
			out = append(out, presentAgent{id: id, name: v.name})
		}
	}
	for _, rv := range p.remote[caseID] {
		for _, v := range rv.viewers {
			if !seen[v.id] {
				seen[v.id] = true
				out = append(out, presentAgent{id: v.id, name: v.name})
			}
		}
	}
	slices.SortFunc(out, func(a, b presentAgent) int { return strings.Compare(a.name, b.name) })
	return out
}

// publishLocked tells every stream, and the other nodes, who has the case open now after a
// change on this node.
func (p *presence) publishLocked(caseID int64) {
	p.shareLocked(caseID)
	p.notifyLocked(caseID)
}

// notifyLocked tells every stream who has the case open now. Like the hub, it never blocks: a
// stream that is behind misses the change.
func (p *presence) notifyLocked(caseID int64) {
	if len(p.subs) == 0 {
		return
	}
	offer(p.subs, presenceChange{caseID: caseID, viewers: p.viewersLocked(caseID)})
}

// subscribe returns a channel of presence changes and the function that ends the subscription.
func (p *presence) subscribe() (<-chan presenceChange, func()) {
	return subscribe(&p.mu, p.subs, 32)
}
