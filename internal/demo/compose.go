package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode"
	"unicode/utf8"
)

// vars are the values a case's placeholders take; a missing or empty one makes the lines
// that need it unusable for the case.
type vars map[string]string

// fill replaces the {placeholders} in tmpl; ok is false when one has no value.
func fill(tmpl string, v vars) (string, bool) {
	var b strings.Builder
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			b.WriteString(tmpl)
			return b.String(), true
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			b.WriteString(tmpl)
			return b.String(), true
		}
		val := v[tmpl[i+1:i+j]]
		if val == "" {
			return "", false
		}
		b.WriteString(tmpl[:i])
		b.WriteString(val)
		tmpl = tmpl[i+j+1:]
	}
}

// pick fills one of the lines the case has values for, chosen at random; "" when none fits.
func pick(r *rand.Rand, lines []string, v vars) string {
	var usable []string
	for _, l := range lines {
		if s, ok := fill(l, v); ok {
			usable = append(usable, s)
		}
	}
	if len(usable) == 0 {
		return ""
	}
	return usable[r.IntN(len(usable))]
}

// pickDistinct fills up to n different lines, in random order.
func pickDistinct(r *rand.Rand, lines []string, v vars, n int) []string {
	var out []string
	for _, i := range r.Perm(len(lines)) {
		if s, ok := fill(lines[i], v); ok && len(out) < n {
			out = append(out, s)
		}
	}
	return out
}

// fillOr fills tmpl, or gives "" when the case lacks a value for it.
func fillOr(tmpl string, v vars) string {
	s, _ := fill(tmpl, v)
	return s
}

// join puts the non-empty parts together with sep.
func join(sep string, parts ...string) string {
	kept := parts[:0]
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, sep)
}

// chance is true with probability percent/100.
func chance(r *rand.Rand, percent int) bool { return r.IntN(100) < percent }

// capitalize upper-cases the first letter, for a placeholder that starts a sentence.
func capitalize(s string) string {
	c, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(c)) + s[n:]
}

// lookalikes hides Cyrillic letters in Latin words, as spammers and fraudsters do to slip
// past filters: е, о and с look exactly like e, o and c. At least one letter is swapped.
func lookalikes(r *rand.Rand, s string) string {
	swap := map[rune]rune{'e': 'е', 'o': 'о', 'c': 'с'}
	words := strings.Split(s, " ")
	changed := false
	for pass := 0; pass < 2 && !changed; pass++ {
		for i, w := range words {
			if utf8.RuneCountInString(w) < 5 || (pass == 0 && !chance(r, 35)) {
				continue
			}
			for j, c := range w {
				if to, ok := swap[c]; ok && j > 0 {
					words[i] = w[:j] + string(to) + w[j+1:]
					changed = true
					break
				}
			}
			if changed && pass == 1 {
				break
			}
		}
	}
	return strings.Join(words, " ")
}

// money formats an amount the way the customer's country writes it.
func money(l lang, cents int) string {
	if l == english {
		return fmt.Sprintf("£%d.%02d", cents/100, cents%100)
	}
	return fmt.Sprintf("%d,%02d €", cents/100, cents%100)
}
