package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// searchHit is one case found, as the results list shows it.
type searchHit struct {
	service.SearchHit
	Customer   string
	StatusText string
	URL        string // the case, at the entry that matched when there is one
}

type searchData struct {
	Query string
	Hits  []searchHit
	Error string
	// Open incidents the hits may be linked to in bulk (none: the reader may not link).
	OpenIncidents []desk.Incident
	LinkError     string
}

// searchLimit is how many cases one results page lists.
const searchLimit = 50

// search finds cases by words and references (GET /search?q=…): the service decides what the
// agent may see; every hit links to its case.
func (s *Server) search(w http.ResponseWriter, r *request) error {
	return s.searchPage(w, r, strings.TrimSpace(r.URL.Query().Get("q")), http.StatusOK, "")
}

// searchPage shows the results for q; linkErr is the bulk link form's refusal, if any.
func (s *Server) searchPage(w http.ResponseWriter, r *request, q string, status int, linkErr string) error {
	data := searchData{Query: q, LinkError: linkErr}
	title := r.T("search.title")
	if q == "" {
		return s.render(w, r, http.StatusOK, "search", view{Title: title, Data: data})
	}
	title = r.T("search.title_for", q)
	hits, err := s.svc.Search(r.Context(), r.sess.Actor, q, searchLimit)
	if err != nil {
		if isInvalid(err) {
			data.Error = r.ErrorText(err)
			return s.render(w, r, http.StatusUnprocessableEntity, "search", view{Title: title, Data: data})
		}
		return err
	}
	ids := make([]int64, 0, len(hits))
	for _, h := range hits {
		ids = append(ids, h.CustomerID)
	}
	names, err := s.svc.CustomerNames(r.Context(), r.sess.Actor, ids)
	if err != nil {
		return err
	}
	for _, h := range hits {
		hit := searchHit{SearchHit: h, Customer: names[h.CustomerID], StatusText: r.T("inbox.status." + string(h.Status)),
			URL: "/cases/" + strconv.FormatInt(h.CaseID, 10)}
		if h.Seq != 0 {
			hit.URL += "#e" + strconv.FormatInt(h.Seq, 10) // the case page's id for a record entry
		}
		data.Hits = append(data.Hits, hit)
	}
	if len(data.Hits) > 0 && service.Gate(r.sess.Actor, service.ActIncidentLink) == nil {
		if data.OpenIncidents, err = s.svc.Incidents(r.Context(), r.sess.Actor, desk.IncidentOpen); err != nil {
			return err
		}
	}
	return s.render(w, r, status, "search", view{Title: title, Data: data})
}

// searchLinkIncident links the hits checked on the results page to the open incident chosen
// there (POST /search/incident), by the incident's own command, and shows the incident.
func (s *Server) searchLinkIncident(w http.ResponseWriter, r *request) error {
	if err := service.Gate(r.sess.Actor, service.ActIncidentLink); err != nil {
		return err
	}
	q := strings.TrimSpace(r.PostFormValue("q"))
	inc, err := strconv.ParseInt(r.PostFormValue("incident"), 10, 64)
	if err != nil || inc <= 0 {
		return s.searchPage(w, r, q, http.StatusUnprocessableEntity, r.ErrorText(desk.Invalid("incident", "choose the incident to link the cases to")))
	}
	var ids []int64
	for _, v := range r.PostForm["case"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
			ids = append(ids, id)
		}
	}
	if _, err := s.svc.LinkCases(r.Context(), r.sess.Actor, inc, ids); err != nil {
		_, status, ok := formRefusal(err)
		if !ok {
			return err
		}
		return s.searchPage(w, r, q, status, r.ErrorText(err))
	}
	return s.incidentDone(w, r, inc, "linked")
}

func isInvalid(err error) bool {
	e, ok := desk.AsError(err)
	return ok && e.Kind == desk.KindInvalid
}
