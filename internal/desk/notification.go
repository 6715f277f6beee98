package desk

import "time"

// Notification is a message to an agent that the UI shows (and mail will carry).
type Notification struct {
	ID        int64      `json:"id"`
	AgentID   int64      `json:"agent_id"`
	CaseID    int64      `json:"case_id,omitempty"`
	Kind      string     `json:"kind"`
	Body      string     `json:"body"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at,omitempty"`
}
