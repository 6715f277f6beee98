package text

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MixedScript reports whether s contains a word that mixes Latin letters with
// Cyrillic or Greek letters, the sign of look-alike obfuscation ("сustоmеr").
// Words written wholly in Cyrillic or Greek are ordinary text and do not count.
func MixedScript(s string) bool {
	latin, other := false, false
	for _, r := range s {
		switch {
		case unicode.IsMark(r), unicode.IsDigit(r):
			// part of the word, but of no script that matters here
		case !unicode.IsLetter(r):
			latin, other = false, false // word boundary
		case unicode.Is(unicode.Latin, r):
			latin = true
		case unicode.Is(unicode.Cyrillic, r), unicode.Is(unicode.Greek, r):
			other = true
		}
		if latin && other {
			return true
		}
	}
	return false
}

// LinkCount counts http:// and https:// links and www. hosts in s, for spam
// scoring. It looks at the folded text, so fullwidth or look-alike letters
// do not hide a link.
func LinkCount(s string) int {
	f := Fold(s)
	n := count(f, "http://", nil) + count(f, "https://", nil)
	// A www. host that follows a scheme was counted with it; one inside a
	// word ("awww.") is no host.
	n += count(f, "www.", func(before rune) bool {
		return !isWordRune(before) && before != '/' && before != '.'
	})
	return n
}

// count counts the occurrences of pat in f that are followed by a letter or
// digit and, when okBefore is set, whose preceding rune passes okBefore.
func count(f, pat string, okBefore func(rune) bool) int {
	n := 0
	for i := 0; ; {
		j := strings.Index(f[i:], pat)
		if j < 0 {
			return n
		}
		at := i + j
		i = at + len(pat)
		after, _ := utf8.DecodeRuneInString(f[i:])
		if !isWordRune(after) {
			continue
		}
		if okBefore != nil && at > 0 {
			before, _ := utf8.DecodeLastRuneInString(f[:at])
			if !okBefore(before) {
				continue
			}
		}
		n++
	}
}
