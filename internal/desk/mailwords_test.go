package desk

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// Every language says everything the mails say: a missing text would mail "%!" to a customer.
func TestMailWordsComplete(t *testing.T) {
	if len(mailWordsByLang) != len(wordsByLang) {
		t.Fatalf("mail words in %d languages, record words in %d", len(mailWordsByLang), len(wordsByLang))
	}
	for _, lang := range Languages() {
		w, ok := mailWordsByLang[lang]
		if !ok || wordsByLang[lang] == nil {
			t.Fatalf("%s: no words", lang)
		}
		v := reflect.ValueOf(*w)
		for i := range v.NumField() {
			f := v.Field(i)
			switch f.Kind() {
			case reflect.String:
				if strings.TrimSpace(f.String()) == "" {
					t.Errorf("%s has no %s text", lang, v.Type().Field(i).Name)
				}
			case reflect.Func:
				if f.IsNil() {
					t.Errorf("%s has no %s", lang, v.Type().Field(i).Name)
				}
			}
		}
	}
}

// Times in mail are written as people write them, in the customer's zone (else the fallback),
// with the zone: never an RFC 3339 stamp.
func TestStamp(t *testing.T) {
	due := time.Date(2026, 12, 7, 7, 30, 0, 0, time.UTC) // a Monday
	tallinn, zagreb := mustZone(t, "Europe/Tallinn"), mustZone(t, "Europe/Zagreb")
	for _, tc := range []struct {
		r        Reader
		fallback *time.Location
		want     string
	}{
		{Reader{Lang: "et", Zone: tallinn}, nil, "E 7. dets 09:30 EET"},
		{Reader{Lang: "hr", Zone: zagreb}, nil, "pon 7. pro 08:30 CET"},
		{Reader{Lang: "en", Zone: tallinn}, zagreb, "Mon 7 Dec 09:30 EET"},
		{Reader{Lang: "et"}, zagreb, "E 7. dets 08:30 CET"}, // no zone of their own: the fallback's
		{Reader{Lang: "hr"}, nil, "pon 7. pro 07:30 UTC"},
	} {
		if got := tc.r.Stamp(due, tc.fallback); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.r.Lang, got, tc.want)
		}
	}
	// Every month and weekday has its word.
	for m := range 12 {
		d := time.Date(2026, time.Month(m+1), 3, 12, 0, 0, 0, time.UTC)
		for _, lang := range []string{"et", "hr"} {
			if got := (Reader{Lang: lang}).Stamp(d, nil); strings.Contains(got, d.Format("Jan")) || strings.Contains(got, d.Format("Mon")) {
				t.Errorf("%s writes %q in English", lang, got)
			}
		}
	}
	got := (Reader{Lang: "et", Zone: tallinn}).MailPromise("Tehnik tuleb.", PromiseAppointment, due, "Pärnu mnt 22", nil)
	if got != "Meie lubadus teile kirjalikult:\n\nTehnik tuleb.\n\nAeg: E 7. dets 09:30 EET\nKoht: Pärnu mnt 22" {
		t.Errorf("an appointment's words in Estonian: %q", got)
	}
}

// TestReadReply: a clear yes or no in English, Estonian or Croatian is understood; a hedge, a
// question, thanks alone or a long story is left to a person.
func TestReadReply(t *testing.T) {
	for own, want := range map[string]ReplyAnswer{
		"yes, solved":                    ReplyYes,
		"Yes, confirmed, that solves it": ReplyYes,
		"Yes.":                           ReplyYes,
		"jah, lahendatud":                ReplyYes,
		"Jah, aitäh!":                    ReplyYes,
		"Aitäh, probleem on lahendatud.": ReplyYes,
		"da, riješeno":                   ReplyYes,
		"Hvala, riješeno je.":            ReplyYes,
		"Da":                             ReplyYes,
		"Hi Ann,\nYes, that solves it.\nThanks, Mari": ReplyYes,
		"Tere!\nKõik korras, aitäh.":                  ReplyYes,
		"Thank you, that solves it":                   ReplyYes,

		"no, that is not what I asked":          ReplyNo,
		"No.":                                   ReplyNo,
		"Not solved, the router still blinks.":  ReplyNo,
		"ei, see ei ole see, mida ma küsisin":   ReplyNo,
		"Ei ole lahendatud":                     ReplyNo,
		"ne, to nije ono što sam pitao":         ReplyNo,
		"Nije riješeno.":                        ReplyNo,
		"That's not what I asked for at all":    ReplyNo,
		"Poštovani,\nne radi.\nLijep pozdrav":   ReplyNo,
		"It doesn't work, the light is orange.": ReplyNo,

		"Thanks!":                        ReplyUnclear,
		"Yes, but the invoice is wrong.": ReplyUnclear,
		"Yes it is not fixed":            ReplyUnclear,
		"jah, aga arve on vale":          ReplyUnclear,
		"da, ali račun je pogrešan":      ReplyUnclear,
		"No problem, all fine":           ReplyUnclear,
		"Can you confirm the refund?":    ReplyUnclear,
		"Solved?":                        ReplyUnclear,
		"":                               ReplyUnclear,
		"I looked at the router again this morning and the light went green after I restarted it twice, " +
			"so yes I think it works now but I will watch it": ReplyUnclear,
		"Hello, the invoice still shows the old amount.": ReplyUnclear,
	} {
		if got := ReadReply(own); got != want {
			t.Errorf("%q reads as %d, want %d", own, got, want)
		}
	}
}

// TestStepTranslations: a case type's steps read in the customer's language where it translates
// them, in its own words otherwise; a translation into a language the desk does not speak, or
// without words, is refused.
func TestStepTranslations(t *testing.T) {
	ct, err := ValidateCaseType(NewCaseType{Name: "Repair", Steps: []Step{
		{Name: "Diagnosis", Explanation: "We find out what is wrong.", Translations: map[string]StepWords{
			"HR": {Name: "Dijagnostika", Explanation: "Utvrđujemo što nije u redu."}, "et": {Name: "Diagnoos", Explanation: "Selgitame välja, mis on viga."}}},
		{Name: "Repair", Explanation: "We fix it.", Translations: map[string]StepWords{"hr": {Name: "Popravak", Explanation: "Popravljamo uređaj."}}},
	}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got := stepText(Reader{Lang: "hr"}, ct, 1); got != "Korak 1 od 2: Dijagnostika. Utvrđujemo što nije u redu. Sljedeći korak: Popravak." {
		t.Errorf("in Croatian: %q", got)
	}
	if got := stepText(Reader{Lang: "et"}, ct, 2); got != "Etapp 2/2: Repair. We fix it." {
		t.Errorf("untranslated in Estonian: %q", got)
	}
	for _, bad := range []map[string]StepWords{{"de": {Name: "Diagnose", Explanation: "Wir prüfen."}}, {"et": {Name: "Diagnoos"}}} {
		_, err := ValidateCaseType(NewCaseType{Name: "X", Steps: []Step{{Name: "A", Explanation: "B", Translations: bad}}}, time.Now())
		if e, ok := AsError(err); !ok || !strings.HasPrefix(e.Field, "steps[0].translations.") {
			t.Errorf("%v: %v", bad, err)
		}
	}
}
