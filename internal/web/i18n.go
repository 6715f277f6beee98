package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"golang.org/x/text/language"
)

// Message catalogs: locales/<lang>/<page>.json, flat objects of key → text. Each page keeps its
// own file so pages can grow apart; a key may live in one file only. Texts with arguments use
// fmt verbs, with explicit indexes (%[2]s) where a language needs another order.
//
//go:embed locales
var localeFiles embed.FS

// langs are the languages the desk speaks, the first being the fallback.
var langs = []language.Tag{language.English, language.Estonian, language.Croatian}

var langMatcher = language.NewMatcher(langs)

// langNames are shown in the language switcher, each in its own language.
var langNames = map[string]string{"en": "English", "et": "Eesti", "hr": "Hrvatski"}

type catalogs map[string]map[string]string

func loadCatalogs() (catalogs, error) {
	cat := catalogs{}
	for _, tag := range langs {
		lang := tag.String()
		cat[lang] = map[string]string{}
		err := eachFile(localeFiles, "locales/"+lang+"/*.json", func(f string, b []byte) error {
			m, err := decodeCatalog(b)
			if err != nil {
				return fmt.Errorf("catalog %s: %w", f, err)
			}
			for k, v := range m {
				if _, dup := cat[lang][k]; dup {
					return fmt.Errorf("catalog %s: key %q is also in another file of %s", path.Base(f), k, lang)
				}
				cat[lang][k] = v
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return cat, nil
}

// decodeCatalog reads a catalogue file: one object of texts by key. A key written twice is
// refused: json.Unmarshal keeps the last silently, so a text added under a key in use would
// replace the other wherever that key is shown.
func decodeCatalog(b []byte) (map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("not an object of texts (%v)", err)
	}
	m := map[string]string{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := t.(string)
		var text string
		if err := dec.Decode(&text); err != nil {
			return nil, fmt.Errorf("key %q: %w", key, err)
		}
		if _, dup := m[key]; dup {
			return nil, fmt.Errorf("key %q is written twice", key)
		}
		m[key] = text
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("more after the object of texts")
	}
	return m, nil
}

// eachFile hands fn each embedded file matching pattern, by name, with its content.
func eachFile(fsys embed.FS, pattern string, fn func(name string, b []byte) error) error {
	names, err := fs.Glob(fsys, pattern)
	if err != nil {
		return err
	}
	for _, name := range names {
		b, err := fsys.ReadFile(name)
		if err != nil {
			return err
		}
		if err := fn(name, b); err != nil {
			return err
		}
	}
	return nil
}

// t looks a key up in lang, then in English; a key missing from both is shown as itself, so
// the browser tests see it.
func (c catalogs) t(lang, key string, args ...any) string {
	s, ok := c[lang][key]
	if !ok {
		if s, ok = c["en"][key]; !ok {
			return key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// chooseLang picks the page language: the person's saved choice, then the language cookie,
// then the browser's Accept-Language, then English.
func (s *Server) chooseLang(r *http.Request, saved string) string {
	if _, ok := s.cat[saved]; ok && saved != "" {
		return saved
	}
	if c, err := r.Cookie(langCookie); err == nil {
		if _, ok := s.cat[c.Value]; ok {
			return c.Value
		}
	}
	return MatchLang(r.Header.Get("Accept-Language"))
}

// MatchLang picks the desk's language for an Accept-Language header ("en" when none fits).
func MatchLang(accept string) string {
	tags, _, err := language.ParseAcceptLanguage(accept)
	if err != nil || len(tags) == 0 {
		return "en"
	}
	_, i, conf := langMatcher.Match(tags...)
	if conf == language.No {
		return "en"
	}
	return strings.SplitN(langs[i].String(), "-", 2)[0]
}
