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
	return subscribe(&h.mu, h.subs, 64)
}

func (h *hub) publish(e service.Event) {
	if e.CaseID == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	offer(h.subs, e) // a page that misses it reloads on its next event or poll
}

// subscribe adds a channel of size to subs (under mu) and returns it, with the function that
// takes it away again.
func subscribe[T any](mu *sync.Mutex, subs map[chan T]struct{}, size int) (<-chan T, func()) {
	ch := make(chan T, size)
	mu.Lock()
	subs[ch] = struct{}{}
	mu.Unlock()
	return ch, func() {
		mu.Lock()
		delete(subs, ch)
		mu.Unlock()
	}
}

// offer sends v to every subscriber with room for it; one whose channel is full misses it, so
// a slow page never holds up the sender. The caller holds the subscribers' lock.
func offer[T any](subs map[chan T]struct{}, v T) {
	for ch := range subs {
		select {
		case ch <- v:
		default:
		}
	}
}

// done is closed when the server shuts down: long-lived streams end then.
func (h *hub) done() <-chan struct{} { return h.closed }

// close ends every stream; calling it again does nothing.
func (h *hub) close() { h.once.Do(func() { close(h.closed) }) }
