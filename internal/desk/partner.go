package desk

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// KindPartnerAssigned is the record entry of a case handed to (or taken back from) a partner.
const KindPartnerAssigned EntryKind = "partner_assigned"

// Partner is an outside organisation (a contractor) that works on the cases handed to it.
type Partner struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Active    bool      `json:"active"` // false: the desk no longer hands it cases
	CreatedAt time.Time `json:"created_at"`
}

// ValidatePartner checks a partner organisation's name.
func ValidatePartner(name string, now time.Time) (Partner, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 200 {
		return Partner{}, Invalid("name", "a name of 1 to 200 characters is required")
	}
	return Partner{Name: name, Active: true, CreatedAt: now}, nil
}

// partnerWords is how each language tells the customer that a partner works on their case: the
// partner's name (then, for a step, its number and name as the customer reads it); that we stay
// responsible; that the partner's work is done.
var partnerWords = map[string]struct{ now, step, stays, done string }{
	"en": {"%s, contracted by us, now works on your case.", "%s, contracted by us, carries out step %d: %s.",
		" We stay responsible for it and follow it throughout.", "The work handed to our partner is done; we carry on ourselves."},
	"et": {"%s, kelle oleme lepingu alusel kaasanud, tegeleb nüüd teie juhtumiga.", "%s, kelle oleme lepingu alusel kaasanud, viib läbi etapi %d: %s.",
		" Vastutus jääb meile ja me jälgime tööd algusest lõpuni.", "Partnerile antud töö on tehtud; edasi jätkame ise."},
	"hr": {"%s, s kojim imamo ugovor, sada radi na vašem predmetu.", "%s, s kojim imamo ugovor, provodi korak %d: %s.",
		" Odgovornost ostaje na nama i pratimo rad od početka do kraja.", "Posao predan našem partneru je obavljen; dalje nastavljamo sami."},
}

// AssignPartner decides what handing a case to a partner does (p nil: taking it back). The
// owner stays the owner; the customer reads who now carries out the work, and which step, in
// their language (c.Reader).
func AssignPartner(c *Case, p *Partner, ct CaseType, step int, by Actor) ([]Draft, error) {
	w, ok := partnerWords[c.Reader.Lang]
	if !ok {
		w = partnerWords["en"]
	}
	if p == nil {
		if c.PartnerID == 0 {
			return nil, Invalid("partner_id", "the case is not handed to a partner")
		}
		c.PartnerID = 0
		return []Draft{{Kind: KindPartnerAssigned, Actor: by, Body: w.done, Data: PartnerAssignedData{PartnerID: 0}}}, nil
	}
	if p.ID == c.PartnerID {
		return nil, Invalid("partner_id", "the case is already with %s", p.Name)
	}
	body := fmt.Sprintf(w.now, p.Name)
	data := PartnerAssignedData{PartnerID: p.ID, Partner: p.Name}
	if step != 0 {
		if step < 1 || step > len(ct.Steps) {
			return nil, Invalid("step", "choose a step of the case's process (1 to %d)", len(ct.Steps))
		}
		body = fmt.Sprintf(w.step, p.Name, step, ct.Steps[step-1].In(c.Reader.Lang).Name)
		data.Step = step
	}
	c.PartnerID = p.ID
	return []Draft{{Kind: KindPartnerAssigned, Actor: by, Body: body + w.stays, Data: data}}, nil
}
