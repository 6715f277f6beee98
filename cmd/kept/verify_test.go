package main

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/store/storetest"
)

// dbArgsOf is the binary's flags for a test database.
func dbArgsOf(t testing.TB, backend string) []string {
	t.Helper()
	cfg := storetest.Config(t, backend)
	if backend == "postgres" {
		return []string{"--db", cfg.URL}
	}
	return []string{"--data", cfg.DataDir}
}

// lastLine is a command's last line of output (where kept token prints the token).
func lastLine(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return lines[len(lines)-1]
}

// TestVerifyNamesTamperedEvidence: the database refuses to change or delete a stored mail, and
// when someone does it anyway (triggers out of the way), `kept verify` exits 1 naming the mail,
// the document and the case row that differ from the record. (Before, verify walked only the
// hash chains and said ok.)
func TestVerifyNamesTamperedEvidence(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		t.Parallel()
		cfg := storetest.Config(t, backend)
		db := []string{"--data", cfg.DataDir}
		if backend == "postgres" {
			db = []string{"--db", cfg.URL}
		}
		code, out, errOut := kept(t, "", append([]string{"token", "--email", "head@desk.test", "--role", "admin"}, db...)...)
		if code != 0 {
			t.Fatalf("kept token: %d %s%s", code, out, errOut)
		}
		token := lastLine(out)
		smtpAddr := freePort(t)
		srv := startServer(t, append(db, "--smtp", smtpAddr, "--mail-address", "support@desk.test"))
		srv.call(t, token, "POST", "/api/v1/agents", map[string]any{"name": "Ann", "email": "ann@desk.test", "role": "agent"}, 201)
		if err := sendMail(smtpAddr, "mari@example.ee", "support@desk.test", "From: mari@example.ee\nTo: support@desk.test\nSubject: Arve on vale\n"+
			"Message-ID: <v1-"+backend+"@example.ee>\n\nTere! Arve on vale.\n"); err != nil {
			t.Fatal(err)
		}
		hits := srv.call(t, token, "GET", "/api/v1/search?q=arve", nil, 200)["hits"].([]any)
		if len(hits) != 1 {
			t.Fatalf("the mail opened %d cases", len(hits))
		}
		ref := hits[0].(map[string]any)["ref"].(string)
		caseID := fmt.Sprint(hits[0].(map[string]any)["case_id"])
		first := srv.call(t, token, "GET", "/api/v1/cases/"+caseID+"/record", nil, 200)["list"].([]any)[0].(map[string]any)
		data := first["data"].(map[string]any)
		mailID := fmt.Sprint(data["mail_id"])
		if len(fmt.Sprint(data["sha256"])) != 64 {
			t.Errorf("the mail's entry carries no sha256: %v", data)
		}
		customer := fmt.Sprint(srv.call(t, token, "GET", "/api/v1/cases/"+caseID, nil, 200)["customer_id"])
		doc := srv.call(t, token, "POST", "/api/v1/customers/"+customer+"/documents", map[string]any{"kind": "invoice", "filename": "arve.pdf",
			"content_type": "application/pdf", "content_base64": "JVBERi0xLjQKJcTl8uXrCg==", "case_id": caseID}, 201)
		srv.stop(t)

		verify := func() (int, string) {
			code, out, _ := kept(t, "", append([]string{"verify"}, db...)...)
			return code, out
		}
		if code, out := verify(); code != 0 || !strings.Contains(out, "1 mails and 1 documents match their hashes") {
			t.Fatalf("kept verify on an untouched desk: %d\n%s", code, out)
		}

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
		ctx := context.Background()
		blob := map[string]string{"sqlite": "BLOB", "postgres": "BYTEA"}[backend]
		for _, q := range []string{"UPDATE mails SET raw = CAST('forged' AS " + blob + ") WHERE id = " + mailID, "DELETE FROM mails WHERE id = " + mailID} {
			if _, err := raw.ExecContext(ctx, q); err == nil {
				t.Errorf("%s went through, want it refused", q)
			}
		}
		untrigger := []string{"DROP TRIGGER mails_no_change", "DROP TRIGGER documents_no_update"}
		if backend == "postgres" {
			untrigger = []string{"ALTER TABLE mails DISABLE TRIGGER USER", "ALTER TABLE documents DISABLE TRIGGER USER"}
		}
		for _, q := range append(untrigger,
			"UPDATE mails SET raw = CAST('Subject: forged' AS "+blob+") WHERE id = "+mailID,
			"UPDATE documents SET content = CAST('forged' AS "+blob+") WHERE id = "+fmt.Sprint(doc["id"]),
			"UPDATE cases SET original_request = 'I have no complaint.' WHERE id = "+caseID) {
			if _, err := raw.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		code, out = verify()
		for _, want := range []string{
			"FAIL " + ref + " seq 1: case original_request:",
			"FAIL " + ref + " seq 1: mail " + mailID + " raw:",
			"FAIL " + ref + " seq ", "document " + fmt.Sprint(doc["id"]) + " content:",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("kept verify after tampering does not say %q:\n%s", want, out)
			}
		}
		if code != 1 {
			t.Errorf("kept verify after tampering: exit %d, want 1", code)
		}
		if code, out, _ := kept(t, "", append([]string{"verify", "--case", ref}, db...)...); code != 1 || !strings.Contains(out, "mail "+mailID+" raw") {
			t.Errorf("kept verify --case %s: %d\n%s", ref, code, out)
		}
	})
}

// TestVerifyAdminLogChain: the admin log is append-only and hash-chained. The database refuses
// to change or delete a row; rows written before the chain (hash ”) are chained in order by
// kept migrate; and a row edited in the database anyway (triggers out of the way) makes kept
// verify exit 1 naming the admin log and the row's place.
func TestVerifyAdminLogChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		t.Parallel()
		cfg := storetest.Config(t, backend)
		db := []string{"--data", cfg.DataDir}
		if backend == "postgres" {
			db = []string{"--db", cfg.URL}
		}
		for _, email := range []string{"head@desk.test", "lead@desk.test"} {
			if code, out, errOut := kept(t, "", append([]string{"token", "--email", email, "--role", "admin"}, db...)...); code != 0 {
				t.Fatalf("kept token: %d %s%s", code, out, errOut)
			}
		}
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
		ctx := context.Background()
		var rows int
		if err := raw.QueryRowContext(ctx, "SELECT COUNT(*) FROM admin_log WHERE seq > 0 AND hash <> ''").Scan(&rows); err != nil || rows < 2 {
			t.Fatalf("chained admin log rows after two kept token: %d, %v", rows, err)
		}
		// Rows as a desk wrote them before the chain: no place, no hash. kept migrate chains them.
		for _, obj := range []string{"old-1@desk.test", "old-2@desk.test"} {
			if _, err := raw.ExecContext(ctx, `INSERT INTO admin_log (at, actor_kind, actor_name, action, object) VALUES ('2026-01-02 03:04:05', 'system', 'kept', 'agent.create', '`+obj+`')`); err != nil {
				t.Fatal(err)
			}
		}
		if code, out, errOut := kept(t, "", append([]string{"migrate"}, db...)...); code != 0 {
			t.Fatalf("kept migrate: %d %s%s", code, out, errOut)
		}
		var lastObj string
		if err := raw.QueryRowContext(ctx, "SELECT object FROM admin_log ORDER BY seq DESC LIMIT 1").Scan(&lastObj); err != nil || lastObj != "old-2@desk.test" {
			t.Errorf("the last row of the chain is %q (%v), want the last one written, old-2@desk.test", lastObj, err)
		}
		verify := func() (int, string) {
			code, out, _ := kept(t, "", append([]string{"verify"}, db...)...)
			return code, out
		}
		want := fmt.Sprintf("the admin log's %d rows chain", rows+2)
		if code, out := verify(); code != 0 || !strings.Contains(out, want) {
			t.Fatalf("kept verify on an untouched desk: %d\n%s\nwant %q", code, out, want)
		}
		for _, q := range []string{"UPDATE admin_log SET object = 'someone@else.test' WHERE seq = 1", "DELETE FROM admin_log WHERE seq = 1",
			"UPDATE admin_log SET hash = 'x' WHERE seq = 1"} {
			if _, err := raw.ExecContext(ctx, q); err == nil {
				t.Errorf("%s went through, want it refused", q)
			}
		}
		untrigger := []string{"DROP TRIGGER admin_log_no_change"}
		if backend == "postgres" {
			untrigger = []string{"ALTER TABLE admin_log DISABLE TRIGGER USER"}
		}
		for _, q := range append(untrigger, "UPDATE admin_log SET object = 'someone@else.test' WHERE seq = 1") {
			if _, err := raw.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		code, out := verify()
		if code != 1 || !strings.Contains(out, "FAIL admin log seq 1: ") || !strings.Contains(out, "the admin log does not verify") || strings.Contains(out, "records do not verify") {
			t.Errorf("kept verify after editing an admin log row: exit %d, want 1 and a line naming admin log seq 1:\n%s", code, out)
		}
	})
}
