package api

import (
	"archive/zip"
	"bytes"
	"fmt"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// exportRoutes are the calls that answer a record, or a customer's data, as files.
func (s *Server) exportRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/cases/{id}/export", summary: "The case's record as a file: format=json (default) the verifiable export that `kept verify --export` checks, " +
			"format=pdf the record as a readable document ending with each entry's hash, the chain's head and how to verify. As the caller may read the case: an entry they may not see " +
			"is withheld (its seq and hashes only, listed in withheld). The PDF is in lang (en, et, hr; default the Accept-Language) with times in tz (default the caller's own zone).",
			status: http.StatusOK, answer: desk.RecordExport{},
			query:  []param{{"format", "json (default) or pdf"}, {"lang", "the PDF's language: en, et or hr"}, {"tz", "the PDF's time zone (IANA), e.g. Europe/Tallinn"}},
			handle: s.exportCase},
		{method: "GET", path: "/api/v1/customers/{id}/export", summary: "A customer's data for a data request, as a zip: customer.json (who they are, contact points, " +
			"references, the list of documents), cases/K-…-record.json (each case's record as the customer reads it: internal entries withheld, still verifiable) and " +
			"documents/ (each document's bytes). Admins and managers; it only reads.",
			status: http.StatusOK, answer: service.CustomerArchive{}, handle: s.exportCustomer},
	}
}

func (s *Server) exportCase(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	format := q.Get("format")
	if format != "" && format != "json" && format != "pdf" {
		return nil, desk.Invalid("format", "json or pdf")
	}
	var zone *time.Location
	if tz := q.Get("tz"); tz != "" {
		if zone, err = time.LoadLocation(tz); err != nil {
			return nil, desk.Invalid("tz", "an IANA time zone like Europe/Tallinn")
		}
	}
	if format == "pdf" && s.draw == nil {
		return nil, desk.Invalid("format", "this server exports records as json only")
	}
	x, err := svc.Export(r.Context(), a, id)
	if err != nil {
		return nil, err
	}
	name, ctype := x.Ref+"-record.json", "application/json"
	var data []byte
	if format == "pdf" {
		if zone == nil {
			if zone, err = svc.ReaderZone(r.Context(), a); err != nil {
				return nil, err
			}
		}
		name, ctype = x.Ref+"-record.pdf", "application/pdf"
		data, err = s.draw(x, q.Get("lang"), r.Header.Get("Accept-Language"), zone, a.Kind == desk.ActorCustomer)
	} else {
		data, err = desk.EncodeExport(x)
	}
	if err != nil {
		return nil, err
	}
	return rawAnswer{contentType: ctype, filename: name, body: data}, nil
}

// exportCustomer writes the archive as the service reads it: the documents' bytes as they
// come, the rest once every case is read.
func (s *Server) exportCustomer(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	add := func(name string, at time.Time, data []byte) error {
		f, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: at})
		if err != nil {
			return fmt.Errorf("archive %s: %w", name, err)
		}
		_, err = f.Write(data)
		return err
	}
	arch, err := svc.ExportCustomer(r.Context(), a, id, func(d desk.Document, content []byte) error {
		return add(documentPath(d), d.CreatedAt, content)
	})
	if err != nil {
		return nil, err
	}
	for _, x := range arch.Cases {
		b, err := desk.EncodeExport(x)
		if err != nil {
			return nil, err
		}
		if err := add("cases/"+x.Ref+"-record.json", x.ExportedAt, b); err != nil {
			return nil, err
		}
	}
	about, err := customerFile(arch)
	if err != nil {
		return nil, err
	}
	if err := add("customer.json", arch.ExportedAt, about); err != nil {
		return nil, err
	}
	if err := z.Close(); err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	return rawAnswer{contentType: "application/zip", filename: fmt.Sprintf("customer-%d-data.zip", arch.Customer.ID), body: buf.Bytes()}, nil
}

// customerFile is customer.json: the customer, their cases by ref and their documents, each
// document with the path of its bytes in the archive.
func customerFile(arch service.CustomerArchive) ([]byte, error) {
	type doc struct {
		desk.Document
		File string `json:"file"`
	}
	type caseFile struct {
		Ref     string      `json:"ref"`
		Subject string      `json:"subject"`
		Status  desk.Status `json:"status"`
		File    string      `json:"file"`
	}
	out := struct {
		Customer   desk.Customer `json:"customer"`
		ExportedAt time.Time     `json:"exported_at"`
		Cases      []caseFile    `json:"cases"`
		Documents  []doc         `json:"documents"`
	}{Customer: arch.Customer, ExportedAt: arch.ExportedAt, Cases: []caseFile{}, Documents: []doc{}}
	for _, x := range arch.Cases {
		out.Cases = append(out.Cases, caseFile{Ref: x.Ref, Subject: x.Subject, Status: x.Status, File: "cases/" + x.Ref + "-record.json"})
	}
	for _, d := range arch.Documents {
		out.Documents = append(out.Documents, doc{Document: d, File: documentPath(d)})
	}
	b, err := desk.EncodeFile(out)
	if err != nil {
		return nil, fmt.Errorf("encode customer.json: %w", err)
	}
	return b, nil
}

// documentPath is where a document's bytes are in the archive: its id keeps two files of one
// name apart, and the name loses anything that would climb out of the folder.
func documentPath(d desk.Document) string {
	name := strings.NewReplacer("/", "_", "\\", "_").Replace(path.Base("/" + d.Filename))
	if name == "" || name == "." || name == ".." || name == "/" {
		name = "document"
	}
	return fmt.Sprintf("documents/%d-%s", d.ID, name)
}
