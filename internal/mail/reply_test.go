package mail

import "testing"

// TestReplyText keeps what the writer wrote and drops what their client quoted, however it
// marks it.
func TestReplyText(t *testing.T) {
	for name, tc := range map[string]struct{ in, want string }{
		"Gmail, wrapped attribution": {"jah, lahendatud\r\n\r\nOn Mon, 7 Dec 2026 at 09:30, Klienditeenindus <\r\ncare@desk.test> wrote:\r\n> Kas see vastab teie küsimusele?\r\n",
			"jah, lahendatud"},
		"Estonian attribution": {"Jah, aitäh!\n\nE, 7. dets 2026 kell 09:30 Klienditeenindus <care@desk.test> kirjutas:\n> Palun kinnitage", "Jah, aitäh!"},
		"Croatian attribution": {"da, riješeno\n\npon, 7. pro 2026. u 09:30 Korisnička podrška <care@desk.test> je napisao:\n> Odgovara li ovo", "da, riješeno"},
		"Outlook rule and header": {"No, that is not what I asked.\r\n\r\n________________________________\r\nFrom: Customer care <care@desk.test>\r\nSent: Monday\r\n\r\nDoes this answer",
			"No, that is not what I asked."},
		"Outlook header block without a rule": {"Yes\n\nFrom: Customer care <care@desk.test>\nSent: Monday, 7 December 2026 09:30\nTo: Mari\n\nDoes this answer", "Yes"},
		"original message":                    {"Yes, solved.\n-----Original Message-----\nPlease confirm", "Yes, solved."},
		"signature":                           {"Yes, confirmed, that solves it\n-- \nMari Kask\nACME, not a robot", "Yes, confirmed, that solves it"},
		"inline quote first":                  {"> Does this answer what you asked?\nYes", ""},
		"nothing quoted":                      {"Thanks, but the invoice still shows the old amount.", "Thanks, but the invoice still shows the old amount."},
	} {
		if got := ReplyText(tc.in); got != tc.want {
			t.Errorf("%s: %q, want %q", name, got, tc.want)
		}
	}
}
