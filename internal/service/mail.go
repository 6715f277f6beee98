package service

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/store"
)

// MailConfig is the desk's own address: replies go to it, plus-addressed per case.
type MailConfig struct {
	Address  string     // e.g. support@desk.example
	Accept   []string   // more addresses and whole domains (@example.com) the desk takes mail for (ParseMailAccept)
	Outbound bool       // queue mail to customers (a relay is configured to send it)
	DKIM     *mail.DKIM // signs outgoing mail when set
	// Auth checks who sent each mail (SPF, DKIM, DMARC); nil checks without DNS.
	Auth *mail.Authenticator
}

// MailsOut says whether the desk mails its customers (a relay carries its outbox).
func (s *Service) MailsOut() bool { return s.mailCfg.Outbound }

// WithMail sets the desk's address for mail in and out.
func WithMail(cfg MailConfig) Option { return func(s *Service) { s.mailCfg = cfg } }

// mailKeys signs the desk's Message-IDs and reply addresses with the desk's own secret, made
// on first use and shared by every node through the database.
type mailKeys struct {
	mu   sync.Mutex
	keys *mail.Keys
}

func (s *Service) keys(w *work) (mail.Keys, error) {
	s.mailKeys.mu.Lock()
	defer s.mailKeys.mu.Unlock()
	if s.mailKeys.keys != nil {
		return *s.mailKeys.keys, nil
	}
	// Not cached: this transaction may still roll back, taking a freshly made key with it.
	secret, err := w.tx.DeskKey(w.ctx, "mail_hmac", 32)
	if err != nil {
		return mail.Keys{}, err
	}
	return mail.NewKeys(secret, s.mailDomain()), nil
}

// PrepareMail loads (or makes, in a transaction of its own) the desk's signing key once, so
// every later mail signs with it without asking the database.
func (s *Service) PrepareMail(ctx context.Context) error {
	var secret []byte
	err := s.writeTx(ctx, func(tx *store.Tx) error {
		var err error
		secret, err = tx.DeskKey(ctx, "mail_hmac", 32)
		return err
	})
	if err != nil {
		return fmt.Errorf("prepare mail keys: %w", err)
	}
	k := mail.NewKeys(secret, s.mailDomain())
	s.mailKeys.mu.Lock()
	s.mailKeys.keys = &k
	s.mailKeys.mu.Unlock()
	return nil
}

func (s *Service) mailDomain() string {
	if _, domain, ok := strings.Cut(s.mailCfg.Address, "@"); ok {
		return strings.ToLower(domain)
	}
	return "kept.invalid"
}

// MailResult says where a received mail went.
type MailResult struct {
	MailID    int64
	CaseID    int64
	Created   bool
	Duplicate bool
	Unfiled   bool // from the desk itself (mailauth.go), or automatic and answering nothing: kept on no case
}

// Receive stores a mail delivered over SMTP (mailnet.Receiver): the listener says 250 once this
// returns nil.
func (s *Service) Receive(ctx context.Context, d mail.Delivery) error {
	_, err := s.ReceiveMail(ctx, d)
	return err
}

// ReceiveMail stores a mail exactly as it arrived and files it: a reply (by the desk's signed
// reply address or Message-ID, the sender's earlier mail, an Outlook conversation, or a case
// ref in the subject from the case's customer) joins its case; anything else opens a case for
// its sender. Malformed mail is stored and flagged, never dropped; a sender's retry is stored
// once. Who wrote it is the From address — never Reply-To — and a signed reply from an address
// the case's customer does not own joins as unverified_sender.
//
// It returns once the mail is committed. Mails arriving together are committed together (see
// ingest.go): one transaction, and one sync to disk, for all of them.
func (s *Service) ReceiveMail(ctx context.Context, d mail.Delivery) (MailResult, error) {
	in, err := s.parseMail(ctx, d)
	if err != nil {
		return MailResult{}, err
	}
	if s.bound != nil { // inside another command's transaction (Batch)
		return s.receiveAlone(ctx, in)
	}
	return s.ingest.receive(ctx, s, in)
}

// inMail is a delivery parsed outside any transaction.
type inMail struct {
	d       mail.Delivery
	msg     *mail.Message
	sum     string // the raw mail's hexSum
	dedupe  string // dedupeKey, hashed here rather than on the committer
	from    string
	subject string // the subject and text the record takes, cut to what a case holds
	body    string
	// What the rules and search find in body, worked out here in parallel rather than on the
	// committer: flags (spam, look-alike letters), words and reference keys.
	checked  *desk.CheckedText
	analysed *analysedText
	auth     mail.Auth // who sent it, as far as SPF, DKIM and DMARC tell
}

// parseMail parses a delivery (CPU work done by the delivering goroutine, in parallel with the
// others, before it queues for the database).
func (s *Service) parseMail(ctx context.Context, d mail.Delivery) (*inMail, error) {
	msg, err := mail.Parse(d.Raw, mail.DefaultLimits())
	if err != nil {
		return nil, fmt.Errorf("parse mail: %w", err)
	}
	// Intake needs only the attachments' names: their bytes stay in the raw mail, where
	// MailAttachment reads them again, and a large mail's memory is given back at once.
	for i := range msg.Attachments {
		msg.Attachments[i].Data = nil
	}
	in := &inMail{d: d, msg: msg, sum: hexSum(d.Raw), from: msg.From.Email}
	if in.from == "" {
		in.from = strings.ToLower(strings.Trim(d.From, "<>"))
	}
	in.dedupe = dedupeKey(msg, in.from, in.sum)
	in.auth = s.authenticator().Check(ctx, d, msg.From.Email)
	// Too long for a case, it is cut on the record and flagged; the mail is kept whole.
	var cut bool
	if in.subject, cut = fitText(strings.TrimSpace(msg.Subject), maxRecordSubject); cut {
		msg.Problems = append(msg.Problems, fmt.Sprintf("subject longer than %d bytes: cut on the record", maxRecordSubject))
	}
	if in.body, cut = fitText(mailBody(msg), maxRecordText); cut {
		msg.Problems = append(msg.Problems, fmt.Sprintf("text longer than %d bytes: cut on the record; the mail is kept whole", maxRecordText))
	}
	in.checked, in.analysed = desk.CheckText(in.body), analyse(in.body)
	return in, nil
}

// What a case's subject and an entry's text may hold (desk's limits: more is refused).
const (
	maxRecordSubject = 500
	maxRecordText    = 1 << 20
)

// fitText cuts s to at most max bytes of valid UTF-8, at a character boundary.
func fitText(s string, max int) (string, bool) {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= max {
		return s, false
	}
	s = s[:max]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s, true
}

func (s *Service) logMail(in *inMail, res MailResult, err error) {
	if err == nil && !res.Duplicate && !res.Unfiled { // an unfiled mail was logged as a warning
		s.log.Info("mail received", "from", in.from, "message_id", in.msg.MessageID, "case", desk.CaseRef(res.CaseID), "new_case", res.Created,
			"bytes", len(in.d.Raw), "problems", len(in.msg.Problems), "verified", !in.auth.Unverified)
	}
}

// fileMail stores a parsed mail and files it, as the desk's own command.
func (s *Service) fileMail(w *work, in *inMail, res *MailResult) error {
	msg, from, d := in.msg, in.from, in.d
	w.analysed, w.noAutoMail, w.answering = in.analysed, msg.Automatic, true
	key := in.dedupe
	stored := desk.ReceivedMail{SHA256: in.sum, Raw: d.Raw, MessageID: msg.MessageID, From: from, DedupeKey: key,
		ThreadRoot: mail.ThreadIndexRoot(msg.ThreadIndex), SafeHTML: msg.SafeHTML, Problems: msg.Problems, ReceivedAt: w.now}
	if inserted, err := w.tx.InsertMail(w.ctx, &stored); err != nil {
		return err
	} else if !inserted {
		id, caseID, err := w.tx.MailByDedupeKey(w.ctx, key)
		if err != nil {
			return err
		}
		*res = MailResult{MailID: id, CaseID: caseID, Duplicate: true}
		return nil
	}
	keys, err := s.keys(w)
	if err != nil {
		return err
	}
	c, trusted, err := threadMail(w, keys, msg, d.To)
	if err != nil {
		return err
	}
	if c, err = mergedTarget(w, c); err != nil {
		return err
	}
	if msg.Automatic && !trusted {
		if mine, err := automaticAnswersCase(w, c, mailContact(from, stored.SHA256)); err != nil || !mine {
			// An auto-reply or out-of-office notice that answers none of the desk's mail opens
			// no case (it is nobody's matter, and would block offers as an open complaint) and
			// makes no customer: the mail is kept.
			*res = MailResult{MailID: stored.ID, Unfiled: true}
			w.afterCommit(func() {
				s.log.Info("automatic mail kept on no case: it answers none of the desk's", "mail", stored.ID, "from", from, "subject", msg.Subject)
			})
			return err
		}
	}
	cust, unfiled, err := s.mailSender(w, mailContact(from, stored.SHA256), msg.From.Name)
	if err != nil {
		return err
	}
	if unfiled != nil {
		*res = MailResult{MailID: stored.ID, Unfiled: true}
		return s.keepUnfiled(w, in, stored.ID, *unfiled)
	}
	data := mailData(stored.ID, stored.SHA256, msg)
	auth := in.auth.Data()
	data.Auth = &auth
	body := in.body
	verified := c != nil && c.CustomerID == cust.ID
	var entry desk.Entry
	if c != nil && !trusted && verified && in.auth.Unverified {
		// Found by what anyone could copy, from a sender who failed the checks.
		if entry, err = s.keepUnverified(w, c, cust, in, data); err != nil {
			return err
		}
	} else if c != nil && verified && c.Status == desk.StatusAwaitingConfirmation && !msg.Automatic {
		// The customer answers the resolution their case waits on (resolution.go).
		if entry, err = s.answerByReply(w, c, cust, in, data); err != nil {
			return err
		}
	} else if c != nil && (trusted || verified) {
		from := desk.CustomerActor(cust)
		drafts, err := desk.AddMessage(c, from, desk.NewMessage{Body: body, Channel: "email", Checked: in.checked}, w.now)
		if err != nil {
			return err
		}
		if !verified {
			// Someone the case does not know wrote with a valid reply token: on the record,
			// flagged, and never sent the case's details automatically.
			data.UnverifiedSender = true
			c.AddFlag(desk.FlagUnverifiedSender)
		}
		drafts[0].Data = data
		if len(msg.Problems) > 0 {
			c.AddFlag("malformed_mail") // saved with the append below
		}
		// An out-of-office or a bounce is not the customer chasing us.
		if entry, err = s.appendAs(w, from, c, drafts, !msg.Automatic); err != nil {
			return err
		}
	} else {
		subject := in.subject
		if subject == "" {
			subject = mailSubjectOf(msg, body)
		}
		var flags []string
		if len(msg.Problems) > 0 {
			flags = append(flags, "malformed_mail")
		}
		if in.auth.Unverified {
			// Kept for the desk to look at; mailed automatically only where it wrote before.
			data.UnverifiedSender = true
			flags = append(flags, desk.FlagUnverifiedSender)
		}
		team, to, err := routeByAddress(w, append(append(append([]string{}, d.To...), addresses(msg.To)...), addresses(msg.Cc)...))
		if err != nil {
			return err
		}
		if err := adoptTeamLanguage(w, &cust, team); err != nil {
			return err
		}
		nc, err := desk.ValidateNewCase(desk.NewCase{CustomerID: cust.ID, Subject: subject, Body: body, Channel: "email", Data: data, Checked: in.checked,
			TeamID: team.ID})
		if err != nil {
			return err
		}
		var entries []desk.Entry
		if c, entries, err = s.openCase(w, nc, cust, flags...); err != nil {
			return err
		}
		if team.ID != 0 {
			note := desk.Draft{Kind: desk.KindNote, Actor: desk.SystemActor(), Internal: true,
				Body: fmt.Sprintf("Routed to %s: the mail came to %s.", team.Name, to)}
			if _, err := s.appendRecord(w, c, []desk.Draft{note}); err != nil {
				return err
			}
		}
		entry, res.Created = entries[0], true
	}
	if c.CustomerID == cust.ID && !msg.Automatic && !in.auth.Unverified {
		if err := s.keepMailCopies(w, c, cust, msg); err != nil {
			return err
		}
	}
	res.MailID, res.CaseID = stored.ID, c.ID
	return w.tx.SetMailEntry(w.ctx, stored.ID, c.ID, entry.Seq)
}

// routeByAddress is the team whose desk address a new mail came to (the envelope's recipients
// first, then To and Cc), and that address; none (ID 0) when no team takes mail at any of them.
func routeByAddress(w *work, rcpts []string) (desk.TeamSettings, string, error) {
	teams, err := w.routingTeams()
	if err != nil || len(teams) == 0 {
		return desk.TeamSettings{}, "", err
	}
	for _, r := range rcpts {
		r = strings.ToLower(strings.TrimSpace(r))
		for _, t := range teams {
			if slices.Contains(t.Addresses, r) {
				return t, r, nil
			}
		}
	}
	return desk.TeamSettings{}, "", nil
}

// adoptTeamLanguage gives a customer who never chose a language the default language of the
// team whose address they wrote to: the desk's words to them (introductions, steps, canned
// replies' variables) are then in it, on this case and after.
func adoptTeamLanguage(w *work, cust *desk.Customer, team desk.TeamSettings) error {
	if team.Language == "" || cust.Lang != "" {
		return nil
	}
	if err := w.tx.SetLang(w.ctx, "customer", cust.ID, team.Language); err != nil {
		return err
	}
	cust.Lang = team.Language
	w.keepCustomer(*cust)
	w.keepReader(cust.ID, cust.Reader())
	return nil
}

// automaticAnswersCase reports whether an automatic mail (not signed by the desk's token) answers
// the case it threads to: it comes from that case's customer.
func automaticAnswersCase(w *work, c *desk.Case, from desk.Contact) (bool, error) {
	if c == nil {
		return false, nil
	}
	cust, err := w.tx.CustomerAt(w.ctx, from)
	if store.IsNotFound(err) {
		return false, nil
	}
	return err == nil && cust.ID == c.CustomerID, err
}

// dedupeKey identifies a mail across a sender's retries: its Message-ID, sender and text, or
// its exact bytes when it has no Message-ID.
func dedupeKey(msg *mail.Message, from, rawSum string) string {
	if msg.MessageID == "" {
		return "raw:" + rawSum
	}
	return "mid:" + hexSum([]byte(msg.MessageID+"\x00"+from+"\x00"+msg.Text))
}

// mailContact is the contact point a mail came from: its From address, or, when it has no
// usable one, a handle of its own so the mail still opens a case for an agent to sort out.
func mailContact(from, sum string) desk.Contact {
	contact, err := desk.CanonicalContact("from", desk.ContactEmail, from)
	if err != nil {
		return desk.Contact{Kind: desk.ContactHandle, Value: "unknown-sender-" + sum[:12]}
	}
	return contact
}

// threadMail finds the case a mail answers (nil for none). trusted is true when the desk's own
// signature named it (reply address or Message-ID), so it may join even from an unknown address.
func threadMail(w *work, keys mail.Keys, msg *mail.Message, rcpts []string) (*desk.Case, bool, error) {
	ctx, tx := w.ctx, w.tx
	load := func(id int64, trusted bool) (*desk.Case, bool, error) {
		c, err := w.lockCase(id)
		if store.IsNotFound(err) {
			return nil, false, nil
		}
		return c, trusted, err
	}
	for _, a := range append(append(append([]string{}, rcpts...), addresses(msg.To)...), addresses(msg.Cc)...) {
		if id, ok := keys.ParseReplyAddress(a); ok {
			return load(id, true)
		}
	}
	refs := append(append([]string{}, msg.References...), msg.InReplyTo)
	for i := len(refs) - 1; i >= 0; i-- {
		if id, ok := keys.ParseMessageID(refs[i]); ok {
			return load(id, true)
		}
	}
	// Below, nothing is signed: a match joins only when the sender is the case's own customer
	// (checked by the caller), so a forward or a guessed ref from anyone else opens a new case.
	if id, err := tx.CaseOfMessageIDs(ctx, nonEmpty(refs)); err == nil {
		return load(id, false)
	} else if !store.IsNotFound(err) {
		return nil, false, err
	}
	if root := mail.ThreadIndexRoot(msg.ThreadIndex); root != "" {
		if id, err := tx.CaseOfThreadRoot(ctx, root); err == nil {
			return load(id, false)
		} else if !store.IsNotFound(err) {
			return nil, false, err
		}
	}
	if id, ok := mail.CaseRefInSubject(msg.Subject); ok {
		return load(id, false)
	}
	return nil, false, nil
}

func addresses(as []mail.Address) []string {
	out := make([]string, 0, len(as))
	for _, a := range as {
		out = append(out, a.Email)
	}
	return out
}

func nonEmpty(ss []string) []string {
	out := ss[:0:0]
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// mailSubjectOf names the case a mail without a subject opens: its first line, or, with no
// text, the names of what it attached (the record's "(no text; attached: …)" is the desk's
// English, and the subject is every reply's and the portal's title).
func mailSubjectOf(msg *mail.Message, body string) string {
	if strings.TrimSpace(msg.Text) == "" && len(msg.Attachments) > 0 {
		names := make([]string, 0, len(msg.Attachments))
		for _, a := range msg.Attachments {
			names = append(names, a.Filename)
		}
		return inboundSubject(Inbound{Body: strings.Join(names, ", ")})
	}
	return inboundSubject(Inbound{Body: body})
}

// mailBody is the text a mail puts on the record.
func mailBody(msg *mail.Message) string {
	body := msg.Text
	if strings.TrimSpace(body) == "" {
		body = desk.NoText
		if len(msg.Attachments) > 0 {
			names := make([]string, 0, len(msg.Attachments))
			for _, a := range msg.Attachments {
				names = append(names, a.Filename)
			}
			body = desk.NoTextAttached + strings.Join(names, ", ") + ")"
		}
	}
	return body
}

// mailData is what the record keeps about a mail besides its text: where to find it whole,
// and the SHA-256 of its bytes as they arrived, so an exported record proves which bytes it
// came from (kept verify holds the stored mail to it).
func mailData(mailID int64, sha256 string, msg *mail.Message) desk.MessageInData {
	data := desk.MessageInData{MailID: mailID, SHA256: sha256, MessageID: msg.MessageID, Subject: msg.Subject, From: msg.From.Email,
		Automatic: msg.Automatic, Problems: msg.Problems, HTML: msg.SafeHTML != ""}
	if len(msg.Attachments) > 0 {
		data.Attachments = make([]string, len(msg.Attachments))
		for i, a := range msg.Attachments {
			data.Attachments[i] = a.Filename
		}
	}
	return data
}

// compose writes a mail's bytes, DKIM-signed when the desk signs.
func (s *Service) compose(o mail.Outgoing) ([]byte, error) {
	raw, err := mail.Compose(o)
	if err != nil || s.mailCfg.DKIM == nil {
		return raw, err
	}
	return s.mailCfg.DKIM.Sign(raw)
}

// Mail returns a received mail exactly as it arrived (raw bytes, for download) with its
// sanitised HTML, if the actor may see its case and its customer: a customer their own mail,
// the desk's people any, a partner user none (the text is on the record they see).
func (s *Service) Mail(ctx context.Context, actor desk.Actor, id int64) (desk.ReceivedMail, error) {
	var m desk.ReceivedMail
	err := s.readTx(ctx, func(tx *store.Tx) error {
		var err error
		if m, err = tx.Mail(ctx, id); err != nil {
			return notFoundAs(err, "mail", id)
		}
		if m.CaseID == 0 {
			// Kept on no case (from the desk itself): for the admins, whom it was notified to.
			if actor.Kind != desk.ActorSystem && (actor.Kind != desk.ActorAgent || actor.Role != desk.RoleAdmin) {
				return desk.NotFound("mail", id)
			}
			return nil
		}
		// A mail whole carries the customer's contact data (addresses, headers, signature):
		// whoever may not see the customer does not get it, as GET /customers/{id} refuses them.
		c, err := s.newWork(ctx, tx, actor, time.Time{}).loadCase(m.CaseID)
		if err != nil || !desk.CanSeeCustomer(actor, c.CustomerID) {
			return desk.NotFound("mail", id)
		}
		return nil
	})
	return m, wrap("load mail", err)
}

// MailAttachment returns the n-th attachment (from 0) of a received mail the actor may see,
// read again from the mail as it arrived.
func (s *Service) MailAttachment(ctx context.Context, actor desk.Actor, mailID int64, n int) (mail.Attachment, error) {
	m, err := s.Mail(ctx, actor, mailID)
	if err != nil {
		return mail.Attachment{}, err
	}
	msg, err := mail.Parse(m.Raw, mail.DefaultLimits())
	if err != nil {
		return mail.Attachment{}, fmt.Errorf("parse mail %d: %w", mailID, err)
	}
	if n >= len(msg.Attachments) {
		return mail.Attachment{}, desk.NotFound("attachment", n)
	}
	return msg.Attachments[n], nil
}

// agentMail is an automatic mail to one of the desk's people (a reminder, say).
type agentMail struct {
	to                       desk.Agent
	caseID                   int64
	subject, text, messageID string
}

// mailAgent puts an automatic mail to one of the desk's people in the outbox, in the
// transaction that decided it.
func (s *Service) mailAgent(w *work, m agentMail) error {
	a := m.to
	if !s.mailCfg.Outbound || a.Email == "" || !a.Active {
		return nil
	}
	raw, err := s.compose(mail.Outgoing{From: mail.Address{Name: "Kept", Email: s.mailCfg.Address}, To: mail.Address{Name: a.Name, Email: a.Email},
		Subject: m.subject, Text: m.text, MessageID: m.messageID, Automatic: true, Date: w.now})
	if err != nil {
		return fmt.Errorf("compose mail to %s: %w", a.Email, err)
	}
	return w.tx.QueueMail(w.ctx, store.OutMail{CaseID: m.caseID, From: s.mailCfg.Address, To: a.Email, MessageID: m.messageID, Raw: raw, Automatic: true}, w.now)
}

// lastMailID is the Message-ID of the last mail received on the case ("" for none), read once
// per command.
func (w *work) lastMailID(caseID int64) (string, error) {
	if id, ok := w.lastMail[caseID]; ok {
		return id, nil
	}
	var id string
	if last, err := w.tx.LastMailOfCase(w.ctx, caseID); err == nil {
		id = last.MessageID
	} else if !store.IsNotFound(err) {
		return "", err
	}
	w.lastMailOf(caseID, id)
	return id, nil
}

// lastMailOf notes the case's last received mail (see lastMailID).
func (w *work) lastMailOf(caseID int64, messageID string) {
	if w.lastMail == nil {
		w.lastMail = map[int64]string{}
	}
	w.lastMail[caseID] = messageID
}
