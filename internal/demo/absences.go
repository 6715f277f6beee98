package demo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// absencePlan is an absence of the demo: who, what kind, when it is entered on the desk
// (record) and when it runs. Leave is entered with a briefed hand-over of each of the agent's
// cases to covers, in turn; sickness comes without one, so the desk gives the cases to the
// agent's manager.
type absencePlan struct {
	who              *staff
	kind             desk.AbsenceKind
	record, from, to time.Time
	covers           []*staff
	actor            *staff // who enters it
}

// away reports whether the plan keeps its agent from their cases at t: from the moment it is
// entered (the cases are handed over then) until it ends. A break keeps nobody from anything.
func (ab *absencePlan) away(t time.Time) bool {
	return ab.kind != desk.AbsenceBreak && !t.Before(ab.record) && t.Before(ab.to)
}

// cover is who looks after a case of the absent agent.
func (s *seeder) cover(ab *absencePlan, st *story) *staff {
	if len(ab.covers) == 0 {
		return s.byID[ab.who.ManagerID]
	}
	return ab.covers[st.idx%len(ab.covers)]
}

// awayAt is the absence keeping the agent from their cases at t, or nil.
func (s *seeder) awayAt(a *staff, t time.Time) *absencePlan {
	for _, ab := range s.absences {
		if ab.who == a && ab.away(t) {
			return ab
		}
	}
	return nil
}

// planAbsences lays out the demo's absences around now: two weeks of leave taken some six
// weeks ago and one starting next week, both handed over with briefings; an agent who called in
// sick this morning; and a short break tomorrow. Lunch breaks are part of everyone's hours.
func (s *seeder) planAbsences() {
	day := 24 * time.Hour
	rhys, siim, petra := s.staffByEmail("rhys.morgan@"), s.staffByEmail("siim.lepik@"), s.staffByEmail("petra.babic@")
	hannah, liis, ivana := s.staffByEmail("hannah.cole@"), s.staffByEmail("liis.kukk@"), s.staffByEmail("ivana.peric@")
	tomislav := s.staffByEmail("tomislav.juric@")

	// Rhys's leave: from the end of a Friday about six weeks ago to the Monday two weeks later.
	// He hands his cases over that Friday afternoon.
	monday := localMidnight(s.base.Add(-45*day), rhys.loc)
	for monday.Weekday() != time.Monday {
		monday = monday.AddDate(0, 0, 1)
	}
	friday := monday.AddDate(0, 0, -3)
	s.absences = append(s.absences, &absencePlan{who: rhys, kind: desk.AbsenceLeave, actor: rhys,
		record: friday.Add(15 * time.Hour), from: friday.Add(17 * time.Hour), to: monday.AddDate(0, 0, 14).Add(9 * time.Hour),
		covers: []*staff{siim, petra, siim}})

	// Petra went home sick a couple of hours ago, off for the rest of three days: her lead
	// enters it, and her cases go to him without a briefing.
	reported := s.base.Add(-150 * time.Minute)
	s.absences = append(s.absences, &absencePlan{who: petra, kind: desk.AbsenceSick, actor: tomislav,
		record: reported, from: reported, to: localMidnight(reported, petra.loc).AddDate(0, 0, 3)})

	// Hannah's leave starts on the first Monday at least three days away; she hands over today.
	start := localMidnight(s.base.Add(3*day), hannah.loc)
	for start.Weekday() != time.Monday {
		start = start.AddDate(0, 0, 1)
	}
	s.absences = append(s.absences, &absencePlan{who: hannah, kind: desk.AbsenceLeave, actor: hannah,
		record: s.base.Add(-30 * time.Minute), from: start.Add(9 * time.Hour), to: start.AddDate(0, 0, 14).Add(9 * time.Hour),
		covers: []*staff{liis, ivana}})

	// Liis has an appointment on her next working afternoon.
	next := localMidnight(s.base.Add(day), liis.loc)
	for len(liis.Hours[next.Weekday()]) == 0 {
		next = next.AddDate(0, 0, 1)
	}
	s.absences = append(s.absences, &absencePlan{who: liis, kind: desk.AbsenceBreak, actor: liis,
		record: s.base.Add(-20 * time.Minute), from: next.Add(14 * time.Hour), to: next.Add(15*time.Hour + 30*time.Minute)})

	for _, ab := range s.absences {
		if ab.kind != desk.AbsenceBreak {
			ab.who.away = append(ab.who.away, desk.Absence{AgentID: ab.who.ID, Kind: ab.kind, From: ab.record, To: ab.to})
		}
		s.tl.add(ab.record, func(ctx context.Context) error { return s.recordAbsence(ctx, ab) })
	}
}

// localMidnight is the start of t's day in loc.
func localMidnight(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
}

// recordAbsence enters an absence as the desk's users would: leave with a briefed hand-over of
// every case the agent owns, sickness as it comes.
func (s *seeder) recordAbsence(ctx context.Context, ab *absencePlan) error {
	var handovers []service.CaseHandover
	if ab.kind == desk.AbsenceLeave {
		owned, err := s.svc.Cases(ctx, desk.SystemActor(), service.CaseList{OwnerID: ab.who.ID,
			Statuses: []desk.Status{desk.StatusOpen, desk.StatusAwaitingConfirmation, desk.StatusQuarantined}, Limit: 500})
		if err != nil {
			return err
		}
		slices.Reverse(owned) // oldest first, as one works through a list
		for _, c := range owned {
			st := s.byCase[c.ID]
			to := s.cover(ab, st)
			briefing, err := s.briefing(ctx, st, ab, to)
			if err != nil {
				return err
			}
			handovers = append(handovers, service.CaseHandover{CaseID: c.ID, ToAgentID: to.ID, Briefing: briefing})
		}
	}
	view, err := s.svc.AddAbsence(ctx, desk.AgentActor(ab.actor.Agent), ab.who.ID,
		desk.NewAbsence{Kind: string(ab.kind), From: ab.from, To: ab.to}, handovers)
	if err != nil {
		return fmt.Errorf("%s of %s: %w", ab.kind, ab.who.Name, err)
	}
	s.handovers += len(view.HandedOver) + len(view.ToManager)
	return nil
}

// briefing is what the leaving agent writes for the colleague taking a case: who the customer
// is, what they asked, where it stands, and what is promised.
func (s *seeder) briefing(ctx context.Context, st *story, ab *absencePlan, to *staff) (string, error) {
	sys := desk.SystemActor()
	rec, err := s.svc.Record(ctx, sys, st.id)
	if err != nil {
		return "", err
	}
	open, err := s.svc.Promises(ctx, sys, service.PromiseList{CaseID: st.id, State: desk.PromiseOpen})
	if err != nil {
		return "", err
	}
	day := func(t time.Time) string { return t.In(to.loc).Format("Mon 2 Jan") }
	var lastIn, lastOut time.Time
	for _, e := range rec {
		switch {
		case e.Kind == desk.KindMessageIn:
			lastIn = e.At
		case e.Kind == desk.KindMessageOut && e.Actor.Kind == desk.ActorAgent, e.Kind == desk.KindCall:
			lastOut = e.At
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s, this one is yours while I am on leave (back %s). ", firstName(to.Name), day(ab.to))
	fmt.Fprintf(&b, "%s writes in %s: %q. ", st.cust.Name, [...]string{"English", "Estonian", "Croatian"}[st.cust.lang], st.subject)
	switch {
	case lastOut.Before(lastIn):
		fmt.Fprintf(&b, "Their message of %s is still unanswered, so please reply first. ", day(lastIn))
	default:
		fmt.Fprintf(&b, "Last heard from them on %s; I answered on %s. ", day(lastIn), day(lastOut))
	}
	for _, p := range open {
		fmt.Fprintf(&b, "Open promise: %q, due %s. Keep it, or slip it before then and tell them why. ",
			p.Words, p.DueAt.In(to.loc).Format("Mon 2 Jan 15:04"))
	}
	if note := pick(st.pr, st.notes, st.v); note != "" {
		b.WriteString("Background: " + note + " ")
	}
	refs := []string{"account " + st.v["acc"]}
	if o := st.v["ord"]; o != "" {
		refs = append(refs, "order "+o)
	}
	if t := st.v["trk"]; t != "" {
		refs = append(refs, "tracking "+t)
	}
	fmt.Fprintf(&b, "References: %s.", strings.Join(refs, ", "))
	return b.String(), nil
}
