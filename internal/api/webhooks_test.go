package api_test

import (
	"testing"

	"github.com/keptdesk/kept/internal/desk"
)

// Every event a webhook can hear of (each desk event and each entry kind) is documented in the
// OpenAPI file as a payload whose data has a schema (issue 17).
func TestOpenAPIDocumentsEveryWebhookEvent(t *testing.T) {
	d := newDesk(t, "sqlite")
	_, doc := d.do("GET", "/api/v1/openapi.json", "", nil)
	schemas := obj(obj(obj(doc)["components"])["schemas"])
	hooks := obj(obj(doc)["x-webhooks"])
	var events []string
	for _, e := range desk.EventTypes() {
		events = append(events, string(e))
	}
	for _, k := range desk.EntryKinds() {
		events = append(events, string(k))
	}
	for _, e := range events {
		if obj(hooks[e])["post"] == nil {
			t.Errorf("x-webhooks lacks %s", e)
		}
		payload := obj(schemas["WebhookPayload_"+e])
		ref, _ := obj(obj(payload["properties"])["data"])["$ref"].(string)
		const prefix = "#/components/schemas/"
		if len(ref) <= len(prefix) {
			t.Errorf("%s: no data schema (%v)", e, payload)
			continue
		}
		data := obj(schemas[ref[len(prefix):]])
		if len(obj(data["properties"])) == 0 {
			t.Errorf("%s: its data schema %s has no fields", e, ref)
		}
	}
	opened := obj(obj(schemas["WebhookData_case_opened"])["properties"])
	for _, f := range []string{"case_id", "ref", "subject", "team", "owner", "channel"} {
		if opened[f] == nil {
			t.Errorf("case_opened data lacks %q", f)
		}
	}
}
