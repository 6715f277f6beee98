package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// The daily work on a case (issue 16): its copies, a merge, and waiting on the customer. Files
// and copies on a reply go with POST /api/v1/cases/{id}/messages (messageIn).

// maxMessageBody is the largest message body: the desk's attachment limit, base64 encoded, and
// the text.
const maxMessageBody = desk.MaxDocumentSize/3*4 + 4<<20

func (s *Server) caseWorkRoutes() []route {
	return []route{
		{method: "PUT", path: "/api/v1/cases/{id}/copies", summary: "Set who the case's replies are copied to: cc (in the mail's Cc, and on the record the customer reads) " +
			"and bcc (envelope only: in no header the customer sees, on the record as an internal entry). A list not given stays; [] empties it.",
			status: http.StatusOK, body: copiesIn{}, answer: service.CaseView{}, handle: withIDBody(decode, s.setCopies)},
		{method: "POST", path: "/api/v1/cases/{id}/waiting", summary: "Set the case waiting on its customer, optionally until a time (RFC 3339): its response clock stops " +
			"and its waiting clock runs; the owner is reminded at the team's first business moment from that time if the customer has not written. " +
			"The customer's message takes it back. Each change is an internal waiting_changed entry.",
			status: http.StatusOK, body: waitingIn{}, answer: service.CaseView{}, handle: withIDBody(decode, s.setWaiting)},
		{method: "DELETE", path: "/api/v1/cases/{id}/waiting", summary: "Take the case back from waiting on its customer.",
			status: http.StatusOK, answer: service.CaseView{}, handle: s.stopWaiting},
		{method: "POST", path: "/api/v1/cases/{id}/merge", summary: "Merge case from (an id or a ref such as K-1042) into this case: both open cases of one customer " +
			"(else 409 merge_other_customer or merge_closed). Both records get a merged entry; from is closed and points here, and mail on its thread lands here. " +
			"A case with open promises is refused (409 merge_open_promises): a promise stays on the record it was made on; keep it first.",
			status: http.StatusOK, body: mergeIn{}, answer: service.CaseView{}, handle: withIDBody(decode, s.mergeCase)},
	}
}

// copiesIn is the body of PUT /api/v1/cases/{id}/copies.
type copiesIn struct {
	CC  *[]string `json:"cc,omitempty"`
	BCC *[]string `json:"bcc,omitempty"`
}

// waitingIn is the body of POST /api/v1/cases/{id}/waiting.
type waitingIn struct {
	Until string `json:"until,omitempty"` // RFC 3339; none: until the customer writes
}

// mergeIn is the body of POST /api/v1/cases/{id}/merge.
type mergeIn struct {
	From string `json:"from"` // the case merged in, by id or ref
}

// fileIn is a file attached to a message: its bytes base64 encoded.
type fileIn struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type,omitempty"`
	Content     []byte `json:"content"` // base64
}

func (s *Server) setCopies(r *http.Request, svc *service.Service, a desk.Actor, id int64, in copiesIn) (any, error) {
	return svc.SetCopies(r.Context(), a, id, service.CopiesIn{CC: listCopy(in.CC), BCC: listCopy(in.BCC)})
}

func (s *Server) setWaiting(r *http.Request, svc *service.Service, a desk.Actor, id int64, in waitingIn) (any, error) {
	var w service.WaitingIn
	if strings.TrimSpace(in.Until) != "" {
		var err error
		if w.Until, err = parseTime("until", in.Until); err != nil {
			return nil, err
		}
	}
	return svc.SetWaiting(r.Context(), a, id, w)
}

func (s *Server) stopWaiting(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return svc.SetWaiting(r.Context(), a, id, service.WaitingIn{Stop: true})
}

func (s *Server) mergeCase(r *http.Request, svc *service.Service, a desk.Actor, id int64, in mergeIn) (any, error) {
	// Who may merge into this case is answered before what to merge is read.
	if err := svc.AllowOn(r.Context(), a, service.ActCaseMerge, id, 0); err != nil {
		return nil, err
	}
	from, ok := desk.ParseCaseRef(in.From)
	if !ok {
		var err error
		if from, err = strconv.ParseInt(strings.TrimSpace(in.From), 10, 64); err != nil || from <= 0 {
			return nil, desk.Invalid("from", "name the case to merge in by id or ref (K-1042)")
		}
	}
	return svc.MergeIn(r.Context(), a, id, from)
}

// messageFiles are a message's files as the service takes them.
func messageFiles(in []fileIn) []desk.FileIn {
	out := make([]desk.FileIn, len(in))
	for i, f := range in {
		out[i] = desk.FileIn{Filename: f.Filename, ContentType: f.ContentType, Content: f.Content}
	}
	return out
}
