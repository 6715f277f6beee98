package store

import (
	"encoding/json"
	"reflect"
	"testing"
)

// The search rows' JSON is written by hand (wordRowsJSON); it must read back as encoding/json's
// would, whatever a word holds.
func TestWordRowsJSON(t *testing.T) {
	docs := []*SearchDoc{
		{CaseID: 7, CustomerID: 3, EntryID: 0, Words: []string{"parcel", "late"}},
		{CaseID: 7, CustomerID: 3, EntryID: 12, Internal: true, Words: []string{`say "hi"`, `back\slash`, "tab\there", "<b>&", "ütf", "bad\xffbyte"}},
	}
	var got [][]any
	if err := json.Unmarshal([]byte(wordRowsJSON(docs, 41)), &got); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	want := [][]any{
		{"parcel late", 7.0, 3.0, 0.0, false, 41.0},
		{`say "hi" back\slash tab` + "\there <b>& ütf bad\uFFFDbyte", 7.0, 3.0, 12.0, true, 42.0},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows read back as\n%q\nwant\n%q", got, want)
	}
}
