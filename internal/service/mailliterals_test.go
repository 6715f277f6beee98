package service_test

import (
	"go/ast"
	"go/token"
	"regexp"
	"strconv"
	"testing"
)

// customerMailPaths are the functions that write what a customer reads in mail: whatever
// words they put there must come from desk's catalogue (desk/words.go, desk/mailwords.go),
// in the customer's language, never from a literal here.
var customerMailPaths = []string{
	"queueMail", "sendNotices", "mailNotices", "senderName", "noticeText", "zoneOf", // notices.go
	"invitation", "appointmentEvent", // invitations.go
	"answerLinks",                   // answerlinks.go
	"automaticTo", "makePortalLink", // mailauth.go, portal.go
	"mailText", // the English mail text of before, wherever it might come back
}

// optionalPaths may be gone; the others must be there.
var optionalPaths = map[string]bool{"mailText": true}

// proseRE finds words of text in a literal: two words of letters with a space between.
var proseRE = regexp.MustCompile(`\p{L}{2,}[ ,:]+\p{L}{2,}`)

// What may say English on a mail path: errors, log lines, and what the desk tells its own
// people (a notification about held mail).
var forPeopleAtTheDesk = map[string]bool{"Errorf": true, "New": true, "Info": true, "Warn": true, "Error": true, "Debug": true,
	"holdNotices": true, "Notify": true}

// TestNoEnglishLiteralOnCustomerMailPaths (issue 15, item 7): customer mail was partly written
// by English literals in the service (mailText's "Our promise to you, in writing:", the footer,
// queueMail's sender "Customer care"). Failed before on exactly those.
func TestNoEnglishLiteralOnCustomerMailPaths(t *testing.T) {
	fset, files := serviceFiles(t)
	found := map[string]bool{}
	for _, f := range files {
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil || !isMailPath(fn.Name.Name) {
				continue
			}
			found[fn.Name.Name] = true
			for _, lit := range proseIn(fn.Body) {
				t.Errorf("%s: %s writes %s to a customer; put it in desk's catalogue", fset.Position(lit.Pos()), fn.Name.Name, lit.Value)
			}
		}
	}
	for _, name := range customerMailPaths {
		if !found[name] && !optionalPaths[name] {
			t.Errorf("no function %s: the list of customer mail paths is out of date", name)
		}
	}
}

func isMailPath(name string) bool {
	for _, p := range customerMailPaths {
		if p == name {
			return true
		}
	}
	return false
}

// proseIn are the string literals of words in body, outside calls that speak to the desk's
// own people.
func proseIn(body ast.Node) []*ast.BasicLit {
	var out []*ast.BasicLit
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if forPeopleAtTheDesk[calleeName(n.Fun)] {
				return false
			}
		case *ast.BasicLit:
			if n.Kind != token.STRING {
				return true
			}
			if s, err := strconv.Unquote(n.Value); err == nil && proseRE.MatchString(s) {
				out = append(out, n)
			}
		}
		return true
	})
	return out
}

func calleeName(fun ast.Expr) string {
	switch f := fun.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		return f.Sel.Name
	}
	return ""
}
