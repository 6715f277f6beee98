package mail

import (
	"strings"
)

// ReplyText is what the writer of a reply wrote themselves: the text before the mail they
// quote and before their signature. Mail clients mark the quoted mail in their own ways: lines
// starting with ">", an attribution ("On Mon, 7 Dec 2026, Ann <ann@…> wrote:", "… kirjutas:",
// "… je napisao:"), Outlook's "-----Original Message-----" or a rule of underscores above a
// "From:" block; the signature follows "-- ". The quoted mail is often the desk's own question,
// whose words must not be read as the customer's answer.
func ReplyText(text string) string {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for i, line := range lines {
		if quoteStarts(lines, i) {
			lines = lines[:i]
			break
		}
		if line == "-- " || line == "--" {
			lines = lines[:i]
			break
		}
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// Words that end a mail client's attribution line, in the languages the desk speaks.
var attributions = []string{"wrote:", "writes:", "kirjutas:", "kirjutab:", "napisao:", "napisala:", "napisao/la:", "je napisao:", "je napisala:"}

// Separators some clients put above the mail they quote.
var quoteSeparators = []string{"-----original message-----", "----- original message -----", "-----algne kiri-----", "-----algne sõnum-----",
	"-----izvorna poruka-----", "----- izvorna poruka -----", "begin forwarded message:"}

// Header names that open the block Outlook and others put above a quoted mail.
var quoteHeaders = []string{"from:", "saatja:", "šalje:", "od:", "sent:", "date:", "saadetud:", "kuupäev:", "poslano:", "datum:"}

// quoteStarts reports whether the quoted mail starts at lines[i].
func quoteStarts(lines []string, i int) bool {
	line := strings.TrimSpace(lines[i])
	lower := strings.ToLower(line)
	switch {
	case strings.HasPrefix(line, ">"):
		return true
	case len(line) >= 10 && strings.Trim(line, "_") == "":
		return true // Outlook's rule above the quoted mail
	}
	for _, s := range quoteSeparators {
		if lower == s {
			return true
		}
	}
	if endsAttribution(lower) {
		return true
	}
	// An attribution wrapped over two lines: "On Mon, 7 Dec 2026 at 09:30, Customer care <" then
	// "support@desk.example> wrote:".
	if i+1 < len(lines) && !strings.HasSuffix(lower, ":") && endsAttribution(strings.ToLower(strings.TrimSpace(lines[i+1]))) &&
		(strings.Contains(lower, "@") || strings.ContainsAny(lower, "0123456789")) {
		return true
	}
	// A header block: "From: …" followed by "Sent: …" (or a date) on the next line.
	if i+1 < len(lines) && hasAnyPrefix(lower, quoteHeaders) && hasAnyPrefix(strings.ToLower(strings.TrimSpace(lines[i+1])), quoteHeaders) {
		return true
	}
	return false
}

func endsAttribution(lower string) bool {
	for _, a := range attributions {
		if strings.HasSuffix(lower, a) {
			return true
		}
	}
	return false
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
