// Package realip finds the address of the client behind an HTTP request. Without trusted
// proxies it is the TCP peer, and X-Forwarded-For is ignored: anyone can write that header.
// Behind trusted proxies (--trusted-proxies) it is the right-most address in X-Forwarded-For
// that is not one of them: each proxy appends the address it was reached from, so everything
// left of the first untrusted hop may have been written by the client itself.
package realip

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the address ranges of the reverse proxies whose X-Forwarded-For is believed.
type Proxies []netip.Prefix

// ParseProxies reads a comma-separated list of CIDR ranges or single addresses
// ("10.0.0.0/8, 192.168.1.5, fd00::/8"). An empty list trusts no proxy.
func ParseProxies(list string) (Proxies, error) {
	var out Proxies
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q is not an address range (CIDR such as 10.0.0.0/8): %w", f, err)
			}
			out = append(out, unmapPrefix(p).Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is not an address or a range (CIDR such as 10.0.0.0/8): %w", f, err)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// unmapPrefix turns ::ffff:10.0.0.0/104 into 10.0.0.0/8, so an IPv4 range written either way
// matches the IPv4 addresses peers are read as.
func unmapPrefix(p netip.Prefix) netip.Prefix {
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p
}

// String lists the ranges as ParseProxies reads them.
func (ps Proxies) String() string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}

// Trusts says whether a is a trusted proxy's address.
func (ps Proxies) Trusts(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Peer is the TCP peer of a request (invalid when RemoteAddr is not an address, as for a
// request built in a test without one).
func Peer(r *http.Request) netip.Addr {
	return parseHop(r.RemoteAddr)
}

// Client is the address of the client that sent r: the peer, unless the peer is a trusted
// proxy; then, walking X-Forwarded-For from its right end, the first address that is not a
// trusted proxy. When every hop is trusted, the left-most is the client. A hop that is not an
// address ("unknown", garbage) ends the walk at the trusted proxy that reported it: nothing
// left of it can be believed.
func (ps Proxies) Client(r *http.Request) netip.Addr {
	peer := Peer(r)
	if !peer.IsValid() || !ps.Trusts(peer) {
		return peer
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a := parseHop(hops[i])
		if !a.IsValid() {
			return client
		}
		client = a
		if !ps.Trusts(a) {
			return a
		}
	}
	return client
}

// parseHop reads an address as X-Forwarded-For and RemoteAddr write them: bare, with a port,
// IPv6 in brackets or not.
func parseHop(s string) netip.Addr {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone("")
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone("")
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil {
			return a.Unmap().WithZone("")
		}
	}
	return netip.Addr{}
}

type clientKey struct{}

// client is what Handler found of a request: who sent it, and whether over HTTPS.
type client struct {
	addr  netip.Addr
	https bool
}

// Handler finds each request's client once, for From and HTTPS to return to every handler
// after it.
func (ps Proxies) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := client{ps.Client(r), ps.HTTPS(r)}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientKey{}, c)))
	})
}

// From is the client of a request that went through Handler, or else its TCP peer.
func From(r *http.Request) netip.Addr {
	if c, ok := r.Context().Value(clientKey{}).(client); ok {
		return c.addr
	}
	return Peer(r)
}

// HTTPS says whether the client reached the desk over HTTPS: the request came over TLS, or
// the peer is a trusted proxy whose X-Forwarded-Proto says "https" (the first proxy's word,
// left-most). Anyone else can write that header, so it is ignored from them: an untrusted
// peer's "https" would mark cookies Secure and build links as https on a plain-HTTP desk.
func (ps Proxies) HTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if !ps.Trusts(Peer(r)) {
		return false
	}
	first, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(first), "https")
}

// HTTPS is Proxies.HTTPS of a request that went through Handler; of any other, whether it came
// over TLS.
func HTTPS(r *http.Request) bool {
	if c, ok := r.Context().Value(clientKey{}).(client); ok {
		return c.https
	}
	return r.TLS != nil
}

// String is a client address for a log line: "unknown" when there is none.
func String(a netip.Addr) string {
	if !a.IsValid() {
		return "unknown"
	}
	return a.String()
}

// Key is a client address as limits count it: an IPv4 address whole, an IPv6 address by its
// /64 network, since one household or server is given a /64 and can pick any address in it.
func Key(a netip.Addr) string {
	switch {
	case !a.IsValid():
		return "unknown"
	case a.Is6():
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
