package text

import (
	"slices"
	"testing"
)

// A reference's kind is named by the word before its number, in English, Estonian and
// Croatian, or by a parcel code's shape; a kind's word without a number names nothing.
func TestRefKinds(t *testing.T) {
	for in, want := range map[string][]string{
		"Invoice no. 2026-1187 is wrong":               {RefInvoice},
		"Arve nr 4411 tuli kaks korda.":                {RefInvoice},
		"Broj računa: 55/2, narudžba 9931":             {RefInvoice, RefOrder},
		"See INV-2026-1187 and order #9931":            {RefInvoice, RefOrder},
		"Where is my parcel RR123456785EE?":            {RefTracking},
		"The code RR123456785EE":                       {RefTracking},
		"The code RR123456784EE":                       nil, // a wrong check digit
		"My account ACC-371 was charged":               {RefAccount},
		"The invoice came twice, for 2 kettles":        nil,
		"Arvestus on vale, arvel 12 eurot":             {RefInvoice},
		"I ordered 3 kettles":                          nil,
		"Tellimuse number 77123 ja pakk RB123456785GB": {RefOrder, RefTracking},
		"Please call me at 10:30 about case K-1042":    nil,
	} {
		if got := RefKinds(in); !slices.Equal(got, want) {
			t.Errorf("RefKinds(%q) = %v, want %v", in, got, want)
		}
	}
}
