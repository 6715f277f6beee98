package desk

import (
	"fmt"
	"maps"
	"mime"
	"slices"
	"strings"
)

// KindRecordingAdded is the internal record entry saying a call's recording was added.
const KindRecordingAdded EntryKind = "recording_added"

// RecordingKind is the document kind a call's recording is kept as.
const RecordingKind = "call recording"

// recordingTypes are the audio types a recording may have: what browsers play.
var recordingTypes = map[string]bool{"audio/mpeg": true, "audio/ogg": true, "audio/wav": true, "audio/webm": true, "audio/mp4": true}

// RecordingTypes are the audio types a recording may have, sorted.
func RecordingTypes() []string { return slices.Sorted(maps.Keys(recordingTypes)) }

// RecordingContentType is the declared type of a recording as kept, or an error when it is not
// audio a browser plays (audio/x-wav, the older name, is taken as audio/wav).
func RecordingContentType(ct string) (string, error) {
	mt, _, err := mime.ParseMediaType(ct)
	mt = strings.ToLower(mt)
	if mt == "audio/x-wav" || mt == "audio/wave" {
		mt = "audio/wav"
	}
	if err != nil || !recordingTypes[mt] {
		return "", Invalid("content_type", "a recording is audio/mpeg, audio/ogg, audio/wav, audio/webm or audio/mp4, not %q", ct)
	}
	return mt, nil
}

// IsRecording reports whether a document is a call's recording.
func (d Document) IsRecording() bool { return d.CallSeq != 0 }

// CheckRecordingCall refuses a recording for an entry that is not a call of the case, or for a
// call that has one already: a recording, once on the record, is not replaced.
func CheckRecordingCall(call Entry, found bool, existing []Document) error {
	if !found || call.Kind != KindCall {
		return Invalid("seq", "the case has no call entry %d", call.Seq)
	}
	for _, d := range existing {
		if d.CaseID == call.CaseID && d.CallSeq == call.Seq {
			return Conflict("recording_exists", fmt.Sprintf("the call at entry %d has a recording already (document %d)", call.Seq, d.ID),
				map[string]any{"document_id": d.ID})
		}
	}
	return nil
}

// RecordingAdded is the internal record entry for a call's recording: its data carries the
// SHA-256, so the record vouches for the bytes as for a document's.
func RecordingAdded(d Document, by Actor) Draft {
	return Draft{Kind: KindRecordingAdded, Actor: by, Internal: true, Body: RecordingKind + ": " + d.Filename, Data: RecordingAddedData{
		CallSeq: d.CallSeq, DocumentID: d.ID, Filename: d.Filename, ContentType: d.ContentType, Size: d.Size, SHA256: d.SHA256}}
}

// RecordingExtension is the usual file extension of a recording's type, for a name when none is given.
func RecordingExtension(ctype string) string {
	switch ctype {
	case "audio/mpeg":
		return "mp3"
	case "audio/mp4":
		return "m4a"
	}
	return strings.TrimPrefix(ctype, "audio/")
}
