package web

import "net/http"

func (s *Server) inboxRoutes(mux *http.ServeMux) {}
