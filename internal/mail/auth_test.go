package mail_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/mail"
)

// signer makes a DKIM key for domain and returns its signer and the TXT record that publishes it.
func signer(t *testing.T, domain string) (*mail.DKIM, string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	d, err := mail.NewDKIM(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), domain, "sel")
	if err != nil {
		t.Fatal(err)
	}
	return d, "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)
}

func msg(from string, extra ...string) []byte {
	return []byte(strings.Join(append(extra, "From: "+from, "To: support@desk.test", "Subject: Invoice K-42",
		"Message-ID: <m1@example.com>", "Date: Mon, 23 Nov 2026 10:00:00 +0000", "", "Please pay to the new account."), "\r\n") + "\r\n")
}

// TestAuthenticate judges senders the way DMARC does, and without DNS as the contract says: a
// mail whose envelope domain differs from its From: domain and that carries no passing DKIM
// signature of the From: domain is an unverified sender; a lookup that fails does not by itself
// make one.
func TestAuthenticate(t *testing.T) {
	ctx := context.Background()
	exampleKey, exampleTXT := signer(t, "example.com")
	otherKey, otherTXT := signer(t, "mailer.net")
	sign := func(d *mail.DKIM, raw []byte) []byte {
		t.Helper()
		out, err := d.Sign(raw)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	public, elsewhere := net.ParseIP("192.0.2.10"), net.ParseIP("198.51.100.7")
	dns := mail.Records{TXT: map[string][]string{
		"sel._domainkey.example.com": {exampleTXT},
		"sel._domainkey.mailer.net":  {otherTXT},
		"example.com":                {"v=spf1 ip4:192.0.2.10 -all"},
		"soft.example":               {"v=spf1 ip4:192.0.2.10 ~all"},
		"strict.example":             {"v=spf1 ip4:192.0.2.10 -all"},
		"_dmarc.strict.example":      {"v=DMARC1; p=reject; aspf=s"},
		"_dmarc.dmarc.example":       {"v=DMARC1; p=quarantine"},
	}}
	signed := sign(exampleKey, msg("Mari <mari@example.com>"))
	for _, tc := range []struct {
		name            string
		a               mail.Authenticator
		d               mail.Delivery
		from            string
		aligned, unverf bool
	}{
		{"no DNS: envelope and From: agree", mail.Authenticator{}, mail.Delivery{From: "mari@example.com", RemoteIP: public, Raw: msg("mari@example.com")},
			"mari@example.com", false, false},
		{"no DNS: envelope of another domain (the contract)", mail.Authenticator{}, mail.Delivery{From: "eve@attacker.test", RemoteIP: public, Raw: msg("mari@example.com")},
			"mari@example.com", false, true},
		{"no DNS: a bounce (empty envelope)", mail.Authenticator{}, mail.Delivery{From: "", Raw: msg("mari@example.com")},
			"mari@example.com", false, true},
		{"a passing DKIM signature of the From: domain, any envelope", mail.Authenticator{Resolver: dns},
			mail.Delivery{From: "bounce@esp.test", RemoteIP: public, Raw: signed}, "mari@example.com", true, false},
		{"a DKIM signature of another domain", mail.Authenticator{Resolver: dns},
			mail.Delivery{From: "bounce@esp.test", RemoteIP: elsewhere, Raw: sign(otherKey, msg("mari@example.com"))}, "mari@example.com", false, true},
		{"a signature broken by a changed text", mail.Authenticator{Resolver: dns},
			mail.Delivery{From: "eve@attacker.test", RemoteIP: elsewhere, Raw: bytes.Replace(signed, []byte("new account"), []byte("NEW ACCOUNT"), 1)},
			"mari@example.com", false, true},
		{"SPF passes for the From: domain", mail.Authenticator{Resolver: dns},
			mail.Delivery{From: "mari@example.com", RemoteIP: public, Helo: "mx.example.com", Raw: msg("mari@example.com")}, "mari@example.com", true, false},
		{"SPF passes for a subdomain envelope (relaxed)", mail.Authenticator{Resolver: mail.Records{TXT: map[string][]string{
			"bounces.example.com": {"v=spf1 ip4:192.0.2.10 -all"}}}},
			mail.Delivery{From: "b@bounces.example.com", RemoteIP: public, Raw: msg("mari@example.com")}, "mari@example.com", true, false},
		{"SPF fails for the From: domain", mail.Authenticator{Resolver: dns},
			mail.Delivery{From: "mari@example.com", RemoteIP: elsewhere, Raw: msg("mari@example.com")}, "mari@example.com", false, true},
		{"SPF soft-fails", mail.Authenticator{Resolver: dns},
			mail.Delivery{From: "a@soft.example", RemoteIP: elsewhere, Raw: msg("a@soft.example")}, "a@soft.example", false, true},
		{"SPF fails, but the client is this machine's relay (not checked)", mail.Authenticator{Resolver: dns},
			mail.Delivery{From: "mari@example.com", RemoteIP: net.ParseIP("127.0.0.1"), Raw: msg("mari@example.com")}, "mari@example.com", false, false},
		{"DMARC published, nothing passes", mail.Authenticator{Resolver: dns},
			mail.Delivery{From: "a@dmarc.example", RemoteIP: elsewhere, Raw: msg("a@dmarc.example")}, "a@dmarc.example", false, true},
		{"DMARC strict SPF alignment, subdomain envelope", mail.Authenticator{Resolver: mail.Records{TXT: map[string][]string{
			"_dmarc.strict.example": {"v=DMARC1; p=reject; aspf=s"}, "b.strict.example": {"v=spf1 ip4:192.0.2.10 -all"}}}},
			mail.Delivery{From: "x@b.strict.example", RemoteIP: public, Raw: msg("a@strict.example")}, "a@strict.example", false, true},
		{"DMARC of the organisational domain for a subdomain", mail.Authenticator{Resolver: mail.Records{TXT: map[string][]string{
			"_dmarc.example.org": {"v=DMARC1; p=none; sp=reject"}}}},
			mail.Delivery{From: "x@shop.example.org", RemoteIP: elsewhere, Raw: msg("x@shop.example.org")}, "x@shop.example.org", false, true},
		{"the upstream's Authentication-Results, trusted", mail.Authenticator{TrustAuthServID: "mx.desk.test"},
			mail.Delivery{From: "bounce@esp.test", Raw: msg("mari@example.com",
				"Authentication-Results: mx.desk.test; spf=pass smtp.mailfrom=bounce@esp.test; dkim=pass header.d=example.com; dmarc=pass header.from=example.com")},
			"mari@example.com", true, false},
		{"the upstream says DMARC fails", mail.Authenticator{TrustAuthServID: "mx.desk.test"},
			mail.Delivery{From: "mari@example.com", Raw: msg("mari@example.com",
				"Authentication-Results: mx.desk.test; spf=softfail smtp.mailfrom=mari@example.com; dkim=none; dmarc=fail header.from=example.com")},
			"mari@example.com", false, true},
		{"an Authentication-Results the sender wrote itself", mail.Authenticator{TrustAuthServID: "mx.desk.test"},
			mail.Delivery{From: "eve@attacker.test", Raw: msg("mari@example.com",
				"Authentication-Results: mx.attacker.test; dkim=pass header.d=example.com; dmarc=pass header.from=example.com")},
			"mari@example.com", false, true},
		{"no From: address", mail.Authenticator{}, mail.Delivery{From: "x@example.com", Raw: msg("undisclosed")}, "", false, true},
	} {
		got := tc.a.Check(ctx, tc.d, tc.from)
		if got.Aligned != tc.aligned || got.Unverified != tc.unverf {
			t.Errorf("%s: aligned %v, unverified %v (%s; %+v), want %v, %v", tc.name, got.Aligned, got.Unverified, got.Reason, got, tc.aligned, tc.unverf)
		}
	}
}

// TestAuthData: what the record keeps of a verdict.
func TestAuthData(t *testing.T) {
	a := mail.Auth{FromDomain: "example.com", EnvelopeDomain: "esp.test", SPF: "none", By: "kept", Unverified: true, Reason: "r",
		DKIM: []mail.DKIMResult{{Domain: "mailer.net", Result: "pass"}}}
	d := a.Data()
	if d.Verified || d.SPF != "none" || d.EnvelopeDomain != "esp.test" || len(d.DKIM) != 1 || d.DKIM[0] != "mailer.net=pass" {
		t.Errorf("data %v", d)
	}
}
