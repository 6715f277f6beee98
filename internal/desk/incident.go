package desk

import (
	"fmt"
	"strings"
	"time"
)

// Incidents (story 19): one fault many customers report. Their cases stay separate records,
// each with an entry linking it; the incident has an owner, a public status and promises of its
// own, made on every linked case as promises like any other, and each linked customer is told
// of a slip and of the fix once, in their language.

// Entry kinds of incidents and decisions.
const (
	KindIncidentLinked   EntryKind = "incident_linked"
	KindIncidentResolved EntryKind = "incident_resolved"
	KindDecisionMade     EntryKind = "decision_made"
	KindDecisionAsked    EntryKind = "decision_requested"
)

// IncidentState is whether an incident is still open.
type IncidentState string

// Incident states.
const (
	IncidentOpen     IncidentState = "open"
	IncidentResolved IncidentState = "resolved"
)

// Incident is a fault many customers report.
type Incident struct {
	ID           int64         `json:"id"`
	Title        string        `json:"title"`
	Area         string        `json:"area,omitempty"` // the affected service or region
	PublicStatus string        `json:"public_status"`
	TeamID       int64         `json:"team_id,omitempty"`
	Team         string        `json:"team,omitempty"`
	OwnerID      int64         `json:"owner_id"`
	State        IncidentState `json:"state"`
	Summary      string        `json:"summary,omitempty"`
	CreatedBy    int64         `json:"created_by"`
	CreatedAt    time.Time     `json:"created_at"`
	ResolvedAt   *time.Time    `json:"resolved_at,omitempty"`
}

// NewIncident is an incident an agent opens.
type NewIncident struct {
	Title, Area, PublicStatus, Team string
	OwnerID                         int64 // 0: whoever opens it
}

// ValidateIncident checks a new incident before anything is loaded.
func ValidateIncident(in NewIncident) (NewIncident, error) {
	var err error
	if in.Title, err = checkText("title", strings.TrimSpace(in.Title), 300, true); err != nil {
		return in, err
	}
	if in.Area, err = checkText("area", strings.TrimSpace(in.Area), 300, false); err != nil {
		return in, err
	}
	if in.PublicStatus, err = checkText("public_status", strings.TrimSpace(in.PublicStatus), 2000, false); err != nil {
		return in, err
	}
	in.Team = strings.TrimSpace(in.Team)
	return in, nil
}

// ValidateIncidentText checks a resolution's summary or a new public status (required).
func ValidateIncidentText(field, s string) (string, error) {
	return checkText(field, strings.TrimSpace(s), 8000, true)
}

// IncidentLinkedData is what an incident_linked entry keeps.
type IncidentLinkedData struct {
	IncidentID int64  `json:"incident_id"`
	Title      string `json:"title"`
}

// IncidentResolvedData is what an incident_resolved entry keeps.
type IncidentResolvedData struct {
	IncidentID int64 `json:"incident_id"`
	Told       bool  `json:"told,omitempty"` // this case's mail told the customer (once per customer)
}

func (IncidentLinkedData) entryKind() EntryKind   { return KindIncidentLinked }
func (IncidentResolvedData) entryKind() EntryKind { return KindIncidentResolved }

// LinkIncident is the entry linking a case to an incident: public, in the customer's words, so
// their report stays on their record as evidence of the fault.
func LinkIncident(c *Case, inc Incident, by Actor) Draft {
	return Draft{Kind: KindIncidentLinked, Actor: by, Body: fmt.Sprintf(c.Reader.incident().linked, inc.Title),
		Data: IncidentLinkedData{IncidentID: inc.ID, Title: inc.Title}}
}

// ResolveIncident is what the fix writes on a linked case: the entry, and (tell: this is the
// customer's first linked case) the message telling them, in their language.
func ResolveIncident(c *Case, inc Incident, by Actor, tell bool) []Draft {
	w := c.Reader.incident()
	out := []Draft{{Kind: KindIncidentResolved, Actor: by, Body: inc.Summary, Data: IncidentResolvedData{IncidentID: inc.ID, Told: tell}}}
	if tell {
		out = append(out, Draft{Kind: KindMessageOut, Actor: by, Body: fmt.Sprintf(w.fixed, inc.Title) + "\n\n" + inc.Summary})
	}
	return out
}

// IncidentSlipLead is what a slip of an incident's promise says before the agent's message,
// in the customer's language.
func (r Reader) IncidentSlipLead(title string) string {
	return fmt.Sprintf(r.incident().slipLead, title)
}

// IncidentStatusLine is how the portal names an incident and its public status.
func (r Reader) IncidentStatusLine(title, status string) string {
	if status == "" {
		return fmt.Sprintf(r.incident().linked, title)
	}
	return fmt.Sprintf(r.incident().status, title, status)
}

type incidentWords struct {
	linked, status, slipLead, fixed string
	// Decisions: granted, refused, pending (with when the customer will have it).
	granted, refused, pending, approved string
	kinds                               map[DecisionKind]string
	callback                            string // a call-back booked in the portal: when
}

func (r Reader) incident() *incidentWords {
	if w, ok := incidentWordsByLang[r.Lang]; ok {
		return w
	}
	return incidentWordsByLang["en"]
}

var incidentWordsByLang = map[string]*incidentWords{
	"en": {
		linked:   "Your case is linked to a known fault: %s.",
		status:   "Your case is linked to a known fault: %s. Status: %s",
		slipLead: "An update on the fault you reported (%s): it is not fixed yet, and our promise has moved.",
		fixed:    "The fault you reported (%s) has been fixed.",
		granted:  "We have granted your request for a %s of %s.",
		refused:  "We have refused your request for a %s of %s.",
		pending:  "Your request for a %s of %s needs a colleague's approval. You will have our decision by %s.",
		approved: "Reason: %s",
		kinds:    map[DecisionKind]string{DecisionCredit: "credit", DecisionRefund: "refund", DecisionWaiver: "waived fee"},
		callback: "We will call you back at %s.",
	},
	"et": {
		linked:   "Teie juhtum on seotud teadaoleva rikkega: %s.",
		status:   "Teie juhtum on seotud teadaoleva rikkega: %s. Olek: %s",
		slipLead: "Teade teie teatatud rikke kohta (%s): see ei ole veel parandatud ja meie lubaduse tähtaeg muutus.",
		fixed:    "Teie teatatud rike (%s) on parandatud.",
		granted:  "Rahuldasime teie taotluse: %s summas %s.",
		refused:  "Me ei rahuldanud teie taotlust: %s summas %s.",
		pending:  "Teie taotlus (%s summas %s) vajab kolleegi kinnitust. Saate meie otsuse hiljemalt %s.",
		approved: "Põhjus: %s",
		kinds:    map[DecisionKind]string{DecisionCredit: "hüvitis", DecisionRefund: "raha tagastamine", DecisionWaiver: "tasust loobumine"},
		callback: "Helistame teile tagasi: %s.",
	},
	"hr": {
		linked:   "Vaš je predmet povezan s poznatim kvarom: %s.",
		status:   "Vaš je predmet povezan s poznatim kvarom: %s. Stanje: %s",
		slipLead: "Obavijest o kvaru koji ste prijavili (%s): još nije otklonjen, a rok našeg obećanja je pomaknut.",
		fixed:    "Kvar koji ste prijavili (%s) je otklonjen.",
		granted:  "Odobrili smo vaš zahtjev: %s u iznosu od %s.",
		refused:  "Odbili smo vaš zahtjev: %s u iznosu od %s.",
		pending:  "Vaš zahtjev (%s u iznosu od %s) treba odobrenje kolege. Našu odluku dobit ćete najkasnije %s.",
		approved: "Razlog: %s",
		kinds:    map[DecisionKind]string{DecisionCredit: "odobrenje", DecisionRefund: "povrat novca", DecisionWaiver: "oslobođenje od naknade"},
		callback: "Nazvat ćemo vas: %s.",
	},
}

// CallbackWords are the words of a call-back the customer booked, as they read the time.
func (r Reader) CallbackWords(at time.Time, fallback *time.Location) string {
	return fmt.Sprintf(r.incident().callback, r.Stamp(at, fallback))
}

// Channels a case type is best served by (the new-request form says which).
const (
	ChannelWrite = "write"
	ChannelCall  = "call"
)
