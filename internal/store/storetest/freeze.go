package storetest

import (
	"net"
	"net/url"
	"sync"
	"testing"
)

// Freezer forwards TCP to PostgreSQL until frozen: then it passes nothing on, as a database
// that hangs (a frozen process, a dead network path) would, and takes new connections that
// go nowhere, until thawed.
type Freezer struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	frozen bool
	thawed chan struct{}
}

// Frozen returns a PostgreSQL configuration whose connections go through a Freezer, and the
// Freezer.
func Frozen(t testing.TB) (dsn string, f *Freezer) {
	t.Helper()
	cfg := Config(t, "postgres")
	u, err := url.Parse(cfg.URL)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f = &Freezer{ln: ln, target: u.Host, thawed: make(chan struct{})}
	close(f.thawed)
	t.Cleanup(func() { ln.Close(); f.Thaw() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(c)
		}
	}()
	u.Host = ln.Addr().String()
	return u.String(), f
}

func (f *Freezer) serve(c net.Conn) {
	defer c.Close()
	f.wait()
	up, err := net.Dial("tcp", f.target)
	if err != nil {
		return
	}
	defer up.Close()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				f.wait()
				if _, werr := dst.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
}

func (f *Freezer) wait() {
	f.mu.Lock()
	ch := f.thawed
	f.mu.Unlock()
	<-ch
}

// Freeze stops passing anything on.
func (f *Freezer) Freeze() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.frozen {
		f.frozen, f.thawed = true, make(chan struct{})
	}
}

// Thaw passes everything on again.
func (f *Freezer) Thaw() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.frozen {
		f.frozen = false
		close(f.thawed)
	}
}
