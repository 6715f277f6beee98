package service

import (
	"context"
	"encoding/json"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// What an admin does for an agent beside editing them: have a password reset link mailed to
// them, and see and revoke their API tokens. Neither ever shows a password or a secret.

// SendPasswordReset has the agent mailed a one-time link to set a new password (an admin, or a
// manager for people below them): the same link, mail and timer an agent who forgot their
// password asks for on the sign-in page (sendPasswordReset), so there is one path. Nobody sees
// a password or the link; the admin log keeps who asked it for whom.
func (s *Service) SendPasswordReset(ctx context.Context, actor desk.Actor, agentID int64, in PortalLinkRequest) (desk.Agent, error) {
	a, err := s.onAgent(ctx, actor, agentID, ActAgentPasswordReset, func(w *work, a *desk.Agent) error {
		if !a.Active || a.Role == desk.RolePartner {
			// The link would set a password nobody signs in with: the mail is not sent
			// (sendPasswordReset refuses them too).
			return desk.Conflict("agent_cannot_reset", "only an active agent of the desk is mailed a password reset link", nil)
		}
		payload, err := json.Marshal(portalLinkAsk{Email: a.Email, Lang: in.Lang, BaseURL: in.BaseURL})
		if err != nil {
			return err
		}
		if _, err := w.tx.AddTimer(w.ctx, store.Timer{Kind: timerPasswordReset, DueAt: w.now, Payload: payload}, w.now); err != nil {
			return err
		}
		w.changed(Event{Timers: true})
		return w.audit(logAgentPasswordReset, a.Email, nil, map[string]any{"reset_link_mailed_to": a.Email})
	})
	return a, wrap("send password reset", err)
}

// AgentTokens lists one agent's API tokens, oldest first, never their secrets: an admin's view
// of anyone's, or an agent's of their own.
func (s *Service) AgentTokens(ctx context.Context, actor desk.Actor, agentID int64) ([]desk.Token, error) {
	if err := gate(actor, ActTokenList); err != nil {
		return nil, err
	}
	if actor.ID != agentID && !isAdmin(actor) {
		return nil, desk.NotFound("agent", agentID)
	}
	out, err := s.tokensOf(ctx, agentID)
	return out, wrap("list agent tokens", err)
}
