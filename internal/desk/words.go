package desk

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

// Reader is who reads what the desk itself writes to a customer: their language and time zone.
// The zero Reader reads English, with times in the zone of whoever the text is about (the owner's).
// The record keeps exactly what was written, so the words are chosen once, when an entry is written.
type Reader struct {
	Lang string         // "en", "et" or "hr"; any other language reads English
	Zone *time.Location // nil: the customer has no zone, times are shown in the case's (its team's, else its owner's)
}

// ReaderFor is the reader of a language code ("et", "hr-HR") and an IANA zone name; an unknown
// language reads English and an unknown or empty zone falls back to the owner's.
func ReaderFor(lang, timezone string) Reader {
	r := Reader{Lang: "en"}
	lang = strings.ToLower(strings.TrimSpace(lang))
	if i := strings.IndexAny(lang, "-_"); i > 0 {
		lang = lang[:i]
	}
	if _, ok := wordsByLang[lang]; ok {
		r.Lang = lang
	}
	if timezone = strings.TrimSpace(timezone); timezone != "" {
		if loc, err := time.LoadLocation(timezone); err == nil {
			r.Zone = loc
		}
	}
	return r
}

// Reader is how the customer reads the desk's own words: their language and zone.
func (c Customer) Reader() Reader { return ReaderFor(c.Lang, c.Timezone) }

// words is what the desk says to a customer in one language.
type words struct {
	roles map[Role]string
	// Introductions: name and role, then when (from and until an owner looks after the case).
	ownerFrom, ownerUntil, joined string
	// Escalation: name and role, then the reason (in the customer's language).
	escalated, reason           string
	fullStop                    bool              // the reason ends the escalation's sentence
	triggers                    map[string]string // reasons the desk gives for its own escalations
	apology                     string            // the promise's words and when it was due
	step, stepPartner, stepNext string            // each ends a sentence: the full stop is added unless the words end one
	resolutionAsked             string
	confirmed, rejected         string // what a customer's answer says when they wrote nothing
	// Asking the customer to agree to a downward hand-over: the colleague's name and role,
	// worked on the case before or not; who holds the case's rung; the asker's own words.
	askBack, askOver, askWhy, askNote string
	agreed, declined                  string // the customer's answer: the colleague's name
	askLinks                          string // the mail's links: agree, decline, until when
	askPortal                         string // the mail without links
	// A new case waiting in its team's queue: the case's reference, then when the team opens
	// (queued), or no time known (queuedLater).
	queued, queuedLater string
	when                func(t time.Time, form dateForm) string
}

// dateForm is how a time stands in a sentence: languages with cases decline the weekday.
type dateForm int

const (
	dateFrom  dateForm = iota // "from Monday"
	dateUntil                 // "until Friday"
	dateDue                   // "(which was due) by Friday"
)

func (r Reader) words() *words {
	if w, ok := wordsByLang[r.Lang]; ok {
		return w
	}
	return wordsByLang["en"]
}

// when is a time as the reader reads it, in their zone or else in fallback.
func (r Reader) when(t time.Time, fallback *time.Location, form dateForm) string {
	loc := r.Zone
	if loc == nil {
		loc = fallback
	}
	if loc == nil {
		loc = time.UTC
	}
	return r.words().when(t.In(loc), form)
}

// role is how a customer reads an agent's place: "team lead, Billing".
func (r Reader) role(a Agent) string {
	name := r.words().roles[a.Role]
	if a.Team != "" {
		name += ", " + a.Team
	}
	return name
}

// sentence ends s with a full stop unless it already ends a sentence.
func sentence(s string) string {
	s = strings.TrimRightFunc(s, unicode.IsSpace)
	if s == "" || strings.ContainsRune(".!?…", []rune(s)[len([]rune(s))-1]) {
		return s
	}
	return s + "."
}

var wordsByLang = map[string]*words{
	"en": {
		roles:      map[Role]string{RoleAdmin: "head of customer care", RoleManager: "manager", RoleLead: "team lead", RoleAgent: "agent", RolePartner: "partner"},
		ownerFrom:  "%s (%s) looks after your case from %s.",
		ownerUntil: "%s (%s) looks after your case from %s until %s.",
		joined:     "%s (%s) has joined your case.",
		escalated:  "Your case has been passed up to %s (%s)",
		reason:     ": %s",
		// In English the desk's own reasons are given as the service words them.
		apology: "We are sorry: we did not keep our promise to you (%q), which was due %s. " +
			"Your case now goes to a more senior colleague, who will contact you with a new promise.",
		step:            "Step %d of %d: %s. %s",
		stepPartner:     " This step is carried out by %s",
		stepNext:        " Next: %s",
		resolutionAsked: "Does this answer what you asked? Please confirm, or tell us that it does not.",
		confirmed:       "Confirmed: this answers what I asked.",
		rejected:        "That is not what I asked.",
		askBack:         "%s (%s), who has worked on your case before, would take it back.",
		askOver:         "%s (%s) would take over your case.",
		askWhy:          "Your case was passed up to %s (%s), and it goes back down only if you agree. Do you agree?",
		askNote:         "%s writes: %s",
		agreed:          "I agree that %s takes over my case.",
		declined:        "I do not agree that %s takes over my case.",
		askLinks: "To agree, open this link:\n%s\n\nTo decline, open this link:\n%s\n\n" +
			"Each link opens a page with one button. The links work once, until %s. You can also answer in the portal.",
		askPortal:   "Please answer in the portal, where your case is.",
		queued:      "We have your message (%s). Nobody of our team is at work just now; we answer from %s. You do not need to write again.",
		queuedLater: "We have your message (%s). Nobody of our team is at work just now; we answer as soon as we are back. You do not need to write again.",
		when:        func(t time.Time, _ dateForm) string { return t.Format("Mon 2 Jan 15:04 MST") },
	},
	"et": {
		roles:      map[Role]string{RoleAdmin: "klienditeeninduse juht", RoleManager: "juht", RoleLead: "tiimijuht", RoleAgent: "klienditeenindaja", RolePartner: "partner"},
		ownerFrom:  "%s (%s) tegeleb teie juhtumiga alates %s.",
		ownerUntil: "%s (%s) tegeleb teie juhtumiga alates %s kuni %s.",
		joined:     "%s (%s) liitus teie juhtumiga.",
		escalated:  "Teie juhtum anti edasi kõrgemale tasemele: nüüd tegeleb sellega %s (%s).",
		reason:     " Põhjus: %s",
		fullStop:   true,
		triggers: map[string]string{
			TriggerBrokenPromise:  "me ei pidanud teile antud lubadust",
			TriggerSecondSlip:     "teile antud lubaduse tähtaega lükati edasi juba teist korda",
			TriggerRepeatContacts: "te kirjutasite meile mitu korda, kuid ei saanud vastust",
			TriggerResponseTarget: "te ei saanud vastust lubatud aja jooksul",
			TriggerResolution:     "teie probleemi ei lahendatud lubatud aja jooksul",
		},
		apology: "Vabandame: me ei pidanud teile antud lubadust („%s“), mis pidi olema täidetud %s. " +
			"Teie juhtum antakse nüüd üle kõrgema taseme kolleegile, kes võtab teiega ühendust ja annab uue lubaduse.",
		step:            "Etapp %d/%d: %s. %s",
		stepPartner:     " Selle etapi viib läbi %s",
		stepNext:        " Järgmine etapp: %s",
		resolutionAsked: "Kas see vastab teie küsimusele? Palun kinnitage see või andke meile teada, kui see nii ei ole.",
		confirmed:       "Kinnitatud: see vastab minu küsimusele.",
		rejected:        "See ei ole see, mida ma küsisin.",
		askBack:         "%s (%s), kes on teie juhtumiga varem tegelenud, võtaks selle tagasi.",
		askOver:         "%s (%s) võtaks teie juhtumi üle.",
		askWhy:          "Teie juhtum anti edasi kõrgemale tasemele ja sellega tegeleb %s (%s); madalamale tasemele antakse see tagasi ainult teie nõusolekul. Kas olete nõus?",
		askNote:         "%s kirjutab: %s",
		agreed:          "Olen nõus, et minu juhtumiga tegeleb edaspidi %s.",
		declined:        "Ma ei ole nõus, et minu juhtumiga tegeleb edaspidi %s.",
		askLinks: "Nõustumiseks avage see link:\n%s\n\nKeeldumiseks avage see link:\n%s\n\n" +
			"Kumbki link avab lehe ühe nupuga. Lingid toimivad ühe korra, kuni %s. Võite vastata ka kliendiportaalis.",
		askPortal:   "Palun vastake kliendiportaalis, kus on teie juhtum.",
		queued:      "Oleme teie sõnumi kätte saanud (%s). Meie meeskonnast ei ole praegu kedagi tööl; vastame alates %s. Uuesti kirjutada ei ole vaja.",
		queuedLater: "Oleme teie sõnumi kätte saanud (%s). Meie meeskonnast ei ole praegu kedagi tööl; vastame niipea, kui oleme tagasi. Uuesti kirjutada ei ole vaja.",
		when: func(t time.Time, form dateForm) string {
			day := [...][7]string{
				dateFrom:  {"pühapäevast", "esmaspäevast", "teisipäevast", "kolmapäevast", "neljapäevast", "reedest", "laupäevast"},
				dateUntil: {"pühapäevani", "esmaspäevani", "teisipäevani", "kolmapäevani", "neljapäevani", "reedeni", "laupäevani"},
				dateDue:   {"pühapäevaks", "esmaspäevaks", "teisipäevaks", "kolmapäevaks", "neljapäevaks", "reedeks", "laupäevaks"},
			}[form][t.Weekday()]
			return fmt.Sprintf("%s, %s kell %s", day, t.Format("2.01.2006"), t.Format("15.04 MST"))
		},
	},
	"hr": {
		roles:      map[Role]string{RoleAdmin: "voditelj korisničke podrške", RoleManager: "rukovoditelj", RoleLead: "voditelj tima", RoleAgent: "savjetnik za korisnike", RolePartner: "partner"},
		ownerFrom:  "%s (%s) brine o vašem predmetu od %s.",
		ownerUntil: "%s (%s) brine o vašem predmetu od %s do %s.",
		joined:     "%s (%s) sada sudjeluje u rješavanju vašeg predmeta.",
		escalated:  "Vaš je predmet proslijeđen na višu razinu: sada ga preuzima %s (%s).",
		reason:     " Razlog: %s",
		fullStop:   true,
		triggers: map[string]string{
			TriggerBrokenPromise:  "nismo održali obećanje koje smo vam dali",
			TriggerSecondSlip:     "rok obećanja koje smo vam dali pomaknut je već drugi put",
			TriggerRepeatContacts: "pisali ste nam više puta, a odgovor niste dobili",
			TriggerResponseTarget: "odgovor niste dobili u predviđenom roku",
			TriggerResolution:     "vaš problem nije riješen u predviđenom roku",
		},
		apology: "Ispričavamo se: nismo održali obećanje koje smo vam dali („%s“), a koje je trebalo ispuniti do %s. " +
			"Vaš predmet sada preuzima kolega s više razine, koji će vam se javiti s novim obećanjem.",
		step:            "Korak %d od %d: %s. %s",
		stepPartner:     " Ovaj korak provodi %s",
		stepNext:        " Sljedeći korak: %s",
		resolutionAsked: "Odgovara li ovo na vaše pitanje? Molimo vas da to potvrdite ili nam javite ako ne odgovara.",
		confirmed:       "Potvrđeno: ovo odgovara na moje pitanje.",
		rejected:        "Ovo nije odgovor na moje pitanje.",
		askBack:         "Predlažemo da vaš predmet ponovno preuzme %s (%s); ta je osoba već radila na vašem predmetu.",
		askOver:         "Predlažemo da vaš predmet preuzme %s (%s).",
		askWhy:          "Vaš je predmet proslijeđen na višu razinu i sada ga vodi %s (%s); na nižu se razinu vraća samo uz vašu suglasnost. Slažete li se?",
		askNote:         "%s poručuje: %s",
		agreed:          "Slažem se da moj predmet preuzme %s.",
		declined:        "Ne slažem se da moj predmet preuzme %s.",
		askLinks: "Ako se slažete, otvorite ovu poveznicu:\n%s\n\nAko se ne slažete, otvorite ovu poveznicu:\n%s\n\n" +
			"Svaka poveznica otvara stranicu s jednim gumbom. Poveznice vrijede jednom, do %s. Možete odgovoriti i na korisničkom portalu.",
		askPortal:   "Molimo vas da odgovorite na korisničkom portalu, gdje se nalazi vaš predmet.",
		queued:      "Primili smo vašu poruku (%s). Trenutačno nitko iz našeg tima nije na poslu; odgovaramo od %s. Ne trebate nam ponovno pisati.",
		queuedLater: "Primili smo vašu poruku (%s). Trenutačno nitko iz našeg tima nije na poslu; odgovorit ćemo čim se vratimo. Ne trebate nam ponovno pisati.",
		when: func(t time.Time, _ dateForm) string {
			// "od"/"do" both take the genitive: od ponedjeljka, do petka.
			day := [7]string{"nedjelje", "ponedjeljka", "utorka", "srijede", "četvrtka", "petka", "subote"}[t.Weekday()]
			return fmt.Sprintf("%s, %s u %s", day, t.Format("2. 1. 2006."), t.Format("15:04 MST"))
		},
	},
}
