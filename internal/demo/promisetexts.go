package demo

import (
	"fmt"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// The words of the demo's promises, slips and escalations. Like the rest of the phrase book they
// are built by a function, never held in package variables.
//
// Promise lines use {by} ("by Thursday 14 March, 15:00") or {on} ("on Thursday 14 March at
// 15:00"); slip messages use {old_at}, {new_at}, {new_by} and {reason}. The times are written in
// the customer's own zone, and the agents' Croatian avoids the past tense, whose form would
// depend on the agent's gender.

// promiseLine is one way of putting a promise of some kind into words; place goes with
// appointments.
type promiseLine struct {
	kind  desk.PromiseKind
	words string
	place string
}

// promiseTexts are the promise words in one language.
type promiseTexts struct {
	lines     [topicCount][]promiseLine
	reasons   [topicCount][]string // why a promise slips, told to the customer
	slipMsgs  []string             // the honest message that goes with a slip
	keptNotes map[desk.PromiseKind][]string
	sorry     []string // a senior colleague taking over after a broken promise
	askSenior []string // a customer asking for someone more senior…
	seniorWhy []string // …and the reason that goes on the escalation
}

// kindWeight is how often a topic's promises are of a kind.
type kindWeight struct {
	kind   desk.PromiseKind
	weight int
}

// promiseKinds are the kinds of promise each topic's agents make, most common first.
func promiseKinds() [topicCount][]kindWeight {
	return [topicCount][]kindWeight{
		billing:      {{desk.PromiseUpdate, 45}, {desk.PromiseCallback, 30}, {desk.PromiseFix, 25}},
		repair:       {{desk.PromiseFix, 35}, {desk.PromiseAppointment, 30}, {desk.PromiseUpdate, 20}, {desk.PromiseCallback, 15}},
		delivery:     {{desk.PromiseDelivery, 50}, {desk.PromiseUpdate, 35}, {desk.PromiseCallback, 15}},
		cancellation: {{desk.PromiseUpdate, 60}, {desk.PromiseFix, 25}, {desk.PromiseCallback, 15}},
	}
}

// agentAsk is an agent sending a case up the ladder: the internal note and the reason.
type agentAsk struct{ note, reason string }

func agentAsks() []agentAsk {
	return []agentAsk{
		{"Asked {lead} to take this over: a goodwill payment of {amount} is above my limit.",
			"A goodwill payment above the agent's limit needs a decision from higher up."},
		{"The customer asked on the phone for a manager. Passing it up rather than arguing about it.",
			"The customer asked on the phone for someone more senior."},
	}
}

func newPromiseTexts() [3]promiseTexts {
	return [3]promiseTexts{english: englishPromises(), estonian: estonianPromises(), croatian: croatianPromises()}
}

func englishPromises() promiseTexts {
	return promiseTexts{
		lines: [topicCount][]promiseLine{
			billing: {
				{desk.PromiseUpdate, "I will write to you {by} with what our finance team has found about the charge of {amount}.", ""},
				{desk.PromiseUpdate, "You will have a written answer from me about account {acc} {by}.", ""},
				{desk.PromiseCallback, "I will call you {on} to go through the invoice with you.", ""},
				{desk.PromiseCallback, "I'll ring you {on}, once finance has checked the payment.", ""},
				{desk.PromiseFix, "The refund of {amount} will be sent {by}, and I will confirm it to you in writing.", ""},
				{desk.PromiseFix, "A corrected invoice will be in your inbox {by}.", ""},
			},
			repair: {
				{desk.PromiseFix, "Your {item} will be repaired and ready {by}.", ""},
				{desk.PromiseFix, "The repair will be finished {by}; I will tell you the moment it is done.", ""},
				{desk.PromiseAppointment, "A technician will come to you {on} to look at the {item}.", "At your address on the account"},
				{desk.PromiseAppointment, "Your appointment at our service point is {on}; please bring the {item} with you.", "Service point, 18 Mill Lane, London"},
				{desk.PromiseUpdate, "I will let you know {by} whether the spare part has arrived.", ""},
				{desk.PromiseUpdate, "You will hear from me {by} with the result of the diagnosis.", ""},
				{desk.PromiseCallback, "I will call you {on} with what the technician found.", ""},
			},
			delivery: {
				{desk.PromiseDelivery, "Your parcel will be delivered {by}.", ""},
				{desk.PromiseDelivery, "The courier will bring order {ord} to you {by}.", ""},
				{desk.PromiseUpdate, "I will write to you {by} with what the courier says about {trk}.", ""},
				{desk.PromiseUpdate, "You will have an update from me {by}, whatever the courier tells us.", ""},
				{desk.PromiseCallback, "I will call you {on}, as soon as the courier has replied.", ""},
			},
			cancellation: {
				{desk.PromiseUpdate, "You will have written confirmation of the cancellation {by}.", ""},
				{desk.PromiseUpdate, "I will confirm the end of contract {con} in writing {by}.", ""},
				{desk.PromiseFix, "The refund of {amount} will be on your account {by}.", ""},
				{desk.PromiseCallback, "I will call you {on} to confirm the final bill.", ""},
			},
		},
		reasons: [topicCount][]string{
			billing:      {"Finance needs two more days to trace the payment with the bank.", "The refund has to be approved by a second person, who is away until tomorrow."},
			repair:       {"The spare part has not arrived from the supplier.", "The technician was called out to an emergency and cannot come at the agreed time."},
			delivery:     {"The courier has not collected the parcel from the depot yet.", "The courier's investigation is taking longer than they told us."},
			cancellation: {"The contracts team has a backlog after the price change.", "The bank needs more time to process the refund."},
		},
		slipMsgs: []string{
			"I'm sorry: I will not manage what I promised you for {old_at}. {reason} I now expect to keep it {new_by}, and I will tell you straight away if anything changes.",
			"I want to tell you before the time comes: what I promised for {old_at} is going to be late. {reason} The new time is {new_at}. I'm sorry for the extra wait.",
		},
		keptNotes: map[desk.PromiseKind][]string{
			desk.PromiseCallback:    {"Called as agreed.", "Called you back as promised."},
			desk.PromiseUpdate:      {"Update sent by email, as promised."},
			desk.PromiseDelivery:    {"The courier has confirmed the delivery."},
			desk.PromiseFix:         {"Done: the work is finished and checked."},
			desk.PromiseAppointment: {"The appointment took place as arranged."},
		},
		sorry: []string{"I am sorry we let you down. I have taken over your case myself.", "We did not keep our word, and I apologise. I am now looking after your case personally."},
		askSenior: []string{"I have explained this several times now. I would like someone more senior to take over my case, please.",
			"This has gone on long enough. Please pass my case to a manager."},
		seniorWhy: []string{"I have explained this three times and want a manager to deal with it.", "Nobody has solved this; please pass my case to someone senior."},
	}
}

func estonianPromises() promiseTexts {
	return promiseTexts{
		lines: [topicCount][]promiseLine{
			billing: {
				{desk.PromiseUpdate, "Saadan teile kirjaliku vastuse {by}.", ""},
				{desk.PromiseUpdate, "Annan teile {by} teada, mida finantsosakond summa {amount} kohta leidis.", ""},
				{desk.PromiseCallback, "Helistan teile {on}, et arve koos üle vaadata.", ""},
				{desk.PromiseCallback, "Helistan teile {on}, kui finantsosakond on makse üle kontrollinud.", ""},
				{desk.PromiseFix, "Tagastame summa {amount} {by} ja kinnitan selle teile kirjalikult.", ""},
				{desk.PromiseFix, "Parandatud arve jõuab teie postkasti {by}.", ""},
			},
			repair: {
				{desk.PromiseFix, "Remont on tehtud {by}; annan teada kohe, kui seade on valmis.", ""},
				{desk.PromiseAppointment, "Tehnik tuleb teie juurde {on}.", "Teie aadress, nagu see on kontol"},
				{desk.PromiseAppointment, "Teie aeg meie teeninduspunktis on {on}; palun võtke seade kaasa.", "Teeninduspunkt, Pärnu mnt 22, Tallinn"},
				{desk.PromiseUpdate, "Annan teile {by} teada, kas varuosa on saabunud.", ""},
				{desk.PromiseUpdate, "Saate minult diagnoosi tulemuse {by}.", ""},
				{desk.PromiseCallback, "Helistan teile {on} ja räägin, mida tehnik leidis.", ""},
			},
			delivery: {
				{desk.PromiseDelivery, "Pakk tuuakse teile kohale {by}.", ""},
				{desk.PromiseDelivery, "Kuller toob tellimuse {ord} teile kohale {by}.", ""},
				{desk.PromiseUpdate, "Kirjutan teile {by}, mida kuller saadetise {trk} kohta ütles.", ""},
				{desk.PromiseUpdate, "Saate minult uudiseid {by}, ükskõik mida kuller vastab.", ""},
				{desk.PromiseCallback, "Helistan teile {on}, kui kuller on vastanud.", ""},
			},
			cancellation: {
				{desk.PromiseUpdate, "Saate lõpetamise kirjaliku kinnituse {by}.", ""},
				{desk.PromiseUpdate, "Kinnitan lepingu {con} lõpetamise kirjalikult {by}.", ""},
				{desk.PromiseFix, "Summa {amount} laekub teie kontole {by}.", ""},
				{desk.PromiseCallback, "Helistan teile {on}, et lõpparve teiega üle vaadata.", ""},
			},
		},
		reasons: [topicCount][]string{
			billing:      {"Finantsosakond vajab makse jälgimiseks pangaga veel kaks päeva.", "Tagasimakse peab kinnitama teine inimene, kes on homseni eemal."},
			repair:       {"Varuosa ei ole tarnijalt veel saabunud.", "Tehnik kutsuti avariitööle ega jõua kokkulepitud ajal kohale."},
			delivery:     {"Kuller ei ole pakki veel terminalist peale võtnud.", "Kulleri uurimine võtab kauem aega, kui nad meile lubasid."},
			cancellation: {"Lepingute meeskonnal on pärast hinnamuutust palju avaldusi järjekorras.", "Pank vajab tagasimakse töötlemiseks rohkem aega."},
		},
		slipMsgs: []string{
			"Vabandust: ma ei jõua lubatud ajaks ({old_at}). {reason} Uus tähtaeg on {new_at}. Kui midagi muutub, annan teile kohe teada.",
			"Tahan teile enne tähtaega ausalt öelda, et lubatud ajast ({old_at}) me kinni pidada ei suuda. {reason} Uus tähtaeg on {new_at}. Vabandan, et peate kauem ootama.",
		},
		keptNotes: map[desk.PromiseKind][]string{
			desk.PromiseCallback:    {"Helistasin kokkulepitud ajal."},
			desk.PromiseUpdate:      {"Saatsin lubatud ülevaate e-postiga."},
			desk.PromiseDelivery:    {"Kuller kinnitas kohaletoimetamise."},
			desk.PromiseFix:         {"Tehtud: töö on lõpetatud ja üle kontrollitud."},
			desk.PromiseAppointment: {"Kohtumine toimus kokkulepitud ajal."},
		},
		sorry: []string{"Vabandan, et me teid alt vedasime. Võtsin teie juhtumi enda kätte.", "Me ei pidanud oma sõna ja ma vabandan. Tegelen nüüd teie juhtumiga isiklikult."},
		askSenior: []string{"Olen seda juba mitu korda selgitanud. Palun andke minu juhtum kellelegi kõrgemale.",
			"See on kestnud liiga kaua. Soovin, et minu juhtumiga tegeleks juht."},
		seniorWhy: []string{"Olen seda kolm korda selgitanud ja soovin, et sellega tegeleks juht.", "Keegi pole seda lahendanud; palun andke juhtum kellelegi kõrgemale."},
	}
}

func croatianPromises() promiseTexts {
	return promiseTexts{
		lines: [topicCount][]promiseLine{
			billing: {
				{desk.PromiseUpdate, "Pisani odgovor dobit ćete {by}.", ""},
				{desk.PromiseUpdate, "Javit ću vam {by} što je financijski odjel utvrdio o naplati od {amount}.", ""},
				{desk.PromiseCallback, "Nazvat ću vas {on} da zajedno prođemo kroz račun.", ""},
				{desk.PromiseCallback, "Nazvat ću vas {on}, kada financijski odjel provjeri uplatu.", ""},
				{desk.PromiseFix, "Povrat od {amount} bit će poslan {by}, a ja ću vam to potvrditi pisanim putem.", ""},
				{desk.PromiseFix, "Ispravljeni račun stići će vam e-poštom {by}.", ""},
			},
			repair: {
				{desk.PromiseFix, "Popravak će biti gotov {by}; javit ću vam se čim uređaj bude spreman.", ""},
				{desk.PromiseAppointment, "Serviser će doći k vama {on}.", "Vaša adresa iz korisničkog računa"},
				{desk.PromiseAppointment, "Vaš termin u našem servisu je {on}; molim vas da donesete uređaj.", "Servis, Ilica 120, Zagreb"},
				{desk.PromiseUpdate, "Javit ću vam {by} je li rezervni dio stigao.", ""},
				{desk.PromiseUpdate, "Rezultat dijagnostike dobit ćete od mene {by}.", ""},
				{desk.PromiseCallback, "Nazvat ću vas {on} i reći vam što je serviser utvrdio.", ""},
			},
			delivery: {
				{desk.PromiseDelivery, "Paket će vam biti dostavljen {by}.", ""},
				{desk.PromiseDelivery, "Dostavljač će vam donijeti narudžbu {ord} {by}.", ""},
				{desk.PromiseUpdate, "Javit ću vam {by} što dostavna služba kaže o pošiljci {trk}.", ""},
				{desk.PromiseUpdate, "Novosti ćete od mene dobiti {by}, bez obzira na odgovor dostavne službe.", ""},
				{desk.PromiseCallback, "Nazvat ću vas {on}, čim dostavna služba odgovori.", ""},
			},
			cancellation: {
				{desk.PromiseUpdate, "Pisanu potvrdu otkaza dobit ćete {by}.", ""},
				{desk.PromiseUpdate, "Raskid ugovora {con} potvrdit ću vam pisanim putem {by}.", ""},
				{desk.PromiseFix, "Iznos od {amount} bit će vraćen na vaš račun {by}.", ""},
				{desk.PromiseCallback, "Nazvat ću vas {on} da potvrdimo završni račun.", ""},
			},
		},
		reasons: [topicCount][]string{
			billing:      {"Financijskom odjelu trebaju još dva dana da s bankom provjeri uplatu.", "Povrat mora odobriti još jedna osoba, koja je odsutna do sutra."},
			repair:       {"Rezervni dio još nije stigao od dobavljača.", "Serviser je pozvan na hitnu intervenciju i ne može doći u dogovoreno vrijeme."},
			delivery:     {"Dostavna služba još nije preuzela paket iz skladišta.", "Istraga dostavne službe traje dulje nego što su nam rekli."},
			cancellation: {"Tim za ugovore ima zaostatak nakon promjene cijena.", "Banci treba više vremena za obradu povrata."},
		},
		slipMsgs: []string{
			"Ispričavam se: dogovoreni rok ({old_at}) nije moguće održati. {reason} Novi rok je {new_at}. Ako se išta promijeni, odmah ću vam javiti.",
			"Želim vam to reći prije isteka roka: dogovoreni rok ({old_at}) ne možemo održati. {reason} Novi rok je {new_at}. Ispričavam se zbog dodatnog čekanja.",
		},
		keptNotes: map[desk.PromiseKind][]string{
			desk.PromiseCallback:    {"Poziv obavljen kako je dogovoreno."},
			desk.PromiseUpdate:      {"Obećane novosti poslane su e-poštom."},
			desk.PromiseDelivery:    {"Dostavna služba potvrdila je isporuku."},
			desk.PromiseFix:         {"Gotovo: posao je završen i provjeren."},
			desk.PromiseAppointment: {"Termin je održan kako je dogovoreno."},
		},
		sorry: []string{"Ispričavam se što obećanje nije održano. Vaš predmet sada osobno preuzimam.", "Nismo održali riječ i zbog toga se ispričavam. Od sada osobno vodim vaš predmet."},
		askSenior: []string{"Ovo je već nekoliko puta objašnjeno. Molim da moj predmet preuzme netko nadređen.",
			"Ovo traje predugo. Molim da se mojim predmetom bavi voditelj."},
		seniorWhy: []string{"Želim da se ovim predmetom bavi voditelj.", "Nitko ovo nije riješio; molim da predmet preuzme netko nadređen."},
	}
}

// when is a due time as the customer reads it: on ("on Thursday 14 March at 15:00"), by
// ("by Thursday 14 March, 15:00") and at ("Thursday 14 March at 15:00").
type when struct{ on, by, at string }

// phrase writes t in the customer's language and zone: the weekday and date, never "today" or
// "tomorrow", so the words say the due time whenever they are read (issue 15, finding 6).
func phrase(l lang, t time.Time, loc *time.Location) when {
	lt := t.In(loc)
	wd, day, mon := lt.Weekday(), lt.Day(), lt.Month()-1
	switch l {
	case estonian:
		clock := "kell " + lt.Format("15.04")
		weekdays := [7]string{"pühapäeval", "esmaspäeval", "teisipäeval", "kolmapäeval", "neljapäeval", "reedel", "laupäeval"}
		months := [12]string{"jaanuaril", "veebruaril", "märtsil", "aprillil", "mail", "juunil", "juulil", "augustil", "septembril", "oktoobril", "novembril", "detsembril"}
		d := fmt.Sprintf("%s, %d. %s %s", weekdays[wd], day, months[mon], clock)
		return when{on: d, by: "hiljemalt " + d, at: d}
	case croatian:
		clock := lt.Format("15:04")
		weekdays := [7]string{"nedjelju", "ponedjeljak", "utorak", "srijedu", "četvrtak", "petak", "subotu"}
		months := [12]string{"siječnja", "veljače", "ožujka", "travnja", "svibnja", "lipnja", "srpnja", "kolovoza", "rujna", "listopada", "studenoga", "prosinca"}
		d := fmt.Sprintf("u %s, %d. %s,", weekdays[wd], day, months[mon])
		return when{on: d + " u " + clock, by: "najkasnije " + d + " do " + clock, at: d + " u " + clock}
	}
	clock := lt.Format("15:04")
	d := lt.Format("Monday 2 January")
	return when{on: "on " + d + " at " + clock, by: "by " + d + ", " + clock, at: d + " at " + clock}
}
