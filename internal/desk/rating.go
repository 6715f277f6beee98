package desk

import "time"

// Rating is what a customer thought of how a case went, given after confirming its resolution:
// one rating per confirmed resolution (a case reopened and resolved again is rated again).
type Rating struct {
	CaseID       int64     `json:"case_id"`
	CustomerID   int64     `json:"customer_id"`
	ResolutionAt time.Time `json:"resolution_at"` // when the resolution rated was confirmed
	Score        int       `json:"score"`         // 1 to 5
	Comment      string    `json:"comment"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// RatingChangeable is how long after giving it a customer may still change a rating: long
// enough to think again, short enough that last month's figures stay put.
const RatingChangeable = 7 * 24 * time.Hour

// Changeable reports whether the rating may still be changed at now.
func (r Rating) Changeable(now time.Time) bool { return now.Before(r.CreatedAt.Add(RatingChangeable)) }

// KindRatingGiven is the customer's rating on the record: their entry, public.
const KindRatingGiven EntryKind = "rating_given"

// RatingGivenData is a rating given or changed: the score, whether it replaced an earlier
// one of the same resolution, and how it came ("link": on the page the resolution mail's
// confirmation link opened; the portal's otherwise).
type RatingGivenData struct {
	Changed bool   `json:"changed,omitempty"`
	Score   int    `json:"score"`
	Via     string `json:"via,omitempty"`
}

func (RatingGivenData) entryKind() EntryKind { return KindRatingGiven }
