package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// How cases end in the demo, as on a desk that has run for months: the owner proposes a
// resolution some hours after the last answer (and after the case's promise is done), and the
// customer confirms it and often rates it, says it is not what they asked, or never answers,
// so the desk closes it unconfirmed after the team's wait. Without these the demo had no
// closed cases, no ratings and nothing for the reports to count.

// answer is what the customer does with a proposed resolution.
type answer int

const (
	answerConfirm answer = iota
	answerReject
	answerSilent
)

// resolutionPlan is a case's planned ending.
type resolutionPlan struct {
	at     time.Time // when the owner proposes it
	answer answer
	by     time.Time // when the customer answers
	score  int       // 0: no rating
	done   bool      // the proposal went through (the case was open and its promises done)
}

// planResolution decides whether and how the case ends. Its draws come from a generator of
// their own, so the rest of the demo reads as it did before cases ended.
func (s *seeder) planResolution(st *story) {
	if len(st.steps) == 0 {
		return
	}
	r := rand.New(rand.NewPCG(seed2^0x656e64, uint64(st.idx)+1))
	last := st.steps[len(st.steps)-1]
	if last.kind == stepCustomer || !chance(r, 70) {
		return // the customer waits for an answer, or the case is still being worked
	}
	at := last.at.Add(time.Duration(2+r.IntN(30)) * time.Hour)
	for _, ps := range st.steps {
		if pp := ps.promise; pp != nil {
			for p := pp; p != nil; p = p.again {
				at = later(at, p.finalDue().Add(3*time.Hour), p.keep.Add(time.Hour))
			}
		}
	}
	// A week and a bit before the demo's now, so each answer, and the desk's own closing of
	// the silent ones, has happened.
	if at.After(s.base.Add(-9 * 24 * time.Hour)) {
		return
	}
	rp := &resolutionPlan{at: at.Truncate(time.Second), by: at.Add(time.Duration(1+r.IntN(47)) * time.Hour).Truncate(time.Second)}
	switch x := r.IntN(100); {
	case x < 78:
		rp.answer = answerConfirm
		if chance(r, 80) {
			rp.score = []int{5, 5, 5, 4, 4, 4, 3, 2}[r.IntN(8)]
		}
	case x < 88:
		rp.answer = answerReject
	default:
		rp.answer = answerSilent
	}
	s.tl.add(rp.at, func(ctx context.Context) error { return s.propose(ctx, st, rp, r) })
	if rp.answer != answerSilent {
		s.tl.add(rp.by, func(ctx context.Context) error { return s.answerResolution(ctx, st, rp, r) })
	}
}

func later(t time.Time, ts ...time.Time) time.Time {
	for _, u := range ts {
		if u.After(t) {
			t = u
		}
	}
	return t
}

// propose has the owner propose the resolution, in the customer's language, when the case is
// still open and has no promise left open (an escalation or a broken promise can change what
// was planned).
func (s *seeder) propose(ctx context.Context, st *story, rp *resolutionPlan, r *rand.Rand) error {
	c, err := s.svc.Case(ctx, desk.SystemActor(), st.id)
	if err != nil {
		return err
	}
	if c.Status != desk.StatusOpen {
		return nil
	}
	for _, p := range c.Promises {
		if p.State == desk.PromiseOpen {
			return nil
		}
	}
	owner := s.byID[c.OwnerID]
	if owner == nil {
		return nil
	}
	s.speakAs(st, owner)
	st.v["ref"], st.v["action"] = c.Ref, pick(r, st.issue.actions, st.v)
	summary := pick(r, resolutionTexts[st.cust.lang].summaries, st.v)
	if _, err := s.svc.Resolve(ctx, desk.AgentActor(owner.Agent), st.id, summary); err != nil {
		return fmt.Errorf("demo resolution of case %d: %w", st.id, err)
	}
	rp.done = true
	s.entries += 2
	return nil
}

// answerResolution is the customer's answer in the portal, and their rating.
func (s *seeder) answerResolution(ctx context.Context, st *story, rp *resolutionPlan, r *rand.Rand) error {
	if !rp.done {
		return nil
	}
	c, err := s.svc.Case(ctx, desk.SystemActor(), st.id)
	if err != nil || c.Status != desk.StatusAwaitingConfirmation {
		return err
	}
	texts := resolutionTexts[st.cust.lang]
	me := desk.CustomerActor(st.cust.Customer)
	in := desk.Confirmation{Confirmed: rp.answer == answerConfirm, Via: desk.AnsweredInPortal}
	if rp.answer == answerReject {
		in.Words = pick(r, texts.rejections, st.v)
	}
	if _, err := s.svc.Confirm(ctx, me, st.id, in); err != nil {
		return fmt.Errorf("demo answer on case %d: %w", st.id, err)
	}
	s.entries += 2
	if rp.answer == answerConfirm && rp.score > 0 {
		comment := ""
		if chance(r, 50) {
			comment = pick(r, texts.comments[min(rp.score, 5)-1:], st.v)
		}
		if _, err := s.svc.Rate(ctx, me, st.id, rp.score, comment); err != nil {
			return fmt.Errorf("demo rating on case %d: %w", st.id, err)
		}
	}
	return nil
}

// resolutionTexts are the owner's resolution summaries and the customers' words, per language.
// comments run from the unhappiest to the happiest: a rating picks from its own and happier ones.
var resolutionTexts = [...]struct {
	summaries, rejections, comments []string
}{
	english: {
		summaries: []string{
			"This is sorted now: {action} If anything is still not right, tell us and we will pick it up again.",
			"We have finished on our side and everything should work as it should. Thank you for your patience, {name}.",
			"All done: the matter of {ref} is resolved. Please confirm that it works for you.",
		},
		rejections: []string{"That is not what I asked. The problem is still there.", "No, this does not solve it. Please look again."},
		comments:   []string{"It took far too long.", "It was slow, but it is fixed now.", "Fine in the end.", "Thank you, quick and clear.", "Very helpful, thank you!"},
	},
	estonian: {
		summaries: []string{
			"Asi on nüüd korras: {action} Kui midagi on veel valesti, andke teada ja võtame selle uuesti ette.",
			"Oleme omalt poolt lõpetanud ja kõik peaks töötama. Aitäh kannatlikkuse eest, {name}!",
			"Valmis: pöördumine {ref} on lahendatud. Palun kinnitage, et kõik sobib.",
		},
		rejections: []string{"See pole see, mida ma küsisin. Probleem on alles.", "Ei, see ei lahenda asja. Palun vaadake uuesti."},
		comments:   []string{"Võttis liiga kaua aega.", "Aeglane, aga nüüd korras.", "Lõpuks sai korda.", "Aitäh, kiire ja selge.", "Väga abivalmis, suur aitäh!"},
	},
	croatian: {
		summaries: []string{
			"Riješeno je: {action} Ako još nešto nije u redu, javite nam i ponovno ćemo to preuzeti.",
			"Završili smo sa svoje strane i sve bi trebalo raditi. Hvala na strpljenju, {name}.",
			"Gotovo: predmet {ref} je riješen. Molimo potvrdite da vam odgovara.",
		},
		rejections: []string{"To nije ono što sam pitao. Problem je i dalje tu.", "Ne, ovo ne rješava problem. Molim vas pogledajte ponovno."},
		comments:   []string{"Trajalo je predugo.", "Sporo, ali sada je riješeno.", "Na kraju dobro.", "Hvala, brzo i jasno.", "Vrlo ste pomogli, hvala!"},
	},
}
