package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestPartnerGetsNoMail: a partner user working on a case handed to their firm reads its
// record, but not the customer's mail whole or its bytes (addresses, headers), as they do not
// get the customer; the desk's own people do. (Before, /mails/{id} and /raw answered partners.)
func TestPartnerGetsNoMail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		ctx := context.Background()
		d.call("POST", "/api/v1/agents", map[string]any{"name": "Ann", "email": "ann@example.com", "role": "agent"}, 201)
		res, err := d.svc.ReceiveMail(ctx, mail.Delivery{From: "mari@example.ee", To: []string{"support@desk.test"}, Raw: []byte(
			"From: Mari Kask <mari@example.ee>\r\nTo: support@desk.test\r\nSubject: Broken hinge\r\nMessage-ID: <h1@example.ee>\r\n" +
				"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nThe hinge broke. Call me at +372 5555 1234.\r\n" +
				"--b\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=hinge.png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--b--\r\n")})
		if err != nil || !res.Created {
			t.Fatalf("receive: %+v %v", res, err)
		}
		firm := d.call("POST", "/api/v1/partners", map[string]any{"name": "FixIt Ltd"}, 201)
		pete := d.call("POST", "/api/v1/agents", map[string]any{"name": "Pete", "email": "pete@fixit.example", "role": "partner", "partner_id": obj(firm)["id"]}, 201)
		peteToken := d.tokenFor(obj(pete)["id"])
		caseID := fmt.Sprint(res.CaseID)
		d.call("POST", "/api/v1/cases/"+caseID+"/partner", map[string]any{"partner_id": obj(firm)["id"]}, 200)
		d.call2(peteToken, "GET", "/api/v1/cases/"+caseID+"/record", nil, 200) // the case is theirs to work on

		mailPath := fmt.Sprintf("/api/v1/mails/%d", res.MailID)
		for _, p := range []string{mailPath, mailPath + "/raw", mailPath + "/attachments/0", "/api/v1/customers/" + fmt.Sprint(obj(d.call("GET", "/api/v1/cases/"+caseID, nil, 200))["customer_id"])} {
			if status, ans := d.do("GET", p, peteToken, nil); status != http.StatusNotFound {
				t.Errorf("partner GET %s: %d %v, want 404 as for the customer", p, status, ans)
			}
			if status := d.status("GET", p, d.token); status != http.StatusOK {
				t.Errorf("admin GET %s: %d, want 200", p, status)
			}
		}
	})
}
