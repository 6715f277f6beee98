package service

import (
	"net/url"
	"time"

	"github.com/keptdesk/kept/internal/auth"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// One-time links that answer a question the desk put to a customer on the record: whether a
// colleague below the case's rung may take it (agreement.go), whether a proposed resolution
// answers what they asked (resolution.go). A mail carries two, one per answer; each opens a
// page with the question and one button, so a mail scanner that fetches links answers nothing
// (the web pages). The secret is kept only as a digest; answering either way, by either link
// or elsewhere, uses both.

// linkPurpose is what a kind of link answers, where its page is and how its refusals are named.
type linkPurpose struct {
	name   string        // as stored (store.HandoverLink.Purpose)
	path   string        // the page the link opens, under the desk's address
	length time.Duration // how long the links work
	// Why a link is refused once it is known to be genuine.
	used, expired *desk.Error
}

var (
	handoverLinks = linkPurpose{name: "handover", path: "/portal/handover", length: HandoverLinkLength,
		used:    desk.Conflict("handover_link_used", "this link has been used: the question was answered already", nil),
		expired: desk.Conflict("handover_link_expired", "this link has expired; answer in the portal", nil)}
	resolutionLinks = linkPurpose{name: "resolution", path: "/portal/resolution", length: ResolutionLinkLength,
		used:    desk.Conflict("resolution_link_used", "this link has been used: the resolution was answered already", nil),
		expired: desk.Conflict("resolution_link_expired", "this link has expired; answer in the portal or reply to the mail", nil)}
)

// answerLinks makes the two links that answer the question at seq on c, for its customer:
// yes and no, working until expires. ok is false when the desk does not know its own address
// (no links can be made; the mail says to answer in the portal).
func (s *Service) answerLinks(w *work, c desk.Case, cust desk.Customer, seq int64, p linkPurpose) (yes, no string, expires time.Time, ok bool, err error) {
	base := s.baseURL()
	if base == "" {
		return "", "", time.Time{}, false, nil
	}
	expires = w.now.Add(p.length)
	links := map[string]string{}
	for _, answer := range []string{"yes", "no"} {
		secret, digest, err := auth.NewSecret()
		if err != nil {
			return "", "", time.Time{}, false, err
		}
		id, err := w.tx.InsertHandoverLink(w.ctx, store.HandoverLink{CaseID: c.ID, AskedSeq: seq, CustomerID: cust.ID, Purpose: p.name,
			Digest: digest, ExpiresAt: expires}, w.now)
		if err != nil {
			return "", "", time.Time{}, false, err
		}
		links[answer] = base + p.path + "?answer=" + answer + "&token=" + url.QueryEscape(auth.FormatToken(id, secret))
	}
	return links["yes"], links["no"], expires, true, nil
}

// answerLink loads the link behind a token and checks it may still answer. A link nobody made,
// a tampered one, or one made for another purpose is "not found".
func (s *Service) answerLink(w *work, token string, p linkPurpose) (store.HandoverLink, error) {
	id, secret, err := auth.ParseToken(token)
	if err != nil {
		return store.HandoverLink{}, desk.NotFound("link", "")
	}
	l, err := w.tx.HandoverLinkByID(w.ctx, id)
	if store.IsNotFound(err) || (err == nil && (!auth.SecretMatches(secret, l.Digest) || l.Purpose != p.name)) {
		return store.HandoverLink{}, desk.NotFound("link", "")
	} else if err != nil {
		return l, err
	}
	switch {
	case l.Used:
		return l, p.used
	case !l.ExpiresAt.After(w.now):
		return l, p.expired
	}
	return l, nil
}

// linkedCase loads the link behind a token with its case and the language of its customer; a
// link used or expired still gives the language, so the refusal is in the customer's words.
func (s *Service) linkedCase(w *work, token string, p linkPurpose) (store.HandoverLink, *desk.Case, string, error) {
	l, err := s.answerLink(w, token, p)
	if err != nil {
		return l, nil, linkLang(w, l, err, p), err
	}
	cust, err := w.customer(l.CustomerID)
	if err != nil {
		return l, nil, "", err
	}
	c, err := w.loadCase(l.CaseID)
	return l, c, cust.Lang, err
}

// linkToUse is linkedCase for a command that uses the link up: the link is read again under
// its case's lock, so that of two answers racing each other only the first finds it working.
func (s *Service) linkToUse(w *work, token string, p linkPurpose) (store.HandoverLink, *desk.Case, string, error) {
	_, c, lang, err := s.linkedCase(w, token, p)
	if err != nil {
		return store.HandoverLink{}, c, lang, err
	}
	l, err := s.answerLink(w, token, p)
	return l, c, lang, err
}

// linkLang is the language of the customer a link was made for, when err (from answerLink)
// leaves the link known to be genuine (used or expired); "" otherwise.
func linkLang(w *work, l store.HandoverLink, err error, p linkPurpose) string {
	if err != p.used && err != p.expired {
		return ""
	}
	cust, err := w.customer(l.CustomerID)
	if err != nil {
		return ""
	}
	return cust.Lang
}
