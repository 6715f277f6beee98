package mail

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"net/textproto"
	"strings"
	"time"

	"blitiri.com.ar/go/spf"
	"github.com/emersion/go-msgauth/authres"
	"github.com/emersion/go-msgauth/dkim"
	"github.com/emersion/go-msgauth/dmarc"
	"golang.org/x/net/publicsuffix"

	"github.com/keptdesk/kept/internal/desk"
)

// Who sent a mail. Anyone can write any From:; SPF (RFC 7208) says whether the connecting
// server may send for the envelope sender's domain, DKIM (RFC 6376) whether a domain signed
// the mail, and DMARC (RFC 7489) ties them to the From: domain: the From: is authenticated
// ("aligned") when SPF passes for an envelope domain that is the From: domain's (or shares its
// organisational domain), or a DKIM signature of such a domain verifies.
//
// Where nothing authenticates the mail, it is still taken as the From:'s unless something
// speaks against it: the envelope sender's domain is another organisation's, SPF fails, or the
// From: domain publishes a DMARC policy (so its mail is meant to authenticate) and the checks
// could be made. A mail without answers from DNS (a test machine) is so judged by its envelope
// and any DKIM signature the resolver can verify.

// Resolver is the DNS the checks ask (a *net.Resolver does). Tests give one with fixed answers.
type Resolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
	LookupMX(ctx context.Context, name string) ([]*net.MX, error)
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
	LookupAddr(ctx context.Context, addr string) ([]string, error)
}

// Authenticator checks where mail comes from.
type Authenticator struct {
	// Resolver answers the checks' lookups; nil answers none (as without DNS).
	Resolver Resolver
	// TrustAuthServID, when set, takes the checks from the topmost Authentication-Results
	// header (RFC 8601) with this authserv-id, added by the desk's own MTA in front of it,
	// instead of making them here. That MTA must remove such headers that arrive from outside.
	TrustAuthServID string
	// Timeout bounds all the lookups for one mail (20 s, RFC 7208's suggestion for SPF).
	Timeout time.Duration
}

// Auth is what the checks found about a mail's sender.
type Auth struct {
	FromDomain     string
	EnvelopeDomain string
	SPF            string       // pass, fail, softfail, neutral, none, temperror, permerror; "" when not checked
	DKIM           []DKIMResult // one per signature
	DMARC          string       // the From: domain's published policy (none, quarantine, reject); "" when none was found
	By             string       // who checked: "kept", or the trusted authserv-id
	Aligned        bool         // authenticated: SPF or a DKIM signature passed for the From: domain (DMARC alignment)
	Unverified     bool         // the desk must not take the From: as the sender
	Reason         string       // why, in a few words
}

// DKIMResult is one signature's result.
type DKIMResult struct {
	Domain string
	Result string // pass, fail, temperror, permerror
}

// Data is the verdict as a record entry keeps it.
func (a Auth) Data() desk.MailAuth {
	d := desk.MailAuth{FromDomain: a.FromDomain, By: a.By, Aligned: a.Aligned, Verified: !a.Unverified,
		EnvelopeDomain: a.EnvelopeDomain, SPF: a.SPF, DMARC: a.DMARC, Reason: a.Reason}
	if len(a.DKIM) > 0 {
		d.DKIM = make([]string, len(a.DKIM))
		for i, s := range a.DKIM {
			d.DKIM[i] = s.Domain + "=" + s.Result
		}
	}
	return d
}

// Check judges a delivery whose From: address is from ("" when it has none).
func (au *Authenticator) Check(ctx context.Context, d Delivery, from string) Auth {
	timeout := au.Timeout
	if timeout <= 0 {
		timeout = 20 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	a := Auth{FromDomain: domainOf(from), EnvelopeDomain: domainOf(d.From), By: "kept"}
	if a.EnvelopeDomain == "" && d.From == "" && d.Helo != "" && d.RemoteIP != nil {
		a.EnvelopeDomain = strings.ToLower(d.Helo) // a bounce: SPF checks the greeting's name
	}
	r := au.Resolver
	if r == nil {
		r = Records{}
	}
	upstream, trusted := "", false
	if au.TrustAuthServID != "" {
		upstream, trusted = au.trusted(d.Raw, &a)
	}
	if !trusted {
		a.SPF = checkSPF(ctx, r, d)
		a.DKIM = checkDKIM(ctx, r, d.Raw)
	}
	spfChecked := a.SPF != "" && a.SPF != "temperror"
	var policy *dmarc.Record
	if spfChecked || a.dkimPassed() {
		// Without either, the policy could change nothing: it is not looked up.
		if policy = lookupDMARC(ctx, r, a.FromDomain); policy != nil {
			a.DMARC = string(policy.Policy)
		}
	}
	a.judge(policy, spfChecked)
	// The upstream's own DMARC result has the last word where it has one.
	switch {
	case upstream == "pass" && !a.Aligned:
		a.Aligned, a.Unverified, a.Reason = true, false, "DMARC passes ("+a.By+")"
	case upstream == "fail" && !a.Aligned:
		a.Unverified, a.Reason = true, "DMARC fails ("+a.By+")"
	}
	return a
}

func (a *Auth) dkimPassed() bool {
	for _, s := range a.DKIM {
		if s.Result == "pass" {
			return true
		}
	}
	return false
}

// judge decides Aligned and Unverified from what was found.
func (a *Auth) judge(policy *dmarc.Record, spfChecked bool) {
	strictSPF := policy != nil && policy.SPFAlignment == dmarc.AlignmentStrict
	strictDKIM := policy != nil && policy.DKIMAlignment == dmarc.AlignmentStrict
	envelopeAligned := aligned(a.EnvelopeDomain, a.FromDomain, strictSPF)
	switch {
	case a.FromDomain == "":
		a.Unverified, a.Reason = true, "no From: address"
		return
	case a.SPF == "pass" && envelopeAligned:
		a.Aligned, a.Reason = true, "SPF passes for the From: domain"
		return
	}
	for _, s := range a.DKIM {
		if s.Result == "pass" && aligned(s.Domain, a.FromDomain, strictDKIM) {
			a.Aligned, a.Reason = true, "a DKIM signature of the From: domain verifies"
			return
		}
	}
	switch {
	case !aligned(a.EnvelopeDomain, a.FromDomain, false):
		a.Unverified, a.Reason = true, "the envelope sender's domain is not the From: domain's, and no DKIM signature of the From: domain verifies"
	case spfChecked && (a.SPF == "fail" || a.SPF == "softfail"):
		a.Unverified, a.Reason = true, "SPF "+a.SPF+" for the envelope sender's domain"
	case spfChecked && policy != nil:
		a.Unverified, a.Reason = true, "the From: domain publishes DMARC, and no SPF or DKIM pass is aligned with it"
	default:
		a.Reason = "not authenticated, but the envelope sender agrees with the From: and nothing contradicts it"
	}
}

// trusted reads the checks from the topmost Authentication-Results header with the trusted
// authserv-id, and returns its DMARC result; false when there is none (the checks are then
// made here).
func (au *Authenticator) trusted(raw []byte, a *Auth) (dmarcResult string, ok bool) {
	for _, v := range headerValues(raw, "Authentication-Results") {
		id, results, err := authres.Parse(v)
		if err != nil || !strings.EqualFold(id, au.TrustAuthServID) {
			continue
		}
		a.By = id
		for _, r := range results {
			switch r := r.(type) {
			case *authres.SPFResult:
				a.SPF = string(r.Value)
				if r.Value == authres.ResultHardFail {
					a.SPF = "fail"
				}
				if d := domainOf(r.From); d != "" {
					a.EnvelopeDomain = d
				} else if r.From != "" && !strings.Contains(r.From, "@") {
					a.EnvelopeDomain = strings.ToLower(r.From)
				}
			case *authres.DKIMResult:
				if r.Value == authres.ResultNone {
					continue // no signature
				}
				dom := strings.ToLower(r.Domain)
				if dom == "" {
					dom = domainOf(r.Identifier)
				}
				a.DKIM = append(a.DKIM, DKIMResult{Domain: dom, Result: string(r.Value)})
			case *authres.DMARCResult:
				dmarcResult = string(r.Value)
			}
		}
		return dmarcResult, true
	}
	return "", false
}

// checkSPF checks the connecting server against the envelope domain's SPF record. It is not
// checked ("") without a client address, or when the client is on this machine or a private
// network: a relay of the desk's own, whose right to send for the domain says nothing.
func checkSPF(ctx context.Context, r Resolver, d Delivery) string {
	ip := d.RemoteIP
	if ip == nil || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() {
		return ""
	}
	res, _ := spf.CheckHostWithSender(ip, d.Helo, strings.Trim(d.From, "<>"), spf.WithResolver(r), spf.WithContext(ctx))
	return string(res)
}

// maxSignatures bounds the DKIM signatures verified for one mail (each may cost a lookup).
const maxSignatures = 5

func checkDKIM(ctx context.Context, r Resolver, raw []byte) []DKIMResult {
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{
		LookupTXT:        func(name string) ([]string, error) { return r.LookupTXT(ctx, name) },
		MaxVerifications: maxSignatures,
	})
	if err != nil && !errors.Is(err, dkim.ErrTooManySignatures) {
		return nil
	}
	out := make([]DKIMResult, 0, len(vs))
	for _, v := range vs {
		res := "pass"
		switch {
		case v.Err == nil:
		case dkim.IsTempFail(v.Err):
			res = "temperror"
		case dkim.IsPermFail(v.Err):
			res = "permerror"
		default:
			res = "fail"
		}
		out = append(out, DKIMResult{Domain: strings.ToLower(v.Domain), Result: res})
	}
	return out
}

// lookupDMARC finds the From: domain's DMARC record, or its organisational domain's (RFC 7489
// 6.6.3), nil when there is none or it cannot be had.
func lookupDMARC(ctx context.Context, r Resolver, domain string) *dmarc.Record {
	if domain == "" {
		return nil
	}
	opts := &dmarc.LookupOptions{LookupTXT: func(name string) ([]string, error) { return r.LookupTXT(ctx, name) }}
	rec, err := dmarc.LookupWithOptions(domain, opts)
	if err == nil {
		return rec
	}
	if org := orgDomain(domain); errors.Is(err, dmarc.ErrNoPolicy) && org != domain {
		if rec, err := dmarc.LookupWithOptions(org, opts); err == nil {
			if rec.SubdomainPolicy != "" {
				rec.Policy = rec.SubdomainPolicy
			}
			return rec
		}
	}
	return nil
}

// aligned reports whether a domain that passed a check speaks for the From: domain: the same
// domain (strict), or the same organisational domain (relaxed).
func aligned(domain, from string, strict bool) bool {
	if domain == "" || from == "" {
		return false
	}
	if domain == from {
		return true
	}
	return !strict && orgDomain(domain) == orgDomain(from)
}

// orgDomain is a domain's organisational domain: one label below its public suffix.
func orgDomain(domain string) string {
	if org, err := publicsuffix.EffectiveTLDPlusOne(domain); err == nil {
		return org
	}
	return domain
}

// domainOf is the lower-cased domain of an address ("" when it has none).
func domainOf(addr string) string {
	addr = strings.Trim(strings.TrimSpace(addr), "<>")
	at := strings.LastIndexByte(addr, '@')
	if at < 0 || at == len(addr)-1 {
		return ""
	}
	return strings.TrimSuffix(strings.ToLower(addr[at+1:]), ".")
}

// headerValues returns the values of a header field of the message's own header, topmost first.
func headerValues(raw []byte, name string) []string {
	head := raw
	if end := bytes.Index(raw, []byte("\r\n\r\n")); end >= 0 {
		head = raw[:end+4]
	} else if end := bytes.Index(raw, []byte("\n\n")); end >= 0 {
		head = raw[:end+2]
	}
	h, _ := textproto.NewReader(bufio.NewReader(bytes.NewReader(head))).ReadMIMEHeader()
	return h.Values(name)
}

// Records is a Resolver with fixed answers (no DNS): what is not in it does not exist. Tests
// use it, and a desk with no resolver checks as if DNS answered nothing.
type Records struct {
	TXT map[string][]string  // by name, e.g. "kept._domainkey.example.com"
	IP  map[string][]net.IP  // A and AAAA records by host name
	MX  map[string][]*net.MX // by domain
}

func notFound(name string) error {
	return &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

func (r Records) LookupTXT(_ context.Context, name string) ([]string, error) {
	if v, ok := r.TXT[strings.TrimSuffix(strings.ToLower(name), ".")]; ok {
		return v, nil
	}
	return nil, notFound(name)
}

func (r Records) LookupMX(_ context.Context, name string) ([]*net.MX, error) {
	if v, ok := r.MX[strings.TrimSuffix(strings.ToLower(name), ".")]; ok {
		return v, nil
	}
	return nil, notFound(name)
}

func (r Records) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	ips, ok := r.IP[strings.TrimSuffix(strings.ToLower(host), ".")]
	if !ok {
		return nil, notFound(host)
	}
	out := make([]net.IPAddr, len(ips))
	for i, ip := range ips {
		out[i] = net.IPAddr{IP: ip}
	}
	return out, nil
}

func (r Records) LookupAddr(_ context.Context, addr string) ([]string, error) {
	return nil, notFound(addr)
}
