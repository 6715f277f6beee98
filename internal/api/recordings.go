package api

import (
	"io"
	"net/http"
	"strconv"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// recordingRoutes are the calls about calls' recordings.
func (s *Server) recordingRoutes() []route {
	return []route{
		{method: "POST", path: "/api/v1/cases/{id}/calls/{seq}/recording",
			summary: "Add the recording of the call entry at seq: the body is the audio itself (Content-Type audio/mpeg, audio/ogg, audio/wav, audio/webm or audio/mp4; " +
				"at most 25 MiB; optional ?filename=). It is kept as a document of kind \"call recording\", never shown to the customer, and the record gets an " +
				"internal recording_added entry with its SHA-256 (the answer). A call has one recording: a second is refused (409 recording_exists).",
			status: http.StatusCreated, answer: desk.Entry{}, handle: s.addRecording, maxBody: desk.MaxDocumentSize + 1,
			rawBody: desk.RecordingTypes(), query: []param{{"filename", "the recording's file name (default call-SEQ with the type's extension)"}}},
	}
}

func (s *Server) addRecording(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	seq, err := strconv.ParseInt(r.PathValue("seq"), 10, 64)
	if err != nil || seq <= 0 {
		return nil, badRequest("seq", "is not an entry's seq (a positive number)")
	}
	// Who may not add one, and a type that is not audio, are refused before the body is read.
	if err := service.Gate(a, service.ActRecordingAdd); err != nil {
		return nil, err
	}
	if _, err := desk.RecordingContentType(r.Header.Get("Content-Type")); err != nil {
		return nil, err
	}
	content, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, uploadReadError(err)
	}
	return svc.AddRecording(r.Context(), a, service.RecordingIn{CaseID: id, CallSeq: seq, Filename: r.URL.Query().Get("filename"),
		ContentType: r.Header.Get("Content-Type"), Content: content})
}
