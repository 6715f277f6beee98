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
}

// searchLimit is how many cases one results page lists.
const searchLimit = 50

// search finds cases by words and references (GET /search?q=…): the service decides what the
// agent may see; every hit links to its case.
func (s *Server) search(w http.ResponseWriter, r *request) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	data := searchData{Query: q}
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
	return s.render(w, r, http.StatusOK, "search", view{Title: title, Data: data})
}

func isInvalid(err error) bool {
	e, ok := desk.AsError(err)
	return ok && e.Kind == desk.KindInvalid
}
