// Package api is Kept's JSON API (CONTRACT.md): one route table drives both the HTTP mux
// and the OpenAPI description, so the two cannot drift apart. Handlers decode, call the
// service's commands and queries, and encode; they hold no rules and no SQL.
package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/metrics"
	"github.com/keptdesk/kept/internal/realip"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/text"
)

// Server answers the JSON API, /healthz and /metrics.
type Server struct {
	svc     *service.Service
	log     *slog.Logger
	metrics *metrics.Metrics
	version string
	node    string // this node's name, for its readiness probe
	// deadline bounds each API request's work: a database that hangs answers 503, never a
	// request that hangs with it.
	deadline time.Duration
	watched  []watchedLoop // this node's background loops, for GET /readyz
	draw     RecordDrawer  // nil: records export as JSON only
}

// RecordDrawer draws a case's record as a readable document (a PDF) for a reader: lang ("":
// the best of acceptLanguage), zone, and whether the reader is the customer. The words are the
// web pages' catalogue, so cmd/kept hands the web package's drawer to the API rather than the
// API importing the pages.
type RecordDrawer func(x desk.RecordExport, lang, acceptLanguage string, zone *time.Location, customer bool) ([]byte, error)

// DrawsRecords lets the API answer format=pdf with d.
func (s *Server) DrawsRecords(d RecordDrawer) *Server {
	s.draw = d
	return s
}

// watchedLoop is a background loop of this node that GET /readyz looks at.
type watchedLoop struct {
	name string
	last func() time.Time
}

// stuckAfter is how long a background loop may go without beginning a round before the node is
// not ready: a round waits at most a relay's session, and sleeps at most a second between.
const stuckAfter = 10 * time.Minute

// Watch has GET /readyz answer 503 when the named loop (the timers, the outbox) has not begun a
// round for stuckAfter; last is zero before its first.
func (s *Server) Watch(name string, last func() time.Time) *Server {
	s.watched = append(s.watched, watchedLoop{name: name, last: last})
	return s
}

// requestDeadline is how long an API request may work before it answers 503.
const requestDeadline = 20 * time.Second

// WithDeadline sets how long a request may work (tests shorten it).
func (s *Server) WithDeadline(d time.Duration) *Server {
	s.deadline = d
	return s
}

// OnNode names the node the server runs on (see GET /readyz).
func (s *Server) OnNode(node string) *Server {
	s.node = node
	return s
}

// New returns the API server.
func New(svc *service.Service, log *slog.Logger, m *metrics.Metrics, version string) *Server {
	svc.EncodeRecordsWith(appendEntryJSON) // the record's answer, kept by the service (getRecord)
	return &Server{svc: svc, log: log, metrics: m, version: version, deadline: requestDeadline}
}

// Handler routes every request of the API.
func (s *Server) Handler() http.Handler { return s.mux().ServeMux }

// Routes lists every pattern the API serves ("METHOD /path"), for the permission matrix test.
func (s *Server) Routes() []string { return s.mux().patterns }

// routeMux is a ServeMux that remembers its patterns.
type routeMux struct {
	*http.ServeMux
	patterns []string
}

func (m *routeMux) Handle(pattern string, h http.Handler) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.Handle(pattern, h)
}

func (s *Server) mux() *routeMux {
	mux := &routeMux{ServeMux: http.NewServeMux()}
	for _, rt := range s.routes() {
		mux.Handle(rt.method+" "+rt.path, s.wrap(rt))
	}
	s.registerDownloads(mux)
	mux.Handle("GET /healthz", s.plain("/healthz", s.healthz))
	mux.Handle("GET /readyz", s.plain("/readyz", s.readyz))
	mux.Handle("GET /metrics", s.plain("/metrics", s.metrics.Handler().ServeHTTP))
	mux.Handle("GET /api/v1/openapi.json", s.plain("/api/v1/openapi.json", s.openAPI))
	mux.Handle("/api/", s.plain("/api/*", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &desk.Error{Kind: desk.KindNotFound, Code: "no_route", Message: "no API route " + r.Method + " " + r.URL.Path})
	}))
	return mux
}

// handlerFunc is an API handler: it returns the value to encode with the route's status.
// handlerFunc answers a route as actor. svc is the service to use: a read-only route's shares
// the token check's read transaction (see service.ReadAs).
type handlerFunc func(r *http.Request, svc *service.Service, actor desk.Actor) (any, error)

// plain wraps a handler with the log line, metrics and panic safety every request gets.
func (s *Server) plain(route string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &metrics.Recorder{ResponseWriter: w}
		sw.Header().Set("X-Content-Type-Options", "nosniff")
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("panic answering request", "method", r.Method, "path", r.URL.Path, "panic", p)
				if sw.Code == 0 {
					writeError(sw, errors.New("internal error"))
				}
			}
			took := time.Since(start)
			s.metrics.Request(r.Method, route, sw.Code, took)
			s.log.Info("request", "method", r.Method, "path", r.URL.Path, "status", sw.Code, "bytes", sw.Bytes,
				"ms", float64(took.Microseconds())/1000, "remote", realip.String(realip.From(r)))
		}()
		h(sw, r)
	})
}

// wrap turns an API route into an http.Handler: authentication, decoding errors, encoding.
func (s *Server) wrap(rt route) http.Handler {
	return s.plain(rt.path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		if unreadableText(r) {
			writeError(w, errNUL)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), s.deadline)
		defer cancel()
		r = r.WithContext(ctx)
		var out any
		var err error
		if rt.read != 0 {
			out, err = s.readAs(w, r, rt)
		} else {
			var actor desk.Actor
			if actor, err = s.authenticate(r); err != nil {
				unauthorized(w, err)
				return
			}
			limit := rt.maxBody
			if limit == 0 {
				limit = maxRequestBody
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
			out, err = rt.handle(r, s.svc, actor)
		}
		if err == errTokenRefused {
			return // answered
		}
		if err != nil {
			if service.Unavailable(err) {
				s.log.Warn("request answered 503: the database does not answer", "method", r.Method, "path", r.URL.Path, "err", err)
			} else if e, ok := desk.AsError(err); !ok || e.Kind == 0 {
				s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
			}
			writeError(w, err)
			return
		}
		if _, tagged := out.(taggedAnswer); rt.etag && !tagged {
			out = tagByBytes(out, r.Header.Get("If-None-Match"))
		}
		if t, ok := out.(taggedAnswer); ok {
			t.write(w, rt.status)
			return
		}
		if raw, ok := out.(rawAnswer); ok {
			w.Header().Set("Content-Type", raw.contentType)
			w.Header().Set("Content-Disposition", "attachment; filename="+strconv.Quote(raw.filename))
			w.WriteHeader(rt.status)
			_, _ = w.Write(raw.body)
			return
		}
		writeJSON(w, rt.status, out)
	})
}

// taggedAnswer is a JSON answer with its entity tag, which a client may keep and revalidate
// (If-None-Match): notModified answers 304 with no body.
type taggedAnswer struct {
	etag        string
	notModified bool
	body        []byte // with its final newline, as writeJSON writes it
}

func (t taggedAnswer) write(w http.ResponseWriter, status int) {
	h := w.Header()
	h.Set("ETag", t.etag)
	// Kept by the client, but asked again each time: access is checked on every request.
	h.Set("Cache-Control", "private, no-cache")
	if t.notModified {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(t.body)))
	w.WriteHeader(status)
	_, _ = w.Write(t.body)
}

// tagByBytes encodes an answer as writeJSON would and tags it with a digest of those bytes.
func tagByBytes(v any, ifNoneMatch string) taggedAnswer {
	body := encodeJSON(v)
	sum := sha256.Sum256(body)
	tag := `"b-` + hex.EncodeToString(sum[:16]) + `"`
	if service.MatchesETag(ifNoneMatch, tag) {
		return taggedAnswer{etag: tag, notModified: true}
	}
	return taggedAnswer{etag: tag, body: body}
}

// rawAnswer is an answer that is not JSON (a report as CSV), sent as it is.
type rawAnswer struct {
	contentType, filename string
	body                  []byte
}

// readAs answers a read-only route: the token check and the route's reads share one read
// transaction (see service.ReadAs). A refused token is answered here, and errTokenRefused
// returned.
func (s *Server) readAs(w http.ResponseWriter, r *http.Request, rt route) (any, error) {
	token, err := bearer(r)
	if err != nil {
		unauthorized(w, err)
		return nil, errTokenRefused
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
	checked := false
	var out any
	err = s.svc.ReadAs(r.Context(), token, rt.read == readLoose, func(svc *service.Service, actor desk.Actor) error {
		checked = true
		var err error
		out, err = rt.handle(r, svc, actor)
		return err
	})
	if !checked {
		if e, ok := desk.AsError(err); ok && e.Kind == desk.KindNotFound {
			err = errUnauthorized
		}
		unauthorized(w, err)
		return nil, errTokenRefused
	}
	return out, err
}

// errTokenRefused says the request's token was refused and the answer written.
var errTokenRefused = errors.New("token refused")

func unauthorized(w http.ResponseWriter, err error) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="kept"`)
	writeError(w, err)
}

// bearer is the request's bearer token.
func bearer(r *http.Request) (string, error) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", errUnauthorized
	}
	return strings.TrimSpace(token), nil
}

var errUnauthorized = &desk.Error{Code: "unauthorized", Message: "send a valid API token as 'Authorization: Bearer TOKEN' (create one with `kept token`)"}

func (s *Server) authenticate(r *http.Request) (desk.Actor, error) {
	token, err := bearer(r)
	if err != nil {
		return desk.Actor{}, err
	}
	actor, err := s.svc.Authenticate(r.Context(), token)
	if e, ok := desk.AsError(err); ok && e.Kind == desk.KindNotFound {
		return desk.Actor{}, errUnauthorized
	}
	return actor, err
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.svc.Ping(ctx); err != nil {
		s.log.Error("health check: database does not answer", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "database": s.svc.Backend(), "version": s.version})
}

// readyz answers 200 only when the database takes a write: a desk whose disk is full, or
// whose database is read-only or gone, is alive (healthz) but not ready for work.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	if err := s.svc.Ready(ctx, s.node); err != nil {
		s.log.Error("readiness check: the database takes no write", "err", err)
		w.Header().Set("Retry-After", "5")
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "the database takes no write"})
		return
	}
	for _, l := range s.watched {
		if last := l.last(); !last.IsZero() && time.Since(last) > stuckAfter {
			s.log.Error("readiness check: a background loop is stuck", "loop", l.name, "last_round", last)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "a background loop is stuck", "loop": l.name})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready", "database": s.svc.Backend(), "version": s.version})
}

const maxRequestBody = 4 << 20

// writeJSON answers v as JSON. The body is encoded whole first, so the answer carries its
// Content-Length (no chunked encoding for either side to frame and parse).
func writeJSON(w http.ResponseWriter, status int, v any) {
	body := encodeJSON(v)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body) // the client may have gone; nothing more to tell it
}

// encodeJSON is v's JSON answer, with a final newline.
func encodeJSON(v any) []byte {
	var body []byte
	if a, ok := v.(jsonAppender); ok {
		if b, err := a.appendJSON(nil); err == nil {
			body = append(b, '\n')
		}
	}
	if body == nil {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(v) // what cannot be encoded answers an empty body, as it always has
		body = buf.Bytes()
	}
	return body
}

// errorBody is the contract's error shape.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Field   string         `json:"field,omitempty"`
	Details map[string]any `json:"details,omitempty"`
}

func writeError(w http.ResponseWriter, err error) {
	if service.Unavailable(err) {
		w.Header().Set("Retry-After", "5")
		writeJSON(w, http.StatusServiceUnavailable, errorBody{errorDetail{Code: "unavailable",
			Message: "the desk's database does not answer just now; try again in a few seconds"}})
		return
	}
	e, ok := desk.AsError(err)
	if !ok {
		writeJSON(w, http.StatusInternalServerError, errorBody{errorDetail{Code: "internal", Message: "the desk could not answer; the error is in its log"}})
		return
	}
	status := map[desk.ErrorKind]int{
		desk.KindInvalid: http.StatusUnprocessableEntity, desk.KindNotFound: http.StatusNotFound,
		desk.KindConflict: http.StatusConflict, desk.KindForbidden: http.StatusForbidden, kindBadRequest: http.StatusBadRequest,
	}[e.Kind]
	if e == errUnauthorized {
		status = http.StatusUnauthorized
	}
	if status == 0 {
		status = http.StatusInternalServerError
	}
	msg := e.Message
	if e.Field != "" {
		msg = e.Field + ": " + e.Message
	}
	d := errorDetail{Code: e.Code, Message: msg, Field: e.Field, Details: e.Details}
	// Conflicts put what would be allowed at the top level too, where clients look first.
	if e.Kind == desk.KindConflict && len(e.Details) > 0 {
		body := map[string]any{"error": d}
		for k, v := range e.Details {
			body[k] = v
		}
		writeJSON(w, status, body)
		return
	}
	writeJSON(w, status, errorBody{d})
}

// kindBadRequest marks input that could not be read at all (400), as opposed to input read
// but refused by the rules (422).
const kindBadRequest desk.ErrorKind = 100

func badRequest(field, msg string) error {
	return &desk.Error{Kind: kindBadRequest, Code: "bad_request", Field: field, Message: msg}
}

// errNUL refuses a text holding a NUL character or bytes that are not UTF-8: no text of the
// desk may, and PostgreSQL refuses both in text, so the command failed with a server error (on
// SQLite it was stored). A JSON body's strings are UTF-8 once decoded; its NUL is checked in
// decode.
var errNUL = badRequest("", "a text holds a NUL character (U+0000) or bytes that are not UTF-8, which no text of the desk may")

// unreadableText reports whether the path or a query value holds a NUL or is not UTF-8.
func unreadableText(r *http.Request) bool {
	if !text.Storable(r.URL.Path) {
		return true
	}
	for _, vs := range r.URL.Query() {
		if slices.ContainsFunc(vs, func(v string) bool { return !text.Storable(v) }) {
			return true
		}
	}
	return false
}

// nulEscape reports whether a JSON text holds a string with a NUL character: JSON writes one
// only as the escape \u0000 (an escaped backslash before u0000 is not one).
func nulEscape(b []byte) bool {
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 == len(b) {
			continue
		}
		if b[i+1] == 'u' && bytes.HasPrefix(b[i+2:], []byte("0000")) {
			return true
		}
		i++ // the escaped character
	}
	return false
}

// decode reads a JSON body into dst, refusing unknown fields and naming what is wrong.
func decode(r *http.Request, dst any) error {
	body, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &desk.Error{Kind: kindBadRequest, Code: "too_large", Message: "the request body is larger than " + strconv.FormatInt(tooBig.Limit>>20, 10) + " MiB"}
	} else if err != nil {
		return badRequest("", "the body could not be read whole")
	}
	if nulEscape(body) {
		return errNUL
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		var b64 base64.CorruptInputError
		switch {
		case errors.As(err, &syn):
			return badRequest("", "the body is not valid JSON (at byte "+strconv.FormatInt(syn.Offset, 10)+")")
		case errors.As(err, &typ):
			return badRequest(typ.Field, "must be "+jsonKind(typ.Type.Kind().String())+", not "+typ.Value)
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return badRequest("", "a JSON object is required as the body")
		case errors.As(err, &b64):
			// A file's bytes given as base64 (encoding/json's []byte) that are not: said in the
			// API's words, not the decoder's.
			return badRequest("", "a file's content is not base64 (RFC 4648): a wrong character at its byte "+strconv.FormatInt(int64(b64), 10))
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return badRequest(field, "is not a field of this call (see /api/v1/openapi.json)")
		}
		return badRequest("", "the body could not be read: "+err.Error())
	}
	if dec.More() {
		return badRequest("", "the body must hold one JSON object")
	}
	return nil
}

func jsonKind(goKind string) string {
	switch {
	case strings.HasPrefix(goKind, "int"), strings.HasPrefix(goKind, "uint"), strings.HasPrefix(goKind, "float"):
		return "a number"
	case goKind == "string":
		return "a string"
	case goKind == "bool":
		return "true or false"
	case goKind == "slice":
		return "a list"
	}
	return "an object"
}

// decodeOptional reads a JSON body like decode, but an empty body is an empty object.
func decodeOptional(r *http.Request, dst any) error {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return decode(r, dst) // names the size limit
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return decode(r, dst)
}

// byID serves a call whose only input is the path's {id}: the service command or read
// named by its method expression, with the answer as it returns it.
func byID[T any](do func(*service.Service, context.Context, desk.Actor, int64) (T, error)) handlerFunc {
	return func(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return nil, err
		}
		return do(svc, r.Context(), a, id)
	}
}

// byActor serves a call whose only input is the actor (the lists): the service read named by
// its method expression, with the answer as it returns it.
func byActor[T any](do func(*service.Service, context.Context, desk.Actor) (T, error)) handlerFunc {
	return func(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
		return do(svc, r.Context(), a)
	}
}

// deleted serves a DELETE of the path's {id}: the service command named by its method
// expression, answered {"deleted": true}.
func deleted(do func(*service.Service, context.Context, desk.Actor, int64) error) handlerFunc {
	return func(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return nil, err
		}
		if err := do(svc, r.Context(), a, id); err != nil {
			return nil, err
		}
		return map[string]bool{"deleted": true}, nil
	}
}

// withBody serves a call whose input is a JSON body: do is given it decoded into a new T.
func withBody[T any](do func(r *http.Request, svc *service.Service, a desk.Actor, in T) (any, error)) handlerFunc {
	return func(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
		var in T
		if err := decode(r, &in); err != nil {
			return nil, err
		}
		return do(r, svc, a, in)
	}
}

// gatedBody is withBody for a call whose permission (act, from the service's table) is answered
// before the body is read: one who may not is refused whatever they sent.
func gatedBody[T any](act service.Action, do func(r *http.Request, svc *service.Service, a desk.Actor, in T) (any, error)) handlerFunc {
	body := withBody(do)
	return func(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
		if err := service.Gate(a, act); err != nil {
			return nil, err
		}
		return body(r, svc, a)
	}
}

// withIDBody serves a call on the path's {id} with a JSON body (read by decode, or by
// decodeOptional where the body may be left out): how most calls on one object begin.
func withIDBody[T any](read func(*http.Request, any) error, do func(r *http.Request, svc *service.Service, a desk.Actor, id int64, in T) (any, error)) handlerFunc {
	return func(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
		id, in, err := idAndBody[T](r, read)
		if err != nil {
			return nil, err
		}
		return do(r, svc, a, id, in)
	}
}

// idAndBody reads the path's {id} and the JSON body (by decode or decodeOptional) into a new T:
// how most calls on one object begin.
func idAndBody[T any](r *http.Request, read func(*http.Request, any) error) (int64, T, error) {
	var in T
	id, err := pathID(r, "id")
	if err == nil {
		err = read(r, &in)
	}
	return id, in, err
}

// pathIDs reads the path's {id} and the object's under it named by sub (a mail of a case, a
// delivery of a webhook).
func pathIDs(r *http.Request, sub string) (id, subID int64, err error) {
	if id, err = pathID(r, "id"); err != nil {
		return 0, 0, err
	}
	subID, err = pathID(r, sub)
	return id, subID, err
}

// pathID reads an id from the path; cases may also be named by ref (K-1042).
func pathID(r *http.Request, name string) (int64, error) {
	v := r.PathValue(name)
	if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
		return id, nil
	}
	if id, ok := desk.ParseCaseRef(v); ok {
		return id, nil
	}
	if len(v) > 64 { // said back, not echoed whole (a path of 100 KB was)
		v = strings.ToValidUTF8(v[:64], "") + "…"
	}
	return 0, &desk.Error{Kind: desk.KindNotFound, Code: "not_found", Message: "no object " + strconv.Quote(v)}
}

// idParam is a query parameter read as an id (queryID) into to.
type idParam struct {
	name string
	to   *int64
}

// queryIDs reads a list's filters: each parameter in order, then the limit, capped at most.
// The first that is not a number is the error.
func queryIDs(r *http.Request, params []idParam, limit *int, most int64) error {
	for _, p := range params {
		v, err := queryID(r, p.name)
		if err != nil {
			return err
		}
		*p.to = v
	}
	l, err := queryID(r, "limit")
	if err != nil {
		return err
	}
	*limit = int(min(l, most))
	return nil
}

func queryID(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 0 {
		return 0, badRequest(name, "must be a number")
	}
	return id, nil
}
