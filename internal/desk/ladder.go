package desk

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Escalation triggers: what made a case climb the ladder.
const (
	TriggerBrokenPromise   = "broken_promise"
	TriggerSecondSlip      = "second_slip"
	TriggerRepeatContacts  = "repeat_contacts"
	TriggerResponseTarget  = "response_target"
	TriggerResolution      = "resolution_target"
	TriggerCustomerRequest = "customer_request"
	TriggerAgentRequest    = "agent_request"
)

// Triggers are the escalation triggers, in the order the reports list them.
var Triggers = []string{TriggerBrokenPromise, TriggerSecondSlip, TriggerResponseTarget, TriggerRepeatContacts,
	TriggerResolution, TriggerCustomerRequest, TriggerAgentRequest}

// Answered applies what the desk counts as an answer to the customer: a public message to them
// from the desk's people — a reply, a written promise, a slip's message, a resolution request,
// a logged call. It resets the count of the customer's contacts waiting for one, and reports
// whether drafts hold an answer (the response clock then stops).
func Answered(c *Case, by Actor, drafts []Draft) bool {
	if by.Kind != ActorAgent {
		return false
	}
	for _, d := range drafts {
		if d.Internal {
			continue
		}
		switch d.Kind {
		case KindMessageOut, KindPromiseMade, KindPromiseSlipped, KindResolutionAsked, KindCall:
			c.Unanswered = 0
			return true
		}
	}
	return false
}

// Rank is a role's place on the escalation ladder (PRODUCT.md: agent → team lead → manager →
// head of care): 1 for an agent up to 4 for the head of care (an admin). A partner's user is
// not on the ladder (0): they never own cases.
func Rank(r Role) int {
	switch r {
	case RoleAgent:
		return 1
	case RoleLead:
		return 2
	case RoleManager:
		return 3
	case RoleAdmin:
		return 4
	}
	return 0
}

// Ladder places the desk's people on the escalation ladder. The role's rank comes first: a
// higher role stands above a lower one whatever the manager chain says, so an agent without a
// manager_id stands at the bottom (not at the top, as when depth in the chain decided), and a
// lead of another team stands level with the case's lead. Within one rank the chain decides:
// someone up a person's manager chain stands above them (a senior lead other leads report to).
// Two people of one rank, neither up the other's chain, stand level. Level is not below: a
// case may move sideways, or up, without asking the customer.
type Ladder struct {
	managers map[int64]int64
}

// NewLadder is the ladder of these agents (every agent whose chain matters: the whole desk).
func NewLadder(agents []Agent) Ladder {
	l := Ladder{managers: make(map[int64]int64, len(agents))}
	for _, a := range agents {
		l.managers[a.ID] = a.ManagerID
	}
	return l
}

// Below reports whether a stands below b on the ladder.
func (l Ladder) Below(a, b Agent) bool {
	ra, rb := Rank(a.Role), Rank(b.Role)
	if ra != rb {
		return ra < rb
	}
	return l.upChain(a.ID, b.ID)
}

// NextUp is who an escalation goes to when the owner has no active manager: someone of the
// nearest rank above the owner among the active agents, preferring those not away, then the
// owner's team, then the lower id (so the choice is repeatable); nil when no one stands above
// (the head of care). Without it a case owned by someone without a manager_id could never climb.
func (l Ladder) NextUp(owner Agent, agents []Agent, away map[int64]bool) *Agent {
	var best *Agent
	better := func(a, than Agent) bool {
		if ra, rt := Rank(a.Role), Rank(than.Role); ra != rt {
			return ra < rt
		}
		if aw, tw := away[a.ID], away[than.ID]; aw != tw {
			return !aw
		}
		if at, tt := a.TeamID == owner.TeamID, than.TeamID == owner.TeamID; at != tt {
			return at
		}
		return a.ID < than.ID
	}
	for i := range agents {
		a := agents[i]
		if !a.Active || a.Role == RolePartner || a.ID == owner.ID || !l.Below(owner, a) {
			continue
		}
		if best == nil || better(a, *best) {
			best = &agents[i]
		}
	}
	return best
}

// upChain reports whether b is up a's manager chain.
func (l Ladder) upChain(a, b int64) bool {
	seen := map[int64]bool{a: true}
	for id := l.managers[a]; id != 0 && !seen[id]; id = l.managers[id] {
		if id == b {
			return true
		}
		seen[id] = true // a loop in manager_id must not hang the desk
	}
	return false
}

// PassedOver is the desk's note that an escalation passed over people up the ladder who are not
// at work (on leave, sick, or outside their hours), with when each is back, and whom it goes to
// instead (nil: it waits for the first of them). Only the desk's people read it.
func PassedOver(away []Agent, to *Agent, back map[int64]time.Time, now time.Time) Draft {
	var who []string
	for _, a := range away {
		w := a.Name + " is not at work"
		if at, ok := back[a.ID]; ok {
			w += " until " + at.In(a.Location()).Format("Mon 2 Jan 15:04 MST")
		}
		who = append(who, w)
	}
	body := strings.Join(who, "; ")
	if to != nil {
		body += fmt.Sprintf(": the case goes up to %s instead.", to.Name)
	} else {
		body += ": nobody up the ladder is at work, so the case goes up when " + away[0].Name + " is back."
	}
	return Draft{Kind: KindNote, Actor: SystemActor(), Internal: true, Body: "Escalation: " + body}
}

// Escalate decides what moving a case one rung up does: ownership goes to the owner's manager
// (or, for an owner without an active one, to whom Ladder.NextUp names), the rung grows, and the
// record says why. At the top of the ladder the case stays where it is, and the record says so:
// manager is nil there.
func Escalate(c *Case, owner Agent, manager *Agent, trigger, reason string, now time.Time) []Draft {
	data := EscalatedData{Trigger: trigger, FromOwner: owner.ID}
	c.Unanswered = 0 // the count starts again for the next rung
	if manager == nil {
		data.ToOwner, data.Top = owner.ID, true
		return []Draft{{Kind: KindEscalated, Actor: SystemActor(), Internal: true,
			Body: fmt.Sprintf("Escalation (%s) found no one above %s: the case stays with them. %s", trigger, owner.Name, reason), Data: data}}
	}
	c.OwnerID, c.Rung = manager.ID, c.Rung+1
	if manager.TeamID != 0 {
		c.TeamID = manager.TeamID
	}
	data.ToOwner, data.Rung = manager.ID, c.Rung
	w := c.Reader.words()
	body := fmt.Sprintf(w.escalated, manager.Name, c.Reader.role(*manager))
	if why, ok := w.triggers[trigger]; ok {
		reason = why // the desk's own reason, in the customer's language
	}
	if reason = strings.TrimSpace(reason); reason != "" {
		if w.fullStop {
			reason = sentence(reason)
		}
		body += fmt.Sprintf(w.reason, reason)
	}
	return []Draft{{Kind: KindEscalated, Actor: SystemActor(), Body: body, Data: data}}
}

// Introduce is the entry that tells the customer (reading as r) who someone new on their case
// is. until is when a temporary owner stops looking after the case (zero when not temporary);
// times are in the customer's zone, or else the agent's.
func Introduce(r Reader, a Agent, owner bool, from, until time.Time) Draft {
	w := r.words()
	var body string
	switch {
	case !owner:
		body = fmt.Sprintf(w.joined, a.Name, r.role(a))
	case until.IsZero():
		body = fmt.Sprintf(w.ownerFrom, a.Name, r.role(a), r.when(from, a.Location(), dateFrom))
	default:
		body = fmt.Sprintf(w.ownerUntil, a.Name, r.role(a), r.when(from, a.Location(), dateFrom), r.when(until, a.Location(), dateUntil))
	}
	data := IntroductionData{AgentID: a.ID, Owner: owner, Role: a.Role, Team: a.Team, Until: InstantOf(until)}
	return Draft{Kind: KindIntroduction, Actor: AgentActor(a), Body: body, Data: data}
}

// Handover is moving a case to a named colleague with a written briefing.
type Handover struct {
	ToAgentID   int64
	Briefing    string
	Until       time.Time // when the hand-over ends (a temporary one, for an absence); zero: for good
	AgreementID int64     // an entry of the customer agreeing to go down the ladder
}

// HandoverState is what the hand-over rule needs to know.
type HandoverState struct {
	Owner, To Agent
	Ladder    Ladder
	// Rung is where the case's escalations brought it (see CaseRung); the zero value for a
	// case never escalated, which goes to anyone.
	Rung CaseRung
	// Agreement is the entry named by AgreementID, if it exists on this case; Spent says an
	// earlier hand-over cited it already.
	Agreement *Entry
	Spent     bool
	Missing   bool // the owner went away without a briefing (sickness): no downward check
	// Deputy is a temporary hand-over, for the owner's absence, by an owner nobody stands above
	// (the head of care): their case may go below its rung to the deputy they name, since no
	// one above could take it, and it comes back when the absence ends.
	Deputy bool
	// IntroduceFrom is when the new owner starts (zero: now).
	IntroduceFrom time.Time
}

// HandOver decides what a hand-over does: the briefing for the new owner (internal), and the
// new owner's introduction to the customer. Once a case has climbed the ladder it does not go
// to someone below the rung it reached without the customer's recorded agreement to that move.
func HandOver(c *Case, by Actor, in Handover, st HandoverState, now time.Time) ([]Draft, error) {
	if st.To.ID == c.OwnerID {
		return nil, Invalid("to_agent_id", "%s already owns the case", st.To.Name)
	}
	if !st.To.Active || st.To.Role == RolePartner {
		return nil, Invalid("to_agent_id", "%s cannot own cases (inactive or a partner)", st.To.Name)
	}
	// A case taken from its team's queue has had no owner to brief anyone: a note is optional.
	queued := c.OwnerID == 0
	briefing, err := checkText("briefing", strings.TrimSpace(in.Briefing), maxBody, !st.Missing && !queued)
	if err != nil {
		return nil, err
	}
	if !in.Until.IsZero() && !in.Until.After(now) {
		return nil, Invalid("until", "the end of a temporary hand-over must be in the future")
	}
	downward := !st.Missing && st.Rung.Climbed() && st.Ladder.Below(st.To, st.Rung.Holder)
	deputy := downward && st.Deputy && !in.Until.IsZero()
	if deputy {
		downward = false
	}
	if downward {
		if why := agreementRefusal(c, in.AgreementID, st); why != "" {
			return nil, DownwardRefusal(c, st.To, st.Rung, why)
		}
	}
	data := HandoverData{From: st.Owner.ID, To: st.To.ID, Until: InstantOf(in.Until), Missing: st.Missing, AgreementEntryID: in.AgreementID, Deputy: deputy}
	if st.Missing {
		briefing = fmt.Sprintf("No hand-over: %s went away without briefing anyone. Read the record from the original request.", st.Owner.Name)
	} else if queued && briefing == "" {
		briefing = fmt.Sprintf("Taken from the team's queue by %s.", st.To.Name)
	}
	if downward {
		// The agreement this move used: it is spent (ReadLadder), and the record shows why the
		// case went below its rung.
		data.BelowRung = true
	} else {
		data.AgreementEntryID = 0 // cited for nothing: not spent
	}
	c.OwnerID = st.To.ID
	if st.To.TeamID != 0 {
		c.TeamID = st.To.TeamID
	}
	if st.Missing {
		c.AddFlag(FlagHandoverMissing)
	} else {
		c.Flags = slices.DeleteFunc(c.Flags, func(f string) bool { return f == FlagHandoverMissing }) // someone briefed now has it
	}
	from := st.IntroduceFrom
	if from.IsZero() {
		from = now
	}
	return []Draft{
		{Kind: KindHandover, Actor: by, Internal: true, Body: briefing, Data: data},
		Introduce(c.Reader, st.To, true, from, in.Until),
	}, nil
}

// CountContact notes a customer's contact on a case and reports whether it escalates: the
// limit-th contact without a public answer in between does.
func CountContact(c *Case, limit int) bool {
	if limit <= 0 {
		limit = 2
	}
	c.Unanswered++
	return c.Unanswered >= limit
}

// HandoverDraft is one thing an agent has written so far for the hand-overs of a coming
// absence: for a case (Kind "case", Key its id) the colleague chosen and a note; for a group
// of cases (Kind "group", Key such as "customer:7") the colleague and the briefing they share.
type HandoverDraft struct {
	Kind      string
	Key       string
	ToAgentID int64
	Text      string
}
