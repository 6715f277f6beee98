package web

import (
	"bytes"
	"net/http"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// A case's record to download, from the case page and from the portal: the same export the
// API gives (service.Export, as the reader may read it), as verifiable JSON or as a PDF in the
// reader's language and zone.

// caseExport answers ?format=json (the default) or ?format=pdf.
func (s *Server) caseExport(w http.ResponseWriter, r *request) error {
	_, x, err := pathObject(r, s.svc.Export)
	if err != nil {
		return err
	}
	name, ctype, data, err := RecordFile(x, r.URL.Query().Get("format"), PDFReader{Lang: r.lang, Zone: r.zone, Customer: r.sess.Actor.Kind == desk.ActorCustomer})
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", ctype)
	h.Set("Content-Disposition", desk.AttachmentDisposition(name))
	http.ServeContent(w, r.Request, "", time.Time{}, bytes.NewReader(data))
	return nil
}

// DrawRecord is the API's drawer of records (api.RecordDrawer): the PDF in lang, or the best
// language of acceptLanguage when lang is "".
func DrawRecord(x desk.RecordExport, lang, acceptLanguage string, zone *time.Location, customer bool) ([]byte, error) {
	if lang == "" {
		lang = MatchLang(acceptLanguage)
	}
	_, _, data, err := RecordFile(x, "pdf", PDFReader{Lang: lang, Zone: zone, Customer: customer})
	return data, err
}

// RecordFile is an exported record as a file: format "json" (or "") the verifiable JSON that
// `kept verify --export` reads, "pdf" the readable document. It names the file after the case
// (K-1042-record.json) and says its type.
func RecordFile(x desk.RecordExport, format string, reader PDFReader) (name, ctype string, data []byte, err error) {
	switch format {
	case "", "json":
		data, err = desk.EncodeExport(x)
		return x.Ref + "-record.json", "application/json", data, err
	case "pdf":
		cat, err := sharedCatalogs()
		if err != nil {
			return "", "", nil, err
		}
		data, err = recordPDF(cat, x, reader)
		return x.Ref + "-record.pdf", "application/pdf", data, err
	}
	return "", "", nil, desk.Invalid("format", "json or pdf")
}
