package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
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
	events = append(events, "automation") // an automation's call
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

// An endpoint is turned off and on, its events changed, and removed through the API; a secret
// left out is made up and answered once.
func TestWebhookPatchAndDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDeskWith(t, backend, service.WithWebhooks(true))
		h := obj(d.call("POST", "/api/v1/webhooks", map[string]any{"url": "http://127.0.0.1:9/in", "events": []string{"case_opened"}}, 201))
		if s, _ := h["secret"].(string); !strings.HasPrefix(s, "whsec_") {
			t.Errorf("a webhook without a secret answered %v", h)
		}
		if l := list(d.call("GET", "/api/v1/webhooks", nil, 200)); len(l) != 1 || obj(l[0])["secret"] != nil {
			t.Errorf("the list shows %v (never the secret)", l)
		}
		path := "/api/v1/webhooks/" + id(h)
		off := obj(d.call("PATCH", path, map[string]any{"active": false}, 200))
		if off["active"] != false || !strings.Contains(fmt.Sprint(off["disabled_why"]), "Ada Admin") {
			t.Errorf("turned off: %v", off)
		}
		on := obj(d.call("PATCH", path, map[string]any{"active": true, "events": []string{"*"}}, 200))
		if on["active"] != true || fmt.Sprint(on["events"]) != "[*]" {
			t.Errorf("turned on: %v", on)
		}
		if code, field, _ := errorOf(d.call("PATCH", path, map[string]any{"events": []string{"Not A Kind"}}, 422)); code == "" || field != "events[0]" {
			t.Errorf("a bad event: %s %s", code, field)
		}
		d.call("PATCH", path, map[string]any{}, 422)
		d.call("DELETE", path, nil, 200)
		d.call("DELETE", path, nil, 404)
		d.call("PATCH", path, map[string]any{"active": true}, 404)
		if l := list(d.call("GET", "/api/v1/webhooks", nil, 200)); len(l) != 0 {
			t.Errorf("after removal the list is %v", l)
		}
	})
}
