package web_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestPartnerSeesNoMailWhole: a partner user reads the text of a customer's mail on a case
// handed to their firm, but the page offers no raw mail, original HTML or attachments (the
// whole mail carries the customer's addresses), and asking for them is not found.
func TestPartnerSeesNoMailWhole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		cd := newCaseDesk(t, backend)
		ctx := context.Background()
		res := caseMust(cd.Svc.ReceiveMail(ctx, mail.Delivery{From: "evil@example.ee", To: []string{"support@desk.test"}, Raw: hostileMail("evil@example.ee")}))
		firm := caseMust(cd.Svc.CreatePartner(ctx, desk.AgentActor(cd.Admin), "FixIt Ltd"))
		pu := caseMust(cd.Svc.CreateAgent(ctx, desk.SystemActor(), desk.NewAgent{Name: "Pete Partner", Email: "pete@fixit.example", Role: "partner", PartnerID: firm.ID}))
		if err := cd.Svc.SetPassword(ctx, pu.ID, casePassword); err != nil {
			t.Fatal(err)
		}
		caseMust(cd.Svc.AssignPartner(ctx, desk.AgentActor(cd.Admin), res.CaseID, firm.ID, 0))
		page := fmt.Sprintf("/cases/%d", res.CaseID)
		b := cd.signedInAs("pete@fixit.example")
		p := b.get(page)
		if p.Status != http.StatusOK {
			t.Fatalf("the partner's case page: %d", p.Status)
		}
		p.mustContain(t, "Please see *my invoice*.")
		p.caseMustLack(t, "/mails/", "Show the original HTML")
		for _, path := range []string{"/raw", "/html", "/attachments/0"} {
			if got := b.get(fmt.Sprintf("%s/mails/%d%s", page, res.MailID, path)); got.Status != http.StatusNotFound {
				t.Errorf("the partner asking for the mail's %s: %d, want 404", path, got.Status)
			}
		}
	})
}
