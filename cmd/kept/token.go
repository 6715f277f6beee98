package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/keptdesk/kept/internal/desk"
)

func token(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("token", stderr)
	cfg := dbFlags(fs)
	email := fs.String("email", "", "the agent's email (the agent is created if missing)")
	roleName := fs.String("role", "agent", "role for a new agent: admin, manager, lead or agent")
	name := fs.String("name", "", "name for a new agent (default: the email)")
	label := fs.String("label", "", "what the token is for, e.g. the integration's name")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *email == "" {
		return fmt.Errorf("%w: --email is required", errUsage)
	}
	role, err := desk.ParseRole("--role", *roleName)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	svc, closeDB, err := openService(ctx, *cfg, newLogger(stderr))
	if err != nil {
		return err
	}
	defer closeDB()
	a, created, err := svc.EnsureAgent(ctx, *email, *name, role)
	if err != nil {
		return err
	}
	tok, err := svc.IssueToken(ctx, a.ID, *label)
	if err != nil {
		return err
	}
	switch {
	case created:
		fmt.Fprintf(stdout, "created agent %d %s (%s)\n", a.ID, a.Email, a.Role)
	case a.Role != role:
		fmt.Fprintf(stdout, "agent %d %s already exists with role %s (the role was not changed)\n", a.ID, a.Email, a.Role)
	}
	fmt.Fprintln(stdout, "API token (shown once; send it as 'Authorization: Bearer TOKEN'):")
	fmt.Fprintln(stdout, tok)
	return nil
}

func password(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("password", stderr)
	cfg := dbFlags(fs)
	email := fs.String("email", "", "the agent's email (the agent is created if missing)")
	name := fs.String("name", "", "name for a new agent (default: the email)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *email == "" {
		return fmt.Errorf("%w: --email is required", errUsage)
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		return fmt.Errorf("read the password from standard input: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return fmt.Errorf("%w: give the new password on standard input, e.g. echo 'a long passphrase' | kept password --email %s", errUsage, *email)
	}
	svc, closeDB, err := openService(ctx, *cfg, newLogger(stderr))
	if err != nil {
		return err
	}
	defer closeDB()
	a, created, err := svc.EnsureAgent(ctx, *email, *name, desk.RoleAgent)
	if err != nil {
		return err
	}
	if err := svc.SetPassword(ctx, a.ID, pw); err != nil {
		return err
	}
	if created {
		fmt.Fprintf(stdout, "created agent %d %s (%s)\n", a.ID, a.Email, a.Role)
	}
	fmt.Fprintf(stdout, "password set for %s\n", a.Email)
	return nil
}
