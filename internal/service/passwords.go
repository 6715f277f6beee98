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
		a, err := w.agent(actor.ID)
		if err != nil {
			return err
		}
		sess, err = newPassword(w, a, hash, false)
		return err
	})
	if err != nil {
		return Session{}, wrap("change password", err)
	}
	s.log.Info("an agent changed their password; their other sessions ended", "agent", actor.ID)
	return sess, nil
}

// newPassword stores an agent's new password hash, ends every session of theirs (whoever knew
// the old password is out) and starts one for the browser that set it, or with second (the
// browser proved no more than a mailbox), the second step the agent's sign-in needs.
func newPassword(w *work, a desk.Agent, hash string, second bool) (Session, error) {
	if err := w.tx.SetPassword(w.ctx, a.ID, hash); err != nil {
		return Session{}, err
	}
	if err := w.tx.DeleteSessions(w.ctx, string(desk.ActorAgent), a.ID, w.now); err != nil {
		return Session{}, err
	}
	lang, err := w.tx.AgentLang(w.ctx, a.ID)
	if err != nil {
		return Session{}, err
	}
	out := Session{Actor: desk.AgentActor(a), Lang: lang, Zone: a.Timezone}
	if second {
		if out.Step, err = secondStep(w, a); err != nil || out.Step != nil {
			return out, err
		}
	}
	out.Token, err = startSession(w, desk.AgentActor(a), AgentSessionLength)
	return out, err
}
