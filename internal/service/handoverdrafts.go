package service

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// Drafts of a bulk hand-over. An agent going on leave with 150 cases fills the hand-over form
// a page at a time, a briefing per group of cases: what they wrote is kept between pages (and
// sessions) until the leave is recorded (AddAbsence clears it).

// Kinds of hand-over drafts.
const (
	DraftCase  = "case"  // Key: the case's id; the colleague chosen for it and a note of its own
	DraftGroup = "group" // Key: the group's ("customer:7", "due:2026-11-24"); its colleague and briefing
)

// mayDraftFor is who may write an agent's hand-over drafts: the agent, their managers' ranks
// (manager, admin), and the desk.
func mayDraftFor(actor desk.Actor, agentID int64) error {
	if err := requireStaff(actor); err != nil {
		return err
	}
	if actor.Kind == desk.ActorSystem || actor.ID == agentID || actor.Role == desk.RoleManager || actor.Role == desk.RoleAdmin {
		return nil
	}
	return desk.Forbidden("only the agent and managers prepare an agent's hand-overs")
}

// HandoverDrafts are what was written so far for the agent's hand-overs.
func (s *Service) HandoverDrafts(ctx context.Context, actor desk.Actor, agentID int64) ([]store.HandoverDraft, error) {
	if err := mayDraftFor(actor, agentID); err != nil {
		return nil, err
	}
	var out []store.HandoverDraft
	err := s.readTx(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.HandoverDrafts(ctx, agentID)
		return err
	})
	return out, wrap("hand-over drafts", err)
}

// SaveHandoverDrafts keeps what was written for the agent's hand-overs, each draft replacing
// the one of its kind and key.
func (s *Service) SaveHandoverDrafts(ctx context.Context, actor desk.Actor, agentID int64, drafts []store.HandoverDraft) error {
	if err := mayDraftFor(actor, agentID); err != nil {
		return err
	}
	for i := range drafts {
		d := &drafts[i]
		if d.Kind != DraftCase && d.Kind != DraftGroup || d.Key == "" || len(d.Key) > 200 {
			return desk.Invalid(fmt.Sprintf("drafts[%d]", i), "a draft is of a case or of a group, with its key")
		}
		d.Text = strings.TrimSpace(d.Text)
		if utf8.RuneCountInString(d.Text) > 4000 {
			return desk.Invalid(fmt.Sprintf("drafts[%d].text", i), "at most 4000 characters")
		}
	}
	err := s.write(ctx, actor, func(w *work) error {
		if _, err := w.agent(agentID); err != nil {
			return notFoundAs(err, "agent", agentID)
		}
		return w.tx.SaveHandoverDrafts(w.ctx, agentID, drafts, w.now)
	})
	return wrap("save hand-over drafts", err)
}
