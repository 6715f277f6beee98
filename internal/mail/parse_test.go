package mail

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/keptdesk/kept/internal/text"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func mustParse(t testing.TB, raw []byte) *Message {
	t.Helper()
	m, err := Parse(raw, DefaultLimits())
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return m
}

func hasProblem(m *Message, substr string) bool {
	return slices.ContainsFunc(m.Problems, func(p string) bool { return strings.Contains(p, substr) })
}

func TestParseFixtures(t *testing.T) {
	date := func(s string) time.Time {
		d, err := time.Parse(time.RFC1123Z, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	tests := []struct {
		file  string
		check func(t *testing.T, m *Message)
	}{
		{"plain.eml", func(t *testing.T, m *Message) {
			eq(t, "MessageID", m.MessageID, "CAF8x2=abc123@mail.example.com")
			eq(t, "Subject", m.Subject, "Order 4471 arrived damaged")
			eq(t, "From", m.From, Address{"Ana Kovac", "ana.kovac@example.com"})
			eq(t, "To", m.To, []Address{{"Kept Support", "support@kept.example"}})
			eq(t, "Cc", m.Cc, []Address{{"Ivan Horvat", "ivan@example.com"}, {"", "petra@example.com"}})
			if !m.Date.Equal(date("Tue, 03 Mar 2026 09:14:20 +0100")) {
				t.Errorf("Date = %v", m.Date)
			}
			eq(t, "Text", m.Text, "Hello,\n\nmy order 4471 arrived today and the box was crushed – two of the cups are broken.\nCould you send replacements?\n\nThanks,\nAna\n")
			eq(t, "HTML", m.HTML, "")
			eq(t, "Automatic", m.Automatic, false)
			eq(t, "Problems", len(m.Problems), 0)
		}},
		{"html-only.eml", func(t *testing.T, m *Message) {
			if !strings.Contains(m.HTML, "<script>") {
				t.Errorf("HTML is not as sent: %q", m.HTML)
			}
			for _, bad := range []string{"<script", "alert", "onclick", "tracker.example.net", "<style"} {
				if strings.Contains(m.SafeHTML, bad) {
					t.Errorf("SafeHTML contains %q: %s", bad, m.SafeHTML)
				}
			}
			for _, good := range []string{`<img alt="logo"`, `href="https://example.hr/katalog?id=7"`, `<b>20 komada</b>`} {
				if !strings.Contains(m.SafeHTML, good) {
					t.Errorf("SafeHTML lacks %q: %s", good, m.SafeHTML)
				}
			}
			// Text derived from the HTML: its words, none of its markup or script.
			for _, want := range []string{"Dobar dan,", "20 komada", "Marko"} {
				if !strings.Contains(m.Text, want) {
					t.Errorf("Text lacks %q: %q", want, m.Text)
				}
			}
			if strings.Contains(m.Text, "alert") || strings.Contains(m.Text, "<p") {
				t.Errorf("Text has script or markup: %q", m.Text)
			}
		}},
		{"alternative-inline.eml", func(t *testing.T, m *Message) {
			eq(t, "Text", m.Text, "Hi, the error looks like this: [logo]\nJonas\n")
			if !strings.Contains(m.SafeHTML, `src="cid:shot1@example.de"`) {
				t.Errorf("cid: image lost: %s", m.SafeHTML)
			}
			if len(m.Attachments) != 1 {
				t.Fatalf("Attachments = %+v", m.Attachments)
			}
			a := m.Attachments[0]
			eq(t, "Filename", a.Filename, "shot.png")
			eq(t, "ContentType", a.ContentType, "image/png")
			eq(t, "ContentID", a.ContentID, "shot1@example.de")
			eq(t, "Inline", a.Inline, true)
			eq(t, "PNG", bytes.HasPrefix(a.Data, []byte("\x89PNG")), true)
			eq(t, "Size", a.Size, len(a.Data))
			eq(t, "Problems", len(m.Problems), 0)
		}},
		{"attachment-rfc2231.eml", func(t *testing.T, m *Message) {
			eq(t, "Text", m.Text, "U prilogu je čestitka i račun.\n")
			if len(m.Attachments) != 2 {
				t.Fatalf("Attachments = %+v", m.Attachments)
			}
			pdf := m.Attachments[0]
			eq(t, "Filename", pdf.Filename, "Čestitka škola.pdf")
			eq(t, "ContentType", pdf.ContentType, "application/pdf")
			eq(t, "Inline", pdf.Inline, false)
			eq(t, "SHA256", pdf.SHA256, "b486561f983e27a6df247c87467b30f43ef29ae0e9646bc07b4b43a020113917")
			eq(t, "Size", pdf.Size, 72)
			// No directory in a file name.
			eq(t, "Filename", m.Attachments[1].Filename, "passwd")
		}},
		{"iso-8859-2.eml", func(t *testing.T, m *Message) {
			eq(t, "Subject", m.Subject, "Račun za rujan - reklamacija")
			eq(t, "From", m.From, Address{"Žarko Đurić", "zarko.duric@example.hr"})
			eq(t, "Text", m.Text, "Poštovani,\n\nšaljem račun za rujan. Molim Vas da provjerite iznos - 1.250,00 EUR.\nHvala!\n\nŽarko Đurić\n")
			eq(t, "Problems", len(m.Problems), 0)
		}},
		{"windows-1257.eml", func(t *testing.T, m *Message) {
			// Š and Ž are where windows-1257 differs from Latin-1: a detector
			// overriding the declared charset would make them Ð and Þ.
			eq(t, "Subject", m.Subject, "Šokolaad ei jõudnud kohale")
			eq(t, "Text", m.Text, "Tere!\n\nŠokolaadi tellimus nr 4471 jõudis kohale katkisena. Palun saatke uus.\nŽürii otsus: õun, äädikas, öö, ülikool.\n\nMari Tamm\n")
		}},
		{"encoded-from.eml", func(t *testing.T, m *Message) {
			eq(t, "From", m.From, Address{"Željko Šimić", "zeljko.simic@example.com"})
			eq(t, "ReplyTo", m.ReplyTo, []Address{{"Željko privatno", "zeljko.private@example.net"}})
			eq(t, "To", m.To, []Address{{"Kept podrška", "support@kept.example"}})
			eq(t, "Subject", m.Subject, "Pitanje o dostavi – hitno")
			eq(t, "Text", m.Text, "Kada stiže paket?\n")
		}},
		{"outlook-reply.eml", func(t *testing.T, m *Message) {
			eq(t, "References", len(m.References), 0)
			eq(t, "InReplyTo", m.InReplyTo, "")
			eq(t, "ThreadIndex", m.ThreadIndex, "AdqLPBFSn0suahx9TguKP1xtfo+QEgAAobLD")
			eq(t, "ThreadIndexRoot", ThreadIndexRoot(m.ThreadIndex), "AdqLPBFSn0suahx9TguKP1xtfo+QEg==")
			ref, ok := CaseRefInSubject(m.Subject)
			eq(t, "CaseRefInSubject", ref, int64(42))
			eq(t, "ok", ok, true)
			eq(t, "IsForward", IsForward(m), false)
			if !strings.HasPrefix(m.Text, "It is still offline after the restart.\n") {
				t.Errorf("Text = %q", m.Text)
			}
			if strings.Contains(m.SafeHTML, "class=") || strings.Contains(m.SafeHTML, "<meta") {
				t.Errorf("SafeHTML = %s", m.SafeHTML)
			}
		}},
		{"apple-reply.eml", func(t *testing.T, m *Message) {
			eq(t, "MessageID", m.MessageID, "9B0C1D2E-3F4A-5B6C-7D8E-9F0A1B2C3D4E@icloud.example")
			eq(t, "InReplyTo", m.InReplyTo, "k.43.7.aaaaaaaaaaaaaaaa@kept.example")
			eq(t, "References", m.References, []string{"CAF8x2=first@mail.example.com", "k.43.7.aaaaaaaaaaaaaaaa@kept.example"})
			if !strings.Contains(m.Text, "> We have refunded 49,90 €.") {
				t.Errorf("Text = %q", m.Text)
			}
			eq(t, "IsForward", IsForward(m), false)
			eq(t, "Problems", len(m.Problems), 0)
		}},
		{"forward.eml", func(t *testing.T, m *Message) {
			eq(t, "IsForward", IsForward(m), true)
			eq(t, "From", m.From.Email, "tomislav@contoso.example")
		}},
		{"forward-attached.eml", func(t *testing.T, m *Message) {
			eq(t, "IsForward", IsForward(m), true)
			if len(m.Attachments) != 1 || m.Attachments[0].ContentType != "message/rfc822" || !strings.HasSuffix(m.Attachments[0].Filename, ".eml") {
				t.Errorf("Attachments = %+v", m.Attachments)
			}
			if !bytes.Contains(m.Attachments[0].Data, []byte("Subject: Where is my parcel")) {
				t.Errorf("forwarded message not kept: %q", m.Attachments[0].Data)
			}
		}},
		{"auto-reply.eml", func(t *testing.T, m *Message) {
			eq(t, "Automatic", m.Automatic, true)
			eq(t, "InReplyTo", m.InReplyTo, "k.42.9.bbbbbbbbbbbbbbbb@kept.example")
			eq(t, "IsForward", IsForward(m), false)
		}},
		{"bounce.eml", func(t *testing.T, m *Message) {
			eq(t, "Automatic", m.Automatic, true)
			eq(t, "From", m.From.Email, "mailer-daemon@mail.kept.example")
			if !strings.Contains(m.Text, "550 5.1.1 User unknown") {
				t.Errorf("Text = %q", m.Text)
			}
			types := []string{}
			for _, a := range m.Attachments {
				types = append(types, a.ContentType)
			}
			eq(t, "attachment types", types, []string{"message/delivery-status", "message/rfc822"})
			// The returned original inside a bounce is no forward.
			eq(t, "IsForward", IsForward(m), false)
		}},
		{"list.eml", func(t *testing.T, m *Message) {
			eq(t, "Automatic", m.Automatic, true)
			eq(t, "Subject", m.Subject, "[updates] March release notes")
		}},
		{"malformed-boundary.eml", func(t *testing.T, m *Message) {
			if !hasProblem(m, "without a boundary") {
				t.Errorf("Problems = %q", m.Problems)
			}
			eq(t, "Text", m.Text, "Why was I charged twice?\n")
			if len(m.Attachments) != 1 || m.Attachments[0].Filename != "charges.csv" {
				t.Fatalf("Attachments = %+v", m.Attachments)
			}
			eq(t, "csv", string(m.Attachments[0].Data), "date,amount\n2026-03-01,19.90\n2026-03-01,19.90")
		}},
		{"lookalike.eml", func(t *testing.T, m *Message) {
			// Stored exactly as received; found through the folded form.
			eq(t, "Subject", m.Subject, "Сustоmеr account verification")
			if !strings.Contains(m.Text, "сustоmеr") {
				t.Errorf("Text = %q", m.Text)
			}
			eq(t, "MixedScript(Subject)", text.MixedScript(m.Subject), true)
			eq(t, "MixedScript(Text)", text.MixedScript(m.Text), true)
			eq(t, "MixedScript(From.Name)", text.MixedScript(m.From.Name), true)
			if !strings.Contains(text.Fold(m.Subject), "customer") {
				t.Errorf("Fold(Subject) = %q", text.Fold(m.Subject))
			}
			eq(t, "LinkCount", text.LinkCount(m.Text), 2)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			raw := readFixture(t, tt.file)
			tt.check(t, mustParse(t, raw))
			// Mail on the wire has CRLF line ends: the same mail must read the same.
			crlf := bytes.ReplaceAll(raw, []byte("\n"), []byte("\r\n"))
			a, b := mustParse(t, raw), mustParse(t, crlf)
			eq(t, "CRLF Subject", b.Subject, a.Subject)
			eq(t, "CRLF From", b.From, a.From)
			eq(t, "CRLF Text", strings.ReplaceAll(b.Text, "\r\n", "\n"), a.Text)
			eq(t, "CRLF attachments", len(b.Attachments), len(a.Attachments))
			eq(t, "CRLF Automatic", b.Automatic, a.Automatic)
		})
	}
}

func TestParseFixturesAreValid(t *testing.T) {
	files, err := filepath.Glob("testdata/*.eml")
	if err != nil || len(files) < 15 {
		t.Fatalf("fixtures: %v %v", files, err)
	}
	for _, f := range files {
		m := mustParse(t, readFixture(t, filepath.Base(f)))
		checkInvariants(t, m, DefaultLimits())
	}
}

func eq[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s = %q, want %q", what, fmt.Sprint(got), fmt.Sprint(want))
	}
}

// checkInvariants holds for every parsed message, whatever the input.
func checkInvariants(t testing.TB, m *Message, lim Limits) {
	t.Helper()
	if m == nil {
		t.Fatal("nil message")
	}
	if len(m.Attachments) > lim.MaxAttachments {
		t.Errorf("%d attachments, limit %d", len(m.Attachments), lim.MaxAttachments)
	}
	if len(m.Problems) > maxProblems+1 {
		t.Errorf("%d problems", len(m.Problems))
	}
	if len(m.References) > maxReferences {
		t.Errorf("%d references", len(m.References))
	}
	for _, p := range m.Problems {
		if strings.HasPrefix(p, "internal error") {
			t.Errorf("decoder panicked: %s", p)
		}
	}
	strs := []string{m.MessageID, m.InReplyTo, m.ThreadIndex, m.Subject, m.From.Name, m.From.Email, m.Text, m.HTML, m.SafeHTML}
	strs = append(strs, m.References...)
	strs = append(strs, m.Problems...)
	for _, a := range m.Attachments {
		if len(a.Filename) > lim.MaxFilename || a.Filename == "" || strings.ContainsAny(a.Filename, "/\\\x00") {
			t.Errorf("bad file name %q", a.Filename)
		}
		if a.Size != len(a.Data) {
			t.Errorf("attachment size %d, data %d", a.Size, len(a.Data))
		}
		strs = append(strs, a.Filename, a.ContentType, a.ContentID)
	}
	for _, s := range strs {
		if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
			t.Errorf("invalid UTF-8 or NUL in %q", s)
		}
	}
	for _, s := range []string{m.Subject, m.From.Name, m.From.Email, m.MessageID, m.InReplyTo} {
		if strings.ContainsAny(s, "\r\n") {
			t.Errorf("line break in header value %q", s)
		}
	}
	for _, id := range append([]string{m.MessageID, m.InReplyTo}, m.References...) {
		if id != "" && !validMsgID(id) {
			t.Errorf("invalid message id %q", id)
		}
	}
	checkSafeHTML(t, m.SafeHTML)
}

func TestParseEmpty(t *testing.T) {
	for _, in := range []string{"", " ", "\r\n\r\n\t"} {
		if _, err := Parse([]byte(in), DefaultLimits()); !errors.Is(err, ErrEmpty) {
			t.Errorf("Parse(%q) error = %v, want ErrEmpty", in, err)
		}
	}
}

func TestParseBadMail(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		text    string // expected Text, or "" to skip
		problem string // expected in Problems
	}{
		{"no header at all", "Just some words\nfrom nowhere.\n", "Just some words\nfrom nowhere.\n", "no header"},
		{"mbox From line", "From someone@example.com Mon Mar  9 10:00:00 2026\nFrom: a@example.com\nSubject: hi\n\nbody\n", "body\n", "no Message-ID"},
		{"header only", "From: a@example.com\nSubject: nothing\n", "", "no Date"},
		{"boundary never found", "From: a@example.com\nContent-Type: multipart/mixed; boundary=zzz\n\nplain text after all\n", "plain text after all\n", "no part delimited"},
		{"unclosed multipart", "From: a@example.com\nContent-Type: multipart/mixed; boundary=zzz\n\n--zzz\nContent-Type: text/plain\n\ncut off here", "cut off here", "not closed"},
		{"unknown charset", "From: a@example.com\nContent-Type: text/plain; charset=x-nonsense\n\nhello \xe9\n", "hello \uFFFD\n", "x-nonsense"},
		{"invalid utf-8 declared", "From: a@example.com\nContent-Type: text/plain; charset=utf-8\n\nbad \xff\xfe bytes\n", "bad \uFFFD bytes\n", "not valid"},
		{"undeclared 8-bit utf-8", "From: a@example.com\n\nkada stiže\n", "kada stiže\n", ""},
		{"us-ascii label on utf-8", "From: a@example.com\nContent-Type: text/plain; charset=us-ascii\n\nkada stiže\n", "kada stiže\n", ""},
		{"NUL bytes", "From: a@example.com\n\na\x00b\n", "a\uFFFDb\n", ""},
		{"unreadable date", "From: a@example.com\nDate: yesterday-ish\n\nx\n", "x\n", "unreadable Date"},
		{"garbage content type", "From: a@example.com\nContent-Type: ;;;===\n\nx\n", "x\n", ""},
		{"broken base64", "From: a@example.com\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\naGVsbG8gd29ybGQ=!!!$$$\n", "", ""},
		{"unknown transfer encoding", "From: a@example.com\nContent-Transfer-Encoding: x-uuencode\n\nbegin 644 x\n", "begin 644 x\n", "x-uuencode"},
		{"header injection in encoded subject", "From: a@example.com\nSubject: =?utf-8?q?hi=0D=0ABcc:_x@evil.example?=\n\nx\n", "x\n", "line breaks"},
		{"unreadable From", "From: <<<@@@>>>, \"unterminated\nSubject: x\n\nx\n", "x\n", "From"},
		{"bad message ids", "From: a@example.com\nMessage-ID: <a b@c>\nReferences: <ok@x> <bad id@y> <ünï@z>\n\nx\n", "x\n", "malformed message id"},
		{"part without header", "From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\nno header here\n--b--\n", "no header here", ""},
		{"part with content for header", "From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n--b\nplain words\n--b--\n", "plain words", "has no header"},
		{"longer boundary is not ours", "From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\none\n--bb\ntwo\n--b--\n", "one\n--bb\ntwo", ""},
		{"multipart without boundary or delimiters", "From: a@example.com\nContent-Type: multipart/alternative\n\njust text\n", "just text\n", "without a boundary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, []byte(tt.raw))
			checkInvariants(t, m, DefaultLimits())
			if tt.text != "" && m.Text != tt.text {
				t.Errorf("Text = %q, want %q", m.Text, tt.text)
			}
			if tt.problem != "" && !hasProblem(m, tt.problem) {
				t.Errorf("Problems = %q, want one containing %q", m.Problems, tt.problem)
			}
		})
	}
}

func TestParseAutomatic(t *testing.T) {
	tests := []struct {
		header string
		want   bool
	}{
		{"Subject: hello", false},
		{"Auto-Submitted: no", false},
		{"Auto-Submitted: auto-generated", true},
		{"Auto-Submitted: auto-replied (vacation)", true},
		{"Precedence: bulk", true},
		{"Precedence: first-class", false},
		{"Return-Path: <>", true},
		{"Return-Path: <a@example.com>", false},
		{"X-Autoreply: yes", true},
		{"List-Unsubscribe: <mailto:u@lists.example.org>", true},
		{"X-Auto-Response-Suppress: All", false}, // asks us not to auto-answer; says nothing of itself
		{"Content-Type: multipart/report; report-type=disposition-notification; boundary=x", true},
	}
	for _, tt := range tests {
		m := mustParse(t, []byte("From: a@example.com\n"+tt.header+"\n\nx\n"))
		if m.Automatic != tt.want {
			t.Errorf("%q: Automatic = %v, want %v", tt.header, m.Automatic, tt.want)
		}
	}
	for from, want := range map[string]bool{"MAILER-DAEMON@mx.example.com": true, "no-reply@shop.example": true, "ana@example.com": false} {
		if m := mustParse(t, []byte("From: "+from+"\n\nx\n")); m.Automatic != want {
			t.Errorf("From %s: Automatic = %v", from, m.Automatic)
		}
	}
}

func TestParseInjectionNeutralised(t *testing.T) {
	m := mustParse(t, []byte("From: =?utf-8?q?Eve=0D=0ABcc:_x@evil.example?= <eve@example.com>\nSubject: =?utf-8?q?hi=0D=0ABcc:_x@evil.example?=\n\nx\n"))
	eq(t, "Subject", m.Subject, "hi  Bcc: x@evil.example")
	if strings.ContainsAny(m.From.Name, "\r\n") {
		t.Errorf("From.Name = %q", m.From.Name)
	}
}

func TestParseReferencesCapped(t *testing.T) {
	var refs []string
	for i := range 500 {
		refs = append(refs, fmt.Sprintf("<r%d@example.com>", i))
	}
	m := mustParse(t, []byte("From: a@example.com\nReferences: "+strings.Join(refs, "\n ")+"\n\nx\n"))
	eq(t, "len", len(m.References), maxReferences)
	eq(t, "root kept", m.References[0], "r0@example.com")
	eq(t, "parent kept", m.References[len(m.References)-1], "r499@example.com")
}

func TestParseLimitsZeroMeansDefault(t *testing.T) {
	eq(t, "withDefaults", Limits{}.withDefaults(), DefaultLimits())
	eq(t, "DefaultLimits", DefaultLimits(), Limits{MaxParts: 200, MaxDepth: 10, MaxHeaderBytes: 256 << 10, MaxAttachments: 50, MaxFilename: 255})
}

// parseWithin parses raw and fails the test if that takes longer than d.
func parseWithin(t *testing.T, raw []byte, d time.Duration) *Message {
	t.Helper()
	type result struct {
		m   *Message
		err error
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		m, err := Parse(raw, DefaultLimits())
		done <- result{m, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatalf("Parse: %v", r.err)
		}
		t.Logf("%d bytes parsed in %v", len(raw), time.Since(start))
		checkInvariants(t, r.m, DefaultLimits())
		return r.m
	case <-time.After(d):
		t.Fatalf("Parse of %d bytes did not finish within %v", len(raw), d)
		return nil
	}
}

// The published attacks on mail parsers, and worse variants of them.
func TestParseHostile(t *testing.T) {
	const deadline = 3 * time.Second
	head := "From: attacker@example.com\nTo: support@kept.example\nSubject: hostile\nMessage-ID: <h@example.com>\nDate: Mon, 09 Mar 2026 10:00:00 +0000\nMIME-Version: 1.0\n"

	manyParts := func(n int) []byte {
		var b strings.Builder
		b.WriteString(head + "Content-Type: multipart/mixed; boundary=b\n\n")
		for i := range n {
			fmt.Fprintf(&b, "--b\nContent-Type: text/plain\n\npart %d\n", i)
		}
		b.WriteString("--b--\n")
		return []byte(b.String())
	}
	nested := func(depth int) []byte {
		var b strings.Builder
		b.WriteString(head + "Content-Type: multipart/mixed; boundary=b0\n\n")
		for i := 1; i <= depth; i++ {
			fmt.Fprintf(&b, "--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n", i-1, i)
		}
		fmt.Fprintf(&b, "--b%d\nContent-Type: text/plain\n\ndeep\n--b%d--\n", depth, depth)
		for i := depth - 1; i >= 0; i-- {
			fmt.Fprintf(&b, "--b%d--\n", i)
		}
		return []byte(b.String())
	}
	cids := func(n int) []byte {
		var b strings.Builder
		b.WriteString(head + "Content-Type: multipart/related; boundary=r\n\n--r\nContent-Type: text/html\n\n<html><body>")
		for i := range n {
			fmt.Fprintf(&b, `<img src="cid:img%d@x">`, i)
		}
		b.WriteString("</body></html>\n--r\nContent-Type: image/png\nContent-ID: <img0@x>\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--r--\n")
		return []byte(b.String())
	}
	attachments := func(n int) []byte {
		var b strings.Builder
		b.WriteString(head + "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nsee files\n")
		for i := range n {
			fmt.Fprintf(&b, "--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=\"f%d.bin\"\n\nxx\n", i)
		}
		b.WriteString("--b--\n")
		return []byte(b.String())
	}

	tests := []struct {
		name    string
		raw     []byte
		problem string
		check   func(t *testing.T, m *Message)
	}{
		{"1,100 MIME parts", manyParts(1100), "more than 200 MIME parts", func(t *testing.T, m *Message) {
			if !strings.HasPrefix(m.Text, "part 0\n") || strings.Contains(m.Text, "part 1099") {
				t.Errorf("Text should hold the first parts only: …%q", m.Text[max(0, len(m.Text)-40):])
			}
		}},
		{"100,000 MIME parts", manyParts(100_000), "more than 200 MIME parts", nil},
		{"1.1 MB header in one field", []byte(head + "X-Filler: " + strings.Repeat("a", 1_100_000) + "\n\nbody\n"), "headers exceed", func(t *testing.T, m *Message) {
			eq(t, "Subject", m.Subject, "hostile")
			eq(t, "Text", m.Text, "body\n")
		}},
		{"1.1 MB header in many fields", []byte(head + strings.Repeat("X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", 25_000) + "\nbody\n"), "headers exceed", func(t *testing.T, m *Message) {
			eq(t, "Text", m.Text, "body\n")
		}},
		{"1.1 MB of folded header lines", []byte(head + "X-Filler: a\n" + strings.Repeat(" continued\n", 100_000) + "\nbody\n"), "headers exceed", nil},
		{"1,500 cid: references", cids(1500), "cid: references", func(t *testing.T, m *Message) {
			if !strings.Contains(m.SafeHTML, `src="cid:img1499@x"`) {
				t.Errorf("cid: sources should be kept")
			}
		}},
		{"10,000-character filename extension", []byte(head + "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: application/octet-stream; name=\"invoice." + strings.Repeat("x", 10_000) + "\"\nContent-Disposition: attachment; filename=\"invoice." + strings.Repeat("x", 10_000) + "\"\n\ndata\n--b--\n"), "file name is longer", func(t *testing.T, m *Message) {
			if len(m.Attachments) != 1 || len(m.Attachments[0].Filename) != 255 || !strings.HasPrefix(m.Attachments[0].Filename, "invoice.xxx") {
				t.Errorf("Attachments = %+v", m.Attachments)
			}
		}},
		{"long name, short extension", []byte(head + "Content-Type: application/pdf\nContent-Disposition: attachment; filename=\"" + strings.Repeat("ž", 300) + ".pdf\"\n\ndata\n"), "file name is longer", func(t *testing.T, m *Message) {
			f := m.Attachments[0].Filename
			if !strings.HasSuffix(f, "ž.pdf") || len(f) > 255 || !utf8.ValidString(f) {
				t.Errorf("Filename = %q (%d bytes)", f, len(f))
			}
		}},
		{"50-deep nesting", nested(50), "nested deeper than 10", nil},
		{"10,000-deep nesting", nested(10_000), "nested deeper than 10", nil},
		{"10-deep nesting is read", nested(9), "", func(t *testing.T, m *Message) {
			eq(t, "Text", m.Text, "deep")
			eq(t, "Problems", m.Problems, []string(nil))
		}},
		{"1,000 attachments", attachments(1000), "more than 50 attachments", func(t *testing.T, m *Message) {
			eq(t, "attachments", len(m.Attachments), 50)
		}},
		{"10,000 addresses", []byte(head + "Cc: " + strings.Repeat("x@example.com, ", 10_000) + "y@example.com\n\nx\n"), "more than 100 addresses", nil},
		{"huge periodic boundary", []byte(head + "Content-Type: multipart/mixed; boundary=\"" + strings.Repeat("-", 200_000) + "\"\n\n" + strings.Repeat("-", 5_000_000)), "boundary of 200000 bytes", nil},
		{"periodic boundary", []byte(head + "Content-Type: multipart/mixed; boundary=\"" + strings.Repeat("-", 70) + "\"\n\n" + strings.Repeat("-", 5_000_000)), "", nil},
		{"5,000 boundary look-alikes", []byte(head + "Content-Type: multipart/mixed; boundary=b\n\n--b\n\n" + strings.Repeat("--bx --b-- x--b\n", 5000) + "--b--\n"), "", nil},
		{"10 MB body", []byte(head + "Content-Type: text/plain; charset=utf-8\n\n" + strings.Repeat("žžžžž lorem ipsum dolor sit amet\n", 300_000)), "", nil},
		{"10 MB of undeclared 8-bit", []byte(head + "\n" + strings.Repeat("caf\xe9 cr\xe8me br\xfbl\xe9e\n", 500_000)), "", nil},
		{"deep HTML", []byte(head + "Content-Type: text/html\n\n" + strings.Repeat("<div><b><i><table><tr><td>", 20_000) + "x"), "", nil},
		{"15,000 encoded words", []byte(strings.Replace(head, "Subject: hostile", "Subject: "+strings.Repeat("=?utf-8?q?a?= ", 15_000)+"=?x-bogus?q?a?=", 1) + "\nx\n"), "", func(t *testing.T, m *Message) {
			if len(m.Subject) < 15_000 {
				t.Errorf("Subject of %d bytes", len(m.Subject))
			}
		}},
		{"30,000 references", []byte(head + "References:" + strings.Repeat(" <a@b> <c@d> <e@f>", 10_000) + strings.Repeat(" <x@y", 3000) + "\n\nx\n"), "", nil},
		{"one 200 KB malformed header line", []byte(head + strings.Repeat("x", 200_000) + "\n\nx\n"), "", func(t *testing.T, m *Message) {
			for _, p := range m.Problems {
				if len(p) > 400 {
					t.Errorf("problem of %d bytes", len(p))
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := parseWithin(t, tt.raw, deadline)
			if tt.problem != "" && !hasProblem(m, tt.problem) {
				t.Errorf("Problems = %q, want one containing %q", m.Problems, tt.problem)
			}
			if tt.check != nil {
				tt.check(t, m)
			}
		})
	}
}

// seedCorpus returns the fixtures and, when present, the shared corpus of
// real inbound texts (bare and inside a minimal header).
func seedCorpus(t testing.TB) [][]byte {
	var seeds [][]byte
	files, _ := filepath.Glob("testdata/*.eml")
	corpus, _ := filepath.Glob("/work/shared/corpus/seeds/*.txt")
	for _, f := range append(files, corpus...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, b)
		if strings.HasSuffix(f, ".txt") {
			seeds = append(seeds, append([]byte("From: a@example.com\nSubject: seed\nContent-Type: text/plain; charset=utf-8\n\n"), b...))
		}
	}
	return seeds
}

func TestParseSeedCorpus(t *testing.T) {
	for _, s := range seedCorpus(t) {
		m := mustParse(t, s)
		checkInvariants(t, m, DefaultLimits())
		if strings.TrimSpace(m.Text) == "" {
			t.Errorf("nothing kept of %q…", s[:min(len(s), 60)])
		}
	}
}

// slowParse is far beyond what any input should take (milliseconds),
// leaving room for the fuzzer's instrumentation and a loaded machine.
const slowParse = 2 * time.Second

func FuzzParse(f *testing.F) {
	for _, s := range seedCorpus(f) {
		f.Add(s)
	}
	f.Add([]byte("From: a@b\nContent-Type: multipart/mixed; boundary=\"\"\n\n--\n--\n"))
	f.Add([]byte("Content-Type: multipart/alternative; boundary=a\n\n--a\nContent-Type: multipart/related; boundary=a\n\n--a--\n"))
	small := Limits{MaxParts: 5, MaxDepth: 2, MaxHeaderBytes: 512, MaxAttachments: 2, MaxFilename: 16}
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, lim := range []Limits{DefaultLimits(), small} {
			// A goroutine, so that an endless loop fails the input instead of
			// hanging the fuzzer.
			type result struct {
				m   *Message
				err error
			}
			done := make(chan result, 1)
			go func() {
				m, err := Parse(raw, lim)
				done <- result{m, err}
			}()
			var r result
			select {
			case r = <-done:
			case <-time.After(slowParse):
				t.Fatalf("Parse of %d bytes did not finish in %v", len(raw), slowParse)
			}
			if r.err != nil {
				if len(bytes.TrimSpace(raw)) != 0 {
					t.Fatalf("Parse error on non-empty input: %v", r.err)
				}
				return
			}
			checkInvariants(t, r.m, lim)
			IsForward(r.m)
			ThreadIndexRoot(r.m.ThreadIndex)
		}
	})
}

// TestParseHeaderAsParse reads each fixture's header with ParseHeader: the fields it fills are
// Parse's, the body is left unread.
func TestParseHeaderAsParse(t *testing.T) {
	files, err := filepath.Glob("testdata/*.eml")
	if err != nil || len(files) < 15 {
		t.Fatalf("fixtures: %v %v", files, err)
	}
	for _, f := range files {
		raw := readFixture(t, filepath.Base(f))
		full := mustParse(t, raw)
		h, err := ParseHeader(raw, DefaultLimits())
		if err != nil {
			t.Fatalf("%s: ParseHeader: %v", f, err)
		}
		if h.Text != "" || h.HTML != "" || len(h.Attachments) > 0 {
			t.Errorf("%s: ParseHeader read the body", f)
		}
		h.Text, h.HTML, h.SafeHTML, h.Attachments, h.Problems = full.Text, full.HTML, full.SafeHTML, full.Attachments, full.Problems
		if !reflect.DeepEqual(h, full) {
			t.Errorf("%s: ParseHeader %+v\nParse %+v", f, h, full)
		}
	}
	if _, err := ParseHeader([]byte(" \r\n"), DefaultLimits()); !errors.Is(err, ErrEmpty) {
		t.Errorf("ParseHeader of an empty message: %v", err)
	}
}
