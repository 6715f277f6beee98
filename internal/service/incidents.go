package service

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// Incidents (story 19). Linked cases stay separate records, each with an entry linking it.
// An incident's promise is a promise like any other, made on every linked case (promiseOn) and
// grouped: slipping or keeping any of them (the API's /promises/{id}/slip) moves the whole
// group, each promise breaks on its own case's timer and escalates as any promise does. What
// the incident tells its customers (its promise, a slip, the fix) is mailed once per customer:
// on the first of their linked cases, in their language; their other cases carry the entries
// without a mail.

// Notices of an incident, as the incident page lists who was told what.
const (
	toldPromise  = "promise"
	toldSlip     = "slip"
	toldResolved = "resolved"
	toldBroken   = "broken"
)

// IncidentView is an incident with its cases, their customers, its promises and who was told
// what.
type IncidentView struct {
	desk.Incident
	Owner     Person                `json:"owner"`
	Cases     []IncidentCaseView    `json:"cases"`
	Customers []IncidentCustomer    `json:"customers"`
	Promises  []IncidentPromiseView `json:"promises"`
	Told      []IncidentNoticeView  `json:"told"`
	byCase    map[int64]*desk.Case  // the linked cases as read
}

// IncidentCaseView is a linked case.
type IncidentCaseView struct {
	ID         int64       `json:"id"`
	Ref        string      `json:"ref"`
	Subject    string      `json:"subject"`
	Status     desk.Status `json:"status"`
	CustomerID int64       `json:"customer_id"`
	Customer   string      `json:"customer"`
}

// IncidentCustomer is a customer of a linked case.
type IncidentCustomer struct {
	ID    int64   `json:"id"`
	Name  string  `json:"name"`
	Lang  string  `json:"language"`
	Cases []int64 `json:"case_ids"`
}

// IncidentPromiseView is an incident's promise: the group's id (its first promise's, which
// /api/v1/promises/{id}/slip and /keep take), what it says and the promise on each case.
type IncidentPromiseView struct {
	ID         int64             `json:"id"`
	IncidentID int64             `json:"incident_id"`
	Kind       desk.PromiseKind  `json:"kind"`
	Words      string            `json:"words"`
	DueAt      time.Time         `json:"due_at"`
	State      desk.PromiseState `json:"state"`
	Slips      int               `json:"slips"`
	OwnerID    int64             `json:"owner_id"`
	Promises   []CasePromise     `json:"promises"`
	Told       int               `json:"customers_told"`
}

// CasePromise is an incident promise's promise on one linked case.
type CasePromise struct {
	ID     int64             `json:"id"`
	CaseID int64             `json:"case_id"`
	State  desk.PromiseState `json:"state"`
}

// IncidentNoticeView is one telling: whom, on which case, what, when.
type IncidentNoticeView struct {
	store.IncidentNotice
	Customer string `json:"customer"`
	Ref      string `json:"ref"`
}

// CreateIncident opens an incident owned by its opener (or the owner named), in a team (a
// new name creates it).
func (s *Service) CreateIncident(ctx context.Context, actor desk.Actor, in desk.NewIncident) (IncidentView, error) {
	if err := gate(actor, ActIncidentCreate); err != nil {
		return IncidentView{}, err
	}
	in, err := desk.ValidateIncident(in)
	if err != nil {
		return IncidentView{}, err
	}
	var view IncidentView
	err = s.write(ctx, actor, func(w *work) error {
		inc := desk.Incident{Title: in.Title, Area: in.Area, PublicStatus: in.PublicStatus, State: desk.IncidentOpen,
			OwnerID: in.OwnerID, CreatedBy: actor.ID, CreatedAt: w.now}
		if inc.OwnerID == 0 {
			inc.OwnerID = actor.ID
		}
		owner, err := w.agent(inc.OwnerID)
		if store.IsNotFound(err) || (err == nil && (!owner.Active || owner.Role == desk.RolePartner)) {
			return desk.Invalid("owner_id", "no active agent %d to own the incident", inc.OwnerID)
		} else if err != nil {
			return err
		}
		switch {
		case in.Team != "":
			if inc.TeamID, err = w.tx.EnsureTeam(ctx, in.Team, w.now); err != nil {
				return err
			}
		default:
			inc.TeamID = owner.TeamID
		}
		if err := w.tx.InsertIncident(ctx, &inc); err != nil {
			return err
		}
		view, err = incidentView(w, inc.ID)
		return err
	})
	return view, wrap("create incident", err)
}

// loadIncident locks an incident for a command.
func loadIncident(w *work, id int64) (desk.Incident, error) {
	inc, err := w.tx.Incident(w.ctx, id)
	if store.IsNotFound(err) {
		return inc, desk.NotFound("incident", id)
	}
	return inc, err
}

// openIncident locks an incident the command changes: open, and the actor's to run.
func openIncident(w *work, id int64, act Action) (desk.Incident, error) {
	inc, err := loadIncident(w, id)
	if err != nil {
		return inc, err
	}
	if err := w.allow(act, Object{Incident: &inc}); err != nil {
		return inc, err
	}
	if inc.State != desk.IncidentOpen {
		return inc, desk.Conflict("incident_resolved", fmt.Sprintf("the incident %q is resolved", inc.Title), map[string]any{"state": string(inc.State)})
	}
	return inc, nil
}

// Incidents lists incidents, newest first (state "": every one).
func (s *Service) Incidents(ctx context.Context, actor desk.Actor, state desk.IncidentState) ([]desk.Incident, error) {
	out, err := readTxAs(s, ctx, actor, ActIncidentRead, func(tx *store.Tx) ([]desk.Incident, error) { return tx.Incidents(ctx, state) })
	return out, wrap("list incidents", err)
}

// Incident is one incident with its cases, customers, promises and who was told what.
func (s *Service) Incident(ctx context.Context, actor desk.Actor, id int64) (IncidentView, error) {
	view, err := readAs(s, ctx, actor, ActIncidentRead, func(w *work) (IncidentView, error) { return incidentView(w, id) })
	return view, wrap("load incident", err)
}

// incidentView reads an incident and what hangs on it.
func incidentView(w *work, id int64) (IncidentView, error) {
	ctx, tx := w.ctx, w.tx
	inc, err := loadIncident(w, id)
	if err != nil {
		return IncidentView{}, err
	}
	v := IncidentView{Incident: inc, Cases: []IncidentCaseView{}, Customers: []IncidentCustomer{}, Promises: []IncidentPromiseView{},
		Told: []IncidentNoticeView{}, byCase: map[int64]*desk.Case{}}
	if owner, err := w.agent(inc.OwnerID); err == nil {
		v.Owner = Person{ID: owner.ID, Name: owner.Name, Role: string(owner.Role), Team: owner.Team}
	} else if !store.IsNotFound(err) {
		return v, err
	}
	linked, err := tx.IncidentCases(ctx, id)
	if err != nil {
		return v, err
	}
	custAt := map[int64]int{}
	for _, l := range linked {
		c, err := w.lockCase(l.CaseID)
		if err != nil {
			return v, err
		}
		cust, err := w.customer(c.CustomerID)
		if err != nil {
			return v, err
		}
		v.byCase[c.ID] = c
		v.Cases = append(v.Cases, IncidentCaseView{ID: c.ID, Ref: c.Ref(), Subject: c.Subject, Status: c.Status, CustomerID: cust.ID, Customer: cust.Name})
		i, ok := custAt[cust.ID]
		if !ok {
			i = len(v.Customers)
			custAt[cust.ID] = i
			v.Customers = append(v.Customers, IncidentCustomer{ID: cust.ID, Name: cust.Name, Lang: cust.Reader().Lang})
		}
		v.Customers[i].Cases = append(v.Customers[i].Cases, c.ID)
	}
	pairs, err := tx.IncidentPromiseIDs(ctx, id, 0)
	if err != nil {
		return v, err
	}
	for _, pr := range pairs {
		p, err := w.promise(pr[1])
		if err != nil {
			return v, err
		}
		if n := len(v.Promises); n == 0 || v.Promises[n-1].ID != pr[0] {
			v.Promises = append(v.Promises, IncidentPromiseView{ID: pr[0], IncidentID: id, Kind: p.Kind, Words: p.Words,
				DueAt: p.DueAt.UTC(), State: p.State, Slips: p.Slips, OwnerID: p.OwnerID})
		}
		g := &v.Promises[len(v.Promises)-1]
		g.Promises = append(g.Promises, CasePromise{ID: p.ID, CaseID: p.CaseID, State: p.State})
		if p.State == desk.PromiseOpen {
			g.State = desk.PromiseOpen // the group is open while any of its promises is
		}
	}
	notices, err := tx.IncidentNotices(ctx, id)
	if err != nil {
		return v, err
	}
	for _, n := range notices {
		name := ""
		if cust, err := w.customer(n.CustomerID); err == nil {
			name = cust.Name
		}
		v.Told = append(v.Told, IncidentNoticeView{IncidentNotice: n, Customer: name, Ref: desk.CaseRef(n.CaseID)})
		for i := range v.Promises {
			if n.What == toldPromise && n.RefID == v.Promises[i].ID {
				v.Promises[i].Told++
			}
		}
	}
	return v, nil
}

// tellers picks, of an incident's linked cases that count (all, with count nil), the one on
// which each customer is told: the first of theirs that mail can reach (not held as spam),
// else their first.
func tellers(v IncidentView, count func(c *desk.Case) bool) map[int64]bool {
	first := map[int64]int64{}
	for _, cv := range v.Cases {
		c := v.byCase[cv.ID]
		if count != nil && !count(c) {
			continue
		}
		cur, ok := first[c.CustomerID]
		if !ok || (v.byCase[cur].Status == desk.StatusQuarantined && c.Status != desk.StatusQuarantined) {
			first[c.CustomerID] = c.ID
		}
	}
	out := make(map[int64]bool, len(first))
	for _, id := range first {
		out[id] = true
	}
	return out
}

// LinkCases links cases to an open incident: each gets an entry linking it, and the
// incident's open promises are made on it too (its customer told of them once).
func (s *Service) LinkCases(ctx context.Context, actor desk.Actor, id int64, caseIDs []int64) (IncidentView, error) {
	if err := gate(actor, ActIncidentLink); err != nil {
		return IncidentView{}, err
	}
	if len(caseIDs) == 0 {
		return IncidentView{}, desk.Invalid("case_ids", "name at least one case")
	}
	if len(caseIDs) > 1000 {
		return IncidentView{}, desk.Invalid("case_ids", "at most 1000 cases at once")
	}
	var view IncidentView
	err := s.write(ctx, actor, func(w *work) error {
		inc, err := openIncident(w, id, ActIncidentLink)
		if err != nil {
			return err
		}
		l, err := s.incidentLinker(w, inc)
		if err != nil {
			return err
		}
		for _, caseID := range caseIDs {
			if err := l.link(w, caseID); err != nil {
				return err
			}
		}
		view, err = incidentView(w, id)
		return err
	})
	return view, wrap("link cases", err)
}

// incidentLinker links cases to one open incident in a unit of work: the one path for people
// (LinkCases) and for routing rules (automationAct's link_incident).
type incidentLinker struct {
	s     *Service
	inc   desk.Incident
	told  map[int64]bool // customers with a linked case already
	pairs [][2]int64
}

func (s *Service) incidentLinker(w *work, inc desk.Incident) (*incidentLinker, error) {
	before, err := incidentView(w, inc.ID)
	if err != nil {
		return nil, err
	}
	told := map[int64]bool{}
	for _, c := range before.byCase {
		told[c.CustomerID] = true
	}
	pairs, err := w.tx.IncidentPromiseIDs(w.ctx, inc.ID, 0)
	if err != nil {
		return nil, err
	}
	return &incidentLinker{s: s, inc: inc, told: told, pairs: pairs}, nil
}

// link links one case: its entry, and the incident's open promises on it. A case linked
// before is left as it is.
func (l *incidentLinker) link(w *work, caseID int64) error {
	c, err := w.loadCase(caseID)
	if err != nil {
		return err
	}
	if err := w.allow(ActIncidentLink, Object{Incident: &l.inc, Case: c}); err != nil {
		return err
	}
	// linked_by names an agent; an automation or the desk itself is none, so the incident's
	// owner (on whose incident it acts) stands in. The record entry names the real actor.
	by := w.actor.ID
	if w.actor.Kind != desk.ActorAgent {
		by = l.inc.OwnerID
	}
	added, err := w.tx.LinkIncidentCase(w.ctx, l.inc.ID, c.ID, by, w.now)
	if err != nil || !added {
		return err // linked before: nothing is written twice
	}
	if err := w.readByCustomer(c); err != nil {
		return err
	}
	if _, err := l.s.appendRecord(w, c, []desk.Draft{desk.LinkIncident(c, l.inc, w.actor)}); err != nil {
		return err
	}
	// A case linked later has the incident's open promises too.
	if c.Status.Active() {
		if err := l.s.promiseGroupsOn(w, l.inc, c, l.pairs, !l.told[c.CustomerID]); err != nil {
			return err
		}
	}
	l.told[c.CustomerID] = true
	return nil
}

// promiseGroupsOn makes the incident's open promises on a newly linked case; tell false keeps
// them from the customer's mail (they were told on another case).
func (s *Service) promiseGroupsOn(w *work, inc desk.Incident, c *desk.Case, pairs [][2]int64, tell bool) error {
	done := map[int64]bool{}
	for _, pr := range pairs {
		if done[pr[0]] {
			continue
		}
		head, err := w.promise(pr[1])
		if err != nil {
			return err
		}
		if head.State != desk.PromiseOpen {
			continue // this one is settled; another of the group may be open
		}
		done[pr[0]] = true
		p, err := s.promiseOn(w, c, desk.NewPromise{Kind: string(head.Kind), DueAt: head.DueAt, Words: head.Words, OwnerID: head.OwnerID})
		if err != nil {
			return err
		}
		if err := w.tx.AddIncidentPromise(w.ctx, p.ID, inc.ID, pr[0]); err != nil {
			return err
		}
		if err := w.told(inc.ID, c, tell, toldPromise, pr[0]); err != nil {
			return err
		}
	}
	return nil
}

// told records that a linked case's customer was told (tell), or keeps the case's mail from
// them when they are told on another case.
func (w *work) told(incidentID int64, c *desk.Case, tell bool, what string, ref int64) error {
	if !tell {
		w.unqueueMail(c.ID)
		return nil
	}
	return w.tx.AddIncidentNotice(w.ctx, incidentID, store.IncidentNotice{CustomerID: c.CustomerID, CaseID: c.ID, What: what, RefID: ref, At: w.now})
}

// unqueueMail drops what the command would mail on a case: its customer is told on another.
func (w *work) unqueueMail(caseID int64) {
	delete(w.notices, caseID)
	w.noticeOrder = slices.DeleteFunc(w.noticeOrder, func(id int64) bool { return id == caseID })
}

// PromiseIncident makes an incident's promise on every open linked case: one promise a case,
// owned by the incident's owner, grouped under the first one's id. Each customer is told once.
func (s *Service) PromiseIncident(ctx context.Context, actor desk.Actor, id int64, in desk.NewPromise) (IncidentPromiseView, error) {
	var group int64
	v, err := s.runIncident(ctx, actor, id, "promise incident", func(w *work, inc *desk.Incident) error {
		group = 0 // a command run again (see write) starts afresh
		var err error
		if in, err = desk.ValidatePromise(in, w.now); err != nil {
			return err
		}
		v, err := incidentView(w, id)
		if err != nil {
			return err
		}
		tell := tellers(v, func(c *desk.Case) bool { return c.Status.Active() }) // promises go on open cases only
		in.OwnerID = inc.OwnerID
		for _, cv := range v.Cases {
			c := v.byCase[cv.ID]
			if !c.Status.Active() {
				continue
			}
			p, err := s.promiseOn(w, c, in)
			if err != nil {
				return err
			}
			if group == 0 {
				group = p.ID
			}
			if err := w.tx.AddIncidentPromise(ctx, p.ID, inc.ID, group); err != nil {
				return err
			}
			if err := w.told(inc.ID, c, tell[c.ID], toldPromise, group); err != nil {
				return err
			}
		}
		if group == 0 {
			return desk.Conflict("no_open_cases", "an incident's promise is made to the customers of its open linked cases: link a case first", nil)
		}
		return nil
	})
	var out IncidentPromiseView
	for _, g := range v.Promises {
		if g.ID == group {
			out = g
		}
	}
	return out, err
}

// promiseGroup is an incident's promise: the incident, the promises of its group (the first
// first), and, of the open ones, those on which each customer is told.
type promiseGroup struct {
	inc     desk.Incident
	members []int64 // promise ids, the group's first first
	tell    map[int64]bool
}

// groupOf is the incident promise group of a promise; nil when it is its case's own.
func groupOf(w *work, p *desk.Promise) (*promiseGroup, error) {
	incID, groupID, ok, err := w.tx.IncidentPromise(w.ctx, p.ID)
	if err != nil || !ok {
		return nil, err
	}
	inc, err := loadIncident(w, incID)
	if err != nil {
		return nil, err
	}
	pairs, err := w.tx.IncidentPromiseIDs(w.ctx, incID, groupID)
	if err != nil {
		return nil, err
	}
	g := &promiseGroup{inc: inc, tell: map[int64]bool{}}
	seen := map[int64]bool{}
	for _, pr := range pairs {
		m, err := w.promise(pr[1])
		if err != nil {
			return nil, err
		}
		c, err := w.lockCase(m.CaseID)
		if err != nil {
			return nil, err
		}
		g.members = append(g.members, m.ID)
		if m.State == desk.PromiseOpen && !seen[c.CustomerID] && c.Status != desk.StatusQuarantined {
			seen[c.CustomerID] = true
			g.tell[m.ID] = true
		}
	}
	return g, nil
}

// slipGroup slips a promise; an incident's promise slips on every linked case, each customer
// told once, in their language.
func (s *Service) slipGroup(w *work, p *desk.Promise, c *desk.Case, in desk.Slip) error {
	g, err := groupOf(w, p)
	if err != nil {
		return err
	}
	if g == nil {
		return s.slipOn(w, p, c, in, true)
	}
	return eachOpen(w, g.members, func(m *desk.Promise, mc *desk.Case) error {
		if err := w.readByCustomer(mc); err != nil {
			return err
		}
		one := in
		one.Message = mc.Reader.IncidentSlipLead(g.inc.Title) + "\n\n" + in.Message
		if err := s.slipOn(w, m, mc, one, g.tell[m.ID]); err != nil || !g.tell[m.ID] {
			return err
		}
		return w.tx.AddIncidentNotice(w.ctx, g.inc.ID, store.IncidentNotice{CustomerID: mc.CustomerID, CaseID: mc.ID, What: toldSlip, RefID: g.members[0], At: w.now})
	})
}

// keepGroup keeps a promise; an incident's promise is kept on every linked case.
func (s *Service) keepGroup(w *work, p *desk.Promise, c *desk.Case, note string) error {
	g, err := groupOf(w, p)
	if err != nil {
		return err
	}
	if g == nil {
		return s.keepOn(w, p, c, note)
	}
	return s.keepMembers(w, g.members, note)
}

// keepMembers keeps the open promises of an incident's group.
func (s *Service) keepMembers(w *work, ids []int64, note string) error {
	return eachOpen(w, ids, func(m *desk.Promise, mc *desk.Case) error { return s.keepOn(w, m, mc, note) })
}

// eachOpen runs fn for each open promise of ids, with its case locked.
func eachOpen(w *work, ids []int64, fn func(p *desk.Promise, c *desk.Case) error) error {
	for _, id := range ids {
		p, err := w.promise(id)
		if err != nil {
			return err
		}
		if p.State != desk.PromiseOpen {
			continue
		}
		c, err := w.lockCase(p.CaseID)
		if err != nil {
			return err
		}
		if err := fn(p, c); err != nil {
			return err
		}
	}
	return nil
}

// runIncident runs a command of an open incident's owner or team (incident.run) and answers
// the incident as it left it.
func (s *Service) runIncident(ctx context.Context, actor desk.Actor, id int64, what string, fn func(w *work, inc *desk.Incident) error) (IncidentView, error) {
	view, err := writeAs(s, ctx, actor, ActIncidentRun, func(w *work) (IncidentView, error) {
		inc, err := openIncident(w, id, ActIncidentRun)
		if err != nil {
			return IncidentView{}, err
		}
		if err := fn(w, &inc); err != nil {
			return IncidentView{}, err
		}
		return incidentView(w, id)
	})
	return view, wrap(what, err)
}

// ResolveIncident records the fix: every linked case gets an entry, each customer is told
// once in their language, and the incident's open promises are kept.
func (s *Service) ResolveIncident(ctx context.Context, actor desk.Actor, id int64, summary string) (IncidentView, error) {
	return s.runIncident(ctx, actor, id, "resolve incident", func(w *work, inc *desk.Incident) error {
		summary, err := desk.ValidateIncidentText("summary", summary)
		if err != nil {
			return err
		}
		v, err := incidentView(w, inc.ID)
		if err != nil {
			return err
		}
		now := w.now
		inc.State, inc.Summary, inc.ResolvedAt = desk.IncidentResolved, summary, &now
		if err := w.tx.SaveIncident(w.ctx, *inc); err != nil {
			return err
		}
		pairs, err := w.tx.IncidentPromiseIDs(w.ctx, inc.ID, 0)
		if err != nil {
			return err
		}
		ids := make([]int64, len(pairs))
		for i, pr := range pairs {
			ids[i] = pr[1]
		}
		if err := s.keepMembers(w, ids, summary); err != nil {
			return err
		}
		tell := tellers(v, nil)
		for _, cv := range v.Cases {
			c := v.byCase[cv.ID]
			if err := w.readByCustomer(c); err != nil {
				return err
			}
			if _, err := s.appendRecord(w, c, desk.ResolveIncident(c, *inc, w.actor, tell[c.ID])); err != nil {
				return err
			}
			if tell[c.ID] {
				if err := w.told(inc.ID, c, true, toldResolved, 0); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// SetIncidentStatus changes what the linked customers read of an open incident in the portal.
func (s *Service) SetIncidentStatus(ctx context.Context, actor desk.Actor, id int64, status string) (IncidentView, error) {
	return s.runIncident(ctx, actor, id, "set incident status", func(w *work, inc *desk.Incident) error {
		status, err := desk.ValidateIncidentText("public_status", status)
		if err != nil {
			return err
		}
		inc.PublicStatus = status
		return w.tx.SaveIncident(w.ctx, *inc)
	})
}

// caseIncidents are the incidents a case is linked to (its customer's portal and the decision
// evidence show them).
func caseIncidents(w *work, caseID int64) ([]desk.Incident, error) {
	return w.tx.IncidentsOfCase(w.ctx, caseID)
}

// incidentBreak follows a break of an incident's promise on one case: its customer reads the
// apology once (on the first of their cases to break; the others keep theirs on the record),
// and the incident's owner is told once for the group.
func (s *Service) incidentBreak(w *work, p *desk.Promise, c *desk.Case) error {
	incID, groupID, ok, err := w.incidentPromise(p.ID)
	if err != nil || !ok {
		return err
	}
	told, err := w.tx.WasTold(w.ctx, incID, c.CustomerID, toldBroken, groupID)
	if err != nil {
		return err
	}
	if told {
		w.unqueueMail(c.ID)
		return nil
	}
	notices, err := w.tx.IncidentNotices(w.ctx, incID)
	if err != nil {
		return err
	}
	first := !slices.ContainsFunc(notices, func(n store.IncidentNotice) bool { return n.What == toldBroken && n.RefID == groupID })
	if err := w.tx.AddIncidentNotice(w.ctx, incID, store.IncidentNotice{CustomerID: c.CustomerID, CaseID: c.ID, What: toldBroken, RefID: groupID, At: w.now}); err != nil {
		return err
	}
	if !first {
		return nil
	}
	inc, err := loadIncident(w, incID)
	if err != nil {
		return err
	}
	owner, err := w.agent(inc.OwnerID)
	if err != nil {
		return err
	}
	body := fmt.Sprintf("The promise of the incident %q (%q) was due %s and was not kept: each linked case escalates, and its customer is told once.",
		inc.Title, p.Words, p.DueAt.In(owner.Location()).Format("Mon 2 Jan 15:04 MST"))
	n := desk.Notification{AgentID: inc.OwnerID, CaseID: c.ID, Kind: "incident_promise_broken", CreatedAt: w.now}
	return w.tx.Notify(w.ctx, n.Note(body, "notif.detail.incident_promise_broken", desk.TextArg(inc.Title), desk.TextArg(p.Words), desk.TimeArg(p.DueAt)))
}

// incidentPromise is the incident and group of a promise made for an incident (ok false: its
// case's own), read once per command; a batch of breaks has read them all (loadIncidentPromises).
func (w *work) incidentPromise(promiseID int64) (incidentID, groupID int64, ok bool, err error) {
	if r, known := w.incidentOf[promiseID]; known {
		return r.IncidentID, r.GroupID, r.PromiseID != 0, nil
	}
	return w.tx.IncidentPromise(w.ctx, promiseID)
}

// loadIncidentPromises reads set-wise, for a batch, which of the promises are incidents'.
func (w *work) loadIncidentPromises(ids []int64) error {
	got, err := w.tx.IncidentPromisesOf(w.ctx, ids)
	if err != nil {
		return err
	}
	if w.incidentOf == nil {
		w.incidentOf = map[int64]store.IncidentPromiseRef{}
	}
	for _, id := range ids {
		w.incidentOf[id] = got[id] // the zero value: known not to be an incident's
	}
	return nil
}
