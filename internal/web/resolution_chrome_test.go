package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/keptdesk/kept/internal/desk"
)

// TestBrowserResolutionLink (issue 15, item 2): in a real Chromium, the customer opens the
// "yes" link from the resolution's mail, reads the resolution over one button, clicks it, and
// the case is closed as confirmed by them; opening the link alone had changed nothing.
func TestBrowserResolutionLink(t *testing.T) {
	d := newPortalDesk(t, "sqlite")
	d.Web.DefaultBaseURL(d.URL)
	sc := newPortalScene(t, d)
	bg := context.Background()
	if err := d.Svc.SetLanguage(bg, desk.CustomerActor(sc.mari), "et"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Svc.Resolve(bg, desk.AgentActor(sc.ann), sc.kettle.ID, "Saatsime teile uue veekeetja."); err != nil {
		t.Fatal(err)
	}
	yes, _ := resolutionLinks(t, d, sc.kettle.ID)

	ctx, _ := chrome(t)
	run(t, ctx, "open the mailed link",
		chromedp.Navigate(d.URL+yes),
		chromedp.WaitVisible(chromedp.CSS(`#answer`)),
	)
	if s := text(t, ctx); !strings.Contains(s, "Saatsime teile uue veekeetja.") || !strings.Contains(s, "Jah, see on lahendatud") {
		t.Fatalf("the link's page says:\n%s", s)
	}
	if v, _ := d.Svc.Case(bg, desk.SystemActor(), sc.kettle.ID); v.Status != desk.StatusAwaitingConfirmation {
		t.Fatalf("opening the link answered: %s", v.Status)
	}
	run(t, ctx, "press the one button",
		chromedp.Click(chromedp.CSS(`#answer`)),
		chromedp.WaitVisible(chromedp.CSS(`#answered`)),
	)
	if s := text(t, ctx); !strings.Contains(s, "Aitäh! Teie kinnitus on pöördumise juures ja pöördumine on suletud.") {
		t.Fatalf("after the button the page says:\n%s", s)
	}
	if v, _ := d.Svc.Case(bg, desk.SystemActor(), sc.kettle.ID); v.Status != desk.StatusClosed {
		t.Fatalf("after the button the case is %s", v.Status)
	}
}
