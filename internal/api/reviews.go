package api

import (
	"net/http"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// The quality review's rubric (issue 18): the admin defines the criteria reviews are scored on;
// a review keeps the criteria in force when it was drawn.
func (s *Server) reviewRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/review-criteria", summary: "The quality review's rubric: each criterion's name, guidance, scale (scored 1 to scale) " +
			"and translations; those in force first, then the retired (retired_at set).",
			status: http.StatusOK, answer: []desk.Criterion{}, handle: s.listCriteria, read: readShared},
		{method: "POST", path: "/api/v1/review-criteria", summary: "Add a criterion to the rubric (admin): name, guidance, scale 2 to 10 (5 when 0), " +
			"translations by language (et, hr). Reviews drawn from now on are scored on it; those drawn before keep their criteria.",
			status: http.StatusCreated, body: desk.NewCriterion{}, answer: desk.Criterion{}, handle: s.addCriterion},
		{method: "PUT", path: "/api/v1/review-criteria/{id}", summary: "Rewrite a criterion (admin), every field; retired: true retires it (no longer drawn " +
			"with new reviews), false brings it back. Reviews drawn before keep the criterion as it was.",
			status: http.StatusOK, body: service.CriterionIn{}, answer: desk.Criterion{}, handle: s.editCriterion},
	}
}

func (s *Server) listCriteria(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	return svc.ReviewCriteria(r.Context(), a)
}

func (s *Server) addCriterion(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	var in desk.NewCriterion
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return svc.AddCriterion(r.Context(), a, in)
}

func (s *Server) editCriterion(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	id, in, err := idAndBody[service.CriterionIn](r, decode)
	if err != nil {
		return nil, err
	}
	return svc.EditCriterion(r.Context(), a, id, in)
}
