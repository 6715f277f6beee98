package desk

import "time"

// Rating is what a customer thought of how a case went, given after confirming its resolution.
type Rating struct {
	CaseID     int64     `json:"case_id"`
	CustomerID int64     `json:"customer_id"`
	Score      int       `json:"score"` // 1 to 5
	Comment    string    `json:"comment"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}
