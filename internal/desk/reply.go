package desk

import "time"

// CannedReply is a prepared answer; one marked offer is a sales offer. It is the desk's (every
// agent sees it), a team's (its people see it) or one agent's own (personal), and may sit in a
// folder, by which the composer groups the replies.
type CannedReply struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Body      string    `json:"body"`
	Offer     bool      `json:"offer"`
	Folder    string    `json:"folder"`             // "" : no folder
	Scope     string    `json:"scope"`              // CannedDesk, CannedTeam or CannedPersonal
	TeamID    int64     `json:"team_id,omitempty"`  // a team's reply: the team
	Team      string    `json:"team,omitempty"`     // and its name
	AgentID   int64     `json:"agent_id,omitempty"` // a personal reply: whose
	CreatedAt time.Time `json:"created_at"`
}

// Scopes of a canned reply.
const (
	CannedDesk     = "desk"
	CannedTeam     = "team"
	CannedPersonal = "personal"
)

// CannedScopes are the scopes, in the order forms offer them.
func CannedScopes() []string { return []string{CannedDesk, CannedTeam, CannedPersonal} }
