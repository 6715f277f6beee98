package api

import (
	"net/http"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

type promiseIn struct {
	Kind    string `json:"kind"`
	DueAt   string `json:"due_at"`
	Words   string `json:"words"`
	Place   string `json:"place,omitempty"`
	OwnerID ID     `json:"owner_id,omitempty"`
}

// promise is the promise asked for, its due time read (the owner is left to the caller: an
// incident's promises are its owner's).
func (in promiseIn) promise() (desk.NewPromise, error) {
	due, err := parseTime("due_at", in.DueAt)
	return desk.NewPromise{Kind: in.Kind, DueAt: due, Words: in.Words, Place: in.Place}, err
}

type keepIn struct {
	Note string `json:"note,omitempty"`
}

type slipIn struct {
	DueAt             string `json:"due_at"`
	Reason            string `json:"reason"`
	MessageToCustomer string `json:"message_to_customer"`
	Words             string `json:"words,omitempty"` // the promise restated for the new time
}

type handoverIn struct {
	ToAgentID        ID     `json:"to_agent_id"`
	Briefing         string `json:"briefing"`
	Until            string `json:"until,omitempty"`
	AgreementEntryID ID     `json:"agreement_entry_id,omitempty"`
}

type agreementRequestIn struct {
	ToAgentID ID     `json:"to_agent_id"`
	Message   string `json:"message,omitempty"`
}

type escalateIn struct {
	Reason string `json:"reason"`
}

type caseHandoverIn struct {
	CaseID    ID     `json:"case_id"`
	ToAgentID ID     `json:"to_agent_id"`
	Briefing  string `json:"briefing"`
}

type absenceIn struct {
	Kind      string           `json:"kind"`
	From      string           `json:"from"`
	To        string           `json:"to"`
	Handovers []caseHandoverIn `json:"handovers,omitempty"`
}

type absenceChangeIn struct {
	To string `json:"to"`
}

type bulkHandoverIn struct {
	Until     string           `json:"until,omitempty"`
	Handovers []caseHandoverIn `json:"handovers"`
}

type bulkHandoverAnswer struct {
	HandedOver []string `json:"handed_over"`
}

type teamIn struct {
	ConfirmWaitS      *int64               `json:"confirm_wait_s,omitempty"`
	ResponseTargetS   *int64               `json:"response_target_s,omitempty"`
	ResolutionTargetS *int64               `json:"resolution_target_s,omitempty"`
	RepeatContacts    *int                 `json:"repeat_contacts,omitempty"`
	RepeatWindowS     *int64               `json:"repeat_window_s,omitempty"` // a new contact this soon after a case closed counts it unresolved
	ReviewShare       *int                 `json:"review_share,omitempty"`    // per cent of each agent's closed cases drawn weekly for review
	RemindersS        []int64              `json:"reminders_s,omitempty"`
	Timezone          *string              `json:"timezone,omitempty"`
	BusinessHours     *map[string][]string `json:"business_hours,omitempty"` // {}: round the clock
	Holidays          *[]string            `json:"holidays,omitempty"`
	HolidaysICS       string               `json:"holidays_ics,omitempty"` // a holiday calendar's text, its whole days added
	Addresses         *[]string            `json:"addresses,omitempty"`
	Language          *string              `json:"language,omitempty"` // the team's default language (en, et, hr; "" none)
}

type teamAnswer struct {
	ConfirmWaitS      int64       `json:"confirm_wait_s"`
	ID                int64       `json:"id"`
	Name              string      `json:"name"`
	ResponseTargetS   int64       `json:"response_target_s"`
	ResolutionTargetS int64       `json:"resolution_target_s"` // 0: no target
	RepeatContacts    int         `json:"repeat_contacts"`
	RepeatWindowS     int64       `json:"repeat_window_s"`
	ReviewShare       int         `json:"review_share"`
	RemindersS        []int64     `json:"reminders_s"`
	Timezone          string      `json:"timezone"`
	BusinessHours     *desk.Hours `json:"business_hours"` // null: round the clock
	Holidays          []string    `json:"holidays"`
	Addresses         []string    `json:"addresses"`
	Language          string      `json:"language"` // "": none; a customer who never chose one reads the desk in it
}

func answerTeam(t desk.TeamSettings) teamAnswer {
	out := teamAnswer{ConfirmWaitS: int64(t.ConfirmWait / time.Second), ID: t.ID, Name: t.Name, ResponseTargetS: int64(t.ResponseTarget / time.Second),
		ResolutionTargetS: int64(t.ResolutionTarget / time.Second), RepeatContacts: t.RepeatContacts,
		RepeatWindowS: int64(t.RepeatWindow / time.Second), ReviewShare: t.ReviewShare, RemindersS: []int64{}, Timezone: t.Timezone,
		BusinessHours: t.BusinessHours, Holidays: t.Holidays, Addresses: t.Addresses, Language: t.Language}
	for _, d := range t.ReminderOffsets {
		out.RemindersS = append(out.RemindersS, int64(d/time.Second))
	}
	if out.Holidays == nil {
		out.Holidays = []string{}
	}
	if out.Addresses == nil {
		out.Addresses = []string{}
	}
	return out
}

type slipCounts struct {
	Agents []desk.SlipCount `json:"agents"`
	Teams  []desk.SlipCount `json:"teams"`
}

func (s *Server) promiseRoutes() []route {
	return []route{
		{method: "POST", path: "/api/v1/cases/{id}/promises", summary: "Make a promise to the customer: kind, due time and the exact words. " +
			"The answer's estimate says how long such promises took (null while history is short); 409 owner_unavailable offers free_slots.",
			status: http.StatusCreated, body: promiseIn{}, answer: service.PromiseView{}, handle: withIDBody(decode, s.makePromise)},
		{method: "POST", path: "/api/v1/promises/{id}/keep", summary: "Record that a promise was kept.",
			status: http.StatusOK, body: keepIn{}, answer: service.PromiseView{}, handle: withIDBody(decodeOptional, s.keepPromise)},
		{method: "POST", path: "/api/v1/promises/{id}/slip", summary: "Move a promise's due time: a reason and a message to the customer are required. The second slip escalates.",
			status: http.StatusOK, body: slipIn{}, answer: service.PromiseView{}, handle: withIDBody(decode, s.slipPromise)},
		{method: "GET", path: "/api/v1/promises", summary: "Promises with their words, maker and owner, soonest due first.", status: http.StatusOK,
			answer: []service.PromiseView{}, query: []param{{"state", "open, kept or broken"}, {"team", "a team's name"}, {"owner_id", "an agent's id"},
				{"case_id", "a case's id"}, {"limit", "at most this many (default 500, max 1000)"}},
			handle: s.listPromises},
		{method: "GET", path: "/api/v1/slips", summary: "Slips per agent and per team.", status: http.StatusOK, answer: slipCounts{},
			query: []param{{"since", "RFC 3339 time (default: 30 days ago)"}}, handle: s.slips},
		{method: "POST", path: "/api/v1/cases/{id}/handover", summary: "Hand the case to a colleague with a written briefing; the customer is introduced to them. " +
			"409 downward_reassignment when an escalated case would go below its owner without the customer's agreement (agreement_entry_id).",
			status: http.StatusOK, body: handoverIn{}, answer: service.CaseView{}, handle: withIDBody(decode, s.handover)},
		{method: "POST", path: "/api/v1/cases/{id}/agreement-requests", summary: "Ask the customer to agree to handing the escalated case to a colleague below its rung " +
			"(to_agent_id, optional message: why them). The question goes on the record in the customer's language and by mail with one-time links to agree or decline; " +
			"the customer's handover_agreed answer (answer_entry_id) is what a hand-over names as agreement_entry_id.",
			status: http.StatusCreated, body: agreementRequestIn{}, answer: service.HandoverQuestion{}, handle: withIDBody(decode, s.askAgreement)},
		{method: "GET", path: "/api/v1/cases/{id}/agreement-requests", summary: "The last question asked since the case last climbed and the customer's answer " +
			"(answer: \"\", agreed or declined; answer_entry_id), or null.",
			status: http.StatusOK, answer: &service.HandoverQuestion{}, handle: byID((*service.Service).HandoverQuestionOf)},
		{method: "POST", path: "/api/v1/cases/{id}/escalate", summary: "Move the case one rung up the ladder (the owner's manager) at an agent's or the customer's request.",
			status: http.StatusOK, body: escalateIn{}, answer: service.CaseView{}, handle: withIDBody(decode, s.escalate)},
		{method: "POST", path: "/api/v1/agents/{id}/absences", summary: "Record a break, leave or sickness. Leave answers 409 handover_required listing the agent's open cases " +
			"unless handovers (a colleague and a briefing per case) come with it; sickness sends the cases to the manager.",
			status: http.StatusCreated, body: absenceIn{}, answer: service.AbsenceView{}, handle: withIDBody(decode, s.addAbsence)},
		{method: "GET", path: "/api/v1/agents/{id}/absences", summary: "An agent's current and coming absences.",
			status: http.StatusOK, answer: []desk.Absence{}, handle: byID((*service.Service).Absences)},
		{method: "PATCH", path: "/api/v1/agents/{id}/absences/{absence_id}", summary: "Shorten an absence (a new, earlier to). The cases it had handed over come back at the new end; each case's record says so.",
			status: http.StatusOK, body: absenceChangeIn{}, answer: service.AbsenceChangeView{}, handle: s.shortenAbsence},
		{method: "DELETE", path: "/api/v1/agents/{id}/absences/{absence_id}", summary: "Cancel an absence (one that has started ends now). The cases it had handed over come back; each case's record says so.",
			status: http.StatusOK, answer: service.AbsenceChangeView{}, handle: s.cancelAbsence},
		{method: "POST", path: "/api/v1/handovers", summary: "Hand several cases over at once, each with its own colleague and briefing.",
			status: http.StatusOK, body: bulkHandoverIn{}, answer: bulkHandoverAnswer{}, handle: withBody(s.bulkHandover)},
		{method: "GET", path: "/api/v1/notifications", summary: "The token's agent's newest notifications (reminders, escalations, hand-overs).",
			status: http.StatusOK, answer: []desk.Notification{}, handle: byActor((*service.Service).Notifications)},
		{method: "POST", path: "/api/v1/notifications/read", summary: "Mark the token's agent's notifications read, up to up_to (an id; none or 0: all of them).",
			status: http.StatusOK, body: notificationsReadIn{}, answer: notificationsReadAnswer{}, handle: withBody(s.notificationsRead)},
		{method: "GET", path: "/api/v1/teams", summary: "Every team with its targets, calendar (time zone, business hours, holidays) and addresses.",
			status: http.StatusOK, answer: []teamAnswer{}, handle: s.listTeams},
		{method: "PUT", path: "/api/v1/teams/{name}", summary: "Set a team's targets (response and resolution, counted in its business hours), repeat-contact limit, promise reminders, " +
			"time zone, business hours, holidays and addresses; fields not given are unchanged (a new name creates the team). " +
			"holidays_ics takes a holiday calendar's text (an .ics file): its whole-day events from a year ago to three years ahead are added to the holidays.",
			status: http.StatusOK, body: teamIn{}, answer: teamAnswer{}, handle: withBody(s.setTeam)},
		{method: "PATCH", path: "/api/v1/teams/{name}", summary: "Change an existing team's settings as PUT does (fields not given are unchanged, language among them); " +
			"a team that does not exist is not found, not created.",
			status: http.StatusOK, body: teamIn{}, answer: teamAnswer{}, handle: s.patchTeam},
	}
}

func (s *Server) makePromise(r *http.Request, svc *service.Service, a desk.Actor, id int64, in promiseIn) (any, error) {
	p, err := in.promise()
	if err != nil {
		return nil, err
	}
	p.OwnerID = int64(in.OwnerID)
	return svc.MakePromise(r.Context(), a, id, p)
}

func (s *Server) keepPromise(r *http.Request, svc *service.Service, a desk.Actor, id int64, in keepIn) (any, error) {
	return svc.KeepPromise(r.Context(), a, id, in.Note)
}

func (s *Server) slipPromise(r *http.Request, svc *service.Service, a desk.Actor, id int64, in slipIn) (any, error) {
	due, err := parseTime("due_at", in.DueAt)
	if err != nil {
		return nil, err
	}
	return svc.SlipPromise(r.Context(), a, id, desk.Slip{DueAt: due, Reason: in.Reason, Message: in.MessageToCustomer, Words: in.Words})
}

func (s *Server) listPromises(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	q := r.URL.Query()
	f := service.PromiseList{State: desk.PromiseState(q.Get("state")), Team: q.Get("team")}
	switch f.State {
	case "", desk.PromiseOpen, desk.PromiseKept, desk.PromiseBroken:
	default:
		return nil, desk.Invalid("state", "use open, kept or broken")
	}
	if err := queryIDs(r, []idParam{{"owner_id", &f.OwnerID}, {"case_id", &f.CaseID}}, &f.Limit, 1000); err != nil {
		return nil, err
	}
	return svc.Promises(r.Context(), a, f)
}

func (s *Server) slips(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	from, err := since(r)
	if err != nil {
		return nil, err
	}
	counts, err := svc.SlipCounts(r.Context(), a, from)
	if err != nil {
		return nil, err
	}
	return slipCounts{Agents: counts["agents"], Teams: counts["teams"]}, nil
}

func (s *Server) handover(r *http.Request, svc *service.Service, a desk.Actor, id int64, in handoverIn) (any, error) {
	until, err := parseTime("until", in.Until)
	if err != nil {
		return nil, err
	}
	return svc.HandOver(r.Context(), a, id, desk.Handover{ToAgentID: int64(in.ToAgentID), Briefing: in.Briefing, Until: until, AgreementID: int64(in.AgreementEntryID)})
}

func (s *Server) askAgreement(r *http.Request, svc *service.Service, a desk.Actor, id int64, in agreementRequestIn) (any, error) {
	return svc.AskHandoverAgreement(r.Context(), a, id, desk.HandoverAsk{ToAgentID: int64(in.ToAgentID), Message: in.Message})
}

func (s *Server) escalate(r *http.Request, svc *service.Service, a desk.Actor, id int64, in escalateIn) (any, error) {
	return svc.Escalate(r.Context(), a, id, in.Reason)
}

func caseHandovers(in []caseHandoverIn) []service.CaseHandover {
	out := make([]service.CaseHandover, len(in))
	for i, h := range in {
		out[i] = service.CaseHandover{CaseID: int64(h.CaseID), ToAgentID: int64(h.ToAgentID), Briefing: h.Briefing}
	}
	return out
}

func (s *Server) addAbsence(r *http.Request, svc *service.Service, a desk.Actor, id int64, in absenceIn) (any, error) {
	from, err := parseTime("from", in.From)
	if err != nil {
		return nil, err
	}
	to, err := parseTime("to", in.To)
	if err != nil {
		return nil, err
	}
	return svc.AddAbsence(r.Context(), a, id, desk.NewAbsence{Kind: in.Kind, From: from, To: to}, caseHandovers(in.Handovers))
}

func (s *Server) shortenAbsence(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	id, absence, err := pathIDs(r, "absence_id")
	if err != nil {
		return nil, err
	}
	var in absenceChangeIn
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	to, err := parseTime("to", in.To)
	if err != nil {
		return nil, err
	}
	return svc.ChangeAbsence(r.Context(), a, id, absence, desk.AbsenceChange{To: to})
}

func (s *Server) cancelAbsence(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	id, absence, err := pathIDs(r, "absence_id")
	if err != nil {
		return nil, err
	}
	return svc.ChangeAbsence(r.Context(), a, id, absence, desk.AbsenceChange{Cancel: true})
}

func (s *Server) bulkHandover(r *http.Request, svc *service.Service, a desk.Actor, in bulkHandoverIn) (any, error) {
	until, err := parseTime("until", in.Until)
	if err != nil {
		return nil, err
	}
	refs, err := svc.BulkHandOver(r.Context(), a, caseHandovers(in.Handovers), until)
	if err != nil {
		return nil, err
	}
	return bulkHandoverAnswer{HandedOver: refs}, nil
}

type notificationsReadIn struct {
	UpTo int64 `json:"up_to,omitempty"`
}

type notificationsReadAnswer struct {
	Marked int64 `json:"marked"` // how many were unread
}

func (s *Server) notificationsRead(r *http.Request, svc *service.Service, a desk.Actor, in notificationsReadIn) (any, error) {
	n, err := svc.MarkNotificationsRead(r.Context(), a, in.UpTo)
	return notificationsReadAnswer{Marked: n}, err
}

// patchTeam changes a team that exists (PUT also creates one).
func (s *Server) patchTeam(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	if _, err := svc.TeamToEdit(r.Context(), a, r.PathValue("name")); err != nil {
		return nil, err
	}
	return withBody(s.setTeam)(r, svc, a)
}

func (s *Server) setTeam(r *http.Request, svc *service.Service, a desk.Actor, in teamIn) (any, error) {
	set := service.TeamSettingsIn{ResponseTarget: seconds(in.ResponseTargetS), ResolutionTarget: seconds(in.ResolutionTargetS),
		RepeatContacts: in.RepeatContacts, RepeatWindow: seconds(in.RepeatWindowS), ReviewShare: in.ReviewShare, ConfirmWait: seconds(in.ConfirmWaitS),
		Timezone: in.Timezone, BusinessHours: in.BusinessHours, Holidays: listCopy(in.Holidays), HolidaysICS: []byte(in.HolidaysICS),
		Addresses: listCopy(in.Addresses), Language: in.Language}
	if in.RemindersS != nil {
		set.ReminderOffsets = []time.Duration{}
		for _, v := range in.RemindersS {
			set.ReminderOffsets = append(set.ReminderOffsets, time.Duration(v)*time.Second)
		}
	}
	t, err := svc.SetTeamSettings(r.Context(), a, r.PathValue("name"), set)
	if err != nil {
		return nil, err
	}
	return answerTeam(t), nil
}

func (s *Server) listTeams(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	teams, err := svc.Teams(r.Context(), a)
	if err != nil {
		return nil, err
	}
	out := make([]teamAnswer, len(teams))
	for i, t := range teams {
		out[i] = answerTeam(t)
	}
	return out, nil
}
