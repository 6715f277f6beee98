package mail

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/text"
)

// macBytes is the length of the HMAC kept in ids and addresses: 80 bits is
// far beyond online guessing and keeps reply addresses short (a local part
// has 64 characters at most).
const macBytes = 10

// Keys signs what the desk puts in its outgoing mail so replies can be traced
// back and nobody can forge it. The zero Keys signs nothing and recognises
// nothing.
type Keys struct {
	secret []byte
	domain string
}

// NewKeys returns the keys for a desk. secret should be at least 32 random
// bytes kept across restarts (ids made with another secret are not
// recognised); domain is the desk's mail domain, used in Message-IDs.
func NewKeys(secret []byte, domain string) Keys {
	return Keys{secret: bytes.Clone(secret), domain: strings.ToLower(strings.TrimSpace(domain))}
}

// mac returns the lower-case base32 HMAC of fields under a purpose, so an id
// MAC can never serve as an address MAC. Lower case because mail systems may
// change the case of addresses.
func (k Keys) mac(purpose string, fields ...string) string {
	h := hmac.New(sha256.New, k.secret)
	h.Write([]byte("kept-mail/" + purpose))
	for _, f := range fields {
		h.Write([]byte{0})
		h.Write([]byte(f))
	}
	sum := h.Sum(nil)[:macBytes]
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum))
}

// MessageID returns the desk's Message-ID for an entry of a case, named by its place in the
// case's record: "k.<case>.s<seq>.<hmac>@domain" (without <>). Case ids are positive, seqs
// too. (Desks before 0.3 named the entry by its id, without the "s": ParseMessageID still
// reads those, so replies to older mail keep finding their case.)
func (k Keys) MessageID(caseID, seq int64) string {
	c, e := strconv.FormatInt(caseID, 10), "s"+strconv.FormatInt(seq, 10)
	return "k." + c + "." + e + "." + k.mac("message-id", c, e, k.domain) + "@" + k.domain
}

// ParseMessageID returns the case a Message-ID the desk made belongs to (with or without <>),
// and false for anything else (foreign ids, forged or altered HMAC, other domains).
func (k Keys) ParseMessageID(id string) (caseID int64, ok bool) {
	id = strings.TrimSpace(id)
	id = strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
	if len(k.secret) == 0 || len(id) > 200 {
		return 0, false
	}
	at := strings.LastIndexByte(id, '@')
	if at < 0 || !strings.EqualFold(id[at+1:], k.domain) {
		return 0, false
	}
	f := strings.Split(strings.ToLower(id[:at]), ".")
	if len(f) != 4 || f[0] != "k" {
		return 0, false
	}
	c, okc := parseID(f[1])
	_, oke := parseID(strings.TrimPrefix(f[2], "s"))
	if !okc || !oke || c == 0 {
		return 0, false
	}
	if !hmac.Equal([]byte(f[3]), []byte(k.mac("message-id", f[1], f[2], k.domain))) {
		return 0, false
	}
	return c, true
}

// ReplyAddress returns the plus-addressed reply address for a case:
// "support+k<case>.<hmac>@domain" given the desk's base address
// "support@domain".
func (k Keys) ReplyAddress(base string, caseID int64) string {
	base = strings.TrimSpace(base)
	local, domain := base, k.domain
	if at := strings.LastIndexByte(base, '@'); at >= 0 {
		local, domain = base[:at], base[at+1:]
	}
	c := strconv.FormatInt(caseID, 10)
	return local + "+k" + c + "." + k.mac("reply-address", c) + "@" + domain
}

// ParseReplyAddress returns the case named by a reply address's plus token
// ("support+k42.<hmac>@any.domain", bare or as "Name <…>"), false when absent
// or forged. The domain is not checked: a desk may receive mail under several.
func (k Keys) ParseReplyAddress(addr string) (caseID int64, ok bool) {
	a := strings.TrimSpace(addr)
	if i := strings.LastIndexByte(a, '<'); i >= 0 {
		a, _, _ = strings.Cut(a[i+1:], ">")
	}
	at := strings.LastIndexByte(a, '@')
	if len(k.secret) == 0 || at < 0 || len(a) > 320 {
		return 0, false
	}
	local := strings.ToLower(a[:at])
	plus := strings.LastIndexByte(local, '+')
	if plus < 0 || !strings.HasPrefix(local[plus+1:], "k") {
		return 0, false
	}
	num, mac, found := strings.Cut(local[plus+2:], ".")
	c, okc := parseID(num)
	if !found || !okc || c == 0 {
		return 0, false
	}
	if !hmac.Equal([]byte(mac), []byte(k.mac("reply-address", num))) {
		return 0, false
	}
	return c, true
}

// parseID reads a non-negative id in the canonical decimal form the desk
// writes, so that "+7" or "007" cannot pass for 7.
func parseID(s string) (int64, bool) {
	if s == "" || len(s) > 19 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// CaseRefInSubject finds a case ref like [K-1042] or "K-1042" in a subject
// (any case, anywhere, so after Re:/Fwd:/AW:/SV:/Odg: prefixes too). A ref
// without its dash counts only in brackets ("[K1042]"): bare "K2000" is as
// likely a product name. Full-width forms count, as the subject is folded.
func CaseRefInSubject(subject string) (int64, bool) {
	s := []rune(text.Fold(subject))
	for i, r := range s {
		if r != 'k' || (i > 0 && isWordRune(s[i-1])) {
			continue
		}
		j := i + 1
		dashed := j < len(s) && isDash(s[j])
		if dashed {
			j++
		}
		e := j
		for e < len(s) && '0' <= s[e] && s[e] <= '9' {
			e++
		}
		if e == j || e-j > 18 || (e < len(s) && isWordRune(s[e])) {
			continue
		}
		bracketed := i > 0 && s[i-1] == '[' && e < len(s) && s[e] == ']'
		if !dashed && !bracketed {
			continue
		}
		if id, ok := desk.ParseCaseRef("K-" + string(s[j:e])); ok {
			return id, true
		}
	}
	return 0, false
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// isDash accepts the hyphens that word processors substitute for "-".
func isDash(r rune) bool { return r == '-' || r == '\u2010' || r == '\u2011' || r == '\u2013' }

// ThreadIndexRoot returns the conversation root of an Outlook Thread-Index
// (its first 22 bytes, base64), for threading replies that carry no
// References; "" when the value is not a Thread-Index.
func ThreadIndexRoot(threadIndex string) string {
	s := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, threadIndex)
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
	}
	if err != nil || len(b) < 22 {
		return ""
	}
	return base64.StdEncoding.EncodeToString(b[:22])
}

// IsForward reports whether a message is a forward (Fwd:/FW:/WG:/Proslijeđeno:
// subject or an attached/inline original) — forwarded mail must not be taken
// as the original sender's reply. A subject whose first known prefix is a
// reply's ("Re: Fwd: …") is a reply. The original a bounce carries does not
// make it a forward.
func IsForward(m *Message) bool {
	if m == nil {
		return false
	}
	for _, pre := range subjectPrefixes(m.Subject) {
		switch {
		case isForwardPrefix(pre):
			return true
		case isReplyPrefix(pre):
			return false
		}
	}
	if !m.Automatic {
		for _, a := range m.Attachments {
			if a.ContentType == "message/rfc822" || a.ContentType == "message/global" {
				return true
			}
		}
	}
	return hasForwardMarker(m.Text)
}

// hasForwardMarker looks for the line mail programs put above an inline
// forwarded message ("---------- Forwarded message ---------", "Begin
// forwarded message:"), outside quoted text.
func hasForwardMarker(body string) bool {
	for line := range strings.Lines(body) {
		line = strings.TrimSpace(line)
		if len(line) < 8 || len(line) > 100 || line[0] == '>' {
			continue
		}
		if line[0] != '-' && line[len(line)-1] != ':' {
			continue
		}
		if oneOf(strings.Trim(text.Fold(line), "-:* \t"),
			"forwarded message", "begin forwarded message",
			"weitergeleitete nachricht", "anfang der weitergeleiteten nachricht",
			"proslijeđena poruka", "početak proslijeđene poruke", "prosleđena poruka",
			"message transféré", "début du message réexpédié", "mensaje reenviado",
			"messaggio inoltrato", "doorgestuurd bericht", "videresendt melding",
			"vidarebefordrat meddelande", "välitetty viesti", "przekazana wiadomość",
			"edastatud kiri") {
			return true
		}
	}
	return false
}

// subjectPrefixes returns the folded prefixes of a subject ("re", "fwd",
// "automatic reply", …) in order, skipping bracketed tags such as "[list]"
// or "[K-1042]" and counters such as "Re[2]:".
func subjectPrefixes(subject string) []string {
	s := text.Fold(subject) // also makes a full-width colon ':'
	var out []string
	for len(out) < 10 {
		s = strings.TrimSpace(s)
		if strings.HasPrefix(s, "[") {
			if i := strings.IndexByte(s, ']'); i > 0 && i < 64 {
				s = s[i+1:]
				continue
			}
		}
		i := strings.IndexByte(s, ':')
		if i <= 0 || i > 40 {
			break
		}
		tok := trimCounter(strings.TrimSpace(s[:i]))
		if tok == "" || strings.IndexFunc(tok, func(r rune) bool { return !unicode.IsLetter(r) && r != ' ' && r != '-' }) >= 0 {
			break
		}
		out = append(out, tok)
		s = s[i+1:]
	}
	return out
}

// trimCounter drops a reply counter: "re[2]", "re(2)", "re^2", "re 2".
func trimCounter(tok string) string {
	t := strings.TrimRight(tok, "0123456789")
	if t == tok {
		if !strings.HasSuffix(t, "]") && !strings.HasSuffix(t, ")") {
			return tok
		}
		t = strings.TrimRight(t[:len(t)-1], "0123456789")
		if len(t) == 0 || (t[len(t)-1] != '[' && t[len(t)-1] != '(') {
			return tok
		}
	}
	return strings.TrimSpace(strings.TrimRight(t, "[(^ "))
}

// oneOf reports whether a folded string is one of the given words, which
// are folded here so that they can be written naturally.
func oneOf(folded string, words ...string) bool {
	for _, w := range words {
		if folded == text.Fold(w) {
			return true
		}
	}
	return false
}

func isReplyPrefix(p string) bool {
	return oneOf(p, "re", "aw", "sv", "odg", "odp", "antw", "ynt", "atb", "ats", "vá", "r", "res", "rif", "bls", "отв", "απ", "回复", "答复", "返信")
}

// isForwardPrefix: "vs" is left out, being a reply in Finnish and a forward
// in Norwegian.
func isForwardPrefix(p string) bool {
	return oneOf(p, "fwd", "fw", "wg", "tr", "rv", "enc", "i", "doorst", "vb", "vl", "pd", "prosl",
		"proslijeđeno", "proslijedi", "továbbítás", "пересл", "转发", "転送")
}

func isAutoReplyPrefix(p string) bool {
	return oneOf(p, "automatic reply", "auto reply", "auto-reply", "autoreply", "auto", "out of office",
		"automatische antwort", "abwesenheitsnotiz", "réponse automatique", "autosvar",
		"automatski odgovor", "automaattinen vastaus", "risposta automatica", "respuesta automática",
		"automatisch antwoord", "odpowiedź automatyczna", "automaatvastus", "automaatne vastus", "kontorist väljas",
		"automatska poruka", "odsutnost", "izvan ureda")
}

// isOutOfOfficeSubject reports whether a whole subject is an out-of-office notice's, as mail
// programs write them without a colon: the phrase alone, or followed by punctuation, a date, or
// "until" ("Out of office", "Kontorist väljas kuni 7.12", "Izvan ureda do 7.12."), but not a
// customer's words that start alike ("Out of office hours support?").
func isOutOfOfficeSubject(subject string) bool {
	s := strings.TrimSpace(text.Fold(subject))
	for _, p := range []string{"out of office", "out of the office", "kontorist väljas", "kontorist eemal", "izvan ureda", "odsutan sam", "odsutna sam"} {
		rest, ok := strings.CutPrefix(s, text.Fold(p))
		if !ok {
			continue
		}
		rest = strings.TrimSpace(rest)
		if rest == "" || !unicode.IsLetter([]rune(rest)[0]) {
			return true
		}
		for _, until := range []string{"until ", "till ", "kuni ", "do "} {
			if strings.HasPrefix(rest, until) {
				return true
			}
		}
	}
	return false
}

// FormToken signs a time for a form served to a visitor without a session (the embeddable
// request page): "<unix seconds>.<hmac>". The form is accepted while the time is recent.
func (k Keys) FormToken(at time.Time) string {
	ts := strconv.FormatInt(at.Unix(), 10)
	return ts + "." + k.mac("form", ts, k.domain)
}

// ParseFormToken returns the time a FormToken signed; ok is false for a token the desk did
// not make.
func (k Keys) ParseFormToken(tok string) (at time.Time, ok bool) {
	ts, sum, found := strings.Cut(tok, ".")
	if !found {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || !hmac.Equal([]byte(sum), []byte(k.mac("form", ts, k.domain))) {
		return time.Time{}, false
	}
	return time.Unix(n, 0), true
}
