package web

import (
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"github.com/skip2/go-qrcode"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// The second factor: the second step of a sign-in (a code after the password), the agent's own
// set-up on their account, and the admin's page (require it of everyone; remove an agent's).

// secondCookie carries a sign-in's second step: its secret, for as long as the step waits.
const secondCookie = "kept_second"

// setup is a pending secret as the agent reads it: as text, as an otpauth:// address, and as
// a QR code of that address for a phone's camera.
type setup struct {
	Secret string
	URI    string
	QR     template.URL // a data: URL of a PNG; empty if it could not be drawn
}

func (s *Server) newSetup(secret, uri string) *setup {
	st := &setup{Secret: secret, URI: uri}
	if png, err := qrcode.Encode(uri, qrcode.Medium, 240); err == nil {
		st.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
	} else {
		s.log.Warn("second factor QR code not drawn", "err", err)
	}
	return st
}

type secondData struct {
	Next     string
	Setup    *setup   // the desk requires a factor and the agent sets one up now
	Recovery []string // the recovery codes, shown once
	Error    string
	Gone     bool // the step expired: sign in again
}

// startSecondStep sends a browser whose password was right to the second step.
func (s *Server) startSecondStep(w http.ResponseWriter, r *request, step *service.SecondStep, next string) {
	s.setCookie(w, r.Request, secondCookie, step.Token, service.SigninStepLength)
	http.Redirect(w, r.Request, "/login/second?next="+url.QueryEscape(next), http.StatusSeeOther)
}

func (s *Server) secondStepForm(w http.ResponseWriter, r *request) error {
	d := secondData{Next: localPath(r.URL.Query().Get("next"), "/inbox")}
	v, _, err := s.stepOf(r)
	if done, err := s.stepGone(w, r, err); done || err != nil {
		return err
	}
	if v.Enroll {
		d.Setup = s.newSetup(v.Secret, v.URI)
	}
	return s.render(w, r, http.StatusOK, "second", view{Title: r.T("second.title"), Data: d})
}

// stepOf reads the step the browser's cookie carries, with the cookie's value.
func (s *Server) stepOf(r *request) (service.SigninStepView, string, error) {
	c, err := r.Cookie(secondCookie)
	if err != nil || c.Value == "" {
		return service.SigninStepView{}, "", desk.Conflict("signin_step_gone", "sign in first", nil)
	}
	v, err := s.svc.SigninStep(r.Context(), c.Value)
	return v, c.Value, err
}

// stepGone answers a step that cannot be used any more: sign in again.
func (s *Server) stepGone(w http.ResponseWriter, r *request, err error) (bool, error) {
	if e, ok := desk.AsError(err); !ok || e.Code != "signin_step_gone" {
		return false, err
	}
	s.clearCookie(w, r.Request, secondCookie)
	d := secondData{Gone: true, Error: r.T("second.gone")}
	return true, s.render(w, r, http.StatusGone, "second", view{Title: r.T("second.title"), Data: d})
}

func (s *Server) secondStep(w http.ResponseWriter, r *request) error {
	next := localPath(r.FormValue("next"), "/inbox")
	d := secondData{Next: next}
	v, token, err := s.stepOf(r)
	if done, err := s.stepGone(w, r, err); done || err != nil {
		return err
	}
	again := func(status int, msg string) error {
		d.Error = msg
		if v.Enroll {
			d.Setup = s.newSetup(v.Secret, v.URI)
		}
		return s.render(w, r, status, "second", view{Title: r.T("second.title"), Data: d})
	}
	// Wrong codes are paced like wrong passwords, against the same account and client keys.
	client := clientIP(r.Request)
	account, from := throttleKeys("signin", r, v.Email)
	if wait := s.throttle.take(s.svc.Now(), limit{account, signInAccount}, limit{from, signInClient}); wait > 0 {
		s.log.Warn("second step refused: too many failures from this client", "agent", v.AgentID, "remote", client, "retry_after", wait)
		retryAfter(w, wait)
		return again(http.StatusTooManyRequests, r.T("login.too_many", r.wait(wait)))
	}
	sess, codes, err := s.svc.FinishSignIn(r.Context(), token, r.FormValue("code"))
	if e, ok := desk.AsError(err); ok && (e.Code == "code_wrong" || e.Code == "code_used") {
		s.log.Info("second step: wrong code", "agent", v.AgentID, "remote", client)
		return again(http.StatusUnauthorized, r.T("second."+e.Code))
	}
	if err != nil {
		s.throttle.refund(account, from) // nothing was guessed
		if e, ok := desk.AsError(err); ok && e.Kind == desk.KindInvalid {
			return again(http.StatusUnprocessableEntity, r.T("second.missing"))
		}
		if done, err := s.stepGone(w, r, err); done || err != nil {
			return err
		}
		return err
	}
	// Right: the account owes nothing here, and the client gets back both charges, the
	// password's (kept while the step waited) and the code's.
	s.throttle.clear(account)
	s.throttle.refund(from, from)
	s.clearCookie(w, r.Request, secondCookie)
	s.startBrowserSession(w, r, sess, service.AgentSessionLength)
	s.log.Info("signed in with a second factor", "agent", sess.Actor.ID, "remote", client)
	if codes != nil {
		// The factor was set up just now: its recovery codes, this once, then on to the desk.
		d.Recovery = codes
		return s.render(w, r, http.StatusOK, "second", view{Title: r.T("second.title"), Data: d})
	}
	http.Redirect(w, r.Request, next, http.StatusSeeOther)
	return nil
}

type factorData struct {
	Status   service.FactorStatus
	Setup    *setup
	Recovery []string // shown once, right after the factor was turned on
	Error    string
	Notice   string
	Admin    bool // the reader may open the desk's sign-in security page
}

func (s *Server) factorPage(w http.ResponseWriter, r *request) error {
	return s.showFactor(w, r, http.StatusOK, factorData{Notice: s.factorNotice(r)})
}

func (s *Server) factorNotice(r *request) string {
	return noticeOf(r, map[string]string{"off": "factor.off_done"})
}

// showFactor renders the account's second factor page with the status read now.
func (s *Server) showFactor(w http.ResponseWriter, r *request, status int, d factorData) error {
	st, err := s.svc.SecondFactor(r.Context(), r.sess.Actor)
	if err != nil {
		return err
	}
	d.Status = st
	if st.Pending && d.Recovery == nil {
		d.Setup = s.newSetup(st.Secret, st.URI)
	}
	if d.Admin, err = s.svc.May(r.Context(), r.sess.Actor, service.ActSecondFactorPolicy, service.Object{}); err != nil {
		return err
	}
	return s.render(w, r, status, "factor", view{Title: r.T("factor.title"), Data: d})
}

func (s *Server) startFactor(w http.ResponseWriter, r *request) error {
	if _, err := s.svc.StartSecondFactor(r.Context(), r.sess.Actor); err != nil {
		if e, ok := desk.AsError(err); ok && e.Kind == desk.KindConflict {
			return s.showFactor(w, r, http.StatusConflict, factorData{Error: r.T("factor.already_on")})
		}
		return err
	}
	http.Redirect(w, r.Request, "/account/second-factor", http.StatusSeeOther)
	return nil
}

func (s *Server) confirmFactor(w http.ResponseWriter, r *request) error {
	var codes []string
	done, err := s.withFactorCode(w, r, "factor.start_again", func(code string) (err error) {
		codes, err = s.svc.ConfirmSecondFactor(r.Context(), r.sess.Actor, code)
		return err
	})
	if done || err != nil {
		return err
	}
	return s.showFactor(w, r, http.StatusOK, factorData{Recovery: codes, Notice: r.T("factor.on_done")})
}

func (s *Server) turnOffFactor(w http.ResponseWriter, r *request) error {
	done, err := s.withFactorCode(w, r, "factor.required_keep", func(code string) error {
		return s.svc.TurnOffSecondFactor(r.Context(), r.sess.Actor, code)
	})
	if done || err != nil {
		return err
	}
	http.Redirect(w, r.Request, "/account/second-factor?done=off", http.StatusSeeOther)
	return nil
}

// withFactorCode runs a command of the account page that takes a code from the agent's app,
// paced like a password (a session left open must not make guessing cheap). A refusal is shown
// on the page (done); a conflict in the words of conflictKey.
func (s *Server) withFactorCode(w http.ResponseWriter, r *request, conflictKey string, run func(code string) error) (done bool, err error) {
	key := "factor " + strconv.FormatInt(r.sess.Actor.ID, 10)
	if wait := s.throttle.take(s.svc.Now(), limit{key, signInAccount}); wait > 0 {
		retryAfter(w, wait)
		return true, s.showFactor(w, r, http.StatusTooManyRequests, factorData{Error: r.T("login.too_many", r.wait(wait))})
	}
	err = run(r.PostFormValue("code"))
	e, ok := desk.AsError(err)
	if !ok {
		if err == nil {
			s.throttle.clear(key)
		}
		return false, err
	}
	msg := r.T("second.code_wrong")
	switch {
	case e.Kind == desk.KindInvalid:
		s.throttle.refund(key)
		msg = r.T("second.missing")
	case e.Kind == desk.KindConflict:
		s.throttle.refund(key)
		msg = r.T(conflictKey)
	case e.Code == "code_used":
		msg = r.T("second.code_used")
	}
	return true, s.showFactor(w, r, http.StatusUnprocessableEntity, factorData{Error: msg})
}

type securityData struct {
	service.FactorOverview
	Notice string
}

func (s *Server) securityPage(w http.ResponseWriter, r *request) error {
	o, err := s.svc.SecondFactorOverview(r.Context(), r.sess.Actor)
	if err != nil {
		return err
	}
	d := securityData{FactorOverview: o}
	d.Notice = noticeOf(r, map[string]string{"saved": "security.saved", "reset": "security.reset_done"})
	return s.render(w, r, http.StatusOK, "security", view{Title: r.T("security.title"), Data: d})
}

func (s *Server) setSecurity(w http.ResponseWriter, r *request) error {
	if err := s.svc.SetSecondFactorRequired(r.Context(), r.sess.Actor, r.PostFormValue("require") == "on"); err != nil {
		return err
	}
	http.Redirect(w, r.Request, "/security?done=saved", http.StatusSeeOther)
	return nil
}

func (s *Server) resetFactor(w http.ResponseWriter, r *request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return desk.NotFound("agent", r.PathValue("id"))
	}
	if _, err := s.svc.ResetSecondFactor(r.Context(), r.sess.Actor, id); err != nil {
		return err
	}
	http.Redirect(w, r.Request, "/security?done=reset", http.StatusSeeOther)
	return nil
}
