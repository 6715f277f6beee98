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

// CheckRecordingAudio refuses content that does not begin as audio of its declared type does:
// a recording is evidence of a call, and a text file sent as audio/mpeg would sit on the
// record, hashed, as if it were one. Only the first bytes are looked at (each format's mark).
func CheckRecordingAudio(ctype string, content []byte) error {
	b := content
	has := func(at int, mark string) bool { return len(b) >= at+len(mark) && string(b[at:at+len(mark)]) == mark }
	var ok bool
	switch ctype {
	case "audio/mpeg": // an ID3 tag, or an MPEG audio frame's sync bits
		ok = has(0, "ID3") || (len(b) >= 2 && b[0] == 0xff && b[1]&0xe0 == 0xe0)
	case "audio/ogg":
		ok = has(0, "OggS")
	case "audio/wav":
		ok = has(0, "RIFF") && has(8, "WAVE")
	case "audio/webm": // Matroska's EBML header
		ok = has(0, "\x1a\x45\xdf\xa3")
	case "audio/mp4": // an ISO media file's first box
		ok = has(4, "ftyp")
	}
	if !ok {
		return Invalid("content", "the file is not %s audio: it does not begin as such a file does", ctype)
	}
	return nil
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
