package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The import benchmark (issue 19): a Zendesk data export of many tickets, ~10 comments each,
// generated the same every time, imported through `kept import zendesk` in this process (so
// -cpuprofile sees the whole path). Knobs:
//
//	KEPT_IMPORT_TICKETS  tickets to import (default 5000; the full run is 100000)
//	KEPT_IMPORT_BACKEND  sqlite or postgres (default sqlite)
//	KEPT_IMPORT_DIR      a folder to keep the generated export in between runs (default a temp dir)
//	KEPT_IMPORT_VERIFY   1: run kept verify after the import (not timed)
//
//	KEPT_IMPORT_TICKETS=100000 go test -run '^$' -bench BenchmarkImportZendesk -benchtime 1x ./cmd/kept/

// zdExportSpec is a generated export's size.
type zdExportSpec struct {
	Tickets  int
	Users    int // end-users (requesters)
	Agents   int
	Orgs     int
	Groups   int
	Comments int // written, counted as they are
}

func importBenchSpec(tickets int) zdExportSpec {
	return zdExportSpec{Tickets: tickets, Users: max(tickets/5, 10), Agents: 40, Orgs: max(tickets/100, 5), Groups: 12}
}

var benchWords = strings.Fields(`the order invoice refund delivery parcel account password login payment card charged twice
	please could you help me with my since yesterday still not working thanks regards hello again we checked your
	request and found that shipment warehouse courier tracking number address changed subscription plan renew cancel
	upgrade discount code expired error message screenshot attached browser mobile app update version settings export
	report missing item damaged replacement return label sorry for the trouble let us know if anything else is needed
	kind best team support`)

// benchText is n words or so of support prose, from r.
func benchText(r *rand.Rand, words int) string {
	var b strings.Builder
	for i := 0; i < words; i++ {
		w := benchWords[r.IntN(len(benchWords))]
		if i == 0 || b.String()[b.Len()-1] == '.' {
			w = strings.ToUpper(w[:1]) + w[1:]
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
		if r.IntN(12) == 0 {
			b.WriteByte('.')
		}
	}
	b.WriteByte('.')
	return b.String()
}

// writeZendeskBench writes the export into dir (tickets.json, one ticket a line with its
// comments inside, as Zendesk's incremental export; users.json, organizations.json and
// groups.json as lines) and returns the tickets file and how many comments it holds. The same
// spec writes the same bytes.
func writeZendeskBench(dir string, spec *zdExportSpec) (string, error) {
	path := filepath.Join(dir, "tickets.json")
	done := filepath.Join(dir, fmt.Sprintf("done-%d", spec.Tickets))
	if b, err := os.ReadFile(done); err == nil {
		spec.Comments, _ = strconv.Atoi(string(b))
		return path, nil
	}
	r := rand.New(rand.NewPCG(19, uint64(spec.Tickets)))
	lines := func(name string, n int, line func(i int) any) error {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		w := bufio.NewWriterSize(f, 1<<20)
		enc := json.NewEncoder(w)
		for i := 0; i < n; i++ {
			if err := enc.Encode(line(i)); err != nil {
				f.Close()
				return err
			}
		}
		if err := w.Flush(); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	base := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	stamp := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	if err := lines("organizations.json", spec.Orgs, func(i int) any {
		return map[string]any{"id": 360000000 + i, "name": fmt.Sprintf("Company %d Ltd", i), "created_at": stamp(base)}
	}); err != nil {
		return "", err
	}
	if err := lines("groups.json", spec.Groups, func(i int) any {
		return map[string]any{"id": 114000000 + i, "name": fmt.Sprintf("Tier %d", i), "created_at": stamp(base)}
	}); err != nil {
		return "", err
	}
	langs := []string{"en-US", "en-GB", "et", "hr", "de"}
	zones := []string{"Europe/Tallinn", "Europe/Zagreb", "Europe/London", "America/New_York"}
	if err := lines("users.json", spec.Agents+spec.Users, func(i int) any {
		u := map[string]any{"id": 900000 + i, "url": fmt.Sprintf("https://old.zendesk.com/api/v2/users/%d.json", 900000+i),
			"active": true, "verified": true, "created_at": stamp(base.Add(time.Duration(i) * time.Minute)), "locale": langs[i%len(langs)],
			"iana_time_zone": zones[i%len(zones)], "phone": nil, "shared": false, "tags": []string{}, "user_fields": map[string]any{}}
		if i < spec.Agents {
			u["name"], u["email"], u["role"] = fmt.Sprintf("Agent %d", i), fmt.Sprintf("agent%d@old-desk.example", i), "agent"
		} else {
			n := i - spec.Agents
			u["name"], u["email"], u["role"] = fmt.Sprintf("Customer %d", n), fmt.Sprintf("customer%d@example.com", n), "end-user"
			u["organization_id"] = 360000000 + n%spec.Orgs
			if n%7 == 0 {
				u["phone"] = fmt.Sprintf("+3725%07d", n)
			}
		}
		return u
	}); err != nil {
		return "", err
	}
	statuses := []string{"closed", "closed", "solved", "solved", "solved", "open", "pending", "hold", "new"}
	channels := []string{"email", "email", "email", "web", "api", "chat"}
	comments := 0
	if err := lines("tickets.json", spec.Tickets, func(i int) any {
		id := 100000 + i
		req := 900000 + spec.Agents + r.IntN(spec.Users)
		agent := 900000 + r.IntN(spec.Agents)
		created := base.Add(time.Duration(i) * 7 * time.Minute)
		n := 5 + i%11 // 5..15: ten on average
		cs := make([]map[string]any, 0, n)
		at := created
		for c := 0; c < n; c++ {
			author, public := req, true
			if c%2 == 1 {
				author, public = agent, r.IntN(4) != 0
			}
			body := benchText(r, 20+r.IntN(100))
			cm := map[string]any{"id": int64(id)*100 + int64(c), "type": "Comment", "author_id": author, "body": body,
				"html_body": "<div class=\"zd-comment\" dir=\"auto\"><p>" + body + "</p></div>", "plain_body": body, "public": public,
				"audit_id": int64(id)*1000 + int64(c), "created_at": stamp(at), "attachments": []any{},
				"via":      map[string]any{"channel": "email", "source": map[string]any{"from": map[string]any{}, "to": map[string]any{}, "rel": nil}},
				"metadata": map[string]any{"system": map[string]any{"client": "Mozilla/5.0", "ip_address": "192.0.2.1", "location": "Tallinn, Estonia"}}}
			if r.IntN(20) == 0 {
				cm["attachments"] = []any{map[string]any{"id": int64(id)*100 + int64(c), "file_name": "screenshot.png",
					"content_url": fmt.Sprintf("https://old.zendesk.com/attachments/token/%d/?name=screenshot.png", id), "content_type": "image/png",
					"size": 20000 + r.IntN(200000), "inline": false}}
			}
			cs = append(cs, cm)
			at = at.Add(time.Duration(10+r.IntN(600)) * time.Minute)
		}
		comments += n
		first := cs[0]["body"].(string)
		return map[string]any{"id": id, "url": fmt.Sprintf("https://old.zendesk.com/api/v2/tickets/%d.json", id), "external_id": nil,
			"via": map[string]any{"channel": channels[i%len(channels)]}, "created_at": stamp(created), "updated_at": stamp(at),
			"type": []string{"question", "incident", "problem", "task"}[i%4], "subject": "Order " + strconv.Itoa(50000+i) + ": " + benchText(r, 3+r.IntN(6)),
			"description": first, "priority": []string{"low", "normal", "high", "urgent"}[i%4], "status": statuses[i%len(statuses)],
			"requester_id": req, "submitter_id": req, "assignee_id": agent, "organization_id": 360000000 + (req-900000-spec.Agents)%spec.Orgs,
			"group_id": 114000000 + i%spec.Groups, "tags": []string{"order", "imported"}, "custom_fields": []any{}, "comments": cs}
	}); err != nil {
		return "", err
	}
	spec.Comments = comments
	return path, os.WriteFile(done, []byte(strconv.Itoa(comments)), 0o644)
}

// cpuSeconds is the process's CPU time so far (user and system).
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func BenchmarkImportZendesk(b *testing.B) {
	tickets := 5000
	if v := os.Getenv("KEPT_IMPORT_TICKETS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("KEPT_IMPORT_TICKETS=%q: a positive number", v)
		}
		tickets = n
	}
	backend := os.Getenv("KEPT_IMPORT_BACKEND")
	if backend == "" {
		backend = "sqlite"
	}
	dir := os.Getenv("KEPT_IMPORT_DIR")
	if dir == "" {
		dir = b.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	spec := importBenchSpec(tickets)
	genStart := time.Now()
	path, err := writeZendeskBench(dir, &spec)
	if err != nil {
		b.Fatalf("generate the export: %v", err)
	}
	st, _ := os.Stat(path)
	b.Logf("export: %d tickets, %d comments, %d users, %.0f MB (%s)", spec.Tickets, spec.Comments, spec.Users+spec.Agents,
		float64(st.Size())/1e6, time.Since(genStart).Round(time.Millisecond))
	tuneGC(os.Getenv) // as the kept binary runs
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := dbArgsOf(b, backend)
		load, _ := os.ReadFile("/proc/loadavg")
		b.StartTimer()
		cpu0, start := cpuSeconds(), time.Now()
		var out, errOut bytes.Buffer
		if code := run(ctx, append([]string{"import", "zendesk", "--json", path}, db...), nil, &out, &errOut); code != 0 {
			b.Fatalf("kept import: %d %s%s", code, out.String(), errOut.String())
		}
		took, cpu := time.Since(start), cpuSeconds()-cpu0
		b.StopTimer()
		var got importCounts
		if err := json.Unmarshal([]byte(lastLine(out.String())), &got); err != nil || got.Cases != tickets || got.Entries != tickets+spec.Comments {
			b.Fatalf("import counts %s: want %d cases, %d entries", lastLine(out.String()), tickets, tickets+spec.Comments)
		}
		b.ReportMetric(float64(tickets)/took.Seconds(), "tickets/s")
		b.ReportMetric(cpu/float64(tickets)*1000, "cpu-s/1000tickets")
		b.Logf("%s: %d tickets, %d entries in %s: %.0f tickets/s, %.2f CPU s per 1,000 tickets (this process); load before: %s",
			backend, tickets, got.Entries, took.Round(time.Millisecond), float64(tickets)/took.Seconds(), cpu/float64(tickets)*1000,
			strings.TrimSpace(string(load)))
		if os.Getenv("KEPT_IMPORT_VERIFY") == "1" {
			out.Reset()
			errOut.Reset()
			if code := run(ctx, append([]string{"verify"}, db...), nil, &out, &errOut); code != 0 {
				b.Fatalf("kept verify: %d %s%s", code, out.String(), errOut.String())
			}
		}
		b.StartTimer()
	}
}

// TestWithoutComments: the first pass's stepping over a ticket's comments reads the same
// ticket head as decoding the whole line, whatever the comments hold (escaped quotes and
// backslashes, brackets in strings, nesting) and wherever the list is; a line that does not
// step is left for the decoder to refuse.
func TestWithoutComments(t *testing.T) {
	for _, line := range []string{
		`{"id":7,"status":"open","comments":[{"body":"a \"quoted\" ] } word \\","public":true,"n":[1,{"x":"}"}]}],"group_id":3,"requester_id":9}`,
		`{"comments":[],"id":"8","status":"solved"}`,
		`{"id":9, "status" : "new" , "comments" : [ {"body":"\\\\"} ] }`,
		`{"id":10,"requester":{"id":5,"name":"Ann \"A\""},"status":"hold"}`,
		`{"id":11,"status":"open","comments":null,"group_id":null}`,
	} {
		var whole, head zdHead
		if err := json.Unmarshal([]byte(line), &whole); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		stripped := withoutComments([]byte(line))
		err := decodeLine(stripped, &head)
		a, _ := json.Marshal(head)
		b, _ := json.Marshal(whole)
		if err != nil || string(a) != string(b) || bytes.Contains(stripped, []byte("body")) {
			t.Errorf("%s: stepped to %s: %+v, %v; want %+v", line, stripped, head, err, whole)
		}
	}
	for _, bad := range []string{`{"id":1,"comments":[{"body":"open}`, `[1,2]`, `{"id":1,"comments":[1,2}`} {
		var h zdHead
		if err := decodeLine(withoutComments([]byte(bad)), &h); err == nil {
			t.Errorf("%s read as a ticket: %+v", bad, h)
		}
	}
}
