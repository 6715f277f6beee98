package web_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store/storetest"
	"github.com/keptdesk/kept/internal/web"
)

// testIdP is a small OpenID Connect provider on loopback: a discovery document, its signing
// key (JWKS), an authorization endpoint that signs in whoever the test says and a token
// endpoint that checks the client, the code, its redirect and the PKCE verifier before it
// signs an RS256 ID token.
type testIdP struct {
	t      *testing.T
	URL    string
	key    *rsa.PrivateKey
	mu     sync.Mutex
	grants map[string]idpGrant
	// Who signs in at the provider next, and what the ID token says.
	email    string
	verified bool
	nonce    string // set: the ID token carries this nonce instead of the one asked for
}

type idpGrant struct {
	nonce, challenge, redirect string
}

const (
	idpClient = "kept-desk"
	idpSecret = "provider secret"
)

func newTestIdP(t *testing.T) *testIdP {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &testIdP{t: t, key: key, grants: map[string]idpGrant{}, verified: true}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"issuer": p.URL, "authorization_endpoint": p.URL + "/authorize", "token_endpoint": p.URL + "/token",
			"jwks_uri": p.URL + "/jwks", "response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"}, "code_challenge_methods_supported": []string{"S256"}})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"keys": []map[string]string{{"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256",
			"n": b64(key.N.Bytes()), "e": b64(big.NewInt(int64(key.E)).Bytes())}}})
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("client_id") != idpClient || q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" ||
			q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" || !strings.Contains(q.Get("scope"), "openid") {
			http.Error(w, "bad authorization request: "+r.URL.RawQuery, http.StatusBadRequest)
			return
		}
		code := b64([]byte(time.Now().String() + q.Get("state")))
		p.mu.Lock()
		p.grants[code] = idpGrant{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
		p.mu.Unlock()
		to, _ := url.Parse(q.Get("redirect_uri"))
		to.RawQuery = url.Values{"code": {code}, "state": {q.Get("state")}}.Encode()
		http.Redirect(w, r, to.String(), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
		}
		if u, err := url.QueryUnescape(id); err == nil {
			id = u
		}
		if s, err := url.QueryUnescape(secret); err == nil {
			secret = s
		}
		p.mu.Lock()
		g, found := p.grants[r.PostFormValue("code")]
		delete(p.grants, r.PostFormValue("code")) // a code works once
		p.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
		switch {
		case id != idpClient || secret != idpSecret:
			w.WriteHeader(http.StatusUnauthorized)
			writeJSON(w, map[string]string{"error": "invalid_client"})
			return
		case !found || r.PostFormValue("grant_type") != "authorization_code" || r.PostFormValue("redirect_uri") != g.redirect || b64(sum[:]) != g.challenge:
			w.WriteHeader(http.StatusBadRequest)
			writeJSON(w, map[string]string{"error": "invalid_grant"})
			return
		}
		nonce := g.nonce
		if p.nonce != "" {
			nonce = p.nonce
		}
		now := time.Now() // the desk checks expiry by the real clock
		claims := map[string]any{"iss": p.URL, "sub": "user-" + p.email, "aud": idpClient, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
			"nonce": nonce, "email": p.email, "email_verified": p.verified, "name": "Someone " + p.email}
		writeJSON(w, map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": p.sign(claims)})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// sign makes a compact JWS (RS256) of the claims.
func (p *testIdP) sign(claims map[string]any) string {
	head, _ := json.Marshal(map[string]string{"alg": "RS256", "kid": "k1", "typ": "JWT"})
	body, _ := json.Marshal(claims)
	input := b64(head) + "." + b64(body)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, p.key, crypto.SHA256, sum[:])
	if err != nil {
		p.t.Fatal(err)
	}
	return input + "." + b64(sig)
}

// follow opens a path with a browser that follows redirects (the desk's and the provider's),
// and returns where it ended, its status and body.
func (b *browser) follow(path string) (string, int, string) {
	b.t.Helper()
	c := *b.c
	c.CheckRedirect = nil
	resp, err := c.Get(b.d.URL + path)
	if err != nil {
		b.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.Request.URL.Path, resp.StatusCode, string(body)
}

// Issue 16, item 5: single sign-on with OpenID Connect. The sign-in page offers "Sign in with
// <name>"; the browser goes to the provider and back through real redirects (code flow, PKCE,
// state, nonce) and lands in the inbox with the same session a password gives. An address no
// agent has, an unverified one, a deactivated agent, a forged nonce and a state that is not
// the browser's are refused.
func TestSingleSignOn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		idp := newTestIdP(t)
		d := newDeskWith(t, backend, web.Options{Zone: time.UTC, SSO: web.SSOOptions{Issuer: idp.URL, ClientID: idpClient, ClientSecret: idpSecret, Name: "Testcorp"}})
		ann := caseAgent(t, d, "Ann Tamm", "ann@example.com", "Care")

		b := d.browser()
		b.get("/login").mustContain(t, "Sign in with Testcorp", `href="/login/sso?next=%2finbox"`)
		idp.email = "Ann@Example.com"
		at, status, body := b.follow("/login/sso?next=/availability")
		if at != "/availability" || status != http.StatusOK {
			t.Fatalf("single sign-on ended at %s (%d):\n%s", at, status, body)
		}
		if !strings.Contains(body, "Ann Tamm") {
			t.Fatalf("signed in, the page does not name Ann:\n%s", body)
		}
		if got := b.get("/inbox"); got.Status != http.StatusOK {
			t.Fatalf("after single sign-on the inbox answers %d", got.Status)
		}

		refused := func(what string, wantStatus int, wantText string) {
			t.Helper()
			c := d.browser()
			at, status, body := c.follow("/login/sso")
			if at != "/login/sso/callback" || status != wantStatus || !strings.Contains(body, wantText) {
				t.Fatalf("%s: ended at %s with %d, want %d saying %q:\n%s", what, at, status, wantStatus, wantText, body)
			}
			if got := c.get("/inbox"); got.Status == http.StatusOK {
				t.Fatalf("%s: the browser is signed in", what)
			}
		}
		idp.email = "nobody@example.com"
		refused("an address no agent has", http.StatusForbidden, "No agent of this desk has the address nobody@example.com")
		idp.email, idp.verified = "ann@example.com", false
		refused("an unverified address", http.StatusForbidden, "has not verified the address ann@example.com")
		idp.verified, idp.nonce = true, "a nonce of another sign-in"
		refused("a forged nonce", http.StatusUnauthorized, "could not be checked")
		idp.nonce = ""

		// A state that is not this browser's: the provider's answer taken to another browser,
		// or with its state changed, is refused before the code is used.
		c := d.browser()
		start := c.get("/login/sso")
		if start.Status != http.StatusFound || !strings.HasPrefix(start.Location, idp.URL+"/authorize?") {
			t.Fatalf("start: %d %s", start.Status, start.Location)
		}
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Get(start.Location)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		back, _ := url.Parse(resp.Header.Get("Location"))
		if p := d.browser().get(back.RequestURI()); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "did not start in this browser") {
			t.Fatalf("the answer in another browser: %d\n%s", p.Status, p.Body)
		}
		q := back.Query()
		q.Set("state", "forged")
		if p := c.get(back.Path + "?" + q.Encode()); p.Status != http.StatusBadRequest {
			t.Fatalf("a changed state: %d", p.Status)
		}
		if got := c.get("/inbox"); got.Status == http.StatusOK {
			t.Fatal("a changed state signed in")
		}

		// A deactivated agent is refused, and single sign-on never creates one by default.
		if _, err := d.Svc.SetAgentActive(context.Background(), desk.AgentActor(d.Admin), ann.ID, false); err != nil {
			t.Fatal(err)
		}
		refused("a deactivated agent", http.StatusForbidden, "has been deactivated")

		// Estonian.
		e := d.browser()
		req, _ := http.NewRequest(http.MethodGet, d.URL+"/login", nil)
		req.Header.Set("Accept-Language", "et")
		resp, err = e.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		et, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(et), "Logi sisse: Testcorp") {
			t.Fatalf("the Estonian sign-in page:\n%s", et)
		}
	})
}

// With --oidc-create-agents, a verified address no agent has becomes an agent.
func TestSingleSignOnCreatesAgents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		idp := newTestIdP(t)
		d := newDeskWith(t, backend, web.Options{Zone: time.UTC, SSO: web.SSOOptions{Issuer: idp.URL, ClientID: idpClient, ClientSecret: idpSecret, CreateAgents: true}})
		idp.email = "new@example.com"
		b := d.browser()
		b.get("/login").mustContain(t, "Sign in with single sign-on")
		if at, status, body := b.follow("/login/sso"); at != "/inbox" || status != http.StatusOK || !strings.Contains(body, "Someone new@example.com") {
			t.Fatalf("ended at %s (%d):\n%s", at, status, body)
		}
	})
}
