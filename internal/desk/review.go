package desk

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
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
	// Criteria are the rubric in force when the case was drawn, as it was then, each with its
	// score (0 until scored): a criterion edited or retired since leaves this review as it was.
	Criteria   []ReviewScore `json:"criteria"`
	Comment    string        `json:"comment"` // the reviewer's coaching note
	ReviewedAt time.Time     `json:"reviewed_at,omitzero"`
	Answer     string        `json:"answer,omitempty"` // the agent's answer to the review
	AnsweredAt time.Time     `json:"answered_at,omitzero"`
}

// Reviewed reports whether a reviewer scored it.
func (r Review) Reviewed() bool { return !r.ReviewedAt.IsZero() }

// Criterion is one line of the review rubric the admin defines: what a reviewer looks for,
// the guidance they score by, and the scale (1 to Scale), in the desk's words and translated
// (by language code) so each reviewer reads it in theirs. A retired criterion is no longer
// drawn with new reviews; the reviews drawn with it keep it.
type Criterion struct {
	ID           int64                     `json:"id"`
	Name         string                    `json:"name"`
	Guidance     string                    `json:"guidance"`
	Scale        int                       `json:"scale"`
	Translations map[string]CriterionWords `json:"translations,omitempty"`
	Position     int                       `json:"position"`
	RetiredAt    *time.Time                `json:"retired_at,omitempty"`
}

// CriterionWords are a criterion's name and guidance in one language.
type CriterionWords struct {
	Name     string `json:"name"`
	Guidance string `json:"guidance"`
}

// In is the criterion's name and guidance as a reader of lang reads them: its translation
// where the admin gave one, else the desk's own words.
func (c Criterion) In(lang string) CriterionWords {
	if t, ok := c.Translations[lang]; ok && t.Name != "" {
		return t
	}
	return CriterionWords{Name: c.Name, Guidance: c.Guidance}
}

// Retired reports whether the criterion is no longer drawn with new reviews.
func (c Criterion) Retired() bool { return c.RetiredAt != nil }

// ReviewScore is a criterion as a review was drawn with it, and its score (0: not yet).
type ReviewScore struct {
	Criterion
	Score int `json:"score"`
}

// Scores runs 1 to the criterion's scale, for a form.
func (c Criterion) Scores() []int {
	out := make([]int, c.Scale)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

// NewCriterion is a criterion as the admin writes it.
type NewCriterion struct {
	Name         string                    `json:"name"`
	Guidance     string                    `json:"guidance"`
	Scale        int                       `json:"scale"` // 0: 5
	Translations map[string]CriterionWords `json:"translations,omitempty"`
}

// Bounds of a criterion.
const (
	maxCriterionName     = 120
	maxCriterionGuidance = 1000
	maxCriterionScale    = 10
)

// CheckCriterion checks a criterion the admin writes: a name, guidance of reasonable length, a
// scale of 2 to 10 (5 unless given), translations into the desk's languages only, each named.
func CheckCriterion(in NewCriterion) (NewCriterion, error) {
	in.Name, in.Guidance = strings.TrimSpace(in.Name), strings.TrimSpace(in.Guidance)
	if in.Name == "" || len(in.Name) > maxCriterionName || !utf8.ValidString(in.Name) {
		return in, Invalid("name", "a name of at most %d bytes", maxCriterionName)
	}
	if len(in.Guidance) > maxCriterionGuidance || !utf8.ValidString(in.Guidance) {
		return in, Invalid("guidance", "at most %d bytes of text", maxCriterionGuidance)
	}
	if in.Scale == 0 {
		in.Scale = 5
	}
	if in.Scale < 2 || in.Scale > maxCriterionScale {
		return in, Invalid("scale", "a scale of 2 to %d", maxCriterionScale)
	}
	out := map[string]CriterionWords{}
	for lang, w := range in.Translations {
		w.Name, w.Guidance = strings.TrimSpace(w.Name), strings.TrimSpace(w.Guidance)
		if w.Name == "" && w.Guidance == "" {
			continue // left empty: the desk's own words
		}
		if !slices.Contains(Languages(), lang) {
			return in, Invalid("translations", "languages are %s", strings.Join(Languages(), ", "))
		}
		if w.Name == "" || len(w.Name) > maxCriterionName || len(w.Guidance) > maxCriterionGuidance || !utf8.ValidString(w.Name+w.Guidance) {
			return in, Invalid("translations."+lang, "a name of at most %d bytes, and guidance of at most %d", maxCriterionName, maxCriterionGuidance)
		}
		out[lang] = w
	}
	in.Translations = out
	return in, nil
}

// Rubric is a reviewer's scores of a review, by criterion id, and their coaching note.
type Rubric struct {
	Scores  map[int64]int `json:"scores"`
	Comment string        `json:"comment"`
}

// maxReviewComment bounds a reviewer's comment.
const maxReviewComment = 4000

// CheckRubric checks a reviewer's scores against the criteria the review was drawn with:
// each scored within its scale, and nothing else.
func CheckRubric(r Rubric, criteria []ReviewScore) (Rubric, error) {
	for _, c := range criteria {
		if v := r.Scores[c.ID]; v < 1 || v > c.Scale {
			return r, Invalid(fmt.Sprintf("scores.%d", c.ID), "score %s from 1 to %d", c.Name, c.Scale)
		}
	}
	if len(r.Scores) != len(criteria) {
		return r, Invalid("scores", "score the review's criteria only")
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
