package service

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/keptdesk/kept/internal/desk"
)

// Drafts of a bulk hand-over. An agent going on leave with 150 cases fills the hand-over form
// a page at a time, a briefing per group of cases: what they wrote is kept between pages (and
// sessions) until the leave is recorded (AddAbsence clears it).

// Kinds of hand-over drafts.
const (
	DraftCase  = "case"  // Key: the case's id; the colleague chosen for it and a note of its own
	DraftGroup = "group" // Key: the group's ("customer:7", "due:2026-11-24"); its colleague and briefing
)

// allowDrafts asks the permission table (absence.draft) whether the actor may read or write
// the agent's hand-over drafts: as for the agent's absences.
func allowDrafts(w *work, agentID int64) error {
	_, err := agentFor(w, agentID, ActAbsenceDraft)
	return err
}

// HandoverDrafts are what was written so far for the agent's hand-overs.
func (s *Service) HandoverDrafts(ctx context.Context, actor desk.Actor, agentID int64) ([]desk.HandoverDraft, error) {
	out, err := readAs(s, ctx, actor, ActAbsenceDraft, func(w *work) ([]desk.HandoverDraft, error) {
		if err := allowDrafts(w, agentID); err != nil {
			return nil, err
		}
		return w.tx.HandoverDrafts(w.ctx, agentID)
	})
	return out, wrap("hand-over drafts", err)
}

// SaveHandoverDrafts keeps what was written for the agent's hand-overs, each draft replacing
// the one of its kind and key.
func (s *Service) SaveHandoverDrafts(ctx context.Context, actor desk.Actor, agentID int64, drafts []desk.HandoverDraft) error {
	if err := gate(actor, ActAbsenceDraft); err != nil {
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
		if err := allowDrafts(w, agentID); err != nil {
			return err
		}
		return w.tx.SaveHandoverDrafts(w.ctx, agentID, drafts, w.now)
	})
	return wrap("save hand-over drafts", err)
}
