package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/service"
)

// Zendesk, as its API list endpoints and its JSON data export deliver it.

// sid is a source's id: a number or a string in its JSON, kept as text ("" for null).
type sid string

func (s *sid) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*s = ""
	case len(b) > 0 && b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = sid(v)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*s = sid(n.String())
	}
	return nil
}

type zdUser struct {
	ID           sid     `json:"id"`
	Name         string  `json:"name"`
	Email        *string `json:"email"`
	Phone        *string `json:"phone"`
	Role         string  `json:"role"` // end-user, agent, admin
	Active       *bool   `json:"active"`
	Locale       string  `json:"locale"`
	IANATimeZone string  `json:"iana_time_zone"`
	Organization sid     `json:"organization_id"`
	CreatedAt    string  `json:"created_at"`
}

type zdAttachment struct {
	ID          sid    `json:"id"`
	FileName    string `json:"file_name"`
	ContentURL  string `json:"content_url"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	Inline      bool   `json:"inline"`
}

type zdComment struct {
	ID          sid            `json:"id"`
	AuthorID    sid            `json:"author_id"`
	Body        string         `json:"body"`
	Value       string         `json:"value"` // the data export's older name for the body
	HTMLBody    string         `json:"html_body"`
	PlainBody   string         `json:"plain_body"`
	Public      *bool          `json:"public"`
	Attachments []zdAttachment `json:"attachments"`
	CreatedAt   string         `json:"created_at"`
}

type zdTicket struct {
	ID          sid    `json:"id"`
	URL         string `json:"url"`
	Subject     string `json:"subject"`
	Description string `json:"description"`
	Status      string `json:"status"`
	Type        string `json:"type"` // question, incident, problem, task; null for none
	RequesterID sid    `json:"requester_id"`
	AssigneeID  sid    `json:"assignee_id"`
	GroupID     sid    `json:"group_id"`
	CreatedAt   string `json:"created_at"`
	Via         struct {
		Channel string `json:"channel"`
	} `json:"via"`
	Comments []zdComment `json:"comments"` // the data export's
	// Requester is what some exports carry of the requester besides the id.
	Requester *zdUser  `json:"requester"`
	Tags      []string `json:"tags"`
}

// zdHead is what is read of a ticket before the import: enough to count and map.
type zdHead struct {
	ID          sid     `json:"id"`
	Status      string  `json:"status"`
	Type        string  `json:"type"`
	GroupID     sid     `json:"group_id"`
	RequesterID sid     `json:"requester_id"`
	Requester   *zdUser `json:"requester"`
}

type zendesk struct {
	dir      string     // where comments/ and attachments/ are looked for
	export   string     // the JSON data export's file (comments inside the tickets), or ""
	tickets  []zdTicket // an API folder's
	heads    []zdHead
	users    map[sid]zdUser
	userList []sid
	orgs     map[sid]string
	groups   map[sid]string
}

// readZendesk reads a folder of API list responses, or a data export file.
func readZendesk(path string) (*zendesk, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read the Zendesk export: %w", err)
	}
	z := &zendesk{users: map[sid]zdUser{}, orgs: map[sid]string{}, groups: map[sid]string{}}
	var pages []string
	if st.IsDir() {
		z.dir = path
		if pages, err = pagesOf(path, "tickets"); err != nil {
			return nil, err
		}
		if len(pages) == 0 {
			return nil, fmt.Errorf("%s has no tickets.json: a Zendesk folder holds the API's tickets.json, users.json and comments/{id}.json", path)
		}
	} else if isTicketsPage(path) {
		// One API page named on its own: its folder holds the rest.
		z.dir, pages = filepath.Dir(path), []string{path}
	}
	if pages != nil {
		for _, p := range pages {
			var page struct {
				Tickets []zdTicket `json:"tickets"`
				Users   []zdUser   `json:"users"` // side-loaded (include=users)
			}
			if err := readJSONFile(p, &page); err != nil {
				return nil, err
			}
			z.tickets = append(z.tickets, page.Tickets...)
			for _, t := range page.Tickets {
				z.heads = append(z.heads, zdHead{ID: t.ID, Status: t.Status, Type: t.Type, GroupID: t.GroupID})
			}
			z.addUsers(page.Users)
		}
	} else {
		// The export is read twice, never held whole: once here for what the progress line and
		// the mapping need (and to refuse a bad ticket before anything is written), once to
		// import. Here the comments, most of each line, are stepped over unread: a comment that
		// is not JSON stops the import at its ticket (what came before stays; fixed, run again).
		z.dir, z.export = filepath.Dir(path), path
		if err := eachJSONLine(path, func(line []byte, n int) error {
			var t zdHead
			if err := decodeLine(withoutComments(line), &t); err != nil {
				return fmt.Errorf("%s line %d: not a Zendesk ticket: %w", path, n, err)
			}
			if t.ID == "" {
				return fmt.Errorf("%s line %d: a ticket without an id", path, n)
			}
			z.heads = append(z.heads, t)
			if t.Requester != nil && t.Requester.ID == "" {
				t.Requester.ID = t.RequesterID
			}
			if t.Requester != nil && t.Requester.ID != "" {
				if _, ok := z.users[t.Requester.ID]; !ok {
					z.addUsers([]zdUser{*t.Requester})
				}
			}
			return nil
		}); err != nil {
			return nil, err
		}
	}
	if err := z.readUsers(); err != nil {
		return nil, err
	}
	return z, nil
}

// isTicketsPage reports whether a file is one JSON object with a "tickets" list (an API page),
// rather than the data export's lines.
func isTicketsPage(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	return startsTicketsPage(f)
}

// startsTicketsPage reports whether the first JSON value r holds has a "tickets" list. Only
// that value is read: an export's first line is one ticket, and reading the whole file to
// learn its shape held all of it in memory at once (2 GB and 6 s for 100,000 tickets).
func startsTicketsPage(r io.Reader) bool {
	var page struct {
		Tickets *json.RawMessage `json:"tickets"`
	}
	return json.NewDecoder(r).Decode(&page) == nil && page.Tickets != nil
}

func (z *zendesk) addUsers(us []zdUser) {
	for _, u := range us {
		if u.ID == "" {
			continue
		}
		if _, ok := z.users[u.ID]; !ok {
			z.userList = append(z.userList, u.ID)
		}
		z.users[u.ID] = u
	}
}

// readUsers reads users.json (and its pages), organizations.json and groups.json beside the
// tickets, as API pages or as lines of an export.
func (z *zendesk) readUsers() error {
	for _, kind := range []string{"users", "organizations", "groups"} {
		pages, err := pagesOf(z.dir, kind)
		if err != nil {
			return err
		}
		for _, p := range pages {
			var page struct {
				Users         []zdUser `json:"users"`
				Organizations []struct {
					ID   sid    `json:"id"`
					Name string `json:"name"`
				} `json:"organizations"`
				Groups []struct {
					ID   sid    `json:"id"`
					Name string `json:"name"`
				} `json:"groups"`
			}
			if err := readJSONFile(p, &page); err != nil {
				// The data export writes one object a line instead.
				if lerr := eachJSONLine(p, func(line []byte, n int) error {
					var o zdUser // users, and organisations and groups by id and name
					if err := json.Unmarshal(line, &o); err != nil {
						return fmt.Errorf("%s line %d: %w", p, n, err)
					}
					switch kind {
					case "users":
						z.addUsers([]zdUser{o})
					case "organizations":
						z.orgs[o.ID] = o.Name
					default:
						z.groups[o.ID] = o.Name
					}
					return nil
				}); lerr != nil {
					return err
				}
				continue
			}
			z.addUsers(page.Users)
			for _, o := range page.Organizations {
				z.orgs[o.ID] = o.Name
			}
			for _, g := range page.Groups {
				z.groups[g.ID] = g.Name
			}
		}
	}
	return nil
}

// person is a Zendesk user as the importer names them. A user the export does not have (a
// deleted one) is kept by name on their entries; as a requester they still need a customer,
// known by their Zendesk id.
func (z *zendesk) person(id sid, requester bool) service.ImportPerson {
	u, ok := z.users[id]
	if !ok {
		if requester {
			return service.ImportPerson{SourceID: string(id), Name: "Zendesk user " + string(id)}
		}
		if id == "" {
			return service.ImportPerson{Name: "Zendesk"}
		}
		return service.ImportPerson{Name: "deleted Zendesk user " + string(id)}
	}
	p := service.ImportPerson{SourceID: string(u.ID), Name: u.Name, Email: deref(u.Email), Phone: deref(u.Phone),
		Agent: u.Role == "agent" || u.Role == "admin", Timezone: u.IANATimeZone, CreatedAt: parseTime(u.CreatedAt)}
	p.Lang, _, _ = strings.Cut(strings.ToLower(u.Locale), "-")
	if org := z.orgs[u.Organization]; org != "" {
		p.References = []desk.Reference{{Kind: "organization", Value: org}}
	}
	if u.Active != nil && !*u.Active && p.Name == "" {
		p.Name = "deleted Zendesk user " + string(u.ID)
	}
	return p
}

func (z *zendesk) people() []service.ImportPerson {
	var out []service.ImportPerson
	for _, id := range z.userList {
		if p := z.person(id, false); !p.Agent {
			out = append(out, p)
		}
	}
	return out
}

func (z *zendesk) count() int { return len(z.heads) }

func (z *zendesk) cases(batch int, fn func([]service.ImportCase) error) error {
	var out []service.ImportCase
	add := func(t zdTicket) error {
		c, err := z.ticket(t)
		if err != nil {
			return err
		}
		out = append(out, c)
		if len(out) == batch {
			err, out = fn(out), nil
		}
		return err
	}
	if z.export != "" {
		if err := eachJSONLine(z.export, func(line []byte, n int) error {
			var t zdTicket
			if err := decodeLine(line, &t); err != nil {
				return fmt.Errorf("%s line %d: not a Zendesk ticket: %w", z.export, n, err)
			}
			return add(t)
		}); err != nil {
			return err
		}
	}
	for _, t := range z.tickets {
		if err := add(t); err != nil {
			return err
		}
	}
	if len(out) > 0 {
		return fn(out)
	}
	return nil
}

// ticket is one ticket with its comments: from the export's line, or comments/{id}.json.
func (z *zendesk) ticket(t zdTicket) (service.ImportCase, error) {
	comments := t.Comments
	if z.export == "" {
		pages, err := pagesOf(filepath.Join(z.dir, "comments"), string(t.ID))
		if err != nil {
			return service.ImportCase{}, err
		}
		for _, p := range pages {
			var page struct {
				Comments []zdComment `json:"comments"`
			}
			if err := readJSONFile(p, &page); err != nil {
				return service.ImportCase{}, err
			}
			comments = append(comments, page.Comments...)
		}
	}
	c := service.ImportCase{SourceID: string(t.ID), URL: t.URL, Requester: z.person(t.RequesterID, true), Group: string(t.GroupID),
		Subject: t.Subject, Channel: desk.ImportedChannel(t.Via.Channel), Status: t.Status, Type: t.Type, CreatedAt: parseTime(t.CreatedAt)}
	if t.AssigneeID != "" {
		c.Assignee = z.person(t.AssigneeID, false)
	}
	if len(comments) == 0 && strings.TrimSpace(t.Description) != "" {
		// A ticket listed without its comments still has the requester's first words.
		comments = []zdComment{{AuthorID: t.RequesterID, Body: t.Description, CreatedAt: t.CreatedAt}}
	}
	for _, cm := range comments {
		author := z.person(cm.AuthorID, false)
		if cm.AuthorID == t.RequesterID {
			author = c.Requester
		}
		e := service.ImportEntry{At: parseTime(cm.CreatedAt), Author: author, Public: cm.Public == nil || *cm.Public, Body: commentText(cm)}
		if e.At.IsZero() {
			e.At = c.CreatedAt
		}
		for _, a := range cm.Attachments {
			f := service.ImportFile{Filename: a.FileName, ContentType: a.ContentType, URL: a.ContentURL, Size: a.Size, Inline: a.Inline}
			f.Content = localAttachment(z.dir, string(a.ID), a.FileName)
			e.Files = append(e.Files, f)
		}
		c.Entries = append(c.Entries, e)
		if slices.Contains(t.Tags, "closed_by_merge") && c.MergedInto == "" {
			if m := zdMergedInto.FindStringSubmatch(e.Body); m != nil {
				c.MergedInto = m[1]
			}
		}
	}
	return c, nil
}

// zdMergedInto finds the ticket a merged one went into in the note Zendesk writes on it ("This
// request was closed and merged into request #104 …"): Zendesk keeps the link in no field.
var zdMergedInto = regexp.MustCompile(`(?i)merged into (?:request|ticket) #(\d+)`)

// commentText is a comment's words as text: the plain body Zendesk gives, else the HTML's text.
func commentText(cm zdComment) string {
	for _, s := range []string{cm.PlainBody, cm.Body, cm.Value} {
		if strings.TrimSpace(s) != "" {
			return strings.TrimSpace(s)
		}
	}
	return strings.TrimSpace(mail.HTMLText(cm.HTMLBody))
}

func (z *zendesk) mapping() importMap {
	m := importMap{Groups: map[string]string{}, Agents: map[string]string{}}
	statuses, types := map[string]bool{}, map[string]bool{}
	for _, t := range z.heads {
		statuses[t.Status], types[t.Type] = true, true
		if t.GroupID != "" {
			m.Groups[string(t.GroupID)] = z.groups[t.GroupID]
		}
	}
	for id, name := range z.groups {
		m.Groups[string(id)] = name
	}
	for id, u := range z.users {
		if u.Role == "agent" || u.Role == "admin" {
			m.Agents[string(id)] = deref(u.Email)
		}
	}
	m.Statuses, m.Types = statusMap(sortedKeys(statuses)), typeMap(types)
	return m
}

// localAttachment is an attachment's bytes if the export has them: attachments/{id}/{name},
// attachments/{id}-{name} or attachments/{name} beside the tickets. nil when none is there.
func localAttachment(dir, id, name string) []byte {
	name = filepath.Base(filepath.Clean("/" + name)) // never outside the folder
	if name == "/" || name == "." {
		return nil
	}
	for _, p := range []string{filepath.Join(dir, "attachments", id, name), filepath.Join(dir, "attachments", id+"-"+name),
		filepath.Join(dir, "attachments", name)} {
		if id == "" && p != filepath.Join(dir, "attachments", name) {
			continue
		}
		if b, err := os.ReadFile(p); err == nil && len(b) > 0 {
			return b
		}
	}
	return nil
}

// pagesOf are the files of one list in a folder: NAME.json, then its further pages
// NAME-2.json, NAME-3.json … in page order.
func pagesOf(dir, name string) ([]string, error) {
	var out []string
	if _, err := os.Stat(filepath.Join(dir, name+".json")); err == nil {
		out = append(out, filepath.Join(dir, name+".json"))
	}
	more, err := filepath.Glob(filepath.Join(dir, name+"-*.json"))
	if err != nil {
		return nil, err
	}
	page := func(p string) int {
		n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), name+"-"), ".json"))
		return n
	}
	more = slices.DeleteFunc(more, func(p string) bool { return page(p) == 0 })
	slices.SortFunc(more, func(a, b string) int { return page(a) - page(b) })
	return append(out, more...), nil
}

func readJSONFile(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}

// eachJSONLine calls fn with each non-empty line of a file of JSON lines.
func eachJSONLine(path string, fn func(line []byte, n int) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 256<<20)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if err := fn(line, n); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}

// parseTime reads a source's time (RFC 3339, as both Zendesk and Freshdesk write them); zero
// when there is none or it does not read.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// decodeLine decodes one JSON line (trimmed) into v, refusing anything after the value.
// Unmarshal reads the line twice (it checks it whole first), but a decoder a line copied each
// ticket's line into buffers it grew from 512 bytes: at 10,000 tickets it took a third more CPU
// than Unmarshal, and allocated 2.7 times the bytes (measured on the benchmark's export).
func decodeLine(line []byte, v any) error {
	return json.Unmarshal(line, v)
}

// withoutComments is a data export's ticket line with its "comments" list, most of the line,
// replaced by an empty one, found by stepping over the line's strings (bytes.IndexByte) without
// reading them: what the first pass needs of a ticket costs a tenth of decoding the line. A
// line that does not step as a JSON object is returned as it is, for the decoder to say what
// is wrong with it.
func withoutComments(line []byte) []byte {
	i := skipSpace(line, 0)
	if i >= len(line) || line[i] != '{' {
		return line
	}
	i++
	for {
		i = skipSpace(line, i)
		if i >= len(line) || line[i] != '"' {
			return line
		}
		start := i
		if i = skipString(line, i); i < 0 {
			return line
		}
		key := line[start+1 : i-1]
		if i = skipSpace(line, i); i >= len(line) || line[i] != ':' {
			return line
		}
		from := skipSpace(line, i+1)
		to := skipValue(line, from)
		if to < 0 {
			return line
		}
		if string(key) == "comments" {
			out := make([]byte, 0, len(line)-(to-from)+2)
			out = append(append(append(out, line[:from]...), "[]"...), line[to:]...)
			return out
		}
		if i = skipSpace(line, to); i >= len(line) || line[i] != ',' {
			return line
		}
		i++
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString is the index after the string that starts (with its quote) at b[i], or -1.
func skipString(b []byte, i int) int {
	i++
	for {
		k := bytes.IndexByte(b[i:], '"')
		if k < 0 {
			return -1
		}
		q := i + k
		n := 0 // backslashes right before the quote: an odd number escapes it
		for p := q - 1; p >= i && b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return q + 1
		}
		i = q + 1
	}
}

// skipValue is the index after the JSON value that starts at b[i], or -1: strings are stepped
// over whole, objects and lists by their brackets, other values up to what ends them.
func skipValue(b []byte, i int) int {
	depth := 0
	for i < len(b) {
		switch b[i] {
		case '"':
			if i = skipString(b, i); i < 0 || depth == 0 {
				return i
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i // a number or literal ends where its object or list does
			}
			if depth--; depth == 0 {
				return i + 1
			}
		case ',':
			if depth == 0 {
				return i
			}
		}
		i++
	}
	if depth == 0 {
		return i
	}
	return -1
}
