//go:build !linux

package clock

import "time"

// monotonicStart anchors passed to Go's monotonic clock where there is no CLOCK_BOOTTIME.
var monotonicStart = time.Now()

// passed is the time the monotonic clock counted since the process started.
func passed() time.Duration { return time.Since(monotonicStart) }
