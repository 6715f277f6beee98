package desk

// What the manager's views count.

// SlipCount is how many slips an agent or team has made.
type SlipCount struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Slips int    `json:"slips"`
}

// OutcomeCount is how an agent's resolutions ended.
type OutcomeCount struct {
	AgentID int64  `json:"agent_id"`
	Name    string `json:"name"`
	Outcome string `json:"outcome"`
	Count   int    `json:"count"`
}
