package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/text"
)

// documentIn is the JSON form of an upload; the multipart form has the same fields, with the
// file as a part named "file" (its filename and Content-Type taken from the part).
type documentIn struct {
	Kind          string `json:"kind"`
	Filename      string `json:"filename"`
	ContentType   string `json:"content_type,omitempty"`
	ContentBase64 string `json:"content_base64"`
	CaseID        ID     `json:"case_id,omitempty"`
}

// upload is a document as read from either form of the request.
type upload struct {
	kind, filename, contentType string
	caseID                      int64
	content                     []byte
}

// documentRoutes are the JSON calls about customers' documents.
func (s *Server) documentRoutes() []route {
	return []route{
		{method: "POST", path: "/api/v1/customers/{id}/documents",
			summary: "Add a document the customer gave (e.g. a death certificate): multipart/form-data with kind, optional case_id and the file part \"file\", " +
				"or this JSON with content_base64. It is on the customer, seen by every team; with case_id the case's record gets a document_added entry.",
			// A 25 MiB file grows by a third as base64 in JSON, plus the form's or object's framing.
			status: http.StatusCreated, body: documentIn{}, answer: desk.Document{}, handle: s.addDocument, maxBody: desk.MaxDocumentSize*4/3 + 1<<20},
		{method: "GET", path: "/api/v1/customers/{id}/documents", summary: "The customer's documents, oldest first (download each at /api/v1/documents/{id}/content).",
			status: http.StatusOK, answer: []desk.Document{}, handle: byID((*service.Service).Documents)},
		{method: "GET", path: "/api/v1/cases/{id}/documents", summary: "The documents of the case's customer, whichever case or team they came with.",
			status: http.StatusOK, answer: []desk.Document{}, handle: byID((*service.Service).CaseDocuments)},
		{method: "GET", path: "/api/v1/mails/{id}", summary: "A received mail: sender, Message-ID, SHA-256 of the exact bytes, what was wrong with it, and its HTML sanitised for display " +
			"(the bytes themselves at /api/v1/mails/{id}/raw).", status: http.StatusOK, answer: desk.ReceivedMail{}, handle: byID((*service.Service).Mail)},
		{method: "GET", path: "/api/v1/documents/{id}", summary: "A document's kind, filename, type, size and SHA-256 (the bytes are at /api/v1/documents/{id}/content).",
			status: http.StatusOK, answer: desk.Document{}, handle: byID((*service.Service).Document)},
	}
}

// registerDownloads adds the routes that answer files rather than JSON.
func (s *Server) registerDownloads(mux *routeMux) {
	const path = "/api/v1/documents/{id}/content"
	mux.Handle("GET "+path, s.plain(path, s.downloadDocument))
	const raw = "/api/v1/mails/{id}/raw"
	mux.Handle("GET "+raw, s.plain(raw, s.downloadMail))
	const att = "/api/v1/mails/{id}/attachments/{n}"
	mux.Handle("GET "+att, s.plain(att, s.downloadMailAttachment))
}

// downloadMail answers a received mail exactly as it arrived, as a download: the record can
// always show what came in, byte for byte, and a browser never renders it.
func (s *Server) downloadMail(w http.ResponseWriter, r *http.Request) {
	s.serveFile(w, r, func(ctx context.Context, a desk.Actor) (string, string, []byte, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return "", "", nil, err
		}
		m, err := s.svc.Mail(ctx, a, id)
		return fmt.Sprintf("mail-%d.eml", id), "message/rfc822", m.Raw, err
	})
}

// downloadMailAttachment answers one attachment of a received mail (numbered from 0 in the
// order the mail carries them), never inline.
func (s *Server) downloadMailAttachment(w http.ResponseWriter, r *http.Request) {
	s.serveFile(w, r, func(ctx context.Context, a desk.Actor) (string, string, []byte, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return "", "", nil, err
		}
		n, err := strconv.Atoi(r.PathValue("n"))
		if err != nil || n < 0 {
			return "", "", nil, desk.NotFound("attachment", r.PathValue("n"))
		}
		att, err := s.svc.MailAttachment(ctx, a, id, n)
		return att.Filename, att.ContentType, att.Data, err
	})
}

func (s *Server) addDocument(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	customerID, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var up upload
	// Anything but multipart is read as JSON, as every other call is (curl -d sends a form type).
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		up, err = readMultipartDocument(r)
	} else {
		up, err = readJSONDocument(r)
	}
	if err != nil {
		return nil, err
	}
	if ct := desk.CleanContentType(up.contentType); ct == "application/octet-stream" && len(up.content) > 0 {
		// Browsers and curl often declare nothing useful; the stored type only ever
		// narrows what a download is served as (desk.DownloadContentType).
		up.contentType = http.DetectContentType(up.content)
	}
	return svc.AddDocument(r.Context(), a, service.DocumentIn{CustomerID: customerID, CaseID: up.caseID, Kind: up.kind, Filename: up.filename, ContentType: up.contentType, Content: up.content})
}

func readJSONDocument(r *http.Request) (upload, error) {
	var in documentIn
	if err := decode(r, &in); err != nil {
		if e, ok := desk.AsError(err); ok && e.Code == "too_large" {
			// The file is what makes an upload large: name it, as the multipart form does.
			return upload{}, &desk.Error{Kind: e.Kind, Code: e.Code, Field: "content", Message: e.Message}
		}
		return upload{}, err
	}
	content, err := base64.StdEncoding.DecodeString(in.ContentBase64)
	if err != nil {
		// Unpadded base64 is common enough to take as well.
		if content, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(in.ContentBase64, "=")); err != nil {
			return upload{}, badRequest("content_base64", "is not base64 (RFC 4648)")
		}
	}
	return upload{kind: in.Kind, filename: in.Filename, contentType: in.ContentType, caseID: int64(in.CaseID), content: content}, nil
}

// maxFormField bounds the text fields of a multipart upload; the kind needs far less.
const maxFormField = 4 << 10

func readMultipartDocument(r *http.Request) (upload, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return upload{}, badRequest("", "the body is not a complete multipart/form-data upload (with its boundary in Content-Type)")
	}
	var up upload
	haveFile := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return upload{}, uploadReadError(err)
		}
		name := part.FormName()
		switch name {
		case "kind", "case_id":
			b, err := io.ReadAll(io.LimitReader(part, maxFormField))
			if err != nil {
				return upload{}, uploadReadError(err)
			}
			if name == "kind" {
				up.kind = string(b)
				continue
			}
			if up.caseID, err = formCaseID(strings.TrimSpace(string(b))); err != nil {
				return upload{}, err
			}
		case "file":
			if haveFile {
				return upload{}, badRequest("file", "send one file per request")
			}
			haveFile = true
			up.filename, up.contentType = part.FileName(), part.Header.Get("Content-Type")
			// One byte over the limit is enough for the rules to refuse it by name.
			if up.content, err = io.ReadAll(io.LimitReader(part, desk.MaxDocumentSize+1)); err != nil {
				return upload{}, uploadReadError(err)
			}
		default:
			return upload{}, badRequest(name, "is not a field of this call (send kind, case_id and file)")
		}
	}
	if !haveFile {
		return upload{}, desk.Invalid("file", "attach the document as a file part named \"file\"")
	}
	if !text.Storable(up.kind + up.filename + up.contentType) {
		return upload{}, errNUL
	}
	return up, nil
}

// formCaseID reads the optional case_id form field: an id or a ref (K-1042).
func formCaseID(v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	if id, err := strconv.ParseInt(v, 10, 64); err == nil && id >= 0 {
		return id, nil
	}
	if id, ok := desk.ParseCaseRef(v); ok {
		return id, nil
	}
	return 0, badRequest("case_id", "must be a case id or ref")
}

// uploadReadError names the size limit when the body was cut off by it.
func uploadReadError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &desk.Error{Kind: kindBadRequest, Code: "too_large", Field: "content",
			Message: "the request body is larger than " + strconv.FormatInt(tooBig.Limit>>20, 10) + " MiB"}
	}
	return badRequest("", "the body is not a complete multipart/form-data upload")
}

// downloadDocument answers a document's bytes, always as a download: an uploaded file is the
// customer's (or anyone's) content, and must never run as a page of the desk's origin.
func (s *Server) downloadDocument(w http.ResponseWriter, r *http.Request) {
	s.serveFile(w, r, func(ctx context.Context, a desk.Actor) (string, string, []byte, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return "", "", nil, err
		}
		d, content, err := s.svc.DocumentContent(ctx, a, id)
		return d.Filename, d.ContentType, content, err
	})
}

// serveFile answers a download that must never render in the browser: authenticated like the
// API, sent as an attachment with a safe type whatever the file claims to be.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, fetch func(ctx context.Context, a desk.Actor) (name, ctype string, data []byte, err error)) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("X-Content-Type-Options", "nosniff")
	actor, err := s.authenticate(r)
	if err != nil {
		h.Set("WWW-Authenticate", `Bearer realm="kept"`)
		writeError(w, err)
		return
	}
	name, ctype, data, err := fetch(r.Context(), actor)
	if err != nil {
		if _, ok := desk.AsError(err); !ok {
			s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		}
		writeError(w, err)
		return
	}
	h.Set("Content-Type", desk.DownloadContentType(ctype))
	h.Set("Content-Disposition", desk.AttachmentDisposition(name))
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	// ServeContent answers ranges (PDF viewers ask for them) and keeps the type set above.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
}
