package text

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Fold returns the search form of s: Unicode NFKC, full case folding
// ("ß" -> "ss"), diacritics removed, and letters that imitate a Latin letter
// (Cyrillic and Greek look-alikes, stroked Latin letters) mapped to it.
// Digits, whitespace and punctuation are kept as they are.
func Fold(s string) string {
	// Most text is plain ASCII, where all of the steps below reduce to
	// lower-casing A-Z.
	if isASCII(s) {
		return asciiLower(s)
	}
	// Invalid bytes would stop the normalisers part-way, leaving the rest of
	// the text unnormalised.
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = norm.NFKC.String(s)
	s = cases.Fold().String(s)
	s = norm.NFD.String(s)

	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if unicode.Is(unicode.Mn, r) {
			continue // the diacritics split off by NFD
		}
		if r >= 0x80 {
			// Case folding leaves a few scripts (Cherokee) in upper case.
			r = unicode.ToLower(r)
			if m, ok := lookalike[r]; ok {
				b.WriteString(m)
				continue
			}
		}
		b.WriteRune(r)
	}
	// Recompose what NFD split apart without marks, such as Hangul syllables.
	return norm.NFC.String(b.String())
}

// lookalike maps a case-folded letter to the Latin letters it imitates or
// stands for. Keys are lower case because the table is applied after case
// folding, which keeps Fold insensitive to case in every script: a letter is
// listed only when its lower-case form itself looks like the Latin letter.
// It is read only.
var lookalike = map[rune]string{
	// Latin letters with strokes or ligatures that NFD does not decompose.
	'đ': "d", 'ð': "d", 'ł': "l", 'ø': "o", 'æ': "ae", 'œ': "oe",
	'þ': "th", 'ı': "i", 'ȷ': "j", 'ħ': "h", 'ŧ': "t", 'ĸ': "k",
	'ƀ': "b", 'ɓ': "b", 'ȼ': "c", 'ɗ': "d", 'ɇ': "e", 'ƒ': "f",
	'ǥ': "g", 'ɨ': "i", 'ɉ': "j", 'ƙ': "k", 'ƚ': "l", 'ɫ': "l",
	'ɍ': "r", 'ʉ': "u", 'ɏ': "y", 'ƴ': "y", 'ƶ': "z",

	// Latin IPA letters that pass for ordinary ones.
	'ɑ': "a", 'ɡ': "g", 'ɩ': "i",

	// Cyrillic.
	'а': "a", 'е': "e", 'о': "o", 'р': "p", 'с': "c", 'у': "y",
	'х': "x", 'і': "i", 'ј': "j", 'ѕ': "s", 'ԁ': "d", 'ԛ': "q",
	'ԝ': "w", 'һ': "h", 'ӏ': "l", 'ү': "y", 'ѵ': "v", 'ӕ': "ae",

	// Greek.
	'α': "a", 'γ': "y", 'η': "n", 'ι': "i", 'κ': "k", 'ν': "v",
	'ο': "o", 'ρ': "p", 'τ': "t", 'υ': "u", 'χ': "x", 'ϲ': "c",
	'ϳ': "j",
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// asciiLower lower-cases A-Z, returning s itself when nothing changes.
func asciiLower(s string) string {
	i := strings.IndexFunc(s, func(r rune) bool { return 'A' <= r && r <= 'Z' })
	if i < 0 {
		return s
	}
	b := []byte(s)
	for ; i < len(b); i++ {
		if 'A' <= b[i] && b[i] <= 'Z' {
			b[i] += 'a' - 'A'
		}
	}
	return string(b)
}
