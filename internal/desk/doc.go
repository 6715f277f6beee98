// Package desk holds Kept's domain — customers, agents, teams, cases and their append-only,
// hash-chained record — and the rules that decide what a command does. It has no SQL, HTTP or
// clock of its own: callers load the state, pass `now`, and store what the rules return.
package desk
