package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/service"
)

// TestReadMboxKeepsNoBodies reads a 20 MB mailbox and checks that what readMbox keeps for
// threading is a small index, not the mails: a mailbox export of many gigabytes must not need
// as much memory. Not parallel, so no other test allocates while the heap is measured.
func TestReadMboxKeepsNoBodies(t *testing.T) {
	const mails, bodyLines = 4000, 64 // 64 lines of 80 bytes: 5 KB a mail, 20 MB in all
	path := filepath.Join(t.TempDir(), "big.mbox")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	line := strings.Repeat("x", 79) + "\n"
	for i := range mails {
		fmt.Fprintf(w, "From c%d@example.com Mon Jan 15 08:30:00 2024\n", i%100)
		fmt.Fprintf(w, "From: Customer %d <c%d@example.com>\nTo: support@localhost\nSubject: Order %d\n", i%100, i%100, i/2)
		fmt.Fprintf(w, "Date: Mon, 15 Jan 2024 10:%02d:00 +0200\nMessage-ID: <m%d@example.com>\n", i%60, i)
		if i%2 == 1 {
			fmt.Fprintf(w, "In-Reply-To: <m%d@example.com>\n", i-1)
		}
		fmt.Fprintf(w, "Content-Type: text/plain; charset=utf-8\n\n")
		for range bodyLines {
			w.WriteString(line)
		}
		w.WriteString("\n")
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m, err := readMbox(path, "support@localhost")
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	kept := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	runtime.KeepAlive(m)
	t.Logf("%d bytes of heap kept for a %d-byte mailbox", kept, st.Size())

	if m.count() != mails/2 {
		t.Fatalf("%d threads, want %d", m.count(), mails/2)
	}
	// The index is some hundred bytes a mail; the mails themselves would be the file's size
	// and more (raw bytes and parsed text).
	if kept > st.Size()/4 {
		t.Errorf("readMbox keeps %d bytes of heap for a %d-byte mailbox of %d mails: it holds the mails, not an index", kept, st.Size(), mails)
	}
}

// TestReadMboxLongLines reads a mailbox whose lines outgrow the reader's buffer: a body line
// whose 64 KB-th byte starts "From " is no separator, a separator line of 70 KB is one, a last
// "From " line without a line end starts no mail. Each mail is read back whole, as the parser
// takes it: ">From " unquoted, CRLF, blank lines at its end dropped.
func TestReadMboxLongLines(t *testing.T) {
	long := strings.Repeat("K", 64<<10) + "From inside"
	mbox := "From a@example.com Mon Jan 15 08:30:00 2024\n" +
		"From: a@example.com\nMessage-ID: <1@x>\nSubject: one\n\n" + long + "\n>From quoted\n\n\n" +
		"From " + strings.Repeat("s", 70<<10) + "\r\n" +
		"From: b@example.com\r\nMessage-ID: <2@x>\r\nIn-Reply-To: <1@x>\r\nSubject: two\r\n\r\nbody\r\n" +
		"From the end"
	path := filepath.Join(t.TempDir(), "long.mbox")
	if err := os.WriteFile(path, []byte(mbox), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := readMbox(path, "support@localhost")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.mails) != 2 || m.count() != 1 {
		t.Fatalf("%d mails in %d threads, want 2 in 1", len(m.mails), m.count())
	}
	var got []service.ImportCase
	if err := m.cases(10, func(b []service.ImportCase) error { got = append(got, b...); return nil }); err != nil {
		t.Fatal(err)
	}
	es := got[0].Entries
	want := "From: a@example.com\r\nMessage-ID: <1@x>\r\nSubject: one\r\n\r\n" + long + "\r\nFrom quoted\r\n"
	if string(es[0].Mail) != want {
		t.Errorf("the first mail as stored: %q…", es[0].Mail[:min(len(es[0].Mail), 100)])
	}
	if es[1].Subject != "two" || es[1].Body != "body" || string(es[1].Mail) != "From: b@example.com\r\nMessage-ID: <2@x>\r\nIn-Reply-To: <1@x>\r\nSubject: two\r\n\r\nbody\r\n" {
		t.Errorf("the second mail: %+v", es[1])
	}
}
