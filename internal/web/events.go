package web

import (
	"sync"

	"github.com/keptdesk/kept/internal/service"
)

// hub passes committed changes to open pages (server-sent events). A slow subscriber misses
// events rather than holding up commits: its channel is small and publishing never blocks.
type hub struct {
	mu   sync.Mutex
	subs map[chan service.Event]struct{}
}

func newHub() *hub { return &hub{subs: map[chan service.Event]struct{}{}} }

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
