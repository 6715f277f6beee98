package service

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/keptdesk/kept/internal/auth"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// An agent's second factor (TOTP, RFC 6238). The agent turns it on from their account: a new
// secret is pending until a code from it is typed, and then is never shown again; ten one-time
// recovery codes are shown once and kept as digests. Signing in with a password then stops at a
// second step of its own (a short-lived secret, not a session) until a code or a recovery code
// is right; a code works once (its time step is recorded). An admin may require a second
// factor of every agent (who then sets one up in that second step) and may remove an agent's,
// when they lost their phone and codes.

// SigninStepLength is how long the second step of a sign-in waits for a code.
const SigninStepLength = 5 * time.Minute

// signinStepTries is how many wrong codes one second step takes; then the password is asked
// again (which is paced like every wrong password).
const signinStepTries = 5

// recoveryCodes is how many recovery codes an agent gets.
const recoveryCodes = 10

// secondFactorIssuer names the desk in authenticator apps.
const secondFactorIssuer = "Kept"

// SecondStep is a sign-in waiting for its second step: the cookie value that carries it, and
// whether the agent must first set up a second factor (the desk requires one, they have none).
type SecondStep struct {
	Token  string
	Enroll bool
}

// FactorStatus is an agent's second factor as their account page shows it.
type FactorStatus struct {
	On           bool
	Pending      bool   // a secret waits for its first code
	Secret       string // only while pending: the secret in base32, to type into an app
	URI          string // only while pending: the otpauth:// address (a QR code of it)
	RecoveryLeft int
	Required     bool // the desk requires a second factor of every agent
}

// Why a second factor or a sign-in's second step refuses.
var (
	errCodeWrong   = &desk.Error{Kind: desk.KindForbidden, Code: "code_wrong", Message: "that code is not right"}
	errCodeUsed    = &desk.Error{Kind: desk.KindForbidden, Code: "code_used", Message: "that code has been used already; wait for the next one"}
	errStepGone    = desk.Conflict("signin_step_gone", "this sign-in has expired or taken too many wrong codes; sign in again", nil)
	errFactorOn    = desk.Conflict("second_factor_on", "your second factor is on already; turn it off first to set up another", nil)
	errFactorNone  = desk.Conflict("second_factor_none", "there is no second factor to confirm; start again", nil)
	errFactorNeeds = desk.Conflict("second_factor_required", "the desk requires a second factor of every agent", nil)
)

// SecondFactor reads the actor's own second factor.
func (s *Service) SecondFactor(ctx context.Context, actor desk.Actor) (FactorStatus, error) {
	st, err := readAs(s, ctx, actor, ActOwnFactor, func(w *work) (FactorStatus, error) { return factorStatus(w, actor.ID) })
	return st, wrap("read second factor", err)
}

func factorStatus(w *work, agentID int64) (FactorStatus, error) {
	var st FactorStatus
	var err error
	if st.Required, err = w.tx.SecondFactorRequired(w.ctx); err != nil {
		return st, err
	}
	f, err := loadFactor(w, agentID)
	if store.IsNotFound(err) {
		return st, nil
	} else if err != nil {
		return st, err
	}
	if !f.Confirmed {
		a, err := w.agent(agentID)
		if err != nil {
			return st, err
		}
		st.Pending, st.Secret, st.URI = true, f.Secret, auth.TOTPURI(secondFactorIssuer, a.Email, f.Secret)
		return st, nil
	}
	st.On = true
	st.RecoveryLeft, err = w.tx.RecoveryCodesLeft(w.ctx, agentID)
	return st, err
}

// StartSecondFactor makes a new secret for the actor, pending until a code from it is
// confirmed. A factor that is on must be turned off first.
func (s *Service) StartSecondFactor(ctx context.Context, actor desk.Actor) (FactorStatus, error) {
	if err := gate(actor, ActOwnFactor); err != nil {
		return FactorStatus{}, err
	}
	var st FactorStatus
	err := s.write(ctx, actor, func(w *work) error {
		f, err := w.tx.SecondFactor(w.ctx, actor.ID)
		if err == nil && f.Confirmed {
			return errFactorOn
		} else if err != nil && !store.IsNotFound(err) {
			return err
		}
		if err := startFactor(w, actor.ID); err != nil {
			return err
		}
		st, err = factorStatus(w, actor.ID)
		return err
	})
	return st, wrap("start second factor", err)
}

func startFactor(w *work, agentID int64) error {
	secret, err := auth.NewTOTPSecret()
	if err != nil {
		return err
	}
	stored, err := w.s.sealer.Seal(secret, factorOwner(agentID))
	if err != nil {
		return err
	}
	return w.tx.StartSecondFactor(w.ctx, agentID, stored, w.now)
}

// loadFactor loads an agent's second factor with its key opened (see WithSecretKey).
func loadFactor(w *work, agentID int64) (store.SecondFactor, error) {
	f, err := w.tx.SecondFactor(w.ctx, agentID)
	if err != nil {
		return f, err
	}
	if f.Secret, err = w.s.sealer.Open(f.Secret, factorOwner(agentID)); err != nil {
		return f, fmt.Errorf("second factor of agent %d: %w", agentID, err)
	}
	return f, nil
}

// factorOwner binds a sealed key to its agent: copied to another row, it does not open.
func factorOwner(agentID int64) string {
	return "second factor of agent " + strconv.FormatInt(agentID, 10)
}

// ConfirmSecondFactor turns the actor's pending second factor on with a code from it, and
// returns the recovery codes: shown this once, kept only as digests.
func (s *Service) ConfirmSecondFactor(ctx context.Context, actor desk.Actor, code string) ([]string, error) {
	if err := gate(actor, ActOwnFactor); err != nil {
		return nil, err
	}
	if code == "" {
		return nil, desk.Invalid("code", "enter the code your app shows")
	}
	var codes []string
	err := s.write(ctx, actor, func(w *work) error {
		var err error
		codes, err = confirmFactor(w, actor.ID, code)
		return err
	})
	if err != nil {
		return nil, wrap("confirm second factor", err)
	}
	s.log.Info("an agent turned their second factor on", "agent", actor.ID)
	return codes, nil
}

// confirmFactor checks a code against the agent's pending secret, turns it on and makes the
// recovery codes.
func confirmFactor(w *work, agentID int64, code string) ([]string, error) {
	f, err := loadFactor(w, agentID)
	if store.IsNotFound(err) {
		return nil, errFactorNone
	} else if err != nil {
		return nil, err
	}
	if f.Confirmed {
		return nil, errFactorOn
	}
	if err := useCode(w, f, code); err != nil {
		return nil, err
	}
	return newRecoveryCodes(w, agentID)
}

// useCode accepts a current TOTP code of the factor once.
func useCode(w *work, f store.SecondFactor, code string) error {
	step, ok := auth.TOTPMatch(f.Secret, code, w.now)
	if !ok {
		return errCodeWrong
	}
	first, err := w.tx.UseSecondFactorStep(w.ctx, f.AgentID, step, w.now)
	if err != nil {
		return err
	}
	if !first {
		return errCodeUsed
	}
	return nil
}

func newRecoveryCodes(w *work, agentID int64) ([]string, error) {
	codes := make([]string, 0, recoveryCodes)
	digests := make([][]byte, 0, recoveryCodes)
	for range recoveryCodes {
		c, d, err := auth.NewRecoveryCode()
		if err != nil {
			return nil, err
		}
		codes, digests = append(codes, c), append(digests, d)
	}
	return codes, w.tx.SetRecoveryCodes(w.ctx, agentID, digests)
}

// TurnOffSecondFactor removes the actor's own second factor, given a current code or a
// recovery code (a session left open is not enough). Refused while the desk requires one.
func (s *Service) TurnOffSecondFactor(ctx context.Context, actor desk.Actor, code string) error {
	if err := gate(actor, ActOwnFactor); err != nil {
		return err
	}
	if code == "" {
		return desk.Invalid("code", "enter the code your app shows")
	}
	var wrong error
	err := s.write(ctx, actor, func(w *work) error {
		if req, err := w.tx.SecondFactorRequired(w.ctx); err != nil {
			return err
		} else if req {
			return errFactorNeeds
		}
		f, err := loadFactor(w, actor.ID)
		if store.IsNotFound(err) {
			return nil // off already
		} else if err != nil {
			return err
		}
		if f.Confirmed {
			if err := checkCode(w, f, code); err != nil {
				wrong = err
				return nil
			}
		}
		return w.tx.DeleteSecondFactor(w.ctx, actor.ID)
	})
	if err == nil && wrong == nil {
		s.log.Info("an agent turned their second factor off", "agent", actor.ID)
	}
	return wrap("turn off second factor", firstErr(err, wrong))
}

// checkCode accepts a current TOTP code (once) or an unused recovery code (used up).
func checkCode(w *work, f store.SecondFactor, code string) error {
	if auth.LooksLikeTOTP(code) {
		return useCode(w, f, code)
	}
	ok, err := w.tx.UseRecoveryCode(w.ctx, f.AgentID, auth.RecoveryDigest(code), w.now)
	if err != nil {
		return err
	}
	if !ok {
		return errCodeWrong
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// ResetSecondFactor removes an agent's second factor (they lost their phone and codes): they
// sign in with their password alone, or set a new factor up if the desk requires one. Their
// sessions end, since whoever has the phone may be signed in.
// It reports whether the agent had one.
func (s *Service) ResetSecondFactor(ctx context.Context, actor desk.Actor, agentID int64) (bool, error) {
	if err := gate(actor, ActSecondFactorReset); err != nil {
		return false, err
	}
	had := false
	err := s.write(ctx, actor, func(w *work) error {
		_, err := agentFor(w, agentID, ActSecondFactorReset)
		if err != nil {
			return err
		}
		if _, err := w.tx.SecondFactor(w.ctx, agentID); store.IsNotFound(err) {
			return nil
		} else if err != nil {
			return err
		}
		had = true
		if err := w.tx.DeleteSecondFactor(w.ctx, agentID); err != nil {
			return err
		}
		return w.tx.DeleteSessions(w.ctx, string(desk.ActorAgent), agentID, w.now)
	})
	if err == nil && had {
		s.log.Info("an admin removed an agent's second factor; their sessions ended", "agent", agentID, "by", actor.ID)
	}
	return had, wrap("reset second factor", err)
}

// FactorOverview is the desk's sign-in security for an admin: whether a second factor is
// required, and each active agent's.
type FactorOverview struct {
	Required bool
	Agents   []FactorAgent
}

// FactorAgent is one agent's second factor in the overview.
type FactorAgent struct {
	desk.Agent
	On           bool
	RecoveryLeft int
}

// SecondFactorOverview reads the desk's second factors, for an admin.
func (s *Service) SecondFactorOverview(ctx context.Context, actor desk.Actor) (FactorOverview, error) {
	out, err := readTxAs(s, ctx, actor, ActSecondFactorPolicy, func(tx *store.Tx) (FactorOverview, error) {
		var out FactorOverview
		var err error
		if out.Required, err = tx.SecondFactorRequired(ctx); err != nil {
			return out, err
		}
		on, err := tx.SecondFactorsOn(ctx)
		if err != nil {
			return out, err
		}
		agents, err := tx.Agents(ctx)
		if err != nil {
			return out, err
		}
		for _, a := range agents {
			if !a.Active {
				continue
			}
			left, ok := on[a.ID]
			out.Agents = append(out.Agents, FactorAgent{Agent: a, On: ok, RecoveryLeft: left})
		}
		return out, nil
	})
	return out, wrap("read second factors", err)
}

// SetSecondFactorRequired requires (or stops requiring) a second factor of every agent: one
// without sets it up at their next sign-in, before the desk opens.
func (s *Service) SetSecondFactorRequired(ctx context.Context, actor desk.Actor, on bool) error {
	err := s.writeGated(ctx, actor, ActSecondFactorPolicy, func(w *work) error {
		return w.tx.SetSecondFactorRequired(w.ctx, on, actor.ID, w.now)
	})
	if err == nil {
		s.log.Info("the desk's second factor rule changed", "required", on, "by", actor.ID)
	}
	return wrap("require second factor", err)
}

// secondStep decides, once the password was right, whether the sign-in needs a second step,
// and stores it: the agent has a second factor, or the desk requires one and they must set it
// up (a pending secret is made, or the one pending is kept, since they may have scanned it).
func secondStep(w *work, a desk.Agent) (*SecondStep, error) {
	f, err := w.tx.SecondFactor(w.ctx, a.ID) // whether there is one: the key stays sealed
	has := err == nil
	if err != nil && !store.IsNotFound(err) {
		return nil, err
	}
	enroll := false
	if !has || !f.Confirmed {
		required, err := w.tx.SecondFactorRequired(w.ctx)
		if err != nil || !required {
			return nil, err
		}
		enroll = true
		if !has {
			if err := startFactor(w, a.ID); err != nil {
				return nil, err
			}
		}
	}
	secret, digest, err := auth.NewSecret()
	if err != nil {
		return nil, err
	}
	id, err := w.tx.InsertSigninStep(w.ctx, a.ID, digest, w.now, w.now.Add(SigninStepLength))
	if err != nil {
		return nil, err
	}
	return &SecondStep{Token: auth.FormatToken(id, secret), Enroll: enroll}, nil
}

// SigninStepView is what the second step's page shows: who signs in, and while they set a factor
// up, its secret.
type SigninStepView struct {
	AgentID int64
	Email   string
	Enroll  bool
	Secret  string
	URI     string
}

// signinStep loads the second step behind a token, with its agent, if it may still be used.
func signinStep(w *work, token string) (store.SigninStep, desk.Agent, error) {
	id, secret, err := auth.ParseToken(token)
	if err != nil {
		return store.SigninStep{}, desk.Agent{}, errStepGone
	}
	// Locked in a write: each code is judged against the count of wrong ones that the codes
	// before it left, however many come at once (unlocked, twenty at once were all judged).
	st, err := loadToChange(w, store.SigninStepToChange, id, w.tx.SigninStep)
	if store.IsNotFound(err) || (err == nil && !auth.SecretMatches(secret, st.Digest)) {
		return st, desk.Agent{}, errStepGone
	} else if err != nil {
		return st, desk.Agent{}, err
	}
	if st.Used || !st.ExpiresAt.After(w.now) || st.Wrong >= signinStepTries {
		return st, desk.Agent{}, errStepGone
	}
	a, err := w.agent(st.AgentID)
	if err != nil {
		return st, a, err
	}
	if !a.Active {
		return st, a, errStepGone
	}
	return st, a, nil
}

// SigninStep reads the second step of a sign-in for its page.
func (s *Service) SigninStep(ctx context.Context, token string) (SigninStepView, error) {
	var v SigninStepView
	err := s.read(ctx, desk.SystemActor(), func(w *work) error {
		_, a, err := signinStep(w, token)
		if err != nil {
			return err
		}
		v = SigninStepView{AgentID: a.ID, Email: a.Email}
		f, err := loadFactor(w, a.ID)
		if err != nil {
			return notFoundAs(err, "second factor", a.ID)
		}
		if !f.Confirmed {
			v.Enroll, v.Secret, v.URI = true, f.Secret, auth.TOTPURI(secondFactorIssuer, a.Email, f.Secret)
		}
		return nil
	})
	return v, wrap("read sign-in step", err)
}

// FinishSignIn completes a sign-in's second step with a code from the agent's app or a
// recovery code (or, while setting a factor up, the first code from it, which returns the new
// recovery codes), and starts the session. A wrong code is counted on the step.
func (s *Service) FinishSignIn(ctx context.Context, token, code string) (Session, []string, error) {
	if code == "" {
		return Session{}, nil, desk.Invalid("code", "enter the code your app shows")
	}
	var sess Session
	var codes []string
	var wrong error
	err := s.write(ctx, desk.SystemActor(), func(w *work) error {
		st, a, err := signinStep(w, token)
		if err != nil {
			return err
		}
		f, err := loadFactor(w, a.ID)
		if err != nil {
			return notFoundAs(err, "second factor", a.ID)
		}
		if f.Confirmed {
			err = checkCode(w, f, code)
		} else {
			codes, err = confirmFactor(w, a.ID, code)
		}
		if e, ok := desk.AsError(err); ok && (e == errCodeWrong || e == errCodeUsed) {
			wrong = err // counted, and the count kept: the transaction commits
			return w.tx.WrongSigninCode(w.ctx, st.ID)
		} else if err != nil {
			return err
		}
		if first, err := w.tx.UseSigninStep(w.ctx, st.ID, w.now); err != nil {
			return err
		} else if !first {
			return errStepGone
		}
		lang, err := w.tx.AgentLang(w.ctx, a.ID)
		if err != nil {
			return err
		}
		token, err := startSession(w, desk.AgentActor(a), AgentSessionLength)
		sess = Session{Token: token, Actor: desk.AgentActor(a), Lang: lang, Zone: a.Timezone}
		return err
	})
	if err = firstErr(err, wrong); err != nil {
		return Session{}, nil, wrap("finish sign-in", err)
	}
	if codes != nil {
		s.log.Info("an agent set up the second factor the desk requires", "agent", sess.Actor.ID)
	}
	return sess, codes, nil
}
