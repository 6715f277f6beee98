package web

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/keptdesk/kept/internal/desk"
)

// A case's record as a PDF: the readable document a customer keeps or a court is handed. It
// says what the case is, then every entry (time in the reader's zone and language, kind in
// words, who, what was said), then what is needed to check it: each entry's seq and hash, the
// head, and how to verify, in words. Its words come from the pages' catalogue (export.json and
// the case's and portal's kind and status words).
//
// The fonts are the Go fonts, compiled into the binary (golang.org/x/image/font/gofont): PDF's
// core fonts know only cp1252, which has no č, ć or đ, and a system font may be missing on a
// fresh machine. The Go fonts carry every Latin letter Estonian and Croatian use.

// PDFReader is who a record's PDF is for: their language ("en", "et", "hr"; any other reads
// English), the zone times are shown in (nil: UTC), and whether they are the customer (the
// portal's words) or the desk (the case page's).
type PDFReader struct {
	Lang     string
	Zone     *time.Location
	Customer bool
}

// sharedCatalogs are the catalogues for renderers that run without a Server (the API's PDF).
var sharedCatalogs = sync.OnceValues(loadCatalogs)

// pdfWords translates for one PDF.
type pdfWords struct {
	cat    catalogs
	reader PDFReader
	zone   *time.Location
}

func (p pdfWords) T(key string, args ...any) string { return p.cat.t(p.reader.Lang, key, args...) }

// word is key's text, or fallback's when no catalogue has key (a kind with no words of its own).
func (p pdfWords) word(key, fallback string) string { return p.tOr(key, p.T(fallback)) }

// When is a time as the reader reads it, with the year and the zone: a document outlives the year.
func (p pdfWords) When(t time.Time) string {
	lt := t.In(p.zone)
	day := p.T(fmt.Sprintf("weekday.%d", lt.Weekday()))
	var date string
	if p.reader.Lang == "en" {
		date = fmt.Sprintf("%d %s %d", lt.Day(), p.T(fmt.Sprintf("month.%d", lt.Month())), lt.Year())
	} else {
		date = fmt.Sprintf("%d.%d.%d", lt.Day(), lt.Month(), lt.Year())
	}
	return fmt.Sprintf("%s %s %s", day, date, lt.Format("15:04 MST"))
}

// tOr is key's text, or otherwise where no catalogue has key.
func (p pdfWords) tOr(key, otherwise string) string {
	if _, ok := p.cat["en"][key]; ok {
		return p.T(key)
	}
	return otherwise
}

func (p pdfWords) kind(k desk.EntryKind) string {
	if p.reader.Customer {
		return p.word("portal.kind."+string(k), "portal.kind.other")
	}
	return p.word("case.kind."+string(k), "case.kind.other")
}

func (p pdfWords) status(st desk.Status) string {
	if p.reader.Customer {
		return p.word("portal.status."+string(st), "portal.status.open")
	}
	return p.word("case.status."+string(st), "case.status.open")
}

// Page layout, in millimetres and points.
const (
	pdfMargin   = 18.0
	pdfLine     = 5.0 // body text's line height
	pdfBodySize = 10.0
	pdfHashSize = 7.5
)

func recordPDF(cat catalogs, x desk.RecordExport, reader PDFReader) ([]byte, error) {
	zone := reader.Zone
	if zone == nil {
		zone = time.UTC
	}
	w := pdfWords{cat: cat, reader: reader, zone: zone}
	if _, ok := cat[reader.Lang]; !ok {
		w.reader.Lang = "en"
	}
	p := fpdf.New("P", "mm", "A4", "")
	p.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	p.SetAutoPageBreak(true, pdfMargin)
	p.AddUTF8FontFromBytes("go", "", goregular.TTF)
	p.AddUTF8FontFromBytes("go", "B", gobold.TTF)
	p.AddUTF8FontFromBytes("go", "I", goitalic.TTF)
	p.AddUTF8FontFromBytes("mono", "", gomono.TTF)
	title := w.T("export.title", x.Ref)
	p.SetTitle(title, true)
	p.SetCreator("Kept", true)
	p.SetCreationDate(x.ExportedAt)
	p.SetModificationDate(x.ExportedAt)
	p.AliasNbPages("{nb}")
	p.SetFooterFunc(func() {
		p.SetY(-pdfMargin + 6)
		p.SetFont("go", "", 8)
		p.SetTextColor(110, 110, 110)
		p.CellFormat(0, 4, x.Ref+" · "+w.T("export.page", p.PageNo(), "{nb}"), "", 0, "C", false, 0, "")
		p.SetTextColor(0, 0, 0)
	})
	p.AddPage()

	// What the case is.
	p.SetFont("go", "B", 16)
	p.MultiCell(0, 8, title, "", "L", false)
	p.Ln(2)
	field := func(label, value string) {
		p.SetFont("go", "B", pdfBodySize)
		p.CellFormat(38, pdfLine, label, "", 0, "L", false, 0, "")
		p.SetFont("go", "", pdfBodySize)
		p.MultiCell(0, pdfLine, pdfText(value), "", "L", false)
	}
	field(w.T("export.subject"), x.Subject)
	if x.Customer != "" {
		field(w.T("export.customer"), x.Customer)
	}
	field(w.T("export.status"), w.status(x.Status))
	owner := x.Owner
	if owner == "" {
		owner = w.T("export.nobody")
	}
	field(w.T("export.owner"), owner)
	field(w.T("export.exported"), w.When(x.ExportedAt))
	if len(x.Withheld) > 0 {
		p.Ln(2)
		p.SetFont("go", "I", pdfBodySize)
		p.MultiCell(0, pdfLine, w.T("export.withheld_note", len(x.Withheld), len(x.Entries), seqList(x.Withheld)), "", "L", false)
	}

	// Every entry.
	p.Ln(4)
	p.SetFont("go", "B", 13)
	p.MultiCell(0, 7, w.T("export.entries"), "", "L", false)
	for _, e := range x.Entries {
		p.Ln(2)
		p.SetDrawColor(200, 200, 200)
		p.Line(pdfMargin, p.GetY(), 210-pdfMargin, p.GetY())
		p.Ln(1.5)
		if e.Withheld {
			p.SetFont("go", "I", pdfBodySize)
			p.SetTextColor(110, 110, 110)
			p.MultiCell(0, pdfLine, fmt.Sprintf("#%d · %s", e.Seq, w.T("export.entry_withheld")), "", "L", false)
			p.SetTextColor(0, 0, 0)
			continue
		}
		who := e.Actor.Name
		if e.Actor.Kind == desk.ActorSystem || who == "" {
			who = w.T("export.by_desk")
		}
		head := fmt.Sprintf("#%d · %s · %s · %s", e.Seq, w.When(e.At), w.kind(e.Kind), who)
		if e.Internal {
			head += " · " + w.T("export.internal")
		}
		p.SetFont("go", "B", pdfBodySize)
		p.MultiCell(0, pdfLine, pdfText(head), "", "L", false)
		body := e.Body
		if w.reader.Customer {
			body = customerLine(w, e.Entry) // as the portal says it
		}
		if body := strings.TrimSpace(pdfText(body)); body != "" {
			p.SetFont("go", "", pdfBodySize)
			p.MultiCell(0, pdfLine, body, "", "L", false)
		}
	}

	// What is needed to check it.
	p.AddPage()
	p.SetFont("go", "B", 13)
	p.MultiCell(0, 7, w.T("export.verify_title"), "", "L", false)
	p.Ln(1)
	p.SetFont("go", "", pdfBodySize)
	p.MultiCell(0, pdfLine, w.T("export.verify_how", x.Ref), "", "L", false)
	if len(x.Withheld) > 0 {
		p.Ln(1)
		p.MultiCell(0, pdfLine, w.T("export.verify_withheld"), "", "L", false)
	}
	p.Ln(3)
	p.SetFont("go", "B", pdfBodySize)
	p.CellFormat(14, pdfLine, w.T("export.col_seq"), "B", 0, "L", false, 0, "")
	p.CellFormat(0, pdfLine, w.T("export.col_hash"), "B", 1, "L", false, 0, "")
	for _, e := range x.Entries {
		p.SetFont("go", "", pdfBodySize)
		p.CellFormat(14, pdfLine, strconv.FormatInt(e.Seq, 10), "", 0, "L", false, 0, "")
		p.SetFont("mono", "", pdfHashSize)
		p.CellFormat(0, pdfLine, e.Hash, "", 1, "L", false, 0, "")
	}
	p.Ln(3)
	p.SetFont("go", "B", pdfBodySize)
	p.MultiCell(0, pdfLine, w.T("export.head", x.HeadSeq), "", "L", false)
	p.SetFont("mono", "", pdfHashSize+1)
	p.MultiCell(0, pdfLine, x.HeadHash, "", "L", false)

	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		return nil, fmt.Errorf("render %s as PDF: %w", x.Ref, err)
	}
	return buf.Bytes(), nil
}

// pdfText is text as a PDF line can hold it: line breaks kept, other control characters
// (which no font draws) as spaces.
func pdfText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		if r == '\n' {
			return r
		}
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// seqList is "2, 5, 7".
func seqList(seqs []int64) string {
	out := make([]string, len(seqs))
	for i, s := range seqs {
		out[i] = strconv.FormatInt(s, 10)
	}
	return strings.Join(out, ", ")
}
