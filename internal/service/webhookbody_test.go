package service

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// TestDeliveryBodyIsThePayload checks that an event stored once (its body without the id) and
// given each endpoint's id as it is claimed is, byte for byte, the payload a delivery carried
// when each stored its own: receivers see no change, and old and new deliveries read alike.
func TestDeliveryBodyIsThePayload(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	for _, ev := range []hookEvent{
		{id: "msg_7_3", typ: "message_in", caseID: 7, at: at, data: WebhookEntry{Seq: 3, Kind: desk.KindMessageIn, At: at, Body: "Where is my \"parcel\"? <é>"}},
		{id: "evt_absence_started_4", typ: "absence_started", at: at, data: desk.AbsenceStartedData{AbsenceID: 4, Cases: []string{}}},
	} {
		body, err := eventBody(ev)
		if err != nil {
			t.Fatal(err)
		}
		messageID := ev.id + "_12" // as the sender's fan-out names the delivery to endpoint 12
		ref := ""
		if ev.caseID != 0 {
			ref = desk.CaseRef(ev.caseID)
		}
		want, err := json.Marshal(WebhookPayload{ID: messageID, Type: ev.typ, At: ev.at, CaseID: ev.caseID, Ref: ref, Data: ev.data})
		if err != nil {
			t.Fatal(err)
		}
		if got := store.DeliveryBody(messageID, body); !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", ev.typ, got, want)
		}
	}
}
