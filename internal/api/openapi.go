package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// openAPI serves the OpenAPI 3 description, built from the same route table as the mux.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.openAPIDoc())
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

func (s *Server) openAPIDoc() map[string]any {
	paths := map[string]map[string]any{}
	errorRef := map[string]any{"$ref": "#/components/schemas/Error"}
	for _, rt := range s.routes() {
		op := map[string]any{
			"summary":     rt.summary,
			"operationId": operationID(rt),
			"security":    []any{map[string]any{"bearer": []any{}}},
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(rt.path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true,
				"description": "a number; a case may also be named by its ref (K-1042)", "schema": map[string]any{"type": "string"}})
		}
		for _, q := range rt.query {
			params = append(params, map[string]any{"name": q.name, "in": "query", "description": q.description, "schema": map[string]any{"type": "string"}})
		}
		if rt.etag {
			params = append(params, map[string]any{"name": "If-None-Match", "in": "header",
				"description": "the ETag of the answer the client has: 304 with no body while it is still the answer", "schema": map[string]any{"type": "string"}})
		}
		if params != nil {
			op["parameters"] = params
		}
		if rt.body != nil {
			op["requestBody"] = map[string]any{"required": true,
				"content": map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(rt.body))}}}
		}
		if len(rt.rawBody) > 0 {
			content := map[string]any{}
			for _, mt := range rt.rawBody {
				content[mt] = map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}
			}
			op["requestBody"] = map[string]any{"required": true, "content": content}
		}
		responses := map[string]any{
			"401": map[string]any{"description": "no valid token", "content": jsonContent(errorRef)},
			"404": map[string]any{"description": "no such object, or not one the token may see", "content": jsonContent(errorRef)},
		}
		responses[strconv.Itoa(rt.status)] = map[string]any{"description": http.StatusText(rt.status), "content": jsonContent(schemaOf(reflect.TypeOf(rt.answer)))}
		if rt.etag {
			responses["304"] = map[string]any{"description": "not modified: the If-None-Match header names the answer's ETag"}
		}
		if rt.body != nil || len(rt.rawBody) > 0 {
			responses["400"] = map[string]any{"description": "the body is not JSON of this shape; error.field names the field", "content": jsonContent(errorRef)}
			responses["422"] = map[string]any{"description": "a value is refused; error.field names it and error.message says why", "content": jsonContent(errorRef)}
			responses["409"] = map[string]any{"description": "a rule forbids it now; error.code names the rule and the answer says what would be allowed", "content": jsonContent(errorRef)}
		}
		op["responses"] = responses
		if paths[rt.path] == nil {
			paths[rt.path] = map[string]any{}
		}
		paths[rt.path][strings.ToLower(rt.method)] = op
	}
	schemas := map[string]any{"Error": map[string]any{"type": "object", "properties": map[string]any{
		"error": map[string]any{"type": "object", "required": []string{"code", "message"}, "properties": map[string]any{
			"code": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"},
			"field": map[string]any{"type": "string"}, "details": map[string]any{"type": "object"}}}}}}
	hooks := webhookDocs(schemas)
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "Kept API", "version": s.version,
			"description": "The JSON API of Kept, the customer-care desk that keeps its word. Send 'Authorization: Bearer TOKEN' (create a token with `kept token`). Times are RFC 3339."},
		"paths":      paths,
		"x-webhooks": hooks,
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}},
			"schemas":         schemas,
		},
	}
}

// webhookDocs adds the webhook payloads to schemas (WebhookPayload_<event> for each desk event
// and entry kind, with its data as WebhookData_<event>, or WebhookData_entry for every entry
// kind) and returns the deliveries as OpenAPI 3.1 "webhooks" would list them (x-webhooks: the
// document is 3.0).
func webhookDocs(schemas map[string]any) map[string]any {
	shapes := service.EventShapes()
	for name, v := range shapes {
		schemas["WebhookData_"+name] = schemaOf(reflect.TypeOf(v))
	}
	hooks := map[string]any{}
	add := func(event, data, summary string) {
		payload := map[string]any{"type": "object", "required": []string{"id", "type", "at", "case_id", "ref", "data"},
			"properties": map[string]any{
				"id":      map[string]any{"type": "string", "description": "the webhook-id header: the same on every attempt, for dropping repeats"},
				"type":    map[string]any{"type": "string", "enum": []string{event}},
				"at":      map[string]any{"type": "string", "format": "date-time"},
				"case_id": map[string]any{"type": "integer", "description": "the case it is about; 0 for an event of no case (absence_started)"},
				"ref":     map[string]any{"type": "string", "description": `the case's ref (K-1042); "" for an event of no case`},
				"data":    map[string]any{"$ref": "#/components/schemas/WebhookData_" + data},
			}}
		schemas["WebhookPayload_"+event] = payload
		hooks[event] = map[string]any{"post": map[string]any{"summary": summary,
			"description": "Signed with the headers webhook-id, webhook-timestamp and webhook-signature (Standard Webhooks). " +
				`An endpoint registered for ["*"] hears of every event: all entry kinds (internal notes and hand-over briefings included: the endpoint is the desk staff's own integration) and every desk event.`,
			"requestBody": map[string]any{"required": true, "content": jsonContent(map[string]any{"$ref": "#/components/schemas/WebhookPayload_" + event})},
			"responses":   map[string]any{"2XX": map[string]any{"description": "received; anything else is tried again with back-off"}}}}
	}
	for _, t := range desk.EventTypes() {
		add(string(t), string(t), "Desk event "+string(t))
	}
	for _, k := range desk.EntryKinds() {
		add(string(k), "entry", "Record entry "+string(k)+": data is the entry as GET /api/v1/cases/{id}/record shows it")
	}
	add("automation", "automation", "An automation's webhook action: sent to the endpoint it names, whatever events the endpoint hears of")
	return hooks
}

func jsonContent(schema any) map[string]any {
	return map[string]any{"application/json": map[string]any{"schema": schema}}
}

func operationID(rt route) string {
	id := strings.ToLower(rt.method)
	for _, part := range strings.Split(strings.TrimPrefix(rt.path, "/api/v1/"), "/") {
		part = strings.Trim(part, "{}")
		id += strings.ToUpper(part[:1]) + strings.ReplaceAll(part[1:], "_", "")
	}
	return id
}

var (
	timeType  = reflect.TypeOf(time.Time{})
	idType    = reflect.TypeOf(ID(0))
	hoursType = reflect.TypeOf(desk.Hours{})
	rawType   = reflect.TypeOf(json.RawMessage{})
)

// schemaOf describes a Go type as its JSON encoding looks, from its json tags.
func schemaOf(t reflect.Type) map[string]any {
	switch t {
	case timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case idType:
		return map[string]any{"type": "integer", "description": "an id (a number, or a string holding one)"}
	case hoursType:
		return map[string]any{"type": "object", "description": `weekly hours in the agent's time zone: {"mon": ["09:00-12:30", "13:30-17:00"], …, "sun": []}`,
			"additionalProperties": map[string]any{"type": "array", "items": map[string]any{"type": "string"}}}
	case rawType:
		return map[string]any{"type": "object", "description": "kind-specific details"}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return schemaOf(t.Elem())
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "format": "byte"} // encoding/json writes bytes as base64
		}
		return map[string]any{"type": "array", "items": schemaOf(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem())}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		props := map[string]any{}
		var required []string
		addStruct(t, props, &required)
		s := map[string]any{"type": "object", "properties": props}
		if len(required) > 0 {
			s["required"] = required
		}
		return s
	}
	return map[string]any{}
}

// addStruct adds a struct's JSON fields (and those of embedded structs) to props. A field
// without omitempty (or omitzero) is required in a request body and always present in an answer.
func addStruct(t reflect.Type, props map[string]any, required *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			addStruct(f.Type, props, required)
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = schemaOf(f.Type)
		if f.Tag.Get("openapi") == "nullable" {
			// Present but null at times (a case waiting in its team's queue has no owner).
			props[name].(map[string]any)["nullable"] = true
		}
		if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
			*required = append(*required, name)
		}
	}
}
