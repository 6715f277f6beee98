package service

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/keptdesk/kept/internal/auth"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/store"
)

// PortalLinkLength is how long a mailed sign-in link works. It works once.
const PortalLinkLength = 30 * time.Minute

// PortalLinkRequest is someone asking for a sign-in link to the portal.
type PortalLinkRequest struct {
	Email string
	// Lang is the page's language: the mail is written in it when the customer never chose one.
	Lang string
	// BaseURL is where the desk is reached from outside, e.g. https://desk.example.
	BaseURL string
}

// PortalLinkResult says what became of a request, once the queued work has run (see
// PortalLinkMail.Done). Nobody who asked is told any of it: the page says the same whatever
// it holds, so nobody learns from it which addresses the desk knows.
type PortalLinkResult struct {
	Email      string // the address asked for
	Known      bool   // a customer is reachable at the address
	CustomerID int64  // that customer
	Queued     bool   // the mail is in the outbox
	Link       string // the link, when no relay could carry it (for a demo's log); "" otherwise
}

// PortalLinkMail is how sign-in links, and the other mails whose words are in the pages'
// catalogue, are written and reported. The web pages give it to the service
// (SetPortalLinkMail), since the mail's texts are in their catalogue.
type PortalLinkMail struct {
	// Compose writes the mail's subject and text, in lang, around the link.
	Compose func(lang, link string, expires time.Time) (subject, text string)
	// Done, if set, hears what became of each request once its transaction has committed:
	// for the log (a demo prints the link there when it cannot mail it).
	Done func(PortalLinkResult)
	// ComposeReset writes the mail with an agent's password reset link, in lang.
	ComposeReset func(lang, link string, expires time.Time) (subject, text string)
	// ResetDone, if set, hears what became of each reset request (Link set when no relay
	// could carry it), like Done.
	ResetDone func(PortalLinkResult)
	// ComposeEmbed writes the mail with the link that confirms a request sent from the
	// embeddable page (embed.go), in lang.
	ComposeEmbed func(lang, link string, expires time.Time) (subject, text string)
	// ComposeReminder writes the mail reminding a promise's owner that it falls due: the
	// case's ref, the promise's words and due time, in the owner's language and zone.
	ComposeReminder func(lang string, zone *time.Location, ref, words string, due time.Time) (subject, text string)
}

// SetPortalLinkMail sets how sign-in links are written and reported; call it before serving.
func (s *Service) SetPortalLinkMail(m PortalLinkMail) { s.portalMail.Store(&m) }

// timerPortalLink is a request for a sign-in link waiting to be answered.
const timerPortalLink = "portal_link"

// portalLinkAsk is what a queued request holds: no secret, and nothing about a customer.
type portalLinkAsk struct {
	Email   string `json:"email"`
	Lang    string `json:"lang"`
	BaseURL string `json:"base_url"`
}

// RequestPortalLink queues a request for a one-time sign-in link: it stores the request as a
// timer due at once, whatever the address, and returns. The timer's handler (sendPortalLink)
// looks the address up and mails the link. The request does the same work, in the same time,
// for an address a customer has and for one nobody has, so its answer and its timing tell
// nobody which addresses the desk knows (issue 13, finding 12). Only a malformed address is
// refused here, and that says nothing about customers.
func (s *Service) RequestPortalLink(ctx context.Context, in PortalLinkRequest) error {
	return wrap("request portal link", s.queueLinkRequest(ctx, timerPortalLink, in))
}

// queueLinkRequest stores a request for a mailed link as a timer of kind, due at once: the
// runner wakes on the commit and its handler mails the link, if there is anyone to mail.
func (s *Service) queueLinkRequest(ctx context.Context, kind string, in PortalLinkRequest) error {
	contact, err := desk.CanonicalContact("email", desk.ContactEmail, in.Email)
	if err != nil {
		return err
	}
	payload, err := json.Marshal(portalLinkAsk{Email: contact.Value, Lang: in.Lang, BaseURL: in.BaseURL})
	if err != nil {
		return err
	}
	return s.write(ctx, desk.SystemActor(), func(w *work) error {
		if _, err := w.tx.AddTimer(w.ctx, store.Timer{Kind: kind, DueAt: w.now, Payload: payload}, w.now); err != nil {
			return err
		}
		w.changed(Event{Timers: true})
		return nil
	})
}

// linkAsk reads a queued request for a mailed link; one that cannot be read is logged and
// dropped (trying again cannot help).
func (s *Service) linkAsk(t store.Timer) (portalLinkAsk, bool) {
	var ask portalLinkAsk
	if err := json.Unmarshal(t.Payload, &ask); err != nil || ask.Email == "" {
		s.log.Error("a queued request for a mailed link cannot be read; dropped", "timer", t.ID, "kind", t.Kind, "err", err)
		return ask, false
	}
	return ask, true
}

// sendPortalLink answers a queued request for a sign-in link (the handler of timerPortalLink).
func (s *Service) sendPortalLink(w *work, t store.Timer) error {
	ask, ok := s.linkAsk(t)
	if !ok {
		return nil
	}
	pm := s.portalMail.Load()
	if pm == nil || pm.Compose == nil {
		return fmt.Errorf("send portal link: no mail composer (the web pages set it with SetPortalLinkMail)")
	}
	res, err := s.makePortalLink(w, ask, pm.Compose)
	if err != nil {
		return fmt.Errorf("send portal link: %w", err)
	}
	linkMailed(w, res, pm.Done)
	return nil
}

// linkMailed ends the answer to a request for a mailed link: a queued mail is reported, and
// done (the web pages' hook, if any) hears of the result once the command has committed.
func linkMailed(w *work, res PortalLinkResult, done func(PortalLinkResult)) {
	if res.Queued {
		w.changed(Event{Mail: true})
	}
	if done != nil {
		w.afterCommit(func() { done(res) })
	}
}

// tokenLink is the address of a one-time link's page: its token carries the link's row and
// secret. It points at the desk's own address (SetLinkBase) when one is set, and only
// otherwise at the address the request said (asked): a request's Host header is the caller's
// to write, and a reset link mailed to an agent must not lead to a stranger's site.
func (s *Service) tokenLink(asked, path string, id int64, secret string) string {
	base := s.baseURL()
	if base == "" {
		base = asked
	}
	return strings.TrimRight(base, "/") + path + "?token=" + url.QueryEscape(auth.FormatToken(id, secret))
}

// linkMail is a mail carrying a one-time link (a portal sign-in, a password reset, an embedded
// request's confirmation), named by the link's kind, row and digest.
type linkMail struct {
	kind          string // "portal", "reset", "embed": the Message-ID's first part
	id            int64
	digest        []byte
	from          string // the sender's name
	to            mail.Address
	subject, text string
}

// queueLinkMail puts a link's mail in the outbox, in the transaction that made the link. Its
// Message-ID is made of the link (kind, row, a piece of the digest): unique with no lookup.
func (s *Service) queueLinkMail(w *work, m linkMail) error {
	messageID := fmt.Sprintf("%s.%d.%s@%s", m.kind, m.id, hex.EncodeToString(m.digest[:6]), s.mailDomain())
	raw, err := s.compose(mail.Outgoing{From: mail.Address{Name: m.from, Email: s.mailCfg.Address}, To: m.to,
		Subject: m.subject, Text: m.text, MessageID: messageID, Automatic: true, Date: w.now})
	if err != nil {
		return fmt.Errorf("compose %s link mail: %w", m.kind, err)
	}
	return w.tx.QueueMail(w.ctx, store.OutMail{From: s.mailCfg.Address, To: m.to.Email, MessageID: messageID, Raw: raw}, w.now)
}

// makePortalLink makes a one-time sign-in link for the customer reachable at the asked address
// and puts a mail with it in the outbox, in tx. The link's secret is kept only as a digest; the
// link expires after PortalLinkLength. An unknown address is not an error: nothing is stored
// or sent. Without a relay (no outbound mail) the link is made but returned instead of queued,
// so the log can say it could not be delivered.
func (s *Service) makePortalLink(w *work, ask portalLinkAsk, compose func(lang, link string, expires time.Time) (string, string)) (PortalLinkResult, error) {
	ctx, tx, now := w.ctx, w.tx, w.now
	res := PortalLinkResult{Email: ask.Email}
	contact := desk.Contact{Kind: desk.ContactEmail, Value: ask.Email}
	id, err := tx.CustomerByContact(ctx, contact)
	if store.IsNotFound(err) {
		return res, nil
	} else if err != nil {
		return res, err
	}
	cust, err := tx.Customer(ctx, id)
	if err != nil {
		return res, err
	}
	res.Known, res.CustomerID = true, cust.ID
	secret, digest, err := auth.NewSecret()
	if err != nil {
		return res, err
	}
	expires := now.Add(PortalLinkLength)
	linkID, err := tx.InsertPortalLink(ctx, cust.ID, contact.Value, digest, now, expires)
	if err != nil {
		return res, err
	}
	link := s.tokenLink(ask.BaseURL, "/portal/signin", linkID, secret)
	if !s.mailCfg.Outbound {
		res.Link = link
		return res, nil
	}
	// Always sent: the customer asked for it, and the pages hold back whoever asks too often
	// (per address and per client), so nobody floods a mailbox with it.
	lang := cust.Lang
	if !knownLanguage(lang) {
		lang = ask.Lang
	}
	subject, text := compose(lang, link, expires)
	if err := s.queueLinkMail(w, linkMail{kind: "portal", id: linkID, digest: digest,
		from: desk.ReaderFor(lang, "").MailSender(), to: mail.Address{Name: cust.Name, Email: contact.Value},
		subject: subject, text: text}); err != nil {
		return res, err
	}
	res.Queued = true
	return res, nil
}

func knownLanguage(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// Why a sign-in link is refused. A link nobody made (or a tampered one) is "not found".
var (
	errLinkUsed    = desk.Conflict("portal_link_used", "this sign-in link has been used already; ask for a new one", nil)
	errLinkExpired = desk.Conflict("portal_link_expired", "this sign-in link has expired; ask for a new one", nil)
)

// checkPortalLink loads the link behind a token and says whether it may still sign in.
func (s *Service) checkPortalLink(ctx context.Context, tx *store.Tx, token string) (store.PortalLink, error) {
	id, secret, err := auth.ParseToken(token)
	if err != nil {
		return store.PortalLink{}, desk.NotFound("sign-in link", "")
	}
	l, err := tx.PortalLink(ctx, id)
	if store.IsNotFound(err) || (err == nil && !auth.SecretMatches(secret, l.Digest)) {
		return l, desk.NotFound("sign-in link", "")
	} else if err != nil {
		return l, err
	}
	switch {
	case l.Used:
		return l, errLinkUsed
	case !l.ExpiresAt.After(s.now()):
		return l, errLinkExpired
	}
	// The address may have moved to someone else since the link was made.
	owner, err := tx.CustomerByContact(ctx, desk.Contact{Kind: desk.ContactEmail, Value: l.Email})
	if store.IsNotFound(err) || (err == nil && owner != l.CustomerID) {
		return l, desk.NotFound("sign-in link", "")
	}
	return l, err
}

// CheckPortalLink says whether a sign-in link would still work, without using it: nil, or the
// refusal (portal_link_used, portal_link_expired, not found).
func (s *Service) CheckPortalLink(ctx context.Context, token string) error {
	return wrap("check portal link", s.readTx(ctx, func(tx *store.Tx) error {
		_, err := s.checkPortalLink(ctx, tx, token)
		return err
	}))
}

// UsePortalLink signs a customer in with a mailed link and uses it up, in one transaction: of
// two clicks racing each other only one signs in, and the other is told the link was used.
func (s *Service) UsePortalLink(ctx context.Context, token string) (Session, error) {
	var out Session
	err := s.write(ctx, desk.SystemActor(), func(w *work) error {
		tx := w.tx
		l, err := s.checkPortalLink(ctx, tx, token)
		if err != nil {
			return err
		}
		now := s.now()
		ok, err := tx.UsePortalLink(ctx, l.ID, now)
		if err != nil {
			return err
		}
		if !ok {
			return errLinkUsed
		}
		cust, err := tx.Customer(ctx, l.CustomerID)
		if err != nil {
			return err
		}
		// In this transaction: the link is used exactly when a session exists for it.
		token, err := startSession(w, desk.CustomerActor(cust), CustomerSessionLength)
		if err != nil {
			return err
		}
		out = Session{Token: token, Actor: desk.CustomerActor(cust), Lang: cust.Lang, Zone: cust.Timezone}
		return nil
	})
	if err != nil {
		return Session{}, wrap("use portal link", err)
	}
	return out, nil
}

// PortalCaseSummary is one of a customer's cases as the portal lists it.
type PortalCaseSummary struct {
	CaseSummary
	OpenPromises []desk.Promise `json:"open_promises"`
}

// PortalCases lists the cases the actor may see (for a customer: their own, in every team),
// newest first, with each case's open promises, soonest due first.
func (s *Service) PortalCases(ctx context.Context, actor desk.Actor, limit int) ([]PortalCaseSummary, error) {
	cases, err := s.Cases(ctx, actor, CaseList{Limit: limit})
	if err != nil {
		return nil, err
	}
	out := make([]PortalCaseSummary, 0, len(cases))
	err = s.readTx(ctx, func(tx *store.Tx) error {
		for _, c := range cases {
			ps, err := tx.Promises(ctx, store.PromiseFilter{CaseID: c.ID, State: desk.PromiseOpen})
			if err != nil {
				return err
			}
			out = append(out, PortalCaseSummary{CaseSummary: c, OpenPromises: ps})
		}
		return nil
	})
	return out, wrap("list portal cases", err)
}

// PortalCaseView is a case as its customer sees it in the portal.
type PortalCaseView struct {
	Case      CaseView
	Record    []desk.Entry // public entries only, for a customer
	Documents []desk.Document
	// Resolution is the answer awaiting the customer's confirmation ("" when none is).
	Resolution string
	// MissingReferences are the kinds of reference the case's type needs and the customer
	// has not given yet (story 15: the portal asks for them).
	MissingReferences []string
	References        []desk.Reference
	// Rating is the customer's rating of the resolution they last confirmed (nil: not yet
	// rated); RatingFinal once it may no longer be changed.
	Rating      *desk.Rating
	RatingFinal bool
	RatingUntil time.Time // until when the rating given may be changed
	// Incidents are the known faults the case is linked to: their public status (story 19).
	Incidents []PortalIncident
}

// PortalIncident is what a linked customer reads of an incident.
type PortalIncident struct {
	Title, PublicStatus string
	Fixed               bool
}

// PortalCase loads what the portal shows of a case: the case, its record (without internal
// entries for a customer), its documents, the resolution to confirm, the references still
// needed and the customer's rating.
func (s *Service) PortalCase(ctx context.Context, actor desk.Actor, caseID int64) (PortalCaseView, error) {
	var v PortalCaseView
	var err error
	if v.Case, err = s.Case(ctx, actor, caseID); err != nil {
		return v, err
	}
	if v.Record, err = s.Record(ctx, actor, caseID); err != nil {
		return v, err
	}
	if v.Documents, err = s.CaseDocuments(ctx, actor, caseID); err != nil {
		return v, err
	}
	err = s.read(ctx, actor, func(w *work) error {
		tx := w.tx
		c, err := w.loadCase(caseID)
		if err != nil {
			return err
		}
		if c.Status == desk.StatusAwaitingConfirmation {
			v.Resolution = c.Resolution
		}
		cust, err := tx.Customer(ctx, c.CustomerID)
		if err != nil {
			return err
		}
		v.References = cust.References
		if c.Type != "" {
			ct, err := tx.CaseType(ctx, 0, c.Type)
			if err == nil {
				v.MissingReferences = desk.MissingReferences(ct, nil, cust.References)
			} else if !store.IsNotFound(err) {
				return err
			}
		}
		incs, err := caseIncidents(w, caseID)
		if err != nil {
			return err
		}
		for _, i := range incs {
			v.Incidents = append(v.Incidents, PortalIncident{Title: i.Title, PublicStatus: i.PublicStatus, Fixed: i.State == desk.IncidentResolved})
		}
		r, err := tx.Rating(ctx, caseID)
		if err != nil {
			return ignoreNotFound(err)
		}
		if c.Status == desk.StatusClosed {
			// A rating of an earlier resolution does not rate the one just confirmed.
			confirmed, err := tx.LastConfirmed(ctx, caseID)
			if err != nil && !store.IsNotFound(err) {
				return err
			}
			if !r.ResolutionAt.Equal(confirmed) {
				return nil
			}
		}
		v.Rating, v.RatingFinal, v.RatingUntil = &r, !r.Changeable(w.now), r.CreatedAt.Add(desk.RatingChangeable)
		return nil
	})
	return v, wrap("load portal case", err)
}

// AddCaseReference gives a reference (an order number, say) with a case: it goes on the
// customer, where every department finds it, the case is found by it, and the case's record
// says so in a public reference_added entry. The customer may do this on their own cases;
// the desk's agents on any.
func (s *Service) AddCaseReference(ctx context.Context, actor desk.Actor, caseID int64, r desk.Reference) (desk.Reference, error) {
	if err := gate(actor, ActCaseReference); err != nil {
		return desk.Reference{}, err
	}
	refs, err := desk.ValidateReferences("reference", []desk.Reference{r})
	if err != nil {
		return desk.Reference{}, err
	}
	ref := refs[0]
	err = s.write(ctx, actor, func(w *work) error {
		tx := w.tx
		c, err := w.loadCase(caseID)
		if err != nil {
			return err
		}
		if err := tx.AddReference(ctx, c.CustomerID, ref, w.now); err != nil {
			return err
		}
		drafts, err := s.participate(w, c)
		if err != nil {
			return err
		}
		drafts = append(drafts, desk.Draft{Kind: desk.KindReferenceAdded, Actor: actor, Body: ref.Kind + ": " + ref.Value,
			Data: desk.ReferenceAddedData{Kind: ref.Kind, Value: ref.Value}})
		entries, err := s.appendRecord(w, c, drafts)
		if err != nil {
			return err
		}
		last := entries[len(entries)-1]
		return tx.Index(ctx, store.SearchDoc{CaseID: c.ID, CustomerID: c.CustomerID, EntrySeq: last.Seq, Refs: []string{ref.Key}})
	})
	return ref, wrap("add reference", err)
}

// maxRatingComment bounds a rating's comment.
const maxRatingComment = 4000

// Rate records what the customer thought of how their case went (1 to 5, with an optional
// comment). Only the case's customer rates, and only once they confirmed its resolution: one
// rating per confirmed resolution, which they may change for a week (desk.RatingChangeable).
// The rating goes on the record as the customer's own entry.
func (s *Service) Rate(ctx context.Context, actor desk.Actor, caseID int64, score int, comment string) (desk.Rating, error) {
	if err := gate(actor, ActPortal); err != nil {
		return desk.Rating{}, err // only the case's customer rates it
	}
	in, err := checkRating(score, comment, desk.AnsweredInPortal)
	if err != nil {
		return desk.Rating{}, err
	}
	var out desk.Rating
	err = s.write(ctx, actor, func(w *work) error {
		c, err := w.loadCase(caseID)
		if err != nil {
			return err
		}
		out, err = s.rate(w, c, actor, in)
		return err
	})
	return out, wrap("rate case", err)
}

// ratingIn is a rating as given, checked: its score and comment, and the way it came.
type ratingIn struct {
	score   int
	comment string
	via     string // desk.AnsweredInPortal or desk.AnsweredByLink
}

// checkRating checks a rating's score and comment.
func checkRating(score int, comment, via string) (ratingIn, error) {
	if score < 1 || score > 5 {
		return ratingIn{}, desk.Invalid("score", "choose 1 to 5")
	}
	comment = strings.TrimSpace(comment)
	if len(comment) > maxRatingComment || !utf8.ValidString(comment) {
		return ratingIn{}, desk.Invalid("comment", "at most %d bytes of text", maxRatingComment)
	}
	return ratingIn{score: score, comment: comment, via: via}, nil
}

// rate is the one rating command, whichever way the rating came (the portal, or the page the
// resolution mail's link opened): the customer's rating of the resolution of c they confirmed
// last, given or changed within the week, on the record as their entry.
func (s *Service) rate(w *work, c *desk.Case, actor desk.Actor, in ratingIn) (desk.Rating, error) {
	ctx, tx := w.ctx, w.tx
	if c.Status != desk.StatusClosed {
		return desk.Rating{}, desk.Conflict("not_confirmed", fmt.Sprintf("%s is %s: a case is rated once its resolution is confirmed", c.Ref(), c.Status), nil)
	}
	confirmed, err := tx.LastConfirmed(ctx, c.ID)
	if err != nil {
		return desk.Rating{}, err
	}
	before, err := tx.Rating(ctx, c.ID)
	changed := err == nil && before.ResolutionAt.Equal(confirmed)
	if err != nil && !store.IsNotFound(err) {
		return desk.Rating{}, err
	}
	if changed && !before.Changeable(w.now) {
		return desk.Rating{}, desk.Conflict("rating_final", fmt.Sprintf("the rating of %s was given on %s and can be changed for %d days only",
			c.Ref(), before.CreatedAt.Format(time.DateOnly), int(desk.RatingChangeable.Hours()/24)), nil)
	}
	if err := tx.SaveRating(ctx, desk.Rating{CaseID: c.ID, CustomerID: c.CustomerID, ResolutionAt: confirmed, Score: in.score, Comment: in.comment}, w.now); err != nil {
		return desk.Rating{}, err
	}
	body := fmt.Sprintf("%d/5", in.score)
	if in.comment != "" {
		body += "\n\n" + in.comment
	}
	via := in.via
	if via == desk.AnsweredInPortal {
		via = "" // the portal's, as before the link asked too
	}
	if _, err := s.appendRecord(w, c, []desk.Draft{{Kind: desk.KindRatingGiven, Actor: actor, Channel: "portal", Body: body,
		Data: desk.RatingGivenData{Score: in.score, Changed: changed, Via: via}}}); err != nil {
		return desk.Rating{}, err
	}
	return tx.Rating(ctx, c.ID)
}
