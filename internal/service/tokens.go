package service

import (
	"context"
	"sync"
	"time"

	"github.com/keptdesk/kept/internal/auth"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// NewToken is what issuing an API token takes.
type NewToken struct {
	AgentID int64     // whose token; 0: the actor's own
	Label   string    // what it is for: the integration's name
	Scopes  []string  // desk.TokenScopes
	Expires time.Time // zero: never (desk.ParseExpiry reads "90d" and dates)
	// Replace revokes the agent's working tokens with the same label first: `serve --demo`
	// hands out one token per start, and the one it printed before stops working.
	Replace bool
}

// IssuedToken is a new token: Secret is shown once and never stored.
type IssuedToken struct {
	desk.Token
	Secret string `json:"token"`
}

// IssueToken creates a new API token for an agent, as the command line does (never expiring,
// no scopes), and returns it; only its digest is kept.
func (s *Service) IssueToken(ctx context.Context, agentID int64, label string) (string, error) {
	k, err := s.CreateToken(ctx, desk.SystemActor(), NewToken{AgentID: agentID, Label: label})
	return k.Secret, err
}

// isAdmin reports whether the actor may manage every agent's tokens: the desk itself (the
// command line) or an admin.
func isAdmin(a desk.Actor) bool {
	return a.Kind == desk.ActorSystem || (a.Kind == desk.ActorAgent && a.Role == desk.RoleAdmin)
}

// CreateToken issues an API token. An agent issues tokens for themselves; an admin (or the
// command line) for anyone, and only they grant scopes, since a scope such as customer-voice
// lets a token speak for customers. A partner user's token never acts for customers.
func (s *Service) CreateToken(ctx context.Context, actor desk.Actor, in NewToken) (IssuedToken, error) {
	if actor.Kind != desk.ActorSystem && actor.Kind != desk.ActorAgent {
		return IssuedToken{}, desk.Forbidden("only the desk's people hold API tokens")
	}
	if in.AgentID == 0 {
		if actor.Kind != desk.ActorAgent {
			return IssuedToken{}, desk.Invalid("agent_id", "is required")
		}
		in.AgentID = actor.ID
	}
	if in.AgentID != actor.ID && !isAdmin(actor) {
		return IssuedToken{}, desk.Forbidden("only an admin issues tokens for other agents")
	}
	label, err := desk.ValidateTokenLabel("label", in.Label)
	if err != nil {
		return IssuedToken{}, err
	}
	scopes, err := desk.ValidateScopes("scopes", in.Scopes)
	if err != nil {
		return IssuedToken{}, err
	}
	if len(scopes) > 0 && !isAdmin(actor) {
		return IssuedToken{}, desk.Forbidden("only an admin issues tokens with scopes")
	}
	if len(scopes) > 0 && label == "" {
		return IssuedToken{}, desk.Invalid("label", "name the integration a token with scopes is for (the record names it)")
	}
	now := s.now()
	if !in.Expires.IsZero() && !in.Expires.After(now) {
		return IssuedToken{}, desk.Invalid("expires", "%s is not in the future", in.Expires.UTC().Format(time.RFC3339))
	}
	secret, digest, err := auth.NewSecret()
	if err != nil {
		return IssuedToken{}, err
	}
	var out IssuedToken
	err = s.write(ctx, actor, func(w *work) error {
		tx := w.tx
		a, err := tx.Agent(ctx, in.AgentID)
		if err != nil {
			return notFoundAs(err, "agent", in.AgentID)
		}
		if !a.Active {
			return desk.Invalid("agent_id", "%s is deactivated: reactivate them first", a.Email)
		}
		if a.Role == desk.RolePartner && len(scopes) > 0 {
			return desk.Invalid("scopes", "a partner user's token cannot act for customers")
		}
		if in.Replace {
			if _, err := tx.RevokeLabelledTokens(ctx, a.ID, label, now); err != nil {
				return err
			}
		}
		var issuer int64
		if actor.Kind == desk.ActorAgent {
			issuer = actor.ID
		}
		id, err := tx.InsertIssuedToken(ctx, store.NewToken{AgentID: a.ID, Digest: digest, Label: label, Scopes: scopes,
			IssuedBy: issuer, ExpiresAt: in.Expires.UTC(), CreatedAt: now})
		if err != nil {
			return err
		}
		if out.Token, err = tx.TokenByID(ctx, id, now); err != nil {
			return err
		}
		out.Secret = auth.FormatToken(id, secret)
		return w.audit(logTokenCreate, idText("token", id), nil, tokenFields(out.Token))
	})
	if err != nil {
		return IssuedToken{}, wrap("issue token", err)
	}
	s.log.Info("API token issued", "token", out.ID, "agent", out.AgentEmail, "label", out.Label, "scopes", out.Scopes,
		"expires", out.ExpiresAt, "by", actor.Name)
	return out, nil
}

// Tokens lists API tokens, oldest first: an admin's list (and the command line's) has every
// agent's, anyone else's their own.
func (s *Service) Tokens(ctx context.Context, actor desk.Actor) ([]desk.Token, error) {
	var agentID int64
	switch {
	case isAdmin(actor):
	case actor.Kind == desk.ActorAgent:
		agentID = actor.ID
	default:
		return nil, desk.Forbidden("only the desk's people hold API tokens")
	}
	out, err := s.tokensOf(ctx, agentID)
	return out, wrap("list tokens", err)
}

// tokensOf lists an agent's API tokens (agentID 0: every agent's), oldest first, never their
// secrets.
func (s *Service) tokensOf(ctx context.Context, agentID int64) ([]desk.Token, error) {
	var out []desk.Token
	err := s.readTx(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.Tokens(ctx, agentID, s.now())
		return err
	})
	return out, err
}

// RevokeToken revokes a token at once: the next request with it is refused. An agent revokes
// their own tokens, an admin anyone's; another agent's token is not found. Revoking a revoked
// token changes nothing and answers it as it is.
func (s *Service) RevokeToken(ctx context.Context, actor desk.Actor, id int64) (desk.Token, error) {
	if actor.Kind != desk.ActorSystem && actor.Kind != desk.ActorAgent {
		return desk.Token{}, desk.Forbidden("only the desk's people hold API tokens")
	}
	var k desk.Token
	err := s.write(ctx, actor, func(w *work) error {
		tx := w.tx
		now := s.now()
		var err error
		if k, err = tx.TokenByID(ctx, id, now); err != nil {
			return notFoundAs(err, "token", id)
		}
		if k.AgentID != actor.ID && !isAdmin(actor) {
			return desk.NotFound("token", id)
		}
		if k.RevokedAt != nil {
			return nil
		}
		if err := tx.RevokeToken(ctx, id, now); err != nil {
			return err
		}
		was := tokenFields(k)
		if k, err = tx.TokenByID(ctx, id, now); err != nil {
			return err
		}
		return w.audit(logTokenRevoke, idText("token", id), was, tokenFields(k))
	})
	if err != nil {
		return desk.Token{}, wrap("revoke token", err)
	}
	s.log.Info("API token revoked", "token", k.ID, "agent", k.AgentEmail, "label", k.Label, "by", actor.Name)
	return k, nil
}

// tokenUseEvery is how often a token's last use is written: a busy integration makes many
// requests a second, and each would otherwise be a write (on SQLite, one at a time with every
// other write of the desk). A list says when a token was last used to the minute.
const tokenUseEvery = time.Minute

// tokenUses remembers when this process last wrote each token's use, so requests at the same
// moment write it once between them.
type tokenUses struct {
	mu      sync.Mutex
	written map[int64]time.Time
}

// maxTokenUses bounds the memory: past it the map starts over (a desk has a few tokens).
const maxTokenUses = 10000

// checkToken checks a parsed API token in tx and returns its active agent (with the token on
// the actor) and when the token was last used; any failure is the same "not found" (see
// Authenticate). One statement: the check runs on every API request.
func (s *Service) checkToken(ctx context.Context, tx *store.Tx, id int64, secret string) (desk.Actor, time.Time, error) {
	k, err := tx.TokenAgent(ctx, id)
	if err != nil {
		return desk.Actor{}, time.Time{}, notFoundAs(err, "token", "")
	}
	if !auth.SecretMatches(secret, k.Digest) || !k.Active || (!k.ExpiresAt.IsZero() && !s.now().Before(k.ExpiresAt)) {
		return desk.Actor{}, time.Time{}, desk.NotFound("token", "")
	}
	return k.Actor, k.LastUsed, nil
}

// noteTokenUse writes that a token was used now, when its last use on record (lastUsed, as
// the check read it) or the last this process wrote is a minute old or more. It runs after the
// request's reads, in a small transaction of its own, and a failure is only logged: the
// request was answered rightly either way.
func (s *Service) noteTokenUse(ctx context.Context, id int64, lastUsed time.Time) {
	now := s.now()
	u := s.tokenUse
	u.mu.Lock()
	if w := u.written[id]; w.After(lastUsed) {
		lastUsed = w
	}
	if !lastUsed.IsZero() && now.Sub(lastUsed) < tokenUseEvery { // a clock behind another node's waits too
		u.mu.Unlock()
		return
	}
	if u.written == nil || len(u.written) >= maxTokenUses {
		u.written = map[int64]time.Time{}
	}
	u.written[id] = now
	u.mu.Unlock()
	ctx = context.WithoutCancel(ctx) // the answer may be on its way already; the note is still worth keeping
	err := s.writeTx(ctx, func(tx *store.Tx) error { return tx.TouchToken(ctx, id, now) })
	if err != nil {
		s.log.Warn("could not note a token's use", "token", id, "err", err)
	}
}
