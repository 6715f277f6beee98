package service

import (
	"context"
	"fmt"
	"time"

	"github.com/keptdesk/kept/internal/auth"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// CreateAgent adds an agent; a new team name creates the team.
func (s *Service) CreateAgent(ctx context.Context, actor desk.Actor, in desk.NewAgent) (desk.Agent, error) {
	if err := gate(actor, ActAgentCreate); err != nil {
		return desk.Agent{}, err
	}
	now := s.now()
	a, err := desk.ValidateAgent(in, now)
	if err != nil {
		return a, err
	}
	if a.ManagerID == 0 && actor.Kind == desk.ActorAgent && actor.Role == desk.RoleManager {
		a.ManagerID = actor.ID // a manager adds people below themselves
	}
	err = s.write(ctx, actor, func(w *work) error {
		tx := w.tx
		if err := w.allow(ActAgentCreate, Object{Agent: &a}); err != nil {
			return err
		}
		if existing, err := tx.AgentByEmail(ctx, a.Email); err == nil {
			return desk.Conflict("agent_exists", fmt.Sprintf("an agent with email %s already exists", a.Email), map[string]any{"id": existing.ID})
		} else if !store.IsNotFound(err) {
			return err
		}
		if a.ManagerID != 0 {
			if _, err := tx.Agent(ctx, a.ManagerID); err != nil {
				if store.IsNotFound(err) {
					return desk.Invalid("manager_id", "no agent %d to be the manager", a.ManagerID)
				}
				return err
			}
		}
		if a.PartnerID != 0 {
			if _, err := tx.Partner(ctx, a.PartnerID); store.IsNotFound(err) {
				return desk.Invalid("partner_id", "no partner %d", a.PartnerID)
			} else if err != nil {
				return err
			}
		}
		if a.Team != "" {
			if a.TeamID, err = tx.EnsureTeam(ctx, a.Team, now); err != nil {
				return err
			}
		}
		if err := tx.InsertAgent(ctx, &a); err != nil {
			return err
		}
		return w.audit(logAgentCreate, a.Email, nil, agentFields(a))
	})
	return a, wrap("create agent", err)
}

// agentFor loads an agent (none is "not found") the actor may act on as act.
func agentFor(w *work, id int64, act Action) (desk.Agent, error) {
	a, err := w.agent(id)
	if err != nil {
		return a, notFoundAs(err, "agent", id)
	}
	return a, w.allow(act, Object{Agent: &a})
}

// onAgent runs a command on one agent: the actor's gate for act, the agent as act allows on
// them, then fn in the command's transaction; it answers the agent as fn left it.
func (s *Service) onAgent(ctx context.Context, actor desk.Actor, id int64, act Action, fn func(w *work, a *desk.Agent) error) (desk.Agent, error) {
	return writeAs(s, ctx, actor, act, func(w *work) (desk.Agent, error) {
		if err := w.tx.LockToChange(ctx, store.AgentToChange, id); err != nil && !store.IsNotFound(err) {
			return desk.Agent{}, err // agentFor says who is not found
		}
		a, err := agentFor(w, id, act)
		if err != nil {
			return a, err
		}
		return a, fn(w, &a)
	})
}

// Agent returns an agent by id (to the desk's own people).
func (s *Service) Agent(ctx context.Context, actor desk.Actor, id int64) (desk.Agent, error) {
	a, err := readTxAs(s, ctx, actor, ActAgentRead, func(tx *store.Tx) (desk.Agent, error) {
		a, err := tx.Agent(ctx, id)
		return a, notFoundAs(err, "agent", id)
	})
	return a, wrap("load agent", err)
}

// Agents lists every agent (to the desk's own people).
func (s *Service) Agents(ctx context.Context, actor desk.Actor) ([]desk.Agent, error) {
	out, err := readTxAs(s, ctx, actor, ActAgentRead, func(tx *store.Tx) ([]desk.Agent, error) { return tx.Agents(ctx) })
	return out, wrap("list agents", err)
}

// EnsureAgent finds the agent with this email, or adds one with the role given: the
// command line's way in, before anyone can sign in.
func (s *Service) EnsureAgent(ctx context.Context, email, name string, role desk.Role) (desk.Agent, bool, error) {
	cp, err := desk.CanonicalContact("email", desk.ContactEmail, email)
	if err != nil {
		return desk.Agent{}, false, err
	}
	var a desk.Agent
	created := false
	err = s.write(ctx, desk.SystemActor(), func(w *work) error {
		tx := w.tx
		a, err = tx.AgentByEmail(ctx, cp.Value)
		if !store.IsNotFound(err) {
			return err
		}
		if name == "" {
			name = cp.Value
		}
		if a, err = desk.ValidateAgent(desk.NewAgent{Name: name, Email: cp.Value, Role: string(role)}, s.now()); err != nil {
			return err
		}
		created = true
		return tx.InsertAgent(ctx, &a)
	})
	return a, created, wrap("ensure agent", err)
}

// Authenticate finds the active agent a bearer token that is neither revoked nor expired
// belongs to, with the token on the actor. Any failure is the same "not found", so a caller
// learns nothing about which part was wrong.
func (s *Service) Authenticate(ctx context.Context, token string) (desk.Actor, error) {
	id, secret, err := auth.ParseToken(token)
	if err != nil {
		return desk.Actor{}, desk.NotFound("token", "")
	}
	var actor desk.Actor
	var lastUsed time.Time
	err = s.readLoose(ctx, func(tx *store.Tx) error { // one statement
		actor, lastUsed, err = s.checkToken(ctx, tx, id, secret)
		return err
	})
	if err != nil {
		return desk.Actor{}, wrap("authenticate", err)
	}
	s.noteTokenUse(ctx, id, lastUsed)
	return actor, nil
}

// SetPassword sets an agent's password (argon2id).
func (s *Service) SetPassword(ctx context.Context, agentID int64, password string) error {
	hash, err := auth.HashPassword(password)
	if err != nil {
		return desk.Invalid("password", "%v", err)
	}
	// A new password ends every browser session of the agent: whoever knew the old one is out.
	return wrap("set password", s.write(ctx, desk.SystemActor(), func(w *work) error {
		tx := w.tx
		if err := tx.SetPassword(ctx, agentID, hash); err != nil {
			return err
		}
		return tx.DeleteSessions(ctx, string(desk.ActorAgent), agentID, s.now())
	}))
}

// CustomerView is a customer with their cases, as the actor may see them.
type CustomerView struct {
	desk.Customer
	Cases []CaseSummary `json:"cases"`
}

// CaseSummary is a case in a list.
type CaseSummary struct {
	ID        int64       `json:"id"`
	Ref       string      `json:"ref"`
	Subject   string      `json:"subject"`
	Status    desk.Status `json:"status"`
	OwnerID   int64       `json:"owner_id"`
	Rung      int         `json:"rung"`
	Flags     []string    `json:"flags"`
	UpdatedAt string      `json:"updated_at"`
}

func summarize(c desk.Case) CaseSummary {
	return CaseSummary{ID: c.ID, Ref: c.Ref(), Subject: c.Subject, Status: c.Status, OwnerID: c.OwnerID, Rung: c.Rung,
		Flags: c.Flags, UpdatedAt: c.UpdatedAt.Format("2006-01-02T15:04:05Z07:00")}
}

// CreateCustomer adds a customer. A contact point already known answers 409 customer_exists
// with that customer's id, so integrations can look before they leap.
func (s *Service) CreateCustomer(ctx context.Context, actor desk.Actor, in desk.NewCustomer) (desk.Customer, error) {
	if err := gate(actor, ActCustomerCreate); err != nil {
		return desk.Customer{}, err
	}
	c, err := desk.ValidateCustomer(in, s.now())
	if err != nil {
		return c, err
	}
	err = s.write(ctx, actor, func(w *work) error {
		tx := w.tx
		for _, p := range c.Contacts {
			if id, err := tx.CustomerByContact(ctx, p); err == nil {
				return desk.Conflict("customer_exists", fmt.Sprintf("customer %d is already reachable at %s", id, p.Value), map[string]any{"id": id})
			} else if !store.IsNotFound(err) {
				return err
			}
		}
		return tx.InsertCustomer(ctx, &c)
	})
	return c, wrap("create customer", err)
}

// Customer returns a customer with their cases, if the actor may see them.
func (s *Service) Customer(ctx context.Context, actor desk.Actor, id int64) (CustomerView, error) {
	if !desk.CanSeeCustomer(actor, id) {
		return CustomerView{}, desk.NotFound("customer", id)
	}
	v, err := readValue(s, ctx, actor, func(w *work) (CustomerView, error) { return customerView(w, id) })
	return v, wrap("load customer", err)
}

// customerView is a customer with the cases of theirs the actor may see (at most 500, newest
// first): the API's customer and the case page's customer panel.
func customerView(w *work, id int64) (CustomerView, error) {
	c, err := w.customer(id)
	if err != nil {
		return CustomerView{}, notFoundAs(err, "customer", id)
	}
	cases, err := w.tx.Cases(w.ctx, store.CaseFilter{CustomerID: id, Limit: 500})
	if err != nil {
		return CustomerView{}, err
	}
	v := CustomerView{Customer: c, Cases: []CaseSummary{}}
	for _, cs := range cases {
		if desk.CanSeeCase(w.actor, cs) {
			v.Cases = append(v.Cases, summarize(cs))
		}
	}
	return v, nil
}

// AddReference attaches a reference to a customer, where every department finds it.
func (s *Service) AddReference(ctx context.Context, actor desk.Actor, customerID int64, r desk.Reference) (desk.Customer, error) {
	if err := gate(actor, ActCustomerReference); err != nil {
		return desk.Customer{}, err
	}
	refs, err := desk.ValidateReferences("reference", []desk.Reference{r})
	if err != nil {
		return desk.Customer{}, err
	}
	var c desk.Customer
	err = s.write(ctx, actor, func(w *work) error {
		tx := w.tx
		if _, err := tx.Customer(ctx, customerID); err != nil {
			return notFoundAs(err, "customer", customerID)
		}
		if err := tx.AddReference(ctx, customerID, refs[0], s.now()); err != nil {
			return err
		}
		c, err = tx.Customer(ctx, customerID)
		return err
	})
	return c, wrap("add reference", err)
}
