package desk

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestCheckExportWithheld: an export for a customer leaves an internal note out as its place in
// the chain only; the file says which entries are left out, the rest still verifies against the
// head, and editing an included entry, the stub's hash or the list fails naming the entry.
func TestCheckExportWithheld(t *testing.T) {
	c := Case{ID: 42}
	mari := Actor{Kind: ActorCustomer, ID: 7, Name: "Mari"}
	ann := Actor{Kind: ActorAgent, ID: 3, Name: "Ann", Role: RoleAgent}
	entries, err := Chain(&c, []Draft{
		{Kind: KindMessageIn, Actor: mari, Body: "Mu veekeetja lekib."},
		{Kind: KindNote, Actor: ann, Internal: true, Body: "Secret: she had three refunds already."},
		{Kind: KindMessageOut, Actor: ann, Body: "Saadame uue."},
	}, now)
	if err != nil {
		t.Fatal(err)
	}
	x := NewRecordExport(c, entries, mari, now)
	b, err := json.Marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "Secret") || strings.Contains(string(b), `"kind":"note"`) {
		t.Fatalf("the customer's export carries the internal note: %s", b)
	}
	if !strings.Contains(string(b), `"withheld":[2]`) || !strings.Contains(string(b), `{"seq":2,"withheld":true,"prev_hash":"`+entries[0].Hash+`","hash":"`+entries[1].Hash+`"}`) {
		t.Fatalf("the export does not say plainly that seq 2 is left out: %s", b)
	}
	read := func(b []byte) RecordExport {
		var back RecordExport
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		return back
	}
	if f, err := CheckExport(read(b)); f != nil || err != nil {
		t.Fatalf("the customer's export does not verify: %v %v", f, err)
	}
	for _, tc := range []struct {
		name  string
		edit  func(x *RecordExport)
		seq   int64
		cause string
	}{
		{"an included entry edited", func(x *RecordExport) { x.Entries[2].Body = "Saadame uue homme." }, 3, "content does not match"},
		{"the withheld entry's hash replaced", func(x *RecordExport) { x.Entries[1].Hash = strings.Repeat("0", 64) }, 3, "prev_hash"},
		{"the withheld list emptied", func(x *RecordExport) { x.Withheld = nil }, 2, "withheld list"},
		{"an entry claimed withheld", func(x *RecordExport) { x.Withheld = []int64{2, 3} }, 3, "withheld list"},
		{"the withheld entry dropped", func(x *RecordExport) { x.Entries = append(x.Entries[:1], x.Entries[2:]...) }, 2, "missing"},
	} {
		back := read(b)
		tc.edit(&back)
		f, err := CheckExport(back)
		if err != nil || f == nil || f.Seq != tc.seq || !strings.Contains(f.Reason, tc.cause) {
			t.Errorf("%s: %v %v, want seq %d: %s", tc.name, f, err, tc.seq, tc.cause)
		}
	}
	// Staff get the whole record: nothing withheld.
	if full := NewRecordExport(c, entries, ann, now); len(full.Withheld) != 0 || full.Entries[1].Body == "" {
		t.Errorf("an agent's export withholds %v", full.Withheld)
	}
}
