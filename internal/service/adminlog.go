package service

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// The admin log: every administrative change is written as a row, in the unit of work of the
// change itself, so a change that rolls back leaves no row and none is ever missing.

// Admin log actions (the what of a row).
const (
	logAgentCreate        = "agent.create"
	logAgentUpdate        = "agent.update"
	logAgentDeactivate    = "agent.deactivate"
	logAgentActivate      = "agent.activate"
	logAgentPasswordReset = "agent.password_reset"
	logTeamSettings       = "team.settings"
	logCaseTypeCreate     = "casetype.create"
	logCaseTypeUpdate     = "casetype.update"
	logCannedCreate       = "canned.create"
	logCannedUpdate       = "canned.update"
	logCannedDelete       = "canned.delete"
	logTokenCreate        = "token.create"
	logTokenRevoke        = "token.revoke"
	logWebhookCreate      = "webhook.create"
	logPartnerCreate      = "partner.create"
	logPartnerUpdate      = "partner.update"
	logAutomationCreate   = "automation.create"
	logAutomationUpdate   = "automation.update"
	logAutomationDelete   = "automation.delete"
	logCriterionCreate    = "review_criterion.create"
	logCriterionUpdate    = "review_criterion.update"
)

// audit writes one row of the admin log: before and after are the object as it was and as it is
// (nil for none), and only the fields that differ are kept.
func (w *work) audit(action, object string, before, after any) error {
	b, a, err := changedFields(before, after)
	if err != nil {
		return fmt.Errorf("admin log %s: %w", action, err)
	}
	c := desk.AdminChange{At: w.now, ActorKind: w.actor.Kind, ActorID: w.actor.ID, ActorName: w.actor.Name,
		Action: action, Object: object, Before: b, After: a}
	if c.ActorKind == desk.ActorSystem && c.ActorName == "" {
		c.ActorName = "kept"
	}
	return w.tx.InsertAdminChange(w.ctx, &c)
}

// changedFields turns two versions of an object into JSON objects of the fields that differ.
func changedFields(before, after any) (string, string, error) {
	bm, err := fieldsOf(before)
	if err != nil {
		return "", "", err
	}
	am, err := fieldsOf(after)
	if err != nil {
		return "", "", err
	}
	for k, v := range bm {
		if w, ok := am[k]; ok && reflect.DeepEqual(v, w) {
			delete(bm, k)
			delete(am, k)
		}
	}
	bj, _ := json.Marshal(bm) // decoded JSON always encodes
	aj, _ := json.Marshal(am)
	return string(bj), string(aj), nil
}

func fieldsOf(v any) (map[string]any, error) {
	m := map[string]any{}
	if v == nil || (reflect.ValueOf(v).Kind() == reflect.Pointer && reflect.ValueOf(v).IsNil()) {
		return m, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return m, json.Unmarshal(b, &m)
}

// agentFields is what the log keeps of an agent.
func agentFields(a desk.Agent) map[string]any {
	return map[string]any{"name": a.Name, "email": a.Email, "role": a.Role, "team": a.Team, "manager_id": a.ManagerID,
		"timezone": a.Timezone, "hours": a.Hours, "active": a.Active}
}

// teamFields is what the log keeps of a team's settings.
func teamFields(t desk.TeamSettings) map[string]any {
	secs := func(d time.Duration) int64 { return int64(d / time.Second) }
	rem := []int64{}
	for _, d := range t.ReminderOffsets {
		rem = append(rem, secs(d))
	}
	return map[string]any{"timezone": t.Timezone, "business_hours": t.BusinessHours, "holidays": t.Holidays, "addresses": t.Addresses,
		"response_target_s": secs(t.ResponseTarget), "resolution_target_s": secs(t.ResolutionTarget), "reminders_s": rem,
		"repeat_contacts": t.RepeatContacts, "confirm_wait_s": secs(t.ConfirmWait), "language": t.Language}
}

// AdminLogPage is one page of the admin log, newest first.
type AdminLogPage struct {
	Changes []desk.AdminChange
	Older   int64             // the id to list older rows before; 0 when there are none
	Head    desk.AdminLogHead // where the log's hash chain ends (kept verify checks it)
}

// adminLogPage is how many rows a page of the admin log shows.
const adminLogPage = 100

// AdminLog lists the admin log newest first, a page of rows older than before (0: the newest).
func (s *Service) AdminLog(ctx context.Context, actor desk.Actor, before int64) (AdminLogPage, error) {
	out, err := readAs(s, ctx, actor, ActAdminLog, func(w *work) (AdminLogPage, error) {
		var out AdminLogPage
		rows, err := w.tx.AdminChanges(w.ctx, before, adminLogPage+1)
		if err != nil {
			return out, err
		}
		if len(rows) > adminLogPage {
			rows = rows[:adminLogPage]
			out.Older = rows[len(rows)-1].ID
		}
		out.Changes = rows
		out.Head, err = w.tx.AdminLogHead(w.ctx)
		return out, err
	})
	return out, wrap("admin log", err)
}

// idText names an object by its id in the log.
func idText(kind string, id int64) string { return kind + " " + strconv.FormatInt(id, 10) }

// tokenFields is what the log keeps of a token: never its secret.
func tokenFields(k desk.Token) map[string]any {
	return map[string]any{"agent": k.AgentEmail, "label": k.Label, "scopes": k.Scopes, "expires_at": k.ExpiresAt, "state": k.State}
}

// automationFields is what the log keeps of an automation (a routing rule among them).
func automationFields(a desk.Automation) map[string]any {
	return map[string]any{"name": a.Name, "active": a.Active, "when": a.When, "if": a.If, "then": a.Then}
}
