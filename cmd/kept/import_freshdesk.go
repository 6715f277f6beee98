package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/service"
)

// Freshdesk, as its API v2 returns it: lists are bare JSON arrays; a ticket read with
// include=conversations carries its conversations.

type fdAttachment struct {
	ID          sid    `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	URL         string `json:"attachment_url"`
}

type fdConversation struct {
	ID          sid            `json:"id"`
	Body        string         `json:"body"`
	BodyText    string         `json:"body_text"`
	Incoming    bool           `json:"incoming"`
	Private     bool           `json:"private"`
	UserID      sid            `json:"user_id"`
	FromEmail   string         `json:"from_email"`
	CreatedAt   string         `json:"created_at"`
	Attachments []fdAttachment `json:"attachments"`
}

type fdTicket struct {
	ID              sid              `json:"id"`
	Subject         string           `json:"subject"`
	Description     string           `json:"description"`
	DescriptionText string           `json:"description_text"`
	Status          json.Number      `json:"status"`
	Source          json.Number      `json:"source"`
	RequesterID     sid              `json:"requester_id"`
	ResponderID     sid              `json:"responder_id"`
	GroupID         sid              `json:"group_id"`
	Type            string           `json:"type"` // the desk's own list (Question, Incident…); null for none
	CreatedAt       string           `json:"created_at"`
	Attachments     []fdAttachment   `json:"attachments"`
	Conversations   []fdConversation `json:"conversations"`
	Deleted         bool             `json:"deleted"`
}

type fdContact struct {
	ID        sid    `json:"id"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	Phone     string `json:"phone"`
	Mobile    string `json:"mobile"`
	CompanyID sid    `json:"company_id"`
	Language  string `json:"language"`
	TimeZone  string `json:"time_zone"`
	CreatedAt string `json:"created_at"`
}

type fdAgent struct {
	ID      sid `json:"id"`
	Contact struct {
		Name  string `json:"name"`
		Email string `json:"email"`
	} `json:"contact"`
}

type freshdesk struct {
	dir         string
	tickets     []fdTicket
	contacts    map[sid]fdContact
	contactList []sid
	agents      map[sid]fdAgent
	companies   map[sid]string
	groups      map[sid]string
}

// fdStatuses are Freshdesk's built-in statuses by number; custom ones keep their number.
var fdStatuses = map[string]string{"2": "open", "3": "pending", "4": "resolved", "5": "closed"}

// readFreshdesk reads a folder of Freshdesk API answers.
func readFreshdesk(path string) (*freshdesk, error) {
	if st, err := os.Stat(path); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("a Freshdesk export is a folder with tickets.json, contacts.json, agents.json …: %s is not one", path)
	}
	f := &freshdesk{dir: path, contacts: map[sid]fdContact{}, agents: map[sid]fdAgent{}, companies: map[sid]string{}, groups: map[sid]string{}}
	if err := readFDList(path, "tickets", &f.tickets); err != nil {
		return nil, err
	}
	if len(f.tickets) == 0 {
		if _, err := os.Stat(filepath.Join(path, "tickets.json")); err != nil {
			return nil, fmt.Errorf("%s has no tickets.json", path)
		}
	}
	var contacts []fdContact
	var agents []fdAgent
	var named []struct {
		ID   sid    `json:"id"`
		Name string `json:"name"`
	}
	if err := readFDList(path, "contacts", &contacts); err != nil {
		return nil, err
	}
	for _, c := range contacts {
		if _, ok := f.contacts[c.ID]; !ok {
			f.contactList = append(f.contactList, c.ID)
		}
		f.contacts[c.ID] = c
	}
	if err := readFDList(path, "agents", &agents); err != nil {
		return nil, err
	}
	for _, a := range agents {
		f.agents[a.ID] = a
	}
	for name, into := range map[string]map[sid]string{"companies": f.companies, "groups": f.groups} {
		named = nil
		if err := readFDList(path, name, &named); err != nil {
			return nil, err
		}
		for _, n := range named {
			into[n.ID] = n.Name
		}
	}
	return f, nil
}

// readFDList reads a list and its further pages (NAME.json, NAME-2.json …): bare arrays as
// Freshdesk answers, or an object holding the array under the list's name.
func readFDList[T any](dir, name string, into *[]T) error {
	pages, err := pagesOf(dir, name)
	if err != nil {
		return err
	}
	for _, p := range pages {
		b, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("read %s: %w", p, err)
		}
		var page []T
		if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '{' {
			var wrapped map[string]json.RawMessage
			if err := json.Unmarshal(t, &wrapped); err != nil {
				return fmt.Errorf("read %s: %w", p, err)
			}
			b = wrapped[name]
		}
		if len(b) > 0 {
			if err := json.Unmarshal(b, &page); err != nil {
				return fmt.Errorf("read %s: it does not read as Freshdesk's %s (another desk's export?): %w", p, name, err)
			}
		}
		*into = append(*into, page...)
	}
	return nil
}

// person is a Freshdesk agent or contact. A contact the export lacks (deleted) is kept by name
// on their entries; as a requester they still need a customer, known by their Freshdesk id.
func (f *freshdesk) person(id sid, requester bool) service.ImportPerson {
	if a, ok := f.agents[id]; ok {
		return service.ImportPerson{SourceID: string(id), Name: a.Contact.Name, Email: a.Contact.Email, Agent: true}
	}
	c, ok := f.contacts[id]
	if !ok {
		if id == "" {
			return service.ImportPerson{Name: "Freshdesk"}
		}
		if !requester {
			return service.ImportPerson{Name: "deleted Freshdesk contact " + string(id)}
		}
		return service.ImportPerson{SourceID: string(id), Name: "Freshdesk contact " + string(id)}
	}
	p := service.ImportPerson{SourceID: string(id), Name: c.Name, Email: c.Email, Phone: c.Phone, CreatedAt: parseTime(c.CreatedAt), Timezone: c.TimeZone}
	if p.Phone == "" {
		p.Phone = c.Mobile
	}
	p.Lang, _, _ = strings.Cut(strings.ToLower(c.Language), "-")
	if co := f.companies[c.CompanyID]; co != "" {
		p.References = []desk.Reference{{Kind: "company", Value: co}}
	}
	return p
}

func (f *freshdesk) people() []service.ImportPerson {
	out := make([]service.ImportPerson, 0, len(f.contactList))
	for _, id := range f.contactList {
		out = append(out, f.person(id, true))
	}
	return out
}

func (f *freshdesk) count() int { return len(f.tickets) }

func (f *freshdesk) status(t fdTicket) string {
	if s, ok := fdStatuses[t.Status.String()]; ok {
		return s
	}
	return "status " + t.Status.String()
}

func (f *freshdesk) cases(batch int, fn func([]service.ImportCase) error) error {
	return inBatches(f.tickets, batch, func(t fdTicket) (service.ImportCase, error) { return f.ticket(t), nil }, fn)
}

// ticket is one ticket: its description is the requester's first message, then its
// conversations (incoming ones the customers', the rest the agents'; private ones notes).
func (f *freshdesk) ticket(t fdTicket) service.ImportCase {
	c := service.ImportCase{SourceID: string(t.ID), Requester: f.person(t.RequesterID, true), Group: string(t.GroupID), Type: t.Type, Subject: t.Subject,
		Channel: desk.ImportedChannel(t.Source.String()), Status: f.status(t), CreatedAt: parseTime(t.CreatedAt)}
	if t.ResponderID != "" {
		c.Assignee = f.person(t.ResponderID, false)
	}
	first := service.ImportEntry{At: c.CreatedAt, Author: c.Requester, Public: true, Body: fdText(t.DescriptionText, t.Description)}
	first.Files = f.files(t.Attachments)
	c.Entries = append(c.Entries, first)
	for _, cv := range t.Conversations {
		author := f.person(cv.UserID, false)
		if cv.UserID == t.RequesterID {
			author = c.Requester
		}
		if cv.Incoming && author.Agent {
			author.Agent = false // an agent's own mail to the desk, as the customer's word
		}
		e := service.ImportEntry{At: parseTime(cv.CreatedAt), Author: author, Public: !cv.Private, Body: fdText(cv.BodyText, cv.Body)}
		if e.At.IsZero() {
			e.At = c.CreatedAt
		}
		e.Files = f.files(cv.Attachments)
		c.Entries = append(c.Entries, e)
	}
	return c
}

func (f *freshdesk) files(as []fdAttachment) []service.ImportFile {
	var out []service.ImportFile
	for _, a := range as {
		out = append(out, service.ImportFile{Filename: a.Name, ContentType: a.ContentType, Size: a.Size, URL: a.URL,
			Content: localAttachment(f.dir, string(a.ID), a.Name)})
	}
	return out
}

// fdText is a body's text: Freshdesk's own text of it, else the HTML's.
func fdText(text, html string) string {
	if strings.TrimSpace(text) != "" {
		return strings.TrimSpace(text)
	}
	return strings.TrimSpace(mail.HTMLText(html))
}

func (f *freshdesk) mapping() importMap {
	m := importMap{Groups: map[string]string{}, Agents: map[string]string{}}
	statuses, types := map[string]bool{}, map[string]bool{}
	for _, t := range f.tickets {
		statuses[f.status(t)], types[t.Type] = true, true
	}
	for id, name := range f.groups {
		m.Groups[string(id)] = name
	}
	for id, a := range f.agents {
		m.Agents[string(id)] = a.Contact.Email
	}
	m.Statuses, m.Types = statusMap(sortedKeys(statuses)), typeMap(types)
	return m
}
