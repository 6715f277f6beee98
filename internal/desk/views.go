package desk

import (
	"strings"
	"time"
	"unicode/utf8"
)

// SavedView is an agent's named inbox view: the inbox's filter and sort as its query string.
type SavedView struct {
	ID        int64     `json:"id"`
	AgentID   int64     `json:"agent_id"`
	Name      string    `json:"name"`
	Query     string    `json:"query"` // e.g. "priority=urgent&sort=updated" ("" : the default inbox)
	CreatedAt time.Time `json:"created_at"`
}

// Bounds of saved views.
const (
	MaxViewName  = 80
	MaxViewQuery = 1000
	MaxViews     = 50 // per agent
)

// CheckSavedView trims and checks a view's name and query.
func CheckSavedView(name, query string) (string, string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", "", Invalid("name", "is required")
	}
	if utf8.RuneCountInString(name) > MaxViewName {
		return "", "", Invalid("name", "at most %d characters", MaxViewName)
	}
	if len(query) > MaxViewQuery || strings.ContainsAny(query, "\r\n") {
		return "", "", Invalid("query", "at most %d characters on one line", MaxViewQuery)
	}
	return name, query, nil
}
