package web

import "net/http"

func (s *Server) availabilityRoutes(mux *http.ServeMux) {}
