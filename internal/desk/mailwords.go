package desk

import (
	"fmt"
	"strings"
	"time"
)

// What the desk says in the mails it sends a customer around the record's own words: who the
// mail is from, the lead of a written promise, its due time, the footer, the links that answer
// a resolution, a calendar invitation's summary. These are customer words like the record's
// (words.go) and are chosen by the same Reader, in the same package, so the portal and the mail
// speak one language and one catalogue holds both: the service composes mail from record
// entries and cannot reach the web pages' locales, and the pages render the record from here.
// They sit in a file of their own only so that the record's words and the mail's can change
// without stepping on each other.
type mailWords struct {
	sender                    string // who the desk's own mails are from
	promiseLead               string // before a written promise's words
	due, appointmentAt, place string // a promise's due time (an appointment's time), and its place
	newDue                    string // a slip's message: when the promise is due now
	restated                  string // after a promise's words whose time could not be rewritten: the new time
	footer, footerPlain       string // the case's ref and subject (plain: the ref only), and how to write back
	plainSubject              string // a mail's subject that repeats none of a sender's words
	// Answering a resolution: links to confirm and to reject and until when they work; or,
	// without links, how else to answer.
	resolutionLinks, resolutionNoLinks string
	calendarSummary                    string // an appointment in the customer's calendar: the case's ref
	stamp                              func(t time.Time) string
}

func (r Reader) mail() *mailWords {
	if w, ok := mailWordsByLang[r.Lang]; ok {
		return w
	}
	return mailWordsByLang["en"]
}

// Stamp is a time as the reader writes it, in their zone or else in fallback, with the zone:
// "Mon 7 Dec 09:30 EET", "E 7. dets 09:30 EET", "pon 7. pro 09:30 CET". Never RFC 3339.
func (r Reader) Stamp(t time.Time, fallback *time.Location) string {
	loc := r.Zone
	if loc == nil {
		loc = fallback
	}
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	return r.mail().stamp(t) + " " + t.Format("MST")
}

// MailSender is the name the desk's own mails go out under ("Customer care").
func (r Reader) MailSender() string { return r.mail().sender }

// MailPromise is how a mail states a written promise: the lead, the promise's words, when it is
// due (an appointment: when it is) and where, in the reader's language and zone.
func (r Reader) MailPromise(words string, kind PromiseKind, due time.Time, place string, fallback *time.Location) string {
	w := r.mail()
	label := w.due
	if kind == PromiseAppointment {
		label = w.appointmentAt
	}
	text := w.promiseLead + "\n\n" + words
	if !due.IsZero() {
		text += "\n\n" + fmt.Sprintf(label, r.Stamp(due, fallback))
	}
	if place = strings.TrimSpace(place); place != "" {
		text += "\n" + fmt.Sprintf(w.place, place)
	}
	return text
}

// MailNewDue is the line a slip's message ends with in the mail: when the promise is due now.
func (r Reader) MailNewDue(due time.Time, fallback *time.Location) string {
	return fmt.Sprintf(r.mail().newDue, r.Stamp(due, fallback))
}

// MailFooter ends every mail about a case: its ref (and subject, unless plain) and how to write
// back.
func (r Reader) MailFooter(c Case, plain bool) string {
	if plain {
		return fmt.Sprintf(r.mail().footerPlain, c.Ref())
	}
	return fmt.Sprintf(r.mail().footer, c.Ref(), c.Subject)
}

// MailPlainSubject is a subject naming only the case's ref.
func (r Reader) MailPlainSubject(c Case) string { return fmt.Sprintf(r.mail().plainSubject, c.Ref()) }

// ResolutionLinks is what a resolution's mail adds: a link to confirm and one to reject, each
// opening a page with one button, until when they work (in the reader's zone, else zone: the
// case's, as the mail's other times), and that a reply answers too.
func ResolutionLinks(r Reader, yes, no string, until time.Time, zone *time.Location) string {
	return fmt.Sprintf(r.mail().resolutionLinks, yes, no, r.when(until, zone, dateUntil))
}

// ResolutionWithoutLinks is what a resolution's mail says when it carries no links.
func ResolutionWithoutLinks(r Reader) string { return r.mail().resolutionNoLinks }

// CalendarSummary is what an appointment is called in the customer's calendar.
func (r Reader) CalendarSummary(c Case) string { return fmt.Sprintf(r.mail().calendarSummary, c.Ref()) }

// Abbreviated weekdays (from Sunday) and months (from January) as each language writes them in
// a date.
var (
	etDays   = [7]string{"P", "E", "T", "K", "N", "R", "L"}
	etMonths = [12]string{"jaan", "veebr", "märts", "apr", "mai", "juuni", "juuli", "aug", "sept", "okt", "nov", "dets"}
	hrDays   = [7]string{"ned", "pon", "uto", "sri", "čet", "pet", "sub"}
	hrMonths = [12]string{"sij", "velj", "ožu", "tra", "svi", "lip", "srp", "kol", "ruj", "lis", "stu", "pro"}
)

// dayMonthStamp writes a time as "<weekday> <day>. <month> 15:04" in a language's abbreviations,
// as Estonian and Croatian both date a mail.
func dayMonthStamp(days *[7]string, months *[12]string) func(t time.Time) string {
	return func(t time.Time) string {
		return fmt.Sprintf("%s %d. %s %s", days[t.Weekday()], t.Day(), months[t.Month()-1], t.Format("15:04"))
	}
}

var mailWordsByLang = map[string]*mailWords{
	"en": {
		sender:          "Customer care",
		promiseLead:     "Our promise to you, in writing:",
		due:             "Due: %s",
		appointmentAt:   "When: %s",
		place:           "Where: %s",
		newDue:          "Our promise is now due: %s",
		restated:        "(New time: %s.)",
		footer:          "Your case %s: %s\nReply to this mail to write to us about it.",
		footerPlain:     "Your case %s.\nReply to this mail to write to us about it.",
		plainSubject:    "Your case %s",
		calendarSummary: "Appointment about your case %s",
		resolutionLinks: "If this solves it, open this link (its page also asks how we did, 1 to 5):\n%s\n\nIf it is not what you asked, open this link:\n%s\n\n" +
			"Each link opens a page with one button and works until %s. You can also reply to this mail with \"yes, solved\" " +
			"or \"no, that is not what I asked\", or answer in the portal.",
		resolutionNoLinks: "Please reply to this mail with \"yes, solved\" or \"no, that is not what I asked\", or answer in the portal.",
		stamp:             func(t time.Time) string { return t.Format("Mon 2 Jan 15:04") },
	},
	"et": {
		sender:          "Klienditeenindus",
		promiseLead:     "Meie lubadus teile kirjalikult:",
		due:             "Tähtaeg: %s",
		appointmentAt:   "Aeg: %s",
		place:           "Koht: %s",
		newDue:          "Lubaduse uus tähtaeg: %s",
		restated:        "(Uus aeg: %s.)",
		footer:          "Teie juhtum %s: %s\nSellest kirjutamiseks vastake sellele kirjale.",
		footerPlain:     "Teie juhtum %s.\nSellest kirjutamiseks vastake sellele kirjale.",
		plainSubject:    "Teie juhtum %s",
		calendarSummary: "Kohtumine teie juhtumi %s asjus",
		resolutionLinks: "Kui see lahendab teie probleemi, avage see link (selle lehel saate ka hinnata meie tööd 1 kuni 5):\n%s\n\nKui see ei ole see, mida küsisite, avage see link:\n%s\n\n" +
			"Kumbki link avab lehe ühe nupuga ja toimib kuni %s. Võite ka vastata sellele kirjale „jah, lahendatud“ " +
			"või „ei, see ei ole see, mida ma küsisin“ või vastata kliendiportaalis.",
		resolutionNoLinks: "Palun vastake sellele kirjale „jah, lahendatud“ või „ei, see ei ole see, mida ma küsisin“ või vastake kliendiportaalis.",
		stamp:             dayMonthStamp(&etDays, &etMonths),
	},
	"hr": {
		sender:          "Korisnička podrška",
		promiseLead:     "Naše obećanje vama, u pisanom obliku:",
		due:             "Rok: %s",
		appointmentAt:   "Vrijeme: %s",
		place:           "Mjesto: %s",
		newDue:          "Novi rok obećanja: %s",
		restated:        "(Novo vrijeme: %s.)",
		footer:          "Vaš predmet %s: %s\nAko nam o njemu želite pisati, odgovorite na ovu poruku.",
		footerPlain:     "Vaš predmet %s.\nAko nam o njemu želite pisati, odgovorite na ovu poruku.",
		plainSubject:    "Vaš predmet %s",
		calendarSummary: "Termin u vezi s vašim predmetom %s",
		resolutionLinks: "Ako je to riješilo vaš problem, otvorite ovu poveznicu (na njezinoj stranici možete i ocijeniti naš rad od 1 do 5):\n%s\n\nAko to nije ono što ste pitali, otvorite ovu poveznicu:\n%s\n\n" +
			"Svaka poveznica otvara stranicu s jednim gumbom i vrijedi do %s. Možete i odgovoriti na ovu poruku „da, riješeno“ " +
			"ili „ne, to nije ono što sam pitao“ ili odgovoriti na korisničkom portalu.",
		resolutionNoLinks: "Molimo vas da odgovorite na ovu poruku „da, riješeno“ ili „ne, to nije ono što sam pitao“ ili na korisničkom portalu.",
		stamp:             dayMonthStamp(&hrDays, &hrMonths),
	},
}

// Languages are the languages the desk writes to customers in.
func Languages() []string { return []string{"en", "et", "hr"} }
