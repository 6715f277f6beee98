package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestCallRecordingsOnCasePage (story 14): a recording posted to the API lands on the record
// with the SHA-256 of its bytes; the case page plays it from the desk (the page's policy lets
// it) and the bytes come back intact; staff add one on the page too; the customer (portal)
// and a partner of another firm get nothing.
func TestCallRecordingsOnCasePage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newPortalDesk(t, backend)
		sc := newPortalScene(t, d)
		ctx, sys := context.Background(), desk.SystemActor()
		if err := d.Svc.SetPassword(ctx, sc.ann.ID, adminPassword); err != nil {
			t.Fatal(err)
		}
		asAnn := desk.AgentActor(sc.ann)
		call, err := d.Svc.LogCall(ctx, asAnn, sc.kettle.ID, desk.NewCall{Direction: "inbound", At: start.Add(-time.Hour), DurationS: 240, Summary: "Mari called about the kettle."})
		if err != nil {
			t.Fatal(err)
		}
		call2, err := d.Svc.LogCall(ctx, asAnn, sc.kettle.ID, desk.NewCall{Direction: "outbound", At: start.Add(-time.Minute), DurationS: 60, Summary: "Called Mari back."})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := d.Svc.CreateToken(ctx, sys, service.NewToken{AgentID: sc.ann.ID, Label: "phone system"})
		if err != nil {
			t.Fatal(err)
		}
		post := func(token, ctype string, body []byte) (int, map[string]any) {
			t.Helper()
			req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/cases/%d/calls/%d/recording?filename=kettle-call.mp3", d.URL, sc.kettle.ID, call.Seq), bytes.NewReader(body))
			req.Header.Set("Content-Type", ctype)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out map[string]any
			raw, _ := io.ReadAll(resp.Body)
			if err := json.Unmarshal(raw, &out); err != nil {
				t.Fatalf("the answer is not JSON: %s", raw)
			}
			return resp.StatusCode, out
		}
		audio := append([]byte("ID3\x04\x00\x00"), bytes.Repeat([]byte{0xff, 0xfb, 0x90, 0x00}, 500)...)
		sum := sha256.Sum256(audio)
		if status, out := post(tok.Secret, "text/html", audio); status != http.StatusUnprocessableEntity {
			t.Fatalf("HTML as a recording: %d %v", status, out)
		}
		status, out := post(tok.Secret, "audio/mpeg", audio)
		data, _ := out["data"].(map[string]any)
		if status != http.StatusCreated || out["kind"] != "recording_added" || out["internal"] != true || data["sha256"] != hex.EncodeToString(sum[:]) {
			t.Fatalf("the recording by the API: %d %v", status, out)
		}
		docID := int64(data["document_id"].(float64))
		if status, out := post(tok.Secret, "audio/mpeg", audio); status != http.StatusConflict || out["error"].(map[string]any)["code"] != "recording_exists" {
			t.Fatalf("a second recording of the call: %d %v", status, out)
		}

		// The case page: the player on the call, the bytes intact and inline, the policy lets it play.
		ann := d.browser()
		ann.signIn("ann@desk.test", adminPassword)
		kettle := fmt.Sprintf("/cases/%d", sc.kettle.ID)
		src := fmt.Sprintf("%s/recordings/%d", kettle, docID)
		p := ann.get(kettle)
		p.mustContain(t, `<audio controls preload="none" src="`+src+`">`, "kettle-call.mp3", "Call recording added", "Add the recording")
		if csp := p.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "media-src 'self'") {
			t.Errorf("the case page's policy %q does not let the player load", csp)
		}
		got := ann.get(src)
		if got.Status != http.StatusOK || got.Body != string(audio) || got.Header.Get("Content-Type") != "audio/mpeg" ||
			!strings.HasPrefix(got.Header.Get("Content-Disposition"), "inline") {
			t.Fatalf("the recording: %d %q %q, %d bytes", got.Status, got.Header.Get("Content-Type"), got.Header.Get("Content-Disposition"), len(got.Body))
		}

		// The form on the second call: a file that is not audio is refused beside it, audio is kept.
		upload := func(ctype string, content []byte) page {
			t.Helper()
			var body bytes.Buffer
			w := multipart.NewWriter(&body)
			_ = w.WriteField("csrf", ann.csrf)
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", `form-data; name="file"; filename="callback.ogg"`)
			h.Set("Content-Type", ctype)
			fw, _ := w.CreatePart(h)
			_, _ = fw.Write(content)
			_ = w.Close()
			req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s%s/calls/%d/recording", d.URL, kettle, call2.Seq), &body)
			req.Header.Set("Content-Type", w.FormDataContentType())
			return ann.do(req)
		}
		if p = upload("text/plain", []byte("not audio")); p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("a text file as a recording: %d", p.Status)
		}
		p.mustContain(t, "That is not a recording the desk keeps")
		ann.get(kettle)
		if p = upload("audio/ogg", []byte("OggS callback")); p.Status != http.StatusSeeOther {
			t.Fatalf("the page's upload: %d\n%s", p.Status, p.Body)
		}
		ann.get(p.Location).mustContain(t, "The call&#39;s recording is on the record.", "callback.ogg")

		// The customer: the portal shows no recording and will not serve it.
		mari := d.browser()
		mari.portalSignIn("mari@example.ee")
		p = mari.get(fmt.Sprintf("/portal/cases/%d", sc.kettle.ID))
		if p.Status != http.StatusOK || strings.Contains(p.Body, "kettle-call.mp3") || strings.Contains(p.Body, "<audio") {
			t.Fatalf("the portal's case page: %d\n%s", p.Status, p.Body)
		}
		if p = mari.get(fmt.Sprintf("/portal/documents/%d", docID)); p.Status != http.StatusNotFound {
			t.Fatalf("the customer downloading the recording: %d", p.Status)
		}

		// A partner of a firm the case is not handed to: neither the API nor the page.
		firm, err := d.Svc.CreatePartner(ctx, sys, "Elsewhere")
		if err != nil {
			t.Fatal(err)
		}
		oli, err := d.Svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Oli", Email: "oli@elsewhere.test", Role: "partner", PartnerID: firm.ID, Timezone: "UTC"})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Svc.SetPassword(ctx, oli.ID, adminPassword); err != nil {
			t.Fatal(err)
		}
		otok, err := d.Svc.CreateToken(ctx, sys, service.NewToken{AgentID: oli.ID, Label: "oli"})
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{fmt.Sprintf("/api/v1/documents/%d/content", docID), fmt.Sprintf("/api/v1/cases/%d/documents", sc.kettle.ID)} {
			req, _ := http.NewRequest("GET", d.URL+path, nil)
			req.Header.Set("Authorization", "Bearer "+otok.Secret)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusForbidden {
				t.Errorf("the other firm's user GET %s: %d", path, resp.StatusCode)
			}
		}
		if status, _ := post(otok.Secret, "audio/mpeg", audio); status != http.StatusForbidden {
			t.Errorf("the other firm's user adding a recording: %d", status)
		}
		ob := d.browser()
		ob.signIn("oli@elsewhere.test", adminPassword)
		if p = ob.get(src); p.Status != http.StatusNotFound {
			t.Errorf("the other firm's user on the page's route: %d", p.Status)
		}
	})
}
