package mail

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func testOutgoing() Outgoing {
	k := testKeys()
	return Outgoing{
		From:       Address{Name: "Kept Support – Željka", Email: "support@kept.example"},
		To:         Address{Name: "Žarko Đurić", Email: "zarko.duric@example.hr"},
		ReplyTo:    k.ReplyAddress("support@kept.example", 42),
		Subject:    "Re: [K-1042] Račun za rujan – reklamacija, and a subject long enough to need folding across more than one header line",
		Text:       "Poštovani,\n\nA line that is much longer than seventy-six characters, so quoted-printable must wrap it softly.\nTrailing space \nA = sign and =?utf-8?q?x?= and\n.\nFrom the start of a line\n😀 €\n",
		MessageID:  k.MessageID(42, 9),
		InReplyTo:  "CAF8x2=abc123@mail.example.com",
		References: []string{"first@example.hr", "CAF8x2=abc123@mail.example.com"},
		Date:       time.Date(2026, 3, 9, 14, 2, 5, 0, time.FixedZone("CET", 3600)),
	}
}

// headerOf returns the header section of a raw message.
func headerOf(t *testing.T, raw []byte) string {
	t.Helper()
	h, _, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !ok {
		t.Fatalf("no blank line in %q", raw)
	}
	return string(h) + "\r\n"
}

func TestComposeRoundTrip(t *testing.T) {
	o := testOutgoing()
	raw, err := Compose(o)
	if err != nil {
		t.Fatal(err)
	}
	h := headerOf(t, raw)
	for _, want := range []string{
		"mime-version: 1.0\r\n", "Content-Type: text/plain; charset=utf-8\r\n",
		"Content-Transfer-Encoding: quoted-printable\r\n", "Message-ID: <" + o.MessageID + ">\r\n",
		"In-Reply-To: <CAF8x2=abc123@mail.example.com>\r\n",
		"References: <first@example.hr> <CAF8x2=abc123@mail.example.com>\r\n",
		"Date: Mon, 09 Mar 2026 14:02:05 +0100\r\n", "Subject: =?utf-8?q?", "From: =?utf-8?",
	} {
		// Field names are case-insensitive (go-message writes Message-Id, Mime-Version).
		if !strings.Contains(strings.ToLower(h), strings.ToLower(want)) {
			t.Errorf("header lacks %q:\n%s", want, h)
		}
	}
	if strings.Contains(h, "Auto-Submitted") {
		t.Errorf("Auto-Submitted on a person's reply:\n%s", h)
	}
	for i, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 78 || strings.ContainsAny(line, "\r\n") { // RFC 5322 2.1.1 SHOULD
			t.Errorf("line %d is %d bytes or has a bare line break: %q", i, len(line), line)
		}
		for _, c := range []byte(line) {
			if c >= 0x80 {
				t.Fatalf("8-bit byte in line %d: %q", i, line)
			}
		}
	}

	m := mustParse(t, raw)
	eq(t, "Subject", m.Subject, o.Subject)
	eq(t, "From", m.From, o.From)
	eq(t, "To", m.To, []Address{o.To})
	eq(t, "ReplyTo", m.ReplyTo, []Address{{Email: o.ReplyTo}})
	eq(t, "MessageID", m.MessageID, o.MessageID)
	eq(t, "InReplyTo", m.InReplyTo, o.InReplyTo)
	eq(t, "References", m.References, o.References)
	eq(t, "Date", m.Date.Equal(o.Date), true)
	eq(t, "Text", strings.ReplaceAll(m.Text, "\r\n", "\n"), o.Text)
	eq(t, "Automatic", m.Automatic, false)
	eq(t, "Problems", m.Problems, []string(nil))
	if c, ok := testKeys().ParseMessageID(m.MessageID); !ok || c != 42 {
		t.Errorf("ParseMessageID(%q) = %d %v", m.MessageID, c, ok)
	}
	if c, ok := testKeys().ParseReplyAddress(m.ReplyTo[0].Email); !ok || c != 42 {
		t.Errorf("ParseReplyAddress(%q) = %d %v", m.ReplyTo[0].Email, c, ok)
	}
}

func TestComposeAutomatic(t *testing.T) {
	o := testOutgoing()
	o.Automatic = true
	o.InReplyTo, o.References, o.ReplyTo = "", nil, ""
	raw, err := Compose(o)
	if err != nil {
		t.Fatal(err)
	}
	h := headerOf(t, raw)
	if !strings.Contains(h, "Auto-Submitted: auto-generated\r\n") {
		t.Errorf("no Auto-Submitted:\n%s", h)
	}
	for _, absent := range []string{"In-Reply-To", "References", "Reply-To"} {
		if strings.Contains(h, absent) {
			t.Errorf("empty %s written:\n%s", absent, h)
		}
	}
	if m := mustParse(t, raw); !m.Automatic {
		t.Error("a desk's automatic mail reads as a person's")
	}
}

func TestComposeHeaderInjection(t *testing.T) {
	injections := []string{"\r\nBcc: evil@example.net", "\nBcc: evil@example.net", "\rBcc: evil@example.net",
		"\r\n\r\n<html>forged body", "\u0085Bcc: evil@example.net", "\x00Bcc: evil@example.net"}
	for _, inj := range injections {
		for _, field := range []string{"Subject", "From.Name", "To.Name", "ReplyTo name"} {
			o := testOutgoing()
			switch field {
			case "Subject":
				o.Subject += inj
			case "From.Name":
				o.From.Name += inj
			case "To.Name":
				o.To.Name += inj
			case "ReplyTo name":
				o.ReplyTo = `"Desk` + inj + `" <support@kept.example>`
			}
			raw, err := Compose(o)
			if err != nil {
				continue // refusing is as good as neutralising
			}
			h := headerOf(t, raw)
			for _, line := range strings.Split(h, "\r\n") {
				if strings.HasPrefix(strings.ToLower(line), "bcc:") || strings.HasPrefix(line, "<html>") {
					t.Errorf("%s %q injected a line:\n%s", field, inj, h)
				}
			}
			m := mustParse(t, raw)
			if len(m.Cc) != 0 || strings.Contains(m.Text, "forged") || strings.ContainsAny(m.Subject+m.From.Name, "\r\n") {
				t.Errorf("%s %q: parsed back as %+v", field, inj, m)
			}
			eq(t, field+" To", m.To[0].Email, o.To.Email)
		}
	}
}

func TestComposeRefuses(t *testing.T) {
	tests := []struct {
		name string
		edit func(o *Outgoing)
	}{
		{"From address with CRLF", func(o *Outgoing) { o.From.Email = "support@kept.example\r\nBcc: evil@example.net" }},
		{"To address with LF", func(o *Outgoing) { o.To.Email = "x@example.hr\nBcc: evil@example.net" }},
		{"To with a name", func(o *Outgoing) { o.To.Email = "Eve <eve@example.net>" }},
		{"To list", func(o *Outgoing) { o.To.Email = "a@example.net, b@example.net" }},
		{"no To", func(o *Outgoing) { o.To.Email = "" }},
		{"not an address", func(o *Outgoing) { o.From.Email = "support" }},
		{"no Message-ID", func(o *Outgoing) { o.MessageID = "" }},
		{"Message-ID with CRLF", func(o *Outgoing) { o.MessageID = "a@b\r\nBcc: evil@example.net" }},
		{"Message-ID with brackets", func(o *Outgoing) { o.MessageID = "a@b>\r\n<c" }},
		{"Message-ID with space", func(o *Outgoing) { o.MessageID = "a b@c" }},
		{"In-Reply-To with CRLF", func(o *Outgoing) { o.InReplyTo = "a@b\r\nBcc: evil@example.net" }},
		{"References with LF", func(o *Outgoing) { o.References = []string{"ok@x", "a@b\nBcc: evil@example.net"} }},
		{"Reply-To with CRLF", func(o *Outgoing) { o.ReplyTo = "x@example.net\r\nBcc: evil@example.net" }},
		{"Reply-To list", func(o *Outgoing) { o.ReplyTo = "x@example.net, y@example.net" }},
		{"no Date", func(o *Outgoing) { o.Date = time.Time{} }},
	}
	for _, tt := range tests {
		o := testOutgoing()
		tt.edit(&o)
		if raw, err := Compose(o); err == nil {
			t.Errorf("%s: Compose accepted it:\n%s", tt.name, raw)
		}
	}
}

func TestComposeTextLineEnds(t *testing.T) {
	o := testOutgoing()
	o.Text = "one\r\ntwo\nthree"
	raw, err := Compose(o)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
		t.Errorf("bare LF in %q", raw)
	}
	eq(t, "Text", mustParse(t, raw).Text, "one\r\ntwo\r\nthree")
}
