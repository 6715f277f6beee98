package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/store/storetest"
)

// download is a file the API answers: its status, headers and bytes.
func (s *server) download(t testing.TB, token, path string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// TestExportedRecordsVerify: a record downloaded from the API (GET /cases/{id}/export) is the
// file `kept verify --export` accepts; a copy with one word changed fails, naming the entry. The
// customer's copy in a data-request archive leaves the internal note out and still verifies,
// and verify says what it left out.
func TestExportedRecordsVerify(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		t.Parallel()
		db := dbArgsOf(t, backend)
		code, out, errOut := kept(t, "", append([]string{"token", "--email", "head@desk.test", "--role", "admin"}, db...)...)
		if code != 0 {
			t.Fatalf("kept token: %d %s%s", code, out, errOut)
		}
		token := lastLine(out)
		srv := startServer(t, db)
		agent := srv.call(t, token, "POST", "/api/v1/agents", map[string]any{"name": "Ana Horvat", "email": "ana@desk.test", "role": "agent", "timezone": "Europe/Zagreb"}, 201)
		cust := srv.call(t, token, "POST", "/api/v1/customers", map[string]any{"name": "Đuro Čačić", "email": "duro@example.hr", "language": "hr",
			"timezone": "Europe/Zagreb", "references": []map[string]string{{"kind": "order", "value": "NAR-ČĆ-9"}}}, 201)
		cs := srv.call(t, token, "POST", "/api/v1/cases", map[string]any{"customer_id": cust["id"], "subject": "Račun za studeni",
			"body": "Račun nije stigao, molim provjeru.", "channel": "email", "owner_id": agent["id"]}, 201)
		ref, path := cs["ref"].(string), fmt.Sprintf("/api/v1/cases/%v", cs["id"])
		srv.call(t, token, "POST", path+"/messages", map[string]any{"body": "Kupac zove treći put.", "internal": true}, 201)
		srv.call(t, token, "POST", path+"/messages", map[string]any{"body": "Šaljemo novi račun danas, Marker-Ž4."}, 201)

		code, h, file := srv.download(t, token, path+"/export")
		if code != 200 || !strings.Contains(h.Get("Content-Disposition"), ref+"-record.json") {
			t.Fatalf("export: %d %v %s", code, h, file)
		}
		code, _, archive := srv.download(t, token, fmt.Sprintf("/api/v1/customers/%v/export", cust["id"]))
		if code != 200 {
			t.Fatalf("customer archive: %d %s", code, archive)
		}
		srv.stop(t)

		dir := t.TempDir()
		exported := filepath.Join(dir, ref+"-record.json")
		if err := os.WriteFile(exported, file, 0o600); err != nil {
			t.Fatal(err)
		}
		var head struct {
			Seq  int64  `json:"head_seq"`
			Hash string `json:"head_hash"`
		}
		if err := json.Unmarshal(file, &head); err != nil {
			t.Fatal(err)
		}
		// It says what to compare with the desk, and what no hash covers.
		if code, out, _ := kept(t, "", "verify", "--export", exported); code != 0 || !strings.Contains(out, "ok: "+ref) ||
			!strings.Contains(out, fmt.Sprintf("it ends at entry %d, hash %s", head.Seq, head.Hash)) || !strings.Contains(out, "are not sealed") {
			t.Errorf("kept verify --export of the API's export: exit %d %s", code, out)
		}
		tampered := filepath.Join(dir, "tampered.json")
		if err := os.WriteFile(tampered, bytes.Replace(file, []byte("Marker-Ž4"), []byte("Marker-Z4"), 1), 0o600); err != nil {
			t.Fatal(err)
		}
		// The request, two introductions, the note, the reply: the reply is seq 5.
		if code, out, _ := kept(t, "", "verify", "--export", tampered); code == 0 || !strings.Contains(out, ref+" seq 5") {
			t.Errorf("kept verify --export of an edited copy: exit %d %q, want a failure naming %s seq 5", code, out, ref)
		}

		z, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
		if err != nil {
			t.Fatal(err)
		}
		var customers, record []byte
		for _, f := range z.File {
			r, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(r)
			r.Close()
			switch f.Name {
			case "customer.json":
				customers = b
			case "cases/" + ref + "-record.json":
				record = b
			}
		}
		if !bytes.Contains(customers, []byte("NAR-ČĆ-9")) || !bytes.Contains(customers, []byte("duro@example.hr")) {
			t.Errorf("customer.json: %s", customers)
		}
		if record == nil || bytes.Contains(record, []byte("treći put")) {
			t.Fatalf("the archive's record is missing or shows the internal note: %s", record)
		}
		customersCopy := filepath.Join(dir, "customers-copy.json")
		if err := os.WriteFile(customersCopy, record, 0o600); err != nil {
			t.Fatal(err)
		}
		if code, out, _ := kept(t, "", "verify", "--export", customersCopy); code != 0 || !strings.Contains(out, "1 entries are withheld from this copy (seq 4)") {
			t.Errorf("kept verify --export of the customer's copy: exit %d %s", code, out)
		}
	})
}
