package text

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestFold(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"ascii", "Zagreb ZAGREB", "zagreb zagreb"},
		{"croatian", "Čćžšđ ČĆŽŠĐ česta", "cczsd cczsd cesta"},
		{"estonian", "Õun, ÄÖÜ õäöü", "oun, aou oaou"},
		{"german sharp s", "Straße STRASSE ẞ", "strasse strasse ss"},
		{"french ligature", "Œuvre du cœur", "oeuvre du coeur"},
		{"other non-decomposing", "Ærø þing Łódź ı", "aero thing lodz i"},
		{"decomposed input", "c\u030Cesta", "cesta"},
		{"cyrillic look-alikes", "сustоmеr", "customer"},
		{"cyrillic upper look-alikes", "СUSTОMЕR", "customer"},
		{"greek look-alikes", "Κοντακτ", "kovtakt"},
		{"fullwidth", "ＡＣＣ－３７１", "acc-371"},
		{"ligature", "ﬁnance", "finance"},
		{"digits stay digits", "l0g1n 10", "l0g1n 10"},
		{"punctuation kept", "Hi,  there!\n(ok)", "hi,  there!\n(ok)"},
		{"real russian", "Москва", "мocквa"},
		{"real greek", "Αθήνα ΑΘΗΝΑ", "aθnva aθnva"},
		{"hangul recomposed", "한국어", "한국어"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Fold(tt.in); got != tt.want {
				t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got := Fold(Fold(tt.in)); got != tt.want {
				t.Errorf("Fold is not idempotent on %q: %q", tt.in, got)
			}
		})
	}
}

func TestFoldCaseInsensitive(t *testing.T) {
	// Real Cyrillic and Greek text must fold the same whatever its case, so
	// searching it works even though some of its letters become Latin.
	for _, s := range []string{"Москва", "Српски језик", "Ελληνικά κείμενα", "Čćžšđ"} {
		if lo, up := Fold(strings.ToLower(s)), Fold(strings.ToUpper(s)); lo != up {
			t.Errorf("Fold(lower %q) = %q, Fold(upper) = %q", s, lo, up)
		}
	}
}

func TestWords(t *testing.T) {
	long := strings.Repeat("a", 70)
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  ... !!", nil},
		{"Hello, сustоmеr: order ACC-371 for Õun in Zagreb!", []string{"hello", "customer", "order", "acc", "371", "for", "oun", "in", "zagreb"}},
		{"Tere! Kas ma saan tellimuse v1.1 tagasi?", []string{"tere", "kas", "ma", "saan", "tellimuse", "v1", "1", "tagasi"}},
		{"Poštovani, ćevapi u Đakovu", []string{"postovani", "cevapi", "u", "dakovu"}},
		{long + " x", []string{long[:64], "x"}},
	}
	for _, tt := range tests {
		if got := Words(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Words(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRefKey(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"ACC-371", "acc371"},
		{"ACC 371", "acc371"},
		{"acc371", "acc371"},
		{"acc_371", "acc371"},
		{"ACC #371", "acc371"},
		{"ＡＣＣ－３７１", "acc371"},
		{"АСС-371", "acc371"}, // Cyrillic А and С
		{"v1.1", "v1.1"},
		{"v11", "v11"},
		{"v1.10", "v1.10"},
		{"RMA 55/2", "rma55/2"},
		{"55/2", "55/2"},
		{"552", "552"},
		{"  #A-12 ", "a12"},
		{"#12.", "12"},
		{"a#1", "a#1"},
		{"12:30", "12:30"},
		{"C++11", "c++11"},
		{"(INV-2024/7)", "inv2024/7"},
		{"hello", ""},
		{"", ""},
		{"---", ""},
		{strings.Repeat("9", 65), ""},
		{strings.Repeat("9", 64), strings.Repeat("9", 64)},
	}
	for _, tt := range tests {
		if got := RefKey(tt.in); got != tt.want {
			t.Errorf("RefKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	distinct := []string{RefKey("v1.1"), RefKey("v11"), RefKey("v1.10")}
	if distinct[0] == distinct[1] || distinct[1] == distinct[2] || distinct[0] == distinct[2] {
		t.Errorf("v1.1, v11, v1.10 share keys: %q", distinct)
	}
	if RefKey("55/2") == RefKey("552") {
		t.Errorf("55/2 and 552 share a key")
	}
}

func TestRefKeys(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"Order ACC-371 arrived", []string{"acc371"}},
		{"no references here at all", nil},
		{
			`Hi, my order ACC 371 (RMA 55/2) still fails on v1.1, see ACC-371 again; ticket #A-12.`,
			[]string{"acc371", "371", "rma55/2", "55/2", "v1.1", "a12"},
		},
		{"Tellimus ACC-372, arve nr 2024/15.", []string{"acc372", "2024/15"}},
		{"the acc 371 is lower case", []string{"371"}},
	}
	for _, tt := range tests {
		if got := RefKeys(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("RefKeys(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}

	var b strings.Builder
	for i := range 500 {
		b.WriteString("item ")
		b.WriteString(strings.Repeat("x", i%7+1))
		b.WriteString("-")
		b.WriteString(strings.Repeat("1", i%5+1))
		b.WriteString(" ")
	}
	if got := RefKeys(b.String()); len(got) > 200 {
		t.Errorf("RefKeys returned %d keys, want at most 200", len(got))
	}
}

func TestParseQuery(t *testing.T) {
	tests := []struct {
		in   string
		want Query
	}{
		{"", Query{}},
		{"сustоmеr refund", Query{Words: []string{"customer", "refund"}}},
		{"ACC 371 Zagreb", Query{Words: []string{"acc", "zagreb"}, Refs: []string{"acc371", "371"}}},
		{"RMA 55/2", Query{Words: []string{"rma"}, Refs: []string{"rma55/2", "55/2"}}},
		{"v1.1 v1.1 õun OUN", Query{Words: []string{"oun"}, Refs: []string{"v1.1"}}},
		{`"unterminated`, Query{Words: []string{"unterminated"}}},
		{"AND OR NOT", Query{Words: []string{"and", "or", "not"}}},
		{"a*", Query{Words: []string{"a"}}},
		{"NEAR(", Query{Words: []string{"near"}}},
		{"-", Query{}},
		{"***", Query{}},
		{"😀🎉 👍", Query{}},
		{"\x00\x01ab\x7f\xff", Query{Words: []string{"ab"}}},
		{`title:"foo" -bar (baz OR qux)`, Query{Words: []string{"title", "foo", "bar", "baz", "or", "qux"}}},
	}
	for _, tt := range tests {
		got := ParseQuery(tt.in)
		if !slices.Equal(got.Words, tt.want.Words) || !slices.Equal(got.Refs, tt.want.Refs) {
			t.Errorf("ParseQuery(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}

	junk := strings.Repeat("x1 AND (\"y* ", 1000)
	got := ParseQuery(junk)
	if len(got.Words) > 16 || len(got.Refs) > 8 {
		t.Errorf("ParseQuery(10 kB) kept %d words and %d refs", len(got.Words), len(got.Refs))
	}
	if !slices.Equal(got.Words, []string{"and", "y"}) || !slices.Equal(got.Refs, []string{"x1"}) {
		t.Errorf("ParseQuery(10 kB) = %q", got)
	}
	many := ParseQuery(strings.Repeat("w ", 5) + "a b c d e f g h i j k l m n o p q r s 1 2 3 4 5 6 7 8 9")
	if len(many.Words) != 16 || len(many.Refs) != 8 {
		t.Errorf("ParseQuery kept %d words and %d refs, want 16 and 8", len(many.Words), len(many.Refs))
	}
	checkQuery(t, ParseQuery(strings.Repeat("\u0301\u200d🏳️‍🌈", 2000)))
}

func checkQuery(t *testing.T, q Query) {
	t.Helper()
	if len(q.Words) > 16 || len(q.Refs) > 8 {
		t.Fatalf("too many words or refs: %q", q)
	}
	for _, w := range q.Words {
		if w == "" || strings.IndexFunc(w, func(r rune) bool { return !unicode.IsLetter(r) }) >= 0 {
			t.Fatalf("bad word %q in %q", w, q)
		}
	}
	for _, r := range q.Refs {
		if r == "" || utf8.RuneCountInString(r) > 64 {
			t.Fatalf("bad ref %q in %q", r, q)
		}
	}
}

func TestSnippet(t *testing.T) {
	text := "The parcel left our warehouse on Monday.\n\nAfter that   nobody could tell me where it was, " +
		"so I am writing again about order ACC-371 and the refund you promised me last week."
	tests := []struct {
		name     string
		terms    []string
		maxRunes int
		want     string
	}{
		{"short text is whole", nil, 1000, "The parcel left our warehouse on Monday. After that nobody could tell me where it was, " +
			"so I am writing again about order ACC-371 and the refund you promised me last week."},
		{"no match gives start", []string{"zzz"}, 30, "The parcel left our warehouse…"},
		{"no terms gives start", nil, 30, "The parcel left our warehouse…"},
		{"match at start", []string{"parc"}, 12, "The parcel…"},
		{"centred in the middle", []string{"nobody"}, 40, "…After that nobody could tell me…"},
		{"match near the end", []string{"week"}, 30, "…you promised me last week."},
		{"reference key", []string{"acc371"}, 30, "…order ACC-371 and the…"},
		{"folded match", []string{"refund"}, 20, "…the refund you…"},
		{"tiny", []string{"refund"}, 1, "…"},
		{"zero", []string{"refund"}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Snippet(text, tt.terms, tt.maxRunes)
			if got != tt.want {
				t.Errorf("Snippet(%q, %d) = %q, want %q", tt.terms, tt.maxRunes, got, tt.want)
			}
			if n := utf8.RuneCountInString(got); n > max(tt.maxRunes, 0) {
				t.Errorf("Snippet is %d runes, more than %d", n, tt.maxRunes)
			}
		})
	}

	// Look-alike and accented originals are found by folded terms.
	if got := Snippet("Pozdrav! Molim vas, "+strings.Repeat("bla ", 20)+"česta greška u sustavu", []string{"cesta"}, 30); !strings.Contains(got, "česta") {
		t.Errorf("Snippet did not centre on česta: %q", got)
	}
	if got := Snippet(strings.Repeat("word ", 30)+"our сustоmеr care", []string{"customer"}, 25); !strings.Contains(got, "сustоmеr") {
		t.Errorf("Snippet did not centre on the look-alike word: %q", got)
	}
	if got := Snippet(strings.Repeat("word ", 30)+"see RMA 55/2 please "+strings.Repeat("word ", 30), []string{"rma55/2"}, 30); !strings.Contains(got, "RMA 55/2") {
		t.Errorf("Snippet did not centre on the combined reference: %q", got)
	}
}

func TestMixedScript(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"customer service", false},
		{"сustоmеr service", true}, // Cyrillic с, о, е
		{"Pаypal", true},           // Cyrillic а
		{"Αpple", true},            // Greek Α
		{"Москва и Санкт-Петербург", false}, // real Russian
		{"Српски језик", false},             // real Serbian
		{"Ελληνικά κείμενα", false},         // real Greek
		{"English text, а русский текст.", false},
		{"Õun ja čevapčići", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := MixedScript(tt.in); got != tt.want {
			t.Errorf("MixedScript(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestLinkCount(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"no links here", 0},
		{"see https://example.com and http://example.org/x", 2},
		{"visit www.example.com now", 1},
		{"https://www.example.com counts once", 1},
		{"HTTPS://EXAMPLE.COM", 1},
		{"ｈｔｔｐｓ：／／example.com", 1},
		{"the http:// prefix alone and awww.", 0},
		{"(www.a.com), [http://b.com]", 2},
	}
	for _, tt := range tests {
		if got := LinkCount(tt.in); got != tt.want {
			t.Errorf("LinkCount(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"", `"unterminated`, "AND OR NOT", "a*", "NEAR(", "-", "***", "😀",
		"RMA 55/2 ACC-371 v1.1", "сustоmеr õun česta", "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkQuery(t, ParseQuery(s))
	})
}

// benchMessage is a 2 kB support message mixing English, Estonian and Croatian.
func benchMessage() string {
	parts := []string{
		"Hello support team,\n\nI ordered a replacement charger (order ACC-371) three weeks ago and it still has not arrived. ",
		"The tracking page says the parcel is \"in transit\" since 14.03., which cannot be right. ",
		"Tere! Minu tellimus jõudis pakiautomaati, aga kapp ei avanenud ja kood ei töötanud. ",
		"Palun saatke uus kood või öelge, kuidas ma saan paki kätte. Tänan ette! ",
		"Poštovani, naručio sam dvije stolice i jedna je stigla oštećena. Molim vas da mi javite ",
		"kako mogu vratiti robu i hoću li dobiti povrat novca. Lijep pozdrav iz Đakova. ",
		"Please also check RMA 55/2 – the firmware v1.1 update broke the display. ",
	}
	var b strings.Builder
	for b.Len() < 2048 {
		b.WriteString(parts[b.Len()%len(parts)])
	}
	return b.String()
}

func BenchmarkFold(b *testing.B) {
	msg := benchMessage()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		Fold(msg)
	}
}

func TestSpamScore(t *testing.T) {
	for _, tc := range []struct {
		text string
		min  int
		max  int
	}{
		{"My router blinks red since Monday, order ORD-2026-00417. Please call me.", 0, 0},
		{`The API returns {"error":{"code":"x"}} for my request {id}`, 0, 3},
		{"{Best|Top|Greatest} deals! Click here: http://a.example http://b.example http://c.example http://d.example", 9, 100},
		{"{h1} Kaks ettevõtet ja {hea|suurepärane} teenindus", 6, 6},
		{"You have won! Claim your prize, 100% free, act now", 12, 100},
	} {
		if got := SpamScore(tc.text); got < tc.min || got > tc.max {
			t.Errorf("SpamScore(%q) = %d, want %d..%d", tc.text, got, tc.min, tc.max)
		}
	}
}
