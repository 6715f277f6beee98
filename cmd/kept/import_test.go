package main

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/store/storetest"
)

// importCounts is the JSON line kept import ends with.
type importCounts struct {
	Customers, Cases, Entries, Attachments, Skipped, Agents int
	DryRun                                                  bool `json:"dry_run"`
}

// runImport runs kept import with --json and reads its last line.
func runImport(t *testing.T, db []string, args ...string) importCounts {
	t.Helper()
	code, out, errOut := kept(t, "", append(append([]string{"import"}, args[0], "--json"), append(db, args[1:]...)...)...)
	if code != 0 {
		t.Fatalf("kept import %v: exit %d\n%s%s", args, code, out, errOut)
	}
	var c importCounts
	if err := json.Unmarshal([]byte(lastLine(out)), &c); err != nil {
		t.Fatalf("kept import %v: the last line is not the JSON counts: %q", args, lastLine(out))
	}
	return c
}

func verifyOK(t *testing.T, db []string) {
	t.Helper()
	if code, out, errOut := kept(t, "", append([]string{"verify"}, db...)...); code != 0 {
		t.Fatalf("kept verify after the import: exit %d\n%s%s", code, out, errOut)
	}
}

// record is a case's record as the API gives it.
func record(t *testing.T, srv *server, token string, id int) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, e := range srv.call(t, token, "GET", fmt.Sprintf("/api/v1/cases/%d/record", id), nil, 200)["list"].([]any) {
		out = append(out, e.(map[string]any))
	}
	return out
}

// caseOfTicket finds an imported case by its number in the source, as an agent would: search
// (the case itself comes first; a merged ticket's note naming it follows).
func caseOfTicket(t *testing.T, srv *server, token, number string) int {
	t.Helper()
	hits := srv.call(t, token, "GET", "/api/v1/search?q="+number, nil, 200)["hits"].([]any)
	if len(hits) == 0 {
		t.Fatalf("searching %s finds no case, want the imported one first", number)
	}
	return int(hits[0].(map[string]any)["case_id"].(float64))
}

func kinds(rec []map[string]any) string {
	var ks []string
	for _, e := range rec {
		ks = append(ks, e["kind"].(string))
	}
	return strings.Join(ks, ",")
}

// TestImportZendeskAPI imports a folder of Zendesk API responses (HTML comments, an inline
// image, a deleted user, a merged ticket, an attachment whose bytes are there and ones whose are
// not) on both databases: a dry run writes nothing, the import's counts are what the fixture
// holds, the cases and records read through the API as they happened in Zendesk, kept verify
// passes, and a second run adds nothing.
func TestImportZendeskAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		t.Parallel()
		cfg := storetest.Config(t, backend)
		db := []string{"--data", cfg.DataDir}
		if backend == "postgres" {
			db = []string{"--db", cfg.URL}
		}
		kept(t, "", append([]string{"token", "--email", "anna@desk.example", "--name", "Anna Agent"}, db...)...)
		_, out, _ := kept(t, "", append([]string{"token", "--email", "head@desk.test", "--role", "admin"}, db...)...)
		admin := lastLine(out)
		want := importCounts{Customers: 6, Cases: 5, Entries: 17, Attachments: 3}

		dry := runImport(t, db, "zendesk", "--dry-run", "testdata/import/zendesk-api")
		if !dry.DryRun || dry.Customers != want.Customers || dry.Cases != want.Cases || dry.Entries != want.Entries || dry.Attachments != want.Attachments {
			t.Errorf("dry run counts %+v, want %+v", dry, want)
		}
		got := runImport(t, db, "zendesk", "testdata/import/zendesk-api")
		if got.DryRun || got != want {
			t.Errorf("import counts %+v, want %+v (the dry run must have written nothing)", got, want)
		}
		verifyOK(t, db)
		again := runImport(t, db, "zendesk", "testdata/import/zendesk-api")
		if (again != importCounts{Skipped: 10}) {
			t.Errorf("a second import counts %+v, want nothing new and 10 skipped (5 users, 5 tickets)", again)
		}
		verifyOK(t, db)

		srv := startServer(t, db)
		c := srv.call(t, admin, "GET", fmt.Sprintf("/api/v1/cases/%d", caseOfTicket(t, srv, admin, "101")), nil, 200)
		owner, _ := c["owner"].(map[string]any)
		if c["subject"] != "Arve on vale" || c["status"] != "open" || c["created_at"] != "2024-01-15T08:30:00Z" || owner["name"] != "Anna Agent" {
			t.Errorf("ticket 101 is the case %v", c)
		}
		rec := record(t, srv, admin, caseOfTicket(t, srv, admin, "101"))
		if kinds(rec) != "imported,message_in,note,message_out" {
			t.Fatalf("ticket 101's record: %s", kinds(rec))
		}
		first, msg, note, reply := rec[0], rec[1], rec[2], rec[3]
		if !strings.Contains(first["body"].(string), "Zendesk ticket 101") || first["internal"] != true || first["prev_hash"] != "" {
			t.Errorf("the first entry does not say where the case came from: %v", first)
		}
		if d := first["data"].(map[string]any); d["source"] != "zendesk" || d["source_id"] != "101" || d["status"] != "open" {
			t.Errorf("the imported entry's data: %v", d)
		}
		if msg["at"] != "2024-01-15T08:30:00Z" || msg["body"] != "Tere! Minu novembri arve on topelt." || msg["actor"].(map[string]any)["name"] != "Mari Maasikas" {
			t.Errorf("the customer's first message: %v", msg)
		}
		files := msg["data"].(map[string]any)["files"].([]any)
		pdf, img := files[0].(map[string]any), files[1].(map[string]any)
		if pdf["filename"] != "arve-november.pdf" || pdf["document_id"] == nil || img["inline"] != true || img["document_id"] != nil ||
			!strings.HasPrefix(img["url"].(string), "https://acme.zendesk.com/attachments/") || img["size"] != float64(48213) {
			t.Errorf("the attachments: stored %v, linked %v", pdf, img)
		}
		if note["internal"] != true || note["at"] != "2024-01-15T09:05:00Z" || note["actor"].(map[string]any)["name"] != "Bob Former" {
			t.Errorf("the private comment of an agent not at this desk: %v", note)
		}
		if reply["internal"] != false || reply["actor"].(map[string]any)["name"] != "Anna Agent" || reply["actor"].(map[string]any)["id"] == nil {
			t.Errorf("Anna's public reply: %v", reply)
		}
		mari, _ := json.Marshal(srv.call(t, admin, "GET", fmt.Sprintf("/api/v1/customers/%v", c["customer_id"]), nil, 200))
		for _, want := range []string{`"lang":"et"`, `"timezone":"Europe/Tallinn"`, `"value":"mari@example.ee"`, `"kind":"zendesk_user","value":"362001"`,
			`"kind":"organization","value":"Maasikas OÜ"`} {
			if !strings.Contains(string(mari), want) {
				t.Errorf("the requester as a customer lacks %s: %s", want, mari)
			}
		}
		if c := srv.call(t, admin, "GET", fmt.Sprintf("/api/v1/cases/%d", caseOfTicket(t, srv, admin, "102")), nil, 200); c["status"] != "closed" {
			t.Errorf("a solved ticket is %v", c["status"])
		}
		// Ticket 103 was merged into 104 in Zendesk: linked as the desk's own merges are, so
		// mail to its thread lands on 104's case, and each record says so.
		into := srv.call(t, admin, "GET", fmt.Sprintf("/api/v1/cases/%d", caseOfTicket(t, srv, admin, "104")), nil, 200)
		merged := record(t, srv, admin, caseOfTicket(t, srv, admin, "103"))
		if c := srv.call(t, admin, "GET", fmt.Sprintf("/api/v1/cases/%d", caseOfTicket(t, srv, admin, "103")), nil, 200); c["status"] != "closed" || c["merged_into"] != into["ref"] ||
			!strings.Contains(merged[len(merged)-2]["body"].(string), "merged into request #104") || merged[len(merged)-1]["kind"] != "merged" {
			t.Errorf("the merged ticket: %v merged into %v (want %v), %v", c["status"], c["merged_into"], into["ref"], merged[len(merged)-2:])
		}
		rec = record(t, srv, admin, caseOfTicket(t, srv, admin, "104"))
		if kinds(rec) != "imported,message_in,message_in,message_out,merged" || rec[2]["actor"].(map[string]any)["name"] != "deleted Zendesk user 362999" ||
			rec[3]["body"] != "We reset your password & sent a link.\n\n* Check spam" {
			t.Errorf("ticket 104 (a deleted user's comment, an HTML-only reply): %v", rec)
		}
		c = srv.call(t, admin, "GET", fmt.Sprintf("/api/v1/cases/%d", caseOfTicket(t, srv, admin, "105")), nil, 200)
		cust := srv.call(t, admin, "GET", fmt.Sprintf("/api/v1/customers/%v", c["customer_id"]), nil, 200)
		if cust["name"] != "Zendesk user 362998" || c["channel"] != "phone" {
			t.Errorf("a ticket of a requester the export lacks: case %v, customer %v", c, cust)
		}
		srv.stop(t)

		// The imported entry pins the case row: kept verify notices a subject changed behind
		// the desk's back.
		var raw *sql.DB
		var err error
		if backend == "sqlite" {
			raw, err = sql.Open("sqlite", "file:"+filepath.Join(cfg.DataDir, "kept.db")+"?_pragma=busy_timeout(10000)")
		} else {
			raw, err = sql.Open("pgx", cfg.URL)
		}
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		if _, err := raw.Exec(fmt.Sprintf("UPDATE cases SET subject = 'Forged' WHERE id = %v", c["id"])); err != nil {
			t.Fatal(err)
		}
		code, out, _ := kept(t, "", append([]string{"verify"}, db...)...)
		if code != 1 || !strings.Contains(out, "subject") || !strings.Contains(out, c["ref"].(string)) {
			t.Errorf("kept verify after a forged subject: %d\n%s", code, out)
		}
	})
}

// TestImportZendeskExport imports Zendesk's JSON data export (one ticket a line with its
// comments inside, users one a line beside it).
func TestImportZendeskExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		t.Parallel()
		db := dbArgsOf(t, backend)
		want := importCounts{Customers: 5, Cases: 3, Entries: 11, Attachments: 2, Agents: 1}
		if got := runImport(t, db, "zendesk", "testdata/import/zendesk-export/export.json"); got != want {
			t.Errorf("import counts %+v, want %+v (on a desk without agents one is made to own the cases)", got, want)
		}
		verifyOK(t, db)
		if got := runImport(t, db, "zendesk", "testdata/import/zendesk-export/export.json"); (got != importCounts{Skipped: 8}) {
			t.Errorf("a second import counts %+v, want 8 skipped", got)
		}
	})
}

// TestImportMbox imports a mailbox: three threads rebuilt from Message-ID, In-Reply-To and
// References (one of them begun by the desk), the desk's address marking the agents' mail,
// ISO-8859-1 and windows-1250 mail decoded, and each customer's mail stored whole.
func TestImportMbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		t.Parallel()
		db := dbArgsOf(t, backend)
		_, out, _ := kept(t, "", append([]string{"token", "--email", "head@desk.test", "--role", "admin"}, db...)...)
		admin := lastLine(out)
		want := importCounts{Customers: 3, Cases: 3, Entries: 9, Attachments: 1}
		if dry := runImport(t, db, "mbox", "--dry-run", "testdata/import/mailbox.mbox"); dry.Cases != 3 || dry.Entries != 9 || !dry.DryRun {
			t.Errorf("dry run counts %+v", dry)
		}
		if got := runImport(t, db, "mbox", "testdata/import/mailbox.mbox"); got != want {
			t.Errorf("import counts %+v, want %+v", got, want)
		}
		verifyOK(t, db)
		if got := runImport(t, db, "mbox", "testdata/import/mailbox.mbox"); (got != importCounts{Skipped: 3}) {
			t.Errorf("a second import counts %+v, want 3 skipped", got)
		}
		srv := startServer(t, db)
		id := caseOfTicket(t, srv, admin, "hilinenud")
		rec := record(t, srv, admin, id)
		if kinds(rec) != "imported,message_in,message_out,message_in" {
			t.Fatalf("the Estonian thread's record: %s", kinds(rec))
		}
		in, reply, thanks := rec[1], rec[2], rec[3]
		if in["actor"].(map[string]any)["name"] != "Jüri Õunapuu" || !strings.Contains(in["body"].(string), "Palun vaadake üle.\nJüri Õunapuu") ||
			in["at"] != "2024-01-15T08:30:00Z" {
			t.Errorf("the ISO-8859-1 mail: %v", in)
		}
		if reply["actor"].(map[string]any)["name"] != "Anna Agent" || !strings.Contains(reply["body"].(string), "From the warehouse") {
			t.Errorf("the desk's reply (its >From line unquoted): %v", reply)
		}
		if !strings.Contains(thanks["body"].(string), "Aitäh! Pakk jõudis kohale.") {
			t.Errorf("the HTML-only follow-up: %v", thanks)
		}
		mailID := in["data"].(map[string]any)["mail_id"]
		m := srv.call(t, admin, "GET", fmt.Sprintf("/api/v1/mails/%v", mailID), nil, 200)
		if m["message_id"] != "a1@example.ee" {
			t.Errorf("the stored mail: %v", m)
		}
		hr := record(t, srv, admin, caseOfTicket(t, srv, admin, "sijecanj"))
		if len(hr) != 2 || !strings.Contains(hr[1]["body"].(string), "Poštovani, račun je pogrešan. Čekam odgovor.\nŠime Đurić") {
			t.Errorf("the windows-1250 mail: %v", hr)
		}
		out2 := record(t, srv, admin, caseOfTicket(t, srv, admin, "warranty"))
		if kinds(out2) != "imported,message_out,message_in" {
			t.Errorf("the thread the desk began: %s", kinds(out2))
		}
		c := srv.call(t, admin, "GET", fmt.Sprintf("/api/v1/cases/%d", caseOfTicket(t, srv, admin, "warranty")), nil, 200)
		cust := srv.call(t, admin, "GET", fmt.Sprintf("/api/v1/customers/%v", c["customer_id"]), nil, 200)
		if cust["name"] != "Petra Novak" {
			t.Errorf("the customer of a thread the desk began is %v", cust["name"])
		}
	})
}

// TestImportCSV imports customers from a CSV file (a byte-order mark, quoted names, CRLF, two
// lines of one customer with a reference each, a phone-only customer): contact points, language,
// time zone and references as the API shows them; a second run adds nothing; a bad line is
// refused with its number and nothing is written.
func TestImportCSV(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		t.Parallel()
		db := dbArgsOf(t, backend)
		_, out, _ := kept(t, "", append([]string{"token", "--email", "head@desk.test", "--role", "admin"}, db...)...)
		admin := lastLine(out)
		if got := runImport(t, db, "csv", "testdata/import/customers.csv"); (got != importCounts{Customers: 4}) {
			t.Errorf("import counts %+v, want 4 customers", got)
		}
		if got := runImport(t, db, "csv", "testdata/import/customers.csv"); (got != importCounts{Skipped: 4}) {
			t.Errorf("a second import counts %+v, want 4 skipped", got)
		}
		srv := startServer(t, db)
		// The desk says who is reachable at an address already: the imported customer.
		conflict := srv.call(t, admin, "POST", "/api/v1/customers", map[string]any{"name": "Mari", "email": "mari@example.ee"}, 409)
		id := conflict["error"].(map[string]any)["details"].(map[string]any)["id"]
		cust := srv.call(t, admin, "GET", fmt.Sprintf("/api/v1/customers/%v", id), nil, 200)
		b, _ := json.Marshal(cust)
		for _, want := range []string{`"name":"Maasikas, Mari"`, `"value":"+37251234567"`, `"kind":"account","value":"EE-100234"`, `"kind":"order","value":"ORD-5531"`} {
			if !strings.Contains(string(b), want) {
				t.Errorf("the imported customer lacks %s: %s", want, b)
			}
		}

		bad := filepath.Join(t.TempDir(), "bad.csv")
		if err := os.WriteFile(bad, []byte("name,email\nGood One,good@example.com\nNo Address,\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, errOut := kept(t, "", append([]string{"import", "csv", bad}, db...)...)
		if code == 0 || !strings.Contains(errOut, "line 3") {
			t.Errorf("a line without an address: exit %d, %q", code, errOut)
		}
		srv.call(t, admin, "POST", "/api/v1/customers", map[string]any{"name": "Good One", "email": "good@example.com"}, 201)
		srv.stop(t)

		// Zendesk's users who are customers here already (by address) keep Zendesk's id for
		// them as a reference, as the customers it makes do: the old desk's id finds them.
		runImport(t, db, "zendesk", "testdata/import/zendesk-api")
		srv = startServer(t, db)
		cust = srv.call(t, admin, "GET", fmt.Sprintf("/api/v1/customers/%v", id), nil, 200)
		if b, _ := json.Marshal(cust); !strings.Contains(string(b), `"kind":"zendesk_user","value":"362001"`) || !strings.Contains(string(b), `"value":"EE-100234"`) {
			t.Errorf("Mari, a customer before the Zendesk import: %s", b)
		}
	})
}

// TestImportFreshdeskWithMap writes the mapping file for a Freshdesk folder, edits it as an
// admin would (a departed agent's tickets to a colleague, a group to a team, "pending" closed)
// and imports with it: the mapping decides owners, authors, teams and statuses.
func TestImportFreshdeskWithMap(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		t.Parallel()
		db := dbArgsOf(t, backend)
		kept(t, "", append([]string{"token", "--email", "anna@desk.example", "--name", "Anna Agent"}, db...)...)
		kept(t, "", append([]string{"token", "--email", "ivo@desk.example", "--name", "Ivo Ivić"}, db...)...)
		_, out, _ := kept(t, "", append([]string{"token", "--email", "head@desk.test", "--role", "admin"}, db...)...)
		admin := lastLine(out)
		mapFile := filepath.Join(t.TempDir(), "map.json")
		if code, out, errOut := kept(t, "", "import", "freshdesk", "--write-map", mapFile, "testdata/import/freshdesk"); code != 0 || !strings.Contains(out, "2 agents") {
			t.Fatalf("kept import --write-map: %d %s%s", code, out, errOut)
		}
		var m importMap
		b, _ := os.ReadFile(mapFile)
		if err := json.Unmarshal(b, &m); err != nil || m.Agents["4002"] != "olga@old-desk.example" || m.Groups["6002"] != "Returns" || m.Statuses["resolved"] != "closed" ||
			m.Types["Question"] != "Question" {
			t.Fatalf("the mapping file: %s (%v)", b, err)
		}
		m.Agents["4002"] = "ivo@desk.example"
		m.Groups = map[string]string{"6002": "Returns"}
		m.Statuses["open"] = "closed"
		b, _ = json.Marshal(m)
		if err := os.WriteFile(mapFile, b, 0o644); err != nil {
			t.Fatal(err)
		}
		want := importCounts{Customers: 3, Cases: 3, Entries: 11, Attachments: 2}
		if got := runImport(t, db, "freshdesk", "--map", mapFile, "testdata/import/freshdesk"); got != want {
			t.Errorf("import counts %+v, want %+v", got, want)
		}
		verifyOK(t, db)
		if got := runImport(t, db, "freshdesk", "testdata/import/freshdesk"); (got != importCounts{Skipped: 6}) {
			t.Errorf("a second import counts %+v, want 6 skipped", got)
		}
		srv := startServer(t, db)
		id := caseOfTicket(t, srv, admin, "tagastus")
		c := srv.call(t, admin, "GET", fmt.Sprintf("/api/v1/cases/%d", id), nil, 200)
		if c["status"] != "closed" || c["owner"].(map[string]any)["name"] != "Anna Agent" {
			t.Errorf("ticket 31 (open, mapped to closed): %v", c)
		}
		rec := record(t, srv, admin, id)
		if kinds(rec) != "imported,message_in,note,message_out,message_in" || rec[2]["actor"].(map[string]any)["name"] != "Ivo Ivić" ||
			rec[2]["body"] != "Checked the warehouse log & the parcel arrived on 12 March." {
			t.Errorf("ticket 31's record: %v", rec)
		}
		files := rec[4]["data"].(map[string]any)["files"].([]any)
		if f := files[0].(map[string]any); f["filename"] != "receipt.jpg" || f["document_id"] == nil {
			t.Errorf("the receipt whose bytes are in the folder: %v", f)
		}
		id = caseOfTicket(t, srv, admin, "velicinu")
		c = srv.call(t, admin, "GET", fmt.Sprintf("/api/v1/cases/%d", id), nil, 200)
		if c["status"] != "closed" || c["owner"].(map[string]any)["name"] != "Ivo Ivić" {
			t.Errorf("ticket 32 (resolved, Olga's now Ivo's): %v", c)
		}
		teams, _ := json.Marshal(srv.call(t, admin, "GET", "/api/v1/teams", nil, 200))
		if !strings.Contains(string(teams), `"name":"Returns"`) {
			t.Errorf("the group mapped to a team made no team: %s", teams)
		}
		if rec := record(t, srv, admin, id); rec[len(rec)-1]["actor"].(map[string]any)["name"] != "deleted Freshdesk contact 5999" {
			t.Errorf("a deleted contact's reply: %v", rec[len(rec)-1])
		}
	})
}

// writeZendeskExport writes a Zendesk data export of n tickets, each with comments comments
// (the customer's, then agent and customer by turns, every third one private), and its users.
func writeZendeskExport(t *testing.T, n, comments int) string {
	t.Helper()
	dir := t.TempDir()
	var users, tickets strings.Builder
	const people = 200
	fmt.Fprintf(&users, `{"id":1,"name":"Agent One","email":"agent1@old-desk.example","role":"agent"}`+"\n")
	for u := 0; u < people; u++ {
		fmt.Fprintf(&users, `{"id":%d,"name":"Customer %d","email":"c%d@example.com","role":"end-user","locale":"en-US","active":true}`+"\n", 1000+u, u, u)
	}
	for i := 0; i < n; i++ {
		req := 1000 + i%people
		var cs []string
		for c := 0; c < comments; c++ {
			author, public := req, true
			if c%2 == 1 {
				author, public = 1, c%3 != 0
			}
			cs = append(cs, fmt.Sprintf(`{"id":%d,"author_id":%d,"body":"Comment %d of ticket %d about order %d","html_body":"<p>Comment %d</p>","public":%v,"created_at":"2024-01-%02dT%02d:%02d:00Z","attachments":[]}`,
				i*100+c, author, c, i, 50000+i, c, public, 1+i%28, c%24, i%60))
		}
		fmt.Fprintf(&tickets, `{"id":%d,"subject":"Order %d is late","status":"%s","requester_id":%d,"assignee_id":1,"created_at":"2024-01-%02dT00:00:00Z","via":{"channel":"email"},"comments":[%s]}`+"\n",
			9000+i, 50000+i, []string{"open", "pending", "solved", "closed"}[i%4], req, 1+i%28, strings.Join(cs, ","))
	}
	if err := os.WriteFile(filepath.Join(dir, "users.json"), []byte(users.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "tickets.json")
	if err := os.WriteFile(path, []byte(tickets.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestImportThousandTickets: 1,000 tickets with 5 comments each import in seconds on both
// databases, with a log line per thousand cases when standard error is not a terminal.
func TestImportThousandTickets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		db := dbArgsOf(t, backend)
		path := writeZendeskExport(t, 1000, 5)
		start := time.Now()
		code, out, errOut := kept(t, "", append([]string{"import", "zendesk", "--json", path}, db...)...)
		took := time.Since(start)
		if code != 0 {
			t.Fatalf("kept import: %d %s%s", code, out, errOut)
		}
		var got importCounts
		if err := json.Unmarshal([]byte(lastLine(out)), &got); err != nil || (got != importCounts{Customers: 200, Cases: 1000, Entries: 6000, Agents: 1}) {
			t.Errorf("import counts %s", lastLine(out))
		}
		if !regexp.MustCompile(`(?m)^import: 1000/1000 cases, \d+/s, 0s left`).MatchString(errOut) {
			t.Errorf("no log line for the thousandth case:\n%s", errOut)
		}
		t.Logf("%s: 1,000 tickets, 6,000 entries in %s (%.0f tickets/s)", backend, took.Round(time.Millisecond), 1000/took.Seconds())
		if took > 20*time.Second {
			t.Errorf("1,000 tickets took %s", took)
		}
		verifyOK(t, db)
	})
}

// TestImportResumes kills an import midway (SIGKILL, after its first thousand cases) and runs
// it again: the second run adds exactly what the first did not, the records verify, and a
// third run adds nothing.
func TestImportResumes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		db := dbArgsOf(t, backend)
		const tickets = 3000
		path := writeZendeskExport(t, tickets, 2)
		cmd := exec.Command(keptBin, append([]string{"import", "zendesk", path}, db...)...)
		cmd.Env = append(os.Environ(), "KEPT_DATA=", "KEPT_DB=")
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stderr)
		killed := false
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "import: 1000/") {
				_ = cmd.Process.Kill()
				killed = true
				break
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
		_ = cmd.Wait()
		if !killed {
			t.Fatal("the import ended before it could be killed")
		}
		got := runImport(t, db, "zendesk", path)
		// The users came in before the cases; every case is in once: made now, or skipped as
		// made by the killed run.
		if got.Customers != 0 || got.Cases+got.Skipped-200 != tickets || got.Cases == 0 || got.Cases == tickets {
			t.Errorf("the resumed import counts %+v: want the %d cases the killed run did not make", got, tickets)
		}
		verifyOK(t, db)
		if again := runImport(t, db, "zendesk", path); (again != importCounts{Skipped: 200 + tickets}) {
			t.Errorf("a third run counts %+v", again)
		}
	})
}

// TestImportRefusesBadInput: a missing source, an unknown one, a path that is not an export,
// a mapping file that maps a status to neither open nor closed, and an --owner who is not at
// the desk are refused with a word, and nothing is imported.
func TestImportRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	db := []string{"--data", filepath.Join(dir, "desk")}
	badMap := filepath.Join(dir, "map.json")
	if err := os.WriteFile(badMap, []byte(`{"statuses":{"pending":"later"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	badAgent := filepath.Join(dir, "agents.json")
	if err := os.WriteFile(badAgent, []byte(`{"agents":{"361001":"nobody@desk.example"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"import"}, 2, "name the source"},
		{[]string{"import", "desk.com", "x"}, 2, `unknown source "desk.com"`},
		{[]string{"import", "zendesk"}, 2, "takes one path"},
		{[]string{"import", "zendesk", filepath.Join(dir, "nothing")}, 1, "no such file"},
		{[]string{"import", "zendesk", dir}, 1, "has no tickets.json"},
		{[]string{"import", "mbox", badMap}, 1, "holds no mail"},
		{[]string{"import", "zendesk", "--map", badMap, "testdata/import/zendesk-api"}, 1, `maps status "pending" to "later"`},
		{[]string{"import", "zendesk", "--owner", "nobody@desk.example", "testdata/import/zendesk-api"}, 1, "no active agent nobody@desk.example"},
	} {
		code, out, errOut := kept(t, "", append(c.args, db...)...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("kept %v: exit %d, %q%q; want %d saying %q", c.args, code, out, errOut, c.code, c.want)
		}
	}
	// An agent mapped to an address the desk has no agent at is said, not refused: a mapping
	// --write-map wrote names every agent of the old desk.
	if code, out, errOut := kept(t, "", append([]string{"import", "zendesk", "--dry-run", "--map", badAgent, "testdata/import/zendesk-api"}, db...)...); code != 0 ||
		!strings.Contains(errOut, "the mapping names agents this desk has no agent at (361001 → nobody@desk.example)") {
		t.Errorf("a mapping naming an agent not at the desk: exit %d %s%s", code, out, errOut)
	}
	if got := runImport(t, db, "zendesk", "--dry-run", "testdata/import/zendesk-api"); got.Cases != 5 || got.Skipped != 0 {
		t.Errorf("after the refusals a dry run counts %+v: something was imported", got)
	}
	// An API page named on its own reads as its folder would.
	if got := runImport(t, db, "zendesk", "--dry-run", "testdata/import/zendesk-api/tickets.json"); got.Cases != 5 || got.Entries != 17 || got.Attachments != 3 {
		t.Errorf("tickets.json named on its own: %+v", got)
	}
}

// TestImportLogsCustomers: a customers file says how far it is as a ticket export does, a
// line per thousand when standard error is not a terminal; it said nothing until done.
func TestImportLogsCustomers(t *testing.T) {
	var csv strings.Builder
	csv.WriteString("name,email\n")
	for i := range 1200 {
		fmt.Fprintf(&csv, "Customer %d,c%d@example.com\n", i, i)
	}
	file := filepath.Join(t.TempDir(), "customers.csv")
	if err := os.WriteFile(file, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := kept(t, "", "import", "csv", "--json", "--data", filepath.Join(t.TempDir(), "desk"), file)
	if code != 0 || !regexp.MustCompile(`(?m)^import: 1000/1200 customers and agents, \d+/s, \S+ left`).MatchString(errOut) {
		t.Errorf("kept import csv of 1,200 customers: %d %s\n%s", code, out, errOut)
	}
}

// TestDryRunWritesNothing: a dry run on a data folder with no desk yet counts as a real one
// would and leaves the folder missing, where it made the folder and a migrated database.
func TestDryRunWritesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "desk")
	got := runImport(t, []string{"--data", dir}, "zendesk", "--dry-run", "testdata/import/zendesk-api")
	if got.Cases != 5 || got.Entries != 17 {
		t.Errorf("a dry run on no desk counts %+v, want 5 cases and 17 entries", got)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after a dry run the data folder %s is there (%v)", dir, err)
	}
}

// countingReader counts what is read from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestTicketsPageReadsOneValue: telling an API page from an export's lines reads the first
// value only; it read the whole file into memory (2 GB for an export of 100,000 tickets).
func TestTicketsPageReadsOneValue(t *testing.T) {
	var export bytes.Buffer
	for i := range 5000 {
		fmt.Fprintf(&export, `{"id":%d,"status":"open","comments":[{"body":"%s"}]}`+"\n", i, strings.Repeat("words ", 30))
	}
	r := &countingReader{r: bytes.NewReader(export.Bytes())}
	if startsTicketsPage(r) {
		t.Error("an export's lines read as an API page")
	}
	if r.n > 64<<10 {
		t.Errorf("read %d of the export's %d bytes to tell its shape", r.n, export.Len())
	}
	if !startsTicketsPage(strings.NewReader(`{"tickets":[{"id":1}],"next_page":null}`)) {
		t.Error("an API page not seen as one")
	}
}

// TestImportLinksZendeskMerges: tickets Zendesk closed by a merge are linked to the case the
// other ticket became, also through a ticket merged further; one merged into another
// customer's ticket is not linked, and one merged into a ticket not in the export waits for a
// later import. The records verify, and a second run links nothing twice.
func TestImportLinksZendeskMerges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		t.Parallel()
		db := dbArgsOf(t, backend)
		_, out, _ := kept(t, "", append([]string{"token", "--email", "head@desk.test", "--role", "admin"}, db...)...)
		admin := lastLine(out)
		export := "testdata/import/zendesk-merges/export.json"
		if got := runImport(t, db, "zendesk", export); got.Cases != 5 || got.Entries != 15 {
			t.Errorf("import counts %+v, want 5 cases and 15 entries", got)
		}
		verifyOK(t, db)
		if got := runImport(t, db, "zendesk", export); got.Cases != 0 || got.Skipped != 7 {
			t.Errorf("a second import counts %+v, want nothing new", got)
		}
		verifyOK(t, db)
		raw := rawDB(t, backend, db)
		srv := startServer(t, db)
		view := func(ticket string) map[string]any {
			t.Helper()
			var id int64
			if err := raw.QueryRow(`SELECT local_id FROM imports WHERE source = 'zendesk' AND kind = 'case' AND external_id = $1`, ticket).Scan(&id); err != nil {
				t.Fatalf("ticket %s: %v", ticket, err)
			}
			return srv.call(t, admin, "GET", fmt.Sprintf("/api/v1/cases/%d", id), nil, 200)
		}
		c301, c302, c303, c304, c305 := view("301"), view("302"), view("303"), view("304"), view("305")
		// The export has 302 (into 303) before 301 (into 302): 301 goes where 302 went, as the
		// desk never merges into a merged case.
		if c301["merged_into"] != c303["ref"] || c302["merged_into"] != c303["ref"] {
			t.Errorf("301 merged into %v, 302 into %v; want both into %v", c301["merged_into"], c302["merged_into"], c303["ref"])
		}
		if c304["merged_into"] != nil || c305["merged_into"] != nil || c303["merged_into"] != nil || c303["status"] != "open" {
			t.Errorf("304 (into a ticket not here) %v, 305 (into another customer's) %v, 303 %v %v: want none merged, 303 open",
				c304["merged_into"], c305["merged_into"], c303["merged_into"], c303["status"])
		}
		if rec := record(t, srv, admin, int(c303["id"].(float64))); kinds(rec) != "imported,message_in,message_out,merged,merged" {
			t.Errorf("the record of 303, which 302 went into: %s", kinds(rec))
		}
		var waiting int
		if err := raw.QueryRow(`SELECT COUNT(*) FROM import_merges`).Scan(&waiting); err != nil || waiting != 1 {
			t.Errorf("%d merges wait for a later import (%v), want 304's", waiting, err)
		}
	})
}
