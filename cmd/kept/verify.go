package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/keptdesk/kept/internal/desk"
)

// verifyFailed means a record did not verify; the faults are already printed.
type verifyFailed struct{ faults int }

func (v verifyFailed) Error() string { return fmt.Sprintf("%d records do not verify", v.faults) }

func verify(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("verify", stderr)
	cfg := dbFlags(fs)
	ref := fs.String("case", "", "check only this case (K-1042)")
	exportFile := fs.String("export", "", "check an exported record file instead of a database")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *exportFile != "" {
		return verifyExport(*exportFile, stdout)
	}
	var caseID int64
	if *ref != "" {
		id, ok := desk.ParseCaseRef(*ref)
		if !ok {
			return fmt.Errorf("%w: --case %q is not a case ref like K-1042", errUsage, *ref)
		}
		caseID = id
	}
	svc, closeDB, err := openReader(ctx, *cfg, newLogger(stderr))
	if err != nil {
		return err
	}
	defer closeDB()
	progress, endProgress := progressPrinter(stderr, "checked %d cases")
	rep, err := svc.Verify(ctx, caseID, progress)
	endProgress()
	if err != nil {
		return err
	}
	if err := svc.CheckFile(ctx, &rep); err != nil {
		return err
	}
	for _, f := range rep.File {
		fmt.Fprintf(stdout, "FAIL the database file: %s\n", f)
	}
	if caseID != 0 && rep.Cases == 0 {
		return fmt.Errorf("no case %s", *ref)
	}
	for _, f := range rep.Faults {
		fmt.Fprintf(stdout, "FAIL %s\n", f)
	}
	for _, f := range rep.Evidence {
		fmt.Fprintf(stdout, "FAIL %s\n", f)
	}
	records := 0
	for _, f := range rep.Faults {
		if f.Ref == desk.AdminLogRef {
			fmt.Fprintf(stdout, "the admin log does not verify (%d rows checked)\n", rep.AdminLog)
		} else {
			records++
		}
	}
	if records > 0 {
		fmt.Fprintf(stdout, "%d of %d records do not verify (%d entries checked)\n", records, rep.Cases, rep.Entries)
	}
	if len(rep.Evidence) > 0 {
		fmt.Fprintf(stdout, "%d stored values differ from what the record says (%d mails, %d documents and %d case rows checked)\n",
			len(rep.Evidence), rep.Mails, rep.Documents, rep.Cases)
	}
	if !rep.OK() {
		return verifyFailed{len(rep.Faults) + len(rep.Evidence) + len(rep.File)}
	}
	fmt.Fprintf(stdout, "ok: %d records, %d entries, every hash chain holds; %d mails and %d documents match their hashes; the admin log's %d rows chain\n",
		rep.Cases, rep.Entries, rep.Mails, rep.Documents, rep.AdminLog)
	return nil
}

func verifyExport(path string, stdout io.Writer) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var x desk.RecordExport
	if err := json.Unmarshal(b, &x); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	fault, err := desk.CheckExport(x)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if fault != nil {
		fmt.Fprintf(stdout, "FAIL %s\n", fault)
		return verifyFailed{1}
	}
	if len(x.Withheld) > 0 {
		// A reader's copy: say plainly what it does not prove.
		fmt.Fprintf(stdout, "ok: %s, %d entries, the hash chain holds; %d entries are withheld from this copy (seq %s): their place in the chain holds, their content is not in the file\n",
			x.Ref, len(x.Entries), len(x.Withheld), joinSeqs(x.Withheld))
	} else {
		fmt.Fprintf(stdout, "ok: %s, %d entries, the hash chain holds\n", x.Ref, len(x.Entries))
	}
	// What the file alone cannot prove: that nothing was cut from its end (the head is the
	// file's own word), nor the header, which no hash covers.
	fmt.Fprintf(stdout, "it ends at entry %d, hash %s: the desk shows the hash its record is sealed with beside the case; if it shows this one at entry %d, nothing is missing (a later entry there was written since the export). The subject, customer, status and owner written above the entries are not sealed.\n",
		x.HeadSeq, x.HeadHash, x.HeadSeq)
	return nil
}

func export(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("export", stderr)
	cfg := dbFlags(fs)
	ref := fs.String("case", "", "the case to export (K-1042)")
	out := fs.String("out", "", "write to this file instead of standard output")
	if err := parse(fs, args); err != nil {
		return err
	}
	id, ok := desk.ParseCaseRef(*ref)
	if !ok {
		return fmt.Errorf("%w: --case must be a case ref like K-1042", errUsage)
	}
	svc, closeDB, err := openService(ctx, *cfg, newLogger(stderr))
	if err != nil {
		return err
	}
	defer closeDB()
	x, err := svc.Export(ctx, desk.SystemActor(), id)
	if err != nil {
		return err
	}
	b, err := desk.EncodeExport(x)
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = stdout.Write(b)
		return err
	}
	return os.WriteFile(*out, b, 0o640)
}

// joinSeqs is "2, 5, 7".
func joinSeqs(seqs []int64) string {
	parts := make([]string, len(seqs))
	for i, s := range seqs {
		parts[i] = strconv.FormatInt(s, 10)
	}
	return strings.Join(parts, ", ")
}

// progressPrinter returns a progress callback that rewrites one line on a terminal, and end,
// which closes that line once the work is done (the next output starts on a line of its own).
// When w is not a terminal the callback is nil and end does nothing.
func progressPrinter(w io.Writer, format string) (say func(int), end func()) {
	if !isTerminal(w) {
		return nil, func() {}
	}
	return func(n int) { fmt.Fprintf(w, "\r"+format, n) }, func() { fmt.Fprintln(w) }
}

// isTerminal says whether w is a terminal, where a progress line may be rewritten in place
// (in a file or a pipe it would be noise).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
