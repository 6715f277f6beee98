package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// The letters Estonian and Croatian need beyond ASCII, in a reply the PDF must show.
const exportLetters = "Tõnu Šimić: õ ä ö ü š ž č ć đ Õ Ä Ö Ü Š Ž Č Ć Đ"

// pdfText is the text a reader of the PDF sees, as poppler's pdftotext extracts it, with
// every run of white space made one space (lines wrap where the page ends).
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %.200q", pdf)
	}
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext (poppler-utils) is not installed; .ci/run installs it")
		}
		t.Skip("pdftotext (poppler-utils) is not installed")
	}
	file := filepath.Join(t.TempDir(), "record.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

// oneLine is text with every run of white space made one space, as pdfText gives it.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// readExport reads a downloaded record and checks it the way `kept verify --export` does.
func readExport(t *testing.T, p page) desk.RecordExport {
	t.Helper()
	if p.Status != http.StatusOK {
		t.Fatalf("the export answered %d: %s", p.Status, p.Body)
	}
	var x desk.RecordExport
	if err := json.Unmarshal([]byte(p.Body), &x); err != nil {
		t.Fatalf("the export is not JSON: %v\n%s", err, p.Body)
	}
	if f, err := desk.CheckExport(x); f != nil || err != nil {
		t.Fatalf("the export does not verify: %v %v", f, err)
	}
	return x
}

// exportCatalog is a language's words for the record's PDF.
func exportCatalog(t *testing.T, lang string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, page := range []string{"export", "case", "portal", "common"} {
		b, err := os.ReadFile(filepath.Join("locales", lang, page+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestCaseRecordDownloads: the case page links the record as PDF and as verifiable JSON. The
// JSON is the whole record (internal notes too) and verifies; edited, it fails naming the
// entry. The PDF, in the agent's language (Croatian here), shows the case, every entry with its
// kind in words and its text (Estonian and Croatian letters intact), and at the end every
// entry's hash, the chain's head and how to verify.
func TestCaseRecordDownloads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newPortalDesk(t, backend)
		sc := newPortalScene(t, d)
		ctx := context.Background()
		if _, err := d.Svc.AddMessage(ctx, desk.AgentActor(sc.ann), sc.kettle.ID, desk.NewMessage{Body: exportLetters}); err != nil {
			t.Fatal(err)
		}
		if err := d.Svc.SetPassword(ctx, sc.ann.ID, adminPassword); err != nil {
			t.Fatal(err)
		}
		b := d.browser()
		b.signIn(sc.ann.Email, adminPassword)
		id := strconv.FormatInt(sc.kettle.ID, 10)
		b.get("/cases/"+id).mustContain(t, `href="/cases/`+id+`/export?format=pdf"`, `href="/cases/`+id+`/export?format=json"`, "Download record")

		p := b.get("/cases/" + id + "/export")
		if ct, cd := p.Header.Get("Content-Type"), p.Header.Get("Content-Disposition"); ct != "application/json" ||
			!strings.Contains(cd, `filename="`+sc.kettle.Ref+`-record.json"`) {
			t.Errorf("the JSON download is %q, %q", ct, cd)
		}
		x := readExport(t, p)
		if len(x.Withheld) != 0 || !strings.Contains(p.Body, portalSecretNote) || x.Customer != "Mari Mets" || x.Owner != sc.ann.Name {
			t.Errorf("the desk's export withholds %v or lacks the note, customer %q, owner %q", x.Withheld, x.Customer, x.Owner)
		}
		// What the PDF tells its reader to compare its last hash with: the case page shows it.
		b.get("/cases/"+id).mustContain(t, fmt.Sprintf(`Sealed up to entry %d, whose hash is <code id="record-head">%s</code>`, x.HeadSeq, x.HeadHash))
		var edited desk.RecordExport
		if err := json.Unmarshal([]byte(strings.Replace(p.Body, "Sorry about the kettle", "Sorry about nothing", 1)), &edited); err != nil {
			t.Fatal(err)
		}
		if f, _ := desk.CheckExport(edited); f == nil || !strings.Contains(f.String(), sc.kettle.Ref+" seq ") {
			t.Errorf("an edited export: %v, want a fault naming the entry", f)
		}

		b.post("/lang", url.Values{"lang": {"hr"}, "next": {"/cases/" + id}})
		pdf := b.get("/cases/" + id + "/export?format=pdf")
		if ct, cd := pdf.Header.Get("Content-Type"), pdf.Header.Get("Content-Disposition"); ct != "application/pdf" ||
			!strings.Contains(cd, `filename="`+sc.kettle.Ref+`-record.pdf"`) {
			t.Errorf("the PDF download is %q, %q", ct, cd)
		}
		text := pdfText(t, []byte(pdf.Body))
		hr := exportCatalog(t, "hr")
		want := []string{strings.Replace(hr["export.title"], "%s", sc.kettle.Ref, 1), "Broken kettle", "Mari Mets", sc.ann.Name,
			hr["case.status.open"], hr["case.kind.message_out"], hr["case.kind.promise_made"], oneLine(exportLetters), portalSecretNote,
			hr["export.verify_title"], "kept verify --export", x.HeadHash}
		for _, e := range x.Entries {
			want = append(want, e.Hash)
			if body := strings.TrimSpace(e.Body); body != "" {
				want = append(want, oneLine(body))
			}
		}
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("the PDF does not show %q; its text:\n%s", w, text)
			}
		}
	})
}

// mariInEstonian is Mari in the portal, reading it in Estonian.
func mariInEstonian(d *testDesk, sc *portalScene) *browser {
	b := d.browser()
	b.portalSignIn(sc.mari.Email())
	b.get("/portal") // the page the language is chosen on
	b.post("/lang", url.Values{"lang": {"et"}, "next": {"/portal"}})
	return b
}

// TestPortalRecordPDFInTheCustomersWords: the customer's PDF says the desk's own lines in the
// customer's language, as the portal does: an Estonian customer's PDF read "Status open →
// awaiting_confirmation: a resolution was proposed" in English. Failed before.
func TestPortalRecordPDFInTheCustomersWords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newPortalDesk(t, backend)
		sc := newPortalScene(t, d)
		if _, err := d.Svc.Resolve(context.Background(), desk.AgentActor(sc.ann), sc.kettle.ID, "Uus veekeetja on teel."); err != nil {
			t.Fatal(err)
		}
		b := mariInEstonian(d, sc)
		id := strconv.FormatInt(sc.kettle.ID, 10)
		text := pdfText(t, []byte(b.get("/portal/cases/"+id+"/export?format=pdf").Body))
		et := exportCatalog(t, "et")
		if want := oneLine(fmt.Sprintf(et["portal.status_now"], et["portal.status.awaiting_confirmation"])); !strings.Contains(text, want) {
			t.Errorf("the customer's PDF does not say %q; its text:\n%s", want, text)
		}
		if strings.Contains(text, "a resolution was proposed") || strings.Contains(text, "Status open") {
			t.Errorf("the customer's PDF has the desk's English; its text:\n%s", text)
		}
	})
}

// TestPortalReferenceInTheCustomersWords: a reference given with a case is on the record as the
// desk's "invoice: INV-77"; the customer reads its kind in their language, on the portal page
// and in their PDF. Failed before ("invoice: INV-77" on both).
func TestPortalReferenceInTheCustomersWords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newPortalDesk(t, backend)
		sc := newPortalScene(t, d)
		if _, err := d.Svc.AddCaseReference(context.Background(), desk.AgentActor(sc.ann), sc.kettle.ID, desk.Reference{Kind: "invoice", Value: "INV-77"}); err != nil {
			t.Fatal(err)
		}
		b := mariInEstonian(d, sc)
		id := strconv.FormatInt(sc.kettle.ID, 10)
		et := exportCatalog(t, "et")
		want := et["portal.refkind.invoice"] + ": INV-77"
		p := b.get("/portal/cases/" + id)
		p.mustContain(t, want)
		p.portalLacks(t, "invoice: INV-77")
		if text := pdfText(t, []byte(b.get("/portal/cases/"+id+"/export?format=pdf").Body)); !strings.Contains(text, want) || strings.Contains(text, "invoice: INV-77") {
			t.Errorf("the customer's PDF does not say %q; its text:\n%s", want, text)
		}
	})
}

// TestPortalRecordDownload: the customer downloads their record from the portal. It leaves out
// the internal note, says plainly which entry it leaves out, and still verifies against the
// chain's head; the PDF is in the customer's language. Another customer's case is refused.
func TestPortalRecordDownload(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newPortalDesk(t, backend)
		sc := newPortalScene(t, d)
		b := d.browser()
		b.portalSignIn(sc.mari.Email())
		id := strconv.FormatInt(sc.kettle.ID, 10)
		b.get("/portal/cases/"+id).mustContain(t, `href="/portal/cases/`+id+`/export?format=pdf"`, "Download my record")

		p := b.get("/portal/cases/" + id + "/export?format=json")
		x := readExport(t, p)
		p.portalLacks(t, portalSecretNote)
		var noteSeq int64
		for _, e := range x.Entries {
			if e.Withheld {
				noteSeq = e.Seq
			}
		}
		if len(x.Withheld) != 1 || noteSeq == 0 || x.Withheld[0] != noteSeq {
			t.Fatalf("the portal's export withholds %v (stub at seq %d), want the internal note's seq", x.Withheld, noteSeq)
		}
		desks, err := d.Svc.Export(context.Background(), desk.SystemActor(), sc.kettle.ID)
		if err != nil {
			t.Fatal(err)
		}
		if x.HeadHash != desks.HeadHash || len(x.Entries) != len(desks.Entries) || desks.Entries[noteSeq-1].Body != portalSecretNote {
			t.Errorf("the portal's export ends at %s with %d entries; the desk's at %s with %d", x.HeadHash, len(x.Entries), desks.HeadHash, len(desks.Entries))
		}
		b.get("/portal/cases/"+id).mustContain(t, fmt.Sprintf(`Sealed up to entry %d, whose hash is <code id="record-head">%s</code>`, x.HeadSeq, x.HeadHash))

		b.post("/lang", url.Values{"lang": {"et"}, "next": {"/portal"}})
		text := pdfText(t, []byte(b.get("/portal/cases/"+id+"/export?format=pdf").Body))
		if strings.Contains(text, portalSecretNote) {
			t.Fatalf("the portal's PDF shows the internal note:\n%s", text)
		}
		et := exportCatalog(t, "et")
		note := strings.NewReplacer("%[1]d", "1", "%[2]d", strconv.Itoa(len(x.Entries)), "%[3]s", strconv.FormatInt(noteSeq, 10)).Replace(et["export.withheld_note"])
		for _, w := range []string{oneLine(note), et["export.entry_withheld"], et["portal.kind.promise_made"], portalPromiseWords, x.HeadHash, "Sorry about the kettle, Mari."} {
			if !strings.Contains(text, w) {
				t.Errorf("the portal's PDF does not show %q; its text:\n%s", w, text)
			}
		}

		other := b.get("/portal/cases/" + strconv.FormatInt(sc.ivoCase.ID, 10) + "/export")
		if other.Status != http.StatusNotFound || strings.Contains(other.Body, "Račun") {
			t.Errorf("another customer's record: %d\n%s", other.Status, other.Body)
		}
	})
}

// TestExportAPIAndDataArchive: the API's export answers as reading the case does (a partner
// user not on the case is refused; on it, the internal note is withheld); a customer's data
// archive is for admins and managers, and holds customer.json, each record as the customer
// reads it (verifiable) and the documents' bytes.
func TestExportAPIAndDataArchive(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newPortalDesk(t, backend)
		sc := newPortalScene(t, d)
		ctx, sys := context.Background(), desk.SystemActor()
		firm, err := d.Svc.CreatePartner(ctx, sys, "Fixit")
		if err != nil {
			t.Fatal(err)
		}
		pat, err := d.Svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Pat", Email: "pat@fixit.test", Role: "partner", PartnerID: firm.ID, Timezone: "UTC"})
		if err != nil {
			t.Fatal(err)
		}
		token := func(a desk.Agent) string {
			k, err := d.Svc.CreateToken(ctx, sys, service.NewToken{AgentID: a.ID, Label: "test"})
			if err != nil {
				t.Fatal(err)
			}
			return k.Secret
		}
		get := func(tok, path string) (int, http.Header, []byte) {
			req, _ := http.NewRequest(http.MethodGet, d.URL+path, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, resp.Header, body
		}
		casePath := "/api/v1/cases/" + strconv.FormatInt(sc.kettle.ID, 10) + "/export"
		patToken := token(pat)
		if code, _, body := get(patToken, casePath); code != http.StatusNotFound || bytes.Contains(body, []byte("kettle")) {
			t.Errorf("a partner user not on the case: %d %s", code, body)
		}
		if _, err := d.Svc.AssignPartner(ctx, desk.AgentActor(sc.ann), sc.kettle.ID, firm.ID, 0); err != nil {
			t.Fatal(err)
		}
		code, h, body := get(patToken, casePath)
		if code != http.StatusOK || !strings.Contains(h.Get("Content-Disposition"), sc.kettle.Ref+"-record.json") {
			t.Fatalf("the partner user on the case: %d %v %s", code, h, body)
		}
		x := readExport(t, page{Status: code, Body: string(body)})
		if len(x.Withheld) != 1 || bytes.Contains(body, []byte(portalSecretNote)) {
			t.Errorf("the partner's export withholds %v and shows the note: %v", x.Withheld, bytes.Contains(body, []byte(portalSecretNote)))
		}
		if code, _, body := get(patToken, casePath+"?format=xml"); code != http.StatusUnprocessableEntity && code != http.StatusBadRequest {
			t.Errorf("format=xml: %d %s", code, body)
		}

		// The customer's data, for a data request.
		if _, err := d.Svc.AddReference(ctx, sys, sc.mari.ID, desk.Reference{Kind: "order", Value: "ORD-ÕÄ-7"}); err != nil {
			t.Fatal(err)
		}
		receipt := []byte("%PDF-1.4 kviitung")
		doc, err := d.Svc.AddDocument(ctx, sys, service.DocumentIn{CustomerID: sc.mari.ID, CaseID: sc.kettle.ID, Kind: "receipt", Filename: "../kviitung õ.pdf",
			ContentType: "application/pdf", Content: receipt})
		if err != nil {
			t.Fatal(err)
		}
		archivePath := "/api/v1/customers/" + strconv.FormatInt(sc.mari.ID, 10) + "/export"
		for _, who := range []desk.Agent{sc.ann, sc.lea, pat} {
			if code, _, _ := get(token(who), archivePath); code != http.StatusForbidden {
				t.Errorf("%s (%s) asked for a customer's data: %d, want 403", who.Name, who.Role, code)
			}
		}
		code, h, body = get(token(d.Admin), archivePath)
		if code != http.StatusOK || h.Get("Content-Type") != "application/zip" {
			t.Fatalf("the admin's archive: %d %v %.300s", code, h, body)
		}
		z, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatal(err)
		}
		files := map[string][]byte{}
		for _, f := range z.File {
			r, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			files[f.Name], _ = io.ReadAll(r)
			r.Close()
		}
		about := string(files["customer.json"])
		for _, w := range []string{"Mari Mets", "mari@example.ee", "ORD-ÕÄ-7", sc.kettle.Ref, "receipt"} {
			if !strings.Contains(about, w) {
				t.Errorf("customer.json does not hold %q:\n%s", w, about)
			}
		}
		rec := files["cases/"+sc.kettle.Ref+"-record.json"]
		x = readExport(t, page{Status: http.StatusOK, Body: string(rec)})
		if len(x.Withheld) != 1 || bytes.Contains(rec, []byte(portalSecretNote)) {
			t.Errorf("the archive's record withholds %v; shows the note: %v", x.Withheld, bytes.Contains(rec, []byte(portalSecretNote)))
		}
		docFile := "documents/" + strconv.FormatInt(doc.ID, 10) + "-kviitung õ.pdf"
		if !bytes.Equal(files[docFile], receipt) {
			names := make([]string, 0, len(files))
			for n := range files {
				names = append(names, n)
			}
			t.Errorf("the archive's %s is %q; files: %v", docFile, files[docFile], names)
		}
		if _, other := files["cases/"+sc.ivoCase.Ref+"-record.json"]; other {
			t.Error("Mari's archive holds Ivo's case")
		}
	})
}
