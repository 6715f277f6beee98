package api

import (
	"net/http"
	"slices"
	"strings"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// route is one API call: how it is served and how openapi.json describes it.
type route struct {
	method, path string
	summary      string
	status       int
	body         any      // an example value of the request body's type, or nil
	rawBody      []string // the media types of a body taken as it is (a file), not JSON
	answer       any      // an example value of the answer's type
	query        []param
	handle       handlerFunc
	maxBody      int64 // the largest request body accepted; 0: maxRequestBody
	read         readMode
	// etag: the answer carries an ETag (made from its bytes, unless the handler tags it), and a
	// request whose If-None-Match names it is answered 304 with no body (access still checked).
	etag bool
}

// readMode marks a route that only reads: its token check and its reads share one read
// transaction (see service.ReadAs). The API's busiest pages are such routes.
type readMode int

const (
	readShared readMode = iota + 1 // one read transaction
	readLoose                      // on PostgreSQL, statements on their own (see store.ReadLoose)
)

type param struct{ name, description string }

func (s *Server) routes() []route {
	// One group a line, so that a new group is a line of its own.
	return slices.Concat(
		s.caseRoutes(),
		s.promiseRoutes(),
		s.processRoutes(),
		s.documentRoutes(),
		s.recordingRoutes(),
		s.tokenRoutes(),
		s.feedRoutes(),
		s.outboxRoutes(),
		s.clockRoutes(),
		s.webhookRoutes(),
		s.automationRoutes(),
		s.reportRoutes(),
		s.reviewRoutes(),
		s.exportRoutes(),
		s.signinRoutes(),
		s.incidentRoutes(),
		s.labelRoutes(),
		s.bulkRoutes(),
		s.caseWorkRoutes(),
		s.adminRoutes(),
	)
}

func (s *Server) caseRoutes() []route {
	return []route{
		{method: "POST", path: "/api/v1/customers", summary: "Add a customer with contact points and references.",
			status: http.StatusCreated, body: customerIn{}, answer: desk.Customer{}, handle: withBody(s.createCustomer)},
		{method: "GET", path: "/api/v1/customers/{id}", summary: "A customer with references and cases.",
			status: http.StatusOK, answer: service.CustomerView{}, handle: byID((*service.Service).Customer)},
		{method: "POST", path: "/api/v1/customers/{id}/references", summary: "Attach a reference (account, order, tracking number…) to a customer.",
			status: http.StatusCreated, body: referenceIn{}, answer: desk.Customer{}, handle: withIDBody(decode, s.addReference)},
		{method: "POST", path: "/api/v1/agents", summary: "Add an agent (admin or manager); a new team name creates the team.",
			status: http.StatusCreated, body: agentIn{}, answer: desk.Agent{}, handle: withBody(s.createAgent)},
		{method: "GET", path: "/api/v1/agents", summary: "Every agent.",
			status: http.StatusOK, answer: []desk.Agent{}, handle: byActor((*service.Service).Agents)},
		{method: "GET", path: "/api/v1/agents/{id}", summary: "One agent.",
			status: http.StatusOK, answer: desk.Agent{}, handle: byID((*service.Service).Agent)},
		{method: "PATCH", path: "/api/v1/agents/{id}", summary: "Change an agent: any of name, role, team, manager_id, timezone, hours, active (false deactivates: their sessions end, their tokens stop). " +
			"An agent changes their own name, time zone and hours; the rest is for an admin, or a manager for people below them (docs/permissions.md).",
			status: http.StatusOK, body: agentUpdateIn{}, answer: desk.Agent{}, handle: withIDBody(decode, s.updateAgent)},
		{method: "POST", path: "/api/v1/cases", summary: "Open a case for a customer; the body is kept verbatim as the original request.",
			status: http.StatusCreated, body: caseIn{}, answer: service.CaseView{}, handle: withBody(s.openCase)},
		{method: "GET", path: "/api/v1/cases", summary: "Cases, newest first.", status: http.StatusOK, answer: caseList{},
			query: []param{{"owner_id", "only cases this agent owns"}, {"customer_id", "only this customer's cases"},
				{"status", "comma-separated statuses, e.g. open,awaiting_confirmation"}, {"before", "page: cases with a lower id"}, {"limit", "at most this many (default 100, max 500)"}},
			handle: s.listCases, read: readLoose},
		{method: "GET", path: "/api/v1/cases/{id}", summary: "A case by id or ref (K-1042).",
			status: http.StatusOK, answer: service.CaseView{}, handle: byID((*service.Service).Case), read: readShared, etag: true},
		{method: "GET", path: "/api/v1/cases/{id}/record", summary: "The case's record, oldest first, hash-chained.",
			status: http.StatusOK, answer: []desk.Entry{}, handle: s.getRecord, read: readLoose, etag: true}, // a record only grows: its case row and entries need not agree
		{method: "POST", path: "/api/v1/cases/{id}/messages", summary: "Reply to the customer, or add an internal note with internal: true. " +
			"files are attached (kept as the customer's documents and hashed on the entry; a note's are staff-only); cc and bcc set the case's copies first.",
			status: http.StatusCreated, body: messageIn{}, answer: service.MessageResult{}, handle: withIDBody(decode, s.addMessage), maxBody: maxMessageBody},
		{method: "POST", path: "/api/v1/cases/{id}/calls", summary: "Log a phone call with summary and transcript.",
			status: http.StatusCreated, body: callIn{}, answer: desk.Entry{}, handle: withIDBody(decode, s.logCall)},
		{method: "POST", path: "/api/v1/inbound", summary: "A customer's message from an integration: joins the case it names or replies to, else opens one; idempotent on external_id.",
			status: http.StatusCreated, body: inboundIn{}, answer: service.InboundResult{}, handle: gatedBody(service.ActInboundReceive, s.inbound)},
		{method: "GET", path: "/api/v1/search", summary: "Find cases by words (folded: case, accents, look-alike letters) and references (exact).",
			status: http.StatusOK, answer: searchAnswer{}, query: []param{{"q", "what to find"}, {"limit", "at most this many cases (default 20)"}},
			handle: s.search},
	}
}

func (s *Server) createCustomer(r *http.Request, svc *service.Service, a desk.Actor, in customerIn) (any, error) {
	return svc.CreateCustomer(r.Context(), a, desk.NewCustomer{Name: in.Name, Email: in.Email, Phone: in.Phone, Handle: in.Handle, References: references(in.References),
		Lang: in.Language, Timezone: in.Timezone})
}

func (s *Server) addReference(r *http.Request, svc *service.Service, a desk.Actor, id int64, in referenceIn) (any, error) {
	return svc.AddReference(r.Context(), a, id, desk.Reference{Kind: in.Kind, Value: in.Value})
}

func (s *Server) createAgent(r *http.Request, svc *service.Service, a desk.Actor, in agentIn) (any, error) {
	return svc.CreateAgent(r.Context(), a, desk.NewAgent{Name: in.Name, Email: in.Email, Role: in.Role, Team: in.Team,
		ManagerID: int64(in.ManagerID), PartnerID: int64(in.PartnerID), Timezone: in.Timezone, Hours: in.Hours})
}

func (s *Server) openCase(r *http.Request, svc *service.Service, a desk.Actor, in caseIn) (any, error) {
	return svc.OpenCase(r.Context(), a, desk.NewCase{CustomerID: int64(in.CustomerID), Subject: in.Subject, Body: in.Body,
		Channel: in.Channel, OwnerID: int64(in.OwnerID), Type: in.Type, References: references(in.References)})
}

func (s *Server) listCases(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	var f service.CaseList
	if err := queryIDs(r, []idParam{{"owner_id", &f.OwnerID}, {"customer_id", &f.CustomerID}, {"before", &f.BeforeID}}, &f.Limit, 500); err != nil {
		return nil, err
	}
	if f.Limit == 0 {
		f.Limit = 100
	}
	if st := r.URL.Query().Get("status"); st != "" {
		for _, v := range strings.Split(st, ",") {
			f.Statuses = append(f.Statuses, desk.Status(strings.TrimSpace(v)))
		}
	}
	cases, err := svc.Cases(r.Context(), a, f)
	if err != nil {
		return nil, err
	}
	out := caseList{Cases: cases}
	if len(cases) == f.Limit {
		out.NextBefore = cases[len(cases)-1].ID
	}
	return out, nil
}

func (s *Server) getRecord(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	// The service keeps records encoded (they are append-only) and tags the reader's view.
	page, err := svc.RecordPage(r.Context(), a, id, r.Header.Get("If-None-Match"))
	if err != nil {
		return nil, err
	}
	return taggedAnswer{etag: page.ETag, notModified: page.NotModified, body: page.JSON}, nil
}

func (s *Server) addMessage(r *http.Request, svc *service.Service, a desk.Actor, id int64, in messageIn) (any, error) {
	m := desk.NewMessage{Body: in.Body, Internal: in.Internal, Offer: in.Offer, CannedReplyID: int64(in.CannedReplyID), Files: messageFiles(in.Files)}
	m.CC, m.BCC = listCopy(in.CC), listCopy(in.BCC)
	return svc.AddMessage(r.Context(), a, id, m)
}

func (s *Server) logCall(r *http.Request, svc *service.Service, a desk.Actor, id int64, in callIn) (any, error) {
	at, err := parseTime("at", in.At)
	if err != nil {
		return nil, err
	}
	return svc.LogCall(r.Context(), a, id, desk.NewCall{Direction: in.Direction, At: at, DurationS: in.DurationS,
		Summary: in.Summary, Transcript: in.Transcript})
}

func (s *Server) inbound(r *http.Request, svc *service.Service, a desk.Actor, in inboundIn) (any, error) {
	from := desk.Contact{}
	switch {
	case in.From.Email != "":
		from = desk.Contact{Kind: desk.ContactEmail, Value: in.From.Email}
	case in.From.Phone != "":
		from = desk.Contact{Kind: desk.ContactPhone, Value: in.From.Phone}
	case in.From.Handle != "":
		from = desk.Contact{Kind: desk.ContactHandle, Value: in.From.Handle}
	default:
		return nil, desk.Invalid("from", "give the sender's email, phone or handle")
	}
	return svc.ReceiveInbound(r.Context(), a, service.Inbound{Channel: in.Channel, From: from, Name: in.From.Name,
		Subject: in.Subject, Body: in.Body, CaseRef: in.CaseRef, ReplyTo: in.InReplyTo, ExternalID: in.ExternalID})
}

func (s *Server) search(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	limit, err := queryID(r, "limit")
	if err != nil {
		return nil, err
	}
	hits, err := svc.Search(r.Context(), a, r.URL.Query().Get("q"), int(limit))
	if err != nil {
		return nil, err
	}
	return searchAnswer{Hits: hits}, nil
}

type agentUpdateIn struct {
	Name      *string             `json:"name"`
	Role      *string             `json:"role"`
	Team      *string             `json:"team"`
	ManagerID *ID                 `json:"manager_id"`
	Timezone  *string             `json:"timezone"`
	Hours     map[string][]string `json:"hours"`
	Active    *bool               `json:"active"`
}

func (s *Server) updateAgent(r *http.Request, svc *service.Service, a desk.Actor, id int64, in agentUpdateIn) (any, error) {
	u := service.AgentUpdate{Name: in.Name, Role: in.Role, Team: in.Team, Timezone: in.Timezone, Hours: in.Hours, Active: in.Active}
	if in.ManagerID != nil {
		m := int64(*in.ManagerID)
		u.ManagerID = &m
	}
	return svc.UpdateAgent(r.Context(), a, id, u)
}
