package desk

import "time"

// AdminChange is one row of the admin log: an administrative change (an agent added or changed,
// a team's settings, a case type, a canned reply, a token, a webhook), who made it and when,
// with the fields it changed as they were and as they became (JSON objects; "{}" for none).
type AdminChange struct {
	ID        int64     `json:"id"`
	At        time.Time `json:"at"`
	ActorKind ActorKind `json:"actor_kind"`
	ActorID   int64     `json:"actor_id,omitempty"`
	ActorName string    `json:"actor_name"`
	Action    string    `json:"action"`
	Object    string    `json:"object"`
	Before    string    `json:"before"`
	After     string    `json:"after"`
}
