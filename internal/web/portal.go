package web

import "net/http"

func (s *Server) portalRoutes(mux *http.ServeMux) {}
