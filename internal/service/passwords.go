package service

import (
	"context"

	"github.com/keptdesk/kept/internal/auth"
	"github.com/keptdesk/kept/internal/desk"
)

// ChangePassword sets a signed-in agent's own password, given the one they have now. Every
// session of theirs ends (whoever knew the old password is out) and a new one starts for the
// browser that asked.
func (s *Service) ChangePassword(ctx context.Context, actor desk.Actor, current, next string) (Session, error) {
	if err := gate(actor, ActOwnPassword); err != nil {
		return Session{}, err
	}
	if current == "" {
		return Session{}, desk.Invalid("current", "enter the password you have now")
	}
	hash, err := auth.HashPassword(next)
	if err != nil {
		return Session{}, desk.Invalid("password", "%v", err)
	}
	var sess Session
	err = s.write(ctx, actor, func(w *work) error {
		old, err := w.tx.PasswordHash(w.ctx, actor.ID)
		if err != nil {
			return err
		}
		if old == "" || !auth.CheckPassword(current, old) {
			return desk.Invalid("current", "that is not your password now")
		}
		if err := w.tx.SetPassword(w.ctx, actor.ID, hash); err != nil {
			return err
		}
		if err := w.tx.DeleteSessions(w.ctx, string(desk.ActorAgent), actor.ID, w.now); err != nil {
			return err
		}
		a, err := w.agent(actor.ID)
		if err != nil {
			return err
		}
		lang, err := w.tx.AgentLang(w.ctx, actor.ID)
		if err != nil {
			return err
		}
		token, err := startSession(w, desk.AgentActor(a), AgentSessionLength)
		sess = Session{Token: token, Actor: desk.AgentActor(a), Lang: lang, Zone: a.Timezone}
		return err
	})
	if err != nil {
		return Session{}, wrap("change password", err)
	}
	s.log.Info("an agent changed their password; their other sessions ended", "agent", actor.ID)
	return sess, nil
}
