package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/service"
)

// A mailbox file (mbox): its mails, threaded into cases by Message-ID, In-Reply-To and
// References, parsed by the desk's own mail parser (so any charset decodes as intake's would).
// A mailbox export may be many gigabytes, so it is read twice: once to index its mails (where
// each is in the file, its id and date) and thread them, once to read each thread's mails
// whole as its case is imported.

type mboxMail struct {
	at, size int64  // where its bytes are in the file, after its "From " line
	id       string // its Message-ID, or a digest of its bytes when it has none
	date     time.Time
}

type mbox struct {
	path    string
	mails   []mboxMail
	threads [][]int // mails by thread, each in date order; threads in the order their first mail came
	desk    map[string]bool
}

// readMbox indexes a mailbox file and threads its mails. deskAddr is the desk's own address;
// agents' and teams' addresses are added once the desk is open (markDesk).
func readMbox(path, deskAddr string) (*mbox, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read the mailbox: %w", err)
	}
	defer f.Close()
	m := &mbox{path: path, desk: map[string]bool{}}
	m.addDesk(deskAddr)
	links := idLinks{}
	err = scanMbox(f, func(i int, at, size int64, part []byte) {
		raw := mboxMessage(part)
		h, err := mail.ParseHeader(raw, mail.DefaultLimits())
		if err != nil {
			return // an empty message between separators
		}
		// The ids are cloned: kept as they come, each would hold its whole header line.
		mm := mboxMail{at: at, size: size, id: strings.Clone(h.MessageID), date: h.Date.UTC()}
		if mm.id == "" {
			sum := sha256.Sum256(raw)
			mm.id = "sha256:" + hex.EncodeToString(sum[:])
		}
		if mm.date.IsZero() {
			mm.date = time.Unix(int64(i), 0).UTC() // undated mail keeps its place in the file
		}
		links.join(mm.id, strings.Clone(h.InReplyTo))
		for _, r := range h.References {
			links.join(mm.id, strings.Clone(r))
		}
		m.mails = append(m.mails, mm)
	})
	if err != nil {
		return nil, fmt.Errorf("read the mailbox: %w", err)
	}
	if len(m.mails) == 0 {
		return nil, fmt.Errorf("%s holds no mail: a mailbox file starts each mail with a \"From \" line", path)
	}
	m.thread(links)
	return m, nil
}

func (m *mbox) addDesk(addrs ...string) {
	for _, a := range addrs {
		if a = strings.ToLower(strings.TrimSpace(a)); a != "" {
			m.desk[a] = true
		}
	}
}

// quotedFrom is a body line that began "From " and was quoted with ">" (mboxrd: one ">" more).
var quotedFrom = regexp.MustCompile(`(?m)^>(>*From )`)

// scanMbox calls fn with each mail of a mailbox in turn: its number (counting the empty ones),
// where its bytes are in the file (after its "From " line, up to the next one) and those
// bytes. A mail starts at each line that begins "From " and has a line end; text before the
// first one is no mail. Only one mail is in memory at a time.
func scanMbox(r io.Reader, fn func(i int, at, size int64, part []byte)) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		pos       int64 // the file offset of the next byte read
		lineStart = true
		inFrom    bool // within a "From " line
		inMail    bool
		start     int64 // the current mail's first byte
		part      []byte
		n         int
	)
	endMail := func() {
		if inMail {
			fn(n, start, pos-start, part)
			n++
		}
		inMail = false
	}
	for {
		chunk, err := br.ReadSlice('\n') // a line, or a long line's next 64 KB
		if len(chunk) > 0 {
			if lineStart && bytes.HasPrefix(chunk, []byte("From ")) {
				endMail()
				inFrom = true
			}
			if inMail {
				part = append(part, chunk...)
			}
			pos += int64(len(chunk))
			lineStart = chunk[len(chunk)-1] == '\n'
			if inFrom && lineStart {
				inFrom, inMail, start, part = false, true, pos, part[:0]
			}
		}
		switch err {
		case nil, bufio.ErrBufferFull:
		case io.EOF:
			endMail()
			return nil
		default:
			return err
		}
	}
}

// mboxMessage is a mail of a mailbox as the mail parser takes it: body lines quoted as
// ">From " unquoted, blank lines at its end dropped, CRLF line ends.
func mboxMessage(part []byte) []byte {
	part = bytes.ReplaceAll(part, []byte("\r\n"), []byte("\n"))
	part = quotedFrom.ReplaceAll(part, []byte("$1"))
	part = bytes.TrimRight(part, "\n")
	return bytes.ReplaceAll(append(part, '\n'), []byte("\n"), []byte("\r\n"))
}

// idLinks joins the message ids that name each other (Message-ID, In-Reply-To, References)
// into threads: a union-find of ids.
type idLinks map[string]string

func (l idLinks) root(x string) string {
	p, ok := l[x]
	if !ok || p == x {
		l[x] = x
		return x
	}
	r := l.root(p)
	l[x] = r
	return r
}

func (l idLinks) join(a, b string) {
	if a == "" || b == "" {
		return
	}
	ra, rb := l.root(a), l.root(b)
	if ra != rb {
		l[ra] = rb
	}
}

// thread groups the mails by their ids' links into threads, each a case.
func (m *mbox) thread(links idLinks) {
	byRoot := map[string]int{}
	for i, mm := range m.mails {
		root := links.root(mm.id)
		t, ok := byRoot[root]
		if !ok {
			t = len(m.threads)
			byRoot[root] = t
			m.threads = append(m.threads, nil)
		}
		m.threads[t] = append(m.threads[t], i)
	}
	for _, t := range m.threads {
		slices.SortStableFunc(t, func(a, b int) int { return m.mails[a].date.Compare(m.mails[b].date) })
	}
}

func (m *mbox) isDesk(addr string) bool { return m.desk[strings.ToLower(addr)] }

func (m *mbox) people() []service.ImportPerson { return nil } // the cases bring their senders

func (m *mbox) count() int { return len(m.threads) }

// cases reads each thread's mails from the file, by where the index found them, and hands
// their cases to fn a batch at a time: only a batch's mails are in memory.
func (m *mbox) cases(batch int, fn func([]service.ImportCase) error) error {
	f, err := os.Open(m.path)
	if err != nil {
		return fmt.Errorf("read the mailbox: %w", err)
	}
	defer f.Close()
	return inBatches(m.threads, batch, func(t []int) (service.ImportCase, error) {
		mails := make([]mboxRead, len(t))
		for k, i := range t {
			var err error
			if mails[k], err = m.readMail(f, m.mails[i]); err != nil {
				return service.ImportCase{}, err
			}
		}
		return m.threadCase(mails), nil
	}, fn)
}

// mboxRead is a mail of the index read whole and parsed.
type mboxRead struct {
	mboxMail
	raw []byte
	msg *mail.Message
}

func (m *mbox) readMail(f io.ReaderAt, mm mboxMail) (mboxRead, error) {
	part := make([]byte, mm.size)
	if _, err := f.ReadAt(part, mm.at); err != nil {
		return mboxRead{}, fmt.Errorf("read the mailbox %s at byte %d: %w", m.path, mm.at, err)
	}
	raw := mboxMessage(part)
	msg, err := mail.Parse(raw, mail.DefaultLimits())
	if err != nil {
		return mboxRead{}, fmt.Errorf("read the mailbox %s at byte %d: %w (did it change during the import?)", m.path, mm.at, err)
	}
	return mboxRead{mm, raw, msg}, nil
}

// threadCase is one thread as a case: its customer is the first sender who is not the desk
// (or, for a thread the desk began, whom it wrote to); mail from the desk's addresses is the
// agents', the rest the customers'.
func (m *mbox) threadCase(mails []mboxRead) service.ImportCase {
	first := mails[0]
	c := service.ImportCase{SourceID: first.id, Subject: first.msg.Subject, Channel: "email", Status: "open", CreatedAt: first.date}
	for _, mm := range mails {
		if from := mm.msg.From; from.Email != "" && !m.isDesk(from.Email) {
			c.Requester = service.ImportPerson{Name: from.Name, Email: from.Email}
			break
		}
	}
	if c.Requester.Email == "" {
		for _, to := range append(first.msg.To, first.msg.Cc...) {
			if !m.isDesk(to.Email) {
				c.Requester = service.ImportPerson{Name: to.Name, Email: to.Email}
				break
			}
		}
	}
	if c.Requester.Email == "" {
		c.Requester = service.ImportPerson{Name: "unknown sender", SourceID: first.id}
	}
	for _, mm := range mails {
		from := mm.msg.From
		e := service.ImportEntry{At: mm.date, Public: true, Body: strings.TrimSpace(strings.ReplaceAll(mm.msg.Text, "\r\n", "\n")), Subject: mm.msg.Subject, MessageID: mm.msg.MessageID}
		if m.isDesk(from.Email) {
			e.Author = service.ImportPerson{Agent: true, Name: from.Name, Email: from.Email}
			// The desk's own mail keeps its attachments' bytes as documents: only customers'
			// mails are stored whole.
			for _, a := range mm.msg.Attachments {
				e.Files = append(e.Files, service.ImportFile{Filename: a.Filename, ContentType: a.ContentType, Size: int64(a.Size), Inline: a.Inline, Content: a.Data})
			}
		} else {
			e.Author = service.ImportPerson{Name: from.Name, Email: from.Email}
			if from.Email == "" {
				e.Author = c.Requester
			}
			e.Mail, e.SafeHTML, e.Problems = mm.raw, mm.msg.SafeHTML, mm.msg.Problems
			for _, a := range mm.msg.Attachments {
				e.Files = append(e.Files, service.ImportFile{Filename: a.Filename, ContentType: a.ContentType, Size: int64(a.Size), Inline: a.Inline})
			}
		}
		c.Entries = append(c.Entries, e)
	}
	return c
}

// markDesk adds the desk's agents' and teams' addresses to those whose mail is the agents'.
func (m *mbox) markDesk(ctx context.Context, svc *service.Service) error {
	agents, err := svc.Agents(ctx, desk.SystemActor())
	if err != nil {
		return err
	}
	for _, a := range agents {
		m.addDesk(a.Email)
	}
	teams, err := svc.Teams(ctx, desk.SystemActor())
	if err != nil {
		return err
	}
	for _, t := range teams {
		m.addDesk(t.Addresses...)
	}
	return nil
}

func (m *mbox) mapping() importMap {
	return importMap{Statuses: statusMap([]string{"open"})}
}
