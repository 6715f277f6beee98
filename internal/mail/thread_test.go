package mail

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func testKeys() Keys { return NewKeys([]byte("0123456789abcdef0123456789abcdef"), "Kept.Example") }

func TestKeysMessageIDRoundTrip(t *testing.T) {
	k := testKeys()
	format := regexp.MustCompile(`^k\.[0-9]+\.s[0-9]+\.[a-z2-7]{16}@kept\.example$`)
	for _, ids := range [][2]int64{{1, 0}, {42, 7}, {1042, 99999}, {1<<63 - 1, 1<<63 - 1}} {
		id := k.MessageID(ids[0], ids[1])
		if !format.MatchString(id) {
			t.Errorf("MessageID(%d, %d) = %q", ids[0], ids[1], id)
		}
		for _, form := range []string{id, "<" + id + ">", "  <" + id + ">\r\n", strings.ToUpper(id)} {
			if c, ok := k.ParseMessageID(form); !ok || c != ids[0] {
				t.Errorf("ParseMessageID(%q) = %d, %v", form, c, ok)
			}
		}
	}
	// Mail sent before 0.3 named the entry by its id ("k.42.1234.<mac>"): a reply to it still
	// finds its case.
	old := "k.42.1234." + k.mac("message-id", "42", "1234", k.domain) + "@kept.example"
	if c, ok := k.ParseMessageID(old); !ok || c != 42 {
		t.Errorf("ParseMessageID(%q) of the earlier form = %d, %v", old, c, ok)
	}
	if a, b := k.MessageID(42, 7), k.MessageID(42, 8); a == b || a[len(a)-30:] == b[len(b)-30:] {
		t.Errorf("MACs of different entries look alike: %q %q", a, b)
	}
}

func TestKeysMessageIDRefused(t *testing.T) {
	k := testKeys()
	id := k.MessageID(42, 7) // k.42.s7.<mac>@kept.example
	mac := strings.TrimSuffix(strings.Split(id, ".")[3], "@kept")
	flip := func(s string, i int) string {
		c := byte('a')
		if s[i] == 'a' {
			c = 'b'
		}
		return s[:i] + string(c) + s[i+1:]
	}
	other := NewKeys([]byte("another secret, another desk...."), "kept.example")
	tests := []struct{ name, id string }{
		{"empty", ""},
		{"foreign", "CAF8x2=abc123@mail.example.com"},
		{"tampered MAC", "k.42.s7." + flip(mac, 0) + "@kept.example"},
		{"tampered last MAC char", "k.42.s7." + flip(mac, len(mac)-1) + "@kept.example"},
		{"truncated MAC", "k.42.s7." + mac[:15] + "@kept.example"},
		{"no MAC", "k.42.s7@kept.example"},
		{"other case", "k.43.s7." + mac + "@kept.example"},
		{"other entry", "k.42.s8." + mac + "@kept.example"},
		{"the entry without its s", "k.42.7." + mac + "@kept.example"},
		{"swapped", "k.7.s42." + mac + "@kept.example"},
		{"leading zero", "k.042.s7." + mac + "@kept.example"},
		{"plus sign", "k.+42.s7." + mac + "@kept.example"},
		{"negative", "k.-42.s7." + mac + "@kept.example"},
		{"zero case", k.MessageID(0, 7)},
		{"foreign domain", "k.42.s7." + mac + "@evil.example"},
		{"subdomain", "k.42.s7." + mac + "@x.kept.example"},
		{"extra field", "k.42.s7.1." + mac + "@kept.example"},
		{"other prefix", "x.42.s7." + mac + "@kept.example"},
		{"other secret", other.MessageID(42, 7)},
		{"reply MAC as id MAC", "k.42.s7." + strings.Split(strings.Split(k.ReplyAddress("s@kept.example", 42), ".")[1], "@")[0] + "@kept.example"},
		{"huge", "k." + strings.Repeat("9", 300) + ".s7." + mac + "@kept.example"},
	}
	for _, tt := range tests {
		if c, ok := k.ParseMessageID(tt.id); ok {
			t.Errorf("%s: ParseMessageID(%q) = %d, true", tt.name, tt.id, c)
		}
	}
	var zero Keys
	if _, ok := zero.ParseMessageID(zero.MessageID(42, 7)); ok {
		t.Error("zero Keys recognised an id")
	}
}

func TestKeysReplyAddress(t *testing.T) {
	k := testKeys()
	addr := k.ReplyAddress("support@kept.example", 42)
	if !regexp.MustCompile(`^support\+k42\.[a-z2-7]{16}@kept\.example$`).MatchString(addr) {
		t.Fatalf("ReplyAddress = %q", addr)
	}
	local, _, _ := strings.Cut(addr, "@")
	mac := local[strings.IndexByte(local, '.')+1:]
	for _, a := range []string{addr, strings.ToUpper(addr), "Kept Support <" + addr + ">", " <" + addr + "> ",
		strings.Replace(addr, "kept.example", "other.example", 1)} {
		if c, ok := k.ParseReplyAddress(a); !ok || c != 42 {
			t.Errorf("ParseReplyAddress(%q) = %d, %v", a, c, ok)
		}
	}
	if got := k.ReplyAddress("help", 7); !strings.HasPrefix(got, "help+k7.") || !strings.HasSuffix(got, "@kept.example") {
		t.Errorf("ReplyAddress without domain = %q", got)
	}
	if c, ok := k.ParseReplyAddress(k.ReplyAddress("help@other.example", 1042)); !ok || c != 1042 {
		t.Errorf("other base: %d %v", c, ok)
	}
	for _, a := range []string{
		"", "support@kept.example", "support+x@kept.example", "support+k42@kept.example",
		"support+k43." + mac + "@kept.example", "support+k042." + mac + "@kept.example",
		"support+k42." + mac[:15] + "@kept.example", "support+k42." + mac + "x@kept.example",
		"support+k0." + mac + "@kept.example", "support+k-42." + mac + "@kept.example",
		NewKeys([]byte("another secret"), "kept.example").ReplyAddress("support@kept.example", 42),
	} {
		if c, ok := k.ParseReplyAddress(a); ok {
			t.Errorf("ParseReplyAddress(%q) = %d, true", a, c)
		}
	}
}

func TestCaseRefInSubject(t *testing.T) {
	tests := []struct {
		subject string
		want    int64 // 0: none
	}{
		{"[K-1042] Printer offline", 42},
		{"Re: [K-1042] Printer offline", 42},
		{"RE: AW: SV: Odg: Fwd: k-1042 printer", 42},
		{"Odg: [k1042] pisač", 42},
		{"ticket (K-1042).", 42},
		{"Re: case K-1001", 1},
		{"Ｋ－１０４２ full width", 42},
		{"K–1042 en dash", 42},
		{"about K-1042 and K-1043", 42},
		{"Re: K1042 without dash or brackets", 0},
		{"Samsung K2000 printer", 0},
		{"Re: problem with K-100", 0},
		{"Re: [K-1000]", 0},
		{"RK-1042", 0},
		{"K-1042a", 0},
		{"K-", 0},
		{"K-99999999999999999999", 0},
		{"", 0},
		{"No ref here", 0},
	}
	for _, tt := range tests {
		got, ok := CaseRefInSubject(tt.subject)
		if got != tt.want || ok != (tt.want != 0) {
			t.Errorf("CaseRefInSubject(%q) = %d, %v; want %d", tt.subject, got, ok, tt.want)
		}
	}
}

func TestThreadIndexRoot(t *testing.T) {
	const root = "AdqLPBFSn0suahx9TguKP1xtfo+QEg=="
	tests := []struct{ in, want string }{
		{"AdqLPBFSn0suahx9TguKP1xtfo+QEgAAobLD", root},         // one reply
		{"AdqLPBFSn0suahx9TguKP1xtfo+QEgAAobLDAABCDEF/", root}, // two replies
		{root, root},                                          // the first message itself
		{"AdqLPBFSn0suahx9TguKP1xtfo+QEg", root},              // padding lost
		{" AdqLPBFSn0suahx9Tgu\r\n KP1xtfo+QEgAAobLD ", root}, // folded
		{"AdqLPBFSn0su", ""},                                  // too short
		{"not base64 at all!", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := ThreadIndexRoot(tt.in); got != tt.want {
			t.Errorf("ThreadIndexRoot(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestIsForward(t *testing.T) {
	rfc822 := []Attachment{{Filename: "original.eml", ContentType: "message/rfc822"}}
	tests := []struct {
		name string
		m    *Message
		want bool
	}{
		{"nil", nil, false},
		{"plain", &Message{Subject: "Printer offline", Text: "It is offline."}, false},
		{"Fwd", &Message{Subject: "Fwd: Printer offline"}, true},
		{"FW", &Message{Subject: "FW: Printer offline"}, true},
		{"WG", &Message{Subject: "WG: Drucker"}, true},
		{"Proslijeđeno", &Message{Subject: "Proslijeđeno: Pisač"}, true},
		{"PROSL", &Message{Subject: "PROSL: Pisač"}, true},
		{"TR", &Message{Subject: "TR : Imprimante"}, true},
		{"Fwd of a reply", &Message{Subject: "Fwd: Re: [K-1042] Printer"}, true},
		{"reply to a forward", &Message{Subject: "Re: Fwd: Printer", Text: "> ---------- Forwarded message ---------"}, false},
		{"reply with an attachment", &Message{Subject: "Re: Printer", Attachments: rfc822}, false},
		{"tag first", &Message{Subject: "[K-1042] Fwd: Printer"}, true},
		{"counter", &Message{Subject: "Fw[2]: Printer"}, true},
		{"full-width colon", &Message{Subject: "Fwd：Printer"}, true},
		{"Gmail marker", &Message{Subject: "Printer", Text: "See below.\n\n---------- Forwarded message ---------\nFrom: x"}, true},
		{"Thunderbird marker", &Message{Subject: "Printer", Text: "-------- Forwarded Message --------\nSubject: x"}, true},
		{"Apple marker", &Message{Subject: "Printer", Text: "FYI\n\nBegin forwarded message:\n\nFrom: x"}, true},
		{"Croatian Gmail marker", &Message{Subject: "Pisač", Text: "---------- Proslijeđena poruka ---------\nOd: x"}, true},
		{"quoted marker", &Message{Subject: "Printer", Text: "> ---------- Forwarded message ---------"}, false},
		{"marker words in prose", &Message{Subject: "Printer", Text: "I forwarded message after message to you"}, false},
		{"attached original", &Message{Subject: "Look at this", Attachments: rfc822}, true},
		{"bounce carrying the original", &Message{Subject: "Undelivered Mail", Automatic: true, Attachments: rfc822}, false},
		{"question colon", &Message{Subject: "Question: can I forward my order?"}, false},
	}
	for _, tt := range tests {
		if got := IsForward(tt.m); got != tt.want {
			t.Errorf("%s: IsForward = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestSubjectPrefixesAutomatic(t *testing.T) {
	for subject, want := range map[string]bool{
		"Automatic reply: [K-1042] Printer": true,
		"Automatische Antwort: Drucker":     true,
		"Automatski odgovor: Pisač":         true,
		"Out of Office: Printer":            true,
		"Out of office hours support?":      false,
		"Re: Printer":                       false,
	} {
		m := mustParse(t, []byte("From: a@example.com\nSubject: "+subject+"\n\nx\n"))
		if m.Automatic != want {
			t.Errorf("%q: Automatic = %v, want %v", subject, m.Automatic, want)
		}
	}
}

func FuzzParseMessageID(f *testing.F) {
	k := testKeys()
	f.Add(k.MessageID(42, 7))
	f.Add("<" + k.MessageID(1, 0) + ">")
	f.Add("k.42.s7.aaaaaaaaaaaaaaaa@kept.example")
	f.Add("CAF8x2=abc123@mail.example.com")
	f.Add(k.ReplyAddress("support@kept.example", 42))
	f.Fuzz(func(t *testing.T, id string) {
		if c, ok := k.ParseMessageID(id); ok {
			// Only the desk's own ids pass, and they name what they were made for.
			if c <= 0 {
				t.Fatalf("ParseMessageID(%q) = %d", id, c)
			}
			canon := strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(id), "<"), ">"))
			f := strings.Split(canon, ".")
			entry := f[2]
			want := "k." + strconv.FormatInt(c, 10) + "." + entry + "." + k.mac("message-id", strconv.FormatInt(c, 10), entry, k.domain) + "@" + k.domain
			if canon != want {
				t.Fatalf("ParseMessageID(%q) accepted a non-canonical id for case %d", id, c)
			}
		}
		if c, ok := k.ParseReplyAddress(id); ok && !strings.Contains(strings.ToLower(id), strings.Split(k.ReplyAddress("x@y", c), "@")[0][1:]) {
			t.Fatalf("ParseReplyAddress(%q) = %d without its token", id, c)
		}
		CaseRefInSubject(id)
		ThreadIndexRoot(id)
	})
}
