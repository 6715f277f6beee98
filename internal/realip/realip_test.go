package realip_test

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/keptdesk/kept/internal/realip"
)

func TestParseProxies(t *testing.T) {
	ps, err := realip.ParseProxies(" 10.0.0.0/8, 192.168.1.5 ,fd00::/8,::ffff:172.16.0.0/108,")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ps.String(), "10.0.0.0/8,192.168.1.5/32,fd00::/8,172.16.0.0/12"; got != want {
		t.Fatalf("parsed %q, want %q", got, want)
	}
	for _, a := range []string{"10.1.2.3", "192.168.1.5", "fd12::1", "172.31.0.1", "::ffff:10.9.9.9"} {
		if !ps.Trusts(netip.MustParseAddr(a)) {
			t.Errorf("%s is not trusted", a)
		}
	}
	for _, a := range []string{"11.0.0.1", "192.168.1.6", "2001:db8::1", "172.32.0.1"} {
		if ps.Trusts(netip.MustParseAddr(a)) {
			t.Errorf("%s is trusted", a)
		}
	}
	if ps, err := realip.ParseProxies(""); err != nil || len(ps) != 0 {
		t.Errorf("empty list: %v %v", ps, err)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.example", "10.0.0.1:80", "10/8"} {
		if _, err := realip.ParseProxies(bad); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}

// TestClient: the client is the right-most hop that is not a trusted proxy; without trusted
// proxies, or from an untrusted peer, X-Forwarded-For is ignored.
func TestClient(t *testing.T) {
	proxies, err := realip.ParseProxies("10.0.0.0/8, 2001:db8:ffff::/48")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		proxies realip.Proxies
		peer    string
		xff     []string
		want    string
	}{
		{"no trusted proxies: the peer, whatever the header says", nil, "10.0.0.1:5555", []string{"203.0.113.9"}, "10.0.0.1"},
		{"an untrusted peer's header is ignored", proxies, "198.51.100.7:5555", []string{"203.0.113.9"}, "198.51.100.7"},
		{"one proxy", proxies, "10.0.0.1:5555", []string{"203.0.113.9"}, "203.0.113.9"},
		{"a forged hop left of the real one", proxies, "10.0.0.1:5555", []string{"1.1.1.1, 203.0.113.9"}, "203.0.113.9"},
		{"two proxies", proxies, "10.0.0.1:5555", []string{"203.0.113.9, 10.2.3.4"}, "203.0.113.9"},
		{"several headers read as one list", proxies, "10.0.0.1:5555", []string{"1.1.1.1", "203.0.113.9, 10.2.3.4"}, "203.0.113.9"},
		{"a proxy without the header", proxies, "10.0.0.1:5555", nil, "10.0.0.1"},
		{"every hop a proxy: the left-most", proxies, "10.0.0.1:5555", []string{"10.9.9.9, 10.2.3.4"}, "10.9.9.9"},
		{"garbage ends the walk at the proxy that wrote it", proxies, "10.0.0.1:5555", []string{"1.1.1.1, unknown, 10.2.3.4"}, "10.2.3.4"},
		{"hops with ports and brackets", proxies, "10.0.0.1:5555", []string{"[2001:db8::7]:443, 10.2.3.4:80"}, "2001:db8::7"},
		{"IPv6 peer and proxy", proxies, "[2001:db8:ffff::2]:443", []string{"2001:db8:1::5"}, "2001:db8:1::5"},
		{"IPv4 written as IPv6", proxies, "[::ffff:10.0.0.1]:443", []string{"::ffff:203.0.113.9"}, "203.0.113.9"},
	}
	for _, c := range cases {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = c.peer
		for _, v := range c.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := c.proxies.Client(r).String(); got != c.want {
			t.Errorf("%s: client %s, want %s", c.name, got, c.want)
		}
	}
}

// TestHandler: the address found once is what every later handler reads.
func TestHandler(t *testing.T) {
	proxies, _ := realip.ParseProxies("127.0.0.1")
	var got string
	h := proxies.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = realip.String(realip.From(r))
	}))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "127.0.0.1:1234"
	r.Header.Set("X-Forwarded-For", "203.0.113.9")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if got != "203.0.113.9" {
		t.Errorf("through the handler: %s", got)
	}
	if got := realip.String(realip.From(r)); got != "127.0.0.1" {
		t.Errorf("without the handler: %s", got)
	}
	r.RemoteAddr = "pipe"
	if got := realip.String(realip.From(r)); got != "unknown" {
		t.Errorf("no address: %s", got)
	}
}

func TestKey(t *testing.T) {
	if a, b := realip.Key(netip.MustParseAddr("2001:db8:1:2:aaaa::1")), realip.Key(netip.MustParseAddr("2001:db8:1:2:bbbb::9")); a != b || a != "2001:db8:1:2::/64" {
		t.Errorf("one /64: %s and %s", a, b)
	}
	if a := realip.Key(netip.MustParseAddr("203.0.113.9")); a != "203.0.113.9" {
		t.Errorf("IPv4: %s", a)
	}
}

// TestHTTPS: X-Forwarded-Proto counts only from a trusted proxy; anyone else could write it
// (before, any client's "https" marked the session cookie Secure and made links https).
func TestHTTPS(t *testing.T) {
	proxies, _ := realip.ParseProxies("10.0.0.0/8")
	for _, c := range []struct {
		peer, proto string
		tls, want   bool
	}{
		{"203.0.113.9:5000", "https", false, false}, // a client's own word
		{"10.1.2.3:5000", "https", false, true},     // the proxy's
		{"10.1.2.3:5000", "HTTPS, http", false, true},
		{"10.1.2.3:5000", "http", false, false},
		{"10.1.2.3:5000", "", false, false},
		{"203.0.113.9:5000", "", true, true}, // TLS to the desk itself
	} {
		var got bool
		h := proxies.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = realip.HTTPS(r) }))
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = c.peer
		if c.proto != "" {
			r.Header.Set("X-Forwarded-Proto", c.proto)
		}
		if c.tls {
			r.TLS = &tls.ConnectionState{}
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
		if got != c.want || proxies.HTTPS(r) != c.want {
			t.Errorf("peer %s, X-Forwarded-Proto %q, TLS %v: HTTPS %v, want %v", c.peer, c.proto, c.tls, got, c.want)
		}
	}
}
