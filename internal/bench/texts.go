package bench

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// The phrase tables generated messages are put together from: customers write in English,
// Estonian or Croatian (with their diacritics), quote their order, invoice, account and
// tracking numbers, and agents answer in the customer's language. Placeholders in braces are
// filled per case (see vars).

type lang int

const (
	english lang = iota
	estonian
	croatian
	langCount
)

type topic int

const (
	billing topic = iota
	delivery
	repair
	network
	cancellation
	topicCount
)

// teamOf is the department each topic goes to.
var teamOf = [topicCount]string{"Billing", "Deliveries", "Repairs", "Network", "Billing"}

// teams are the departments the generated desk has.
var teams = []string{"Billing", "Deliveries", "Repairs", "Network"}

type langTexts struct {
	subjects  [topicCount][]string
	problems  [topicCount][]string
	details   []string
	asks      []string
	greetings []string
	signoffs  []string
	followUps []string
	replyOpen []string
	replyBody [topicCount][]string
	replyEnd  []string
	notes     []string
	calls     []string
	promises  []string
	resolved  []string
	thanks    []string
}

func texts() [langCount]langTexts {
	return [langCount]langTexts{english: englishTexts(), estonian: estonianTexts(), croatian: croatianTexts()}
}

func englishTexts() langTexts {
	return langTexts{
		subjects: [topicCount][]string{
			{"Charged twice for invoice {invoice}", "Wrong amount on my bill", "Refund for order {order} not received", "Question about invoice {invoice}", "Direct debit taken twice this month"},
			{"Order {order} has not arrived", "Parcel {tracking} stuck in transit", "Delivery missed again", "Where is my order {order}?", "Package delivered to the wrong address"},
			{"My {item} stopped working", "Repair status for {item}", "{item} broken after two weeks", "Warranty repair for order {order}", "Replacement part for my {item}"},
			{"Internet keeps dropping in the evening", "No signal since Monday", "Router restarts every hour", "Slow connection on account {account}", "TV and internet down"},
			{"Please cancel my contract {account}", "Cancel order {order}", "Cancellation not confirmed", "Still billed after cancelling", "How do I end my subscription?"},
		},
		problems: [topicCount][]string{
			{"I was charged {amount} twice for invoice {invoice}, and my bank statement shows both payments on the same day.", "The bill for this month is {amount}, which is almost double what I normally pay, and nothing in my plan has changed.", "You promised a refund for order {order} three weeks ago and I still have not seen the money on my card."},
			{"My order {order} was supposed to arrive last Friday, but the tracking page for {tracking} has not changed since it left the warehouse.", "The courier left a note that nobody was home, but I was at home the whole day waiting for parcel {tracking}.", "The tracking for {tracking} says delivered, but there is nothing at my door and my neighbours have not seen it either."},
			{"My {item} stopped working after the update, it switches on but the screen stays black.", "I sent my {item} for repair under order {order} two weeks ago and nobody has told me anything since.", "The {item} you repaired last month has the same fault again: it makes a loud noise and then turns off."},
			{"Since Monday my internet drops every evening between seven and ten, exactly when we need it most.", "The router on account {account} restarts roughly every hour and the lights blink orange before it does.", "The speed I measure is about a tenth of what I pay for, even with a cable straight to the router."},
			{"I asked to cancel contract {account} on the phone and was told it was done, but I received another invoice {invoice}.", "Please cancel order {order}; I found the same product elsewhere and it has not been shipped yet.", "I have been trying to end my subscription for a month and every time I call I am told to write instead."},
		},
		details:   []string{"My account number is {account}, in case you need it.", "I already called twice last week and was promised a call back.", "This is the third time I write about the same thing.", "I attached a photo of the receipt to my previous message.", "The invoice number is {invoice} and the order was {order}.", "I need the connection for my job, so every day of this costs me money.", "Your colleague told me on the phone it would be fixed by Wednesday."},
		asks:      []string{"Could you please look into this and tell me when it will be sorted?", "Please refund the extra payment as soon as possible.", "I would like someone to call me back today.", "Can you send a technician this week?", "Please confirm in writing what you are going to do."},
		greetings: []string{"Hello,", "Hi,", "Good morning,", "Dear support team,", "Hello again,"},
		signoffs:  []string{"Thank you, {name}", "Kind regards, {name}", "Best, {name}", "Thanks in advance, {name}", "{name}"},
		followUps: []string{"I am still waiting for an answer to my message from last week.", "Any news? Nothing has changed on my side.", "I tried what you suggested and it did not help, the problem is exactly the same.", "Thank you for the update, but the order {order} is still not here.", "Just to let you know the problem came back this morning."},
		replyOpen: []string{"Dear {first},", "Hello {first},", "Hi {first},"},
		replyBody: [topicCount][]string{
			{"I checked invoice {invoice} and you are right: the payment was taken twice. I have asked our finance team to return {amount} to your card, which usually takes three to five working days.", "The higher amount comes from the yearly fee that was added to this month's bill. I have spread it over the next three invoices for you."},
			{"I contacted the courier about parcel {tracking}: it was held at the depot because the label was damaged. They will deliver it tomorrow between 10:00 and 14:00.", "I have opened an investigation with the courier and ordered a replacement for {order}, which leaves our warehouse today."},
			{"Our technicians received your {item} and found a faulty power board. The part is ordered and the repair should be finished within a week.", "I am sorry the same fault came back. We will replace the {item} under warranty instead of repairing it again."},
			{"I ran a line test on account {account} and found errors on the connection to the street cabinet. A technician will check the line; I will confirm the time with you.", "I have pushed a new configuration to your router and changed the channel it uses, which should stop the evening drops."},
			{"I have cancelled contract {account} with effect from the end of this month, and invoice {invoice} is credited in full.", "Order {order} is cancelled and the payment will be returned to the card you used within five working days."},
		},
		replyEnd: []string{"Kind regards, {agent}, {team}", "Best wishes, {agent} ({team})", "Thank you for your patience. {agent}, {team}"},
		notes:    []string{"Checked with finance: duplicate payment confirmed, refund {amount} booked.", "Courier says {tracking} was scanned at the Tallinn hub on Tuesday, no scan since.", "Customer is upset, third contact about {order}. Handle with care.", "Line test on {account}: CRC errors from 19:00, looks like the cabinet.", "Spare part for the {item} arrives Thursday, the repair takes a day after that."},
		calls:    []string{"Customer called about {order}; explained the delay and the new delivery date.", "Called the customer back about invoice {invoice}; they agreed to the refund.", "Customer called, internet on {account} still drops; booked a technician visit."},
		promises: []string{"I will call you back tomorrow before noon with the courier's answer.", "You will have the refund for invoice {invoice} on your card by Friday.", "A technician will visit you on Thursday between 10 and 12.", "I will send you an update on order {order} by the end of the week.", "The repaired {item} will be back with you within seven days."},
		resolved: []string{"The refund of {amount} for invoice {invoice} has been paid.", "Order {order} was delivered this morning.", "The {item} is repaired and on its way back to you.", "The line was repaired at the cabinet; the connection has been stable for three days.", "Contract {account} is cancelled and the last invoice is credited."},
		thanks:   []string{"Yes, that is sorted now, thank you.", "Received it, thanks for your help.", "All good now, thank you very much."},
	}
}

func estonianTexts() langTexts {
	return langTexts{
		subjects: [topicCount][]string{
			{"Arve {invoice} eest võeti raha kaks korda", "Vale summa arvel", "Tellimuse {order} tagasimakse on saamata", "Küsimus arve {invoice} kohta"},
			{"Tellimus {order} ei ole kohale jõudnud", "Pakk {tracking} on teel kinni", "Kuller ei tulnud jälle", "Kus on minu tellimus {order}?"},
			{"Minu {item} lakkas töötamast", "{item} parandamise seis", "{item} läks kahe nädalaga katki", "Garantiiremont tellimusele {order}"},
			{"Internet katkeb õhtuti", "Ühendus puudub alates esmaspäevast", "Ruuter taaskäivitub iga tund", "Aeglane ühendus, leping {account}"},
			{"Palun lõpetage minu leping {account}", "Tühistage tellimus {order}", "Tühistamist ei ole kinnitatud", "Arveid tuleb ka pärast lõpetamist"},
		},
		problems: [topicCount][]string{
			{"Arve {invoice} eest võeti minu kontolt {amount} kaks korda, pangaväljavõttel on mõlemad maksed samal päeval.", "Selle kuu arve on {amount}, mis on peaaegu kaks korda rohkem kui tavaliselt, kuigi pakett ei ole muutunud.", "Lubasite tellimuse {order} eest raha tagasi kolm nädalat tagasi, aga kaardile pole midagi tulnud."},
			{"Tellimus {order} pidi saabuma eelmisel reedel, aga saadetise {tracking} jälgimisleht ei ole laost lahkumisest saati muutunud.", "Kuller jättis teate, et kedagi polnud kodus, kuigi ootasin pakki {tracking} terve päeva kodus.", "Jälgimine näitab, et {tracking} on kätte toimetatud, aga ukse taga ei ole midagi."},
			{"Minu {item} lakkas pärast uuendust töötamast, see läheb küll tööle, aga ekraan jääb mustaks.", "Saatsin {item} tellimusega {order} kaks nädalat tagasi remonti ja keegi pole mulle midagi teatanud.", "Eelmisel kuul parandatud {item} on jälle sama rikkega: teeb valju häält ja lülitub välja."},
			{"Alates esmaspäevast katkeb internet igal õhtul seitsmest kümneni, just siis, kui seda kõige rohkem vaja on.", "Lepingu {account} ruuter taaskäivitub umbes iga tund ja tuled vilguvad enne seda oranžilt.", "Mõõdetud kiirus on umbes kümnendik sellest, mille eest maksan, isegi kaabliga otse ruuteris."},
			{"Palusin telefonis lepingu {account} lõpetada ja mulle öeldi, et see on tehtud, aga sain uue arve {invoice}.", "Palun tühistage tellimus {order}, leidsin sama toote mujalt ja seda ei ole veel välja saadetud.", "Olen kuu aega püüdnud tellimust lõpetada ja iga kord helistades öeldakse, et kirjutage parem."},
		},
		details:   []string{"Minu kliendinumber on {account}, kui seda vaja läheb.", "Helistasin juba eelmisel nädalal kaks korda ja mulle lubati tagasi helistada.", "Kirjutan sama asja pärast juba kolmandat korda.", "Arve number on {invoice} ja tellimus oli {order}.", "Töötan kodus, nii et see maksab mulle iga päev päris raha."},
		asks:      []string{"Palun uurige asja ja andke teada, millal see korda saab.", "Palun kandke ülemakstud summa võimalikult kiiresti tagasi.", "Soovin, et keegi helistaks mulle täna tagasi.", "Kas saate sel nädalal tehniku saata?"},
		greetings: []string{"Tere,", "Tere päevast,", "Lugupeetud klienditugi,", "Tere jälle,"},
		signoffs:  []string{"Aitäh, {name}", "Lugupidamisega, {name}", "Parimat, {name}", "{name}"},
		followUps: []string{"Ootan endiselt vastust eelmise nädala kirjale.", "Kas on uudiseid? Minu poolt pole midagi muutunud.", "Proovisin, mida soovitasite, aga see ei aidanud, viga on täpselt sama.", "Aitäh teate eest, aga tellimus {order} ei ole ikka veel kohal."},
		replyOpen: []string{"Tere, {first}!", "Lugupeetud {first},", "Tere {first},"},
		replyBody: [topicCount][]string{
			{"Kontrollisin arvet {invoice} ja teil on õigus: makse võeti kaks korda. Palusin finantsosakonnal kanda {amount} teie kaardile tagasi, see võtab tavaliselt kolm kuni viis tööpäeva.", "Suurem summa tuleb aastatasust, mis lisati selle kuu arvele. Jagasin selle teie jaoks järgmise kolme arve peale."},
			{"Võtsin ühendust kulleriga: pakk {tracking} jäi depoosse, sest silt oli kahjustatud. Nad toimetavad selle kohale homme kella 10 ja 14 vahel.", "Alustasin kulleriga uurimist ja tellisin tellimusele {order} asendustoote, mis lahkub laost täna."},
			{"Meie tehnikud said teie {item} kätte ja leidsid vigase toiteplaadi. Varuosa on tellitud ja remont peaks valmima nädalaga.", "Vabandan, et sama viga tuli tagasi. Vahetame {item} garantii korras uue vastu."},
			{"Tegin lepingu {account} liinitesti ja leidsin vigu ühenduses tänavakapiga. Tehnik kontrollib liini, kinnitan teiega aja.", "Saatsin teie ruuterile uued seaded ja muutsin kanalit, see peaks õhtused katkestused lõpetama."},
			{"Lõpetasin lepingu {account} selle kuu lõpust ja arve {invoice} on täielikult krediteeritud.", "Tellimus {order} on tühistatud ja raha kantakse viie tööpäeva jooksul kaardile tagasi."},
		},
		replyEnd: []string{"Lugupidamisega, {agent}, {team}", "Parimate soovidega, {agent} ({team})", "Aitäh kannatlikkuse eest. {agent}, {team}"},
		notes:    []string{"Finantsiga üle kontrollitud: topeltmakse kinnitatud, tagasimakse {amount} tehtud.", "Kulleri sõnul skanniti {tracking} teisipäeval Tallinna sorteerimiskeskuses, pärast seda mitte.", "Klient on pahane, kolmas pöördumine tellimuse {order} pärast."},
		calls:    []string{"Klient helistas tellimuse {order} pärast; selgitasin viivitust ja uut tarnekuupäeva.", "Helistasin kliendile arve {invoice} asjus tagasi; nõustus tagasimaksega."},
		promises: []string{"Helistan teile homme enne lõunat tagasi kulleri vastusega.", "Arve {invoice} tagasimakse on teie kaardil reedeks.", "Tehnik tuleb teie juurde neljapäeval kella 10 ja 12 vahel.", "Saadan teile tellimuse {order} kohta uudised nädala lõpuks."},
		resolved: []string{"Arve {invoice} tagasimakse {amount} on tehtud.", "Tellimus {order} toimetati täna hommikul kohale.", "{item} on parandatud ja teel teie juurde.", "Liin parandati kapis; ühendus on olnud kolm päeva stabiilne."},
		thanks:   []string{"Jah, nüüd on korras, aitäh.", "Sain kätte, aitäh abi eest.", "Kõik on korras, suur aitäh."},
	}
}

func croatianTexts() langTexts {
	return langTexts{
		subjects: [topicCount][]string{
			{"Dvostruka naplata računa {invoice}", "Pogrešan iznos na računu", "Povrat novca za narudžbu {order} nije stigao", "Pitanje o računu {invoice}"},
			{"Narudžba {order} nije stigla", "Paket {tracking} zapeo u dostavi", "Dostavljač opet nije došao", "Gdje je moja narudžba {order}?"},
			{"Moj {item} je prestao raditi", "Stanje popravka za {item}", "{item} se pokvario nakon dva tjedna", "Jamstveni popravak za narudžbu {order}"},
			{"Internet se prekida navečer", "Nema signala od ponedjeljka", "Usmjerivač se ponovno pokreće svaki sat", "Spora veza, ugovor {account}"},
			{"Molim raskid ugovora {account}", "Otkažite narudžbu {order}", "Otkaz nije potvrđen", "Još uvijek mi naplaćujete nakon otkaza"},
		},
		problems: [topicCount][]string{
			{"Za račun {invoice} naplaćeno mi je {amount} dvaput, a na izvodu su obje uplate istoga dana.", "Račun za ovaj mjesec iznosi {amount}, što je gotovo dvostruko više nego inače, a paket se nije mijenjao.", "Obećali ste povrat novca za narudžbu {order} prije tri tjedna, a na kartici još ništa nema."},
			{"Narudžba {order} trebala je stići prošlog petka, ali se praćenje pošiljke {tracking} nije promijenilo otkad je napustila skladište.", "Dostavljač je ostavio obavijest da nikoga nije bilo kod kuće, a ja sam cijeli dan čekao paket {tracking}.", "Praćenje pokazuje da je {tracking} dostavljen, ali pred vratima nema ničega."},
			{"Moj {item} je prestao raditi nakon ažuriranja, uključi se, ali zaslon ostaje crn.", "Poslao sam {item} na popravak pod narudžbom {order} prije dva tjedna i nitko mi se nije javio.", "{item} koji ste popravili prošli mjesec opet ima isti kvar: jako bruji i zatim se ugasi."},
			{"Od ponedjeljka se internet prekida svaku večer od sedam do deset, baš kad nam najviše treba.", "Usmjerivač na ugovoru {account} ponovno se pokreće otprilike svaki sat, a lampice prije toga trepću narančasto.", "Brzina koju mjerim desetina je onoga što plaćam, čak i kabelom izravno na usmjerivač."},
			{"Tražio sam telefonom raskid ugovora {account} i rečeno mi je da je gotovo, ali stigao je novi račun {invoice}.", "Molim otkažite narudžbu {order}, isti proizvod našao sam drugdje, a još nije poslan.", "Već mjesec dana pokušavam otkazati pretplatu i svaki put kad nazovem kažu mi da pišem."},
		},
		details:   []string{"Moj broj korisnika je {account}, ako vam zatreba.", "Već sam dvaput zvao prošli tjedan i obećano mi je da ćete me nazvati.", "Ovo je treći put da pišem zbog iste stvari.", "Broj računa je {invoice}, a narudžba je bila {order}.", "Radim od kuće pa me ovo svaki dan stoji pravog novca."},
		asks:      []string{"Molim vas provjerite i javite mi kada će biti riješeno.", "Molim vratite preplaćeni iznos što prije.", "Želio bih da me netko danas nazove.", "Možete li ovaj tjedan poslati tehničara?"},
		greetings: []string{"Poštovani,", "Dobar dan,", "Pozdrav,", "Poštovana korisnička službo,"},
		signoffs:  []string{"Hvala, {name}", "Srdačan pozdrav, {name}", "Lijep pozdrav, {name}", "{name}"},
		followUps: []string{"Još uvijek čekam odgovor na poruku od prošlog tjedna.", "Ima li novosti? Kod mene se ništa nije promijenilo.", "Pokušao sam što ste predložili, ali nije pomoglo, kvar je potpuno isti.", "Hvala na obavijesti, ali narudžba {order} još nije stigla."},
		replyOpen: []string{"Poštovani {first},", "Dobar dan, {first},", "Pozdrav {first},"},
		replyBody: [topicCount][]string{
			{"Provjerio sam račun {invoice} i u pravu ste: uplata je naplaćena dvaput. Zamolio sam financije da vam vrate {amount} na karticu, što obično traje tri do pet radnih dana.", "Veći iznos dolazi od godišnje naknade dodane ovomjesečnom računu. Rasporedio sam je na sljedeća tri računa."},
			{"Javio sam se dostavljaču: paket {tracking} zadržan je u skladištu jer je naljepnica oštećena. Dostavit će ga sutra između 10 i 14 sati.", "Pokrenuo sam istragu s dostavljačem i naručio zamjenu za {order}, koja danas napušta skladište."},
			{"Naši tehničari zaprimili su vaš {item} i pronašli neispravnu ploču napajanja. Dio je naručen, a popravak bi trebao biti gotov za tjedan dana.", "Žao mi je što se isti kvar vratio. Zamijenit ćemo {item} u sklopu jamstva."},
			{"Napravio sam test linije za ugovor {account} i pronašao greške na vezi s uličnim ormarićem. Tehničar će provjeriti liniju; potvrdit ću vam termin.", "Poslao sam nove postavke vašem usmjerivaču i promijenio kanal, što bi trebalo zaustaviti večernje prekide."},
			{"Raskinuo sam ugovor {account} s krajem ovog mjeseca, a račun {invoice} u cijelosti je storniran.", "Narudžba {order} je otkazana, a novac će vam biti vraćen na karticu u roku od pet radnih dana."},
		},
		replyEnd: []string{"Srdačan pozdrav, {agent}, {team}", "Lijep pozdrav, {agent} ({team})", "Hvala na strpljenju. {agent}, {team}"},
		notes:    []string{"Provjereno s financijama: dvostruka uplata potvrđena, povrat {amount} knjižen.", "Dostavljač kaže da je {tracking} skeniran u Zagrebu u utorak, od tada ništa.", "Korisnik je ljut, treći kontakt zbog {order}."},
		calls:    []string{"Korisnik je nazvao zbog narudžbe {order}; objasnio sam kašnjenje i novi datum dostave.", "Nazvao sam korisnika zbog računa {invoice}; pristao je na povrat."},
		promises: []string{"Nazvat ću vas sutra prije podne s odgovorom dostavljača.", "Povrat za račun {invoice} bit će na vašoj kartici do petka.", "Tehničar će doći u četvrtak između 10 i 12 sati.", "Javit ću vam novosti o narudžbi {order} do kraja tjedna."},
		resolved: []string{"Povrat {amount} za račun {invoice} je isplaćen.", "Narudžba {order} dostavljena je jutros.", "{item} je popravljen i na putu je prema vama.", "Linija je popravljena u ormariću; veza je stabilna već tri dana."},
		thanks:   []string{"Da, sada je riješeno, hvala.", "Primio sam, hvala na pomoći.", "Sve je u redu, puno hvala."},
	}
}

var items = [langCount][]string{
	{"washing machine", "laptop", "phone", "coffee machine", "television", "router"},
	{"pesumasin", "sülearvuti", "telefon", "kohvimasin", "teler", "ruuter"},
	{"perilica", "prijenosno računalo", "mobitel", "aparat za kavu", "televizor", "usmjerivač"},
}

var firstNames = [langCount][]string{
	{"Emma", "Oliver", "Sophie", "Jack", "Grace", "Harry", "Amelia", "George", "Lily", "Thomas", "Chloe", "James"},
	{"Mari", "Jaan", "Kadri", "Märt", "Liis", "Tõnu", "Kärt", "Priit", "Triin", "Andres", "Piret", "Jüri"},
	{"Ana", "Ivan", "Marija", "Luka", "Petra", "Josip", "Iva", "Marko", "Lucija", "Tomislav", "Maja", "Željko"},
}

var lastNames = [langCount][]string{
	{"Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Thomas", "Roberts", "Walker", "Wright", "Green", "Hall"},
	{"Tamm", "Saar", "Sepp", "Mägi", "Kask", "Kukk", "Rebane", "Ilves", "Pärn", "Koppel", "Õunapuu", "Lepik"},
	{"Horvat", "Kovačević", "Babić", "Marić", "Jurić", "Novak", "Kovačić", "Knežević", "Vuković", "Marković", "Petrović", "Tomić"},
}

var domains = [langCount][]string{{"example.com", "mail.example.co.uk"}, {"example.ee", "post.example.ee"}, {"example.hr", "net.example.hr"}}

// asciiFold turns a name into letters fit for an email address.
func asciiFold(s string) string {
	r := strings.NewReplacer("ä", "a", "ö", "o", "õ", "o", "ü", "u", "š", "s", "ž", "z", "č", "c", "ć", "c", "đ", "d", "Ä", "A", "Ö", "O", "Õ", "O", "Ü", "U", "Š", "S", "Ž", "Z", "Č", "C", "Ć", "C", "Đ", "D")
	return strings.ToLower(r.Replace(s))
}

// vars holds a case's placeholder values.
type vars map[string]string

func fill(tmpl string, v vars) string {
	if !strings.Contains(tmpl, "{") {
		return tmpl
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		b.WriteString(tmpl[:i])
		b.WriteString(v[tmpl[i+1:i+j]])
		tmpl = tmpl[i+j+1:]
	}
}

func pick(r *rand.Rand, lines []string) string { return lines[r.IntN(len(lines))] }

func money(l lang, cents int) string {
	switch l {
	case english:
		return fmt.Sprintf("€%d.%02d", cents/100, cents%100)
	default:
		return fmt.Sprintf("%d,%02d €", cents/100, cents%100)
	}
}
