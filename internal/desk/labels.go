package desk

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A case's priority and tags: how urgent it is and what it is about, set by agents (and, for a
// public complaint on a social channel, higher from the start: story 11). Each change is an
// internal entry on the record.

// Priorities, lowest first.
const (
	PriorityLow    = "low"
	PriorityNormal = "normal"
	PriorityHigh   = "high"
	PriorityUrgent = "urgent"
)

// Priorities lists the priorities, lowest first.
func Priorities() []string {
	return []string{PriorityLow, PriorityNormal, PriorityHigh, PriorityUrgent}
}

// Entry kinds of a change of priority or tags, or of the case's type or team.
const (
	KindPriorityChanged EntryKind = "priority_changed"
	KindTagsChanged     EntryKind = "tags_changed"
	KindTypeChanged     EntryKind = "type_changed"
	KindTeamChanged     EntryKind = "team_changed"
)

// maxTags and maxTagLen bound a case's tags.
const (
	maxTags   = 20
	maxTagLen = 40
)

// StartPriority is a new case's priority: a public complaint (social) is seen by others, so it
// starts high.
func StartPriority(channel string) string {
	if channel == "social" {
		return PriorityHigh
	}
	return PriorityNormal
}

// ParsePriority checks a priority.
func ParsePriority(field, p string) (string, error) {
	p = strings.ToLower(strings.TrimSpace(p))
	if !slices.Contains(Priorities(), p) {
		return "", Invalid(field, "%q is not a priority: use low, normal, high or urgent", p)
	}
	return p, nil
}

// ParseTags checks and tidies tags: trimmed, lower case, inner spaces as hyphens, each once,
// in the order given.
func ParseTags(field string, in []string) ([]string, error) {
	out := []string{}
	for i, t := range in {
		t = strings.Join(strings.Fields(strings.ToLower(strings.TrimSpace(t))), "-")
		if t == "" {
			continue
		}
		if utf8.RuneCountInString(t) > maxTagLen || strings.ContainsFunc(t, func(r rune) bool { return unicode.IsControl(r) || r == ',' || r == '"' }) {
			return nil, Invalid(fmt.Sprintf("%s[%d]", field, i), "a tag is a word or two of up to %d characters, without commas or quotes", maxTagLen)
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	if len(out) > maxTags {
		return nil, Invalid(field, "a case has at most %d tags", maxTags)
	}
	return out, nil
}

// LabelChange is what a change of priority or tags writes on the record: an internal entry for
// each that changed, saying from what to what.
func LabelChange(c *Case, actor Actor, priority *string, tags []string) []Draft {
	var drafts []Draft
	if priority != nil && *priority != c.Priority {
		drafts = append(drafts, Draft{Kind: KindPriorityChanged, Actor: actor, Internal: true,
			Body: fmt.Sprintf("Priority: %s → %s", c.Priority, *priority), Data: PriorityChangedData{From: c.Priority, To: *priority}})
		c.Priority = *priority
	}
	if tags != nil && !slices.Equal(tags, c.Tags) {
		was, now := strings.Join(c.Tags, ", "), strings.Join(tags, ", ")
		drafts = append(drafts, Draft{Kind: KindTagsChanged, Actor: actor, Internal: true,
			Body: fmt.Sprintf("Tags: %s → %s", orNone(was), orNone(now)), Data: TagsChangedData{From: c.Tags, To: tags}})
		c.Tags = tags
	}
	return drafts
}

// TeamRef names a team: its id (0: none) and name.
type TeamRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Retype is what a change of the case's type (caseType; nil: none) or team (team; nil: none)
// writes on the record: an internal entry for each that changed, from what to what. A case
// following its type's steps (a process) keeps its type: the steps it took are of that type.
func Retype(c *Case, actor Actor, caseType *string, team *TeamRef, fromTeam string) ([]Draft, error) {
	var drafts []Draft
	if caseType != nil && !strings.EqualFold(*caseType, c.Type) {
		if c.Step > 0 {
			return nil, Conflict("in_process", fmt.Sprintf("%s is at step %d of the steps of its type %q: its type is not changed midway", c.Ref(), c.Step, c.Type), nil)
		}
		drafts = append(drafts, Draft{Kind: KindTypeChanged, Actor: actor, Internal: true,
			Body: fmt.Sprintf("Type: %s → %s", orNone(c.Type), orNone(*caseType)), Data: TypeChangedData{From: c.Type, To: *caseType}})
		c.Type = *caseType
	}
	if team != nil && team.ID != c.TeamID {
		drafts = append(drafts, Draft{Kind: KindTeamChanged, Actor: actor, Internal: true,
			Body: fmt.Sprintf("Team: %s → %s", orNone(fromTeam), orNone(team.Name)), Data: TeamChangedData{From: TeamRef{ID: c.TeamID, Name: fromTeam}, To: *team}})
		c.TeamID = team.ID
	}
	return drafts, nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// PriorityChangedData is a change of a case's priority.
type PriorityChangedData struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// TagsChangedData is a change of a case's tags: all of them before and after.
type TagsChangedData struct {
	From []string `json:"from"`
	To   []string `json:"to"`
}

// TypeChangedData is a change of a case's type ("": none).
type TypeChangedData struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// TeamChangedData is a change of a case's team (its owner stays: a hand-over is its own step).
type TeamChangedData struct {
	From TeamRef `json:"from"`
	To   TeamRef `json:"to"`
}

func (TypeChangedData) entryKind() EntryKind     { return KindTypeChanged }
func (TeamChangedData) entryKind() EntryKind     { return KindTeamChanged }
func (PriorityChangedData) entryKind() EntryKind { return KindPriorityChanged }
func (TagsChangedData) entryKind() EntryKind     { return KindTagsChanged }
