package web

import (
	"sync"

	"github.com/keptdesk/kept/internal/service"
)

// hub passes committed changes to open pages (server-sent events). A slow subscriber misses
// events rather than holding up commits: its channel is small and publishing never blocks.
// Closing the hub (the server shutting down) ends every stream.
type hub struct {
	mu     sync.Mutex
	subs   map[chan service.Event]struct{}
	closed chan struct{}
	once   sync.Once
}

func newHub() *hub {
	return &hub{subs: map[chan service.Event]struct{}{}, closed: make(chan struct{})}
}

// subscribe returns a channel of changes and the function that ends the subscription.
func (h *hub) subscribe() (<-chan service.Event, func()) {
	ch := make(chan service.Event, 64)
	h.mu.Lock()
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs, ch)
		h.mu.Unlock()
	}
}

func (h *hub) publish(e service.Event) {
	if e.CaseID == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- e:
		default: // full: this page reloads on its next event or poll
		}
	}
}

// done is closed when the server shuts down: long-lived streams end then.
func (h *hub) done() <-chan struct{} { return h.closed }

// close ends every stream; calling it again does nothing.
func (h *hub) close() { h.once.Do(func() { close(h.closed) }) }
