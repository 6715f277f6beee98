package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// replyForm sends the composer as the page does: multipart, with the fields and files given.
func (b *browser) replyForm(path, lang string, fields map[string]string, files map[string][]byte) page {
	b.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("csrf", b.csrf)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	for name, content := range files {
		fw, _ := w.CreateFormFile("files", name)
		_, _ = fw.Write(content)
	}
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, b.d.URL+path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Accept-Language", lang)
	return b.do(req)
}

// Issue 16 on the case page: the composer's Cc and Bcc are the case's and a file goes with the
// reply; files over the desk's limit are refused in the reader's language with the text kept;
// the case is set waiting on the customer and leaves the open inbox for a list of its own.
func TestCaseComposerCopiesFilesAndWaiting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		cd := newCaseDesk(t, backend)
		b := cd.signedInAs("ann@example.com")
		p := b.get(cd.path(""))
		p.mustContain(t, `enctype="multipart/form-data"`, `name="cc"`, `name="bcc"`, `name="files"`)
		p = b.replyForm(cd.path("/reply"), "en", map[string]string{"body": "The manual is attached.", "visibility": "public",
			"cc": "jaan@example.ee", "bcc": "audit@example.ee"}, map[string][]byte{"manual.txt": []byte("read me")})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("reply: %d\n%s", p.Status, p.Body)
		}
		v, err := cd.Svc.Case(context.Background(), desk.AgentActor(cd.Ann), cd.CaseID)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(v.CC, ",") != "jaan@example.ee" || strings.Join(v.BCC, ",") != "audit@example.ee" {
			t.Errorf("copies after the reply: cc %v bcc %v", v.CC, v.BCC)
		}
		p = b.get(cd.path(""))
		p.mustContain(t, `value="jaan@example.ee"`, `value="audit@example.ee"`, "manual.txt", "Copies changed")

		big := bytes.Repeat([]byte("x"), desk.MaxDocumentSize+1)
		p = b.replyForm(cd.path("/reply"), "et", map[string]string{"body": "Siin on suur fail.", "visibility": "public"}, map[string][]byte{"big.bin": big})
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("too large: %d", p.Status)
		}
		p.mustContain(t, "Failid on liiga suured: kokku kuni 25 MiB.", "Siin on suur fail.")

		p = b.post(cd.path("/waiting"), url.Values{"action": {"set"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("set waiting: %d\n%s", p.Status, p.Body)
		}
		b.get(cd.path("")).mustContain(t, "Waiting on the customer: the response clock is paused.", "Stop waiting")
		if strings.Contains(b.get("/inbox").Body, cd.path("")+`"`) {
			t.Error("a case waiting on the customer is in the open inbox")
		}
		b.get("/inbox?status=on_customer").mustContain(t, cd.path(""), `badge waiting-on-customer`)
		if _, err := cd.Svc.AddMessage(context.Background(), desk.CustomerActor(cd.Cust), cd.CaseID, desk.NewMessage{Body: "Here it is."}); err != nil {
			t.Fatal(err)
		}
		b.get("/inbox").mustContain(t, cd.path(""))
		if _, err := cd.Svc.SetWaiting(context.Background(), desk.AgentActor(cd.Ann), cd.CaseID, service.WaitingIn{Stop: true}); err == nil {
			t.Error("the case still waited after the customer wrote")
		}

		// Merging another customer's case is refused in the reader's words, the ref kept.
		ivo := caseMust(cd.Svc.CreateCustomer(context.Background(), desk.SystemActor(), desk.NewCustomer{Name: "Ivo Horvat", Email: "ivo@example.hr"}))
		other := caseMust(cd.Svc.OpenCase(context.Background(), desk.SystemActor(), desk.NewCase{CustomerID: ivo.ID, Subject: "Toaster", Body: "Broken.", Channel: "web", OwnerID: cd.Ann.ID}))
		b.get(cd.path(""))
		p = b.post(cd.path("/merge"), url.Values{"from": {other.Ref}})
		if p.Status != http.StatusConflict {
			t.Fatalf("merging another customer's case: %d", p.Status)
		}
		p.mustContain(t, "Only cases of the same customer can be merged.", `value="`+other.Ref+`"`)
	})
}

// A reply's file is the customer's in the portal, beside the reply; an internal note's file is
// neither listed nor served to them.
func TestPortalShowsARepliesFilesOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newPortalDesk(t, backend)
		ctx := context.Background()
		ann := caseAgent(t, d, "Ann Tamm", "ann@example.com", "Care")
		cust := caseMust(d.Svc.CreateCustomer(ctx, desk.SystemActor(), desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.ee"}))
		c := caseMust(d.Svc.OpenCase(ctx, desk.SystemActor(), desk.NewCase{CustomerID: cust.ID, Subject: "Kettle", Body: "It leaks.", Channel: "web", OwnerID: ann.ID}))
		reply := caseMust(d.Svc.AddMessage(ctx, desk.AgentActor(ann), c.ID, desk.NewMessage{Body: "The manual.",
			Files: []desk.FileIn{{Filename: "manual.txt", ContentType: "text/plain", Content: []byte("read me")}}}))
		note := caseMust(d.Svc.AddMessage(ctx, desk.AgentActor(ann), c.ID, desk.NewMessage{Body: "Their ID.", Internal: true,
			Files: []desk.FileIn{{Filename: "passport-scan.txt", ContentType: "text/plain", Content: []byte("secret")}}}))
		rd, _ := desk.DataOf[desk.MessageOutData](reply.Entry)
		nd, _ := desk.DataOf[desk.NoteData](note.Entry)
		b := d.browser()
		b.portalSignIn("mari@example.ee")
		p := b.get("/portal/cases/" + itoa(c.ID))
		p.mustContain(t, "manual.txt", "/portal/documents/"+itoa(rd.Files[0].DocumentID))
		p.portalLacks(t, "passport-scan.txt")
		if got := b.get("/portal/documents/" + itoa(rd.Files[0].DocumentID)); got.Status != http.StatusOK || got.Body != "read me" {
			t.Errorf("the reply's file: %d %q", got.Status, got.Body)
		}
		if got := b.get("/portal/documents/" + itoa(nd.Files[0].DocumentID)); got.Status != http.StatusNotFound {
			t.Errorf("the note's file answers the customer %d", got.Status)
		}
	})
}
