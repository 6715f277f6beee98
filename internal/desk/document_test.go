package desk

import (
	"slices"
	"strings"
	"testing"
)

func TestValidateDocument(t *testing.T) {
	for _, tc := range []struct {
		name, kind, filename string
		size                 int64
		field                string // "" when accepted
	}{
		{"ok", "death certificate", "smrtni-list.pdf", 1, ""},
		{"largest", "receipt", "r.png", MaxDocumentSize, ""},
		{"no kind", "  ", "a.pdf", 10, "kind"},
		{"kind of punctuation", "–/–", "a.pdf", 10, "kind"},
		{"long kind", strings.Repeat("k", 101), "a.pdf", 10, "kind"},
		{"no filename", "receipt", " ", 10, "filename"},
		{"only folders", "receipt", "../..", 10, "filename"},
		{"empty", "receipt", "a.pdf", 0, "content"},
		{"too large", "receipt", "a.pdf", MaxDocumentSize + 1, "content"},
	} {
		err := ValidateDocument(tc.kind, tc.filename, tc.size)
		e, _ := AsError(err)
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%s: refused: %v", tc.name, err)
		case tc.field != "" && (e == nil || e.Kind != KindInvalid || e.Field != tc.field):
			t.Errorf("%s: %v, want a refusal naming %s", tc.name, err, tc.field)
		}
	}
}

func TestCleanFilename(t *testing.T) {
	long := strings.Repeat("ž", 250) + ".pdf"
	for in, want := range map[string]string{
		"Smrtni list – Ivić.pdf":        "Smrtni list – Ivić.pdf",
		"C:\\Users\\mari\\scan.pdf":     "scan.pdf",
		"../../etc/passwd":              "passwd",
		"bad\x00name\r\n.txt":           "badname.txt",
		"invoice\u202Efdp.exe":          "invoicefdp.exe", // a right-to-left override hiding .exe
		"Ivic\u0301.pdf":                "Ivić.pdf",       // decomposed, as macOS sends it
		"  report.pdf. ":                "report.pdf",
		"..":                            "",
		long:                            strings.Repeat("ž", 196) + ".pdf",
		"tab\there.txt":                 "tab here.txt",
		"quote\"and\\slash.txt":         "slash.txt",
		"name with\u200bzero width.txt": "name withzero width.txt",
	} {
		if got := CleanFilename(in); got != want {
			t.Errorf("CleanFilename(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDownloadContentType(t *testing.T) {
	for stored, want := range map[string]string{
		"application/pdf":           "application/pdf",
		"image/png":                 "image/png",
		"image/jpeg":                "image/jpeg",
		"image/gif":                 "image/gif",
		"text/plain; charset=utf-8": "text/plain; charset=utf-8",
		"text/html; charset=utf-8":  "application/octet-stream",
		"image/svg+xml":             "application/octet-stream",
		"application/xhtml+xml":     "application/octet-stream",
		"text/xml":                  "application/octet-stream",
		"application/javascript":    "application/octet-stream",
		"":                          "application/octet-stream",
		"nonsense":                  "application/octet-stream",
	} {
		if got := DownloadContentType(CleanContentType(stored)); got != want {
			t.Errorf("stored %q is served as %q, want %q", stored, got, want)
		}
	}
	if got := CleanContentType("Text/Plain; Charset=Windows-1250; format=flowed"); got != "text/plain; charset=windows-1250" {
		t.Errorf("CleanContentType kept %q", got)
	}
}

func TestMentionedDocuments(t *testing.T) {
	onFile := []Document{
		{ID: 1, Kind: "death certificate"},
		{ID: 2, Kind: "Death  Certificate"}, // the same kind again: reported once
		{ID: 3, Kind: "certificate of warranty"},
		{ID: 4, Kind: "Osobna iskaznica"},
	}
	ids := func(ds []Document) []int64 {
		var out []int64
		for _, d := range ds {
			out = append(out, d.ID)
		}
		return out
	}
	for msg, want := range map[string][]int64{
		"Could you send us the Death Certificate?":                    {1},
		"Please send the death-certificate and your OSOBNU iskaznicu": {1},
		"We still need the certificate of warranty.":                  {3},
		"Your certificate arrived; death of the device is covered.":   nil,
		"Molimo pošaljite osobna iskaznica.":                          {4},
		"":                                                            nil,
	} {
		if got := ids(MentionedDocuments(onFile, msg)); !slices.Equal(got, want) {
			t.Errorf("%q asks again for %v, want %v", msg, got, want)
		}
	}
	// Only the kinds on file are asked about: a warranty certificate is not a death certificate.
	if got := MentionedDocuments(onFile[2:3], "Could you send us the death certificate?"); len(got) != 0 {
		t.Errorf("a certificate of warranty is taken for a death certificate: %v", got)
	}
}

func TestDocumentAddedChains(t *testing.T) {
	c := Case{ID: 7}
	d := Document{ID: 3, Kind: "death certificate", Filename: "Smrtni list – Ivić.pdf", Size: 12, SHA256: strings.Repeat("ab", 32)}
	entries, err := Chain(&c, []Draft{DocumentAdded(d, Actor{Kind: ActorCustomer, ID: 5, Name: "Ivo"})}, now)
	if err != nil {
		t.Fatal(err)
	}
	e := entries[0]
	if e.Kind != KindDocumentAdded || e.Internal || e.Body != "death certificate: Smrtni list – Ivić.pdf" || e.Hash != e.ComputeHash() {
		t.Errorf("document_added entry %+v", e)
	}
	if !strings.Contains(string(e.Data), `"sha256":"`+d.SHA256+`"`) || !strings.Contains(string(e.Data), `"document_id":3`) {
		t.Errorf("entry data %s lacks the document's id or hash", e.Data)
	}
}
