package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/keptdesk/kept/internal/desk"
)

// TestBrowserRatingByLink (issue 18, item 1): in a real Chromium the customer opens the
// confirmation link of the resolution mail, confirms with its button, and the page asks for the
// rating in their language (Estonian); the mark and comment given are the case's rating.
func TestBrowserRatingByLink(t *testing.T) {
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
	ctx, dialogs := chrome(t)
	run(t, ctx, "open the mail's link", chromedp.Navigate(d.URL+yes), chromedp.WaitVisible(chromedp.CSS(`#answer`)))
	run(t, ctx, "confirm", chromedp.Click(chromedp.CSS(`#answer`)), chromedp.WaitVisible(chromedp.CSS(`#rating-form`)))
	if s := text(t, ctx); !strings.Contains(s, "Aitäh! Teie kinnitus on pöördumise juures ja pöördumine on suletud.") {
		t.Fatalf("after confirming:\n%s", s)
	}
	run(t, ctx, "rate",
		chromedp.Click(chromedp.CSS(`input[name=score][value="4"]`)),
		chromedp.SendKeys(chromedp.CSS(`#rating-form textarea[name=comment]`), "Kiire ja viisakas."),
		chromedp.Click(chromedp.CSS(`#rate`)),
		chromedp.WaitVisible(chromedp.CSS(`#rated`)),
	)
	if s := text(t, ctx); !strings.Contains(s, "Teie hinne: 4 / 5") || !strings.Contains(s, "Kiire ja viisakas.") {
		t.Fatalf("after rating:\n%s", s)
	}
	v, err := d.Svc.PortalCase(bg, desk.CustomerActor(sc.mari), sc.kettle.ID)
	if err != nil || v.Rating == nil || v.Rating.Score != 4 || v.Rating.Comment != "Kiire ja viisakas." {
		t.Fatalf("the case's rating: %v %+v", err, v.Rating)
	}
	if got := dialogs(); len(got) > 0 {
		t.Fatalf("dialogs opened: %v", got)
	}
}
