package web

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
)

// What a case page links to that is not a page: a mail's HTML, shown inert in a sandboxed
// frame, and files (documents, mails as received, their attachments), always as downloads.
// They call the same service functions as the API's downloads, as the signed-in agent.

// casePageCSP is the case page's policy: the foundation's, plus frames from the desk itself
// (the sandboxed view of a mail's HTML).
const casePageCSP = pageCSP + "; frame-src 'self'"

// Policies of the mail view: nothing runs, nothing loads; styles written in the mail apply.
// With images asked for, https images of that one message load.
const (
	mailViewCSP       = "default-src 'none'; img-src 'none'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'self'"
	mailViewImagesCSP = "default-src 'none'; img-src https:; style-src 'unsafe-inline'; sandbox; frame-ancestors 'self'"
)

// caseMail loads a mail of this case, or answers not found.
func (s *Server) caseMail(r *request) (id int64, m mailOf, err error) {
	if id, err = pathInt(r, "id"); err != nil {
		return 0, m, err
	}
	mailID, err := pathInt(r, "mail")
	if err != nil {
		return 0, m, err
	}
	stored, err := s.svc.Mail(r.Context(), r.sess.Actor, mailID)
	if err != nil {
		return 0, m, err
	}
	if stored.CaseID != id {
		return 0, m, desk.NotFound("mail", mailID)
	}
	return id, mailOf{ID: stored.ID, Raw: stored.Raw, SafeHTML: stored.SafeHTML}, nil
}

type mailOf struct {
	ID       int64
	Raw      []byte
	SafeHTML string
}

// caseMailHTML answers a mail's sanitised HTML as a document of its own, for an
// <iframe sandbox>: under its own policy no script runs and nothing loads (remote images
// only with ?images=1, at the agent's request).
func (s *Server) caseMailHTML(w http.ResponseWriter, r *request) error {
	_, m, err := s.caseMail(r)
	if err != nil {
		return err
	}
	body, policy := m.SafeHTML, mailViewCSP
	if r.URL.Query().Get("images") == "1" {
		msg, err := mail.Parse(m.Raw, mail.DefaultLimits())
		if err != nil {
			return fmt.Errorf("parse mail %d: %w", m.ID, err)
		}
		body, policy = mail.SanitizeHTMLWithImages(msg.HTML), mailViewImagesCSP
	}
	h := w.Header()
	h.Set("Content-Security-Policy", policy)
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(http.StatusOK)
	_, err = fmt.Fprintf(w, "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"referrer\" content=\"no-referrer\"></head><body>%s</body></html>", body)
	return err
}

// caseMailRaw answers a mail exactly as it arrived, as a download.
func (s *Server) caseMailRaw(w http.ResponseWriter, r *request) error {
	_, m, err := s.caseMail(r)
	if err != nil {
		return err
	}
	serveDownload(w, r, fmt.Sprintf("mail-%d.eml", m.ID), "message/rfc822", m.Raw)
	return nil
}

// caseMailAttachment answers one attachment of a mail (from 0, in the mail's order).
func (s *Server) caseMailAttachment(w http.ResponseWriter, r *request) error {
	_, m, err := s.caseMail(r)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 0 {
		return desk.NotFound("attachment", r.PathValue("n"))
	}
	att, err := s.svc.MailAttachment(r.Context(), r.sess.Actor, m.ID, n)
	if err != nil {
		return err
	}
	serveDownload(w, r, att.Filename, att.ContentType, att.Data)
	return nil
}

// caseDocument answers a document of the case's customer.
func (s *Server) caseDocument(w http.ResponseWriter, r *request) error {
	id, docID, err := caseAndDoc(r)
	if err != nil {
		return err
	}
	c, err := s.svc.Case(r.Context(), r.sess.Actor, id)
	if err != nil {
		return err
	}
	d, content, err := s.svc.DocumentContent(r.Context(), r.sess.Actor, docID)
	if err != nil {
		return err
	}
	if d.CustomerID != c.CustomerID {
		return desk.NotFound("document", docID)
	}
	serveDownload(w, r, d.Filename, d.ContentType, content)
	return nil
}

// serveDownload sends a file that must never render in the browser: an attachment, with a
// type that runs nothing whatever the file claims (HTML and SVG go as octet-stream).
func serveDownload(w http.ResponseWriter, r *request, name, ctype string, data []byte) {
	serveFile(w, r, desk.AttachmentDisposition(name), ctype, data)
}

// serveFile sends a file with the disposition given and a type that runs nothing. It answers
// ranges, so a player seeks without fetching the whole file.
func serveFile(w http.ResponseWriter, r *request, disposition, ctype string, data []byte) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", desk.DownloadContentType(ctype))
	h.Set("Content-Disposition", disposition)
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	http.ServeContent(w, r.Request, "", time.Time{}, bytes.NewReader(data))
}

// caseRecording answers a call's recording for the case page's player: inline, as the audio
// type it was added with (one of the few a browser plays), to whoever may hear it.
func (s *Server) caseRecording(w http.ResponseWriter, r *request) error {
	id, docID, err := caseAndDoc(r)
	if err != nil {
		return err
	}
	d, content, err := s.svc.Recording(r.Context(), r.sess.Actor, id, docID)
	if err != nil {
		return err
	}
	serveFile(w, r, desk.InlineDisposition(d.Filename), d.ContentType, content)
	return nil
}

// caseAndDoc reads a case's file route: the case ({id}) and the document ({doc}).
func caseAndDoc(r *request) (id, doc int64, err error) {
	if id, err = pathInt(r, "id"); err != nil {
		return 0, 0, err
	}
	doc, err = pathInt(r, "doc")
	return id, doc, err
}
