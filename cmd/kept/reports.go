package main

import (
	"context"
	"fmt"
	"io"
	"time"
)

// reports runs `kept reports rebuild`: the report roll-ups worked out again from the desk's
// tables (after an import, a restore from before migration 00045, or a team's hours changed).
func reports(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "rebuild" {
		return fmt.Errorf("%w: kept reports rebuild [--data DIR | --db URL]", errUsage)
	}
	fs := newFlags("reports rebuild", stderr)
	cfg := dbFlags(fs)
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	svc, closeDB, err := openService(ctx, *cfg, newLogger(stderr))
	if err != nil {
		return err
	}
	defer closeDB()
	began := time.Now()
	say, endProgress := progressPrinter(stderr, "rebuilding report roll-ups: %d cases")
	cases := 0
	err = svc.RebuildReports(ctx, func(done, total int) {
		cases = done
		if say != nil {
			say(done)
		}
	})
	endProgress()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "rebuilt the report roll-ups of %d cases in %s\n", cases, time.Since(began).Round(time.Millisecond))
	return nil
}
