package desk

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// What an entry keeps besides its text: one type per kind of entry, written by the rules that
// make the entry and read back with DataOf.
//
// An entry's data is part of the bytes its hash is taken over, and the records already written
// hold the data as a map[string]any marshalled it: keys in sorted order, every key the writer
// set. So each type marshals to exactly those bytes: its fields are declared in the sorted
// order of their JSON names, a field is omitempty (omitzero for times) exactly where the writer
// left the key out, and numbers keep their Go types (ids int64, counts int). entrydata_test.go
// holds every type to the map it replaces, and the service's record story to the records
// written before. A new field goes in its sorted place; a key's name or type never changes.

// EntryData is the data of one kind of entry. Only this package's types are EntryData, so a
// draft's data always has its kind's shape.
type EntryData interface {
	entryKind() EntryKind
}

// DataOf reads an entry's data as its kind's type. ok is false when the entry is of another
// kind than T is for, or its data does not read as T; an entry of T's kind without data reads
// as T's zero value.
func DataOf[T EntryData](e Entry) (T, bool) {
	var d T
	if e.Kind != d.entryKind() {
		return d, false
	}
	if len(e.Data) == 0 || string(e.Data) == "null" {
		return d, true
	}
	if err := json.Unmarshal(e.Data, &d); err != nil {
		var zero T
		return zero, false
	}
	return d, true
}

// ReadData reads any entry's data as its kind's type (a MessageInData for a message_in, say).
// It is nil for a kind that keeps none (notes) and for an entry without data; an error when
// the data does not read as its kind's type.
func ReadData(e Entry) (EntryData, error) {
	read, ok := dataReaders[e.Kind]
	if !ok || len(e.Data) == 0 || string(e.Data) == "null" {
		return nil, nil
	}
	d, ok := read(e)
	if !ok {
		return nil, fmt.Errorf("%s seq %d: the %s data %.80s does not read", CaseRef(e.CaseID), e.Seq, e.Kind, e.Data)
	}
	return d, nil
}

func reader[T EntryData]() func(Entry) (EntryData, bool) {
	return func(e Entry) (EntryData, bool) { return DataOf[T](e) }
}

// dataReaders reads each kind's data; a kind not here keeps none.
var dataReaders = map[EntryKind]func(Entry) (EntryData, bool){
	KindMessageIn: reader[MessageInData](), KindMessageOut: reader[MessageOutData](), KindCall: reader[CallData](),
	KindNote: reader[NoteData](), KindImported: reader[ImportedData](),
	KindPromiseMade: reader[PromiseMadeData](), KindPromiseKept: reader[PromiseKeptData](),
	KindPromiseSlipped: reader[PromiseSlippedData](), KindPromiseBroken: reader[PromiseBrokenData](),
	KindEscalated: reader[EscalatedData](), KindHandover: reader[HandoverData](), KindIntroduction: reader[IntroductionData](),
	KindStatusChanged: reader[StatusChangedData](), KindResolutionAsked: reader[ResolutionAskedData](),
	KindResolutionConfirmed: reader[ResolutionConfirmedData](), KindResolutionRejected: reader[ResolutionRejectedData](),
	KindReferenceAdded: reader[ReferenceAddedData](), KindDocumentAdded: reader[DocumentAddedData](),
	KindPartnerAssigned: reader[PartnerAssignedData](), KindStepChanged: reader[StepChangedData](), KindQueued: reader[QueuedData](),
	KindHandoverAsked: reader[HandoverAskedData](), KindHandoverAgreed: reader[HandoverAgreedData](),
	KindHandoverDeclined: reader[HandoverDeclinedData](), KindDeliveryFailed: reader[DeliveryFailedData](),
	KindRatingGiven:     reader[RatingGivenData](),
	KindPriorityChanged: reader[PriorityChangedData](), KindTagsChanged: reader[TagsChangedData](),
	KindTypeChanged: reader[TypeChangedData](), KindTeamChanged: reader[TeamChangedData](),
	KindRecordingAdded: reader[RecordingAddedData](),
	KindCopiesChanged:  reader[CopiesChangedData](), KindWaitingChanged: reader[WaitingChangedData](), KindMerged: reader[MergedData](),
}

// marshalData is a draft's data as its entry keeps it: nil when there is none, as for an
// empty map before.
func marshalData(kind EntryKind, d EntryData) (json.RawMessage, error) {
	if d == nil {
		return nil, nil
	}
	if k := d.entryKind(); k != kind {
		return nil, fmt.Errorf("%s entry given the data of a %s entry", kind, k)
	}
	b, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("encode %s entry data: %w", kind, err)
	}
	if string(b) == "{}" {
		return nil, nil
	}
	return b, nil
}

// Instant is a time as entry data keeps it: RFC 3339 in UTC, to the second.
type Instant time.Time

// InstantOf is t as entry data keeps it.
func InstantOf(t time.Time) Instant { return Instant(t) }

// Time is the instant as a time.Time (zero when the data named none).
func (i Instant) Time() time.Time { return time.Time(i) }

// IsZero reports whether no time was given (the key is then left out).
func (i Instant) IsZero() bool { return time.Time(i).IsZero() }

// MarshalText writes the time as the desk always has: t.UTC().Format(time.RFC3339).
func (i Instant) MarshalText() ([]byte, error) {
	return time.Time(i).UTC().AppendFormat(nil, time.RFC3339), nil
}

// UnmarshalText reads an RFC 3339 time, or one past the year 9999 as MarshalText writes it.
func (i *Instant) UnmarshalText(b []byte) error {
	t, err := time.Parse(time.RFC3339, string(b))
	if err != nil {
		var ok bool
		if t, ok = parseLongYear(string(b)); !ok {
			return err
		}
	}
	*i = Instant(t)
	return nil
}

// parseLongYear reads a time whose year has more than four digits, which RFC 3339 cannot
// hold but Format writes: a due time of 9999-12-31T23:59:59-07:00 is in the year 10000 in UTC.
func parseLongYear(s string) (time.Time, bool) {
	dash := strings.IndexByte(s, '-')
	if dash <= 4 {
		return time.Time{}, false
	}
	year, err := strconv.Atoi(s[:dash])
	if err != nil {
		return time.Time{}, false
	}
	// 2000 is a leap year, as every year past 9999 divisible by 400 is: 29 February reads too.
	t, err := time.Parse(time.RFC3339, "2000"+s[dash:])
	if err != nil {
		return time.Time{}, false
	}
	return t.AddDate(year-2000, 0, 0), true
}

// MessageInData is what a customer's message keeps besides its words. A case opened by hand
// (web, phone, API) names its subject and who took the words down; a mail names where it is
// stored whole (MailID), the SHA-256 of its bytes as they arrived, its headers, what came with
// it and the verdict on its sender. A customer's later message written in the desk keeps none.
type MessageInData struct {
	Attachments      []string  `json:"attachments,omitempty"` // the mail's attachments' file names, in order
	Auth             *MailAuth `json:"auth,omitempty"`
	Automatic        bool      `json:"automatic,omitempty"` // an out-of-office or a bounce
	Files            []File    `json:"files,omitempty"`     // attachments brought in by kept import
	From             string    `json:"from,omitempty"`      // the From: address
	HTML             bool      `json:"html,omitempty"`      // the mail has an HTML part to show
	MailID           int64     `json:"mail_id,omitempty"`
	MessageID        string    `json:"message_id,omitempty"`
	Problems         []string  `json:"problems,omitempty"` // what was wrong with the mail as it came
	RecordedBy       string    `json:"recorded_by,omitempty"`
	SHA256           string    `json:"sha256,omitempty"`
	Subject          string    `json:"subject,omitempty"`
	UnverifiedSender bool      `json:"unverified_sender,omitempty"` // the sender is not who From: says, as far as the desk can tell
}

// messageInMail is MessageInData's shape for a mail: a mail's record names its stored mail,
// hash, verdict and headers even when a header is empty (a mail without a Message-ID or a
// subject keeps "" for it). The fields are MessageInData's, so one converts to the other.
type messageInMail struct {
	Attachments      []string  `json:"attachments,omitempty"`
	Auth             *MailAuth `json:"auth"`
	Automatic        bool      `json:"automatic,omitempty"`
	Files            []File    `json:"files,omitempty"`
	From             string    `json:"from"`
	HTML             bool      `json:"html,omitempty"`
	MailID           int64     `json:"mail_id"`
	MessageID        string    `json:"message_id"`
	Problems         []string  `json:"problems,omitempty"`
	RecordedBy       string    `json:"recorded_by,omitempty"`
	SHA256           string    `json:"sha256"`
	Subject          string    `json:"subject"`
	UnverifiedSender bool      `json:"unverified_sender,omitempty"`
}

// FromMail reports whether the message came by mail (and so names a stored mail).
func (d MessageInData) FromMail() bool { return d.MailID != 0 }

// MarshalJSON writes a mail's data in the mail's shape, anything else with what it has.
func (d MessageInData) MarshalJSON() ([]byte, error) {
	if d.FromMail() {
		return json.Marshal(messageInMail(d))
	}
	type plain MessageInData // without this method
	return json.Marshal(plain(d))
}

// MailAuth is the verdict on a mail's sender as its entry keeps it (mail.Auth.Data).
type MailAuth struct {
	Aligned        bool     `json:"aligned"` // SPF or a DKIM signature passed for the From: domain
	By             string   `json:"by"`      // who checked: "kept", or the MTA whose Authentication-Results were trusted
	DKIM           []string `json:"dkim,omitempty"`
	DMARC          string   `json:"dmarc,omitempty"`
	EnvelopeDomain string   `json:"envelope_domain,omitempty"`
	FromDomain     string   `json:"from_domain"`
	Reason         string   `json:"reason,omitempty"`
	SPF            string   `json:"spf,omitempty"`
	Verified       bool     `json:"verified"` // the desk takes the From: as the sender
}

// MessageOutData marks a message to the customer that is an offer, or that tells them a
// promise moved. Other messages keep none.
type MessageOutData struct {
	Files     []File `json:"files,omitempty"` // attachments brought in by kept import
	Offer     bool   `json:"offer,omitempty"`
	PromiseID int64  `json:"promise_id,omitempty"` // the slipped promise the message explains (never 0 then)
}

// CallData is a logged phone call.
type CallData struct {
	At         Instant `json:"at"`        // when the call started
	Direction  string  `json:"direction"` // inbound or outbound
	DurationS  int     `json:"duration_s"`
	Transcript string  `json:"transcript,omitempty"`
}

// PromiseMadeData names a promise made.
type PromiseMadeData struct {
	DueAt     Instant     `json:"due_at"`
	Kind      PromiseKind `json:"kind"`
	OwnerID   int64       `json:"owner_id"`
	Place     string      `json:"place,omitempty"`
	PromiseID int64       `json:"promise_id"`
}

// PromiseKeptData names a promise kept.
type PromiseKeptData struct {
	DueAt     Instant `json:"due_at"`
	PromiseID int64   `json:"promise_id"`
}

// PromiseSlippedData is a promise's due time moved, and why.
// When the words were restated for the new time, Words are the new ones and EarlierWords those
// they replace (both empty otherwise, so entries written before restating hash as they did).
type PromiseSlippedData struct {
	EarlierWords string  `json:"earlier_words,omitempty"`
	From         Instant `json:"from"`
	PromiseID    int64   `json:"promise_id"`
	Reason       string  `json:"reason"`
	Slips        int     `json:"slips"` // the promise's slips, this one included
	To           Instant `json:"to"`
	Words        string  `json:"words,omitempty"`
}

// PromiseBrokenData names a promise broken at its due time.
type PromiseBrokenData struct {
	DueAt     Instant `json:"due_at"`
	PromiseID int64   `json:"promise_id"`
	Slips     int     `json:"slips"`
}

// EscalatedData is a climb up the ladder: from whom to whom and why. At the top the case stays
// with its owner (Top) and the rung does not move.
type EscalatedData struct {
	FromOwner int64  `json:"from_owner"`
	Rung      int    `json:"rung,omitempty"` // the case's rung after the climb (1 or more)
	ToOwner   int64  `json:"to_owner"`
	Top       bool   `json:"top,omitempty"`
	Trigger   string `json:"trigger"` // one of the Trigger constants
}

// HandoverData is a case moved to a colleague.
type HandoverData struct {
	AgreementEntryID int64   `json:"agreement_entry_id,omitempty"` // the customer's entry agreeing to go down the ladder
	BelowRung        bool    `json:"below_rung,omitempty"`         // it went below the case's rung, as agreed
	Deputy           bool    `json:"deputy,omitempty"`             // below the rung, to the deputy of an owner nobody stands above, for their absence
	From             int64   `json:"from"`
	Missing          bool    `json:"missing,omitempty"` // the owner went away without a briefing
	To               int64   `json:"to"`
	Until            Instant `json:"until,omitzero"` // when a temporary hand-over ends
}

// HandoverAskedData is the desk's question to the customer: may the case go down to a colleague
// (To) from its owner (From), below the rung (Rung) its escalation at EscalationSeq brought it
// to with Holder.
type HandoverAskedData struct {
	EscalationSeq int64 `json:"escalation_seq"`
	From          int64 `json:"from"`
	Holder        int64 `json:"holder"`
	Rung          int   `json:"rung"`
	To            int64 `json:"to"`
}

// HandoverAnswer is the customer's answer to the question at AskedSeq, about the colleague To,
// given Via the portal or a link: the data of handover_agreed and handover_declined.
type HandoverAnswer struct {
	AskedSeq int64  `json:"asked_seq"`
	To       int64  `json:"to"`
	Via      string `json:"via"`
}

// HandoverAgreedData is the customer's agreement (HandoverAnswer).
type HandoverAgreedData struct{ HandoverAnswer }

// HandoverDeclinedData is the customer's refusal (HandoverAnswer).
type HandoverDeclinedData struct{ HandoverAnswer }

// AnswerOf reads a customer's answer to the desk's question (either kind).
func AnswerOf(e Entry) (HandoverAnswer, bool) {
	if d, ok := DataOf[HandoverAgreedData](e); ok {
		return d.HandoverAnswer, true
	}
	d, ok := DataOf[HandoverDeclinedData](e)
	return d.HandoverAnswer, ok
}

// IntroductionData names who the customer has just met on their case.
type IntroductionData struct {
	AgentID    int64   `json:"agent_id"`
	Owner      bool    `json:"owner"`
	PromiseIDs []int64 `json:"promise_ids,omitempty"` // the promises they keep from now on, when introduced for them
	Role       Role    `json:"role"`
	Team       string  `json:"team"`
	Until      Instant `json:"until,omitzero"` // when a temporary owner stops
}

// StatusChangedData is a case's status before and after.
type StatusChangedData struct {
	From Status `json:"from"`
	To   Status `json:"to"`
}

// ResolutionAskedData is the resolution proposed to the customer.
type ResolutionAskedData struct {
	Summary string `json:"summary"`
}

// ResolutionConfirmedData is the resolution the customer confirmed, and how they answered:
// Via the portal, a mailed link or a reply (whose stored mail MailID names); none for answers
// recorded before the desk noted it.
type ResolutionConfirmedData struct {
	MailID     int64  `json:"mail_id,omitempty"`
	RecordedBy string `json:"recorded_by,omitempty"` // an integration that answered for the customer
	Summary    string `json:"summary"`
	Via        string `json:"via,omitempty"`
}

// ResolutionRejectedData puts the customer's original request beside the answer they rejected,
// and says how they answered (as ResolutionConfirmedData).
type ResolutionRejectedData struct {
	MailID          int64  `json:"mail_id,omitempty"`
	OriginalRequest string `json:"original_request"`
	RecordedBy      string `json:"recorded_by,omitempty"` // an integration that answered for the customer
	RejectedAnswer  string `json:"rejected_answer"`
	Via             string `json:"via,omitempty"`
}

// ReferenceAddedData is a reference given with a case.
type ReferenceAddedData struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

// RecordingAddedData names a call's recording: the call's seq, the document it is kept as and
// the SHA-256 of its bytes.
type RecordingAddedData struct {
	CallSeq     int64  `json:"call_seq"`
	ContentType string `json:"content_type"`
	DocumentID  int64  `json:"document_id"`
	Filename    string `json:"filename"`
	SHA256      string `json:"sha256"`
	Size        int64  `json:"size"`
}

// DocumentAddedData names a document that came with a case and the SHA-256 of its bytes.
type DocumentAddedData struct {
	DocumentID int64  `json:"document_id"`
	Filename   string `json:"filename"`
	Kind       string `json:"kind"`
	SHA256     string `json:"sha256"`
	Size       int64  `json:"size"`
}

// PartnerAssignedData names the partner a case (or a step) went to; PartnerID 0, alone, is the
// work taken back.
type PartnerAssignedData struct {
	Partner   string `json:"partner,omitempty"` // the partner's name (never empty for a partner)
	PartnerID int64  `json:"partner_id"`
	Step      int    `json:"step,omitempty"`
}

// StepChangedData is a case's move through its process (steps 1-based; From 0 at the start).
type StepChangedData struct {
	From int    `json:"from"`
	Step string `json:"step"` // the name of the step entered
	To   int    `json:"to"`
}

func (MessageInData) entryKind() EntryKind           { return KindMessageIn }
func (MessageOutData) entryKind() EntryKind          { return KindMessageOut }
func (CallData) entryKind() EntryKind                { return KindCall }
func (PromiseMadeData) entryKind() EntryKind         { return KindPromiseMade }
func (PromiseKeptData) entryKind() EntryKind         { return KindPromiseKept }
func (PromiseSlippedData) entryKind() EntryKind      { return KindPromiseSlipped }
func (PromiseBrokenData) entryKind() EntryKind       { return KindPromiseBroken }
func (EscalatedData) entryKind() EntryKind           { return KindEscalated }
func (HandoverData) entryKind() EntryKind            { return KindHandover }
func (HandoverAskedData) entryKind() EntryKind       { return KindHandoverAsked }
func (HandoverAgreedData) entryKind() EntryKind      { return KindHandoverAgreed }
func (HandoverDeclinedData) entryKind() EntryKind    { return KindHandoverDeclined }
func (IntroductionData) entryKind() EntryKind        { return KindIntroduction }
func (StatusChangedData) entryKind() EntryKind       { return KindStatusChanged }
func (ResolutionAskedData) entryKind() EntryKind     { return KindResolutionAsked }
func (ResolutionConfirmedData) entryKind() EntryKind { return KindResolutionConfirmed }
func (ResolutionRejectedData) entryKind() EntryKind  { return KindResolutionRejected }
func (ReferenceAddedData) entryKind() EntryKind      { return KindReferenceAdded }
func (DocumentAddedData) entryKind() EntryKind       { return KindDocumentAdded }
func (RecordingAddedData) entryKind() EntryKind      { return KindRecordingAdded }
func (PartnerAssignedData) entryKind() EntryKind     { return KindPartnerAssigned }
func (StepChangedData) entryKind() EntryKind         { return KindStepChanged }
