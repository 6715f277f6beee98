package service_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// rawDB opens the store's database behind its back, as someone tampering with it would.
func rawDB(t *testing.T, backend string, st *store.Store) *sql.DB {
	t.Helper()
	var db *sql.DB
	var err error
	if backend == "sqlite" {
		db, err = sql.Open("sqlite", "file:"+filepath.Join(st.DataDir(), "kept.db")+"?_time_format=sqlite&_pragma=busy_timeout(10000)")
	} else {
		db, err = sql.Open("pgx", st.URL())
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// tamper runs statements against the database with the append-only triggers of table out of
// the way: dropped on SQLite, disabled on PostgreSQL (the test's own schema either way).
func tamper(t *testing.T, backend string, db *sql.DB, table string, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	if backend == "postgres" {
		stmts = append([]string{"ALTER TABLE " + table + " DISABLE TRIGGER USER"}, stmts...)
	} else {
		rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = $1`, table)
		if err != nil {
			t.Fatal(err)
		}
		var drops []string
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				t.Fatal(err)
			}
			drops = append(drops, "DROP TRIGGER "+name)
		}
		rows.Close()
		stmts = append(drops, stmts...)
	}
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// TestVerifyEvidence: verify holds stored mails, documents and case rows to the record and
// names each that was changed behind the desk's back by case ref, seq, object and field. A
// mail's entry carries the SHA-256 of its bytes. (Before, verify walked only the hash chains:
// every change below went unnoticed, and entries did not carry the mail's hash.)
func TestVerifyEvidence(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		st := storetest.Open(t, backend)
		svc := service.New(st, clock.NewFake(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)), slog.New(slog.DiscardHandler),
			service.WithMail(service.MailConfig{Address: "support@desk.test"}))
		sys := desk.SystemActor()
		must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ann", Email: "ann@desk.test", Role: "agent"}))
		receive := func(from, subject, body string) (service.MailResult, []byte) {
			t.Helper()
			raw := eml("From: "+from, "To: support@desk.test", "Subject: "+subject, "Message-ID: <"+fmt.Sprint(len(subject), from)+">", "", body)
			return must(svc.ReceiveMail(ctx, mail.Delivery{From: from, To: []string{"support@desk.test"}, Raw: raw})), raw
		}
		// Subjects as mail brings them: plain, none (the case takes the text's first line), and
		// too long with spaces around (the case takes it trimmed and cut).
		plain, plainRaw := receive("mari@example.ee", "Router broken", "My router is broken.")
		blank, _ := receive("ivo@example.hr", "  ", "Ne radi mi internet\nveć tri dana.")
		long, _ := receive("jana@example.hr", "  "+strings.Repeat("Račun ", 120), "Račun je pogrešan.")
		for _, r := range []service.MailResult{plain, blank, long} {
			if !r.Created {
				t.Fatalf("a mail did not open a case: %+v", r)
			}
		}
		if c := must(svc.Case(ctx, sys, blank.CaseID)); c.Subject != "Ne radi mi internet" {
			t.Fatalf("the blank subject's case is %q", c.Subject)
		}
		rec := must(svc.Record(ctx, sys, plain.CaseID))
		data, _ := desk.DataOf[desk.MessageInData](rec[0])
		sum := sha256.Sum256(plainRaw)
		if rec[0].Kind != desk.KindMessageIn || data.SHA256 != hex.EncodeToString(sum[:]) || data.MailID != plain.MailID {
			t.Errorf("the mail's entry carries %s, want its sha256 %x", rec[0].Data, sum)
		}
		mari := must(svc.Case(ctx, sys, plain.CaseID)).CustomerID
		doc := must(svc.AddDocument(ctx, sys, service.DocumentIn{CustomerID: mari, CaseID: plain.CaseID, Kind: "invoice", Filename: "arve.pdf", ContentType: "application/pdf", Content: []byte("%PDF-1.4 arve")}))
		other := must(svc.AddDocument(ctx, sys, service.DocumentIn{CustomerID: mari, Kind: "contract", Filename: "leping.pdf", ContentType: "application/pdf", Content: []byte("%PDF-1.4 leping")}))

		rep := must(svc.Verify(ctx, 0, nil))
		if !rep.OK() || rep.Mails != 3 || rep.Documents != 2 || rep.Cases != 3 {
			t.Fatalf("verify on an untouched desk: %+v", rep)
		}

		db := rawDB(t, backend, st)
		plainRef, blankRef, longRef := desk.CaseRef(plain.CaseID), desk.CaseRef(blank.CaseID), desk.CaseRef(long.CaseID)
		tamper(t, backend, db, "documents",
			fmt.Sprintf(`UPDATE documents SET content = CAST('forged' AS %s) WHERE id = %d`, blobType(backend), doc.ID),
			fmt.Sprintf(`UPDATE documents SET sha256 = '%s', size = 6 WHERE id = %d`, hexSum("forged"), other.ID))
		tamper(t, backend, db, "cases",
			fmt.Sprintf(`UPDATE cases SET original_request = 'I never complained.' WHERE id = %d`, plain.CaseID),
			fmt.Sprintf(`UPDATE cases SET subject = 'Thank you!' WHERE id = %d`, blank.CaseID))
		tamper(t, backend, db, "mails",
			fmt.Sprintf(`UPDATE mails SET raw = CAST('Subject: forged' AS %s) WHERE id = %d`, blobType(backend), plain.MailID),
			fmt.Sprintf(`UPDATE mails SET raw = CAST('forged' AS %s), size = 6, sha256 = '%s' WHERE id = %d`, blobType(backend), hexSum("forged"), long.MailID))

		rep = must(svc.Verify(ctx, 0, nil))
		if len(rep.Faults) != 0 {
			t.Errorf("the hash chains were not touched, yet: %v", rep.Faults)
		}
		got := map[string]service.EvidenceFault{}
		for _, f := range rep.Evidence {
			got[f.Object+" "+f.Field] = f
		}
		want := []service.EvidenceFault{
			{Ref: plainRef, Seq: 1, Object: "case", Field: "original_request"},
			{Ref: blankRef, Seq: 1, Object: "case", Field: "subject"},
			{Ref: plainRef, Seq: 1, Object: fmt.Sprintf("mail %d", plain.MailID), Field: "raw"},
			{Ref: plainRef, Seq: 1, Object: fmt.Sprintf("mail %d", plain.MailID), Field: "size"},
			{Ref: longRef, Seq: 1, Object: fmt.Sprintf("mail %d", long.MailID), Field: "sha256"},
			{Ref: plainRef, Seq: lastOf(must(svc.Record(ctx, sys, plain.CaseID)), desk.KindDocumentAdded).Seq, Object: fmt.Sprintf("document %d", doc.ID), Field: "content"},
			{Ref: plainRef, Seq: lastOf(must(svc.Record(ctx, sys, plain.CaseID)), desk.KindDocumentAdded).Seq, Object: fmt.Sprintf("document %d", doc.ID), Field: "size"},
			{Object: fmt.Sprintf("document %d", other.ID), Field: "content"},
			{Object: fmt.Sprintf("document %d", other.ID), Field: "size"},
		}
		for _, w := range want {
			f, ok := got[w.Object+" "+w.Field]
			if !ok || f.Ref != w.Ref || f.Seq != w.Seq {
				t.Errorf("verify: %+v, want a fault naming %s seq %d %s %s", f, w.Ref, w.Seq, w.Object, w.Field)
			}
		}
		if len(rep.Evidence) != len(want) {
			t.Errorf("verify found %d faults, want %d: %v", len(rep.Evidence), len(want), rep.Evidence)
		}
		if s := got["case original_request"].String(); s != plainRef+" seq 1: case original_request: the case row's (19 bytes) differs from the first entry's text (22 bytes)" {
			t.Errorf("the fault reads %q", s)
		}

		// One case: only its own evidence.
		one := must(svc.Verify(ctx, blank.CaseID, nil))
		if one.OK() || len(one.Evidence) != 1 || one.Evidence[0].Ref != blankRef || one.Mails != 1 || one.Documents != 0 {
			t.Errorf("verify of %s: %+v", blankRef, one)
		}
	})
}

func blobType(backend string) string {
	if backend == "postgres" {
		return "BYTEA"
	}
	return "BLOB"
}

func hexSum(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
