package service_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// permissionsDoc is where the permission table is written out for people.
var permissionsDoc = filepath.Join("..", "..", "docs", "permissions.md")

// TestPermissionsDoc keeps docs/permissions.md the table the code enforces: it is written
// from service.Rules with KEPT_WRITE_DOCS=1, and otherwise any difference fails.
func TestPermissionsDoc(t *testing.T) {
	got := renderPermissions()
	if os.Getenv("KEPT_WRITE_DOCS") != "" {
		if err := os.WriteFile(permissionsDoc, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(permissionsDoc)
	if err != nil {
		t.Fatalf("%v (write it with KEPT_WRITE_DOCS=1 go test ./internal/service -run TestPermissionsDoc)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the permission table in the code: rewrite it with KEPT_WRITE_DOCS=1 go test ./internal/service -run TestPermissionsDoc", permissionsDoc)
	}
}

func renderPermissions() string {
	var b strings.Builder
	b.WriteString(`# Who may do what

<!-- Written by TestPermissionsDoc from internal/service/permissions.go: do not edit by hand;
run KEPT_WRITE_DOCS=1 go test ./internal/service -run TestPermissionsDoc after changing the table. -->

Every command and read of the desk asks one table in the service layer
(` + "`internal/service/permissions.go`" + `), whichever surface it comes from: the API, the desk's pages,
the portal, mail and timers. The pages ask the same table (` + "`Service.May`" + `) before they show a button.

Who the table speaks of:

- **admin**, **manager**, **lead**, **agent**: the desk's people (*staff*). The *chain* is the
  ` + "`manager_id`" + ` links: someone is *below* you when you are somewhere up their chain.
- **partner users**: a partner firm's people. They see only cases handed to their firm, never
  customers' contact data, and never confirm anything for a customer.
- **the customer**: in the portal (their session), by a signed link in a mail, or by a reply the
  desk can tell came from their address.
- **integration tokens**: API tokens act as their agent; a token with the ` + "`customer-voice`" + `
  scope (issued by an admin) may also record a customer's own answers, and the entry names it.
- **the desk itself** (timers, mail intake, the command line) may do everything.

An object the actor may not see is answered as not found (404), so ids reveal nothing; a
refusal of something they can see is 403 with code ` + "`forbidden`" + `.

| action | who may | API calls and pages |
|---|---|---|
`)
	for _, r := range service.Rules() {
		routes := make([]string, 0, len(r.Routes))
		for _, p := range r.Routes {
			routes = append(routes, "`"+p+"`")
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", r.Action, r.Who, strings.Join(routes, "<br>"))
	}
	b.WriteString("\nToken scopes:\n\n")
	scopes := make([]string, 0, len(desk.TokenScopes))
	for s := range desk.TokenScopes {
		scopes = append(scopes, s)
	}
	sort.Strings(scopes)
	for _, s := range scopes {
		fmt.Fprintf(&b, "- `%s`: %s\n", s, desk.TokenScopes[s])
	}
	return b.String()
}
