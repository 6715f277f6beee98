package web

import "net/http"

func (s *Server) casePageRoutes(mux *http.ServeMux) {}
