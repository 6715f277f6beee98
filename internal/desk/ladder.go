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

// Depth is how far below the top of the ladder an agent stands: the number of manager_id
// links above them (the head of care, with no manager, is 0). managerOf gives an agent's manager.
func Depth(agentID int64, managerOf func(int64) int64) int {
	d := 0
	seen := map[int64]bool{}
	for id := managerOf(agentID); id != 0 && !seen[id]; id = managerOf(id) {
		seen[id] = true // a loop in manager_id must not hang the desk
		d++
	}
	return d
}

// Escalate decides what moving a case one rung up does: ownership goes to the owner's manager,
// the rung grows, and the record says why. At the top of the ladder the case stays where it is,
// and the record says so. manager is nil when the owner has none (or they are inactive).
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
	Owner, To           Agent
	OwnerDepth, ToDepth int    // Depth of each on the ladder
	Agreement           *Entry // the entry named by AgreementID, if it exists on this case
	Missing             bool   // the owner went away without a briefing (sickness): no downward check
	IntroduceFrom       time.Time
}

// HandOver decides what a hand-over does: the briefing for the new owner (internal), and the
// new owner's introduction to the customer. Once a case has climbed the ladder it does not go
// down to someone below its owner without the customer's recorded agreement.
func HandOver(c *Case, by Actor, in Handover, st HandoverState, now time.Time) ([]Draft, error) {
	if st.To.ID == c.OwnerID {
		return nil, Invalid("to_agent_id", "%s already owns the case", st.To.Name)
	}
	if !st.To.Active || st.To.Role == RolePartner {
		return nil, Invalid("to_agent_id", "%s cannot own cases (inactive or a partner)", st.To.Name)
	}
	briefing, err := checkText("briefing", strings.TrimSpace(in.Briefing), maxBody, !st.Missing)
	if err != nil {
		return nil, err
	}
	if !in.Until.IsZero() && !in.Until.After(now) {
		return nil, Invalid("until", "the end of a temporary hand-over must be in the future")
	}
	if c.Rung > 0 && st.ToDepth > st.OwnerDepth && !st.Missing {
		agreed := st.Agreement != nil && st.Agreement.CaseID == c.ID && st.Agreement.Kind == KindMessageIn && st.Agreement.Actor.Kind == ActorCustomer
		if !agreed {
			return nil, Conflict("downward_reassignment",
				fmt.Sprintf("%s has been escalated to rung %d; %s is below %s on the ladder. Hand it to someone at %s's level or above, "+
					"or name the customer's message agreeing to it as agreement_entry_id", c.Ref(), c.Rung, st.To.Name, st.Owner.Name, st.Owner.Name),
				map[string]any{"rung": c.Rung, "owner_id": st.Owner.ID})
		}
	}
	data := HandoverData{From: st.Owner.ID, To: st.To.ID, Until: InstantOf(in.Until), Missing: st.Missing, AgreementEntryID: in.AgreementID}
	if st.Missing {
		briefing = fmt.Sprintf("No hand-over: %s went away without briefing anyone. Read the record from the original request.", st.Owner.Name)
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
