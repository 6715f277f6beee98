package desk

import (
	"regexp"
	"slices"
	"strings"
	"time"
)

// A canned reply names what differs from case to case in double braces, {{customer.first_name}},
// filled in when it is sent: names as the record has them, times in the customer's language and
// zone. A name the desk does not fill is refused when the reply is saved, so no customer ever
// reads "{{custmer.name}}".

// CannedVariables are the names a canned reply may use.
var CannedVariables = []string{"customer.name", "customer.first_name", "agent.name", "agent.first_name", "case.ref", "case.subject",
	"promise.due", "promise.words"}

var cannedVariable = regexp.MustCompile(`\{\{\s*([A-Za-z_.]+)\s*\}\}`)

// CheckCannedReply refuses a canned reply's body that names a variable the desk does not fill.
func CheckCannedReply(body string) error {
	for _, m := range cannedVariable.FindAllStringSubmatch(body, -1) {
		if !slices.Contains(CannedVariables, m[1]) {
			return Invalid("body", "unknown variable {{%s}}: the desk fills {{%s}}", m[1], strings.Join(CannedVariables, "}}, {{"))
		}
	}
	return nil
}

// CannedFill is what a canned reply's variables are filled with on one case.
type CannedFill struct {
	Customer Customer
	Agent    string // who sends it
	Case     Case
	Promise  *Promise       // the case's next open promise, if any
	Fallback *time.Location // the zone of a customer without one (the team's or the owner's)
}

// FillCannedReply fills a canned reply's variables for a case. A reply that names the promise
// on a case without an open one is refused: the customer would read a blank where a time was.
func FillCannedReply(body string, f CannedFill) (string, error) {
	var missing error
	out := cannedVariable.ReplaceAllStringFunc(body, func(v string) string {
		name := cannedVariable.FindStringSubmatch(v)[1]
		switch name {
		case "customer.name":
			return f.Customer.Name
		case "customer.first_name":
			return firstName(f.Customer.Name)
		case "agent.name":
			return f.Agent
		case "agent.first_name":
			return firstName(f.Agent)
		case "case.ref":
			return f.Case.Ref()
		case "case.subject":
			return f.Case.Subject
		case "promise.due", "promise.words":
			if f.Promise == nil {
				missing = Invalid("canned_reply_id", "the reply names {{%s}}, and the case has no open promise", name)
				return v
			}
			if name == "promise.words" {
				return f.Promise.Words
			}
			return f.Customer.Reader().Stamp(f.Promise.DueAt, f.Fallback)
		}
		return v
	})
	return out, missing
}

// firstName is the first word of a name ("Mari" of "Mari Mets"); a one-word name is itself.
func firstName(name string) string {
	if f := strings.Fields(name); len(f) > 0 {
		return f[0]
	}
	return name
}
