package service

import "testing"

// TestImportSubject: an imported ticket is named by its subject, else its first message's
// subject or first line, else its number in the source: never English words ("4711 (no
// subject)" before), since the customer reads it as their case's title.
func TestImportSubject(t *testing.T) {
	for _, c := range []struct {
		in      ImportCase
		entries []ImportEntry
		want    string
	}{
		{ImportCase{SourceID: "4711", Subject: " Printer  jams "}, nil, "Printer jams"},
		{ImportCase{SourceID: "4711"}, []ImportEntry{{Subject: "Arve"}}, "Arve"},
		{ImportCase{SourceID: "4711"}, []ImportEntry{{Body: "\nTere!\nMu arve on vale."}}, "Tere!"},
		{ImportCase{SourceID: "4711"}, []ImportEntry{{Body: "  "}}, "#4711"},
	} {
		if got := importSubject(c.in, c.entries); got != c.want {
			t.Errorf("importSubject(%+v) = %q, want %q", c.in, got, c.want)
		}
	}
}
