package mailnet

import (
	"bytes"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

// The door in front of the SMTP listener: how many sessions it lets in, and how long a line
// may be. go-smtp counts line length on everything it reads, a message's text included, and
// refuses a longer line with 554; real mail has lines of many thousand characters (HTML
// newsletters, some clients), and Postfix takes them. So go-smtp's own limit is off and each
// connection counts here instead: command lines are held to commandLineLimit, while a
// message's text (after the server's 354, up to the lone dot) and a BDAT chunk pass at any
// length, bounded only by the message size. The count follows the conversation from both
// sides (the client's bytes and the server's 354), and must see it in the clear: the
// listener offers no STARTTLS.

// commandLineLimit is the longest command line (go-smtp's default; RFC 5321 says 512).
const commandLineLimit = 2000

// gate admits connections up to the session limits. At a limit, a new connection takes the
// place of the session that has waited longest for its client, if that wait is past
// IdleEvict and the session is between transactions; otherwise it is told 421 and closed.
type gate struct {
	maxSessions, maxPerClient int
	idleEvict                 time.Duration
	readTimeout               time.Duration
	domain                    string
	now                       func() time.Time

	mu     sync.Mutex
	conns  map[*doorConn]struct{}
	byAddr map[string]int
	// draining is set at shutdown: sessions between transactions are closed, the others when
	// their transaction ends.
	draining bool
}

func newGate(cfg ServerConfig) *gate {
	return &gate{maxSessions: cfg.MaxSessions, maxPerClient: cfg.MaxPerClient, idleEvict: cfg.IdleEvict,
		readTimeout: cfg.ReadTimeout, domain: cfg.Domain, now: cfg.Now,
		conns: map[*doorConn]struct{}{}, byAddr: map[string]int{}}
}

// listener admits the connections of l through the gate.
type listener struct {
	net.Listener
	g *gate
}

func (l listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if dc, why := l.g.admit(c); dc != nil {
			return dc, nil
		} else {
			go refuse(c, l.g.domain, why)
		}
	}
}

// refuse tells a client it may not come in now (a temporary refusal: it tries again later).
func refuse(c net.Conn, domain, why string) {
	defer c.Close()
	c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	c.Write([]byte("421 4.7.0 " + domain + " " + why + "; try again later\r\n"))
}

func clientAddr(c net.Conn) string {
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		return a.IP.String()
	}
	host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
	return host
}

// admit lets c in, making room by closing an idle session when a limit is reached, or says
// why not.
func (g *gate) admit(c net.Conn) (*doorConn, string) {
	addr := clientAddr(c)
	now := g.now()
	var evict []*doorConn
	g.mu.Lock()
	if g.draining {
		g.mu.Unlock()
		return nil, "is shutting down"
	}
	if g.byAddr[addr] >= g.maxPerClient {
		v := g.idlest(now, addr)
		if v == nil {
			g.mu.Unlock()
			return nil, "has too many sessions from " + addr
		}
		g.drop(v)
		evict = append(evict, v)
	}
	if len(g.conns) >= g.maxSessions {
		v := g.idlest(now, "")
		if v == nil {
			g.mu.Unlock()
			return nil, "has too many sessions"
		}
		g.drop(v)
		evict = append(evict, v)
	}
	dc := &doorConn{Conn: c, g: g, addr: addr}
	dc.lastRead.Store(now.UnixNano())
	g.conns[dc] = struct{}{}
	g.byAddr[addr]++
	g.mu.Unlock()
	for _, v := range evict {
		v.Conn.Close() // go-smtp's read fails and it ends the session
	}
	return dc, ""
}

// idlest is the session (of addr, when given) that has waited longest for its client, if it
// is between transactions and has waited past idleEvict.
func (g *gate) idlest(now time.Time, addr string) *doorConn {
	var best *doorConn
	var bestAt int64
	for c := range g.conns {
		if (addr != "" && c.addr != addr) || c.busy.Load() {
			continue
		}
		at := c.lastRead.Load()
		if now.Sub(time.Unix(0, at)) < g.idleEvict {
			continue
		}
		if best == nil || at < bestAt {
			best, bestAt = c, at
		}
	}
	return best
}

// drop forgets c's place; with g.mu held.
func (g *gate) drop(c *doorConn) {
	if c.gone {
		return
	}
	c.gone = true
	delete(g.conns, c)
	if g.byAddr[c.addr]--; g.byAddr[c.addr] <= 0 {
		delete(g.byAddr, c.addr)
	}
}

// drain closes every session between transactions and makes the others close when theirs
// ends; no new session is let in.
func (g *gate) drain() {
	g.mu.Lock()
	g.draining = true
	var idle []*doorConn
	for c := range g.conns {
		if !c.busy.Load() {
			idle = append(idle, c)
		}
	}
	g.mu.Unlock()
	for _, c := range idle {
		c.Conn.Close()
	}
}

func (g *gate) isDraining() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.draining
}

// What a connection is reading.
const (
	readingCommands = iota
	readingText     // a message's text after 354, up to <CRLF>.<CRLF>
	readingChunk    // a BDAT chunk of a given size
)

// The states of the end-of-text search, as go-smtp's data reader has them.
const (
	textLineStart = iota
	textDot
	textDotCR
	textCR
	textMiddle
)

// doorConn is an admitted connection: it keeps its place in the gate and counts lines.
type doorConn struct {
	net.Conn
	g    *gate
	addr string
	gone bool // its place is given up (with g.mu)

	lastRead atomic.Int64 // unix nanoseconds of the last bytes from the client
	busy     atomic.Bool  // in a mail transaction: never evicted, finished before a shutdown closes it

	// Only the session's goroutine reads and writes these: go-smtp reads a command, writes
	// its answer, and reads the text in the same goroutine.
	mode      int
	line      []byte // the command line so far, up to commandLineLimit
	textState int
	chunkLeft uint64
}

func (c *doorConn) Read(b []byte) (int, error) {
	if c.mode != readingCommands && c.g.readTimeout > 0 {
		// go-smtp sets a deadline for each command line, not for a message's text: a large
		// mail on a slow link must not be cut off while bytes still come.
		c.Conn.SetReadDeadline(time.Now().Add(c.g.readTimeout))
	}
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.lastRead.Store(c.g.now().UnixNano())
		if lerr := c.follow(b[:n]); lerr != nil {
			return 0, lerr
		}
	}
	return n, err
}

func (c *doorConn) Write(b []byte) (int, error) {
	if c.mode == readingCommands && (bytes.HasPrefix(b, []byte("354")) || bytes.Contains(b, []byte("\n354"))) {
		c.mode, c.textState = readingText, textLineStart
	}
	return c.Conn.Write(b)
}

func (c *doorConn) Close() error {
	c.g.mu.Lock()
	c.g.drop(c)
	c.g.mu.Unlock()
	return c.Conn.Close()
}

// setBusy marks the session in a transaction or out of one; out of one while the listener
// shuts down, it is closed.
func (c *doorConn) setBusy(busy bool) {
	c.busy.Store(busy)
	if !busy && c.g.isDraining() {
		c.Conn.Close()
	}
}

// follow moves through what the client sent, and fails a command line past the limit.
func (c *doorConn) follow(b []byte) error {
	for len(b) > 0 {
		switch c.mode {
		case readingChunk:
			k := uint64(len(b))
			if k > c.chunkLeft {
				k = c.chunkLeft
			}
			c.chunkLeft -= k
			b = b[k:]
			if c.chunkLeft == 0 {
				c.mode = readingCommands
			}
		case readingText:
			i := 0
			for ; i < len(b) && c.mode == readingText; i++ {
				c.textStep(b[i])
			}
			b = b[i:]
		default:
			i := bytes.IndexByte(b, '\n')
			part := b
			if i >= 0 {
				part = b[:i]
			}
			if len(c.line)+len(part) > commandLineLimit {
				return smtp.ErrTooLongLine // go-smtp answers 500 and closes
			}
			c.line = append(c.line, part...)
			if i < 0 {
				return nil
			}
			b = b[i+1:]
			if size, ok := bdatSize(string(bytes.TrimRight(c.line, "\r"))); ok && size > 0 {
				c.mode, c.chunkLeft = readingChunk, size
			}
			c.line = c.line[:0]
		}
	}
	return nil
}

// textStep follows one byte of a message's text, back to commands after <CRLF>.<CRLF>.
func (c *doorConn) textStep(ch byte) {
	// One case a transition; any other byte is the middle of a line.
	s := c.textState
	switch {
	case s == textDotCR && ch == '\n':
		c.mode = readingCommands
	case s == textCR && ch == '\n':
		c.textState = textLineStart
	case s == textLineStart && ch == '.':
		c.textState = textDot
	case s == textDot && ch == '\r':
		c.textState = textDotCR
	case (s == textLineStart || s == textMiddle) && ch == '\r':
		c.textState = textCR
	default:
		c.textState = textMiddle
	}
}

// bdatSize is the size of the chunk that follows a BDAT command line, exactly when go-smtp
// reads that chunk as data (it reads a malformed command's "chunk" as commands).
func bdatSize(line string) (uint64, bool) {
	if len(line) < 6 || line[4] != ' ' || !strings.EqualFold(line[:4], "BDAT") {
		return 0, false
	}
	args := strings.Fields(strings.TrimSpace(line[5:]))
	if len(args) == 0 || len(args) > 2 || (len(args) == 2 && !strings.EqualFold(args[1], "LAST")) {
		return 0, false
	}
	size, err := strconv.ParseUint(args[0], 10, 32)
	return size, err == nil
}
