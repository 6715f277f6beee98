package service

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

const (
	timerResolutionWait = "resolution_wait"
	timerResolutionDue  = "resolution_due"
)

// StepView is where a case stands in its process, as the customer and the agent read it.
type StepView struct {
	Position    int            `json:"position"`
	Of          int            `json:"of"`
	Name        string         `json:"name"`
	Explanation string         `json:"explanation"`
	Partner     string         `json:"partner,omitempty"`
	Next        string         `json:"next,omitempty"`
	Typical     *desk.Estimate `json:"typical"` // how long this step took, from history; null while history is short
}

// CreateCaseType defines a case type: the references it needs, its team and its process.
func (s *Service) CreateCaseType(ctx context.Context, actor desk.Actor, in desk.NewCaseType) (desk.CaseType, error) {
	if err := gate(actor, ActCaseTypeCreate); err != nil {
		return desk.CaseType{}, err
	}
	ct, err := desk.ValidateCaseType(in, s.now())
	if err != nil {
		return ct, err
	}
	err = s.write(ctx, actor, func(w *work) error {
		tx := w.tx
		if _, err := tx.CaseType(ctx, 0, ct.Name); err == nil {
			return desk.Conflict("case_type_exists", fmt.Sprintf("a case type named %q already exists", ct.Name), nil)
		} else if !store.IsNotFound(err) {
			return err
		}
		if ct.Team != "" {
			if ct.TeamID, err = tx.EnsureTeam(ctx, ct.Team, ct.CreatedAt); err != nil {
				return err
			}
		}
		if err := tx.InsertCaseType(ctx, &ct); err != nil {
			return err
		}
		return w.audit(logCaseTypeCreate, ct.Name, nil, ct)
	})
	return ct, wrap("create case type", err)
}

// CaseTypes lists the desk's case types.
func (s *Service) CaseTypes(ctx context.Context, actor desk.Actor) ([]desk.CaseType, error) {
	out, err := readTxAs(s, ctx, actor, ActDeskRead, func(tx *store.Tx) ([]desk.CaseType, error) { return tx.CaseTypes(ctx) })
	return out, wrap("list case types", err)
}

// findCaseType loads the case type a request names by id or by name.
func findCaseType(w *work, field, ref string) (desk.CaseType, error) {
	var ct desk.CaseType
	var err error
	if id, perr := strconv.ParseInt(ref, 10, 64); perr == nil {
		ct, err = w.tx.CaseType(w.ctx, id, "")
	} else {
		ct, err = w.tx.CaseType(w.ctx, 0, strings.TrimSpace(ref))
	}
	if store.IsNotFound(err) {
		return ct, desk.Invalid(field, "no case type %q", ref)
	}
	return ct, err
}

// missingReferences refuses an intake that lacks references its case type needs.
func missingReferences(ct desk.CaseType, given, onCustomer []desk.Reference) error {
	missing := desk.MissingReferences(ct, given, onCustomer)
	if len(missing) == 0 {
		return nil
	}
	return &desk.Error{Kind: desk.KindInvalid, Code: "missing_references", Field: "references",
		Message: fmt.Sprintf("a %s case needs the customer's %s", ct.Name, strings.Join(missing, ", ")),
		Details: map[string]any{"missing": missing}}
}

// enterStep moves a case into a step of its process, on the record and in the history, by the
// command's actor.
func (s *Service) enterStep(w *work, c *desk.Case, ct desk.CaseType, pos int) error {
	if err := w.readByCustomer(c); err != nil {
		return err
	}
	drafts, err := desk.EnterStep(c, ct, pos, w.actor)
	if err != nil {
		return err
	}
	if err := w.tx.EnterStep(w.ctx, c.ID, ct.Name, pos, ct.Steps[pos-1].Name, w.now); err != nil {
		return err
	}
	_, err = s.appendRecord(w, c, drafts)
	return err
}

// AdvanceStep moves a case to a step of its type's process (1-based).
func (s *Service) AdvanceStep(ctx context.Context, actor desk.Actor, caseID int64, pos int) (CaseView, error) {
	err := s.writeGated(ctx, actor, ActCaseStep, func(w *work) error {
		c, err := w.loadCase(caseID)
		if err != nil {
			return err
		}
		if c.Type == "" {
			return desk.Conflict("no_process", fmt.Sprintf("%s has no case type, so no process", c.Ref()), nil)
		}
		ct, err := w.tx.CaseType(ctx, 0, c.Type)
		if err != nil {
			return err
		}
		intro, err := s.participate(w, c)
		if err != nil {
			return err
		}
		if len(intro) > 0 {
			if _, err := s.appendRecord(w, c, intro); err != nil {
				return err
			}
		}
		if err := s.enterStep(w, c, ct, pos); err != nil {
			return err
		}
		return notifyOwnerOfPartner(w, *c, fmt.Sprintf("moved the case to step %d", pos), "notif.detail.partner_step", desk.NumberArg(int64(pos)))
	})
	return s.caseAfter(ctx, actor, caseID, "advance step", err)
}

// stepView describes the case's current step with its typical duration.
func stepView(w *work, c desk.Case) (*StepView, error) {
	if c.Type == "" || c.Step == 0 {
		return nil, nil
	}
	ctx, tx := w.ctx, w.tx
	ct, err := tx.CaseType(ctx, 0, c.Type)
	if store.IsNotFound(err) || (err == nil && c.Step > len(ct.Steps)) {
		return nil, nil // the type was redefined: the record still says where the case went
	} else if err != nil {
		return nil, err
	}
	st := ct.Steps[c.Step-1]
	// The customer reads the step in their language, as the record tells it to them.
	lang := ""
	if w.actor.Kind == desk.ActorCustomer {
		r, err := w.reader(c.CustomerID)
		if err != nil {
			return nil, err
		}
		lang = r.Lang
	}
	in := st.In(lang)
	v := &StepView{Position: c.Step, Of: len(ct.Steps), Name: in.Name, Explanation: in.Explanation, Partner: st.Partner}
	if c.Step < len(ct.Steps) {
		v.Next = ct.Steps[c.Step].In(lang).Name
	}
	took, err := tx.StepDurations(ctx, ct.Name, st.Name, 500)
	if err != nil {
		return nil, err
	}
	v.Typical = desk.Typical(took)
	return v, nil
}

// Resolve proposes a resolution: the case waits for the customer to confirm it, and closes as
// unconfirmed after the team's wait (default 7 days) if they never answer.
func (s *Service) Resolve(ctx context.Context, actor desk.Actor, caseID int64, summary string) (CaseView, error) {
	err := s.onCase(ctx, actor, caseID, ActCaseResolve, func(w *work, c *desk.Case) error {
		if err := w.readByCustomer(c); err != nil {
			return err
		}
		drafts, err := desk.Resolve(c, actor, summary, w.now)
		if err != nil {
			return err
		}
		if c.ResolvedBy == 0 {
			c.ResolvedBy = c.OwnerID // the desk itself proposed it: the owner answers for it
		}
		if _, err := s.appendContact(w, c, drafts); err != nil {
			return err
		}
		if err := w.tx.CancelTimers(ctx, store.TimerRef{Kind: timerResolutionDue, RefID: c.ID}); err != nil {
			return err
		}
		settings, err := w.settingsOf(*c)
		if err != nil {
			return err
		}
		_, err = w.tx.AddTimer(ctx, store.Timer{Kind: timerResolutionWait, DueAt: w.now.Add(settings.ConfirmWait), CaseID: c.ID, RefID: c.ID,
			Key: fmt.Sprintf("resolution_wait:%d", c.ID)}, w.now)
		w.changed(Event{CaseID: c.ID, Timers: true})
		return err
	})
	return s.caseAfter(ctx, actor, caseID, "resolve", err)
}

// Confirm records the customer's answer to a proposed resolution (from the portal or an
// integration; a link and a reply come by resolution.go): confirmed closes the case; rejected
// reopens it and is counted against the resolution's author.
func (s *Service) Confirm(ctx context.Context, actor desk.Actor, caseID int64, in desk.Confirmation) (CaseView, error) {
	if err := gate(actor, ActResolutionConfirm); err != nil {
		return CaseView{}, err
	}
	if actor.Kind == desk.ActorAgent && actor.Token != nil {
		// Only an integration that acts for customers gets here (the table): the record says
		// which, and who issued it, beside the customer's answer.
		in.RecordedBy = fmt.Sprintf("recorded via %s, on behalf of the customer", actor.Token)
	}
	err := s.write(ctx, actor, func(w *work) error {
		c, err := w.caseFor(caseID, ActResolutionConfirm)
		if err != nil {
			return err
		}
		cust, err := w.customer(c.CustomerID)
		if err != nil {
			return err
		}
		return s.confirmResolution(w, c, cust, in)
	})
	return s.caseAfter(ctx, actor, caseID, "record confirmation", err)
}

// closeUnconfirmed closes a resolution nobody confirmed or rejected within the wait.
func (s *Service) closeUnconfirmed(w *work, t store.Timer) error {
	c, err := w.lockCase(t.CaseID)
	if err != nil {
		return ignoreNotFound(err) // gone meanwhile: nothing left to do
	}
	settings, err := w.settingsOf(*c)
	if err != nil {
		return err
	}
	drafts := desk.CloseUnconfirmed(c, settings.ConfirmWait)
	if len(drafts) == 0 {
		return nil
	}
	if err := w.tx.RecordOutcome(w.ctx, c.ID, c.ResolvedBy, "closed_unconfirmed", w.now); err != nil {
		return err
	}
	_, err = s.appendRecord(w, c, drafts)
	return err
}

// ResolutionOutcomes counts how agents' resolutions ended since a time.
func (s *Service) ResolutionOutcomes(ctx context.Context, actor desk.Actor, since time.Time) ([]desk.OutcomeCount, error) {
	out, err := readTxAs(s, ctx, actor, ActReports, func(tx *store.Tx) ([]desk.OutcomeCount, error) { return tx.OutcomeCounts(ctx, since) })
	return out, wrap("count resolutions", err)
}

// CreateCannedReply stores a desk-wide prepared reply (CreateCanned with the desk's scope);
// marked offer, it is a sales offer.
func (s *Service) CreateCannedReply(ctx context.Context, actor desk.Actor, name, body string, offer bool) (desk.CannedReply, error) {
	return s.CreateCanned(ctx, actor, CannedIn{Name: name, Body: body, Offer: offer})
}

// CannedReplies lists the prepared replies the actor sees: the desk's, their team's and their
// own (an admin every team's), by folder and name.
func (s *Service) CannedReplies(ctx context.Context, actor desk.Actor) ([]desk.CannedReply, error) {
	out, err := readAs(s, ctx, actor, ActDeskRead, visibleCanned)
	return out, wrap("list canned replies", err)
}

// prepareMessage resolves a canned reply into the message and refuses an offer while any
// complaint of the customer is open or awaiting confirmation.
func prepareMessage(w *work, c desk.Case, in desk.NewMessage) (desk.NewMessage, error) {
	ctx, tx := w.ctx, w.tx
	if in.CannedReplyID != 0 {
		rs, err := tx.CannedReplies(ctx, in.CannedReplyID)
		if err != nil {
			return in, err
		}
		if len(rs) > 0 {
			if ok, err := seesCanned(w, rs[0]); err != nil {
				return in, err
			} else if !ok {
				rs = nil // another's personal reply, another team's: not theirs to send
			}
		}
		if len(rs) == 0 {
			return in, desk.Invalid("canned_reply_id", "no canned reply %d", in.CannedReplyID)
		}
		if strings.TrimSpace(in.Body) == "" {
			in.Body = rs[0].Body
		}
		in.Offer = in.Offer || rs[0].Offer
		if in.Body, err = fillCanned(w, c, in.Body); err != nil {
			return in, err
		}
	}
	if !in.Offer {
		return in, nil
	}
	cases, err := tx.Cases(ctx, store.CaseFilter{CustomerID: c.CustomerID, Statuses: []desk.Status{desk.StatusOpen, desk.StatusAwaitingConfirmation}, Limit: 500})
	if err != nil {
		return in, err
	}
	return in, desk.OpenComplaints(cases)
}

// fillCanned fills a canned reply's variables for the case (desk.FillCannedReply): the
// customer's names, the sender's, the case's, and its next open promise in the customer's
// language and zone.
func fillCanned(w *work, c desk.Case, body string) (string, error) {
	f, err := cannedFill(w, c)
	if err != nil {
		return "", err
	}
	return desk.FillCannedReply(body, f)
}

// cannedFill is what the variables are filled with on the case, by the command's actor.
func cannedFill(w *work, c desk.Case) (desk.CannedFill, error) {
	cust, err := w.customer(c.CustomerID)
	if err != nil {
		return desk.CannedFill{}, err
	}
	f := desk.CannedFill{Customer: cust, Agent: w.actor.Name, Case: c}
	if w.actor.Kind == desk.ActorAutomation {
		// An automation's reply is signed by the desk, in the customer's language.
		r, err := w.reader(c.CustomerID)
		if err != nil {
			return f, err
		}
		f.Agent = r.MailSender()
	}
	open, err := w.tx.Promises(w.ctx, store.PromiseFilter{CaseID: c.ID, State: desk.PromiseOpen, Limit: 1})
	if err != nil {
		return f, err
	}
	if len(open) > 0 {
		f.Promise = &open[0]
	}
	f.Fallback, err = zoneOf(w, c)
	return f, err
}

// Release lets a quarantined case (held as suspected spam or look-alike obfuscation) through:
// it opens like any other case and its customer's clock starts.
func (s *Service) Release(ctx context.Context, actor desk.Actor, caseID int64) (CaseView, error) {
	err := s.onCase(ctx, actor, caseID, ActCaseRelease, func(w *work, c *desk.Case) error {
		drafts, err := desk.Release(c, actor)
		if err != nil {
			return err
		}
		if _, err := s.appendRecord(w, c, drafts); err != nil {
			return err
		}
		if err := s.startResolutionClock(w, *c); err != nil {
			return err
		}
		return s.startResponseClock(w, *c)
	})
	return s.caseAfter(ctx, actor, caseID, "release", err)
}
