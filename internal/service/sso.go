package service

import (
	"context"
	"strings"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// Single sign-on: an identity provider (OpenID Connect) has proved who the person is; the desk
// matches the address it verified to an active agent and starts the same session a password
// would. The provider's own second factor stands in for the desk's.

// Why a single sign-on is refused.
var (
	errSSOUnverified = &desk.Error{Kind: desk.KindForbidden, Code: "sso_unverified", Message: "the identity provider has not verified this email address"}
	errSSOUnknown    = &desk.Error{Kind: desk.KindForbidden, Code: "sso_unknown", Message: "no agent of the desk has this email address"}
	errSSOInactive   = &desk.Error{Kind: desk.KindForbidden, Code: "sso_inactive", Message: "this agent has been deactivated"}
)

// SSOIdentity is who an identity provider says signed in.
type SSOIdentity struct {
	Email    string
	Verified bool // the provider verified the address (the ID token's email_verified)
	Name     string
}

// SignInWithSSO starts a session for the active agent with the identity's verified address.
// With create, an address no agent has becomes a new agent (role agent); without it, and for a
// deactivated agent or a partner user without a firm, the sign-in is refused.
func (s *Service) SignInWithSSO(ctx context.Context, id SSOIdentity, create bool) (Session, error) {
	email := strings.ToLower(strings.TrimSpace(id.Email))
	if email == "" || !id.Verified {
		return Session{}, errSSOUnverified
	}
	if create {
		if _, made, err := s.EnsureAgent(ctx, email, id.Name, desk.RoleAgent); err != nil {
			return Session{}, wrap("sign in with sso", err)
		} else if made {
			s.log.Info("single sign-on created an agent", "email", email)
		}
	}
	var a desk.Agent
	var lang string
	err := s.readTx(ctx, func(tx *store.Tx) error {
		var err error
		if a, err = tx.AgentByEmail(ctx, email); err != nil {
			return err
		}
		lang, err = tx.AgentLang(ctx, a.ID)
		return err
	})
	if store.IsNotFound(err) {
		return Session{}, errSSOUnknown
	} else if err != nil {
		return Session{}, wrap("sign in with sso", err)
	}
	if !a.Active || a.Role == desk.RolePartner && a.PartnerID == 0 {
		return Session{}, errSSOInactive
	}
	return s.startAgentSession(ctx, a, lang, false)
}
