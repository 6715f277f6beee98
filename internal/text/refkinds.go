package text

import (
	"slices"
	"strings"
	"unicode"
)

// The kinds of reference a text names (issue 16's routing on "references found"): a number
// after a word that says what it is ("invoice no. 2026-1187", "arve nr 4411", "broj računa
// 55/2", "order #9931", "INV-2026-1187"), or a parcel's UPU S10 tracking code (RR123456785EE),
// which says so by its shape. The words are English, Estonian and Croatian, folded.
const (
	RefInvoice  = "invoice"
	RefOrder    = "order"
	RefTracking = "tracking"
	RefAccount  = "account"
)

// RefKindNames are the kinds RefKinds finds, in a fixed order.
func RefKindNames() []string { return []string{RefInvoice, RefOrder, RefTracking, RefAccount} }

// refKindStems name a kind by a folded word's beginning; long and distinct enough that a word
// beginning so names nothing else.
var refKindStems = []struct{ stem, kind string }{
	{"invoice", RefInvoice}, {"racun", RefInvoice}, {"arvenumb", RefInvoice},
	{"tellimus", RefOrder}, {"narudzb", RefOrder},
	{"parcel", RefTracking}, {"tracking", RefTracking}, {"shipment", RefTracking}, {"posiljk", RefTracking},
	{"saadetis", RefTracking}, {"paket", RefTracking},
	{"account", RefAccount}, {"kliendinumb", RefAccount},
}

// refKindWords name a kind as whole folded words: short words whose beginnings name other
// things too ("arvestus", "ordered", "pakkuma").
var refKindWords = map[string]string{
	"inv": RefInvoice, "arve": RefInvoice, "arvel": RefInvoice, "arvet": RefInvoice, "arvele": RefInvoice,
	"arvega": RefInvoice, "arvenr": RefInvoice, "bill": RefInvoice,
	"order": RefOrder, "orders": RefOrder, "ord": RefOrder, "tellimuse": RefOrder,
	"pakk": RefTracking, "paki": RefTracking, "pakki": RefTracking, "pakis": RefTracking,
	"acc": RefAccount, "konto": RefAccount, "kontonumber": RefAccount,
}

// refFillers may stand between the word and its number: "invoice no. 12", "broj računa: 55".
var refFillers = []string{"no", "nr", "nro", "num", "number", "broj", "br", "id", "code", "kood", "#"}

// refKindOf is the kind a folded word names, or "".
func refKindOf(f string) string {
	f = strings.TrimRight(f, ".:#")
	if k, ok := refKindWords[f]; ok {
		return k
	}
	for _, s := range refKindStems {
		if strings.HasPrefix(f, s.stem) {
			return s.kind
		}
	}
	return ""
}

// RefKinds are the kinds of reference s names, each once, in order of first appearance (see
// the constants). A kind's word counts for the number that follows it, across up to two
// fillers ("no.", "nr", "broj"); one without a number ("the invoice came twice") names none.
func RefKinds(s string) []string {
	var out []string
	add := func(k string) {
		if k != "" && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	pending, gap := "", 0
	for tok := range strings.FieldsSeq(s) {
		t := trimToken(tok)
		f := Fold(t)
		if strings.IndexFunc(f, unicode.IsDigit) < 0 {
			switch k := refKindOf(f); {
			case k != "":
				pending, gap = k, 0
			case pending != "" && gap < 2 && slices.Contains(refFillers, strings.TrimRight(f, ".:")):
				gap++
			default:
				pending = ""
			}
			continue
		}
		if refKey(f) == "" {
			pending = ""
			continue
		}
		if isS10(t) {
			add(RefTracking)
		}
		// "INV-2026-1187", "arve#12": the word and the number in one token.
		if i := strings.IndexFunc(f, func(r rune) bool { return !unicode.IsLetter(r) }); i > 0 {
			add(refKindOf(f[:i]))
		}
		add(pending)
		pending = ""
	}
	return out
}

// isS10 reports whether a token is a UPU S10 item identifier: two letters, eight digits and a
// check digit, and two letters (RR123456785EE), its check digit right.
func isS10(t string) bool {
	if len(t) != 13 {
		return false
	}
	for i := range 13 {
		c := t[i]
		letter := c >= 'A' && c <= 'Z'
		if (i < 2 || i > 10) != letter || !letter && (c < '0' || c > '9') {
			return false
		}
	}
	sum := 0
	for i, w := range []int{8, 6, 4, 2, 3, 5, 9, 7} {
		sum += int(t[2+i]-'0') * w
	}
	check := 11 - sum%11
	switch check {
	case 10:
		check = 0
	case 11:
		check = 5
	}
	return int(t[10]-'0') == check
}
