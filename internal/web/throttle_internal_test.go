package web

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// TestPaceGrows: three failures free, then 1 s, 2 s, 4 s … up to the cap.
func TestPaceGrows(t *testing.T) {
	var got []time.Duration
	for n := 1; n <= 14; n++ {
		got = append(got, signInAccount.wait(n))
	}
	want := []time.Duration{0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300}
	for i := range want {
		if got[i] != want[i]*time.Second {
			t.Fatalf("waits after 1…14 failures: %v", got)
		}
	}
	if w := signInAccount.wait(1000); w != 5*time.Minute {
		t.Errorf("after 1,000 failures: %v", w)
	}
}

// TestThrottleWaits: an attempt let through is charged at once; the next must wait as long as
// its pace says, counted from the latest failure, and is told how long.
func TestThrottleWaits(t *testing.T) {
	th := newThrottle()
	now := t0
	l := limit{"a", signInAccount}
	for i := range 4 {
		if w := th.take(now, l); w != 0 {
			t.Fatalf("attempt %d waits %v", i+1, w)
		}
	}
	if w := th.take(now, l); w != time.Second {
		t.Fatalf("fifth attempt at once: wait %v, want 1s", w)
	}
	now = now.Add(400 * time.Millisecond)
	if w := th.take(now, l); w != 600*time.Millisecond {
		t.Fatalf("fifth attempt 0.4 s later: wait %v, want 0.6s", w)
	}
	now = now.Add(600 * time.Millisecond)
	if w := th.take(now, l); w != 0 {
		t.Fatalf("fifth attempt after the wait: %v", w)
	}
	if w := th.take(now, l); w != 2*time.Second {
		t.Fatalf("sixth attempt at once: wait %v, want 2s", w)
	}
	// A refused attempt is not charged: asking again and again does not make the wait longer.
	for range 100 {
		th.take(now, l)
	}
	if w := th.take(now.Add(time.Second), l); w != time.Second {
		t.Fatalf("after 100 refused attempts: wait %v, want the 1s left", w)
	}
	// A refund takes back a charge (the right password, say), so the wait shrinks again.
	th.refund("a")
	if w := th.take(now, l); w != time.Second {
		t.Fatalf("after a refund: wait %v, want 1s", w)
	}
	th.clear("a")
	if w := th.take(now, l); w != 0 {
		t.Fatalf("after clear: wait %v", w)
	}
}

// TestThrottleKeysAreSeparate: one key's failures never slow another; an attempt counts
// against all its keys, and waits for the slowest.
func TestThrottleKeysAreSeparate(t *testing.T) {
	th := newThrottle()
	stranger := []limit{{"signin\nstranger\nann", signInAccount}, {"signin-client\nstranger", signInClient}}
	for range 10 {
		th.take(t0, stranger...)
	}
	if w := th.take(t0, stranger...); w == 0 {
		t.Fatal("the stranger is not slowed")
	}
	if w := th.take(t0, limit{"signin\nann's office\nann", signInAccount}, limit{"signin-client\nann's office", signInClient}); w != 0 {
		t.Fatalf("Ann from her own client waits %v because of a stranger", w)
	}
	// One client, a different account each time: the client's own key slows it after ten.
	var waited int
	for i := range 12 {
		if th.take(t0, limit{fmt.Sprintf("signin\nsprayer\nuser%d", i), signInAccount}, limit{"signin-client\nsprayer", signInClient}) != 0 {
			waited++
		}
	}
	if waited == 0 {
		t.Fatal("a client trying 12 accounts was never slowed")
	}
}

// TestThrottleIsAtomic: of many attempts at once, exactly as many get through as the pace
// lets through one by one.
func TestThrottleIsAtomic(t *testing.T) {
	th := newThrottle()
	var wg sync.WaitGroup
	var mu sync.Mutex
	through := 0
	for range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if th.take(t0, limit{"a", signInAccount}) == 0 {
				mu.Lock()
				through++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if through != 4 {
		t.Fatalf("%d of 200 concurrent attempts got through, want 4", through)
	}
}

// TestThrottleKeySize: what a client types is kept as a digest, so a key costs the same
// whatever the form held.
func TestThrottleKeySize(t *testing.T) {
	r := &request{Request: httptest.NewRequest("POST", "/login", nil)}
	short, _ := throttleKeys("signin", r, "ann@example.com")
	long, _ := throttleKeys("signin", r, strings.Repeat("a", 1<<20)+"@example.com")
	if len(long) != len(short) || len(long) > 64 {
		t.Fatalf("keys of %d and %d bytes", len(short), len(long))
	}
	other, _ := throttleKeys("signin", r, "bea@example.com")
	if other == short {
		t.Fatal("two accounts share a key")
	}
}

// TestThrottleForgets: a key quiet for its forget time starts afresh, and however many keys
// arrive the throttle holds at most its maximum.
func TestThrottleForgets(t *testing.T) {
	th := newThrottle()
	l := limit{"a", signInAccount}
	now := failures(th, t0, l, 10)
	// 59 minutes later the tenth failure's wait is long over, but the count is not forgotten:
	// one more failure waits 128 s.
	later := now.Add(59 * time.Minute)
	if w := th.take(later, l); w != 0 {
		t.Fatalf("59 minutes later: wait %v", w)
	}
	if w := th.take(later, l); w != 128*time.Second {
		t.Fatalf("after the eleventh failure: wait %v, want 128s", w)
	}
	// After an hour without a failure it starts afresh: four free attempts again.
	later = later.Add(time.Hour)
	for i := range 4 {
		if w := th.take(later, l); w != 0 {
			t.Fatalf("after a quiet hour, attempt %d waits %v", i+1, w)
		}
	}
	// Old keys are swept out even when nobody asks about them again.
	for i := range 1000 {
		th.take(t0, limit{fmt.Sprint("old", i), signInAccount})
	}
	th.take(later.Add(3*time.Hour), l)
	if n := th.size(); n != 1 {
		t.Fatalf("%d keys after three hours, want 1", n)
	}
	// A flood of new keys: the throttle stays within its maximum.
	th.max = 1000
	now = later.Add(4 * time.Hour)
	for i := range 10_000 {
		th.take(now.Add(time.Duration(i)*time.Millisecond), limit{fmt.Sprint("new", i), portalAddress})
		if n := th.size(); n > th.max {
			t.Fatalf("%d keys after %d new ones, maximum %d", n, i+1, th.max)
		}
	}
}

// failures charges n failures to l, each as soon as the throttle lets it, and returns the time
// of the last.
func failures(th *throttle, now time.Time, l limit, n int) time.Time {
	for i := 0; i < n; {
		if w := th.take(now, l); w > 0 {
			now = now.Add(w)
			continue
		}
		i++
	}
	return now
}
