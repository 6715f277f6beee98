package service_test

import (
	"fmt"
	"strings"
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
		if _, err := sc.svc.ScoreReview(sc.ctx, ann, id, rubric(5, 5, 5)); !isForbidden(err) {
			t.Errorf("Ann scoring her own case: %v", err)
		}
		if _, err := sc.svc.ScoreReview(sc.ctx, lead, id, rubric(6, 5, 5)); err == nil {
			t.Error("a score of 6 was accepted")
		}
		if _, err := sc.svc.ScoreReview(sc.ctx, lead, 99999, rubric(3, 3, 3)); !isNotFound(err) {
			t.Errorf("scoring no such review: %v", err)
		}
		if len(own.Reviews[0].Criteria) != 3 || own.Reviews[0].Criteria[0].Name != "Promise words clear" || own.Reviews[0].Criteria[0].In("et").Name != "Lubaduse sõnastus selge" {
			t.Errorf("the rubric drawn with the review: %+v", own.Reviews[0].Criteria)
		}
		sr := rubric(4, 5, 3)
		sr.Comment = " Say by when. "
		r := must(sc.svc.ScoreReview(sc.ctx, lead, id, sr))
		if !r.Reviewed() || r.Reviewer != sc.lead.Name || r.Comment != "Say by when." || r.Criteria[1].Score != 5 {
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
		wantRow(t, "reviews, Ann", rowWhere(rep.Rows, "agent_id", sc.ann.ID), map[string]any{"drawn": 2, "reviewed": 1})
		wantRow(t, "reviews, Bob", rowWhere(rep.Rows, "agent_id", sc.bob.ID), map[string]any{"drawn": 1, "reviewed": 0})
		wantRow(t, "reviews, total", rowWhere(rep.Rows, "agent", "total"), map[string]any{"drawn": 3, "reviewed": 1})
		figs := must(sc.svc.RunReport(sc.ctx, head, service.ReportQuery{Name: "review_criteria", From: monday.Add(-8 * time.Hour), To: monday.AddDate(0, 0, 7)}))
		if got := string(service.ReportCSV(figs)); got != "week,agent_id,agent,criterion_id,criterion,reviewed,average,scale\n"+
			fmt.Sprintf("2026-11-23,%[1]d,%[2]s,1,Promise words clear,1,4,5\n2026-11-23,%[1]d,%[2]s,2,Problem solved,1,5,5\n2026-11-23,%[1]d,%[2]s,3,Tone,1,3,5\n", sc.ann.ID, sc.ann.Name) {
			t.Errorf("review figures:\n%s", got)
		}
	})
}

// rubric scores the three criteria the desk starts with (1, 2, 3), in that order.
func rubric(clear, solved, tone int) desk.Rubric {
	return desk.Rubric{Scores: map[int64]int{1: clear, 2: solved, 3: tone}}
}

// TestReviewRubric (issue 18, item 2): the admin defines the rubric — adds a criterion with
// its scale, guidance and a translation, edits one, retires one; nobody else may. A review is
// scored against the criteria in force when it was drawn: last week's keeps the retired one
// and the old name, next week's has the new set; scores outside a criterion's scale, or
// missing one, are refused. The figures per agent and criterion follow the weeks. Failed
// before: the rubric was three fixed columns.
func TestReviewRubric(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		all := 100
		must(sc.svc.SetTeamSettings(sc.ctx, sc.sys, "Billing", service.TeamSettingsIn{ReviewShare: &all}))
		lead, head, ann := desk.AgentActor(sc.lead), desk.AgentActor(sc.head), desk.AgentActor(sc.ann)
		closeCase := func(subject string) {
			c := sc.openCase(sc.ann, subject)
			must(sc.svc.Resolve(sc.ctx, ann, c.ID, "Done."))
			must(sc.svc.Confirm(sc.ctx, desk.CustomerActor(sc.mari), c.ID, desk.Confirmation{Confirmed: true}))
		}

		offer := desk.NewCriterion{Name: " No offer during a complaint ", Guidance: "Nothing was sold to a customer who complained.", Scale: 3,
			Translations: map[string]desk.CriterionWords{"et": {Name: "Kaebuse ajal pakkumist ei tehtud"}}}
		if _, err := sc.svc.AddCriterion(sc.ctx, lead, offer); !isForbidden(err) {
			t.Errorf("a lead defining the rubric: %v", err)
		}
		for _, bad := range []desk.NewCriterion{{Name: ""}, {Name: "Scale", Scale: 11}, {Name: "Lang", Translations: map[string]desk.CriterionWords{"fi": {Name: "Sävy"}}}} {
			if _, err := sc.svc.AddCriterion(sc.ctx, head, bad); !invalidInput(err) {
				t.Errorf("criterion %+v: %v", bad, err)
			}
		}
		noOffer := must(sc.svc.AddCriterion(sc.ctx, head, offer))
		if noOffer.Name != "No offer during a complaint" || noOffer.Scale != 3 || noOffer.Position != 4 || noOffer.In("et").Name != "Kaebuse ajal pakkumist ei tehtud" ||
			noOffer.In("hr").Name != noOffer.Name {
			t.Fatalf("the criterion added: %+v", noOffer)
		}

		closeCase("Invoice")
		sc.advance(7 * 24 * time.Hour)
		first := must(sc.svc.Reviews(sc.ctx, lead)).Reviews
		if len(first) != 1 || len(first[0].Criteria) != 4 || first[0].Criteria[3].ID != noOffer.ID || first[0].Criteria[3].Scale != 3 {
			t.Fatalf("last week's review: %+v", first)
		}

		// The admin renames "Problem solved" and retires "Tone"; the review drawn keeps both.
		must(sc.svc.EditCriterion(sc.ctx, head, 2, service.CriterionIn{NewCriterion: desk.NewCriterion{Name: "Answered the question asked", Scale: 5}}))
		tone := must(sc.svc.EditCriterion(sc.ctx, head, 3, service.CriterionIn{NewCriterion: desk.NewCriterion{Name: "Tone", Scale: 5}, Retired: true}))
		if !tone.Retired() {
			t.Fatalf("Tone is not retired: %+v", tone)
		}
		if _, err := sc.svc.EditCriterion(sc.ctx, head, 999, service.CriterionIn{NewCriterion: desk.NewCriterion{Name: "X"}}); !isNotFound(err) {
			t.Errorf("editing no such criterion: %v", err)
		}
		list := must(sc.svc.ReviewCriteria(sc.ctx, ann))
		if len(list) != 4 || list[len(list)-1].ID != 3 || list[1].Name != "Answered the question asked" {
			t.Errorf("the rubric now (in force first): %+v", list)
		}
		kept := must(sc.svc.Reviews(sc.ctx, lead)).Reviews[0]
		if names := criteriaNames(kept); names != "Promise words clear|Problem solved|Tone|No offer during a complaint" {
			t.Errorf("last week's review after the edit: %s", names)
		}
		id := kept.ID
		for _, bad := range []map[int64]int{{1: 4, 2: 4, 3: 4}, {1: 4, 2: 4, 3: 4, noOffer.ID: 4}, {1: 4, 2: 4, 3: 4, noOffer.ID: 3, 77: 1}} {
			if _, err := sc.svc.ScoreReview(sc.ctx, lead, id, desk.Rubric{Scores: bad}); !invalidInput(err) {
				t.Errorf("scores %v: %v", bad, err)
			}
		}
		must(sc.svc.ScoreReview(sc.ctx, lead, id, desk.Rubric{Scores: map[int64]int{1: 4, 2: 2, 3: 5, noOffer.ID: 3}, Comment: "Offer nothing to a complaint."}))

		// Next week's draw is scored on the rubric in force now.
		closeCase("Router")
		sc.advance(7 * 24 * time.Hour)
		now := must(sc.svc.Reviews(sc.ctx, lead)).Reviews
		if len(now) != 2 || criteriaNames(now[0]) != "Promise words clear|Answered the question asked|No offer during a complaint" {
			t.Fatalf("this week's review: %d, %s", len(now), criteriaNames(now[0]))
		}
		must(sc.svc.ScoreReview(sc.ctx, lead, now[0].ID, desk.Rubric{Scores: map[int64]int{1: 5, 2: 4, noOffer.ID: 2}}))

		// Figures per agent and criterion, week by week (the criterion's name now).
		rep := must(sc.svc.RunReport(sc.ctx, head, service.ReportQuery{Name: "review_criteria", From: monday.Add(-8 * time.Hour), To: monday.AddDate(0, 0, 21)}))
		var got []string
		for _, r := range rep.Rows {
			got = append(got, fmt.Sprintf("%v %v %v/%v n=%v", r["week"], r["criterion"], r["average"], r["scale"], r["reviewed"]))
		}
		want := "2026-11-23 Promise words clear 4/5 n=1|2026-11-23 Answered the question asked 2/5 n=1|2026-11-23 Tone 5/5 n=1|2026-11-23 No offer during a complaint 3/3 n=1|" +
			"2026-11-30 Promise words clear 5/5 n=1|2026-11-30 Answered the question asked 4/5 n=1|2026-11-30 No offer during a complaint 2/3 n=1"
		if strings.Join(got, "|") != want {
			t.Errorf("review figures:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.ReplaceAll(want, "|", "\n"))
		}
	})
}

// criteriaNames are a review's criteria's names as drawn, joined by |.
func criteriaNames(r desk.Review) string {
	var out []string
	for _, c := range r.Criteria {
		out = append(out, c.Name)
	}
	return strings.Join(out, "|")
}

// invalidInput: err refuses the input, whichever field.
func invalidInput(err error) bool {
	e, ok := desk.AsError(err)
	return ok && e.Kind == desk.KindInvalid
}
