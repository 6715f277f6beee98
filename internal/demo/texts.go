package demo

// The phrase tables the demo's texts are put together from. They are built by a function on
// each Seed, not held in package variables, so nothing in the package can change them.
//
// Placeholders in braces are filled per case (see caseVars). A line whose placeholder has no
// value for the case (a customer without an order number, say) is never chosen, nor is an
// issue whose problem needs such a value; an issue's subjects and actions each keep a line that
// needs no more than its problem.

// lang is the language a customer writes in.
type lang int

const (
	english lang = iota
	estonian
	croatian
)

// topic is what a case is about; it decides the team that owns it.
type topic int

const (
	billing topic = iota
	repair
	delivery
	cancellation
	topicCount
)

// caseTypes name the topics as case types on the desk.
func (t topic) caseType() string {
	return [...]string{"Billing dispute", "Hardware repair", "Late delivery", "Cancellation"}[t]
}

// team is the department that handles the topic.
func (t topic) team() string {
	return [...]string{teamBilling, teamRepairs, teamDeliveries, teamBilling}[t]
}

// item is a device sent for repair, in the grammatical forms the templates need.
type item struct {
	nom, gen, obj string   // "pesumasin", "pesumasina", "pesumasinat"
	faults        []string // what is wrong with it, as the customer puts it
}

// issue is one kind of trouble within a topic: the customer's first sentence, the subjects
// that go with it and what an agent does about it, kept together so a case reads as one story.
type issue struct {
	problem  string
	subjects []string
	actions  []string // what the agent did or will do, in replies and on calls
}

// topicTexts are the lines a case on one topic is made of.
type topicTexts struct {
	issues  []issue
	details []string // a supporting sentence: references, history, urgency
	asks    []string // what the customer wants
}

// langTexts is everything written in one language.
type langTexts struct {
	greetings []string // how a customer opens a message
	signoffs  []string // how a customer ends one ({name})
	followUps []string // a customer writing again

	replyOpen  []string // an agent's salutation ({name})
	replyAck   []string
	replyClose []string
	replySign  []string // ({agent}, {team})

	callHelloIn  []string // the agent answering an inbound call
	callHelloOut []string // the agent calling the customer
	callCustIn   []string // the customer's first words on an inbound call
	callCustOut  []string // …and on an outbound one
	callCheck    []string // the agent looking at the case
	callCustAsk  []string
	callClose    []string
	callCustBye  []string

	items  [3]item
	topics [topicCount]topicTexts
}

// phrases is the whole phrase book: English, Estonian and Croatian.
type phrases struct {
	langs        [3]langTexts
	notes        [topicCount][][]string // internal notes per issue, in English, the staff's common language
	notesAny     []string               // internal notes that fit any case
	summariesIn  []string               // summaries of inbound calls (English, for the staff)
	summariesOut []string
}

func newPhrases() *phrases {
	return &phrases{
		langs: [3]langTexts{englishTexts(), estonianTexts(), croatianTexts()},
		// Per topic and issue, in the order of the issues above.
		notes: [topicCount][][]string{
			billing: {
				{"Checked the payment log: two debits of {amount} on the same day. Refund requested from finance.", "The bank confirms both payments cleared."},
				{"The yearly service fee went out without the notice letter for this customer's segment. Expect more of these.", "Waiting for finance to confirm whether the fee was applied correctly."},
				{"Tariff was switched in the price-change batch; the contract says the old price holds until renewal.", "Asked finance for the debit history of account {acc}."},
				{"The refund of {amount} has sat in the approval queue for three weeks. Chased finance.", "This refund has been promised to the customer twice already."},
			},
			repair: {
				{"Workshop says the part is back-ordered; estimate 5-7 working days.", "The workshop queue is long this month; asked them to move this one up."},
				{"Same fault reported before on this {item_en}; a replacement makes more sense than another repair.", "Second repair of the same fault: replacement approved by {lead}."},
				{"Warranty confirmed from the purchase date on {ord}.", "Warranty checked: still valid for another eight months."},
				{"Technician's report: board damage, probably a power surge. He did not carry the part.", "The second visit needs a senior technician; checked the calendar for a slot."},
			},
			delivery: {
				{"Courier ticket opened; they say the parcel is sitting at the regional depot.", "Order {ord} was split into two parcels; only one has a tracking number."},
				{"Tracking {trk} shows no scan since dispatch. Chasing the courier.", "Courier says {trk} was mis-sorted and should be back on track tomorrow."},
				{"This delivery has been re-promised twice already. If it slips again, offer a replacement.", "Courier confirms a morning slot tomorrow."},
				{"The courier's proof of delivery shows a different house number.", "Offer a replacement if the courier has not found it by Friday."},
			},
			cancellation: {
				{"Contract end date confirmed; the final bill goes out next week.", "Contract {con} has a 30-day notice period; the dates check out."},
				{"Customer was charged after the notice period ended, so a refund is due.", "The cancellation letter was scanned but never actioned. Checking how many more are stuck."},
				{"The warehouse got the cancellation 40 minutes after the parcel left.", "Return label sent; refund once the parcel is back."},
				{"The cancellation form fails for accounts on old contracts; reported to the web team.", "Cancelled by hand for the customer."},
			},
		},
		notesAny: []string{
			"Customer prefers email to phone calls.",
			"Talked this one through with {lead}; fine to go ahead.",
			"Customer is upset. Keep replies short and give a clear date.",
			"Double-checked the customer's details against account {acc}.",
			"Reminder to self: follow up tomorrow morning if there is no answer.",
		},
		summariesIn: []string{
			"Customer called for an update. Explained where things stand and promised a written summary.",
			"Customer rang, unhappy about the delay. Apologised and confirmed the next step.",
			"Customer called to add details about the problem; noted them on the case.",
			"Customer phoned asking who is handling the case; explained and gave a date for the next update.",
		},
		summariesOut: []string{
			"Called the customer back as agreed and went through the solution; they are happy with it.",
			"Called to confirm the details; the customer confirmed account {acc} and asked for updates by email.",
			"Called to explain the delay and the new date; the customer accepted it.",
			"Called the customer to check that the fix worked; waiting for them to confirm in writing.",
		},
	}
}

func englishTexts() langTexts {
	return langTexts{
		greetings: []string{"Hello,", "Hi there,", "Good morning,", "Dear customer care team,"},
		signoffs:  []string{"Thanks,\n{name}", "Kind regards,\n{name}", "Best wishes,\n{name}", "{name}"},
		followUps: []string{
			"Any news on this? I have not heard back.",
			"Just checking in again: this is still not sorted.",
			"Thank you for the update. I will wait to hear from you.",
			"I phoned today and was told to write here instead. Please reply.",
			"Here is the information you asked for: my account number is {acc}.",
			"This is getting frustrating. I have been waiting {since} days now.",
			"Thanks, that makes sense. Please keep me posted.",
			"Sorry, one more thing: the order number is {ord}, in case it helps.",
		},
		replyOpen:  []string{"Hello {name},", "Hi {name},", "Dear {name},"},
		replyAck:   []string{"Thank you for getting in touch, and sorry for the trouble.", "I am sorry this has taken so long.", "Thanks for your patience while I looked into this."},
		replyClose: []string{"I will write again by tomorrow with an update.", "Please reply here if anything else comes up.", "Let me know if that works for you."},
		replySign:  []string{"Kind regards,\n{agent}, {team}", "Best wishes,\n{agent}\n{team} team"},

		callHelloIn:  []string{"Customer care, {agentfirst} speaking.", "Hello, you are through to {team}, this is {agentfirst}."},
		callHelloOut: []string{"Hello, this is {agentfirst} from customer care, calling about your case {ref}.", "Hi {name}, it's {agentfirst} from {team}. Is now a good time?"},
		callCustIn:   []string{"Hello, I am calling about my case {ref}.", "Hi, I wrote to you about a problem and wanted to chase it up."},
		callCustOut:  []string{"Yes, hello.", "Oh, thanks for calling back."},
		callCheck:    []string{"I have your case in front of me.", "Let me just pull up your details. Right."},
		callCustAsk:  []string{"All right. And when will I hear from you?", "OK. Can you put that in writing for me?"},
		callClose:    []string{"I will send you an email today with everything we discussed.", "You will have a written summary from me before the end of the day."},
		callCustBye:  []string{"Thank you, that helps.", "Fine, thanks. Bye."},

		items: [3]item{
			{"laptop", "laptop", "laptop", []string{"it will not switch on", "the screen stays black and the fan is very loud"}},
			{"phone", "phone", "phone", []string{"the screen flickers and the battery is empty within hours", "it no longer charges"}},
			{"washing machine", "washing machine", "washing machine", []string{"it stops in the middle of a wash and leaks water", "the drum does not turn"}},
		},
		topics: [topicCount]topicTexts{
			billing: {
				issues: []issue{
					{"I have been charged {amount} twice for the same invoice.",
						[]string{"Charged twice on my last invoice", "Double payment on account {acc}"},
						[]string{"I have checked account {acc} and can see the duplicate payment; the refund of {amount} is on its way.",
							"Finance has confirmed the double charge, and the money will be back in your account within five working days."}},
					{"My latest bill shows a fee of {amount} that nobody told me about.",
						[]string{"Unexpected fee on my bill", "Question about the invoice for account {acc}"},
						[]string{"The fee was added by mistake, and I have removed it from your next bill.",
							"The fee is the yearly service charge from your contract; as nobody warned you, I have asked finance to waive it this time."}},
					{"The direct debit took {amount}, but my plan should cost much less than that.",
						[]string{"Wrong amount taken by direct debit", "Question about the invoice for account {acc}"},
						[]string{"Your plan was moved to the wrong tariff after the price change; I have corrected it and the difference will be refunded.",
							"I have asked our finance team to check the amount and will write as soon as I hear back."}},
					{"You promised me a refund of {amount} three weeks ago and it has still not arrived.",
						[]string{"Refund still not received", "Where is my refund?"},
						[]string{"The refund was stuck waiting for an approval; it has now been sent and should reach your bank within three working days.",
							"I have asked finance to pay the refund today and will confirm once it has gone out."}},
				},
				details: []string{
					"My account number is {acc}.",
					"I can send a screenshot of my bank statement if you need it.",
					"This is the second time this has happened this year.",
					"I was told on the phone last week that it would be sorted out.",
				},
				asks: []string{"Please put this right and confirm it in writing.", "Could you explain what happened?", "I would like this corrected before the next payment is taken."},
			},
			repair: {
				issues: []issue{
					{"My {item} went in for repair two weeks ago and I have heard nothing since.",
						[]string{"{Item} repair is taking too long", "Repair status for order {ord}"},
						[]string{"Your {item} is with the workshop now; the technician expects to finish this week.",
							"We are waiting for a spare part, and I will tell you as soon as it arrives."}},
					{"My {item} was repaired last month, but the same fault is back.",
						[]string{"{Item} broken again after repair", "Same fault again on my {item}"},
						[]string{"As the same fault has come back, we will replace the {item} rather than repair it again.",
							"The repair is covered by the warranty, so the second visit costs you nothing."}},
					{"My {item} has stopped working and it is still under warranty.",
						[]string{"Warranty repair for my {item}", "{Item} stopped working"},
						[]string{"The repair is covered by the warranty, so there is nothing to pay.",
							"I have booked the warranty repair; we will send you the date and time by email."}},
					{"The technician came out but could not fix the {item}, and said someone would call me.",
						[]string{"Technician could not fix my {item}", "{Item} still broken after the technician's visit"},
						[]string{"I have booked a second visit with a senior technician, who will bring the part that was missing.",
							"We have ordered the spare part the technician needs, and I will tell you as soon as it arrives."}},
				},
				details: []string{
					"I bought it with order {ord}.",
					"I bought it from you last year.",
					"The fault: {fault}.",
					"I need it every day, so this is urgent.",
				},
				asks: []string{"When can I expect it to be fixed?", "Please tell me whether the warranty covers this.", "I would rather have a replacement than another repair."},
			},
			delivery: {
				issues: []issue{
					{"My order {ord} was due {days} days ago and still has not arrived.",
						[]string{"Order {ord} has not arrived", "Where is my parcel?"},
						[]string{"I have contacted the courier about order {ord}; they have promised delivery within two working days.",
							"The parcel was held at the depot by mistake and is out for delivery again."}},
					{"The tracking for {trk} has not moved for a week.",
						[]string{"Late delivery, tracking {trk}", "Parcel {trk} stuck in transit"},
						[]string{"The courier found parcel {trk} at their sorting centre; it is on its way again and should arrive within two working days.",
							"I have opened a trace with the courier for {trk} and will update you as soon as they answer."}},
					{"I was told the parcel would come by noon yesterday, then by the end of the day, and it is still not here.",
						[]string{"Delivery promised by noon, still waiting", "Where is my parcel?"},
						[]string{"I am sorry the date kept moving. The courier has now booked your delivery for tomorrow morning, and I will check myself that it arrives.",
							"If it has not arrived by Friday, I will send a replacement at our cost."}},
					{"The courier marked the parcel as delivered, but nothing came.",
						[]string{"Parcel marked delivered but never came", "Order {ord} shows as delivered, nothing received"},
						[]string{"The courier has opened an investigation; if the parcel is not found within three days, we will send a new one.",
							"The courier's photo shows the parcel at a different address; they are collecting it and will bring it to you."}},
				},
				details: []string{"I stayed home from work to receive it.", "It is a birthday present, so the date matters.", "Nobody answers the courier's phone number."},
				asks:    []string{"Please tell me where the parcel is and when it will really arrive.", "If it cannot be delivered this week, I want my money back.", "Please check with the courier and get back to me today."},
			},
			cancellation: {
				issues: []issue{
					{"I would like to cancel my contract {con} at the end of this month.",
						[]string{"Cancel my contract {con}", "Notice of cancellation for {con}"},
						[]string{"I have cancelled contract {con} from the end of the month, and you will receive the final bill by email.",
							"I have passed your request to the contracts team, who will confirm it in writing."}},
					{"I cancelled my subscription in writing last month, but I am still being charged.",
						[]string{"Still being charged after cancelling", "Cancellation not processed"},
						[]string{"Your cancellation letter was filed but never processed. I have done it now, and the charges after that date will be refunded within five working days.",
							"I have stopped the direct debit and asked finance to refund everything taken since your cancellation."}},
					{"I asked to cancel order {ord} before it shipped and it still went out.",
						[]string{"Order {ord} shipped despite cancellation", "Cancelled order was sent anyway"},
						[]string{"Please refuse the parcel or send it back with the free return label I have emailed you; the refund follows as soon as it reaches us.",
							"The cancellation reached the warehouse too late. Keep the parcel unopened and the courier will collect it at no cost to you."}},
					{"Your website will not let me cancel; it only shows an error.",
						[]string{"Please cancel my subscription", "Cannot cancel on your website"},
						[]string{"Thank you for telling us about the error. I have cancelled the subscription for you, and the final bill will come by email.",
							"I have passed your request to the contracts team, who will confirm it in writing."}},
				},
				details: []string{"My account number is {acc}.", "I have moved abroad and no longer need the service.", "The notice period in my contract is 30 days, and it has passed."},
				asks:    []string{"Please confirm the cancellation and the final bill in writing.", "Please refund what was taken after the cancellation date.", "Tell me what else you need from me to close this."},
			},
		},
	}
}

func estonianTexts() langTexts {
	return langTexts{
		greetings: []string{"Tere,", "Tere päevast!", "Lugupeetud klienditeenindus,"},
		signoffs:  []string{"Aitäh,\n{name}", "Parimate soovidega\n{name}", "Lugupidamisega\n{name}"},
		followUps: []string{
			"Kas on uudiseid? Ma pole vastust saanud.",
			"Kirjutan uuesti, sest asi on ikka lahendamata.",
			"Aitäh info eest. Ootan teie vastust.",
			"Helistasin täna ja mulle öeldi, et kirjutaksin siia. Palun vastake.",
			"Siin on teie küsitud info: minu kliendikonto number on {acc}.",
			"See hakkab juba ärritama. Ootan juba {since} päeva.",
			"Aitäh, sain aru. Palun hoidke mind kursis.",
			"Veel üks asi: tellimuse number on {ord}, kui sellest on abi.",
		},
		replyOpen:  []string{"Tere, {name}!", "Tere, {name}."},
		replyAck:   []string{"Aitäh, et meiega ühendust võtsite, ja vabandame ebamugavuste pärast.", "Vabandan, et see on nii kaua aega võtnud.", "Aitäh kannatlikkuse eest, uurisin asja."},
		replyClose: []string{"Kirjutan teile homseks uuesti.", "Kui tekib veel küsimusi, vastake palun siia.", "Andke teada, kas see sobib."},
		replySign:  []string{"Parimate soovidega\n{agent}", "Lugupidamisega\n{agent}, {team}"},

		callHelloIn:  []string{"Klienditeenindus, {agentfirst} kuuleb.", "Tere, siin {agentfirst} klienditeenindusest."},
		callHelloOut: []string{"Tere, siin {agentfirst} klienditeenindusest. Helistan teie pöördumise {ref} asjus.", "Tere, {name}! {agentfirst} klienditeenindusest. Kas teil on hetk aega?"},
		callCustIn:   []string{"Tere, helistan oma pöördumise {ref} pärast.", "Tere, kirjutasin teile probleemist ja tahtsin järele uurida."},
		callCustOut:  []string{"Jah, tere.", "Oi, aitäh, et tagasi helistasite."},
		callCheck:    []string{"Mul on teie pöördumine ees.", "Vaatan kohe teie andmed üle. Nii."},
		callCustAsk:  []string{"Hästi. Ja millal ma teist kuulen?", "Selge. Kas saate selle mulle kirjalikult saata?"},
		callClose:    []string{"Saadan teile täna e-kirja kõige arutatuga.", "Saate minult kirjaliku kokkuvõtte enne tööpäeva lõppu."},
		callCustBye:  []string{"Aitäh, see aitab.", "Hästi, aitäh. Head aega."},

		items: [3]item{
			{"sülearvuti", "sülearvuti", "sülearvutit", []string{"see ei lülitu sisse", "ekraan jääb mustaks ja ventilaator müriseb"}},
			{"telefon", "telefoni", "telefoni", []string{"ekraan vilgub ja aku saab paari tunniga tühjaks", "laadimine ei tööta"}},
			{"pesumasin", "pesumasina", "pesumasinat", []string{"see jääb poole pesu pealt seisma ja lekib", "trummel ei pöörle"}},
		},
		topics: [topicCount]topicTexts{
			billing: {
				issues: []issue{
					{"Minu kontolt võeti sama arve eest kaks korda {amount}.",
						[]string{"Arve eest võeti raha kaks korda", "Topeltmakse, konto {acc}"},
						[]string{"Kontrollisin kontot {acc} ja näen topeltmakset; {amount} on teile tagasi teel.",
							"Finantsosakond kinnitas topeltmakse ja raha jõuab teie kontole viie tööpäeva jooksul."}},
					{"Viimasel arvel on {amount} suurune tasu, millest mind ei teavitatud.",
						[]string{"Ootamatu tasu arvel", "Küsimus arve kohta, konto {acc}"},
						[]string{"Tasu lisati ekslikult ja eemaldasin selle teie järgmiselt arvelt.",
							"See on teie lepingu aastane teenustasu, kuid kuna teid ei teavitatud, palusin finantsosakonnal sellest seekord loobuda."}},
					{"Otsekorraldusega võeti {amount}, kuigi minu pakett peaks olema palju odavam.",
						[]string{"Otsekorraldusega võeti vale summa", "Küsimus arve kohta, konto {acc}"},
						[]string{"Hinnamuudatuse järel viidi teie pakett ekslikult teisele hinnakirjale; parandasin selle ja vahe makstakse tagasi.",
							"Palusin finantsosakonnal summa üle kontrollida ja kirjutan teile kohe, kui vastuse saan."}},
					{"Mulle lubati kolm nädalat tagasi {amount} tagasi maksta, aga raha pole siiani laekunud.",
						[]string{"Tagasimakse on siiani laekumata", "Kus on minu tagasimakse?"},
						[]string{"Tagasimakse ootas kinnitust; nüüd on see teele saadetud ja peaks kolme tööpäeva jooksul teie pangas olema.",
							"Palusin finantsosakonnal tagasimakse täna ära teha ja annan teada, kui see on välja läinud."}},
				},
				details: []string{
					"Minu kliendikonto number on {acc}.",
					"Saan vajadusel saata pangaväljavõtte.",
					"See juhtub juba teist korda sel aastal.",
					"Eelmisel nädalal öeldi mulle telefonis, et asi lahendatakse.",
				},
				asks: []string{"Palun parandage see ja kinnitage kirjalikult.", "Palun selgitage, mis juhtus.", "Soovin, et see parandataks enne järgmist makset."},
			},
			repair: {
				issues: []issue{
					{"Andsin oma {item_gen} kaks nädalat tagasi remonti ja pole sellest ajast midagi kuulnud.",
						[]string{"{Item_gen} remont venib", "Remondi seis, tellimus {ord}"},
						[]string{"Teie {item} on praegu töökojas; tehnik loodab selle sel nädalal valmis saada.",
							"Ootame varuosa ja annan teada kohe, kui see saabub."}},
					{"Mu {item} parandati eelmisel kuul, aga sama viga on tagasi.",
						[]string{"{Item} on pärast remonti jälle katki", "Sama viga kordub"},
						[]string{"Kuna sama viga tuli tagasi, asendame {item_gen} uuega, mitte ei paranda seda uuesti.",
							"Remont kuulub garantii alla, nii et teine külastus ei maksa teile midagi."}},
					{"Mu {item} lakkas töötamast ja sellel on veel garantii.",
						[]string{"Garantiiremont: {item}", "{Item} ei tööta"},
						[]string{"Remont kuulub garantii alla, nii et teil ei tule midagi maksta.",
							"Broneerisin garantiiremondi; saadame teile aja e-postiga."}},
					{"Tehnik käis kohal, kuid ei suutnud {item_obj} parandada ja ütles, et keegi helistab mulle.",
						[]string{"Tehnik ei saanud {item_obj} korda", "{Item} on pärast tehniku käiku ikka katki"},
						[]string{"Broneerisin teise külastuse vanemtehnikuga, kes toob puuduva osa kaasa.",
							"Tellisime tehnikule vajaliku varuosa ja annan teada kohe, kui see saabub."}},
				},
				details: []string{
					"Ostsin selle tellimusega {ord}.",
					"Ostsin selle teilt eelmisel aastal.",
					"Viga: {fault}.",
					"Vajan seda iga päev, nii et asi on kiire.",
				},
				asks: []string{"Millal see korda saab?", "Palun andke teada, kas see kuulub garantii alla.", "Eelistaksin uut seadet, mitte järjekordset remonti."},
			},
			delivery: {
				issues: []issue{
					{"Minu tellimus {ord} pidi kohale jõudma {days} päeva tagasi, aga pole siiani tulnud.",
						[]string{"Tellimus {ord} on siiani kohale jõudmata", "Kus mu pakk on?"},
						[]string{"Võtsin tellimuse {ord} asjus kulleriga ühendust; nad lubasid selle kahe tööpäeva jooksul kohale tuua.",
							"Pakk jäi ekslikult lattu ja on nüüd uuesti teel."}},
					{"Saadetise {trk} jälgimisinfo pole nädal aega muutunud.",
						[]string{"Hilinenud tarne, jälgimisnumber {trk}", "Saadetis {trk} on teel kinni"},
						[]string{"Kuller leidis saadetise {trk} oma sorteerimiskeskusest; see on uuesti teel ja peaks kahe tööpäeva jooksul kohale jõudma.",
							"Algatasin kulleri juures saadetise {trk} otsingu ja annan teada niipea, kui nad vastavad."}},
					{"Mulle lubati, et pakk tuleb eile lõunaks, siis et päeva lõpuks, ja seda pole ikka veel.",
						[]string{"Lubasite tarnida lõunaks, ootan siiani", "Kus mu pakk on?"},
						[]string{"Vabandan, et tarneaeg aina muutus. Kuller tarnib paki homme hommikul ja kontrollin ise, et see kohale jõuab.",
							"Kui see reedeks kohale ei jõua, saadame teile meie kulul uue."}},
					{"Kuller märkis paki kättetoimetatuks, aga ma ei saanud midagi.",
						[]string{"Pakk on märgitud kättetoimetatuks, aga ma pole seda saanud", "Tellimus {ord}: märgitud kohale toimetatuks, kuid pakki pole"},
						[]string{"Kuller alustas uurimist; kui pakki kolme päeva jooksul ei leita, saadame teile uue.",
							"Kulleri fotol on pakk teisel aadressil; nad toovad selle sealt ära ja toimetavad teile."}},
				},
				details: []string{"Jäin selle pärast töölt koju.", "See on sünnipäevakink, nii et kuupäev on oluline.", "Kulleri telefonile ei vasta keegi."},
				asks:    []string{"Palun öelge, kus pakk on ja millal see tegelikult kohale jõuab.", "Kui seda sel nädalal kohale ei tooda, soovin raha tagasi.", "Palun võtke kulleriga ühendust ja andke mulle täna teada."},
			},
			cancellation: {
				issues: []issue{
					{"Soovin oma lepingu {con} selle kuu lõpus lõpetada.",
						[]string{"Lepingu {con} lõpetamine", "Lepingu {con} ülesütlemine"},
						[]string{"Lõpetasin lepingu {con} kuu lõpust ja lõpparve saadetakse teile e-postiga.",
							"Edastasin teie soovi lepingute meeskonnale, kes kinnitab selle kirjalikult."}},
					{"Lõpetasin teenuse eelmisel kuul kirjalikult, aga minult võetakse ikka raha.",
						[]string{"Raha võetakse ka pärast lepingu lõpetamist", "Lõpetamise avaldust pole töödeldud"},
						[]string{"Teie avaldus registreeriti, kuid jäi töötlemata. Tegin selle nüüd ära ja pärast seda kuupäeva võetud summad tagastatakse viie tööpäeva jooksul.",
							"Peatasin otsekorralduse ja palusin finantsosakonnal tagastada kõik pärast lõpetamist võetud summad."}},
					{"Palusin tellimuse {ord} tühistada enne väljasaatmist, kuid see saadeti ikkagi teele.",
						[]string{"Tellimus {ord} saadeti hoolimata tühistamisest", "Tühistatud tellimus saadeti ikkagi"},
						[]string{"Palun keelduge pakist või saatke see tagasi tasuta tagastussildiga, mille teile e-postiga saatsin; raha tagastame kohe, kui pakk meieni jõuab.",
							"Tühistamine jõudis lattu liiga hilja. Jätke pakk avamata ja kuller tuleb sellele tasuta järele."}},
					{"Teie veebilehel ei saa teenust lõpetada, kuvatakse ainult veateade.",
						[]string{"Palun lõpetage minu teenus", "Veebilehel ei saa teenust lõpetada"},
						[]string{"Aitäh, et veast teada andsite. Lõpetasin teenuse teie eest ja lõpparve tuleb e-postiga.",
							"Edastasin teie soovi lepingute meeskonnale, kes kinnitab selle kirjalikult."}},
				},
				details: []string{"Minu kliendikonto number on {acc}.", "Kolisin välismaale ega vaja teenust enam.", "Lepingu etteteatamisaeg on 30 päeva ja see on möödas."},
				asks:    []string{"Palun kinnitage lõpetamine ja lõpparve kirjalikult.", "Palun tagastage pärast lõpetamise kuupäeva võetud summa.", "Andke teada, mida te minult veel vajate, et asi lõpetada."},
			},
		},
	}
}

// croatianTexts avoid the past tense in the customer's own voice, whose form would depend on
// the customer's gender.
func croatianTexts() langTexts {
	return langTexts{
		greetings: []string{"Poštovani,", "Dobar dan,", "Pozdrav,"},
		signoffs:  []string{"Hvala,\n{name}", "Lijep pozdrav,\n{name}", "S poštovanjem,\n{name}"},
		followUps: []string{
			"Ima li novosti? Nitko mi se nije javio.",
			"Ponovno pišem jer problem još nije riješen.",
			"Hvala na informaciji. Čekam vaš odgovor.",
			"Danas mi je na telefonu rečeno da pišem ovdje. Molim odgovor.",
			"Evo podataka koje ste tražili: moj korisnički broj je {acc}.",
			"Ovo je već frustrirajuće. Čekam već {since} dana.",
			"Hvala, razumijem. Molim vas da me obavještavate.",
			"Još nešto: broj narudžbe je {ord}, ako vam pomaže.",
		},
		replyOpen:  []string{"Dobar dan, {name},", "Pozdrav, {name},"},
		replyAck:   []string{"Hvala što ste nam se javili i ispričavamo se zbog neugodnosti.", "Žao mi je što je ovo toliko potrajalo.", "Hvala na strpljenju, sada imam više informacija."},
		replyClose: []string{"Javit ću vam se ponovno do sutra.", "Ako imate još pitanja, odgovorite na ovu poruku.", "Javite mi odgovara li vam to."},
		replySign:  []string{"Lijep pozdrav,\n{agent}", "S poštovanjem,\n{agent}, {team}"},

		callHelloIn:  []string{"Korisnička služba, izvolite, {agentfirst} pri telefonu.", "Dobar dan, ovdje {agentfirst} iz korisničke službe."},
		callHelloOut: []string{"Dobar dan, ovdje {agentfirst} iz korisničke službe, zovem u vezi vašeg predmeta {ref}.", "Dobar dan, {name}, ovdje {agentfirst}. Imate li trenutak?"},
		callCustIn:   []string{"Dobar dan, zovem u vezi svog predmeta {ref}.", "Dobar dan, zovem vezano uz svoju poruku o problemu."},
		callCustOut:  []string{"Da, izvolite.", "O, hvala što ste nazvali."},
		callCheck:    []string{"Imam vaš predmet pred sobom.", "Samo da pogledam vaše podatke. Tako."},
		callCustAsk:  []string{"U redu. Kada mogu očekivati novosti?", "Dobro. Možete li mi to poslati i pisanim putem?"},
		callClose:    []string{"Danas ću vam poslati e-poruku sa svime što smo dogovorili.", "Do kraja dana dobit ćete od mene pisani sažetak."},
		callCustBye:  []string{"Hvala, to mi pomaže.", "Dobro, hvala. Doviđenja."},

		items: [3]item{
			{"laptop", "laptopa", "laptop", []string{"ne uključuje se", "ekran ostaje crn, a ventilator jako buči"}},
			{"mobitel", "mobitela", "mobitel", []string{"ekran treperi, a baterija se isprazni za nekoliko sati", "ne puni se"}},
			{"perilica rublja", "perilice rublja", "perilicu rublja", []string{"staje usred pranja i curi voda", "bubanj se ne okreće"}},
		},
		topics: [topicCount]topicTexts{
			billing: {
				issues: []issue{
					{"Za isti račun naplaćeno mi je dvaput po {amount}.",
						[]string{"Račun mi je naplaćen dvaput", "Dvostruka naplata, korisnički broj {acc}"},
						[]string{"Na računu {acc} vidi se dvostruka uplata; povrat od {amount} je u tijeku.",
							"Financijski odjel potvrdio je dvostruku naplatu i novac će vam biti vraćen u roku od pet radnih dana."}},
					{"Na zadnjem računu vidim naknadu od {amount} o kojoj me nitko nije obavijestio.",
						[]string{"Neočekivana naknada na računu", "Upit o računu za korisnički broj {acc}"},
						[]string{"Naknada je dodana greškom i uklonjena je s vašeg sljedećeg računa.",
							"Riječ je o godišnjoj naknadi iz ugovora, ali budući da niste bili obaviješteni, financijski odjel će je ovaj put otpisati."}},
					{"Trajnim nalogom skinuto mi je {amount}, a moj paket bi trebao biti puno jeftiniji.",
						[]string{"Skinut je pogrešan iznos", "Upit o računu za korisnički broj {acc}"},
						[]string{"Nakon promjene cijena vaš je paket greškom prebačen na drugu tarifu; to je ispravljeno i razlika će vam biti vraćena.",
							"Financijski odjel provjerava iznos i javit ću vam se čim dobijem odgovor."}},
					{"Prije tri tjedna obećan mi je povrat od {amount}, ali novac još nije stigao.",
						[]string{"Povrat novca još nije stigao", "Gdje je moj povrat novca?"},
						[]string{"Povrat je čekao odobrenje; sada je poslan i trebao bi stići na vaš račun u roku od tri radna dana.",
							"Financijski odjel danas će isplatiti povrat, a ja ću vam potvrditi kad novac bude poslan."}},
				},
				details: []string{
					"Moj korisnički broj je {acc}.",
					"Ako treba, mogu poslati izvod iz banke.",
					"Ovo se događa već drugi put ove godine.",
					"Prošli tjedan mi je na telefonu rečeno da će se to riješiti.",
				},
				asks: []string{"Molim vas da to ispravite i potvrdite pisanim putem.", "Možete li mi objasniti što se dogodilo?", "Želim da se to ispravi prije sljedeće naplate."},
			},
			repair: {
				issues: []issue{
					{"Već dva tjedna čekam popravak {item_gen} i nitko mi se ne javlja.",
						[]string{"Popravak {item_gen} predugo traje", "Status popravka za narudžbu {ord}"},
						[]string{"Uređaj je sada u servisu i serviser očekuje da će popravak biti gotov ovaj tjedan.",
							"Čekamo rezervni dio i javit ću vam se čim stigne."}},
					{"Prošli mjesec bio je servis, ali ista se greška ponovno pojavila.",
						[]string{"{Item} opet ne radi nakon popravka", "Ista greška ponovno"},
						[]string{"Budući da se ista greška vratila, uređaj ćemo zamijeniti novim umjesto ponovnog popravka.",
							"Popravak je pokriven jamstvom pa vas drugi dolazak servisera ništa ne košta."}},
					{"{Item} ne radi, a još je pod jamstvom.",
						[]string{"Jamstveni popravak: {item}", "{Item} ne radi"},
						[]string{"Popravak je pokriven jamstvom pa ne morate ništa platiti.",
							"Jamstveni popravak je naručen; termin ćemo vam poslati e-poštom."}},
					{"Serviser je bio kod mene, ali nije uspio popraviti {item_obj} i rekao je da će me netko nazvati.",
						[]string{"Serviser nije uspio popraviti {item_obj}", "{Item} i dalje ne radi nakon dolaska servisera"},
						[]string{"Dogovoren je drugi dolazak iskusnijeg servisera koji će donijeti dio koji je nedostajao.",
							"Naručili smo rezervni dio koji serviseru treba i javit ću vam se čim stigne."}},
				},
				details: []string{
					"Uređaj je kupljen uz narudžbu {ord}.",
					"Uređaj je kupljen kod vas prošle godine.",
					"Kvar: {fault}.",
					"Uređaj mi treba svaki dan pa je hitno.",
				},
				asks: []string{"Kada mogu očekivati da će biti popravljeno?", "Molim vas da mi javite pokriva li to jamstvo.", "Želim zamjenski uređaj umjesto novog popravka."},
			},
			delivery: {
				issues: []issue{
					{"Moja narudžba {ord} trebala je stići prije {days} dana, a još je nema.",
						[]string{"Narudžba {ord} nije stigla", "Gdje je moj paket?"},
						[]string{"Kontaktirali smo dostavnu službu u vezi narudžbe {ord}; obećali su dostavu u roku od dva radna dana.",
							"Paket je greškom ostao u skladištu i ponovno je krenuo prema vama."}},
					{"Praćenje pošiljke {trk} nije se pomaknulo tjedan dana.",
						[]string{"Kašnjenje dostave, broj za praćenje {trk}", "Pošiljka {trk} je zapela"},
						[]string{"Dostavna služba pronašla je pošiljku {trk} u svom sortirnom centru; ponovno je na putu i trebala bi stići u roku od dva radna dana.",
							"Pokrenuli smo potragu za pošiljkom {trk} i javit ću vam se čim dostavna služba odgovori."}},
					{"Rečeno mi je da paket stiže jučer do podneva, zatim do kraja dana, a još ga nema.",
						[]string{"Dostava obećana do podneva, još čekam", "Gdje je moj paket?"},
						[]string{"Ispričavam se zbog stalnog pomicanja roka. Dostava je sada dogovorena za sutra ujutro i osobno ću provjeriti je li paket stigao.",
							"Ako ne stigne do petka, poslat ćemo novi o našem trošku."}},
					{"Dostavljač je paket označio kao isporučen, ali meni nije stigao.",
						[]string{"Paket označen kao dostavljen, a nije stigao", "Narudžba {ord} prikazana kao isporučena, ali nije stigla"},
						[]string{"Dostavna služba pokrenula je istragu; ako se paket ne pronađe u roku od tri dana, poslat ćemo vam novi.",
							"Na fotografiji dostavljača paket je na drugoj adresi; preuzet će ga i dostaviti vama."}},
				},
				details: []string{"Cijeli dan čekam kod kuće.", "To je rođendanski poklon pa mi je datum važan.", "Na broj dostavne službe nitko se ne javlja."},
				asks:    []string{"Molim vas da mi javite gdje je paket i kada će stvarno stići.", "Ako ne može biti dostavljen ovaj tjedan, želim povrat novca.", "Molim vas da provjerite s dostavljačem i javite mi se danas."},
			},
			cancellation: {
				issues: []issue{
					{"Želim raskinuti ugovor {con} s krajem ovog mjeseca.",
						[]string{"Raskid ugovora {con}", "Otkaz ugovora {con}"},
						[]string{"Ugovor {con} raskinut je s krajem mjeseca, a završni račun stići će vam e-poštom.",
							"Vaš zahtjev proslijeđen je timu za ugovore koji će ga pisano potvrditi."}},
					{"Pretplata je prošli mjesec otkazana pisanim putem, ali naplate i dalje stižu.",
						[]string{"Naplata i nakon otkaza", "Otkaz nije proveden"},
						[]string{"Vaš je otkaz zaprimljen, ali nije bio obrađen. Sada je proveden, a iznosi naplaćeni nakon tog datuma bit će vraćeni u roku od pet radnih dana.",
							"Trajni nalog je zaustavljen, a financijski odjel vratit će sve što je naplaćeno nakon otkaza."}},
					{"Otkaz narudžbe {ord} poslan je prije otpreme, ali je narudžba ipak poslana.",
						[]string{"Narudžba {ord} poslana unatoč otkazu", "Otkazana narudžba ipak je poslana"},
						[]string{"Molim vas da odbijete paket ili ga vratite s besplatnom povratnom naljepnicom koja vam je poslana e-poštom; novac vraćamo čim paket stigne k nama.",
							"Otkaz je u skladište stigao prekasno. Ne otvarajte paket i dostavljač će ga besplatno preuzeti."}},
					{"Na vašoj web stranici ne mogu otkazati uslugu, prikazuje se samo greška.",
						[]string{"Molim otkazivanje pretplate", "Otkaz na web stranici ne radi"},
						[]string{"Hvala što ste nas upozorili na grešku. Pretplata je otkazana, a završni račun stići će vam e-poštom.",
							"Vaš zahtjev proslijeđen je timu za ugovore koji će ga pisano potvrditi."}},
				},
				details: []string{"Moj korisnički broj je {acc}.", "Selim se u inozemstvo i usluga mi više ne treba.", "Otkazni rok u ugovoru je 30 dana i već je prošao."},
				asks:    []string{"Molim pisanu potvrdu otkaza i završnog računa.", "Molim povrat iznosa naplaćenog nakon datuma otkaza.", "Javite mi što vam još treba od mene da se ovo zatvori."},
			},
		},
	}
}
