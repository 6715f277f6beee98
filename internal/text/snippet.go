package text

import (
	"slices"
	"strings"
	"unicode"
)

const ellipsis = "…"

// Snippet returns a short excerpt of original (at most maxRunes runes, cut at
// word boundaries, with "…" where text was cut) centred on the first word
// whose folded form equals or starts with one of terms, or on the first
// token whose RefKey equals one of terms. Terms are already folded, such as
// Query.Words and Query.Refs. With no match it returns the start of
// original, and so it does when the match lies within the first maxRunes-1
// runes. Newlines and runs of whitespace become single spaces.
func Snippet(original string, terms []string, maxRunes int) string {
	if maxRunes <= 0 {
		return ""
	}
	flat := strings.Join(strings.Fields(original), " ")
	rs := []rune(flat)
	n := len(rs)
	if n <= maxRunes {
		return flat
	}

	// Pick the window [s, e): at the start (one "…" at the end), at the end
	// (one "…" at the start) or in the middle (one on each side).
	s, e := 0, maxRunes-1
	if ms, me := findTerm(rs, terms); ms >= 0 && maxRunes > 2 {
		width := maxRunes - 2
		mid := (ms+me)/2 - width/2
		if me-ms > width {
			mid = ms // a very long match: show its beginning
		}
		switch {
		case mid <= 0 || me <= e:
			// The match is in the start window: the start of the text reads
			// better than a window cut on both sides.
		case mid+width >= n:
			s, e = n-(maxRunes-1), n
		default:
			s, e = mid, mid+width
		}
		// Move cuts to word boundaries, but never into the match.
		if s > 0 && rs[s-1] != ' ' {
			if i := slices.Index(rs[s:max(s, min(ms, e))], ' '); i >= 0 {
				s += i + 1
			}
		}
		if e < n && rs[e] != ' ' {
			if i := lastSpace(rs[:e], max(s, me)); i >= 0 {
				e = i
			}
		}
	} else if rs[e] != ' ' {
		if i := lastSpace(rs[:e], 0); i > 0 {
			e = i
		}
	}

	var b strings.Builder
	if s > 0 {
		b.WriteString(ellipsis)
	}
	b.WriteString(strings.TrimSpace(string(rs[s:e])))
	if e < n {
		b.WriteString(ellipsis)
	}
	return b.String()
}

// lastSpace returns the index of the last space in rs at or after from, or -1.
func lastSpace(rs []rune, from int) int {
	for i := len(rs) - 1; i >= from; i-- {
		if rs[i] == ' ' {
			return i
		}
	}
	return -1
}

// findTerm returns the rune span of the first match of terms in rs, text
// whose whitespace is already single spaces, or -1, -1.
func findTerm(rs []rune, terms []string) (int, int) {
	terms = slices.DeleteFunc(slices.Clone(terms), func(t string) bool { return t == "" })
	if len(terms) == 0 {
		return -1, -1
	}
	prefix, prefixStart := "", 0 // previous token when it may name a reference
	for ts := 0; ts < len(rs); {
		te := ts
		for te < len(rs) && rs[te] != ' ' {
			te++
		}
		tok := trimToken(string(rs[ts:te]))
		if strings.IndexFunc(tok, unicode.IsNumber) >= 0 {
			f := Fold(tok)
			if slices.Contains(terms, refKey(f)) {
				return ts, te
			}
			if prefix != "" && slices.Contains(terms, refKey(prefix+" "+f)) {
				return prefixStart, te
			}
		}
		// Words here are runs of letters, digits and combining marks in the
		// original, so decomposed accents stay inside their word.
		for ws := ts; ws < te; {
			if !isWordRune(rs[ws]) {
				ws++
				continue
			}
			we := ws + 1
			for we < te && (isWordRune(rs[we]) || unicode.IsMark(rs[we])) {
				we++
			}
			fw := Fold(string(rs[ws:we]))
			for _, t := range terms {
				if strings.HasPrefix(fw, t) {
					return ws, we
				}
			}
			ws = we
		}
		prefix = ""
		if isRefPrefix(tok) {
			prefix, prefixStart = Fold(tok), ts
		}
		ts = te + 1
	}
	return -1, -1
}
