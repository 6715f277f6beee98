package api

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// TestRecordJSON checks that a record written by hand is byte for byte what encoding/json
// writes for it, for every kind of character a text may hold.
func TestRecordJSON(t *testing.T) {
	var ascii strings.Builder
	for c := range 128 {
		ascii.WriteByte(byte(c))
	}
	texts := []string{"", ascii.String(), "Tere! Mõistan, Šime ĐURĐEVIĆ 🙂", "bad \xff\xfe utf-8 \xe2\x82", "line\u2028para\u2029end",
		`<script>alert("x & y")</script>`, "tab\there\r\nnew \\ back"}
	zone := time.FixedZone("", 2*3600)
	var rec []desk.Entry
	for i, s := range texts {
		rec = append(rec, desk.Entry{ID: int64(i + 1), CaseID: 42, Seq: int64(i + 1), Kind: desk.EntryKind("note" + s), At: time.Date(2026, 11, 23, 10, 0, i, i*1000, time.UTC),
			Actor: desk.Actor{Kind: desk.ActorAgent, ID: int64(i), Name: s, Role: desk.Role(s)}, Internal: i%2 == 0, Channel: s, Body: s + s,
			PrevHash: s, Hash: "h" + s})
	}
	rec[1].Data = json.RawMessage(`{"a": [1, 2 ,{"b" : "c d\n"}],` + "\n" + `"e":null}`)
	rec[2].Data = json.RawMessage(`{"offer":true,"amount":"12.50 €"}`)
	rec[3].At = time.Date(2026, 3, 29, 3, 30, 0, 0, zone)
	rec[4].At = time.Date(12, 1, 2, 3, 4, 5, 100_000_000, time.UTC)
	rec[5].At = time.Time{}
	rec[6].At = time.Date(2026, 12, 31, 23, 59, 59, 999_999_999, time.UTC)
	for _, tc := range []struct {
		name string
		rec  []desk.Entry
	}{{"record", rec}, {"empty", []desk.Entry{}}, {"nil", nil}} {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(tc.rec); err != nil {
			t.Fatal(err)
		}
		got, err := recordAnswer(tc.rec).appendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		if got = append(got, '\n'); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("%s: wrote\n%s\nencoding/json writes\n%s", tc.name, got, want.Bytes())
		}
	}
	rec[0].Data = json.RawMessage(`{"a":`)
	if _, err := recordAnswer(rec[:1]).appendJSON(nil); err == nil {
		t.Error("data that is not JSON was written")
	}
}

// TestCaseListJSON checks the same for a page of cases.
func TestCaseListJSON(t *testing.T) {
	page := caseList{Cases: []service.CaseSummary{
		{ID: 7, Ref: "K-7", Subject: "Arve <on> \"vale\"\u2028\xff", Status: desk.StatusOpen, OwnerID: 3, Rung: 2, Flags: []string{"vip", "a\tb"}, UpdatedAt: "2026-11-23T10:00:00Z"},
		{ID: 6, Ref: "K-6", Subject: "", Status: desk.StatusAwaitingConfirmation, Flags: []string{}, UpdatedAt: "2026-11-23T10:00:00+02:00"},
		{ID: 5, Ref: "K-5", Subject: "x", Status: desk.StatusOpen, Flags: nil},
	}, NextBefore: 5}
	for _, l := range []caseList{page, {Cases: page.Cases[:1]}, {Cases: []service.CaseSummary{}}, {}} {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(l); err != nil {
			t.Fatal(err)
		}
		got, err := l.appendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		if got = append(got, '\n'); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("wrote\n%s\nencoding/json writes\n%s", got, want.Bytes())
		}
	}
}

// TestSecondsBeyondADuration: a count of seconds no duration holds keeps its sign, so the
// rules refuse it or read it as the longest, instead of the value it wrapped round to
// (-9223372036854775808 seconds was 0: "no target", accepted).
func TestSecondsBeyondADuration(t *testing.T) {
	for _, c := range []struct {
		in   int64
		want time.Duration
	}{
		{3600, time.Hour}, {-60, -time.Minute}, {math.MinInt64, math.MinInt64}, {18446744074 / 2, math.MaxInt64}, {math.MaxInt64, math.MaxInt64},
	} {
		if got := seconds(&c.in); *got != c.want {
			t.Errorf("seconds(%d) = %v, want %v", c.in, *got, c.want)
		}
	}
}

// TestDecodeSaysBase64InItsWords: a file's content that is not base64 is refused in the API's
// words, not with the decoder's ("the body could not be read: illegal base64 data at input
// byte 0" before).
func TestDecodeSaysBase64InItsWords(t *testing.T) {
	var dst struct {
		Content []byte `json:"content"`
	}
	r, _ := http.NewRequest("POST", "/", strings.NewReader(`{"content": " "}`))
	err := decode(r, &dst)
	e, ok := desk.AsError(err)
	if !ok || e.Kind != kindBadRequest || strings.Contains(e.Message, "illegal base64") || !strings.Contains(e.Message, "not base64") {
		t.Errorf("decode: %v", err)
	}
}

// TestNULEscapes: a JSON text holds a NUL character only as the escape \u0000, never as an
// escaped backslash before u0000.
func TestNULEscapes(t *testing.T) {
	for in, want := range map[string]bool{`{"a":"x\u0000y"}`: true, `{"a":"\\u0000"}`: false, `{"a":"\\\u0000"}`: true, `{"a":"\u00001"}`: true, `{"a":"\u0001"}`: false, `\`: false} {
		if got := nulEscape([]byte(in)); got != want {
			t.Errorf("nulEscape(%s) = %v, want %v", in, got, want)
		}
	}
}
