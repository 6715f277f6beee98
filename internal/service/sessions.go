package service

import (
	"context"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/auth"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// How long a browser stays signed in. An agent's session covers a long working day; a
// customer's a day, since the portal link that starts it came by mail.
const (
	AgentSessionLength    = 12 * time.Hour
	CustomerSessionLength = 24 * time.Hour
)

// UnreadCounted is how far a session counts an agent's unread notifications (Session.Unread).
const UnreadCounted = 99

// Session is a signed-in browser: who it is and the language they chose ("" when none).
type Session struct {
	Token string // only set when the session was just started
	Actor desk.Actor
	Lang  string
	// Zone is the IANA zone the person's times are shown in.
	Zone string
	// Unread is how many of an agent's notifications are unread, for the navigation: counted
	// up to UnreadCounted and one more, which says "more than UnreadCounted".
	Unread int
	// Step, when set, is the second step the sign-in waits for: no session has started (Token
	// is empty) until a code is right (FinishSignIn).
	Step *SecondStep
}

// errSignIn is one answer for an unknown email, a wrong password and a deactivated agent, so
// the form does not tell an attacker which addresses belong to the desk.
var errSignIn = desk.Forbidden("that email and password do not match an active agent")

// dummyHash is checked against when the email is unknown, so both paths cost one argon2id.
// It is a fixed hash (of "kept-timing-equaliser") so no program pays for hashing at start-up.
const dummyHash = "$argon2id$v=19$m=65536,t=3,p=2$Ym8UUDNQrqmlwfDtReX4wQ$DKR2KLwl0nmfin5WMOsNwAOgzfcRRvXfdSRTt4i68S8"

// SignIn checks an agent's email and password and starts a browser session, or, when the
// agent has a second factor (or the desk requires one), its second step (Session.Step).
func (s *Service) SignIn(ctx context.Context, email, password string) (Session, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return Session{}, desk.Invalid("email", "enter your email address")
	}
	if password == "" {
		return Session{}, desk.Invalid("password", "enter your password")
	}
	var a desk.Agent
	var hash, lang string
	err := s.readTx(ctx, func(tx *store.Tx) error {
		var err error
		if a, err = tx.AgentByEmail(ctx, email); err != nil {
			return err
		}
		if hash, err = tx.PasswordHash(ctx, a.ID); err != nil {
			return err
		}
		lang, err = tx.AgentLang(ctx, a.ID)
		return err
	})
	if store.IsNotFound(err) {
		auth.CheckPassword(password, dummyHash)
		return Session{}, errSignIn
	}
	if err != nil {
		return Session{}, wrap("sign in", err)
	}
	if hash == "" || !auth.CheckPassword(password, hash) || !a.Active || a.Role == desk.RolePartner && a.PartnerID == 0 {
		return Session{}, errSignIn
	}
	return s.startAgentSession(ctx, a, lang, true)
}

// startAgentSession starts a browser session for an agent whose sign-in was proved, or with
// second, the second step it still needs.
func (s *Service) startAgentSession(ctx context.Context, a desk.Agent, lang string, second bool) (Session, error) {
	out := Session{Actor: desk.AgentActor(a), Lang: lang, Zone: a.Timezone}
	err := s.write(ctx, desk.SystemActor(), func(w *work) error {
		if second {
			step, err := secondStep(w, a)
			if err != nil || step != nil {
				out.Step = step
				return err
			}
		}
		var err error
		out.Token, err = startSession(w, desk.AgentActor(a), AgentSessionLength)
		return err
	})
	if err != nil {
		return Session{}, wrap("start session", err)
	}
	return out, nil
}

// startSession stores a new session of who (an agent or a customer) and returns the cookie
// value for it. Expired sessions are swept whenever someone signs in, so the table stays small.
func startSession(w *work, who desk.Actor, length time.Duration) (string, error) {
	ctx, tx, now, kind, personID := w.ctx, w.tx, w.now, string(who.Kind), who.ID
	secret, digest, err := auth.NewSecret()
	if err != nil {
		return "", err
	}
	if err := tx.DeleteSessions(ctx, kind, 0, now); err != nil {
		return "", err
	}
	id, err := tx.InsertSession(ctx, kind, personID, digest, now, now.Add(length))
	if err != nil {
		return "", err
	}
	return auth.FormatToken(id, secret), nil
}

// SessionFor resolves a session cookie to the person behind it. An unknown, expired or
// tampered token, or a deactivated agent, is "not found".
func (s *Service) SessionFor(ctx context.Context, token string) (Session, error) {
	id, secret, err := auth.ParseToken(token)
	if err != nil {
		return Session{}, desk.NotFound("session", "")
	}
	var out Session
	err = s.readTx(ctx, func(tx *store.Tx) error {
		row, err := tx.Session(ctx, id)
		if err != nil {
			return err
		}
		if !auth.SecretMatches(secret, row.Digest) || !row.ExpiresAt.After(s.now()) {
			return desk.NotFound("session", "")
		}
		out.Lang = row.Lang
		switch desk.ActorKind(row.Kind) {
		case desk.ActorAgent:
			a, err := tx.Agent(ctx, row.PersonID)
			if err != nil {
				return err
			}
			if !a.Active {
				return desk.NotFound("session", "")
			}
			out.Actor, out.Zone = desk.AgentActor(a), a.Timezone
			if out.Unread, err = tx.UnreadNotifications(ctx, a.ID, UnreadCounted+1); err != nil {
				return err
			}
		case desk.ActorCustomer:
			c, err := tx.Customer(ctx, row.PersonID)
			if err != nil {
				return err
			}
			out.Actor, out.Zone = desk.CustomerActor(c), c.Timezone
		default:
			return desk.NotFound("session", "")
		}
		return nil
	})
	if err != nil {
		return Session{}, wrap("load session", notFoundAs(err, "session", ""))
	}
	return out, nil
}

// SignOut ends the session behind a cookie. An unknown token is not an error: the browser is
// signed out either way.
func (s *Service) SignOut(ctx context.Context, token string) error {
	id, _, err := auth.ParseToken(token)
	if err != nil {
		return nil
	}
	return wrap("sign out", s.write(ctx, desk.SystemActor(), func(w *work) error {
		tx := w.tx
		return tx.DeleteSession(ctx, id)
	}))
}

// Languages the desk and portal speak.
var Languages = []string{"en", "et", "hr"}

// SetLanguage remembers the language a signed-in person chose.
func (s *Service) SetLanguage(ctx context.Context, actor desk.Actor, lang string) error {
	known := false
	for _, l := range Languages {
		known = known || l == lang
	}
	if !known {
		return desk.Invalid("lang", "choose one of %s", strings.Join(Languages, ", "))
	}
	if actor.Kind != desk.ActorAgent && actor.Kind != desk.ActorCustomer {
		return desk.Forbidden("only agents and customers choose a language")
	}
	return wrap("set language", s.write(ctx, actor, func(w *work) error {
		tx := w.tx
		return tx.SetLang(ctx, string(actor.Kind), actor.ID, lang)
	}))
}

// SetAgentActive deactivates or reactivates an agent. Deactivating ends their browser sessions
// at once; their API tokens stop working because every request checks the agent is active.
func (s *Service) SetAgentActive(ctx context.Context, actor desk.Actor, agentID int64, active bool) (desk.Agent, error) {
	a, err := s.onAgent(ctx, actor, agentID, ActAgentDeactivate, func(w *work, a *desk.Agent) error {
		if actor.Kind == desk.ActorAgent && actor.ID == agentID && !active {
			return desk.Invalid("active", "you cannot deactivate yourself; ask another manager")
		}
		if err := w.tx.SetAgentActive(ctx, agentID, active); err != nil {
			return err
		}
		was := *a
		a.Active = active
		w.keepAgent(*a) // what the command reads of the agent from here on is as changed
		what := logAgentActivate
		if !active {
			what = logAgentDeactivate
		}
		if err := w.audit(what, a.Email, agentFields(was), agentFields(*a)); err != nil {
			return err
		}
		if !active {
			return w.tx.DeleteSessions(ctx, string(desk.ActorAgent), agentID, s.now())
		}
		return nil
	})
	return a, wrap("set agent active", err)
}

// Now is the service's clock, for pages that say "in 3 h" or "overdue".
func (s *Service) Now() time.Time { return s.now() }

// ReadAs checks a bearer token and runs fn as its agent, with a service whose reads all join the
// token check's read transaction: an API page costs one transaction, not one for the token and
// one for the page, and a revoked or expired token fails on the next request. The token's use
// is noted afterwards (at most once a minute: see noteTokenUse). With loose, on
// PostgreSQL, the check and fn's reads are statements of their own (for pages of one
// statement, see store.ReadLoose). fn must only read: a command through v is refused. The
// token's failures are a not-found error returned without calling fn.
func (s *Service) ReadAs(ctx context.Context, token string, loose bool, fn func(v *Service, actor desk.Actor) error) error {
	id, secret, err := auth.ParseToken(token)
	if err != nil {
		return desk.NotFound("token", "")
	}
	checked := false
	var lastUsed time.Time
	read := s.store.Read
	if loose {
		read = s.store.ReadLoose
	}
	s.onRead()
	err = read(ctx, func(tx *store.Tx) error {
		var actor desk.Actor
		var err error
		if actor, lastUsed, err = s.checkToken(ctx, tx, id, secret); err != nil {
			return wrap("authenticate", err)
		}
		checked = true
		v := *s
		v.bound = tx
		return fn(&v, actor)
	})
	if checked {
		s.noteTokenUse(ctx, id, lastUsed) // after the read: its transaction takes no write
	}
	return err
}
