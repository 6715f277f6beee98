package web_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestCasePageShowsImportedCase: an imported case reads on the case page as it happened in the
// old desk: the "Imported" entry first, the customer's words, a private note of an agent who
// is not at this desk (by name, internal), the owner's reply, and the attachments — the one
// whose bytes came along as a document to download, the one whose did not as a link to the
// old desk.
func TestCasePageShowsImportedCase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		cd := newCaseDesk(t, backend)
		at := time.Date(2024, 1, 15, 8, 30, 0, 0, time.UTC)
		mari := service.ImportPerson{SourceID: "362001", Name: "Mari Maasikas", Email: "mari@example.ee"}
		in := service.ImportCase{SourceID: "101", Requester: mari, Assignee: service.ImportPerson{Email: "ann@example.com"},
			Subject: "Arve on vale", Channel: "email", Status: "open", CreatedAt: at,
			Entries: []service.ImportEntry{
				{At: at, Author: mari, Public: true, Body: "Minu arve on topelt.", Files: []service.ImportFile{
					{Filename: "arve.pdf", ContentType: "application/pdf", Size: 9, Content: []byte("%PDF-1.4\n")},
					{Filename: "image.png", ContentType: "image/png", Size: 4000, Inline: true, URL: "https://acme.zendesk.com/attachments/token/abc/?name=image.png"}}},
				{At: at.Add(30 * time.Minute), Author: service.ImportPerson{Agent: true, Name: "Bob Former", Email: "bob@old-desk.example"}, Body: "Billed twice by the migration job."},
				{At: at.Add(time.Hour), Author: service.ImportPerson{Agent: true, Email: "ann@example.com"}, Public: true, Body: "Teeme arve korda."},
			}}
		n, err := cd.Svc.ImportCases(context.Background(), desk.SystemActor(), service.ImportOptions{Source: "zendesk", File: "zendesk-api"}, []service.ImportCase{in})
		if err != nil || n.Cases != 1 || n.Entries != 4 || n.Attachments != 2 {
			t.Fatalf("import: %+v %v", n, err)
		}
		hits, err := cd.Svc.Search(context.Background(), desk.SystemActor(), "101", 5)
		if err != nil || len(hits) == 0 {
			t.Fatalf("search 101: %v %v", hits, err)
		}
		b := cd.signedInAs("ann@example.com")
		p := b.get(fmt.Sprintf("/cases/%d", hits[0].CaseID))
		p.mustContain(t, "Arve on vale", "Imported", "Imported from Zendesk ticket 101", "Minu arve on topelt.", "Bob Former", "Teeme arve korda.")
		note := regexp.MustCompile(`(?s)<li class="entry internal kind-note"[^>]*>.*?</li>`).FindString(p.Body)
		if !strings.Contains(note, "Billed twice by the migration job.") || !strings.Contains(note, "Bob Former") {
			t.Errorf("the private comment is not an internal note by Bob:\n%s", note)
		}
		msg := p.Body[strings.LastIndex(p.Body, "Minu arve on topelt."):] // the record's entry, not the pinned request
		if end := strings.Index(msg, `class="entry`); end > 0 {
			msg = msg[:end]
		}
		if !regexp.MustCompile(`href="/cases/\d+/documents/\d+" download><span data-user-text>arve.pdf</span>`).MatchString(msg) ||
			!strings.Contains(msg, `href="https://acme.zendesk.com/attachments/token/abc/?name=image.png"`) {
			t.Errorf("the attachments are not offered:\n%s", msg)
		}
		imported := regexp.MustCompile(`(?s)<li class="entry internal kind-imported"[^>]*>.*?</li>`).FindString(p.Body)
		if !strings.Contains(imported, "Imported from Zendesk ticket 101 (zendesk-api)") || !strings.Contains(imported, `datetime="2024-01-15T08:30:00Z"`) {
			t.Errorf("the imported entry, internal, at the ticket's opening:\n%s", imported)
		}
	})
}
