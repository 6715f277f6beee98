package desk

import (
	"slices"
	"strings"

	"github.com/keptdesk/kept/internal/text"
)

// A customer's reply to a resolution request, read for a clear yes or no (PRODUCT.md story 8:
// "a one-click confirm in the portal or by reply"). Only a short answer that opens with a yes or
// a no and hedges nothing counts; anything else goes to the case's owner to read. A wrong
// "yes" would close a customer's case on words they did not mean, so the rules would rather
// leave a clear answer to a person than read a doubtful one.

// ReplyAnswer is what a reply to a resolution request says.
type ReplyAnswer int

// What a reply can say.
const (
	ReplyUnclear ReplyAnswer = iota // a person must read it
	ReplyYes                        // the resolution answers what the customer asked
	ReplyNo                         // it does not: the case reopens
)

// maxAnswerWords is the longest reply read as an answer: past it, the customer is saying more
// than yes or no.
const maxAnswerWords = 25

// The words, folded as text.Words folds them (lower case, no diacritics): "riješeno" is
// "rijeseno", "küsisin" is "kusisin". A phrase is its words joined by single spaces.
var (
	// Openings that say yes, in English, Estonian and Croatian.
	replyYes = []string{
		"yes", "yep", "yeah", "solved", "resolved", "confirmed", "i confirm", "confirm", "fixed", "that solves it", "this solves it",
		"it works", "works now", "all good", "sorted",
		"jah", "jaa", "lahendatud", "on lahendatud", "probleem on lahendatud", "probleem lahendatud", "kinnitan", "kinnitatud", "sobib",
		"korras", "koik korras", "toimib", "tootab",
		"da", "rijeseno", "je rijeseno", "problem je rijesen", "potvrdujem", "potvrdeno", "u redu", "sve je u redu", "radi", "sve radi",
	}
	// Openings that say no.
	replyNo = []string{
		"no", "nope", "not solved", "not resolved", "not fixed", "not what i asked", "that is not what i asked", "this is not what i asked",
		"that s not what i asked", "it does not work", "it doesn t work", "still not working", "still broken", "i reject", "reject",
		"ei", "pole", "ei ole lahendatud", "see ei ole see mida ma kusisin", "mitte",
		"ne", "nije", "nije rijeseno", "to nije ono sto sam pitao", "to nije ono sto sam pitala", "ne radi",
	}
	// Openings that look like an answer and are not one ("no problem" thanks).
	replyNotAnswers = []string{"no problem", "no worries", "ei mingit probleemi", "nema problema", "ne brinite"}
	// Words that hedge an answer: "yes, but…", "jah, aga…", "da, ali…".
	replyHedges = []string{"but", "however", "though", "although", "except", "aga", "kuid", "ent", "siiski", "ali", "medutim", "osim"}
	// Words that take a yes back: "yes, it is not fixed", "jah, ikka ei tööta", "da, još uvijek".
	replyDenials = []string{"not", "no", "doesn", "isn", "didn", "don", "won", "never", "still", "ei", "pole", "mitte", "ikka", "veel",
		"ne", "nije", "nisam", "nismo", "jos"}
	// Thanks before the answer are skipped: "Thank you, that solves it", "Aitäh, lahendatud".
	replyThanks = []string{"thanks", "thank you", "many thanks", "aitah", "suur aitah", "tanan", "tanud", "hvala", "hvala vam", "puno hvala"}
	// A first line that only greets is skipped: "Hi Ann,", "Tere!", "Poštovani,".
	replyGreetings = []string{"hi", "hello", "hey", "dear", "good", "tere", "tervist", "lugupeetud", "hea", "bok", "pozdrav", "postovani",
		"postovana", "dobar", "zdravo"}
)

// ReadReply reads the customer's own words in a reply to a resolution request (the quoted
// mail cut off: mail.ReplyText) for a clear yes or no.
func ReadReply(own string) ReplyAnswer {
	own = strings.TrimSpace(own)
	if own == "" || strings.ContainsAny(own, "?¿") {
		return ReplyUnclear // a question asks for a person
	}
	lines := strings.Split(own, "\n")
	if first := text.Words(lines[0]); len(lines) > 1 && len(first) > 0 && len(first) <= 5 && slices.Contains(replyGreetings, first[0]) {
		lines = lines[1:]
	}
	words := text.Words(strings.Join(lines, "\n"))
	if len(words) > maxAnswerWords {
		return ReplyUnclear
	}
	if n, ok := opening(words, replyThanks); ok {
		words = words[n:]
	}
	if _, ok := opening(words, replyNotAnswers); ok {
		return ReplyUnclear
	}
	// No first: "not solved" must not read as "solved".
	answer, rest := ReplyUnclear, words // nothing left (only thanks): unclear
	if n, ok := opening(words, replyNo); ok {
		answer, rest = ReplyNo, words[n:]
	} else if n, ok := opening(words, replyYes); ok {
		answer, rest = ReplyYes, words[n:]
	}
	for _, w := range rest {
		if slices.Contains(replyHedges, w) || (answer == ReplyYes && slices.Contains(replyDenials, w)) {
			return ReplyUnclear
		}
	}
	return answer
}

// opening finds the longest phrase of phrases that words open with, and its length in words.
func opening(words []string, phrases []string) (int, bool) {
	best := 0
	for _, p := range phrases {
		pw := strings.Fields(p)
		if len(pw) > best && len(pw) <= len(words) && slices.Equal(words[:len(pw)], pw) {
			best = len(pw)
		}
	}
	return best, best > 0
}
