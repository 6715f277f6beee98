package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
)

func token(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("token", stderr)
	cfg := dbFlags(fs)
	email := fs.String("email", "", "the agent's email (the agent is created if missing)")
	roleName := fs.String("role", "agent", "role for a new agent: admin, manager, lead or agent")
	name := fs.String("name", "", "name for a new agent (default: the email)")
	label := fs.String("label", "", "what the token is for, e.g. the integration's name")
	integration := fs.String("integration", "", "the integration the token is for, e.g. \"Phone system\" (its label; the record names it)")
	scopes := fs.String("scope", "", "comma-separated scopes: customer-voice for an integration that acts for customers")
	expires := fs.String("expires", "", "when the token stops working: 90d, 36h, a date (2027-03-01, from 00:00 UTC) or an RFC 3339 time; default never")
	list := fs.Bool("list", false, "list every token: id, agent email, created, last used, expires, revoked")
	revoke := fs.Int64("revoke", 0, "revoke the token with this id: it stops working at once")
	if err := parse(fs, args); err != nil {
		return err
	}
	issuing := *email != "" || *label != "" || *integration != "" || *scopes != "" || *expires != "" || *name != ""
	switch {
	case *list && (*revoke != 0 || issuing):
		return fmt.Errorf("%w: --list takes no other flag than --data or --db", errUsage)
	case *revoke != 0 && issuing:
		return fmt.Errorf("%w: --revoke takes no other flag than --data or --db", errUsage)
	case *revoke < 0:
		return fmt.Errorf("%w: --revoke needs a token id (see kept token --list)", errUsage)
	case !*list && *revoke == 0 && *email == "":
		return fmt.Errorf("%w: --email is required (or --list, or --revoke ID)", errUsage)
	case *label != "" && *integration != "" && *label != *integration:
		return fmt.Errorf("%w: give --label or --integration, not both", errUsage)
	}
	if *integration != "" {
		*label = *integration
	}
	role, err := desk.ParseRole("--role", *roleName)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	// Checked before the database is opened, so a typo creates no agent.
	expiry, err := desk.ParseExpiry("--expires", *expires, time.Now())
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	var scopeList []string
	if *scopes != "" {
		if scopeList, err = desk.ValidateScopes("--scope", strings.Split(*scopes, ",")); err != nil {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
	}
	svc, closeDB, err := openService(ctx, *cfg, newLogger(stderr))
	if err != nil {
		return err
	}
	defer closeDB()
	switch {
	case *list:
		return listTokens(ctx, svc, stdout, stderr)
	case *revoke != 0:
		k, err := svc.RevokeToken(ctx, desk.SystemActor(), *revoke)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "token %d of %s is revoked (since %s): it no longer works\n", k.ID, k.AgentEmail, k.RevokedAt.Format(time.RFC3339))
		return nil
	}
	a, created, err := svc.EnsureAgent(ctx, *email, *name, role)
	if err != nil {
		return err
	}
	k, err := svc.CreateToken(ctx, desk.SystemActor(), service.NewToken{AgentID: a.ID, Label: *label, Scopes: scopeList, Expires: expiry})
	if err != nil {
		return err
	}
	switch {
	case created:
		fmt.Fprintf(stdout, "created agent %d %s (%s)\n", a.ID, a.Email, a.Role)
	case a.Role != role:
		fmt.Fprintf(stdout, "agent %d %s already exists with role %s (the role was not changed)\n", a.ID, a.Email, a.Role)
	}
	fmt.Fprintf(stdout, "token %d for %s, expires %s", k.ID, a.Email, optTime(k.ExpiresAt, "never"))
	if len(k.Scopes) > 0 {
		fmt.Fprintf(stdout, ", scopes %s", strings.Join(k.Scopes, ","))
	}
	fmt.Fprintln(stdout)
	fmt.Fprintln(stdout, "API token (shown once; send it as 'Authorization: Bearer TOKEN'):")
	fmt.Fprintln(stdout, k.Secret)
	return nil
}

// listTokens prints one line per token, oldest first, as key=value pairs in the order the
// contract names them (id, agent email, created, last used, expires, revoked), then what the
// token is for and whether it works now.
func listTokens(ctx context.Context, svc *service.Service, stdout, stderr io.Writer) error {
	tokens, err := svc.Tokens(ctx, desk.SystemActor())
	if err != nil {
		return err
	}
	for _, k := range tokens {
		fmt.Fprintf(stdout, "id=%d email=%s created=%s last_used=%s expires=%s revoked=%s state=%s label=%q scopes=%s issued_by=%q\n",
			k.ID, k.AgentEmail, k.CreatedAt.Format(time.RFC3339), optTime(k.LastUsedAt, "never"), optTime(k.ExpiresAt, "never"),
			optTime(k.RevokedAt, "no"), k.State, k.Label, strings.Join(k.Scopes, ","), desk.TokenGrant{IssuedBy: k.IssuedBy, IssuedByName: k.IssuedByName}.Issuer())
	}
	if len(tokens) == 0 {
		fmt.Fprintln(stderr, "no tokens yet: issue one with kept token --email EMAIL")
	}
	return nil
}

// optTime formats an optional time, or says none.
func optTime(t *time.Time, none string) string {
	if t == nil {
		return none
	}
	return t.UTC().Format(time.RFC3339)
}

func password(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("password", stderr)
	cfg := dbFlags(fs)
	email := fs.String("email", "", "the agent's email (the agent is created if missing)")
	name := fs.String("name", "", "name for a new agent (default: the email)")
	resetFactor := fs.Bool("reset-second-factor", false, "remove the agent's second factor instead (a lost phone and no admin left to reset it); reads no password")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *email == "" {
		return fmt.Errorf("%w: --email is required", errUsage)
	}
	if *resetFactor {
		return resetSecondFactor(ctx, *cfg, *email, stdout, stderr)
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

// resetSecondFactor removes an agent's second factor from the server's shell: the way back in
// for the last admin who lost their phone and their recovery codes.
func resetSecondFactor(ctx context.Context, cfg store.Config, email string, stdout, stderr io.Writer) error {
	svc, closeDB, err := openService(ctx, cfg, newLogger(stderr))
	if err != nil {
		return err
	}
	defer closeDB()
	agents, err := svc.Agents(ctx, desk.SystemActor())
	if err != nil {
		return err
	}
	for _, a := range agents {
		if strings.EqualFold(a.Email, strings.TrimSpace(email)) {
			had, err := svc.ResetSecondFactor(ctx, desk.SystemActor(), a.ID)
			if err != nil {
				return err
			}
			if !had {
				fmt.Fprintf(stdout, "%s has no second factor\n", a.Email)
				return nil
			}
			fmt.Fprintf(stdout, "second factor removed for %s; their sessions ended\n", a.Email)
			return nil
		}
	}
	return fmt.Errorf("no agent has the address %s", email)
}
