package desk

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Quality review: each week a share of each agent's closed cases is drawn at random for a
// lead or manager to read and score on a short rubric, for coaching. The draw is seeded by the
// week, so drawing again gives the same cases.

// Review is a closed case drawn for review, and its scores once a reviewer gave them.
type Review struct {
	ID         int64     `json:"id"`
	CaseID     int64     `json:"case_id"`
	CaseRef    string    `json:"case_ref"`
	Subject    string    `json:"subject"`
	AgentID    int64     `json:"agent_id"` // who resolved the case
	AgentName  string    `json:"agent_name"`
	TeamID     int64     `json:"team_id,omitempty"`
	Week       string    `json:"week"` // the Monday the week drawn from starts on (UTC)
	ClosedAt   time.Time `json:"closed_at"`
	ReviewerID int64     `json:"reviewer_id,omitempty"`
	Reviewer   string    `json:"reviewer,omitempty"`
	Scores     Rubric    `json:"scores"`
	ReviewedAt time.Time `json:"reviewed_at,omitzero"`
	Answer     string    `json:"answer,omitempty"` // the agent's answer to the review
	AnsweredAt time.Time `json:"answered_at,omitzero"`
}

// Reviewed reports whether a reviewer scored it.
func (r Review) Reviewed() bool { return !r.ReviewedAt.IsZero() }

// Rubric is a review's scores, 1 to 5 each, and the reviewer's comment.
type Rubric struct {
	Clear   int    `json:"clear"`  // the promise words were clear: what, by when
	Solved  int    `json:"solved"` // the problem asked about was solved
	Tone    int    `json:"tone"`
	Comment string `json:"comment"`
}

// RubricCriteria are the rubric's criteria, in the order a form asks them.
var RubricCriteria = []string{"clear", "solved", "tone"}

// maxReviewComment bounds a reviewer's comment.
const maxReviewComment = 4000

// CheckRubric checks a review's scores.
func CheckRubric(r Rubric) (Rubric, error) {
	for i, v := range []int{r.Clear, r.Solved, r.Tone} {
		if v < 1 || v > 5 {
			return r, Invalid(RubricCriteria[i], "score 1 to 5")
		}
	}
	r.Comment = strings.TrimSpace(r.Comment)
	if len(r.Comment) > maxReviewComment || !utf8.ValidString(r.Comment) {
		return r, Invalid("comment", "at most %d bytes of text", maxReviewComment)
	}
	return r, nil
}

// CheckReviewAnswer checks an agent's answer to a review of their case.
func CheckReviewAnswer(answer string) (string, error) {
	answer = strings.TrimSpace(answer)
	if answer == "" || len(answer) > maxReviewComment || !utf8.ValidString(answer) {
		return answer, Invalid("answer", "write an answer of at most %d bytes", maxReviewComment)
	}
	return answer, nil
}

// ReviewWeek is the Monday (UTC) of the last whole week before now: the week a draw made now
// draws from.
func ReviewWeek(now time.Time) time.Time {
	now = now.UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
	return monday.AddDate(0, 0, -7)
}

// ReviewCandidate is a case an agent closed, for the draw.
type ReviewCandidate struct {
	CaseID  int64
	AgentID int64
	TeamID  int64
	Share   int // per cent of the agent's cases of this team to draw
}

// DrawReviews picks, for each agent and team, the share (rounded up: one case at least when
// the share is above 0) of their closed cases, in an order seeded by the week and the case:
// the same week draws the same cases.
func DrawReviews(week string, cases []ReviewCandidate) []ReviewCandidate {
	type key struct{ agent, team int64 }
	groups := map[key][]ReviewCandidate{}
	var keys []key
	for _, c := range cases {
		k := key{c.AgentID, c.TeamID}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], c)
	}
	rank := func(id int64) uint64 {
		h := sha256.Sum256([]byte(week + "/" + strconv.FormatInt(id, 10)))
		return binary.BigEndian.Uint64(h[:8])
	}
	var out []ReviewCandidate
	for _, k := range keys {
		g := groups[k]
		n := int(math.Ceil(float64(len(g)) * float64(g[0].Share) / 100))
		slices.SortFunc(g, func(a, b ReviewCandidate) int {
			ra, rb := rank(a.CaseID), rank(b.CaseID)
			switch {
			case ra < rb:
				return -1
			case ra > rb:
				return 1
			}
			return int(a.CaseID - b.CaseID)
		})
		out = append(out, g[:min(n, len(g))]...)
	}
	return out
}
