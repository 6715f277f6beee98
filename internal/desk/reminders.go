package desk

import "fmt"

// What an automation says to a customer (remind_customer): the desk's own words in the
// customer's language, so a rule an admin sets up never writes English to an Estonian. Each
// names the case by its ref and is signed by the desk (MailSender).

// Customer reminders an automation may send.
const (
	SayWaiting           = "waiting"            // the desk waits for the customer's answer
	SayClosedUnconfirmed = "closed_unconfirmed" // the case closed without their confirmation
)

// CustomerReminders are the reminders an automation may send.
func CustomerReminders() []string { return []string{SayWaiting, SayClosedUnconfirmed} }

var reminderWords = map[string]map[string]string{
	"en": {
		SayWaiting:           "Hello,\n\nwe are still waiting for your answer on %s (%s). Could you let us know how things stand? Just reply to this message.\n\n%s",
		SayClosedUnconfirmed: "Hello,\n\nwe did not hear back from you about our solution for %s (%s), so we have closed the case. If the problem is still there, just reply to this message and we will open it again.\n\n%s",
	},
	"et": {
		SayWaiting:           "Tere\n\nootame endiselt Teie vastust pöördumisele %s (%s). Palun andke teada, kuidas lood on – vastake lihtsalt sellele kirjale.\n\n%s",
		SayClosedUnconfirmed: "Tere\n\nme ei saanud Teilt vastust lahenduse kohta pöördumisele %s (%s) ja sulgesime pöördumise. Kui probleem püsib, vastake lihtsalt sellele kirjale ja avame selle uuesti.\n\n%s",
	},
	"hr": {
		SayWaiting:           "Poštovani,\n\njoš uvijek čekamo Vaš odgovor na predmet %s (%s). Molimo javite nam kako stoje stvari – samo odgovorite na ovu poruku.\n\n%s",
		SayClosedUnconfirmed: "Poštovani,\n\nnismo dobili Vaš odgovor o našem rješenju za predmet %s (%s) pa smo ga zatvorili. Ako problem i dalje postoji, samo odgovorite na ovu poruku i ponovno ćemo ga otvoriti.\n\n%s",
	},
}

// CustomerReminder is the reminder say for the case, in the reader's language.
func (r Reader) CustomerReminder(say string, c Case) string {
	words, ok := reminderWords[r.Lang]
	if !ok {
		words = reminderWords["en"]
	}
	return fmt.Sprintf(words[say], c.Ref(), c.Subject, r.MailSender())
}
