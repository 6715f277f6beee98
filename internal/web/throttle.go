package web

import (
	"slices"
	"sync"
	"time"
)

// throttle slows down guessing without locking anyone out. Each key (an account from one
// client, a client across accounts) counts its failures; the first few cost nothing, then
// each further one makes the key wait twice as long as the one before, up to a cap. The count
// is forgotten after a quiet spell. Keyed by account and client together, a stranger's wrong
// passwords slow only the stranger: the account's owner, from their own client, signs in at
// once. Keyed by client alone, one client trying many accounts is slowed too.
//
// An attempt is charged as a failure when it is let through (take), before the password is
// checked, and refunded if it did not fail: check and record are one step under one lock, so
// a burst of concurrent attempts cannot all slip past a count that none of them has raised yet.
type throttle struct {
	mu        sync.Mutex
	keys      map[string]*strikes
	max       int       // keys kept at most; beyond it the quietest are forgotten
	lastSweep time.Time // when forgotten keys were last removed
}

// strikes are one key's failures.
type strikes struct {
	n    int       // failures counted, attempts in flight included
	last time.Time // the latest
	pace pace
}

// pace is how a kind of key slows down.
type pace struct {
	free   int           // failures that cost no wait
	first  time.Duration // the wait after the first failure past free; it doubles after each one more
	most   time.Duration // the longest wait
	forget time.Duration // a key with no failure for this long starts afresh
}

// wait is how long after the latest of n failures the next attempt must wait.
func (p pace) wait(n int) time.Duration {
	if n <= p.free {
		return 0
	}
	d := p.first
	for i := p.free + 1; i < n && d < p.most; i++ {
		d *= 2
	}
	return min(d, p.most)
}

// limit is one key an attempt counts against, with its pace.
type limit struct {
	key  string
	pace pace
}

// The paces. An account from one client: three wrong passwords free, then 1 s, 2 s, 4 s …
// up to 5 minutes. A client across accounts: ten free, then the same doubling up to a minute,
// so a person who mistypes at a shared office address is hardly slowed, and a client trying
// one password on every account is. Portal links: every request counts (nobody may learn
// whether the address is a customer's), three free per address and client, then a minute,
// doubling up to 15; per client ten free, then from 1 s up to 5 minutes.
var (
	signInAccount = pace{free: 3, first: time.Second, most: 5 * time.Minute, forget: time.Hour}
	signInClient  = pace{free: 10, first: time.Second, most: time.Minute, forget: time.Hour}
	portalAddress = pace{free: 3, first: time.Minute, most: 15 * time.Minute, forget: time.Hour}
	portalClient  = pace{free: 10, first: time.Second, most: 5 * time.Minute, forget: time.Hour}
)

// throttleKeys bounds the throttle's memory (about 100 bytes a key).
const throttleMax = 100_000

func newThrottle() *throttle { return &throttle{keys: map[string]*strikes{}, max: throttleMax} }

// take lets an attempt through when no key of it must wait, and then charges it to every key
// as a failure; otherwise it charges nothing and says how long until the attempt may be made.
func (t *throttle) take(now time.Time, limits ...limit) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sweep(now)
	var wait time.Duration
	for _, l := range limits {
		if s := t.get(l.key, now); s != nil {
			wait = max(wait, s.last.Add(l.pace.wait(s.n)).Sub(now))
		}
	}
	if wait > 0 {
		return wait
	}
	for _, l := range limits {
		s := t.get(l.key, now)
		if s == nil {
			s = &strikes{pace: l.pace}
			t.keys[l.key] = s
		}
		s.n++
		s.last = now
	}
	return 0
}

// refund takes back the charge of an attempt that did not fail (the right password, a form
// sent without one).
func (t *throttle) refund(keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		if s, ok := t.keys[k]; ok {
			if s.n--; s.n <= 0 {
				delete(t.keys, k)
			}
		}
	}
}

// clear forgets a key's failures: an account that signed in from a client owes nothing there.
func (t *throttle) clear(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.keys, key)
}

// get is a key's strikes, nil when it has none or they are forgotten.
func (t *throttle) get(key string, now time.Time) *strikes {
	s, ok := t.keys[key]
	if ok && now.Sub(s.last) >= s.pace.forget {
		delete(t.keys, key)
		return nil
	}
	return s
}

// sweep removes forgotten keys once a minute, and when there are more than max keys (a flood
// of made-up accounts or addresses) also the quietest ones: the memory stays bounded whatever
// arrives, at the price of forgetting some slowed-down key early.
func (t *throttle) sweep(now time.Time) {
	full := len(t.keys) >= t.max
	if !full && now.Sub(t.lastSweep) < time.Minute {
		return
	}
	t.lastSweep = now
	for k, s := range t.keys {
		if now.Sub(s.last) >= s.pace.forget {
			delete(t.keys, k)
		}
	}
	if len(t.keys) < t.max*3/4 {
		return
	}
	// Forget the quietest quarter at once, so a flood costs one sort per max/4 new keys.
	type aged struct {
		key  string
		last time.Time
	}
	all := make([]aged, 0, len(t.keys))
	for k, s := range t.keys {
		all = append(all, aged{k, s.last})
	}
	slices.SortFunc(all, func(a, b aged) int { return a.last.Compare(b.last) })
	for _, a := range all[:len(all)-t.max*3/4] {
		delete(t.keys, a.key)
	}
}

// size is how many keys the throttle holds (for tests).
func (t *throttle) size() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.keys)
}
