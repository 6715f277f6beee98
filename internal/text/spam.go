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

// spamPhrases are phrases that legitimate customer mail almost never contains (folded).
var spamPhrases = []string{
	"click here", "buy now", "order now", "limited time offer", "100% free", "risk free", "act now",
	"you have won", "you are a winner", "claim your prize", "casino", "viagra", "cialis", "crypto investment",
	"work from home", "earn money fast", "make money online", "miracle cure", "weight loss", "unsubscribe here",
	"kliki siia", "osta kohe", "tasuta kingitus", "kliknite ovdje", "kupite odmah", "besplatno",
}

// SpamScore scores how much a text looks like link or phrase spam: 2 per link past the second,
// 3 per known spam phrase, and 3 per unfilled template or spinner marker ("{h1}", "{good|great}"),
// which spun articles leave behind. A customer's own message scores 0 or close to it.
func SpamScore(s string) int {
	f := Fold(s)
	score := 0
	if n := LinkCount(s); n > 2 {
		score += 2 * (n - 2)
	}
	for _, p := range spamPhrases {
		score += 3 * strings.Count(f, p)
	}
	score += 3 * templateMarkers(s)
	return score
}

// templateMarkers counts {placeholder} and {a|b|c} tokens that spun articles leave behind:
// letters, digits and underscores, or alternatives of words — not JSON or code, which has
// quotes, colons and such.
func templateMarkers(s string) int {
	n := 0
	for {
		open := strings.IndexByte(s, '{')
		if open < 0 {
			return n
		}
		s = s[open+1:]
		end := strings.IndexByte(s, '}')
		if end < 0 {
			return n
		}
		if inner := s[:end]; isPlaceholder(inner) || isSpinner(inner) {
			n++
		}
		s = s[end+1:]
	}
}

func isPlaceholder(s string) bool {
	if s == "" || len(s) > 30 {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' {
			return false
		}
	}
	return true
}

func isSpinner(s string) bool {
	alts := strings.Split(s, "|")
	if len(alts) < 2 || len(s) > 200 {
		return false
	}
	for _, a := range alts {
		if strings.TrimSpace(a) == "" || strings.IndexFunc(a, func(r rune) bool { return !unicode.IsLetter(r) && r != ' ' && r != '\'' }) >= 0 {
			return false
		}
	}
	return true
}
