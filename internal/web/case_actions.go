package web

import (
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// The case page's actions. Each calls one service command with the signed-in agent and goes
// back to the case (303, with what was done named in the address), or shows the page again
// with the refusal beside the form and what was entered kept.

// back sends the browser to the case page after an action, at the part it acted on.
func back(w http.ResponseWriter, r *request, caseID int64, done, anchor string, extra ...string) error {
	to := fmt.Sprintf("/cases/%d?done=%s", caseID, done)
	for i := 0; i+1 < len(extra); i += 2 {
		to += "&" + extra[i] + "=" + extra[i+1]
	}
	if anchor != "" {
		to += "#" + anchor
	}
	http.Redirect(w, r.Request, to, http.StatusSeeOther)
	return nil
}

// caseForm serves a case page form that runs one command on the path's case: do runs it and
// says what was done. Its refusal is shown beside the form (name) at the field it names among
// fields; else the browser goes back to the case, at anchor.
func (s *Server) caseForm(name string, fields []string, anchor string, do func(r *request, id int64) (done string, err error)) pageFunc {
	return pathCommand(do, func(w http.ResponseWriter, r *request, id int64, done string, err error) error {
		if err != nil {
			return s.refused(w, r, id, name, fields, err)
		}
		return back(w, r, id, done, anchor)
	})
}

// formRefusal is err as a refusal shown beside its form, with the status the page answers
// with: 409 for a conflict, else 422. ok is false for what goes to the error page instead:
// no refusal by the rules, or an object the reader may not see or change.
func formRefusal(err error) (e *desk.Error, status int, ok bool) {
	e, ok = desk.AsError(err)
	if !ok || e.Kind == desk.KindNotFound || e.Kind == desk.KindForbidden {
		return e, 0, false
	}
	if e.Kind == desk.KindConflict {
		return e, http.StatusConflict, true
	}
	return e, http.StatusUnprocessableEntity, true
}

// refused shows the case page again with a form's refusal. What is not a refusal by the rules
// (a case one may not see, a failure) goes to the error page instead.
func (s *Server) refused(w http.ResponseWriter, r *request, caseID int64, form string, fields []string, err error) error {
	e, status, ok := formRefusal(err)
	if !ok {
		return err
	}
	f := &formState{Values: postedValues(r)}
	field := e.Field
	if i := strings.LastIndexByte(field, '.'); i >= 0 {
		field = field[i+1:]
	}
	if i := strings.IndexByte(field, '['); i >= 0 {
		field = field[:i] // cc[1]: the cc field
	}
	if to, ok := map[string]string{"due_at": "due", "message_to_customer": "message", "to_agent_id": "to", "canned_reply_id": "canned",
		"duration_s": "duration", "owner_id": "owner", "file": "file", "content": "file"}[field]; ok {
		field = to
	}
	if slices.Contains(fields, field) {
		f.Field = field
	}
	f.Err, f.Detail = s.caseErrorText(r, e)
	downwardDetails(f, e)
	if slots, ok := e.Details["free_slots"].([]map[string]any); ok {
		for _, sl := range slots {
			at, _ := sl["at"].(string)
			t, err := time.Parse(time.RFC3339, at)
			if err != nil {
				continue
			}
			agentID, _ := sl["agent_id"].(int64)
			name, _ := sl["agent"].(string)
			f.Slots = append(f.Slots, slotView{Value: at + "|" + strconv.FormatInt(agentID, 10), At: t, Agent: name})
		}
	}
	return s.showCase(w, r, caseID, status, map[string]*formState{form: f})
}

// caseErrorText is the reader's text for a refusal, and for an English reader the desk's own
// words beneath it when the catalogue has nothing more precise (they are English, and may name
// the API's fields, so no one else is shown them).
func (s *Server) caseErrorText(r *request, e *desk.Error) (text, detail string) {
	if _, ok := s.cat["en"]["case.err."+e.Code]; ok && e.Code != "" {
		return r.T("case.err." + e.Code), ""
	}
	if e.Kind == desk.KindInvalid && e.Message == "is required" {
		return r.T("case.err.required"), ""
	}
	if text = r.ErrorText(e); r.lang == "en" && text != e.Message {
		detail = e.Message
	}
	return text, detail
}

// postedValues are the form's fields as sent (the first value of each), without the token.
func postedValues(r *request) values {
	out := values{}
	_ = r.ParseForm()
	form := r.PostForm
	if r.MultipartForm != nil {
		form = r.MultipartForm.Value
	}
	for k, vs := range form {
		if k != "csrf" && len(vs) > 0 {
			out[k] = vs[0]
		}
	}
	return out
}

func (s *Server) caseReply(w http.ResponseWriter, r *request) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	var in desk.NewMessage
	in.Body = r.PostFormValue("body")
	in.Internal = r.PostFormValue("visibility") == "internal"
	in.Offer = r.PostFormValue("offer") == "1"
	if v := r.PostFormValue("canned"); v != "" {
		if in.CannedReplyID, err = strconv.ParseInt(v, 10, 64); err != nil {
			return desk.Invalid("canned", "no canned reply %q", v)
		}
	}
	if err := replyExtras(r, &in); err != nil {
		return s.refused(w, r, id, "reply", []string{"body", "canned", "offer", "cc", "bcc", "files"}, err)
	}
	if r.PostFormValue("action") == "use" {
		// Without script, "use" brings the canned reply's text into the box to edit.
		f := &formState{Values: postedValues(r)}
		page, err := s.readCasePage(r, id)
		if err != nil {
			return err
		}
		for _, cr := range page.Canned {
			if cr.ID == in.CannedReplyID {
				f.Values["body"] = strings.TrimSpace(strings.TrimSpace(in.Body) + "\n\n" + cannedPreview(page, cr))
			}
		}
		return s.renderCase(w, r, page, http.StatusOK, map[string]*formState{"reply": f})
	}
	res, err := s.svc.AddMessage(r.Context(), r.sess.Actor, id, in)
	if err != nil {
		return s.refused(w, r, id, "reply", []string{"body", "canned", "offer", "cc", "bcc", "files"}, err)
	}
	done := "reply"
	if in.Internal {
		done = "note"
	}
	var docs []string
	for _, wn := range res.Warnings {
		if wn.Code == "document_on_file" && wn.ID != 0 {
			docs = append(docs, strconv.FormatInt(wn.ID, 10))
		}
	}
	if len(docs) > 0 {
		return back(w, r, id, done, "reply", "doc", strings.Join(docs, ","))
	}
	return back(w, r, id, done, "")
}

func (s *Server) caseCall(r *request, id int64) (string, error) {
	at := s.svc.Now()
	var err error
	if v := strings.TrimSpace(r.PostFormValue("at")); v != "" {
		if at, err = r.ParseLocal("at", v); err != nil {
			return "", err
		}
	}
	minutes := 0
	if v := strings.TrimSpace(r.PostFormValue("duration")); v != "" {
		if minutes, err = strconv.Atoi(v); err != nil {
			return "", desk.Invalid("duration", "%s", r.T("case.err.minutes"))
		}
	}
	_, err = s.svc.LogCall(r.Context(), r.sess.Actor, id, desk.NewCall{Direction: r.PostFormValue("direction"), At: at,
		DurationS: minutes * 60, Summary: r.PostFormValue("summary"), Transcript: r.PostFormValue("transcript")})
	return "call", err
}

func (s *Server) casePromise(w http.ResponseWriter, r *request) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	fields := []string{"kind", "due", "words", "place", "owner"}
	in := desk.NewPromise{Kind: r.PostFormValue("kind"), Words: r.PostFormValue("words"), Place: r.PostFormValue("place")}
	if v := r.PostFormValue("owner"); v != "" {
		if in.OwnerID, err = strconv.ParseInt(v, 10, 64); err != nil {
			return s.refused(w, r, id, "promise", fields, desk.Invalid("owner", "no agent %q", v))
		}
	}
	if slot := r.PostFormValue("slot"); slot != "" {
		// One of the free times offered after a refusal: the same promise, at that time.
		at, agent, _ := strings.Cut(slot, "|")
		due, err := time.Parse(time.RFC3339, at)
		if err != nil {
			return s.refused(w, r, id, "promise", fields, desk.Invalid("due", "%s", r.T("error.datetime")))
		}
		if a, err := strconv.ParseInt(agent, 10, 64); err == nil && a > 0 {
			in.OwnerID = a
		}
		// The words were written for the time asked: the form comes back with the slot's time
		// and the words restated for it, for the agent to read before promising.
		asked, _ := r.ParseLocal("due", r.PostFormValue("due"))
		words := in.Words
		if !asked.IsZero() {
			if words, err = s.svc.RestatedWords(r.Context(), r.sess.Actor, service.Restate{CaseID: id, Words: in.Words, From: asked, To: due}); err != nil {
				return err
			}
		}
		r.PostForm.Set("due", r.Local(due))
		r.PostForm.Set("owner", strconv.FormatInt(in.OwnerID, 10))
		r.PostForm.Set("words", words)
		f := &formState{Values: postedValues(r), Notice: r.T("case.restate")}
		return s.showCase(w, r, id, http.StatusOK, map[string]*formState{"promise": f})
	} else if in.DueAt, err = r.ParseLocal("due", r.PostFormValue("due")); err != nil {
		return s.refused(w, r, id, "promise", fields, err)
	}
	p, err := s.svc.MakePromise(r.Context(), r.sess.Actor, id, in)
	if err != nil {
		return s.refused(w, r, id, "promise", fields, err)
	}
	return back(w, r, id, "promise", "promises", "p", strconv.FormatInt(p.ID, 10))
}

func (s *Server) caseKeep(w http.ResponseWriter, r *request) error {
	id, pid, err := casePromiseIDs(r)
	if err != nil {
		return err
	}
	if _, err := s.svc.KeepPromise(r.Context(), r.sess.Actor, pid, r.PostFormValue("note")); err != nil {
		return s.refused(w, r, id, "keep-"+strconv.FormatInt(pid, 10), []string{"note"}, err)
	}
	return back(w, r, id, "kept", "promises")
}

func (s *Server) caseSlip(w http.ResponseWriter, r *request) error {
	id, pid, err := casePromiseIDs(r)
	if err != nil {
		return err
	}
	// The service says who may, before the form is read: a refusal is not hidden behind the form.
	if err := s.svc.AllowOn(r.Context(), r.sess.Actor, service.ActPromiseSlip, id, pid); err != nil {
		return err
	}
	form, fields := "slip-"+strconv.FormatInt(pid, 10), []string{"due", "reason", "message", "words"}
	var due time.Time
	if slot := r.PostFormValue("slot"); slot != "" {
		// A free time offered after a refusal.
		at, _, _ := strings.Cut(slot, "|")
		if due, err = time.Parse(time.RFC3339, at); err != nil {
			return s.refused(w, r, id, form, fields, desk.Invalid("due", "%s", r.T("error.datetime")))
		}
		r.PostForm.Set("due", r.Local(due))
	} else if due, err = r.ParseLocal("due", r.PostFormValue("due")); err != nil {
		return s.refused(w, r, id, form, fields, err)
	}
	// The words shown were written for words_due: for another time they come back restated for
	// the new one, to be read before the customer is told (once the reason and message are there).
	// Words the agent rewrote themselves are theirs to send.
	if r.PostFormValue("words_due") != due.UTC().Format(time.RFC3339) {
		p, err := s.svc.Promise(r.Context(), r.sess.Actor, pid)
		if err != nil {
			return err
		}
		posted := strings.TrimSpace(r.PostFormValue("words"))
		if posted != "" && posted != p.Words && r.PostFormValue("words_due") == p.DueAt.UTC().Format(time.RFC3339) {
			return s.slip(w, r, slipForm{id, pid, form, fields}, due)
		}
		words, err := s.svc.RestatedWords(r.Context(), r.sess.Actor, service.Restate{CaseID: id, Words: p.Words, From: p.DueAt, To: due})
		if err != nil {
			return err
		}
		r.PostForm.Set("words", words)
		r.PostForm.Set("words_due", due.UTC().Format(time.RFC3339))
		if strings.TrimSpace(r.PostFormValue("reason")) != "" && strings.TrimSpace(r.PostFormValue("message")) != "" {
			f := &formState{Values: postedValues(r), Notice: r.T("case.restate")}
			return s.showCase(w, r, id, http.StatusOK, map[string]*formState{form: f})
		}
	}
	return s.slip(w, r, slipForm{id, pid, form, fields}, due)
}

// slipForm is a promise's slip form on its case page.
type slipForm struct {
	caseID, promiseID int64
	name              string
	fields            []string
}

// slip moves the promise as the slip form says.
func (s *Server) slip(w http.ResponseWriter, r *request, f slipForm, due time.Time) error {
	_, err := s.svc.SlipPromise(r.Context(), r.sess.Actor, f.promiseID, desk.Slip{DueAt: due, Reason: r.PostFormValue("reason"),
		Message: r.PostFormValue("message"), Words: r.PostFormValue("words")})
	if err != nil {
		return s.refused(w, r, f.caseID, f.name, f.fields, err)
	}
	return back(w, r, f.caseID, "slipped", "promises")
}

func casePromiseIDs(r *request) (int64, int64, error) {
	id, err := pathInt(r, "id")
	if err != nil {
		return 0, 0, err
	}
	pid, err := pathInt(r, "pid")
	return id, pid, err
}

func (s *Server) caseHandover(w http.ResponseWriter, r *request) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	if err := s.svc.AllowOn(r.Context(), r.sess.Actor, service.ActCaseHandover, id, 0); err != nil {
		if e, ok := desk.AsError(err); !ok || e.Kind != desk.KindForbidden || r.PostFormValue("to") != strconv.FormatInt(r.sess.Actor.ID, 10) {
			return err // taking an unowned case for oneself is the service's to decide with the colleague named
		}
	}
	fields := []string{"to", "briefing"}
	to, _ := strconv.ParseInt(r.PostFormValue("to"), 10, 64)
	if to == 0 {
		return s.refused(w, r, id, "handover", fields, desk.Invalid("to", "is required"))
	}
	// The customer's agreement, when the page's "hand over as the customer agreed" names it.
	agreement, _ := strconv.ParseInt(r.PostFormValue("agreement"), 10, 64)
	if _, err := s.svc.HandOver(r.Context(), r.sess.Actor, id, desk.Handover{ToAgentID: to, Briefing: r.PostFormValue("briefing"), AgreementID: agreement}); err != nil {
		return s.refused(w, r, id, "handover", fields, err)
	}
	return back(w, r, id, "handover", "")
}

func (s *Server) caseEscalate(w http.ResponseWriter, r *request) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	// The customer reads the reason word for word: the agent sees it as the customer will before
	// it is sent, and confirms that very text (an edit after the preview is previewed again).
	if reason := strings.TrimSpace(r.PostFormValue("reason")); reason != "" && r.PostFormValue("previewed") != reason {
		f := &formState{Values: postedValues(r), Preview: reason}
		return s.showCase(w, r, id, http.StatusOK, map[string]*formState{"escalate": f})
	}
	if _, err := s.svc.Escalate(r.Context(), r.sess.Actor, id, r.PostFormValue("reason")); err != nil {
		return s.refused(w, r, id, "escalate", []string{"reason"}, err)
	}
	return back(w, r, id, "escalated", "")
}

func (s *Server) caseRelease(r *request, id int64) (string, error) {
	_, err := s.svc.Release(r.Context(), r.sess.Actor, id)
	return "released", err
}

func (s *Server) caseResolve(r *request, id int64) (string, error) {
	_, err := s.svc.Resolve(r.Context(), r.sess.Actor, id, r.PostFormValue("summary"))
	return "resolved", err
}

// caseReopen takes the proposed resolution back: the customer's answer said it did not hold.
func (s *Server) caseReopen(r *request, id int64) (string, error) {
	_, err := s.svc.Reopen(r.Context(), r.sess.Actor, id, r.PostFormValue("reason"))
	return "reopened", err
}

// caseResend sends a mail of the case that was not delivered again.
func (s *Server) caseResend(r *request, id int64) (string, error) {
	mailID, err := pathInt(r, "mail") // not found: the error page, as refused answers it
	if err == nil {
		_, err = s.svc.ResendMail(r.Context(), r.sess.Actor, id, mailID)
	}
	return "resent", err
}

func (s *Server) caseStep(r *request, id int64) (string, error) {
	pos, err := strconv.Atoi(r.PostFormValue("step"))
	if err != nil {
		return "", desk.Invalid("step", "no step %q", r.PostFormValue("step"))
	}
	_, err = s.svc.AdvanceStep(r.Context(), r.sess.Actor, id, pos)
	return "step", err
}

func (s *Server) caseReference(r *request, id int64) (string, error) {
	c, err := s.svc.Case(r.Context(), r.sess.Actor, id)
	if err == nil {
		_, err = s.svc.AddReference(r.Context(), r.sess.Actor, c.CustomerID, desk.Reference{Kind: r.PostFormValue("kind"), Value: r.PostFormValue("value")})
	}
	return "reference", err
}

// caseUpload adds a document the customer gave to their file, with this case.
func (s *Server) caseUpload(r *request, id int64) (string, error) {
	c, err := s.svc.Case(r.Context(), r.sess.Actor, id)
	if err != nil {
		return "", err // not a refusal: the error page
	}
	hdr, content, err := formFile(r)
	if err != nil {
		return "", err
	}
	ctype := hdr.Header.Get("Content-Type")
	if ctype == "" || ctype == "application/octet-stream" {
		ctype = http.DetectContentType(content)
	}
	_, err = s.svc.AddDocument(r.Context(), r.sess.Actor, service.DocumentIn{CustomerID: c.CustomerID, CaseID: id, Kind: r.PostFormValue("kind"), Filename: hdr.Filename, ContentType: ctype, Content: content})
	return "document", err
}

// caseLabels sets the case's priority and tags (typed separated by commas).
func (s *Server) caseLabels(r *request, id int64) (string, error) {
	p := r.PostFormValue("priority")
	_, err := s.svc.SetLabels(r.Context(), r.sess.Actor, id, service.LabelsIn{Priority: &p, Tags: splitList(r.PostFormValue("tags"))})
	return "labels", err
}

// caseRecordingUpload adds the recording of one of the case's calls (the form on the call
// entry); a refusal shows beside that call's form.
func (s *Server) caseRecordingUpload(w http.ResponseWriter, r *request) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	seq, err := pathInt(r, "seq")
	if err != nil {
		return err
	}
	form, fields := "recording-"+strconv.FormatInt(seq, 10), []string{"file"}
	hdr, content, err := formFile(r)
	if err != nil {
		return s.refused(w, r, id, form, fields, err)
	}
	ctype := hdr.Header.Get("Content-Type")
	mt, err := desk.RecordingContentType(ctype)
	if err == nil {
		err = desk.CheckRecordingAudio(mt, content) // a file named .mp3 that is not one
	}
	if err != nil {
		return s.refused(w, r, id, form, fields, desk.Invalid("file", "%s", r.T("case.recording.err_type")))
	}
	if _, err := s.svc.AddRecording(r.Context(), r.sess.Actor, service.RecordingIn{CaseID: id, CallSeq: seq, Filename: hdr.Filename,
		ContentType: ctype, Content: content}); err != nil {
		return s.refused(w, r, id, form, fields, err)
	}
	return back(w, r, id, "recording", "e"+strconv.FormatInt(seq, 10))
}

// formFile reads an upload form's file (field "file"), one byte past the limit at most so the
// rules refuse it by name; what the reader did wrong is a refusal to show beside the form.
func formFile(r *request) (*multipart.FileHeader, []byte, error) {
	if r.MultipartForm == nil {
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			return nil, nil, desk.Invalid("file", "%s", r.T("case.err.upload"))
		}
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		return nil, nil, desk.Invalid("file", "is required")
	}
	defer file.Close()
	content, err := io.ReadAll(io.LimitReader(file, desk.MaxDocumentSize+1))
	if err != nil {
		return nil, nil, fmt.Errorf("read the uploaded file: %w", err)
	}
	return hdr, content, nil
}
