package service

import (
	"context"
	"strconv"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// RecordingIn is a call's recording given: the case, the call entry's seq, and the audio.
type RecordingIn struct {
	CaseID, CallSeq       int64
	Filename, ContentType string
	Content               []byte
}

// AddRecording keeps a call's recording (story 14). It is a document of the case's customer
// that names the call, and the case's record says so in an internal recording_added entry
// quoting its SHA-256, so kept verify holds the bytes to the record. A call has one recording:
// a second is refused (409), so what was heard is never swapped for something else.
func (s *Service) AddRecording(ctx context.Context, actor desk.Actor, in RecordingIn) (desk.Entry, error) {
	if err := gate(actor, ActRecordingAdd); err != nil {
		return desk.Entry{}, err
	}
	ctype, err := desk.RecordingContentType(in.ContentType)
	if err != nil {
		return desk.Entry{}, err
	}
	if err := desk.CheckRecordingAudio(ctype, in.Content); err != nil {
		return desk.Entry{}, err
	}
	if in.Filename == "" {
		in.Filename = "call-" + strconv.FormatInt(in.CallSeq, 10) + "." + desk.RecordingExtension(ctype)
	}
	if err := desk.ValidateDocument(desk.RecordingKind, in.Filename, int64(len(in.Content))); err != nil {
		return desk.Entry{}, err
	}
	sum := hexSum(in.Content)
	var out []desk.Entry
	err = s.write(ctx, actor, func(w *work) error {
		c, err := w.caseFor(in.CaseID, ActRecordingAdd)
		if err != nil {
			return err
		}
		calls, err := w.tx.EntriesOfKinds(w.ctx, c.ID, []desk.EntryKind{desk.KindCall})
		if err != nil {
			return err
		}
		call, found := desk.Entry{CaseID: c.ID, Seq: in.CallSeq}, false
		for _, e := range calls {
			if e.Seq == in.CallSeq {
				call, found = e, true
			}
		}
		docs, err := w.tx.Documents(w.ctx, c.CustomerID)
		if err != nil {
			return err
		}
		if err := desk.CheckRecordingCall(call, found, docs); err != nil {
			return err
		}
		d := desk.Document{CustomerID: c.CustomerID, CaseID: c.ID, CallSeq: in.CallSeq, Kind: desk.RecordingKind,
			Filename: desk.CleanFilename(in.Filename), ContentType: ctype, Size: int64(len(in.Content)), SHA256: sum,
			By: desk.Actor{Kind: actor.Kind, ID: actor.ID, Name: actor.Name}, CreatedAt: w.now}
		if err := w.tx.InsertDocument(w.ctx, &d, in.Content); err != nil {
			return err
		}
		out, err = s.appendActing(w, c, desk.RecordingAdded(d, actor))
		return err
	})
	if err != nil {
		return desk.Entry{}, wrap("add recording", err)
	}
	return out[len(out)-1], nil
}

// Recording returns a recording of a case with its bytes, to staff and to partner users of the
// firm the case is handed to; to anyone else (the customer too) it is not found.
func (s *Service) Recording(ctx context.Context, actor desk.Actor, caseID, docID int64) (desk.Document, []byte, error) {
	if err := gate(actor, ActRecordingHear); err != nil {
		return desk.Document{}, nil, err
	}
	var d desk.Document
	var content []byte
	err := s.read(ctx, actor, func(w *work) error {
		c, err := w.loadCase(caseID)
		if err != nil {
			return err
		}
		meta, err := w.tx.Document(w.ctx, docID)
		if store.IsNotFound(err) || (err == nil && !desk.CanHearRecording(actor, *c, meta)) {
			return desk.NotFound("recording", docID)
		} else if err != nil {
			return err
		}
		content, d, err = w.tx.DocumentContent(w.ctx, docID)
		return notFoundAs(err, "recording", docID)
	})
	if err != nil {
		return desk.Document{}, nil, wrap("load recording", err)
	}
	return d, content, nil
}
