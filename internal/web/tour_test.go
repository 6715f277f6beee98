package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/demo"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// demoDesk is a test desk filled with the demo data set (1,000 cases in every state), its
// clock at the real now because the demo's story ends now.
type demoDesk struct {
	*testDesk
	HeadEmail, HeadPassword string
	Head                    desk.Agent
	CaseID                  int64 // the head's case with the longest record
	Customer                desk.Customer
	CustomerCaseID          int64
}

// seedDemo fills d with the demo data and picks the pages' subjects.
func seedDemo(t testing.TB, d *testDesk) *demoDesk {
	t.Helper()
	ctx := context.Background()
	d.Clock.Set(time.Now())
	in, err := demo.Seed(ctx, d.Svc, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	dd := &demoDesk{testDesk: d, HeadEmail: in.Email, HeadPassword: in.Password}
	sess, err := d.Svc.SignIn(ctx, in.Email, in.Password)
	if err != nil {
		t.Fatal(err)
	}
	head := sess.Actor
	if dd.Head, err = d.Svc.Agent(ctx, head, head.ID); err != nil {
		t.Fatal(err)
	}
	cases, err := d.Svc.Cases(ctx, head, service.CaseList{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	most := 0
	for _, c := range cases {
		rec, err := d.Svc.Record(ctx, head, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(rec) > most && c.Status == desk.StatusOpen {
			most, dd.CaseID = len(rec), c.ID
		}
	}
	cv, err := d.Svc.Case(ctx, head, dd.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	cust, err := d.Svc.Customer(ctx, head, cv.CustomerID)
	if err != nil {
		t.Fatal(err)
	}
	dd.Customer, dd.CustomerCaseID = cust.Customer, cv.ID
	return dd
}

// portalLink makes a one-time portal sign-in link for the demo customer, as the portal's
// form would (the test desk has no relay, so the link comes back instead of going by mail).
func (dd *demoDesk) portalLink(t testing.TB) string {
	t.Helper()
	return portalLinkFor(t, dd.Svc, dd.Clock, dd.Customer.Email(), "et", dd.URL)
}

// portalLinkFor asks for a sign-in link as the portal's form does and runs the queued work.
// Without a relay the link is what a demo prints in its log; it is caught here from the
// service instead (which replaces the pages' mail composer for the rest of the test).
func portalLinkFor(t testing.TB, svc *service.Service, clk clock.Clock, email, lang, baseURL string) string {
	t.Helper()
	var link string
	svc.SetPortalLinkMail(service.PortalLinkMail{
		Compose: func(_, link string, _ time.Time) (string, string) { return "sign in", link },
		Done:    func(r service.PortalLinkResult) { link = r.Link },
	})
	ctx := context.Background()
	if err := svc.RequestPortalLink(ctx, service.PortalLinkRequest{Email: email, Lang: lang, BaseURL: baseURL}); err != nil {
		t.Fatalf("portal link for %s: %v", email, err)
	}
	if _, err := svc.With(service.WithClock(clk)).Timers(slog.New(slog.DiscardHandler)).RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	if link == "" {
		t.Fatalf("no portal link was made for %s", email)
	}
	return link
}

// agentPages are every page an agent (the head of care, a manager) can open.
func (dd *demoDesk) agentPages() []string {
	return []string{
		"/inbox",
		"/inbox?view=team",
		fmt.Sprintf("/cases/%d", dd.CaseID),
		"/search?q=" + url.QueryEscape("order"),
		"/search?q=" + url.QueryEscape("zzzz-nothing-matches"),
		"/availability",
		"/availability/feed",
		"/team",
		"/cases/new",
		"/admin/agents",
		"/admin/teams",
		"/admin/case-types",
		"/admin/canned",
		"/admin/log",
		"/reports",
		"/reviews",
		"/reviews/rubric",
		"/admin/partners",
		"/no-such-page",
	}
}

// catalog reads the message files of one language straight from the source tree.
func catalog(t *testing.T, lang string) map[string]string {
	t.Helper()
	out := map[string]string{}
	paths, err := filepath.Glob(filepath.Join("locales", lang, "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no catalogs for %s: %v", lang, err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// englishOnly turns the English catalog into patterns of texts that differ in Estonian, so a
// page text matching one is English that was not translated. Arguments match anything.
func englishOnly(t *testing.T) map[string]*regexp.Regexp {
	en, et := catalog(t, "en"), catalog(t, "et")
	verb := regexp.MustCompile(`%(\[\d+\])?[-+# 0-9.]*[a-zA-Z]`)
	letters := regexp.MustCompile(`[A-Za-z]{3}`)
	out := map[string]*regexp.Regexp{}
	for k, v := range en {
		if et[k] == v || !letters.MatchString(verb.ReplaceAllString(v, "")) {
			continue // the same in both (a name, a symbol), or no words to translate
		}
		parts := verb.Split(v, -1)
		for i := range parts {
			parts[i] = regexp.QuoteMeta(strings.TrimSpace(parts[i]))
		}
		// An argument is a name, a number or a date: short. A long sentence that merely ends
		// like a catalog text ("… 2 days") is the record's own words, not a page label.
		out[k] = regexp.MustCompile(`^` + strings.Join(parts, `\s*.{1,40}?\s*`) + `$`)
	}
	return out
}

// commonEnglish are words a page might carry without the catalog: hard-coded labels.
var commonEnglish = map[string]bool{
	"Save": true, "Cancel": true, "Submit": true, "Send": true, "Reply": true, "Search": true,
	"Open": true, "Close": true, "Closed": true, "Delete": true, "Edit": true, "Add": true,
	"Back": true, "Next": true, "Previous": true, "Loading": true, "None": true, "Yes": true,
	"No": true, "Resolved": true, "Overdue": true, "Due": true, "Owner": true, "Status": true,
	"Customer": true, "Subject": true, "Promise": true, "Promises": true, "Keep": true, "Slip": true,
	"Escalate": true, "Hand over": true, "Note": true, "Internal": true, "Public": true, "Today": true,
	"Sign in": true, "Sign out": true, "Inbox": true, "Team": true, "Week": true, "Hours": true,
}

// untranslated lists the texts of a page (text nodes, titles, labels, placeholders, button
// values) that are English catalog texts or common English labels.
func untranslated(texts []string, patterns map[string]*regexp.Regexp) []string {
	var bad []string
	for _, s := range texts {
		for _, part := range strings.Split(s, " · ") {
			part = strings.TrimSpace(strings.Trim(part, ":·|()[]"))
			if part == "" {
				continue
			}
			if commonEnglish[part] {
				bad = append(bad, fmt.Sprintf("%q (a common English label)", part))
				continue
			}
			for k, re := range patterns {
				if re.MatchString(part) {
					bad = append(bad, fmt.Sprintf("%q (catalog key %s)", part, k))
					break
				}
			}
		}
	}
	return bad
}

// pageTextsJS collects what a reader sees or hears on a page: text nodes (outside scripts, the
// product's name and the customer's own words, marked data-user-text), the title, and labelling
// attributes.
const pageTextsJS = `(() => {
  const out = [document.title.replace(/ · Kept$/, '')];
  const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (w.nextNode()) {
    const n = w.currentNode, p = n.parentElement;
    if (!p || p.closest('script,style,[data-user-text],.brand')) continue;
    const s = n.textContent.replace(/\s+/g, ' ').trim();
    if (s) out.push(s);
  }
  for (const e of document.querySelectorAll('[placeholder],[aria-label],[title],input[type=submit],input[type=button]')) {
    for (const a of ['placeholder', 'aria-label', 'title']) {
      const v = e.getAttribute(a);
      if (v) out.push(v.trim());
    }
    if (e.type === 'submit' || e.type === 'button') out.push((e.value || '').trim());
  }
  return out;
})()`

func itoa(n int64) string { return fmt.Sprint(n) }
