package service_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestCallRecordings (story 14): a call's recording is kept on the customer and quoted by an
// internal recording_added entry with its SHA-256; a call has one; the customer never lists
// or downloads it, a partner hears it only on a case handed to their firm; kept verify holds
// the stored bytes to the entry's hash.
func TestCallRecordings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		st := storetest.Open(t, backend)
		at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
		svc := service.New(st, clock.NewFake(at), slog.New(slog.DiscardHandler))
		sys := desk.SystemActor()
		ann := desk.AgentActor(must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ann", Email: "ann@desk.test", Role: "agent"})))
		fixit := must(svc.CreatePartner(ctx, sys, "Fixit"))
		other := must(svc.CreatePartner(ctx, sys, "Elsewhere"))
		pat := desk.AgentActor(must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Pat", Email: "pat@fixit.test", Role: "partner", PartnerID: fixit.ID})))
		oli := desk.AgentActor(must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Oli", Email: "oli@elsewhere.test", Role: "partner", PartnerID: other.ID})))
		mari := must(svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.ee"}))
		c := must(svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: mari.ID, Subject: "Router", Body: "It blinks red.", Channel: "phone", OwnerID: ann.ID}))
		call := must(svc.LogCall(ctx, ann, c.ID, desk.NewCall{Direction: "inbound", At: at.Add(-time.Hour), DurationS: 300, Summary: "Mari called about the router."}))
		audio := []byte("ID3\x04\x00 the call's audio \x00\xff")

		entry := must(svc.AddRecording(ctx, ann, service.RecordingIn{CaseID: c.ID, CallSeq: call.Seq, Filename: "call.mp3", ContentType: "audio/mpeg", Content: audio}))
		data, ok := desk.DataOf[desk.RecordingAddedData](entry)
		if entry.Kind != desk.KindRecordingAdded || !entry.Internal || !ok {
			t.Fatalf("the recording's entry: %+v", entry)
		}
		if data.CallSeq != call.Seq || data.SHA256 != hexSum(string(audio)) || data.Size != int64(len(audio)) || data.ContentType != "audio/mpeg" || data.Filename != "call.mp3" {
			t.Fatalf("the entry's data %+v, want call %d and sha256 %s", data, call.Seq, hexSum(string(audio)))
		}

		refused := func(what string, err error, kind desk.ErrorKind) {
			t.Helper()
			if e, ok := desk.AsError(err); !ok || e.Kind != kind {
				t.Errorf("%s: %v, want a %v refusal", what, err, kind)
			}
		}
		_, err := svc.AddRecording(ctx, ann, service.RecordingIn{CaseID: c.ID, CallSeq: call.Seq, ContentType: "audio/ogg", Content: []byte("OggS")})
		refused("a second recording of the call", err, desk.KindConflict)
		_, err = svc.AddRecording(ctx, ann, service.RecordingIn{CaseID: c.ID, CallSeq: 1, ContentType: "audio/ogg", Content: []byte("OggS")})
		refused("a recording of the customer's first message", err, desk.KindInvalid)
		_, err = svc.AddRecording(ctx, ann, service.RecordingIn{CaseID: c.ID, CallSeq: call.Seq, ContentType: "text/html", Content: []byte("<script>")})
		refused("a recording that is HTML", err, desk.KindInvalid)
		for ctype, content := range map[string]string{"audio/mpeg": "just text", "audio/wav": "RIFF....AVI ", "audio/ogg": "", "audio/mp4": "ftyp at the start"} {
			_, err = svc.AddRecording(ctx, ann, service.RecordingIn{CaseID: c.ID, CallSeq: call.Seq, ContentType: ctype, Content: []byte(content)})
			if e, ok := desk.AsError(err); !ok || e.Kind != desk.KindInvalid || !strings.Contains(err.Error(), "not "+ctype+" audio") {
				t.Errorf("%q sent as %s: %v, want it refused as not such audio", content, ctype, err)
			}
		}
		_, err = svc.AddRecording(ctx, desk.CustomerActor(mari), service.RecordingIn{CaseID: c.ID, CallSeq: call.Seq, ContentType: "audio/ogg", Content: []byte("OggS")})
		refused("the customer adding a recording", err, desk.KindForbidden)

		// The customer: neither listed nor downloadable, and the entry is not in their record.
		cust := desk.CustomerActor(mari)
		if docs := must(svc.Documents(ctx, cust, mari.ID)); len(docs) != 0 {
			t.Errorf("the customer lists %v", docs)
		}
		if docs := must(svc.CaseDocuments(ctx, cust, c.ID)); len(docs) != 0 {
			t.Errorf("the customer's case lists %v", docs)
		}
		_, _, err = svc.DocumentContent(ctx, cust, data.DocumentID)
		refused("the customer downloading the recording", err, desk.KindNotFound)
		_, _, err = svc.Recording(ctx, cust, c.ID, data.DocumentID)
		refused("the customer hearing the recording", err, desk.KindForbidden)
		for _, e := range must(svc.Record(ctx, cust, c.ID)) {
			if e.Kind == desk.KindRecordingAdded {
				t.Errorf("the customer's record shows %+v", e)
			}
		}
		// A data request's archive is what the customer would download: no recording.
		arch := must(svc.ExportCustomer(ctx, sys, mari.ID, func(d desk.Document, _ []byte) error {
			t.Errorf("the customer's archive holds %+v", d)
			return nil
		}))
		if len(arch.Documents) != 0 {
			t.Errorf("the customer's archive lists %+v", arch.Documents)
		}
		// Staff list it with its call and hear it.
		if docs := must(svc.CaseDocuments(ctx, ann, c.ID)); len(docs) != 1 || docs[0].CallSeq != call.Seq || docs[0].Kind != desk.RecordingKind {
			t.Errorf("staff list %+v", docs)
		}
		if d, b, err := svc.Recording(ctx, ann, c.ID, data.DocumentID); err != nil || string(b) != string(audio) || d.ContentType != "audio/mpeg" {
			t.Errorf("staff hear %q %+v %v", b, d, err)
		}

		// Partners: nobody's before the hand-over; then Fixit's user, never another firm's.
		_, _, err = svc.Recording(ctx, pat, c.ID, data.DocumentID)
		refused("a partner before the hand-over", err, desk.KindNotFound)
		must(svc.AssignPartner(ctx, sys, c.ID, fixit.ID, 0))
		if _, b, err := svc.Recording(ctx, pat, c.ID, data.DocumentID); err != nil || string(b) != string(audio) {
			t.Errorf("the partner the case is handed to: %q %v", b, err)
		}
		_, _, err = svc.Recording(ctx, oli, c.ID, data.DocumentID)
		refused("another firm's user", err, desk.KindNotFound)
		_, _, err = svc.DocumentContent(ctx, pat, data.DocumentID)
		refused("the partner by the documents' route", err, desk.KindNotFound)
		_, err = svc.AddRecording(ctx, pat, service.RecordingIn{CaseID: c.ID, CallSeq: call.Seq, ContentType: "audio/ogg", Content: []byte("OggS")})
		refused("the partner adding a recording", err, desk.KindForbidden)

		// kept verify: passes, then names the recording's entry when its bytes are changed.
		if rep := must(svc.Verify(ctx, 0, nil)); !rep.OK() || rep.Documents != 1 {
			t.Fatalf("verify on an untouched desk: %+v", rep)
		}
		db := rawDB(t, backend, st)
		tamper(t, backend, db, "documents",
			fmt.Sprintf(`UPDATE documents SET content = CAST('forged' AS %s) WHERE id = %d`, blobType(backend), data.DocumentID))
		rep := must(svc.Verify(ctx, 0, nil))
		if rep.OK() || len(rep.Evidence) == 0 {
			t.Fatalf("verify after the recording was changed: %+v", rep)
		}
		for _, f := range rep.Evidence {
			if f.Ref != c.Ref || f.Seq != entry.Seq || f.Object != fmt.Sprintf("document %d", data.DocumentID) {
				t.Errorf("the fault %+v does not name %s seq %d", f, c.Ref, entry.Seq)
			}
		}
		// A forger who fixes the stored hash too is caught by the record's quote.
		tamper(t, backend, db, "documents",
			fmt.Sprintf(`UPDATE documents SET sha256 = '%s', size = 6 WHERE id = %d`, hexSum("forged"), data.DocumentID))
		rep = must(svc.Verify(ctx, 0, nil))
		found := false
		for _, f := range rep.Evidence {
			found = found || (f.Field == "sha256" && f.Seq == entry.Seq)
		}
		if !found {
			t.Errorf("verify did not hold the stored hash to the entry's: %+v", rep.Evidence)
		}
	})
}
