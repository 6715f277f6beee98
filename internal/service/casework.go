package service

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
)

// The daily work on a message (issue 16): the copies a reply goes to and the files it
// carries. Both are parts of AddMessage, the one command for a reply or a note.

// maxFiles is how many files one message carries.
const maxFiles = 10

// messageExtras applies what a message brings besides its words, before its entry is written:
// a change of the case's copies (its own entries, written first) and the files, kept as the
// customer's documents and returned to be named on the message's entry.
func (s *Service) messageExtras(w *work, c *desk.Case, in desk.NewMessage) ([]desk.File, error) {
	staff := w.actor.Kind == desk.ActorAgent && desk.IsStaff(w.actor)
	if in.CC != nil || in.BCC != nil {
		if err := w.allow(ActCaseCopies, Object{Case: c}); err != nil {
			return nil, err
		}
		if err := s.setCopies(w, c, in.CC, in.BCC); err != nil {
			return nil, err
		}
	}
	if len(in.Files) == 0 {
		return nil, nil
	}
	if !staff {
		return nil, desk.Invalid("files", "only the desk's people attach files to a message (a customer adds documents)")
	}
	return s.attachFiles(w, c, in)
}

// CopiesIn are a case's copies from now on; nil leaves a list as it is (an empty one takes
// every address off).
type CopiesIn struct {
	CC, BCC []string
}

// SetCopies changes who a case's replies are copied to (PUT /api/v1/cases/{id}/copies; the
// reply composer sets them with the reply, through AddMessage): a public entry for the cc, an
// internal one for the bcc.
func (s *Service) SetCopies(ctx context.Context, actor desk.Actor, caseID int64, in CopiesIn) (CaseView, error) {
	err := s.onCase(ctx, actor, caseID, ActCaseCopies, func(w *work, c *desk.Case) error {
		return s.setCopies(w, c, in.CC, in.BCC)
	})
	return s.caseAfter(ctx, actor, caseID, "set copies", err)
}

// setCopies changes a case's copies, each list checked; nil leaves it as it is.
func (s *Service) setCopies(w *work, c *desk.Case, cc, bcc []string) error {
	var err error
	if cc != nil {
		if cc, err = desk.ParseCopies("cc", cc); err != nil {
			return err
		}
	}
	if bcc != nil {
		if bcc, err = desk.ParseCopies("bcc", bcc); err != nil {
			return err
		}
	}
	cust, err := w.customer(c.CustomerID)
	if err != nil {
		return err
	}
	for field, list := range map[string][]string{"cc": cc, "bcc": bcc} {
		if slices.Contains(list, strings.ToLower(cust.Email())) {
			return desk.Invalid(field, "%s is the customer's own address: every reply goes to it", cust.Email())
		}
	}
	drafts := desk.CopiesChange(c, w.actor, cc, bcc)
	if len(drafts) == 0 {
		return nil
	}
	c.UpdatedAt = w.now
	_, err = s.appendRecord(w, c, drafts)
	return err
}

// attachFiles keeps a message's files as documents of the case's customer: of the reply
// attachment kind (the customer has them) or, on an internal note, the note attachment kind
// (staff only, like the note).
func (s *Service) attachFiles(w *work, c *desk.Case, in desk.NewMessage) ([]desk.File, error) {
	if len(in.Files) > maxFiles {
		return nil, desk.Invalid("files", "a message carries at most %d files", maxFiles)
	}
	kind, total := desk.ReplyAttachmentKind, 0
	if in.Internal {
		kind = desk.NoteAttachmentKind
	}
	for _, f := range in.Files {
		total += len(f.Content)
		if err := desk.ValidateDocument(kind, f.Filename, int64(len(f.Content))); err != nil {
			return nil, err
		}
	}
	if total > desk.MaxDocumentSize {
		return nil, desk.Invalid("files", "the files are %d bytes together; at most %d (25 MiB) are accepted", total, desk.MaxDocumentSize)
	}
	out := make([]desk.File, 0, len(in.Files))
	for _, f := range in.Files {
		sum := hexSum(f.Content)
		d := desk.Document{CustomerID: c.CustomerID, CaseID: c.ID, Kind: kind, Filename: desk.CleanFilename(f.Filename),
			ContentType: desk.CleanContentType(f.ContentType), Size: int64(len(f.Content)), SHA256: sum,
			By: desk.Actor{Kind: w.actor.Kind, ID: w.actor.ID, Name: w.actor.Name}, CreatedAt: w.now}
		if err := w.tx.InsertDocument(w.ctx, &d, f.Content); err != nil {
			return nil, err
		}
		out = append(out, desk.File{ContentType: d.ContentType, DocumentID: d.ID, Filename: d.Filename, SHA256: d.SHA256, Size: d.Size})
	}
	return out, nil
}

// withFiles names the files on the message's entry (a reply's or a note's data).
func withFiles(drafts []desk.Draft, files []desk.File) error {
	if len(files) == 0 {
		return nil
	}
	for i := range drafts {
		switch drafts[i].Kind {
		case desk.KindMessageOut:
			d, _ := drafts[i].Data.(desk.MessageOutData)
			d.Files = files
			drafts[i].Data = d
			return nil
		case desk.KindNote:
			drafts[i].Data = desk.NoteData{Files: files}
			return nil
		}
	}
	return fmt.Errorf("files given with a message that is neither a reply nor a note")
}

// mailFiles are the files the replies of a mail carry, with their bytes.
func mailFiles(w *work, said []desk.Entry) ([]mail.Attachment, error) {
	var out []mail.Attachment
	for _, e := range said {
		d, ok := desk.DataOf[desk.MessageOutData](e)
		if !ok {
			continue
		}
		for _, f := range d.Files {
			if f.DocumentID == 0 || f.SHA256 == "" {
				continue // an imported reply's file was never mailed from here
			}
			content, doc, err := w.tx.DocumentContent(w.ctx, f.DocumentID)
			if err != nil {
				return nil, fmt.Errorf("attachment %d: %w", f.DocumentID, err)
			}
			out = append(out, mail.Attachment{Filename: doc.Filename, ContentType: doc.ContentType, Data: content})
		}
	}
	return out, nil
}

// mailCopies are the addresses a mail of the case is copied to: its cc openly and its bcc
// unseen, for a mail that carries a person's reply (the desk's automatic notices go to the
// customer alone).
func mailCopies(c desk.Case, said []desk.Entry) (cc []mail.Address, also []string) {
	reply := slices.ContainsFunc(said, func(e desk.Entry) bool { return e.Kind == desk.KindMessageOut && !isAutomatic(e) })
	if !reply {
		return nil, nil
	}
	for _, a := range c.CC {
		cc = append(cc, mail.Address{Email: a})
		also = append(also, a)
	}
	return cc, append(also, c.BCC...)
}

// keepMailCopies adds the Cc addresses of a customer's mail to the case's cc, but the desk's
// own addresses and the customer's: those copied on the customer's mail read the answers.
func (s *Service) keepMailCopies(w *work, c *desk.Case, cust desk.Customer, msg *mail.Message) error {
	if len(msg.Cc) == 0 || c == nil {
		return nil
	}
	teams, err := w.routingTeams()
	if err != nil {
		return err
	}
	own := func(a string) bool {
		local, domain, _ := strings.Cut(a, "@")
		local, _, _ = strings.Cut(local, "+") // the desk's reply addresses: desk+k42.…@
		if local+"@"+domain == strings.ToLower(s.mailCfg.Address) || a == strings.ToLower(cust.Email()) {
			return true
		}
		for _, t := range teams {
			if slices.Contains(t.Addresses, a) {
				return true
			}
		}
		return false
	}
	cc := slices.Clone(c.CC)
	for _, a := range msg.Cc {
		// An address the desk cannot mail is not kept (the mail itself is, whole).
		ok, err := desk.ParseCopies("cc", []string{a.Email})
		if err != nil || len(ok) != 1 || own(ok[0]) || slices.Contains(cc, ok[0]) || len(cc) >= desk.MaxCopies {
			continue
		}
		cc = append(cc, ok[0])
	}
	if len(cc) == len(c.CC) {
		return nil
	}
	return w.as(desk.SystemActor(), func() error { return s.setCopies(w, c, cc, nil) })
}
