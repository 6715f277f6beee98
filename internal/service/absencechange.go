package service

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// AbsenceChangeView is a shortened or cancelled absence and the cases it touched.
type AbsenceChangeView struct {
	Absence   desk.Absence `json:"absence"`
	Cancelled bool         `json:"cancelled"` // it had not started and is gone
	Cases     []string     `json:"cases"`     // refs of the cases the absence had moved, now coming back at its new end
}

// ChangeAbsence shortens an absence or cancels it (one that has started ends now), by the
// people who may record it (the table). Every case the absence had moved to a colleague comes
// back at the new end, and its record says who changed the absence.
func (s *Service) ChangeAbsence(ctx context.Context, actor desk.Actor, agentID, absenceID int64, in desk.AbsenceChange) (AbsenceChangeView, error) {
	if err := gate(actor, ActAbsenceChange); err != nil {
		return AbsenceChangeView{}, err
	}
	var view AbsenceChangeView
	err := s.write(ctx, actor, func(w *work) error {
		view = AbsenceChangeView{Cases: []string{}}
		agent, err := w.agent(agentID)
		if err != nil {
			return notFoundAs(err, "agent", agentID)
		}
		// Locked: a cancel and a shortening at once were each checked against the absence as
		// it was, and the later end written over the cancel.
		was, err := loadToChange(w, store.AbsenceToChange, absenceID, w.tx.Absence)
		if store.IsNotFound(err) || (err == nil && was.AgentID != agent.ID) {
			return desk.NotFound("absence", absenceID)
		} else if err != nil {
			return err
		}
		if err := w.allow(ActAbsenceChange, Object{Agent: &agent}); err != nil {
			return err
		}
		now, gone, err := desk.ChangeAbsence(was, in, w.now)
		if err != nil {
			return err
		}
		view.Absence, view.Cancelled = now, gone
		if gone {
			if err := w.tx.DeleteAbsence(w.ctx, was.ID); err != nil {
				return err
			}
			if err := w.tx.CancelTimers(w.ctx, store.TimerRef{Kind: timerAbsenceStart, RefID: was.ID}); err != nil {
				return err
			}
		} else if err := w.tx.EndAbsence(w.ctx, was.ID, now.To); err != nil {
			return err
		}
		view.Cases, err = s.bringBack(w, agent, was, now, in.Cancel)
		return err
	})
	return view, wrap("change absence", err)
}

// bringBack moves the return of every case the absence handed over (temporarily, until its
// end) to the new end, and notes the change on each case's record.
func (s *Service) bringBack(w *work, agent desk.Agent, was, now desk.Absence, cancelled bool) ([]string, error) {
	refs := []string{}
	timers, err := w.tx.PendingTimersOfKind(w.ctx, timerHandoverReturn)
	if err != nil {
		return nil, err
	}
	back := now.To
	if cancelled {
		back = w.now
	}
	for _, t := range timers {
		var p struct {
			BackTo int64 `json:"back_to"`
		}
		if err := json.Unmarshal(t.Payload, &p); err != nil {
			return nil, fmt.Errorf("hand-over return payload: %w", err)
		}
		// The absence's own hand-overs end when it does; a hand-over made for another reason
		// (ending at another time) is not the absence's to change.
		if p.BackTo != agent.ID || t.DueAt.Sub(was.To).Abs() > 1e9 {
			continue
		}
		c, err := w.lockCase(t.CaseID)
		if store.IsNotFound(err) {
			continue
		} else if err != nil {
			return nil, err
		}
		t.DueAt = back
		if _, err := w.tx.AddTimer(w.ctx, t, w.now); err != nil {
			return nil, err
		}
		w.changed(Event{CaseID: c.ID, Timers: true})
		if _, err := s.appendRecord(w, c, []desk.Draft{desk.AbsenceChangedNote(w.actor, agent, was, now, cancelled)}); err != nil {
			return nil, err
		}
		refs = append(refs, c.Ref())
	}
	return refs, nil
}
