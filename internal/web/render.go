package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

//go:embed templates static
var files embed.FS

// pages holds one template set per page: the layout and shared partials, plus the page's own
// file defining "content" (and any fragments it renders alone for partial updates).
type pages struct {
	byName map[string]*template.Template
	static map[string]string // file name → content hash, for cache-busting URLs
}

func loadPages() (*pages, error) {
	p := &pages{byName: map[string]*template.Template{}, static: map[string]string{}}
	err := eachFile(files, "static/*", func(f string, b []byte) error {
		sum := sha256.Sum256(b)
		p.static[path.Base(f)] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return nil, err
	}
	funcs := template.FuncMap{
		"static": func(name string) (string, error) {
			h, ok := p.static[name]
			if !ok {
				return "", fmt.Errorf("no static file %q", name)
			}
			return "/static/" + name + "?v=" + h, nil
		},
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, errors.New("dict needs key-value pairs")
			}
			m := map[string]any{}
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, fmt.Errorf("dict key %v is not a string", kv[i])
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
		"add":      func(a, b int) int { return a + b },
		"join":     strings.Join,
		"split":    strings.Fields,
		"weekdays": func() []string { return days },
	}
	base := template.New("layout.html").Funcs(funcs)
	shared := []string{"templates/layout.html"}
	partials, err := fs.Glob(files, "templates/partials/*.html")
	if err != nil {
		return nil, err
	}
	if base, err = base.ParseFS(files, append(shared, partials...)...); err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	pageFiles, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, f := range pageFiles {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(files, f)
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", name, err)
		}
		p.byName[name] = t
	}
	return p, nil
}

// view is what a page template sees: the request's helpers (T, When, CSRF, …) and the page's data.
type view struct {
	*request
	Title string
	Data  any
	// Portal pages get the portal's header instead of the desk's navigation.
	Portal bool
}

// render executes a page into a buffer first, so a template error never sends half a page.
func (s *Server) render(w http.ResponseWriter, r *request, status int, page string, v view) error {
	return s.execute(w, r, status, page, "layout", v)
}

// renderPart executes one named template of a page alone, for partial updates by script.
func (s *Server) renderPart(w http.ResponseWriter, r *request, page, name string, v view) error {
	return s.execute(w, r, http.StatusOK, page, name, v)
}

func (s *Server) execute(w http.ResponseWriter, r *request, status int, page, name string, v view) error {
	t, ok := s.pages.byName[page]
	if !ok {
		return fmt.Errorf("no page template %q", page)
	}
	v.request = r
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, v); err != nil {
		return fmt.Errorf("render %s/%s: %w", page, name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// renderError shows an error page in the reader's language. Known error codes have their own
// text in the catalog; others fall back to a text per kind, with the desk's message beneath
// for a reader of English.
func (s *Server) renderError(w http.ResponseWriter, r *request, err error) {
	status, key := http.StatusInternalServerError, "error.internal"
	detail := ""
	if service.Unavailable(err) {
		status, key = http.StatusServiceUnavailable, "error.unavailable"
		w.Header().Set("Retry-After", "5")
	} else if e, ok := desk.AsError(err); ok {
		detail = e.Message
		switch e.Kind {
		case desk.KindInvalid:
			status, key = http.StatusUnprocessableEntity, "error.invalid"
		case desk.KindNotFound:
			status, key = http.StatusNotFound, "error.notfound"
		case desk.KindConflict:
			status, key = http.StatusConflict, "error.conflict"
		case desk.KindForbidden:
			status, key = http.StatusForbidden, "error.forbidden"
		}
		if _, ok := s.cat[r.lang]["error."+e.Code]; ok && e.Code != "" {
			key, detail = "error."+e.Code, ""
		}
		if r.lang != "en" {
			// The rules' own words are English: below a heading in the reader's language they
			// read as a stray English line ("case 2 not found"), as ErrorText keeps from forms.
			detail = ""
		}
	}
	v := view{Title: r.T(key), Data: map[string]any{"Message": r.T(key), "Detail": detail}}
	if rerr := s.render(w, r, status, "error", v); rerr != nil {
		s.log.Error("render error page", "err", rerr)
		http.Error(w, http.StatusText(status), status)
	}
}

// ErrorText is the reader's text for an error a form shows beside its fields.
func (r *request) ErrorText(err error) string {
	e, ok := desk.AsError(err)
	if !ok {
		return r.T("error.internal")
	}
	if _, ok := r.s.cat[r.lang]["error."+e.Code]; ok && e.Code != "" {
		return r.T("error." + e.Code)
	}
	if r.lang == "en" {
		return e.Message
	}
	// The rules' own words are English and may name the API's fields: a reader in another
	// language is told the kind of refusal in theirs.
	return r.T(kindKeys[e.Kind])
}

// kindKeys are the catalogue's words for each kind of refusal.
var kindKeys = map[desk.ErrorKind]string{desk.KindInvalid: "error.invalid", desk.KindNotFound: "error.notfound",
	desk.KindConflict: "error.conflict", desk.KindForbidden: "error.forbidden"}

// static serves the desk's own CSS, JS and images. A URL carrying the current content hash may
// be cached for a year; the hash changes with the file.
func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	b, err := files.ReadFile("static/" + name)
	if err != nil || strings.Contains(name, "/") {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	if r.URL.Query().Get("v") == s.pages.static[name] {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
}

// The helpers below are what templates call on a view.

// CSRF is the token every form carries in a hidden "csrf" field.
func (r *request) CSRF() string { return r.csrf }

// Me is the signed-in person (zero when signed out).
func (r *request) Me() desk.Actor { return r.sess.Actor }

// Unread says how many of the signed-in agent's notifications are unread, for the navigation
// ("" when none; past service.UnreadCounted, "more than" it).
func (r *request) Unread() string {
	switch n := r.sess.Unread; {
	case n == 0:
		return ""
	case n > service.UnreadCounted:
		return r.T("notif.unread_more", service.UnreadCounted)
	default:
		return r.T("notif.unread", n)
	}
}

// Lang is the page's language code.
func (r *request) Lang() string { return r.lang }

// Path is the page's own address, for "next" links and the language switcher.
func (r *request) Path() string { return r.URL.RequestURI() }

// Langs lists the languages to switch to, each named in its own language.
func (r *request) Langs() []map[string]string {
	out := []map[string]string{}
	for _, t := range langs {
		code := t.String()
		out = append(out, map[string]string{"Code": code, "Name": langNames[code]})
	}
	return out
}

// Zone is the name of the zone times are shown in.
func (r *request) Zone() string { return r.zone.String() }

// When shows a time in the reader's zone and language: weekday, date and time of day; the
// year only when it is not this year.
func (r *request) When(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	lt := t.In(r.zone)
	day := r.T(fmt.Sprintf("weekday.%d", lt.Weekday()))
	date := r.Date(t)
	return fmt.Sprintf("%s %s %s", day, date, lt.Format("15:04"))
}

// Date shows a day in the reader's zone and language.
func (r *request) Date(t time.Time) string {
	lt := t.In(r.zone)
	withYear := lt.Year() != r.s.svc.Now().In(r.zone).Year()
	if r.lang == "en" {
		s := fmt.Sprintf("%d %s", lt.Day(), r.T(fmt.Sprintf("month.%d", lt.Month())))
		if withYear {
			s += fmt.Sprintf(" %d", lt.Year())
		}
		return s
	}
	s := fmt.Sprintf("%d.%d.", lt.Day(), lt.Month())
	if withYear {
		s += fmt.Sprintf("%d", lt.Year())
	}
	return s
}

// ISO is a time as RFC 3339 for <time datetime> and datetime-local inputs' scripts.
func (r *request) ISO(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Local is a time in the reader's zone as a datetime-local input value.
func (r *request) Local(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(r.zone).Format("2006-01-02T15:04")
}

// ParseLocal reads a datetime-local input value in the reader's zone.
func (r *request) ParseLocal(field, v string) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01-02T15:04", strings.TrimSpace(v), r.zone)
	if err != nil {
		return time.Time{}, desk.Invalid(field, "%s", r.T("error.datetime"))
	}
	return t.UTC(), nil
}

// Relative says how far a time is from now: "in 3 h", "2 days overdue".
func (r *request) Relative(t time.Time) string {
	d := t.Sub(r.s.svc.Now())
	past := d < 0
	if past {
		d = -d
	}
	var n int
	var unit string
	switch {
	case d < time.Hour:
		n, unit = int(d/time.Minute), "min"
	case d < 48*time.Hour:
		n, unit = int(d/time.Hour), "h"
	default:
		n, unit = int(d/(24*time.Hour)), "d"
	}
	if past {
		return r.T("rel.ago."+unit, n)
	}
	return r.T("rel.in."+unit, n)
}
