package service

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// The permission table: for each command and read, who may run it and on what. Every command
// asks here (s.gate before it starts, w.allow once it has loaded what it acts on), so the API,
// the pages, the portal, mail and timers get the same answer, and the pages ask May to show a
// button only to those the command would let through. docs/permissions.md is written from this
// table (TestPermissionsDoc), and the matrix test walks every route against it.

// Action names one command or read.
type Action string

// Actions, by the object they act on.
const (
	ActPublic Action = "public" // pages anyone may open (sign-in, static files, health)
	ActLink   Action = "link"   // pages that a secret in the link opens (portal sign-in, answers, feeds)

	ActCustomerCreate    Action = "customer.create"
	ActCustomerRead      Action = "customer.read"
	ActCustomerReference Action = "customer.reference"

	ActAgentCreate     Action = "agent.create"
	ActAgentRead       Action = "agent.read"
	ActAgentDeactivate Action = "agent.deactivate"
	ActAgentUpdate     Action = "agent.update"
	// ActAgentPasswordReset mails an agent a one-time link to set a new password.
	ActAgentPasswordReset Action = "agent.password_reset"

	ActCaseOpen      Action = "case.open"
	ActCaseList      Action = "case.list"
	ActCaseRead      Action = "case.read"
	ActCaseReply     Action = "case.reply"
	ActCaseCall      Action = "case.call"
	ActCaseStep      Action = "case.step"
	ActCaseReference Action = "case.reference"
	ActCaseEscalate  Action = "case.escalate"
	ActCaseHandover  Action = "case.handover"
	ActCaseAsk       Action = "case.ask_agreement"
	ActCaseResolve   Action = "case.resolve"
	ActCaseReopen    Action = "case.reopen"
	ActCaseRelease   Action = "case.release"
	ActCasePartner   Action = "case.partner"
	ActCaseSearch    Action = "case.search"
	ActCaseLabel     Action = "case.label"  // a case's priority and tags
	ActCaseBulk      Action = "case.bulk"   // one action on the cases checked in the inbox
	ActCaseCopies    Action = "case.copies" // who a case's replies are copied to (cc, bcc)
	ActCaseWait      Action = "case.wait"   // set a case waiting on its customer, or take it back
	ActCaseMerge     Action = "case.merge"  // merge a case into another of the same customer

	ActPromiseMake Action = "promise.make"
	ActPromiseRead Action = "promise.read"
	ActPromiseKeep Action = "promise.keep"
	ActPromiseSlip Action = "promise.slip"

	ActResolutionConfirm Action = "resolution.confirm"
	ActInboundReceive    Action = "inbound.receive"

	ActDocumentAdd   Action = "document.add"
	ActDocumentRead  Action = "document.read"
	ActRecordingAdd  Action = "recording.add"
	ActRecordingHear Action = "recording.hear"
	ActMailRead      Action = "mail.read"
	ActCaseOutbox    Action = "case.outbox"
	ActMailResend    Action = "mail.resend"

	ActAbsenceAdd    Action = "absence.add"
	ActAbsenceChange Action = "absence.change"
	ActAbsenceRead   Action = "absence.read"
	ActAbsenceDraft  Action = "absence.draft" // the drafts of a bulk hand-over before a leave

	ActTeamRead     Action = "team.read"
	ActTeamView     Action = "team.view"
	ActTeamSettings Action = "team.settings"
	ActReports      Action = "report.read"
	ActReviewRead   Action = "review.read"   // quality reviews of closed cases
	ActReviewScore  Action = "review.score"  // score a drawn case on the rubric
	ActReviewAnswer Action = "review.answer" // the agent answers a review of their case
	ActRubric       Action = "review.rubric" // define the review rubric's criteria

	ActCaseTypeCreate Action = "casetype.create"
	ActCaseTypeUpdate Action = "casetype.update"
	ActCannedCreate   Action = "canned.create"
	ActCannedChange   Action = "canned.change" // edit or delete a canned reply
	ActAdminView      Action = "admin.view"    // the administration screens' lists
	ActAdminLog       Action = "admin.log"     // the admin log of every administrative change
	ActDeskRead       Action = "desk.read"     // case types, canned replies
	ActPartnerCreate  Action = "partner.create"
	ActPartnerUpdate  Action = "partner.update" // rename a partner, stop or resume handing it cases
	ActPartnerRead    Action = "partner.read"

	ActTokenCreate Action = "token.create"
	ActTokenList   Action = "token.list"
	ActTokenRevoke Action = "token.revoke"
	ActFeedCreate  Action = "feed.create"
	ActFeedRevoke  Action = "feed.revoke"

	ActOwnRead              Action = "self.read"               // one's own inbox, notifications, calendar feed page
	ActOwnNotificationsRead Action = "self.notifications_read" // marking one's own notifications read
	ActOwnViews             Action = "self.views"              // one's own saved inbox views
	ActOwnPassword          Action = "self.password"           // one's own password, changed while signed in
	ActOwnFactor            Action = "self.second_factor"      // one's own second factor (TOTP), set up or turned off

	ActSecondFactorReset  Action = "agent.second_factor_reset" // remove an agent's second factor (a lost phone)
	ActSecondFactorPolicy Action = "desk.second_factor"        // require a second factor of every agent

	ActWebhooks Action = "webhooks.manage" // register webhook endpoints, read their deliveries

	ActAutomations   Action = "automations.manage" // set up automations
	ActAutomationRun Action = "automation.act"     // what an automation may do, as itself

	ActClockRead    Action = "clock.read"    // whether the timers trust the wall clock
	ActClockConfirm Action = "clock.confirm" // an admin's word that the wall clock is right
	ActPortal       Action = "portal.use"    // the customer's own cases in the portal
	ActExport       Action = "case.export"   // the record as a verifiable file (JSON or PDF)
	ActImport       Action = "desk.import"   // history brought in from another desk (kept import)

	ActCustomerExport Action = "customer.export" // a customer's data as one archive, for a data request

	ActIncidentCreate Action = "incident.create"
	ActIncidentRead   Action = "incident.read"
	ActIncidentLink   Action = "incident.link"
	ActIncidentRun    Action = "incident.run" // its promises, public status and resolution

	ActDecisionMake    Action = "decision.make"
	ActDecisionRead    Action = "decision.read"
	ActDecisionApprove Action = "decision.approve"
	ActDecisionPolicy  Action = "decision.policy"

	ActPortalRequest Action = "portal.request" // a customer opens a case in the portal
	ActEmbedRequest  Action = "embed.request"  // a visitor sends a request from a company's site
)

// Object is what an action is done to, as far as the command has loaded it.
type Object struct {
	Case    *desk.Case
	Promise *desk.Promise
	Agent   *desk.Agent // the agent acted on: whose absence, who is deactivated, the new agent
	TeamID  int64       // the team whose settings change
	// An incident acted on; a decision to approve or refuse.
	Incident *desk.Incident
	Decision *desk.Decision
	Canned   *desk.CannedReply // a canned reply made, changed or deleted
}

// Rule is one row of the table.
type Rule struct {
	Action Action
	Who    string   // who may, in words (docs/permissions.md)
	Routes []string // "METHOD /path" of the API calls and pages that run it
	// gate is who may run the action at all (no I/O); on, when set, decides on the object.
	gate func(a desk.Actor) bool
	on   func(w *work, o Object) (bool, error)
}

// Rules is the permission table, in the order docs/permissions.md lists it.
func Rules() []Rule { return slices.Clone(rules) }

var rules = []Rule{
	{Action: ActPublic, Who: "anyone", gate: anyone,
		Routes: []string{"GET /healthz", "GET /readyz", "GET /metrics", "GET /static/{file}", "GET /{$}", "GET /login", "POST /login", "POST /logout", "POST /lang",
			"GET /portal/login", "POST /portal/login", "/", "/api/", "GET /api/v1/openapi.json",
			"GET /login/reset", "POST /login/reset", "GET /login/sso", "GET /login/sso/callback"}},
	{Action: ActLink, Who: "whoever holds the link's secret (the customer it was mailed to, an agent's calendar)", gate: anyone,
		Routes: []string{"GET /portal/signin", "POST /portal/signin", "GET /portal/handover", "POST /portal/handover",
			"GET /portal/resolution", "POST /portal/resolution", "POST /portal/resolution/rating", "GET /calendar/{file}", "POST /login/reset/password",
			"GET /login/second", "POST /login/second", "GET /embed/confirm", "POST /embed/confirm"}},

	{Action: ActCustomerCreate, Who: "staff", gate: desk.IsStaff, Routes: []string{"POST /api/v1/customers"}},
	{Action: ActCustomerRead, Who: "staff; never partner users (customer contact data)", gate: desk.IsStaff,
		Routes: []string{"GET /api/v1/customers/{id}"}},
	{Action: ActCustomerReference, Who: "staff", gate: desk.IsStaff, Routes: []string{"POST /api/v1/customers/{id}/references"}},
	{Action: ActCustomerExport, Who: "admin, manager (a customer's data for a data request)", gate: isManagerOrAdmin,
		Routes: []string{"GET /api/v1/customers/{id}/export"}},

	{Action: ActAgentCreate, Who: "admin (any role); manager (leads, agents and partner users, below themselves in the chain); only an admin creates admins and managers",
		gate: isManagerOrAdmin, on: mayCreateAgent, Routes: []string{"POST /api/v1/agents", "POST /admin/agents", "POST /admin/partners/{id}/users"}},
	{Action: ActAgentRead, Who: "staff", gate: desk.IsStaff, Routes: []string{"GET /api/v1/agents", "GET /api/v1/agents/{id}"}},
	{Action: ActAgentDeactivate, Who: "admin (anyone but themselves); manager (people below them in the chain, never an admin)",
		gate: isManagerOrAdmin, on: mayManageAgent, Routes: []string{"POST /team/agents/{id}/active"}},

	{Action: ActAgentUpdate, Who: "the agent themselves (name, time zone, hours); admin (anyone); manager (people below them in the chain, never an admin, never into an admin or manager)",
		gate: isAgentKind, on: mayUpdateAgent, Routes: []string{"PATCH /api/v1/agents/{id}", "GET /admin/agents/{id}", "POST /admin/agents/{id}"}},
	{Action: ActAgentPasswordReset, Who: "admin (anyone); manager (people below them in the chain, never an admin): the agent is mailed a one-time link, nobody sees a password",
		gate: isManagerOrAdmin, on: mayManageAgent, Routes: []string{"POST /api/v1/agents/{id}/password-reset", "POST /admin/agents/{id}/password-reset"}},
	{Action: ActCaseOpen, Who: "staff", gate: desk.IsStaff, Routes: []string{"POST /api/v1/cases", "GET /cases/new", "POST /cases/new"}},
	{Action: ActCaseList, Who: "staff (every case); partner users (cases handed to their firm)", gate: isWorker,
		Routes: []string{"GET /api/v1/cases", "GET /inbox", "GET /events"}},
	{Action: ActCaseRead, Who: "staff (every case of every team); partner users (cases handed to their firm); the customer (their own, in the portal)",
		gate: isWorker, on: seesCase,
		Routes: []string{"GET /api/v1/cases/{id}", "GET /api/v1/cases/{id}/record", "GET /api/v1/cases/{id}/agreement-requests",
			"GET /cases/{id}", "GET /cases/{id}/estimate"}},
	{Action: ActCaseReply, Who: "staff; partner users on cases handed to their firm; the customer on their own case (the portal)",
		gate: func(a desk.Actor) bool { return isWorker(a) || isCustomer(a) }, on: seesCase,
		Routes: []string{"POST /api/v1/cases/{id}/messages", "POST /cases/{id}/reply"}},
	{Action: ActCaseCall, Who: "staff; partner users on cases handed to their firm", gate: isWorker, on: seesCase,
		Routes: []string{"POST /api/v1/cases/{id}/calls", "POST /cases/{id}/call"}},
	{Action: ActCaseStep, Who: "staff; partner users on cases handed to their firm", gate: isWorker, on: seesCase,
		Routes: []string{"POST /api/v1/cases/{id}/step", "POST /cases/{id}/step"}},
	{Action: ActCaseReference, Who: "staff; the customer (their own case, in the portal)", gate: staffOrCustomer, on: seesCase,
		Routes: []string{"POST /cases/{id}/references", "POST /portal/cases/{id}/reference"}},
	{Action: ActCaseEscalate, Who: "staff; the customer (their own case)", gate: staffOrCustomer, on: seesCase,
		Routes: []string{"POST /api/v1/cases/{id}/escalate", "POST /cases/{id}/escalate", "POST /portal/cases/{id}/escalate"}},
	{Action: ActCaseHandover, Who: "the owner, anyone above the owner in the chain, a lead or manager of the case's team, admin; an agent takes an unowned case of their own team",
		gate: desk.IsStaff, on: maySettleOrTake,
		Routes: []string{"POST /api/v1/cases/{id}/handover", "POST /api/v1/handovers", "POST /cases/{id}/handover"}},
	{Action: ActCaseAsk, Who: "the owner, anyone above the owner in the chain, a lead or manager of the case's team, admin",
		gate: desk.IsStaff, on: maySettle, Routes: []string{"POST /api/v1/cases/{id}/agreement-requests", "POST /cases/{id}/handover/ask"}},
	{Action: ActCaseResolve, Who: "the owner, anyone above the owner in the chain, a lead or manager of the case's team, admin",
		gate: desk.IsStaff, on: maySettle, Routes: []string{"POST /api/v1/cases/{id}/resolve", "POST /cases/{id}/resolve"}},
	{Action: ActCaseReopen, Who: "the owner, the resolver, anyone above the owner in the chain, a lead or manager of the case's team, admin",
		gate: desk.IsStaff, on: maySettle, Routes: []string{"POST /api/v1/cases/{id}/reopen", "POST /cases/{id}/reopen"}},
	{Action: ActCaseRelease, Who: "the owner, anyone above the owner in the chain, a lead or manager of the case's team, admin",
		gate: desk.IsStaff, on: maySettle, Routes: []string{"POST /api/v1/cases/{id}/release", "POST /cases/{id}/release"}},
	{Action: ActCasePartner, Who: "staff", gate: desk.IsStaff, on: seesCase, Routes: []string{"POST /api/v1/cases/{id}/partner"}},
	{Action: ActCaseSearch, Who: "anyone signed in: staff find every case, partner users their firm's, customers their own", gate: signedIn, Routes: []string{"GET /api/v1/search", "GET /search"}},
	{Action: ActCaseLabel, Who: "staff; partner users on cases handed to their firm", gate: isWorker, on: seesCase,
		Routes: []string{"PATCH /api/v1/cases/{id}", "POST /cases/{id}/labels"}},
	{Action: ActCaseBulk, Who: "staff; each case is then done by its own command and asks that command's row " +
		"(case.handover, case.label, case.resolve, incident.link): a case refused says why, the others are done",
		gate: desk.IsStaff, Routes: []string{"POST /api/v1/cases/bulk", "POST /inbox/bulk"}},
	{Action: ActCaseCopies, Who: "staff, on a case they see (the addresses are the customer's contacts); never partner users", gate: desk.IsStaff, on: seesCase,
		Routes: []string{"PUT /api/v1/cases/{id}/copies"}},
	{Action: ActCaseWait, Who: "staff, on a case they see; never partner users", gate: desk.IsStaff, on: seesCase,
		Routes: []string{"POST /api/v1/cases/{id}/waiting", "DELETE /api/v1/cases/{id}/waiting", "POST /cases/{id}/waiting"}},
	{Action: ActCaseMerge, Who: "whoever settles both cases: the owner, anyone above the owner in the chain, a lead or manager of the case's team, admin",
		gate: desk.IsStaff, on: maySettle, Routes: []string{"POST /api/v1/cases/{id}/merge", "POST /cases/{id}/merge"}},
	{Action: ActExport, Who: "whoever reads the case: staff (every entry); partner users (cases handed to their firm); the customer (their own, in the portal); " +
		"an entry the reader may not see is withheld (its seq and hashes, not its content)",
		gate: func(a desk.Actor) bool { return isWorker(a) || isCustomer(a) }, on: seesCase,
		Routes: []string{"GET /api/v1/cases/{id}/export", "GET /cases/{id}/export", "GET /portal/cases/{id}/export"}},

	{Action: ActPromiseMake, Who: "staff, on a case they see", gate: desk.IsStaff, on: seesCase,
		Routes: []string{"POST /api/v1/cases/{id}/promises", "POST /cases/{id}/promises"}},
	{Action: ActPromiseRead, Who: "staff", gate: desk.IsStaff, Routes: []string{"GET /api/v1/promises", "GET /api/v1/slips"}},
	{Action: ActPromiseKeep, Who: "the promise's owner or maker, the case's owner, anyone above the owner in the chain, a lead or manager of the case's team, admin",
		gate: desk.IsStaff, on: maySettle, Routes: []string{"POST /api/v1/promises/{id}/keep", "POST /cases/{id}/promises/{pid}/keep"}},
	{Action: ActPromiseSlip, Who: "the promise's owner or maker, the case's owner, anyone above the owner in the chain, a lead or manager of the case's team, admin",
		gate: desk.IsStaff, on: maySettle, Routes: []string{"POST /api/v1/promises/{id}/slip", "POST /cases/{id}/promises/{pid}/slip"}},

	{Action: ActResolutionConfirm, Who: "the customer only: their portal session, a signed link, a verified reply; an integration token with the customer-voice scope (the entry names it); never partner users, never the resolver",
		gate: mayConfirmAtAll, on: mayConfirm,
		Routes: []string{"POST /api/v1/cases/{id}/confirmation", "POST /portal/cases/{id}/confirm"}},
	{Action: ActInboundReceive, Who: "staff tokens (integrations); the entry names the token and its agent", gate: desk.IsStaff,
		Routes: []string{"POST /api/v1/inbound"}},

	{Action: ActDocumentAdd, Who: "staff; the customer (their own case, in the portal)", gate: staffOrCustomer, on: seesCase,
		Routes: []string{"POST /api/v1/customers/{id}/documents", "POST /cases/{id}/documents", "POST /portal/cases/{id}/documents"}},
	{Action: ActDocumentRead, Who: "staff; the customer (their own); never partner users", gate: staffOrCustomer, on: seesCase,
		Routes: []string{"GET /api/v1/customers/{id}/documents", "GET /api/v1/cases/{id}/documents", "GET /api/v1/documents/{id}", "GET /api/v1/documents/{id}/content",
			"GET /cases/{id}/documents/{doc}", "GET /portal/documents/{doc}"}},
	{Action: ActRecordingAdd, Who: "staff (who log calls); never the customer or partner users", gate: desk.IsStaff, on: seesCase,
		Routes: []string{"POST /api/v1/cases/{id}/calls/{seq}/recording", "POST /cases/{id}/calls/{seq}/recording"}},
	{Action: ActRecordingHear, Who: "staff; partner users on cases handed to their firm; never the customer", gate: isWorker, on: seesCase,
		Routes: []string{"GET /cases/{id}/recordings/{doc}"}},
	{Action: ActMailRead, Who: "staff (a mail carries the customer's address); never partner users", gate: desk.IsStaff, on: seesCase,
		Routes: []string{"GET /api/v1/mails/{id}", "GET /api/v1/mails/{id}/raw", "GET /api/v1/mails/{id}/attachments/{n}", "GET /cases/{id}/mails/{mail}/html", "GET /cases/{id}/mails/{mail}/raw",
			"GET /cases/{id}/mails/{mail}/attachments/{n}"}},

	{Action: ActCaseOutbox, Who: "staff, on a case they see (the mails carry the customer's address)", gate: desk.IsStaff, on: seesCase,
		Routes: []string{"GET /api/v1/cases/{id}/outbox"}},
	{Action: ActMailResend, Who: "the case's owner; any lead, manager or admin", gate: desk.IsStaff,
		on: func(w *work, o Object) (bool, error) {
			return o.Case == nil || mayResendMail(w.actor, o.Case.OwnerID), nil
		},
		Routes: []string{"POST /api/v1/cases/{id}/outbox/{mail_id}/resend", "POST /cases/{id}/outbox/{mail}/resend"}},
	{Action: ActAbsenceAdd, Who: "the agent themselves; a lead or manager for people below them in the chain; admin",
		gate: desk.IsStaff, on: mayManageAbsence,
		Routes: []string{"POST /api/v1/agents/{id}/absences", "POST /availability/absences", "POST /availability/leave"}},
	{Action: ActAbsenceChange, Who: "the agent themselves; a lead or manager for people below them in the chain; admin (shorten or cancel)",
		gate: desk.IsStaff, on: mayManageAbsence,
		Routes: []string{"PATCH /api/v1/agents/{id}/absences/{absence_id}", "DELETE /api/v1/agents/{id}/absences/{absence_id}",
			"POST /availability/absences/{absence_id}"}},
	{Action: ActAbsenceRead, Who: "staff", gate: desk.IsStaff, Routes: []string{"GET /api/v1/agents/{id}/absences", "GET /availability"}},
	{Action: ActAbsenceDraft, Who: "the agent themselves; a lead or manager for people below them in the chain; admin (the drafts of a bulk hand-over)",
		gate: desk.IsStaff, on: mayManageAbsence, Routes: []string{"GET /availability/handover", "POST /availability/handover"}},

	{Action: ActTeamRead, Who: "staff", gate: desk.IsStaff, Routes: []string{"GET /api/v1/teams"}},
	{Action: ActTeamView, Who: "managers and admins (any team); a lead (their own team, read-only)", gate: func(a desk.Actor) bool { return mayViewTeam(a) == nil },
		Routes: []string{"GET /team"}},
	{Action: ActTeamSettings, Who: "admin (any team, and new teams); a manager (their own team)", gate: isManagerOrAdmin, on: mayChangeTeam,
		Routes: []string{"PUT /api/v1/teams/{name}", "PATCH /api/v1/teams/{name}", "POST /admin/teams", "GET /admin/teams/{name}", "POST /admin/teams/{name}", "POST /reviews/share"}},
	{Action: ActReports, Who: "staff: an agent their own figures; a lead, or a manager with someone above them, their own team's; the head of care " +
		"(an admin, or a manager nobody stands above) every team's and agent's", gate: desk.IsStaff, on: mayReadReport,
		Routes: []string{"GET /api/v1/resolutions", "GET /api/v1/reports/{name}", "GET /reports", "GET /reports/csv"}},
	{Action: ActReviewRead, Who: "staff, never partner users: an agent the reviews of their own cases; a lead, or a manager with someone above them, their team's; the head of care every team's",
		gate: desk.IsStaff, Routes: []string{"GET /reviews", "GET /api/v1/review-criteria", "GET /api/v1/reviews"}},
	{Action: ActReviewScore, Who: "a lead or manager (their own team's cases), the head of care (any); never a review of their own case",
		gate: func(a desk.Actor) bool {
			return a.Kind == desk.ActorAgent && (a.Role == desk.RoleLead || a.Role == desk.RoleManager || a.Role == desk.RoleAdmin)
		}, on: mayScoreReview, Routes: []string{"POST /reviews", "POST /api/v1/review-scores"}},
	{Action: ActReviewAnswer, Who: "the agent whose case was reviewed", gate: desk.IsStaff, on: isSelf, Routes: []string{"POST /reviews/answer", "POST /api/v1/review-answers"}},
	{Action: ActRubric, Who: "admin", gate: isAdminActor,
		Routes: []string{"GET /reviews/rubric", "POST /reviews/rubric", "POST /reviews/rubric/{id}", "POST /api/v1/review-criteria", "PUT /api/v1/review-criteria/{id}"}},

	{Action: ActCaseTypeCreate, Who: "admin, manager", gate: isManagerOrAdmin,
		Routes: []string{"POST /api/v1/case-types", "PUT /api/v1/case-types/{id}/channel", "POST /admin/case-types"}},
	{Action: ActCaseTypeUpdate, Who: "admin, manager", gate: isManagerOrAdmin,
		Routes: []string{"PATCH /api/v1/case-types/{id}", "GET /admin/case-types/{id}", "POST /admin/case-types/{id}"}},
	{Action: ActCannedCreate, Who: "staff: a desk-wide reply, or a personal one of their own; a team's reply: the team's lead or manager, admin",
		gate: desk.IsStaff, on: mayCreateCanned, Routes: []string{"POST /api/v1/canned-replies", "POST /admin/canned"}},
	{Action: ActCannedChange, Who: "a desk-wide reply: admin, manager; a team's: the team's lead or manager, admin; a personal one: its agent only " +
		"(nobody else sees it)", gate: desk.IsStaff, on: mayChangeCanned,
		Routes: []string{"PATCH /api/v1/canned-replies/{id}", "DELETE /api/v1/canned-replies/{id}",
			"GET /admin/canned/{id}", "POST /admin/canned/{id}", "POST /admin/canned/{id}/delete"}},
	{Action: ActAdminView, Who: "admin, manager (the lists of the administration screens; each change asks its own row)", gate: isManagerOrAdmin,
		Routes: []string{"GET /admin", "GET /admin/agents", "GET /admin/teams", "GET /admin/case-types", "GET /admin/partners"}},
	{Action: ActAdminLog, Who: "admin", gate: isAdminActor, Routes: []string{"GET /api/v1/admin-log", "GET /admin/log"}},
	{Action: ActDeskRead, Who: "staff", gate: desk.IsStaff, Routes: []string{"GET /api/v1/case-types", "GET /api/v1/canned-replies", "GET /admin/canned"}},
	{Action: ActPartnerCreate, Who: "admin, manager", gate: isManagerOrAdmin, Routes: []string{"POST /api/v1/partners", "POST /admin/partners"}},
	{Action: ActPartnerUpdate, Who: "admin, manager", gate: isManagerOrAdmin,
		Routes: []string{"PATCH /api/v1/partners/{id}", "GET /admin/partners/{id}", "POST /admin/partners/{id}"}},
	{Action: ActPartnerRead, Who: "staff (they hand cases to partners)", gate: desk.IsStaff, Routes: []string{"GET /api/v1/partners"}},

	{Action: ActTokenCreate, Who: "any agent or partner user, for themselves; admin, for anyone and with scopes", gate: isAgentKind, on: mayTokenFor,
		Routes: []string{"POST /api/v1/tokens"}},
	{Action: ActTokenList, Who: "any agent or partner user (their own); admin (all)", gate: isAgentKind, Routes: []string{"GET /api/v1/tokens"}},
	{Action: ActTokenRevoke, Who: "the token's agent; admin", gate: isAgentKind, on: selfOrAdmin, Routes: []string{"DELETE /api/v1/tokens/{id}", "POST /admin/tokens/{id}/revoke"}},
	{Action: ActFeedCreate, Who: "the agent themselves (never partner users)", gate: desk.IsStaff, on: isSelf,
		Routes: []string{"POST /api/v1/agents/{id}/calendar-feed", "GET /availability/feed", "POST /availability/feed"}},
	{Action: ActFeedRevoke, Who: "the agent themselves; admin", gate: desk.IsStaff, on: selfOrAdmin,
		Routes: []string{"DELETE /api/v1/agents/{id}/calendar-feed", "POST /availability/feed/revoke"}},

	{Action: ActOwnRead, Who: "any agent, their own", gate: isAgentKind,
		Routes: []string{"GET /api/v1/notifications", "GET /notifications"}},
	{Action: ActOwnNotificationsRead, Who: "any agent, their own", gate: isAgentKind,
		Routes: []string{"POST /api/v1/notifications/read", "POST /notifications/read"}},
	{Action: ActOwnViews, Who: "any agent, their own (nobody reads or deletes another's)", gate: isAgentKind,
		Routes: []string{"POST /inbox/views", "POST /inbox/views/{id}/delete"}},
	{Action: ActOwnPassword, Who: "the agent themselves, signed in to the desk", gate: isAgentKind,
		Routes: []string{"GET /account/password", "POST /account/password"}},
	{Action: ActOwnFactor, Who: "the agent themselves, signed in to the desk (turning it off takes a current code)", gate: isAgentKind,
		Routes: []string{"GET /account/second-factor", "POST /account/second-factor", "POST /account/second-factor/confirm", "POST /account/second-factor/off"}},
	{Action: ActSecondFactorReset, Who: "admin", gate: isAdminActor, Routes: []string{"POST /team/agents/{id}/second-factor/reset", "DELETE /api/v1/agents/{id}/second-factor"}},
	{Action: ActSecondFactorPolicy, Who: "admin", gate: isAdminActor, Routes: []string{"GET /security", "POST /security", "GET /api/v1/sign-in-policy", "PUT /api/v1/sign-in-policy"}},
	{Action: ActWebhooks, Who: "admin", gate: isAdminActor,
		Routes: []string{"POST /api/v1/webhooks", "GET /api/v1/webhooks", "PATCH /api/v1/webhooks/{id}", "DELETE /api/v1/webhooks/{id}",
			"GET /api/v1/webhooks/{id}/deliveries", "POST /api/v1/webhooks/{id}/deliveries/{delivery_id}/resend",
			"GET /settings/webhooks", "POST /settings/webhooks", "GET /settings/webhooks/{id}", "POST /settings/webhooks/{id}/active",
			"POST /settings/webhooks/{id}/delete", "POST /settings/webhooks/{id}/deliveries/{delivery_id}/resend"}},
	{Action: ActAutomations, Who: "admin", gate: isAdminActor,
		Routes: []string{"POST /api/v1/automations", "GET /api/v1/automations", "PATCH /api/v1/automations/{id}", "DELETE /api/v1/automations/{id}",
			"GET /settings/automations", "POST /settings/automations", "POST /settings/automations/{id}/active", "POST /settings/automations/{id}/delete"}},
	{Action: ActAutomationRun, Who: "an automation, as itself (the record names it): only " + automationRightsText() +
		", on any case, under the same rules as people (never down the ladder without the customer's agreement, no offer during an open complaint); nothing else",
		gate: isAutomation},
	{Action: ActClockRead, Who: "staff", gate: desk.IsStaff, Routes: []string{"GET /api/v1/clock"}},
	{Action: ActClockConfirm, Who: "admin", gate: isAdminActor, Routes: []string{"POST /api/v1/clock/confirm"}},
	{Action: ActIncidentCreate, Who: "staff (never partner users)", gate: desk.IsStaff,
		Routes: []string{"POST /api/v1/incidents", "POST /incidents"}},
	{Action: ActIncidentRead, Who: "staff", gate: desk.IsStaff,
		Routes: []string{"GET /api/v1/incidents", "GET /api/v1/incidents/{id}", "GET /incidents", "GET /incidents/{id}"}},
	{Action: ActIncidentLink, Who: "staff, on cases they see, to an open incident", gate: desk.IsStaff, on: seesCase,
		Routes: []string{"POST /api/v1/incidents/{id}/cases", "POST /incidents/{id}/cases", "POST /cases/{id}/incident",
			"POST /search/incident"}},
	{Action: ActIncidentRun, Who: "the incident's owner, staff of the incident's team, admin (its promises, public status and resolution)",
		gate: desk.IsStaff, on: mayRunIncident,
		Routes: []string{"POST /api/v1/incidents/{id}/promises", "POST /api/v1/incidents/{id}/resolve", "PATCH /api/v1/incidents/{id}",
			"POST /incidents/{id}/promises", "POST /incidents/{id}/status", "POST /incidents/{id}/resolve"}},

	{Action: ActDecisionMake, Who: "staff, on a case they see (above their limit it goes up for approval)", gate: desk.IsStaff, on: seesCase,
		Routes: []string{"POST /api/v1/cases/{id}/decisions", "POST /cases/{id}/decisions"}},
	{Action: ActDecisionRead, Who: "staff", gate: desk.IsStaff, on: seesCase,
		Routes: []string{"GET /api/v1/cases/{id}/decisions", "GET /api/v1/decision-policy"}},
	{Action: ActDecisionApprove, Who: "the approver it was sent to, anyone above the requester in the chain whose limit covers the amount, admin",
		gate: desk.IsStaff, on: mayApprove,
		Routes: []string{"POST /api/v1/decisions/{id}/approve", "POST /api/v1/decisions/{id}/refuse", "POST /decisions/{id}/answer"}},
	{Action: ActDecisionPolicy, Who: "admin (any team, and the desk's own); a manager (their own team's)", gate: isManagerOrAdmin, on: mayWritePolicy,
		Routes: []string{"PUT /api/v1/decision-policy"}},

	{Action: ActPortalRequest, Who: "the customer (a new request in the portal, a call-back at a time the form offers)", gate: isCustomer,
		Routes: []string{"GET /portal/new", "POST /portal/new"}},
	{Action: ActEmbedRequest, Who: "anyone, on the page a company's site embeds (the case opens only when the address's owner confirms it by the mailed link)",
		gate: anyone, Routes: []string{"GET /embed/request", "POST /embed/request"}},
	{Action: ActImport, Who: "admin; `kept import` on the server's shell runs as the desk itself", gate: isAdminActor},
	{Action: ActPortal, Who: "the customer, their own cases", gate: isCustomer, on: seesCase,
		Routes: []string{"GET /portal", "GET /portal/cases/{id}", "POST /portal/cases/{id}/reply", "POST /portal/cases/{id}/rating",
			"POST /portal/cases/{id}/handover"}},
}

// rulesByAction is the table by action: every command looks its row up.
var rulesByAction = func() map[Action]Rule {
	m := make(map[Action]Rule, len(rules))
	for _, r := range rules {
		m[r.Action] = r
	}
	return m
}()

// rule finds an action's row; an action without one is a programming error caught by tests.
func rule(act Action) Rule {
	r, ok := rulesByAction[act]
	if !ok {
		panic(fmt.Sprintf("permissions: no rule for %q", act))
	}
	return r
}

// automationRights are the actions an automation may run (the automation.act row): its
// notes, canned replies and reminders, handing a case to someone available, a case's
// priority and tags, and linking a case to an open incident. Nothing else, whatever the
// other rows say.
var automationRights = []Action{ActCaseReply, ActCaseHandover, ActCaseLabel, ActIncidentLink}

func automationRightsText() string {
	names := make([]string, len(automationRights))
	for i, a := range automationRights {
		names[i] = string(a)
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// automationMay answers for an automation: its own row, and the actions it names.
func automationMay(act Action) bool {
	return act == ActAutomationRun || slices.Contains(automationRights, act)
}

// gate refuses an actor the action is never open to, before a command starts.
func gate(actor desk.Actor, act Action) error {
	if actor.Kind == desk.ActorAutomation {
		if automationMay(act) {
			return nil
		}
		return refusal(act)
	}
	if actor.Kind == desk.ActorSystem || rule(act).gate(actor) {
		return nil
	}
	return refusal(act)
}

// allow refuses the command's actor the action on the object (403); objects the actor may not
// see are refused by loading them (404) before this is asked.
func (w *work) allow(act Action, o Object) error {
	ok, err := w.may(act, o)
	if err != nil || ok {
		return err
	}
	return refusal(act)
}

func (w *work) may(act Action, o Object) (bool, error) {
	if w.actor.Kind == desk.ActorSystem {
		return true, nil
	}
	if w.actor.Kind == desk.ActorAutomation {
		// Its own row decides; the desk's rules that the command asks next still hold.
		return automationMay(act), nil
	}
	r := rule(act)
	if !r.gate(w.actor) {
		return false, nil
	}
	if r.on == nil {
		return true, nil
	}
	return r.on(w, o)
}

func refusal(act Action) error {
	return desk.Forbidden("you may not do this (%s): %s", act, rule(act).Who)
}

// Gate refuses an actor an action that is never open to them (no I/O): for surfaces that read
// a request before the command would (the API's body checks), so a refusal is not hidden
// behind a complaint about the body.
func Gate(actor desk.Actor, act Action) error { return gate(actor, act) }

// AllowOn refuses the actor the action on a case (or one of its promises) the way the command
// would, before a page reads its form: not found when they may not see the case, forbidden
// when they may not act on it.
func (s *Service) AllowOn(ctx context.Context, actor desk.Actor, act Action, caseID, promiseID int64) error {
	if err := gate(actor, act); err != nil {
		return err
	}
	return wrap("permissions", s.read(ctx, actor, func(w *work) error {
		o := Object{}
		if promiseID != 0 {
			p, c, err := loadPromise(w, promiseID)
			if err != nil {
				return err
			}
			if c.ID != caseID {
				return desk.NotFound("promise", promiseID)
			}
			o.Case, o.Promise = c, p
		} else {
			c, err := w.loadCase(caseID)
			if err != nil {
				return err
			}
			o.Case = c
		}
		return w.allow(act, o)
	}))
}

// May answers whether the actor may run the action on the object, for pages deciding which
// buttons to show (and for tests): the same answer the command would give.
func (s *Service) May(ctx context.Context, actor desk.Actor, act Action, o Object) (bool, error) {
	ok, err := readValue(s, ctx, actor, func(w *work) (bool, error) { return w.may(act, o) })
	return ok, wrap("permissions", err)
}

// manageable answers agent.deactivate for each agent (the team view's buttons), in the
// view's own read.
func manageable(w *work, agents []desk.Agent) (map[int64]bool, error) {
	out := make(map[int64]bool, len(agents))
	for _, a := range agents {
		ok, err := w.may(ActAgentDeactivate, Object{Agent: &a})
		if err != nil {
			return nil, err
		}
		out[a.ID] = ok && a.ID != w.actor.ID
	}
	return out, nil
}

// The gates.

func anyone(desk.Actor) bool { return true }

func isAgentKind(a desk.Actor) bool { return a.Kind == desk.ActorAgent }

func isCustomer(a desk.Actor) bool { return a.Kind == desk.ActorCustomer }

func isWorker(a desk.Actor) bool { return requireWorker(a) == nil }

func signedIn(a desk.Actor) bool { return isAgentKind(a) || isCustomer(a) }

func staffOrCustomer(a desk.Actor) bool { return desk.IsStaff(a) || a.Kind == desk.ActorCustomer }

func isManagerOrAdmin(a desk.Actor) bool {
	return a.Kind == desk.ActorAgent && (a.Role == desk.RoleAdmin || a.Role == desk.RoleManager)
}

func isAdminActor(a desk.Actor) bool { return a.Kind == desk.ActorAgent && a.Role == desk.RoleAdmin }

func isAutomation(a desk.Actor) bool { return a.Kind == desk.ActorAutomation }

// mayConfirmAtAll: the customer, or an agent's token that acts for customers (never a partner's).
func mayConfirmAtAll(a desk.Actor) bool {
	return a.Kind == desk.ActorCustomer || (a.Kind == desk.ActorAgent && a.Role != desk.RolePartner && a.HasScope(desk.ScopeCustomerVoice))
}

// The object checks.

func seesCase(w *work, o Object) (bool, error) {
	return o.Case == nil || desk.CanSeeCase(w.actor, *o.Case), nil
}

func isSelf(w *work, o Object) (bool, error) {
	return o.Agent == nil || w.actor.ID == o.Agent.ID, nil
}

func selfOrAdmin(w *work, o Object) (bool, error) {
	return isAdminActor(w.actor) || o.Agent == nil || w.actor.ID == o.Agent.ID, nil
}

// above reports whether bossID is somewhere up a's manager chain.
func above(w *work, bossID int64, a desk.Agent) (bool, error) {
	cur := a
	for range maxLadder {
		if cur.ManagerID == 0 || cur.ManagerID == cur.ID {
			return false, nil
		}
		if cur.ManagerID == bossID {
			return true, nil
		}
		next, err := w.agent(cur.ManagerID)
		if err != nil {
			return false, ignoreNotFound(err)
		}
		cur = next
	}
	return false, nil
}

// aboveAgent reports whether bossID is somewhere up the manager chain of the agent with the
// given id (an agent no longer there has nobody above).
func aboveAgent(w *work, bossID, agentID int64) (bool, error) {
	a, err := w.agent(agentID)
	if err != nil {
		return false, ignoreNotFound(err)
	}
	return above(w, bossID, a)
}

// mayManageAbsence: oneself, a lead or manager above the agent, an admin.
func mayManageAbsence(w *work, o Object) (bool, error) {
	a := w.actor
	switch {
	case o.Agent == nil:
		return true, nil // asked without the agent: whether the actor may for anyone (a page's form)
	case isAdminActor(a) || a.ID == o.Agent.ID:
		return true, nil
	case a.Role == desk.RoleLead || a.Role == desk.RoleManager:
		return above(w, a.ID, *o.Agent)
	}
	return false, nil
}

// mayManageAgent: an admin anyone; a manager people below them who are not admins.
func mayManageAgent(w *work, o Object) (bool, error) {
	a := w.actor
	switch {
	case o.Agent == nil:
		return true, nil
	case isAdminActor(a):
		return true, nil
	case a.Role == desk.RoleManager && o.Agent.Role != desk.RoleAdmin:
		return above(w, a.ID, *o.Agent)
	}
	return false, nil
}

// mayUpdateAgent: oneself (what an agent changes of themselves: UpdateAgent asks again for the
// rest), or someone the actor manages.
func mayUpdateAgent(w *work, o Object) (bool, error) {
	if o.Agent != nil && o.Agent.ID == w.actor.ID {
		return true, nil
	}
	return mayManageAgent(w, o)
}

// mayCreateAgent: whom the actor could manage (mayManageAgent: an admin any role; a manager
// only below themselves, no admins), except that a manager makes no managers either.
func mayCreateAgent(w *work, o Object) (bool, error) {
	if o.Agent != nil && o.Agent.Role == desk.RoleManager && !isAdminActor(w.actor) {
		return false, nil
	}
	return mayManageAgent(w, o)
}

// mayChangeTeam: an admin any team; a manager their own.
func mayChangeTeam(w *work, o Object) (bool, error) {
	if isAdminActor(w.actor) {
		return true, nil
	}
	if o.TeamID == 0 {
		return true, nil
	}
	me, err := w.agent(w.actor.ID)
	if err != nil {
		return false, err
	}
	return o.TeamID == 0 || me.TeamID == o.TeamID, nil
}

// mayTokenFor: a token for oneself, or (an admin) for anyone.
func mayTokenFor(w *work, o Object) (bool, error) {
	return isAdminActor(w.actor) || o.Agent == nil || o.Agent.ID == w.actor.ID, nil
}

// maySettle is who may settle a case or its promises: the owner (and a promise's owner or
// maker), anyone above the owner in the chain, a lead or manager of the case's team, an admin.
// Every department sees every case; settling one is its own people's.
func maySettle(w *work, o Object) (bool, error) {
	a := w.actor
	c := o.Case
	switch {
	case c == nil:
		return true, nil // asked without the case: whether the actor settles any (a page's form)
	case !desk.CanSeeCase(a, *c):
		return false, nil
	case isAdminActor(a) || c.OwnerID == a.ID:
		return true, nil
	case o.Promise != nil && (o.Promise.OwnerID == a.ID || o.Promise.MakerID == a.ID):
		return true, nil
	case c.ResolvedBy == a.ID && c.ResolvedBy != 0:
		return true, nil
	}
	me, err := w.agent(a.ID)
	if err != nil {
		return false, err
	}
	if (me.Role == desk.RoleLead || me.Role == desk.RoleManager) && c.TeamID != 0 && me.TeamID == c.TeamID {
		return true, nil
	}
	if c.OwnerID == 0 {
		return false, nil
	}
	return aboveAgent(w, a.ID, c.OwnerID)
}

// maySettleOrTake is maySettle, and an agent taking an unowned case (its owner gone) of their
// own team for themselves: one click.
func maySettleOrTake(w *work, o Object) (bool, error) {
	if ok, err := maySettle(w, o); ok || err != nil {
		return ok, err
	}
	c, a := o.Case, w.actor
	if c == nil || o.Agent == nil || o.Agent.ID != a.ID {
		return false, nil
	}
	me, err := w.agent(a.ID)
	if err != nil || me.TeamID == 0 || me.TeamID != c.TeamID {
		return false, err
	}
	if c.OwnerID == 0 {
		return true, nil
	}
	owner, err := w.agent(c.OwnerID)
	if store.IsNotFound(err) {
		return true, nil
	}
	return err == nil && !owner.Active, err
}

// mayConfirm: the customer on their own case; an integration for the customer, never on a
// resolution its own agent proposed.
func mayConfirm(w *work, o Object) (bool, error) {
	c := o.Case
	if c == nil {
		return true, nil
	}
	if !desk.CanSeeCase(w.actor, *c) {
		return false, nil
	}
	if w.actor.Kind == desk.ActorCustomer {
		return true, nil
	}
	return c.ResolvedBy != w.actor.ID, nil
}

// mayRunIncident: the incident's owner, staff of its team, an admin; an incident without a
// team, any lead or manager.
func mayRunIncident(w *work, o Object) (bool, error) {
	a, inc := w.actor, o.Incident
	if inc == nil || isAdminActor(a) || inc.OwnerID == a.ID {
		return true, nil
	}
	me, err := w.agent(a.ID)
	if err != nil {
		return false, ignoreNotFound(err)
	}
	if inc.TeamID == 0 {
		return me.Role == desk.RoleLead || me.Role == desk.RoleManager, nil
	}
	return me.TeamID == inc.TeamID, nil
}

// mayWritePolicy: an admin any team's and the desk's own (team 0); a manager their own team's.
func mayWritePolicy(w *work, o Object) (bool, error) {
	if isAdminActor(w.actor) {
		return true, nil
	}
	if o.TeamID == 0 {
		return false, nil
	}
	return mayChangeTeam(w, o)
}
