package service_test

import (
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestQualityReview (issue 18): a week after Ann closed three cases and Bob one, with the team
// drawing half, opening the reviews draws two of Ann's and one of Bob's, once; the lead scores
// one on the rubric; Ann answers it; Ann sees the reviews of her own cases and may not score them; the reviews
// report counts them.
func TestQualityReview(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		half := 50
		must(sc.svc.SetTeamSettings(sc.ctx, sc.sys, "Billing", service.TeamSettingsIn{ReviewShare: &half}))
		closeCase := func(owner desk.Agent, subject string) {
			c := sc.openCase(owner, subject)
			must(sc.svc.Resolve(sc.ctx, desk.AgentActor(owner), c.ID, "Done."))
			must(sc.svc.Confirm(sc.ctx, desk.CustomerActor(sc.mari), c.ID, desk.Confirmation{Confirmed: true}))
		}
		for _, s := range []string{"Invoice", "Router", "Parcel"} {
			closeCase(sc.ann, s)
		}
		closeCase(sc.bob, "Password")
		ann, lead, head := desk.AgentActor(sc.ann), desk.AgentActor(sc.lead), desk.AgentActor(sc.head)

		// Still the week the cases closed in: nothing is drawn from it yet.
		if v := must(sc.svc.Reviews(sc.ctx, lead)); len(v.Reviews) != 0 {
			t.Fatalf("drawn before the week ended: %+v", v.Reviews)
		}
		sc.advance(7 * 24 * time.Hour)
		own := must(sc.svc.Reviews(sc.ctx, ann))
		if len(own.Reviews) != 2 || own.Score || own.Share != 50 || own.Week != "2026-11-23" {
			t.Fatalf("Ann's reviews: %+v", own)
		}
		for _, r := range own.Reviews {
			if r.AgentID != sc.ann.ID || r.Reviewed() {
				t.Errorf("Ann sees %+v", r)
			}
		}
		team := must(sc.svc.Reviews(sc.ctx, lead))
		again := must(sc.svc.Reviews(sc.ctx, head))
		if len(team.Reviews) != 3 || !team.Score || len(again.Reviews) != 3 {
			t.Fatalf("the lead's reviews %d (score %v), the head's after a second opening %d", len(team.Reviews), team.Score, len(again.Reviews))
		}
		for i := range team.Reviews {
			if team.Reviews[i].CaseID != again.Reviews[i].CaseID {
				t.Errorf("the draw changed: %d then %d", team.Reviews[i].CaseID, again.Reviews[i].CaseID)
			}
		}

		id := own.Reviews[0].ID
		if _, err := sc.svc.ScoreReview(sc.ctx, ann, id, desk.Rubric{Clear: 5, Solved: 5, Tone: 5}); !isForbidden(err) {
			t.Errorf("Ann scoring her own case: %v", err)
		}
		if _, err := sc.svc.ScoreReview(sc.ctx, lead, id, desk.Rubric{Clear: 6, Solved: 5, Tone: 5}); err == nil {
			t.Error("a score of 6 was accepted")
		}
		if _, err := sc.svc.ScoreReview(sc.ctx, lead, 99999, desk.Rubric{Clear: 3, Solved: 3, Tone: 3}); !isNotFound(err) {
			t.Errorf("scoring no such review: %v", err)
		}
		r := must(sc.svc.ScoreReview(sc.ctx, lead, id, desk.Rubric{Clear: 4, Solved: 5, Tone: 3, Comment: " Say by when. "}))
		if !r.Reviewed() || r.Reviewer != sc.lead.Name || r.Scores.Comment != "Say by when." {
			t.Errorf("scored review: %+v", r)
		}
		if got := must(sc.svc.Reviews(sc.ctx, ann)).Reviews; !got[0].Reviewed() && !got[1].Reviewed() {
			t.Errorf("Ann does not see the review: %+v", got)
		}
		// Ann answers the review of her case; nobody else answers for her, and an unscored
		// review has nothing to answer.
		if _, err := sc.svc.AnswerReview(sc.ctx, lead, id, "For her."); !isForbidden(err) {
			t.Errorf("the lead answering for Ann: %v", err)
		}
		_, err := sc.svc.AnswerReview(sc.ctx, ann, own.Reviews[1].ID, "Nothing to answer yet.")
		conflict(t, err, "not_reviewed")
		if a := must(sc.svc.AnswerReview(sc.ctx, ann, id, " I will write the time in the promise. ")); a.Answer != "I will write the time in the promise." || a.AnsweredAt.IsZero() {
			t.Errorf("Ann's answer: %+v", a)
		}

		rep := must(sc.svc.RunReport(sc.ctx, head, service.ReportQuery{Name: "reviews", From: monday.Add(-8 * time.Hour), To: monday.AddDate(0, 0, 7)}))
		wantRow(t, "reviews, Ann", rowWhere(rep.Rows, "agent_id", sc.ann.ID), map[string]any{"drawn": 2, "reviewed": 1, "clear": 4, "solved": 5, "tone": 3})
		wantRow(t, "reviews, Bob", rowWhere(rep.Rows, "agent_id", sc.bob.ID), map[string]any{"drawn": 1, "reviewed": 0, "clear": 0})
		wantRow(t, "reviews, total", rowWhere(rep.Rows, "agent", "total"), map[string]any{"drawn": 3, "reviewed": 1})
	})
}
