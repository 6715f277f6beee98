package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/store/storetest"
)

// upload posts a document as multipart/form-data: the fields, then the file part (left out
// when filename is "").
func (d *testDesk) upload(path string, fields map[string]string, filename, contentType string, content []byte) (int, any) {
	d.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			d.t.Fatal(err)
		}
	}
	if filename != "" {
		h := textproto.MIMEHeader{}
		esc := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
		// Raw UTF-8 in the quoted filename, as browsers send it.
		h.Set("Content-Disposition", `form-data; name="file"; filename="`+esc.Replace(filename)+`"`)
		if contentType != "" {
			h.Set("Content-Type", contentType)
		}
		w, err := mw.CreatePart(h)
		if err != nil {
			d.t.Fatal(err)
		}
		w.Write(content)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", d.url+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+d.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out any
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &out); err != nil {
		d.t.Fatalf("POST %s: answer is not JSON: %s", path, raw)
	}
	return resp.StatusCode, out
}

// download fetches a document's bytes with the headers they came with.
func (d *testDesk) download(docID any, token string) (*http.Response, []byte) {
	d.t.Helper()
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/documents/%v/content", d.url, docID), nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

func TestDocumentsOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		billing := d.call("POST", "/api/v1/agents", map[string]any{"name": "Ann Tamm", "email": "ann@example.ee", "role": "agent", "team": "Billing"}, 201)
		support := d.call("POST", "/api/v1/agents", map[string]any{"name": "Sten Saar", "email": "sten@example.ee", "role": "agent", "team": "Support"}, 201)
		cust := id(d.call("POST", "/api/v1/customers", map[string]any{"name": "Ivo Ivić", "email": "ivo@example.hr"}, 201))
		billCase := id(d.call("POST", "/api/v1/cases", map[string]any{"customer_id": cust, "subject": "Close the account",
			"body": "My father passed away.", "channel": "email", "owner_id": obj(billing)["id"]}, 201))
		supportCase := id(d.call("POST", "/api/v1/cases", map[string]any{"customer_id": cust, "subject": "Cancel broadband",
			"body": "Please cancel his broadband.", "channel": "email", "owner_id": obj(support)["id"]}, 201))
		docs := "/api/v1/customers/" + cust + "/documents"

		// Multipart, as a browser sends it, with a case of Billing.
		pdf := []byte("%PDF-1.7\n1 0 obj << >> endobj\n")
		status, pdfDoc := d.upload(docs, map[string]string{"kind": "death certificate", "case_id": billCase}, "Smrtni list – Ivić.pdf", "application/pdf", pdf)
		sum := sha256.Sum256(pdf)
		if status != 201 || obj(pdfDoc)["filename"] != "Smrtni list – Ivić.pdf" || obj(pdfDoc)["kind"] != "death certificate" ||
			obj(pdfDoc)["sha256"] != hex.EncodeToString(sum[:]) || obj(pdfDoc)["content_type"] != "application/pdf" || fmt.Sprint(obj(pdfDoc)["case_id"]) != billCase {
			t.Fatalf("multipart upload: %d %v", status, pdfDoc)
		}
		// JSON, as an integration sends it; HTML that would run if it were shown.
		page := []byte(`<html><script>fetch("/api/v1/agents")</script></html>`)
		htmlDoc := d.call("POST", docs, map[string]any{"kind": "receipt", "filename": "receipt.html", "content_type": "text/html",
			"content_base64": base64.StdEncoding.EncodeToString(page)}, 201)
		svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
		status, svgDoc := d.upload(docs, map[string]string{"kind": "signature"}, "signature.svg", "image/svg+xml", svg)
		if status != 201 {
			t.Fatalf("svg upload: %d %v", status, svgDoc)
		}

		// On the customer: every team's case shows all three.
		for _, path := range []string{docs, "/api/v1/cases/" + supportCase + "/documents", "/api/v1/cases/" + billCase + "/documents"} {
			if l := list(d.call("GET", path, nil, 200)); len(l) != 3 || id(l[0]) != id(pdfDoc) {
				t.Errorf("%s: %v, want the three documents", path, l)
			}
		}
		if meta := obj(d.call("GET", "/api/v1/documents/"+id(pdfDoc), nil, 200)); fmt.Sprint(meta["size"]) != fmt.Sprint(len(pdf)) {
			t.Errorf("document metadata: %v", meta)
		}

		resp, body := d.download(id(pdfDoc), d.token)
		if resp.StatusCode != 200 || !bytes.Equal(body, pdf) || resp.Header.Get("Content-Type") != "application/pdf" {
			t.Errorf("pdf download: %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		const wantCD = `attachment; filename="Smrtni list - Ivic.pdf"; filename*=UTF-8''Smrtni%20list%20%E2%80%93%20Ivi%C4%87.pdf`
		if cd := resp.Header.Get("Content-Disposition"); cd != wantCD {
			t.Errorf("Content-Disposition %s, want %s", cd, wantCD)
		}
		if disp, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); err != nil || disp != "attachment" || params["filename"] != "Smrtni list – Ivić.pdf" {
			t.Errorf("a client reads the filename as %q (%v)", params["filename"], err)
		}
		for name, doc := range map[string]any{"html": htmlDoc, "svg": svgDoc} {
			resp, body := d.download(id(doc), d.token)
			h := resp.Header
			if resp.StatusCode != 200 || h.Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment;") ||
				h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Content-Security-Policy") != "default-src 'none'; sandbox" || len(body) == 0 {
				t.Errorf("%s download: %d, headers %v", name, resp.StatusCode, h)
			}
		}
		if resp, _ := d.download(id(pdfDoc), ""); resp.StatusCode != 401 {
			t.Errorf("download without a token: %d", resp.StatusCode)
		}
		if resp, _ := d.download(99999, d.token); resp.StatusCode != 404 {
			t.Errorf("download of a missing document: %d", resp.StatusCode)
		}

		rec := list(d.call("GET", "/api/v1/cases/"+billCase+"/record", nil, 200))
		last := obj(rec[len(rec)-1])
		if last["kind"] != "document_added" || last["internal"] != false || fmt.Sprint(obj(last["data"])["document_id"]) != id(pdfDoc) ||
			obj(last["data"])["sha256"] != obj(pdfDoc)["sha256"] {
			t.Errorf("record ends with %v, want the document_added entry", last)
		}
	})
}

func TestDocumentUploadRefusals(t *testing.T) {
	d := newDesk(t, "sqlite")
	cust := id(d.call("POST", "/api/v1/customers", map[string]any{"name": "Mari", "email": "mari@example.ee"}, 201))
	other := id(d.call("POST", "/api/v1/customers", map[string]any{"name": "Ivo", "email": "ivo@example.hr"}, 201))
	d.call("POST", "/api/v1/agents", map[string]any{"name": "Ann", "email": "ann@example.ee", "role": "agent"}, 201)
	otherCase := id(d.call("POST", "/api/v1/cases", map[string]any{"customer_id": other, "subject": "Toaster", "body": "It burns", "channel": "web"}, 201))
	docs := "/api/v1/customers/" + cust + "/documents"

	for _, tc := range []struct {
		name                string
		status              int
		fields              map[string]string
		filename, ctype     string
		content             []byte
		wantCode, wantField string
	}{
		{"empty file", 422, map[string]string{"kind": "receipt"}, "r.pdf", "application/pdf", nil, "invalid", "content"},
		{"no kind", 422, nil, "r.pdf", "application/pdf", []byte("x"), "invalid", "kind"},
		{"no file", 422, map[string]string{"kind": "receipt"}, "", "", nil, "invalid", "file"},
		{"unknown field", 400, map[string]string{"kind": "receipt", "colour": "red"}, "r.pdf", "", []byte("x"), "bad_request", "colour"},
		{"another customer's case", 422, map[string]string{"kind": "receipt", "case_id": otherCase}, "r.pdf", "", []byte("x"), "invalid", "case_id"},
		{"larger than 25 MiB", 422, map[string]string{"kind": "scan"}, "scan.tiff", "image/tiff", make([]byte, 26<<20), "invalid", "content"},
	} {
		status, out := d.upload(docs, tc.fields, tc.filename, tc.ctype, tc.content)
		if code, field, _ := errorOf(out); status != tc.status || code != tc.wantCode || field != tc.wantField {
			t.Errorf("%s: %d %v, want %d %s on %s", tc.name, status, out, tc.status, tc.wantCode, tc.wantField)
		}
	}
	status, out := d.do("POST", docs, d.token, map[string]any{"kind": "receipt", "filename": "r.pdf", "content_base64": "not base64!"})
	if code, field, _ := errorOf(out); status != 400 || code != "bad_request" || field != "content_base64" {
		t.Errorf("bad base64: %d %v", status, out)
	}
	status, out = d.do("POST", docs, d.token, map[string]any{"kind": "scan", "filename": "scan.tiff",
		"content_base64": base64.StdEncoding.EncodeToString(make([]byte, 27<<20))})
	if code, field, _ := errorOf(out); status != 400 || code != "too_large" || field != "content" {
		t.Errorf("JSON upload over the request limit: %d %v", status, out)
	}
	if l := list(d.call("GET", docs, nil, 200)); len(l) != 0 {
		t.Errorf("refused uploads were stored: %v", l)
	}
	d.call("GET", "/api/v1/customers/99999/documents", nil, 404)

	_, doc := d.do("GET", "/api/v1/openapi.json", "", nil)
	paths := obj(obj(doc)["paths"])
	post := obj(obj(paths["/api/v1/customers/{id}/documents"])["post"])
	props := obj(obj(obj(obj(obj(post["requestBody"])["content"])["application/json"])["schema"])["properties"])
	for _, f := range []string{"kind", "filename", "content_type", "content_base64", "case_id"} {
		if _, ok := props[f]; !ok {
			t.Errorf("openapi.json: the upload lacks %q", f)
		}
	}
	for _, p := range []string{"/api/v1/customers/{id}/documents", "/api/v1/cases/{id}/documents", "/api/v1/documents/{id}"} {
		if obj(obj(paths[p])["get"]) == nil {
			t.Errorf("openapi.json lacks GET %s", p)
		}
	}
}
