package web

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// The case page's daily work (issue 16): copies and files with a reply or a note (read here for
// caseReply), waiting on the customer, and merging another case of the customer into this one.
// Each calls one service command, as the API does.

// replyExtras reads the composer's copies and files. The copies are the case's from now on
// (shown filled in; an emptied field takes them off); the files are read whole, and a set
// over the desk's attachment limit is refused in the reader's words, the text kept.
func replyExtras(r *request, in *desk.NewMessage) error {
	if _, ok := r.PostForm["cc"]; ok || hasMultipartValue(r, "cc") {
		in.CC = splitList(r.PostFormValue("cc"))
		in.BCC = splitList(r.PostFormValue("bcc"))
	}
	if r.MultipartForm == nil {
		return nil
	}
	total := int64(0)
	for _, h := range r.MultipartForm.File["files"] {
		total += h.Size
	}
	if total > desk.MaxDocumentSize {
		return desk.Invalid("files", "%s", r.T("case.attach_too_large", desk.MaxDocumentSize>>20))
	}
	for _, h := range r.MultipartForm.File["files"] {
		if h.Filename == "" && h.Size == 0 {
			continue // the file input left empty
		}
		f, err := h.Open()
		if err != nil {
			return fmt.Errorf("open the attached file: %w", err)
		}
		content, err := io.ReadAll(io.LimitReader(f, desk.MaxDocumentSize+1))
		f.Close()
		if err != nil {
			return fmt.Errorf("read the attached file: %w", err)
		}
		ctype := h.Header.Get("Content-Type")
		if ctype == "" || ctype == "application/octet-stream" {
			ctype = http.DetectContentType(content)
		}
		in.Files = append(in.Files, desk.FileIn{Filename: h.Filename, ContentType: ctype, Content: content})
	}
	return nil
}

func hasMultipartValue(r *request, name string) bool {
	if r.MultipartForm == nil {
		return false
	}
	_, ok := r.MultipartForm.Value[name]
	return ok
}

// caseWaiting sets the case waiting on its customer (until the time given, if any), or takes
// it back (action=stop).
func (s *Server) caseWaiting(r *request, id int64) (string, error) {
	in := service.WaitingIn{Stop: r.PostFormValue("action") == "stop"}
	if v := strings.TrimSpace(r.PostFormValue("until")); v != "" && !in.Stop {
		var err error
		if in.Until, err = r.ParseLocal("until", v); err != nil {
			return "", err
		}
	}
	if _, err := s.svc.SetWaiting(r.Context(), r.sess.Actor, id, in); err != nil {
		return "", err
	}
	if in.Stop {
		return "waiting_stopped", nil
	}
	return "waiting", nil
}

// caseMerge merges the case named (by its ref, K-1042) into this one.
func (s *Server) caseMerge(w http.ResponseWriter, r *request) error {
	// Who may merge into this case is answered before the form is read.
	id, err := s.allowedCase(r, service.ActCaseMerge)
	if err != nil {
		return err
	}
	from, ok := desk.ParseCaseRef(r.PostFormValue("from"))
	if !ok {
		return s.refused(w, r, id, "merge", []string{"from"}, desk.Invalid("from", "%s", r.T("case.merge_no_ref")))
	}
	if _, err := s.svc.MergeIn(r.Context(), r.sess.Actor, id, from); err != nil {
		return s.refused(w, r, id, "merge", []string{"from"}, err)
	}
	return back(w, r, id, "merged", "")
}

// waitedText says how long a case has waited, in business time.
func (s *Server) waitedText(r *request, seconds int64) string {
	return s.duration(r, time.Duration(seconds)*time.Second)
}

// caseWorkText is what a copies_changed, waiting_changed or merged entry says, in the reader's language (the
// record keeps the desk's English); "" for another kind.
func caseWorkText(r recordLines, e desk.Entry) string {
	if d, ok := desk.DataOf[desk.CopiesChangedData](e); ok {
		to := strings.Join(d.To, ", ")
		if to == "" {
			to = r.T("case.cc_none")
		}
		if d.Blind {
			return r.T("case.bcc_now", to)
		}
		return r.T("case.cc_now", to)
	}
	if d, ok := desk.DataOf[desk.WaitingChangedData](e); ok {
		switch {
		case d.Waiting && !d.Until.IsZero():
			return r.T("case.waiting_entry_until", r.When(d.Until.Time()))
		case d.Waiting:
			return r.T("case.waiting_entry")
		}
		return r.T("case.waiting_entry_" + d.Reason)
	}
	if d, ok := desk.DataOf[desk.MergedData](e); ok {
		if d.Into != 0 {
			return r.T("case.merged_into_entry", desk.CaseRef(d.Into))
		}
		return r.T("case.merged_in_entry", desk.CaseRef(d.From))
	}
	return ""
}
