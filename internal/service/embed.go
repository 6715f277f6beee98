package service

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/auth"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/store"
)

// The embeddable request page (story 21): a company's own site frames a page of the desk where
// a visitor who is not signed in sends a request. Nobody has proved the address they give, so
// the request waits: the address is mailed a one-time link, and only opening it opens the case
// (the portal form's own command, openRequest), for the customer at that address, created if
// new, and signs them into the portal.

// EmbedFormLength is how long the embeddable page's form may be sent after it was served.
const EmbedFormLength = 2 * time.Hour

// EmbedLinkLength is how long the link that confirms an embedded request works. It works once.
const EmbedLinkLength = 24 * time.Hour

// EmbedSubmission is a request sent from the embeddable page.
type EmbedSubmission struct {
	Name, Email string
	Lang        string // the page's language: the mail's, and the new customer's
	BaseURL     string // where the desk is reached from outside, for the link
	Request     NewRequest
}

// EmbedResult says what became of a submission: Link is set (for a demo's log) when no relay
// carries the desk's mail, so the link could not be sent.
type EmbedResult struct {
	Link string
}

// Why a form or a link of the embeddable page is refused.
var (
	errEmbedFormExpired = desk.Conflict("embed_form_expired", "this form has expired; load the page again", nil)
	errEmbedLinkUsed    = desk.Conflict("embed_link_used", "this link has been used already: the request was opened", nil)
	errEmbedLinkExpired = desk.Conflict("embed_link_expired", "this link has expired; send the request again", nil)
)

// formKeys are the desk's signing keys, loaded (or made) once.
func (s *Service) formKeys(ctx context.Context) (mail.Keys, error) {
	s.mailKeys.mu.Lock()
	k := s.mailKeys.keys
	s.mailKeys.mu.Unlock()
	if k != nil {
		return *k, nil
	}
	if err := s.PrepareMail(ctx); err != nil {
		return mail.Keys{}, err
	}
	return s.formKeys(ctx)
}

// EmbedFormToken signs the time the embeddable page's form was served, with the desk's own
// key: the page is framed on another site, where the session's cookie is not sent.
func (s *Service) EmbedFormToken(ctx context.Context) (string, error) {
	k, err := s.formKeys(ctx)
	if err != nil {
		return "", wrap("embed form token", err)
	}
	return k.FormToken(s.now()), nil
}

// CheckEmbedFormToken accepts a token EmbedFormToken made less than EmbedFormLength ago.
func (s *Service) CheckEmbedFormToken(ctx context.Context, token string) error {
	k, err := s.formKeys(ctx)
	if err != nil {
		return wrap("check embed form token", err)
	}
	at, ok := k.ParseFormToken(token)
	now := s.now()
	if !ok || at.After(now.Add(time.Minute)) || now.Sub(at) > EmbedFormLength {
		return errEmbedFormExpired
	}
	return nil
}

// EmbedRequestForm reads the case types the embeddable page offers, with the one chosen (0
// for none yet). The page books no call-backs: its visitor is not known yet.
func (s *Service) EmbedRequestForm(ctx context.Context, typeID int64) (RequestForm, error) {
	var f RequestForm
	if err := gate(desk.Actor{}, ActEmbedRequest); err != nil {
		return f, err
	}
	err := s.read(ctx, desk.SystemActor(), func(w *work) error {
		var err error
		f, err = requestForm(w, typeID, false)
		return err
	})
	return f, wrap("embed request form", err)
}

// SubmitEmbedRequest checks a request as the portal's form would (the type's references, the
// text), keeps it, and mails its address the link that opens it. Refusals name the field.
func (s *Service) SubmitEmbedRequest(ctx context.Context, in EmbedSubmission) (EmbedResult, error) {
	var res EmbedResult
	if err := gate(desk.Actor{}, ActEmbedRequest); err != nil {
		return res, err
	}
	name := strings.TrimSpace(in.Name)
	if name == "" {
		return res, desk.Invalid("name", "your name is needed")
	}
	contact, err := desk.CanonicalContact("email", desk.ContactEmail, in.Email)
	if err != nil {
		return res, err
	}
	pm := s.portalMail.Load()
	if pm == nil || pm.ComposeEmbed == nil {
		return res, fmt.Errorf("submit embed request: no mail composer (the web pages set it with SetPortalLinkMail)")
	}
	req := in.Request
	req.Callback = nil
	if strings.TrimSpace(req.Subject) == "" {
		req.Subject = embedSubject(req.Body)
	}
	err = s.write(ctx, desk.SystemActor(), func(w *work) error {
		nc := desk.NewCase{CustomerID: 1, Subject: req.Subject, Body: req.Body, Channel: "web", References: req.References}
		if req.TypeID != 0 {
			ct, err := findCaseType(w, "type", fmt.Sprint(req.TypeID))
			if err != nil {
				return err
			}
			// The visitor is not known yet: every reference the type needs is asked of them.
			if err := missingReferences(ct, req.References, nil); err != nil {
				return err
			}
		}
		if _, err := desk.ValidateNewCase(nc); err != nil {
			return err
		}
		payload, err := json.Marshal(req)
		if err != nil {
			return err
		}
		secret, digest, err := auth.NewSecret()
		if err != nil {
			return err
		}
		expires := w.now.Add(EmbedLinkLength)
		id, err := w.tx.InsertEmbedRequest(w.ctx, store.EmbedRequest{Email: contact.Value, Name: name, Lang: in.Lang,
			Request: string(payload), Digest: digest, ExpiresAt: expires}, w.now)
		if err != nil {
			return err
		}
		link := s.tokenLink(in.BaseURL, "/embed/confirm", id, secret)
		if !s.mailCfg.Outbound {
			res.Link = link
			return nil
		}
		subject, text := pm.ComposeEmbed(in.Lang, link, expires)
		if err := s.queueLinkMail(w, linkMail{kind: "embed", id: id, digest: digest,
			from: desk.ReaderFor(in.Lang, "").MailSender(), to: mail.Address{Name: name, Email: contact.Value},
			subject: subject, text: text}); err != nil {
			return err
		}
		w.changed(Event{Mail: true})
		return nil
	})
	return res, wrap("submit embed request", err)
}

// embedRequest loads the request behind a link's token and says whether it may still be
// confirmed; its language comes back whenever the link is genuine, so a refusal is in the
// visitor's words.
func embedRequest(ctx context.Context, tx *store.Tx, token string, now time.Time) (store.EmbedRequest, error) {
	id, secret, err := auth.ParseToken(token)
	if err != nil {
		return store.EmbedRequest{}, desk.NotFound("link", "")
	}
	r, err := tx.EmbedRequestByID(ctx, id)
	if store.IsNotFound(err) || (err == nil && !auth.SecretMatches(secret, r.Digest)) {
		return store.EmbedRequest{}, desk.NotFound("link", "")
	} else if err != nil {
		return r, err
	}
	switch {
	case r.Used:
		return r, errEmbedLinkUsed
	case !r.ExpiresAt.After(now):
		return r, errEmbedLinkExpired
	}
	return r, nil
}

// CheckEmbedLink says whether a request's link would still open it, without using it: the
// request's language, and nil or the refusal.
func (s *Service) CheckEmbedLink(ctx context.Context, token string) (string, error) {
	var lang string
	err := s.readTx(ctx, func(tx *store.Tx) error {
		r, err := embedRequest(ctx, tx, token, s.now())
		lang = r.Lang
		return err
	})
	return lang, wrap("check embed link", err)
}

// ConfirmEmbedRequest uses a request's link: in one transaction it opens the case (the
// portal form's command) for the customer at the address, adding them if new, and starts
// their portal session. The request's language comes back with a refusal too.
func (s *Service) ConfirmEmbedRequest(ctx context.Context, token string) (Session, int64, string, error) {
	var (
		out    Session
		caseID int64
		lang   string
	)
	err := s.write(ctx, desk.SystemActor(), func(w *work) error {
		r, err := embedRequest(w.ctx, w.tx, token, w.now)
		lang = r.Lang
		if err != nil {
			return err
		}
		var req NewRequest
		if err := json.Unmarshal([]byte(r.Request), &req); err != nil {
			return fmt.Errorf("read embed request %d: %w", r.ID, err)
		}
		cust, err := s.customerAt(w, desk.Contact{Kind: desk.ContactEmail, Value: r.Email}, r.Name)
		if err != nil {
			return err
		}
		if cust.Lang == "" && knownLanguage(r.Lang) {
			// They never chose one: the desk writes to them in the language they wrote in.
			if err := w.tx.SetLang(w.ctx, "customer", cust.ID, r.Lang); err != nil {
				return err
			}
			cust.Lang = r.Lang
			w.keepCustomer(cust)
		}
		if caseID, err = s.openRequest(w, cust, req); err != nil {
			return err
		}
		ok, err := w.tx.UseEmbedRequest(w.ctx, r.ID, caseID, w.now)
		if err != nil {
			return err
		}
		if !ok {
			return errEmbedLinkUsed
		}
		actor := desk.CustomerActor(cust)
		tok, err := startSession(w, actor, CustomerSessionLength)
		if err != nil {
			return err
		}
		out = Session{Token: tok, Actor: actor, Lang: cust.Lang, Zone: cust.Timezone}
		return nil
	})
	if err != nil {
		return Session{}, 0, lang, wrap("confirm embed request", err)
	}
	return out, caseID, lang, nil
}

// embedSubject is a case's subject from the first line of the visitor's message (the page asks
// for no subject of its own).
func embedSubject(body string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(body), "\n")
	line = strings.TrimSpace(line)
	if r := []rune(line); len(r) > 80 {
		line = string(r[:80]) + "…"
	}
	return line
}
