package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// Single sign-on with OpenID Connect: the authorization-code flow with PKCE, a state that ties
// the provider's answer to the browser that asked, and a nonce that ties the ID token to it;
// the ID token's signature, issuer, audience and expiry are checked (go-oidc) before its
// verified email address is matched to an agent (service.SignInWithSSO).

// SSOOptions set up single sign-on; it is off while Issuer is empty.
type SSOOptions struct {
	Issuer       string // the provider's issuer URL; its discovery document is read from it
	ClientID     string
	ClientSecret string
	Name         string // shown on the button: "Sign in with Name"
	CreateAgents bool   // an address no agent has becomes a new agent (off: refused)
}

// ssoCookie carries the flow's state, nonce and PKCE verifier, and where to go afterwards,
// between the redirect to the provider and its answer.
const ssoCookie = "kept_sso"

// ssoFlowLength is how long a browser may stay at the provider.
const ssoFlowLength = 10 * time.Minute

// sso is the provider, discovered on first use, so a provider that is down at start does not
// stop the desk (password sign-in goes on).
type sso struct {
	opts     SSOOptions
	mu       sync.Mutex
	provider *oidc.Provider
}

// ssoName is the provider's name for the sign-in button, "" when single sign-on is off.
func (s *Server) ssoName() string {
	if s.sso == nil {
		return ""
	}
	return s.sso.opts.Name
}

// config is the OAuth 2 client for a request (the callback on the desk's own address).
func (s *Server) ssoConfig(r *request) (*oidc.Provider, *oauth2.Config, error) {
	s.sso.mu.Lock()
	defer s.sso.mu.Unlock()
	if s.sso.provider == nil {
		p, err := oidc.NewProvider(r.Context(), s.sso.opts.Issuer)
		if err != nil {
			return nil, nil, fmt.Errorf("discover the identity provider %s: %w", s.sso.opts.Issuer, err)
		}
		s.sso.provider = p
	}
	p := s.sso.provider
	return p, &oauth2.Config{ClientID: s.sso.opts.ClientID, ClientSecret: s.sso.opts.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: s.baseURL(r) + "/login/sso/callback", Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}, nil
}

func randomValue() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand does not fail on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *Server) ssoStart(w http.ResponseWriter, r *request) error {
	if s.sso == nil {
		return desk.NotFound("page", r.URL.Path)
	}
	_, cfg, err := s.ssoConfig(r)
	if err != nil {
		s.log.Error("single sign-on unavailable", "err", err)
		return s.ssoRefused(w, r, http.StatusBadGateway, "sso.unavailable")
	}
	state, nonce, verifier := randomValue(), randomValue(), oauth2.GenerateVerifier()
	next := localPath(r.URL.Query().Get("next"), "/inbox")
	s.setCookie(w, r.Request, ssoCookie, strings.Join([]string{state, nonce, verifier, base64.RawURLEncoding.EncodeToString([]byte(next))}, "."), ssoFlowLength)
	http.Redirect(w, r.Request, cfg.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), http.StatusFound)
	return nil
}

// ssoRefused shows the sign-in page with why single sign-on did not sign in.
func (s *Server) ssoRefused(w http.ResponseWriter, r *request, status int, key string, args ...any) error {
	return s.render(w, r, status, "login", view{Title: r.T("login.title"),
		Data: loginData{Next: "/inbox", Error: r.T(key, args...), SSO: s.ssoName()}})
}

func (s *Server) ssoCallback(w http.ResponseWriter, r *request) error {
	if s.sso == nil {
		return desk.NotFound("page", r.URL.Path)
	}
	q := r.URL.Query()
	c, err := r.Cookie(ssoCookie)
	s.clearCookie(w, r.Request, ssoCookie) // a flow is answered once
	var parts []string
	if err == nil {
		parts = strings.Split(c.Value, ".")
	}
	if len(parts) != 4 || q.Get("state") == "" || subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(parts[0])) != 1 {
		s.log.Warn("single sign-on refused: the answer's state is not this browser's", "remote", clientIP(r.Request))
		return s.ssoRefused(w, r, http.StatusBadRequest, "sso.state")
	}
	nonce, verifier := parts[1], parts[2]
	next := "/inbox"
	if b, err := base64.RawURLEncoding.DecodeString(parts[3]); err == nil {
		next = localPath(string(b), next)
	}
	if e := q.Get("error"); e != "" {
		s.log.Info("single sign-on: the provider said no", "error", e, "description", q.Get("error_description"))
		return s.ssoRefused(w, r, http.StatusUnauthorized, "sso.denied")
	}
	p, cfg, err := s.ssoConfig(r)
	if err != nil {
		s.log.Error("single sign-on unavailable", "err", err)
		return s.ssoRefused(w, r, http.StatusBadGateway, "sso.unavailable")
	}
	tok, err := cfg.Exchange(r.Context(), q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		s.log.Warn("single sign-on: the code was not exchanged", "err", err)
		return s.ssoRefused(w, r, http.StatusBadGateway, "sso.failed")
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := p.Verifier(&oidc.Config{ClientID: cfg.ClientID}).Verify(r.Context(), raw)
	if err != nil {
		s.log.Warn("single sign-on: the ID token does not hold", "err", err)
		return s.ssoRefused(w, r, http.StatusUnauthorized, "sso.failed")
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		s.log.Warn("single sign-on refused: the ID token's nonce is not this browser's", "remote", clientIP(r.Request))
		return s.ssoRefused(w, r, http.StatusUnauthorized, "sso.failed")
	}
	var claims struct {
		Email    string `json:"email"`
		Verified any    `json:"email_verified"` // a boolean; some providers send "true"
		Name     string `json:"name"`
	}
	if err := idt.Claims(&claims); err != nil {
		s.log.Warn("single sign-on: the ID token's claims do not read", "err", err)
		return s.ssoRefused(w, r, http.StatusUnauthorized, "sso.failed")
	}
	verified := claims.Verified == true || claims.Verified == "true"
	sess, err := s.svc.SignInWithSSO(r.Context(), service.SSOIdentity{Email: claims.Email, Verified: verified, Name: claims.Name}, s.sso.opts.CreateAgents)
	if e, ok := desk.AsError(err); ok && e.Kind == desk.KindForbidden {
		s.log.Info("single sign-on refused", "email", claims.Email, "why", e.Code, "remote", clientIP(r.Request))
		return s.ssoRefused(w, r, http.StatusForbidden, "sso."+e.Code, claims.Email)
	} else if err != nil {
		return err
	}
	s.startBrowserSession(w, r, sess, service.AgentSessionLength)
	s.log.Info("signed in with single sign-on", "agent", sess.Actor.ID, "remote", clientIP(r.Request))
	http.Redirect(w, r.Request, next, http.StatusSeeOther)
	return nil
}
