package desk

import "time"

// CannedReply is a prepared answer; one marked offer is a sales offer.
type CannedReply struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Body      string    `json:"body"`
	Offer     bool      `json:"offer"`
	CreatedAt time.Time `json:"created_at"`
}
