package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// The pages a customer's one-time answer links open (service/answerlinks.go): a downward
// hand-over's question (agreement.go) and a proposed resolution (resolution.go). Opening a
// link shows the question and one button for the answer the link stands for; only the button
// answers, so a mail scanner that fetches links answers nothing and leaves the link working.
// Each kind of link is an answerPage: where it lives, how the service checks and answers it,
// and the catalogue's words for it.

// answerPage is one kind of answer link's page.
type answerPage struct {
	path   string
	check  func(ctx context.Context, token string) (linkQuestion, error)
	answer func(ctx context.Context, token string, yes bool) (linkQuestion, error)
	words  answerWords
	// refusals names the page's refusal for each of the service's codes: "used", "expired" or
	// "closed" (anything else is "unknown").
	refusals map[string]string
	// rate: a yes by the link asks for the customer's rating next (a resolution's).
	rate bool
}

// linkAnswers are an answerPage's check and answer for a kind of link the service checks and
// answers with a question of its own type (Q): view is what the page shows of it.
func linkAnswers[Q any](check func(context.Context, string) (Q, error), answer func(context.Context, string, bool) (Q, error),
	view func(Q) linkQuestion) (func(context.Context, string) (linkQuestion, error), func(context.Context, string, bool) (linkQuestion, error)) {
	checkQ := func(ctx context.Context, token string) (linkQuestion, error) {
		q, err := check(ctx, token)
		return view(q), err
	}
	answerQ := func(ctx context.Context, token string, yes bool) (linkQuestion, error) {
		q, err := answer(ctx, token, yes)
		return view(q), err
	}
	return checkQ, answerQ
}

// answerWords are the catalogue's keys for a kind of link's page.
type answerWords struct {
	Ask, Yes, No, Why, OtherYes, OtherNo        string // the question and its button
	Title, Yessed, Noed, Portal                 string // the answer recorded
	Refused, Used, Expired, Closed, UnknownLink string // why a link does not answer
}

// linkQuestion is what a link's page shows: the case and the question, in the customer's
// language (Lang, when the link is known to be theirs).
type linkQuestion struct {
	Lang, Ref, Subject, Question string
}

// answerPageData is the page: the question and the one button for the answer the link stands
// for, the answer recorded, or why the link no longer works.
type answerPageData struct {
	Q       linkQuestion
	W       answerWords
	Path    string
	Token   string
	Agree   bool   // the answer this page's button gives
	Other   string // the address of the same page for the other answer
	Done    bool   // the answer is recorded
	Refused string // "used", "expired", "closed", "rating" or "unknown"
	// Rate asks for the customer's rating (1 to 5 and a comment) after a yes; Rated is the
	// rating given by the link, with until when it may be changed.
	Rate   bool
	Rated  *desk.Rating
	Until  time.Time
	Error  string // why the rating was refused (a score missing)
	Scores []int
}

func (s *Server) answerRoutes(mux *routeMux, p answerPage) {
	mux.Handle("GET "+p.path, s.public(p.path, func(w http.ResponseWriter, r *request) error { return s.answerForm(w, r, p) }))
	mux.Handle("POST "+p.path, s.public(p.path, func(w http.ResponseWriter, r *request) error { return s.answerByLink(w, r, p) }))
}

// linkAnswer reads which answer a link or its button stands for ("yes" or "no"; anything else
// is no answer).
func linkAnswer(r *request) (agree, ok bool) {
	switch r.FormValue("answer") {
	case "yes":
		return true, true
	case "no":
		return false, true
	}
	return false, false
}

// inCustomersLanguage shows a link's page in the language the customer chose, when they chose
// one: the mail was written in it, whatever the browser that opens the link prefers.
func (s *Server) inCustomersLanguage(r *request, lang string) {
	if _, ok := s.cat[lang]; ok && lang != "" {
		r.lang = lang
	}
}

func (s *Server) answerForm(w http.ResponseWriter, r *request, p answerPage) error {
	token := r.URL.Query().Get("token")
	agree, ok := linkAnswer(r)
	if !ok {
		return s.answerRefused(w, r, p, linkQuestion{}, desk.NotFound("link", ""))
	}
	q, err := p.check(r.Context(), token)
	if err != nil {
		return s.answerRefused(w, r, p, q, err)
	}
	s.inCustomersLanguage(r, q.Lang)
	other := "no"
	if !agree {
		other = "yes"
	}
	data := answerPageData{Q: q, W: p.words, Path: p.path, Token: token, Agree: agree,
		Other: p.path + "?answer=" + other + "&token=" + url.QueryEscape(token)}
	return s.render(w, r, http.StatusOK, "portal_handover", portalView(r.T(p.words.Ask), data))
}

func (s *Server) answerByLink(w http.ResponseWriter, r *request, p answerPage) error {
	agree, ok := linkAnswer(r)
	if !ok {
		return s.answerRefused(w, r, p, linkQuestion{}, desk.NotFound("link", ""))
	}
	q, err := p.answer(r.Context(), r.FormValue("token"), agree)
	if err != nil {
		return s.answerRefused(w, r, p, q, err)
	}
	s.inCustomersLanguage(r, q.Lang)
	data := answerPageData{Q: q, W: p.words, Path: p.path, Agree: agree, Done: true}
	if agree && p.rate {
		// The link is used now, but still says whose rating it asks for.
		data.Rate, data.Token, data.Scores = true, r.FormValue("token"), r.PortalScores()
	}
	return s.render(w, r, http.StatusOK, "portal_handover", portalView(r.T(p.words.Title), data))
}

// rateByLink records the rating asked after a yes by a resolution's link: in the customer's
// language, by the portal's one rating command.
func (s *Server) rateByLink(w http.ResponseWriter, r *request) error {
	p := s.resolutionPage()
	token := r.FormValue("token")
	score, err := strconv.Atoi(r.FormValue("score"))
	if err != nil {
		score = 0 // refused by the service as out of range
	}
	q, rating, err := s.svc.RateByLink(r.Context(), token, score, r.FormValue("comment"))
	view := linkQuestion{Lang: q.Lang, Ref: q.Ref, Subject: q.Subject, Question: q.Resolution}
	s.inCustomersLanguage(r, q.Lang)
	data := answerPageData{Q: view, W: p.words, Path: p.path, Agree: true, Done: true}
	if e, ok := desk.AsError(err); ok && e.Kind == desk.KindInvalid {
		data.Rate, data.Token, data.Scores, data.Error = true, token, r.PortalScores(), r.T("portal.rating.pick")
		return s.render(w, r, http.StatusUnprocessableEntity, "portal_handover", portalView(r.T(p.words.Title), data))
	}
	if err != nil {
		e, ok := desk.AsError(err)
		if !ok {
			return err
		}
		refused, status := answerPageData{W: p.words, Path: p.path, Refused: "rating"}, http.StatusConflict
		if e.Kind == desk.KindNotFound {
			refused.Refused, status = "unknown", http.StatusNotFound
		}
		return s.render(w, r, status, "portal_handover", portalView(r.T(p.words.Refused), refused))
	}
	data.Rated, data.Until = &rating, rating.CreatedAt.Add(desk.RatingChangeable)
	return s.render(w, r, http.StatusOK, "portal_handover", portalView(r.T("portal.rating.thanks"), data))
}

// answerRefused says why a link does not answer, and where the customer can: in the customer's
// language when the link is theirs.
func (s *Server) answerRefused(w http.ResponseWriter, r *request, p answerPage, q linkQuestion, err error) error {
	e, ok := desk.AsError(err)
	if !ok {
		return err
	}
	s.inCustomersLanguage(r, q.Lang)
	data := answerPageData{W: p.words, Path: p.path}
	var status int
	data.Refused, status = linkRefusal(e.Code, p.refusals)
	return s.render(w, r, status, "portal_handover", portalView(r.T(p.words.Refused), data))
}

// linkRefusal is why a one-time link does not work as its page names it (refusals maps the
// service's codes to "used", "expired", …), with the status it answers: 410 Gone for a link
// the desk knows, else "unknown" and 404.
func linkRefusal(code string, refusals map[string]string) (string, int) {
	if why, ok := refusals[code]; ok {
		return why, http.StatusGone
	}
	return "unknown", http.StatusNotFound
}

// resolutionPage is the page of the links in a resolution's mail: confirm, or "not what I
// asked".
func (s *Server) resolutionPage() answerPage {
	check, answer := linkAnswers(s.svc.CheckResolutionLink, s.svc.AnswerResolutionLink, func(q service.ResolutionQuestion) linkQuestion {
		return linkQuestion{Lang: q.Lang, Ref: q.Ref, Subject: q.Subject, Question: q.Resolution}
	})
	return answerPage{path: "/portal/resolution", check: check, answer: answer,
		words: answerWords{Ask: "portal.resolution.title", Yes: "portal.resolution.yes", No: "portal.resolution.no", Why: "portal.handover.why",
			OtherYes: "portal.resolution.other_yes", OtherNo: "portal.resolution.other_no", Title: "portal.resolution.answered",
			Yessed: "portal.resolution.confirmed", Noed: "portal.resolution.rejected", Portal: "portal.handover.portal",
			Refused: "portal.handover.refused", Used: "portal.resolution.used", Expired: "portal.handover.expired", Closed: "portal.resolution.closed",
			UnknownLink: "portal.handover.unknown"},
		refusals: map[string]string{"resolution_link_used": "used", "resolution_link_expired": "expired", "resolution_closed": "closed"},
		rate:     true,
	}
}
