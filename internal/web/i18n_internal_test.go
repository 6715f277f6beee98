package web

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// Every key has a text in every language, with the same arguments, so no page falls back to
// English and no translation drops or reorders what a text says without saying so.
func TestCatalogsAreComplete(t *testing.T) {
	cat, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	verbs := regexp.MustCompile(`%(\[\d+\])?[-+# 0-9.]*[a-zA-Z]`)
	var missing []string
	for key, en := range cat["en"] {
		for _, lang := range []string{"et", "hr"} {
			text, ok := cat[lang][key]
			if !ok || text == "" {
				missing = append(missing, lang+": "+key)
				continue
			}
			if a, b := len(verbs.FindAllString(en, -1)), len(verbs.FindAllString(text, -1)); a != b {
				t.Errorf("%s %s has %d arguments, English has %d: %q", lang, key, b, a, text)
			}
		}
	}
	for _, lang := range []string{"et", "hr"} {
		for key := range cat[lang] {
			if _, ok := cat["en"][key]; !ok {
				missing = append(missing, "en: "+key+" (only in "+lang+")")
			}
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("no text for %s", m)
	}
}

// Every key a template asks for exists in the English catalog.
func TestTemplatesUseKnownKeys(t *testing.T) {
	cat, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	keyUse := regexp.MustCompile(`\.T "([a-z0-9_.]+)"`)
	names, err := filesIn("templates")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		b, err := files.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyUse.FindAllStringSubmatch(string(b), -1) {
			if _, ok := cat["en"][m[1]]; !ok {
				t.Errorf("%s uses %q, which no catalog has", name, m[1])
			}
		}
	}
}

func filesIn(dir string) ([]string, error) {
	entries, err := files.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			sub, err := filesIn(dir + "/" + e.Name())
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
			continue
		}
		out = append(out, dir+"/"+e.Name())
	}
	return out, nil
}

// Every notification detail the service writes has words in the catalogue (TestCatalogsAreComplete
// then holds them in every language): a key the catalogue lacks would show its English body to
// everyone.
func TestNotificationKeysAreInTheCatalog(t *testing.T) {
	cat, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	keyUse := regexp.MustCompile(`"(notif\.detail\.[a-z0-9_]+)"`)
	names, err := filepath.Glob("../service/*.go")
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyUse.FindAllStringSubmatch(string(b), -1) {
			found++
			if _, ok := cat["en"][m[1]]; !ok {
				t.Errorf("%s: %s is not in the catalog", filepath.Base(name), m[1])
			}
		}
	}
	if found == 0 {
		t.Fatal("no notification keys found in the service: has it moved?")
	}
}

// TestCatalogRefusesAKeyWrittenTwice: a key written twice in one catalogue file is refused;
// json.Unmarshal kept the last, so a new text under a key in use (export.head, once) replaced
// the PDF's words with the page's.
func TestCatalogRefusesAKeyWrittenTwice(t *testing.T) {
	if _, err := decodeCatalog([]byte(`{"export.head": "The record's last hash", "export.head": "Sealed up to"}`)); err == nil || !strings.Contains(err.Error(), `"export.head" is written twice`) {
		t.Errorf("a key written twice: %v", err)
	}
	m, err := decodeCatalog([]byte(`{"a": "one", "b": "two"}`))
	if err != nil || m["a"] != "one" || m["b"] != "two" || len(m) != 2 {
		t.Errorf("a catalogue of two keys: %v, %v", m, err)
	}
	for _, bad := range []string{`["a"]`, `{"a": 1}`, `{"a": "one"`, `{"a": "one"} {"b": "two"}`} {
		if _, err := decodeCatalog([]byte(bad)); err == nil {
			t.Errorf("%s read as a catalogue", bad)
		}
	}
}
