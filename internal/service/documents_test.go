package service_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestStoryTwoDepartmentsOneCustomer: a document given to Billing is on the customer, so
// Support's case shows it and Support is warned before asking for it again (story 10).
func TestStoryTwoDepartmentsOneCustomer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		svc, _ := newService(t, backend)
		sys := desk.SystemActor()
		billing := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ann Tamm", Email: "ann@example.ee", Role: "agent", Team: "Billing"}))
		support := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Sten Saar", Email: "sten@example.ee", Role: "agent", Team: "Support"}))
		ivo := must(svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Ivo Ivić", Email: "ivo@example.hr"}))
		billCase := must(svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: ivo.ID, Subject: "Close my late father's account",
			Body: "My father passed away; please close his account.", Channel: "email", OwnerID: billing.ID}))
		supportCase := must(svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: ivo.ID, Subject: "Cancel the broadband",
			Body: "Please cancel his broadband too.", Channel: "email", OwnerID: support.ID}))

		pdf := []byte("%PDF-1.7\n% Smrtni list\n")
		asAnn := desk.AgentActor(billing)
		doc := must(svc.AddDocument(ctx, asAnn, service.DocumentIn{CustomerID: ivo.ID, CaseID: billCase.ID, Kind: " death   certificate ", Filename: "C:\\scans\\Smrtni list – Ivić.pdf", ContentType: "application/pdf", Content: pdf}))
		sum := sha256.Sum256(pdf)
		if doc.ID == 0 || doc.Kind != "death certificate" || doc.Filename != "Smrtni list – Ivić.pdf" || doc.Size != int64(len(pdf)) ||
			doc.SHA256 != hex.EncodeToString(sum[:]) || doc.CaseID != billCase.ID || doc.By.Name != "Ann Tamm" {
			t.Errorf("stored document %+v", doc)
		}

		asSten := desk.AgentActor(support)
		for what, list := range map[string][]desk.Document{
			"the customer's documents":    must(svc.Documents(ctx, asSten, ivo.ID)),
			"Support's case":              must(svc.CaseDocuments(ctx, asSten, supportCase.ID)),
			"Billing's case, for Support": must(svc.CaseDocuments(ctx, asSten, billCase.ID)),
		} {
			if len(list) != 1 || list[0].ID != doc.ID || list[0].SHA256 != doc.SHA256 || list[0].By.Kind != desk.ActorAgent {
				t.Errorf("%s: %+v, want the death certificate", what, list)
			}
		}
		got, content := must2(svc.DocumentContent(ctx, asSten, doc.ID))
		if !bytes.Equal(content, pdf) || got.ContentType != "application/pdf" {
			t.Errorf("Support downloads %q as %s", content, got.ContentType)
		}
		stored := sha256.Sum256(content)
		if hex.EncodeToString(stored[:]) != got.SHA256 {
			t.Errorf("stored sha256 %s does not match the stored bytes", got.SHA256)
		}

		asked := must(svc.DocumentsAskedAgain(ctx, asSten, ivo.ID, "Could you send us the Death Certificate?"))
		if len(asked) != 1 || asked[0].ID != doc.ID {
			t.Errorf("asking again for the death certificate is not flagged: %v", asked)
		}
		if asked := must(svc.DocumentsAskedAgain(ctx, asSten, ivo.ID, "Please send the certificate of warranty.")); len(asked) != 0 {
			t.Errorf("asking for a warranty certificate is flagged as asked again: %v", asked)
		}

		// Support adds one to Billing's case: Sten is introduced before his name appears.
		must(svc.AddDocument(ctx, asSten, service.DocumentIn{CustomerID: ivo.ID, CaseID: billCase.ID, Kind: "power of attorney", Filename: "punomoc.pdf", ContentType: "", Content: []byte("%PDF-1.4 punomoć")}))
		rec := must(svc.Record(ctx, desk.CustomerActor(ivo), billCase.ID))
		kinds := kindsOf(rec)
		if n := len(kinds); n < 3 || kinds[n-3] != string(desk.KindDocumentAdded) || kinds[n-2] != string(desk.KindIntroduction) ||
			kinds[n-1] != string(desk.KindDocumentAdded) {
			t.Fatalf("record of Billing's case: %v", kinds)
		}
		added := lastOf(rec, desk.KindDocumentAdded)
		data, ok := desk.DataOf[desk.DocumentAddedData](*added)
		if !ok || added.Internal || added.Body != "power of attorney: punomoc.pdf" || data.Kind != "power of attorney" || data.Filename != "punomoc.pdf" ||
			data.Size != int64(len("%PDF-1.4 punomoć")) || data.DocumentID == 0 || len(data.SHA256) != 64 {
			t.Errorf("document_added entry: %s %s", added.Body, added.Data)
		}
		if got := kindsOf(must(svc.Record(ctx, sys, supportCase.ID))); got[len(got)-1] == string(desk.KindDocumentAdded) {
			t.Errorf("Support's case got an entry for a document that came with Billing's: %v", got)
		}
		if rep := must(svc.Verify(ctx, 0, nil)); len(rep.Faults) != 0 {
			t.Errorf("chains after adding documents: %v", rep.Faults)
		}
	})
}

// TestDocumentAccess: a customer adds and sees only their own documents; partners see none;
// a wrong case or an oversized file is refused by name.
func TestDocumentAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		svc, _ := newService(t, backend)
		sys := desk.SystemActor()
		must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ann", Email: "ann@example.ee", Role: "agent"}))
		mari := must(svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Mari", Email: "mari@example.ee"}))
		ivo := must(svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Ivo", Email: "ivo@example.hr"}))
		mariCase := must(svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: mari.ID, Subject: "Kettle", Body: "It leaks", Channel: "web"}))
		ivoCase := must(svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: ivo.ID, Subject: "Toaster", Body: "It burns", Channel: "web"}))
		ivoDoc := must(svc.AddDocument(ctx, sys, service.DocumentIn{CustomerID: ivo.ID, CaseID: 0, Kind: "receipt", Filename: "racun.pdf", ContentType: "application/pdf", Content: []byte("%PDF receipt")}))

		asMari := desk.CustomerActor(mari)
		own := must(svc.AddDocument(ctx, asMari, service.DocumentIn{CustomerID: mari.ID, CaseID: mariCase.ID, Kind: "receipt", Filename: "kviitung.jpg", ContentType: "image/jpeg", Content: []byte("\xff\xd8\xff jpeg")}))
		if own.By.Kind != desk.ActorCustomer || own.By.ID != mari.ID {
			t.Errorf("Mari's document is by %+v", own.By)
		}
		if _, content := must2(svc.DocumentContent(ctx, asMari, own.ID)); string(content) != "\xff\xd8\xff jpeg" {
			t.Errorf("Mari downloads %q", content)
		}
		if list := must(svc.Documents(ctx, asMari, mari.ID)); len(list) != 1 || list[0].ID != own.ID {
			t.Errorf("Mari's documents: %+v", list)
		}
		if rec := must(svc.Record(ctx, asMari, mariCase.ID)); lastOf(rec, desk.KindDocumentAdded) == nil {
			t.Errorf("Mari's document is not on her case's record: %v", kindsOf(rec))
		}

		partner := desk.Actor{Kind: desk.ActorAgent, ID: 99, Name: "HP service", Role: desk.RolePartner}
		for who, actor := range map[string]desk.Actor{"Mari": asMari, "a partner": partner} {
			if _, _, err := svc.DocumentContent(ctx, actor, ivoDoc.ID); !isNotFound(err) {
				t.Errorf("%s downloading Ivo's receipt: %v, want not found", who, err)
			}
			if _, err := svc.Document(ctx, actor, ivoDoc.ID); !isNotFound(err) {
				t.Errorf("%s reading Ivo's receipt: %v, want not found", who, err)
			}
			if _, err := svc.Documents(ctx, actor, ivo.ID); !isNotFound(err) {
				t.Errorf("%s listing Ivo's documents: %v, want not found", who, err)
			}
			if _, err := svc.CaseDocuments(ctx, actor, ivoCase.ID); !isNotFound(err) {
				t.Errorf("%s listing the documents on Ivo's case: %v, want not found", who, err)
			}
			if _, err := svc.AddDocument(ctx, actor, service.DocumentIn{CustomerID: ivo.ID, CaseID: 0, Kind: "receipt", Filename: "x.pdf", ContentType: "", Content: []byte("x")}); !isNotFound(err) {
				t.Errorf("%s adding to Ivo's documents: %v, want not found", who, err)
			}
			if _, err := svc.DocumentsAskedAgain(ctx, actor, ivo.ID, "send the receipt"); !isNotFound(err) {
				t.Errorf("%s checking Ivo's documents: %v, want not found", who, err)
			}
		}
		if _, _, err := svc.DocumentContent(ctx, sys, 9999); !isNotFound(err) {
			t.Errorf("a missing document: %v, want not found", err)
		}
		if _, err := svc.Documents(ctx, sys, 9999); !isNotFound(err) {
			t.Errorf("a missing customer's documents: %v, want not found", err)
		}

		refusedOn := func(err error) string {
			if e, ok := desk.AsError(err); ok && e.Kind == desk.KindInvalid {
				return e.Field
			}
			return "not refused as input: " + errString(err)
		}
		if f := refusedOn(must2err(svc.AddDocument(ctx, asMari, service.DocumentIn{CustomerID: mari.ID, CaseID: ivoCase.ID, Kind: "receipt", Filename: "x.pdf", ContentType: "", Content: []byte("x")}))); f != "case_id" {
			t.Errorf("Mari adding to Ivo's case: %s, want case_id", f)
		}
		if f := refusedOn(must2err(svc.AddDocument(ctx, sys, service.DocumentIn{CustomerID: mari.ID, CaseID: ivoCase.ID, Kind: "receipt", Filename: "x.pdf", ContentType: "", Content: []byte("x")}))); f != "case_id" {
			t.Errorf("a document for Mari on Ivo's case: %s, want case_id", f)
		}
		big := make([]byte, desk.MaxDocumentSize+1)
		if f := refusedOn(must2err(svc.AddDocument(ctx, sys, service.DocumentIn{CustomerID: mari.ID, Kind: "scan", Filename: "huge.tiff", ContentType: "image/tiff", Content: big}))); f != "content" {
			t.Errorf("a file over 25 MiB: %s, want content", f)
		}
		if f := refusedOn(must2err(svc.AddDocument(ctx, sys, service.DocumentIn{CustomerID: mari.ID, CaseID: 0, Kind: "", Filename: "x.pdf", ContentType: "", Content: []byte("x")}))); f != "kind" {
			t.Errorf("a document without a kind: %s, want kind", f)
		}
		if list := must(svc.Documents(ctx, sys, mari.ID)); len(list) != 1 {
			t.Errorf("refused documents were stored: %+v", list)
		}
	})
}

func must2[A, B any](a A, b B, err error) (A, B) {
	if err != nil {
		panic(err)
	}
	return a, b
}

func must2err[T any](_ T, err error) error { return err }

func errString(err error) string {
	if err == nil {
		return "accepted"
	}
	return err.Error()
}
