package text

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	maxWordRunes  = 64  // longest word or reference key kept
	maxTextRefs   = 200 // reference keys taken from one text
	maxQueryWords = 16
	maxQueryRefs  = 8
)

// Words splits s into its folded words: maximal runs of letters and digits
// (after Fold), in order. A run longer than 64 runes is truncated to its
// first 64 runes. Empty input gives nil.
func Words(s string) []string {
	return splitWords(Fold(s))
}

// splitWords splits already folded text into words.
func splitWords(f string) []string {
	var words []string
	start, end, n := -1, 0, 0
	for i, r := range f {
		if isWordRune(r) {
			if start < 0 {
				start, n = i, 0
			}
			if n < maxWordRunes {
				end = i + utf8.RuneLen(r)
				n++
			}
			continue
		}
		if start >= 0 {
			words = append(words, f[start:end])
			start = -1
		}
	}
	if start >= 0 {
		words = append(words, f[start:end])
	}
	return words
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// isRefPunct reports whether r is punctuation that is kept inside a reference
// key because it changes its meaning: "v1.1" is not "v11", "55/2" is not "552".
func isRefPunct(r rune) bool {
	return r == '.' || r == '/' || r == ':' || r == '#' || r == '+'
}

// RefKey returns the canonical key of a reference value ("ACC-371" and
// "ACC 371" -> "acc371", "v1.1" -> "v1.1", "RMA 55/2" -> "rma55/2",
// "  #A-12 " -> "a12"). The value is folded; whitespace, dashes, underscores
// and all punctuation and symbols other than . / : # + are dropped; a '#' at
// the start of the value or after whitespace is a number sign and is dropped
// too, so "#12" and "ACC #371" give "12" and "acc371"; the kept punctuation
// is trimmed from both ends. It returns "" when the key has no digit or is
// longer than 64 runes.
func RefKey(s string) string {
	return refKey(Fold(s))
}

// refKey is RefKey for already folded text.
func refKey(f string) string {
	var b strings.Builder
	afterSpace := true
	digit := false
	for _, r := range f {
		switch {
		case unicode.IsSpace(r):
			afterSpace = true
			continue
		case r == '#' && afterSpace:
			continue // number sign; afterSpace stays set for "##12"
		case unicode.IsDigit(r):
			digit = true
			b.WriteRune(r)
		case unicode.IsLetter(r), isRefPunct(r):
			b.WriteRune(r)
		}
		afterSpace = false
	}
	key := strings.TrimFunc(b.String(), isRefPunct)
	if !digit || utf8.RuneCountInString(key) > maxWordRunes {
		return ""
	}
	return key
}

// trimToken strips the punctuation that surrounds a reference in prose:
// brackets, quotes, commas and the like on both sides and a sentence's
// full stop at the end.
func trimToken(tok string) string {
	tok = strings.TrimLeftFunc(tok, isEnclosing)
	return strings.TrimRightFunc(tok, func(r rune) bool { return r == '.' || isEnclosing(r) })
}

func isEnclosing(r rune) bool {
	switch r {
	case ',', ';', ':', '(', ')', '[', ']', '{', '}', '<', '>', '"', '\'',
		'!', '?', '«', '»', '‹', '›', '“', '”', '„', '‘', '’', '‚', '*':
		return true
	}
	return false
}

// isRefPrefix reports whether a token is 2-4 letters, all upper case, such as
// "ACC" or "RMA", which names the kind of reference the next token holds.
func isRefPrefix(tok string) bool {
	n := 0
	for _, r := range tok {
		if !unicode.IsLetter(r) || !unicode.IsUpper(r) {
			return false
		}
		n++
	}
	return n >= 2 && n <= 4
}

// refTokens calls add with the reference keys of the whitespace-separated
// tokens of s, in order, until add returns false. Tokens without a digit
// are passed to other, if it is not nil.
func refTokens(s string, add func(key string) bool, other func(folded string) bool) {
	prefix := "" // folded previous token when isRefPrefix held for it
	for tok := range strings.FieldsSeq(s) {
		t := trimToken(tok)
		f := Fold(t)
		if strings.IndexFunc(f, unicode.IsDigit) >= 0 {
			if key := refKey(f); key != "" {
				if prefix != "" && !add(refKey(prefix+" "+f)) {
					return
				}
				if !add(key) {
					return
				}
			}
		} else if other != nil && !other(f) {
			return
		}
		prefix = ""
		if isRefPrefix(t) {
			prefix = f
		}
	}
}

// RefKeys extracts every reference key from free text, deduplicated, in
// order of first appearance: the key of each whitespace-separated token
// holding a digit and, after a token of 2-4 upper-case letters, the combined
// key ("RMA 55/2" gives "rma55/2" and "55/2"). At most 200 keys are returned.
func RefKeys(s string) []string {
	var keys []string
	seen := make(map[string]bool)
	refTokens(s, func(key string) bool {
		if key != "" && !seen[key] {
			seen[key] = true
			keys = append(keys, key)
		}
		return len(keys) < maxTextRefs
	}, nil)
	return keys
}

// Query is what a user typed into the search box, split into words for full-text search
// and reference keys for the exact reference index.
type Query struct {
	Words []string // folded words without digits, for full-text search
	Refs  []string // reference keys (tokens with a digit, combined as RefKeys does)
}

// ParseQuery splits a search box input into a Query. It never fails: search
// syntax such as quotes, '*', '-', '(' or AND/OR/NOT/NEAR has no meaning here
// and only plain words and reference keys come out, so backends must treat
// every word as a literal term. Tokens containing a digit become reference
// keys as in RefKeys; other tokens become Words(token). Both lists are
// deduplicated; at most 16 words and 8 refs are kept.
func ParseQuery(q string) Query {
	var out Query
	seen := make(map[string]bool)
	full := func() bool {
		return len(out.Words) >= maxQueryWords && len(out.Refs) >= maxQueryRefs
	}
	addRef := func(key string) bool {
		if key != "" && len(out.Refs) < maxQueryRefs && !seen["r"+key] {
			seen["r"+key] = true
			out.Refs = append(out.Refs, key)
		}
		return !full()
	}
	addWords := func(folded string) bool {
		for _, w := range splitWords(folded) {
			if len(out.Words) < maxQueryWords && !seen["w"+w] {
				seen["w"+w] = true
				out.Words = append(out.Words, w)
			}
		}
		return !full()
	}
	refTokens(q, addRef, addWords)
	return out
}
