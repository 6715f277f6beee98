package service

import (
	"context"
	"fmt"
	"time"

	"github.com/keptdesk/kept/internal/auth"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/store"
)

// An agent who forgot their password asks for a one-time link by mail, as a customer asks for
// a portal sign-in link: queued, so the answer and its timing are the same for any address;
// the link works once, for PasswordResetLength, and sets a new password.

// PasswordResetLength is how long a mailed password reset link works.
const PasswordResetLength = 30 * time.Minute

// timerPasswordReset is a request for a reset link waiting to be answered.
const timerPasswordReset = "password_reset"

// RequestPasswordReset queues a request for a reset link to the agent at in.Email (see
// RequestPortalLink: nothing in the answer says whether the address is an agent's).
func (s *Service) RequestPasswordReset(ctx context.Context, in PortalLinkRequest) error {
	return wrap("request password reset", s.queueLinkRequest(ctx, timerPasswordReset, in))
}

// sendPasswordReset answers a queued request (the handler of timerPasswordReset): an active
// agent at the address gets a link; anyone else, nothing.
func (s *Service) sendPasswordReset(w *work, t store.Timer) error {
	ask, ok := s.linkAsk(t)
	if !ok {
		return nil
	}
	pm := s.portalMail.Load()
	if pm == nil || pm.ComposeReset == nil {
		return fmt.Errorf("send password reset: no mail composer (the web pages set it with SetPortalLinkMail)")
	}
	res := PortalLinkResult{Email: ask.Email}
	a, err := w.tx.AgentByEmail(w.ctx, ask.Email)
	if err != nil && !store.IsNotFound(err) {
		return err
	}
	if err == nil && a.Active && a.Role != desk.RolePartner {
		if res, err = s.makePasswordReset(w, a, ask, pm.ComposeReset); err != nil {
			return fmt.Errorf("send password reset: %w", err)
		}
	}
	linkMailed(w, res, pm.ResetDone)
	return nil
}

func (s *Service) makePasswordReset(w *work, a desk.Agent, ask portalLinkAsk, compose func(lang, link string, expires time.Time) (string, string)) (PortalLinkResult, error) {
	res := PortalLinkResult{Email: ask.Email, Known: true}
	secret, digest, err := auth.NewSecret()
	if err != nil {
		return res, err
	}
	expires := w.now.Add(PasswordResetLength)
	id, err := w.tx.InsertPasswordReset(w.ctx, a.ID, digest, w.now, expires)
	if err != nil {
		return res, err
	}
	link := s.tokenLink(ask.BaseURL, "/login/reset", id, secret)
	if !s.mailCfg.Outbound {
		res.Link = link
		return res, nil
	}
	lang, err := w.tx.AgentLang(w.ctx, a.ID)
	if err != nil {
		return res, err
	}
	if !knownLanguage(lang) {
		lang = ask.Lang
	}
	subject, text := compose(lang, link, expires)
	if err := s.queueLinkMail(w, linkMail{kind: "reset", id: id, digest: digest,
		from: "Kept", to: mail.Address{Name: a.Name, Email: a.Email}, subject: subject, text: text}); err != nil {
		return res, err
	}
	res.Queued = true
	return res, nil
}

// Why a reset link is refused. A link nobody made (or a tampered one) is "not found".
var (
	errResetUsed    = desk.Conflict("reset_link_used", "this link has been used already; ask for a new one", nil)
	errResetExpired = desk.Conflict("reset_link_expired", "this link has expired; ask for a new one", nil)
)

// passwordReset loads the link behind a token and says whether it may still set a password.
func (s *Service) passwordReset(w *work, token string) (store.PasswordReset, desk.Agent, error) {
	id, secret, err := auth.ParseToken(token)
	if err != nil {
		return store.PasswordReset{}, desk.Agent{}, desk.NotFound("reset link", "")
	}
	l, err := w.tx.PasswordReset(w.ctx, id)
	if store.IsNotFound(err) || (err == nil && !auth.SecretMatches(secret, l.Digest)) {
		return l, desk.Agent{}, desk.NotFound("reset link", "")
	} else if err != nil {
		return l, desk.Agent{}, err
	}
	switch {
	case l.Used:
		return l, desk.Agent{}, errResetUsed
	case !l.ExpiresAt.After(w.now):
		return l, desk.Agent{}, errResetExpired
	}
	a, err := w.agent(l.AgentID)
	if err == nil && !a.Active {
		err = desk.NotFound("reset link", "")
	}
	return l, a, err
}

// CheckPasswordReset says whether a reset link would still work, without using it.
func (s *Service) CheckPasswordReset(ctx context.Context, token string) error {
	return wrap("check reset link", s.read(ctx, desk.SystemActor(), func(w *work) error {
		_, _, err := s.passwordReset(w, token)
		return err
	}))
}

// ResetPassword sets a new password with a mailed link, which (with any older one) is used
// up; every session of the agent ends and one starts for the browser that asked, after the
// second step when the agent has a second factor (a mailbox alone does not pass it).
func (s *Service) ResetPassword(ctx context.Context, token, password string) (Session, error) {
	hash, err := auth.HashPassword(password)
	if err != nil {
		return Session{}, desk.Invalid("password", "%v", err)
	}
	var sess Session
	err = s.write(ctx, desk.SystemActor(), func(w *work) error {
		l, a, err := s.passwordReset(w, token)
		if err != nil {
			return err
		}
		if first, err := w.tx.UsePasswordResets(w.ctx, a.ID, l.ID, w.now); err != nil {
			return err
		} else if !first {
			return errResetUsed // another click got there first
		}
		sess, err = newPassword(w, a, hash, true)
		return err
	})
	if err != nil {
		return Session{}, wrap("reset password", err)
	}
	s.log.Info("an agent set a new password with a mailed link; their other sessions ended", "agent", sess.Actor.ID)
	return sess, nil
}
