package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
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

type mboxMail struct {
	raw  []byte
	msg  *mail.Message
	id   string // its Message-ID, or a digest of its bytes when it has none
	date time.Time
}

type mbox struct {
	mails   []mboxMail
	threads [][]int // mails by thread, each in date order; threads in the order their first mail came
	desk    map[string]bool
}

// readMbox reads a mailbox file. deskAddr is the desk's own address; agents' and teams'
// addresses are added once the desk is open (markDesk).
func readMbox(path, deskAddr string) (*mbox, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the mailbox: %w", err)
	}
	m := &mbox{desk: map[string]bool{}}
	m.addDesk(deskAddr)
	for i, raw := range splitMbox(b) {
		msg, err := mail.Parse(raw, mail.DefaultLimits())
		if err != nil {
			continue // an empty message between separators
		}
		mm := mboxMail{raw: raw, msg: msg, id: msg.MessageID, date: msg.Date.UTC()}
		if mm.id == "" {
			sum := sha256.Sum256(raw)
			mm.id = "sha256:" + hex.EncodeToString(sum[:])
		}
		if mm.date.IsZero() {
			mm.date = time.Unix(int64(i), 0).UTC() // undated mail keeps its place in the file
		}
		m.mails = append(m.mails, mm)
	}
	if len(m.mails) == 0 {
		return nil, fmt.Errorf("%s holds no mail: a mailbox file starts each mail with a \"From \" line", path)
	}
	m.thread()
	return m, nil
}

func (m *mbox) addDesk(addrs ...string) {
	for _, a := range addrs {
		if a = strings.ToLower(strings.TrimSpace(a)); a != "" {
			m.desk[a] = true
		}
	}
}

// fromLine is the separator of an mbox: "From " at the start of a line.
var fromLine = regexp.MustCompile(`(?m)^From `)

// quotedFrom is a body line that began "From " and was quoted with ">" (mboxrd: one ">" more).
var quotedFrom = regexp.MustCompile(`(?m)^>(>*From )`)

// splitMbox cuts a mailbox into its mails, without their "From " lines, body lines quoted as
// ">From " unquoted.
func splitMbox(b []byte) [][]byte {
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	starts := fromLine.FindAllIndex(b, -1)
	var out [][]byte
	for i, s := range starts {
		end := len(b)
		if i+1 < len(starts) {
			end = starts[i+1][0]
		}
		part := b[s[0]:end]
		if nl := bytes.IndexByte(part, '\n'); nl >= 0 {
			part = part[nl+1:]
		} else {
			continue
		}
		part = quotedFrom.ReplaceAll(part, []byte("$1"))
		part = bytes.TrimRight(part, "\n")
		out = append(out, bytes.ReplaceAll(append(part, '\n'), []byte("\n"), []byte("\r\n")))
	}
	return out
}

// thread groups the mails that name each other (Message-ID, In-Reply-To, References) into
// threads, each a case.
func (m *mbox) thread() {
	parent := map[string]string{}
	var find func(string) string
	find = func(x string) string {
		p, ok := parent[x]
		if !ok || p == x {
			parent[x] = x
			return x
		}
		r := find(p)
		parent[x] = r
		return r
	}
	union := func(a, b string) {
		if a == "" || b == "" {
			return
		}
		ra, rb := find(a), find(b)
		if ra != rb {
			parent[ra] = rb
		}
	}
	for _, mm := range m.mails {
		union(mm.id, mm.msg.InReplyTo)
		for _, r := range mm.msg.References {
			union(mm.id, r)
		}
	}
	byRoot := map[string]int{}
	for i, mm := range m.mails {
		root := find(mm.id)
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

func (m *mbox) cases(batch int, fn func([]service.ImportCase) error) error {
	return inBatches(m.threads, batch, m.threadCase, fn)
}

// threadCase is one thread as a case: its customer is the first sender who is not the desk
// (or, for a thread the desk began, whom it wrote to); mail from the desk's addresses is the
// agents', the rest the customers'.
func (m *mbox) threadCase(t []int) service.ImportCase {
	first := m.mails[t[0]]
	c := service.ImportCase{SourceID: first.id, Subject: first.msg.Subject, Channel: "email", Status: "open", CreatedAt: first.date}
	for _, i := range t {
		if from := m.mails[i].msg.From; from.Email != "" && !m.isDesk(from.Email) {
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
	for _, i := range t {
		mm := m.mails[i]
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
