package desk

import "time"

// TeamSettings are a team's targets for the ladder and reminders, and when it works.
type TeamSettings struct {
	ID               int64
	Name             string
	ResponseTarget   time.Duration // a customer's contact unanswered this long (in business time) escalates
	ResolutionTarget time.Duration // a case not resolved this long (in business time) escalates; 0: no target
	RepeatContacts   int           // this many contacts without an answer escalate
	// RepeatWindow: the customer writing again this soon after a case closed counts the case
	// as not solved (a repeat contact in the reports).
	RepeatWindow    time.Duration
	ReviewShare     int             // per cent of each agent's closed cases drawn each week for quality review
	ReminderOffsets []time.Duration // reminders this long before a promise is due
	ConfirmWait     time.Duration   // a resolution unconfirmed this long closes as unconfirmed
	// When the team works: business hours in its zone (nil: round the clock) less its holidays.
	Timezone      string
	Loc           *time.Location // Timezone loaded (nil: UTC)
	BusinessHours *Hours
	Holidays      []string // "2006-01-02"
	// Addresses are the desk addresses whose mail goes to this team.
	Addresses []string
	// Language is the team's default language ("" none): a customer who never chose one and
	// writes to the team's address reads the desk's words in it.
	Language string
}

// Calendar is when the team works: what its targets count.
func (s TeamSettings) Calendar() Calendar {
	return Calendar{Hours: s.BusinessHours, Zone: s.Loc, Holidays: s.Holidays}
}

// ForType is the settings a case of a type is held to: the team's, with the response target
// the type sets (0: none) in place of the team's.
func (s TeamSettings) ForType(typeTarget time.Duration) TeamSettings {
	if typeTarget > 0 {
		s.ResponseTarget = typeTarget
	}
	return s
}

// DefaultTeamSettings apply to cases of no team.
func DefaultTeamSettings() TeamSettings {
	return TeamSettings{ResponseTarget: 24 * time.Hour, RepeatContacts: 2, RepeatWindow: 7 * 24 * time.Hour, ReviewShare: 5, ReminderOffsets: []time.Duration{24 * time.Hour, time.Hour}, ConfirmWait: 7 * 24 * time.Hour}
}

// LongestTarget bounds a response or resolution target and the wait for a confirmation: longer
// ones mean nothing to a customer, and the store keeps them in seconds as 32-bit numbers (a
// target of 2^31 seconds or more failed to store on PostgreSQL, with a server error).
const LongestTarget = 366 * 24 * time.Hour
