package desk

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Restating a promise for a new due time. A promise's words usually say when ("by Monday at
// 12:45", "esmaspäeval, 23. novembril kell 12.45"): when the due time moves (a slip, a free slot
// taken instead of the asked time) the words must move with it, or the customer reads one time
// and the desk keeps another. RestateWords rewrites the time phrase it finds; an agent reads
// the result before it is sent (the forms pre-fill it), and a slip without new words is
// restated by the desk only where the time phrase was found.

// dayWords are the weekday names (Sunday first) in every form the customer's language writes
// them, so a rewritten weekday keeps its form: "esmaspäeval" becomes "teisipäeval".
var dayWords = map[string][][7]string{
	"en": {
		{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
	},
	"et": {
		{"pühapäev", "esmaspäev", "teisipäev", "kolmapäev", "neljapäev", "reede", "laupäev"},
		{"pühapäeval", "esmaspäeval", "teisipäeval", "kolmapäeval", "neljapäeval", "reedel", "laupäeval"},
		{"pühapäevaks", "esmaspäevaks", "teisipäevaks", "kolmapäevaks", "neljapäevaks", "reedeks", "laupäevaks"},
		{"pühapäevast", "esmaspäevast", "teisipäevast", "kolmapäevast", "neljapäevast", "reedest", "laupäevast"},
		{"pühapäevani", "esmaspäevani", "teisipäevani", "kolmapäevani", "neljapäevani", "reedeni", "laupäevani"},
	},
	"hr": {
		// The accusative first: "u ponedjeljak" is how a promise names its day.
		{"nedjelju", "ponedjeljak", "utorak", "srijedu", "četvrtak", "petak", "subotu"},
		{"nedjelja", "ponedjeljak", "utorak", "srijeda", "četvrtak", "petak", "subota"},
		{"nedjelje", "ponedjeljka", "utorka", "srijede", "četvrtka", "petka", "subote"},
		{"nedjelji", "ponedjeljku", "utorku", "srijedi", "četvrtku", "petku", "suboti"},
		hrDays,
	},
}

// monthWords are the month names (January first) in the forms each language writes them.
var monthWords = map[string][][12]string{
	"en": {
		{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
		{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
	},
	"et": {
		{"jaanuaril", "veebruaril", "märtsil", "aprillil", "mail", "juunil", "juulil", "augustil", "septembril", "oktoobril", "novembril", "detsembril"},
		{"jaanuar", "veebruar", "märts", "aprill", "mai", "juuni", "juuli", "august", "september", "oktoober", "november", "detsember"},
		{"jaanuariks", "veebruariks", "märtsiks", "aprilliks", "maiks", "juuniks", "juuliks", "augustiks", "septembriks", "oktoobriks", "novembriks", "detsembriks"},
		etMonths, // as the desk's own stamps write them: "E 7. dets"
	},
	"hr": {
		{"siječnja", "veljače", "ožujka", "travnja", "svibnja", "lipnja", "srpnja", "kolovoza", "rujna", "listopada", "studenoga", "prosinca"},
		hrMonths,
	},
}

// relativeDays are the words that say a day relative to when the words were written: a moved
// promise that says "tomorrow" cannot be rewritten without knowing when it was written.
var relativeDays = map[string][]string{
	"en": {"today", "tomorrow", "tonight"},
	"et": {"täna", "homme", "ülehomme"},
	"hr": {"danas", "sutra", "prekosutra"},
}

var (
	clockRe   = regexp.MustCompile(`\b(\d{1,2})([:.])(\d{2})\b`)
	hourRe    = regexp.MustCompile(`(?i)\b(at|by|until|before|kell|u|do|oko)\s+(\d{1,2})\b([:.]\d{2})?`)
	numDateRe = regexp.MustCompile(`\b(\d{1,2})\.\s?(\d{1,2})\.(\s?\d{4}\.?)?`)
	isoDateRe = regexp.MustCompile(`\b(\d{4})-(\d{2})-(\d{2})\b`)
	dayNumRe  = regexp.MustCompile(`\b(\d{1,2})(\.?\s+)(\pL+)`)
)

// RestateWords rewrites the time phrase in a promise's words from the due time from to the due
// time to, as the reader reads them (their language and zone, else fallback's): the clock, the
// weekday, the date. It reports whether it found the whole phrase to rewrite; when it did not
// (the words say no time, or say "tomorrow" of a day that moved) it returns the words as given.
func (r Reader) RestateWords(words string, from, to time.Time, fallback *time.Location) (string, bool) {
	loc := r.Zone
	if loc == nil {
		loc = fallback
	}
	if loc == nil {
		loc = time.UTC
	}
	f, t := from.In(loc), to.In(loc)
	sameDay := f.Year() == t.Year() && f.YearDay() == t.YearDay()
	out, clock := rewriteClock(words, f, t)
	if sameDay {
		return out, clock
	}
	if containsWord(out, relativeDays[r.Lang]) || (r.Lang != "en" && containsWord(out, relativeDays["en"])) {
		return words, false
	}
	out, date := rewriteDate(out, r.Lang, f, t)
	if !date {
		return words, false // the time moved to another day, and the words' day could not be found
	}
	return out, true
}

// RestatedWords is the words pre-filled for a new due time: rewritten where the time phrase was
// found, else the words with the new time written after them from the catalogue, for the agent
// to read and correct before the customer does.
func (r Reader) RestatedWords(words string, from, to time.Time, fallback *time.Location) string {
	if out, ok := r.RestateWords(words, from, to, fallback); ok {
		return out
	}
	return sentence(strings.TrimSpace(words)) + " " + fmt.Sprintf(r.mail().restated, r.Stamp(to, fallback))
}

// rewriteClock replaces every "12:45" or "12.45" that is from's clock with to's, in the same
// style (separator, leading zero).
func rewriteClock(words string, from, to time.Time) (string, bool) {
	found := false
	out := clockRe.ReplaceAllStringFunc(words, func(m string) string {
		g := clockRe.FindStringSubmatch(m)
		h, _ := strconv.Atoi(g[1])
		mi, _ := strconv.Atoi(g[3])
		if mi != from.Minute() || (h != from.Hour() && h != from.Hour()%12 && !(h == 12 && from.Hour() == 12)) {
			return m
		}
		found = true
		th := to.Hour()
		if h != from.Hour() { // a 12-hour clock: "at 2.30" stays on the 12-hour clock
			th %= 12
			if th == 0 {
				th = 12
			}
		}
		if len(g[1]) == 2 {
			return fmt.Sprintf("%02d%s%02d", th, g[2], to.Minute())
		}
		return fmt.Sprintf("%d%s%02d", th, g[2], to.Minute())
	})
	// A bare hour after its preposition: "at 10", "kell 10", "u 10".
	out = hourRe.ReplaceAllStringFunc(out, func(m string) string {
		g := hourRe.FindStringSubmatch(m)
		h, _ := strconv.Atoi(g[2])
		if g[3] != "" || from.Minute() != 0 || (h != from.Hour() && h != from.Hour()%12) {
			return m
		}
		found = true
		th := to.Hour()
		if h != from.Hour() {
			th %= 12
			if th == 0 {
				th = 12
			}
		}
		if to.Minute() != 0 {
			return fmt.Sprintf("%s %02d:%02d", g[1], th, to.Minute())
		}
		return fmt.Sprintf("%s %d", g[1], th)
	})
	return out, found
}

// rewriteDate replaces from's weekday, day of the month (with its month's name) and numeric
// dates with to's. It reports whether any was found.
func rewriteDate(words, lang string, from, to time.Time) (string, bool) {
	found := false
	langs := []string{lang}
	if lang != "en" {
		langs = append(langs, "en")
	}
	for _, l := range langs {
		for _, forms := range dayWords[l] {
			var ok bool
			words, ok = replaceWord(words, forms[from.Weekday()], forms[to.Weekday()])
			found = found || ok
		}
	}
	// "23 November", "23. novembril", "23. studenoga": the day's number before its month.
	words = dayNumRe.ReplaceAllStringFunc(words, func(m string) string {
		g := dayNumRe.FindStringSubmatch(m)
		d, _ := strconv.Atoi(g[1])
		if d != from.Day() {
			return m
		}
		for _, l := range langs {
			for _, forms := range monthWords[l] {
				if strings.EqualFold(g[3], forms[from.Month()-1]) {
					found = true
					return strconv.Itoa(to.Day()) + g[2] + matchCase(forms[to.Month()-1], g[3])
				}
			}
		}
		return m
	})
	// "November 23" (English).
	for _, forms := range monthWords["en"] {
		old := forms[from.Month()-1] + " " + strconv.Itoa(from.Day())
		if i := strings.Index(words, old); i >= 0 && !followedByDigit(words, i+len(old)) {
			words = words[:i] + forms[to.Month()-1] + " " + strconv.Itoa(to.Day()) + words[i+len(old):]
			found = true
		}
	}
	words = numDateRe.ReplaceAllStringFunc(words, func(m string) string {
		g := numDateRe.FindStringSubmatch(m)
		d, _ := strconv.Atoi(g[1])
		mo, _ := strconv.Atoi(g[2])
		if d != from.Day() || mo != int(from.Month()) {
			return m
		}
		found = true
		sep := "."
		if strings.Contains(m, ". ") {
			sep = ". "
		}
		day, month := strconv.Itoa(to.Day()), strconv.Itoa(int(to.Month()))
		if strings.HasPrefix(g[1], "0") {
			day = fmt.Sprintf("%02d", to.Day())
		}
		if strings.HasPrefix(g[2], "0") {
			month = fmt.Sprintf("%02d", to.Month())
		}
		s := day + sep + month + "."
		if g[3] != "" {
			s += strings.Replace(g[3], strconv.Itoa(from.Year()), strconv.Itoa(to.Year()), 1)
		}
		return s
	})
	words = isoDateRe.ReplaceAllStringFunc(words, func(m string) string {
		if m != from.Format("2006-01-02") {
			return m
		}
		found = true
		return to.Format("2006-01-02")
	})
	return words, found
}

// replaceWord replaces whole-word occurrences of old (any case) with repl, in old's case.
func replaceWord(s, old, repl string) (string, bool) {
	re := regexp.MustCompile(`(?i)` + regexp.QuoteMeta(old))
	found, last := false, 0
	var b strings.Builder
	for _, l := range re.FindAllStringIndex(s, -1) {
		if !wordEdge(s, l[0], true) || !wordEdge(s, l[1], false) {
			continue
		}
		b.WriteString(s[last:l[0]])
		b.WriteString(matchCase(repl, s[l[0]:l[1]]))
		last, found = l[1], true
	}
	b.WriteString(s[last:])
	return b.String(), found
}

// containsWord reports whether s holds any of the words as a whole word (any case).
func containsWord(s string, ws []string) bool {
	lower := strings.ToLower(s)
	for _, w := range ws {
		w = strings.ToLower(w)
		for i := 0; ; {
			j := strings.Index(lower[i:], w)
			if j < 0 {
				break
			}
			j += i
			if wordEdge(lower, j, true) && wordEdge(lower, j+len(w), false) {
				return true
			}
			i = j + len(w)
		}
	}
	return false
}

// wordEdge reports whether position i of s starts (before) or ends (after) a word.
func wordEdge(s string, i int, before bool) bool {
	var r rune
	if before {
		if i == 0 {
			return true
		}
		r, _ = utf8.DecodeLastRuneInString(s[:i])
	} else {
		if i >= len(s) {
			return true
		}
		r, _ = utf8.DecodeRuneInString(s[i:])
	}
	return !unicode.IsLetter(r) && !unicode.IsDigit(r)
}

func followedByDigit(s string, i int) bool {
	return i < len(s) && s[i] >= '0' && s[i] <= '9'
}

// matchCase writes repl with like's first letter's case.
func matchCase(repl, like string) string {
	l, _ := utf8.DecodeRuneInString(like)
	r, n := utf8.DecodeRuneInString(repl)
	if unicode.IsUpper(l) {
		return string(unicode.ToUpper(r)) + repl[n:]
	}
	return string(unicode.ToLower(r)) + repl[n:]
}
