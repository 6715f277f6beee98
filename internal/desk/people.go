package desk

import (
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is what an agent (or a partner's user) may do on the desk.
type Role string

// Roles, from the top of the ladder down.
const (
	RoleAdmin   Role = "admin"
	RoleManager Role = "manager"
	RoleLead    Role = "lead"
	RoleAgent   Role = "agent"
	RolePartner Role = "partner"
)

// ParseRole checks a role name.
func ParseRole(field, s string) (Role, error) {
	switch r := Role(strings.ToLower(strings.TrimSpace(s))); r {
	case RoleAdmin, RoleManager, RoleLead, RoleAgent, RolePartner:
		return r, nil
	case "":
		return RoleAgent, nil
	}
	return "", Invalid(field, "unknown role %q (use admin, manager, lead, agent or partner)", s)
}

// Team is a department; cases belong to one.
type Team struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Agent is a person working cases. ManagerID is the next rung up the escalation ladder.
type Agent struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Email     string    `json:"email"`
	Role      Role      `json:"role"`
	TeamID    int64     `json:"team_id,omitempty"`
	Team      string    `json:"team,omitempty"`
	ManagerID int64     `json:"manager_id,omitempty"`
	PartnerID int64     `json:"partner_id,omitempty"` // the partner organisation a partner user works for
	Timezone  string    `json:"timezone"`
	Hours     Hours     `json:"hours"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	// Loc is Timezone loaded, when whoever made the agent had it at hand (the store does):
	// loading a zone reads the zone database, and availability checks ask for it often.
	Loc *time.Location `json:"-"`
}

// Location is the agent's time zone (UTC when unset).
func (a Agent) Location() *time.Location {
	if a.Loc != nil && a.Loc.String() == a.Timezone {
		return a.Loc
	}
	if loc, err := time.LoadLocation(a.Timezone); err == nil && a.Timezone != "" {
		return loc
	}
	return time.UTC
}

// Customer is a person or organisation the desk serves.
type Customer struct {
	ID         int64       `json:"id"`
	Name       string      `json:"name"`
	Contacts   []Contact   `json:"contacts"`
	References []Reference `json:"references"`
	// Timezone is where the customer's times are shown; "" shows them in the desk's zone.
	Timezone string `json:"timezone,omitempty"`
	// Lang is the language the customer chose in the portal; "" reads English.
	Lang      string    `json:"lang,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Email is the customer's first email address, or "".
func (c Customer) Email() string {
	for _, p := range c.Contacts {
		if p.Kind == ContactEmail {
			return p.Value
		}
	}
	return ""
}

// Contact kinds: how a customer can be reached, and how inbound messages find them.
const (
	ContactEmail  = "email"
	ContactPhone  = "phone"
	ContactHandle = "handle"
)

// Contact is one way to reach a customer. Value is stored in its canonical form.
type Contact struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

// Reference is something a customer is known by: an account, order or tracking number.
// Key is its canonical search form; the value is kept as given.
type Reference struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
	Key   string `json:"-"`
}

// CanonicalContact checks a contact point and returns the form it is stored and matched in.
func CanonicalContact(field, kind, value string) (Contact, error) {
	value = strings.TrimSpace(value)
	switch kind {
	case ContactEmail:
		addr, err := mail.ParseAddress(value)
		if err != nil || addr.Name != "" || !strings.Contains(addr.Address, "@") {
			return Contact{}, Invalid(field, "%q is not an email address", value)
		}
		return Contact{Kind: kind, Value: strings.ToLower(addr.Address)}, nil
	case ContactPhone:
		var b strings.Builder
		for i, r := range value {
			switch {
			case r >= '0' && r <= '9':
				b.WriteRune(r)
			case r == '+' && i == 0:
				b.WriteRune(r)
			case strings.ContainsRune(" -().", r):
			default:
				return Contact{}, Invalid(field, "%q is not a phone number", value)
			}
		}
		if n := b.Len(); n < 5 || n > 20 {
			return Contact{}, Invalid(field, "%q is not a phone number", value)
		}
		return Contact{Kind: kind, Value: b.String()}, nil
	case ContactHandle:
		if value == "" || utf8.RuneCountInString(value) > 200 {
			return Contact{}, Invalid(field, "a handle must be 1 to 200 characters")
		}
		return Contact{Kind: kind, Value: strings.ToLower(value)}, nil
	}
	return Contact{}, Invalid(field, "unknown contact kind %q", kind)
}

// ActorKind says who did something on the record.
type ActorKind string

// Kinds of actors.
const (
	ActorAgent    ActorKind = "agent"
	ActorCustomer ActorKind = "customer"
	ActorSystem   ActorKind = "system"
	// ActorAutomation is an automation an admin set up, acting as itself (its id and
	// "automation: <name>"), with its own rights in the permission table.
	ActorAutomation ActorKind = "automation"
)

// Actor is who runs a command: an agent (with a role), a customer, or the desk itself.
type Actor struct {
	Kind      ActorKind `json:"kind"`
	ID        int64     `json:"id,omitempty"`
	Name      string    `json:"name"`
	Role      Role      `json:"role,omitempty"`
	PartnerID int64     `json:"-"` // for a partner user: their organisation, whose cases they may see
	// Token is the API token the agent acts through (nil in a browser session, for customers
	// and for the desk itself): commands that record what an integration did name it.
	Token *TokenGrant `json:"-"`
}

// AgentActor is an agent acting.
func AgentActor(a Agent) Actor {
	return Actor{Kind: ActorAgent, ID: a.ID, Name: a.Name, Role: a.Role, PartnerID: a.PartnerID}
}

// CustomerActor is a customer acting.
func CustomerActor(c Customer) Actor { return Actor{Kind: ActorCustomer, ID: c.ID, Name: c.Name} }

// AutomationActor is an automation acting: the record names it.
func AutomationActor(id int64, name string) Actor {
	return Actor{Kind: ActorAutomation, ID: id, Name: "automation: " + name}
}

// SystemActor is the desk acting by itself (timers, intake).
func SystemActor() Actor { return Actor{Kind: ActorSystem, Name: "Kept"} }

// NewAgent is what it takes to add an agent.
type NewAgent struct {
	Name      string
	Email     string
	Role      string
	Team      string
	ManagerID int64
	PartnerID int64 // required for role partner, refused otherwise
	Timezone  string
	Hours     map[string][]string // nil: the default working week
}

// ValidateAgent checks a new agent and returns it ready to store (team and manager are
// resolved by the caller, who knows which exist).
func ValidateAgent(in NewAgent, now time.Time) (Agent, error) {
	name := strings.TrimSpace(in.Name)
	if name == "" || utf8.RuneCountInString(name) > 200 {
		return Agent{}, Invalid("name", "a name of 1 to 200 characters is required")
	}
	email, err := CanonicalContact("email", ContactEmail, in.Email)
	if err != nil {
		return Agent{}, err
	}
	role, err := ParseRole("role", in.Role)
	if err != nil {
		return Agent{}, err
	}
	tz := strings.TrimSpace(in.Timezone)
	if tz == "" {
		tz = "UTC"
	}
	if _, err := time.LoadLocation(tz); err != nil || strings.EqualFold(tz, "local") {
		return Agent{}, Invalid("timezone", "%q is not an IANA time zone such as Europe/Tallinn", in.Timezone)
	}
	hours := DefaultHours()
	if in.Hours != nil {
		if hours, err = ParseHours("hours", in.Hours); err != nil {
			return Agent{}, err
		}
	}
	if (role == RolePartner) != (in.PartnerID != 0) {
		return Agent{}, Invalid("partner_id", "a partner user needs the partner_id of their organisation, and only partner users have one")
	}
	return Agent{Name: name, Email: email.Value, Role: role, Team: strings.TrimSpace(in.Team),
		ManagerID: in.ManagerID, PartnerID: in.PartnerID, Timezone: tz, Hours: hours, Active: true, CreatedAt: now}, nil
}

// NewCustomer is what it takes to add a customer.
type NewCustomer struct {
	Name       string
	Email      string
	Phone      string
	Handle     string
	References []Reference
	Lang       string // the language the desk writes to them in ("" reads English)
	Timezone   string // an IANA zone their times are written in ("" : the team's)
}

// ValidateCustomer checks a new customer and returns it ready to store.
func ValidateCustomer(in NewCustomer, now time.Time) (Customer, error) {
	c := Customer{Name: strings.TrimSpace(in.Name), CreatedAt: now}
	for _, p := range []struct{ field, kind, value string }{
		{"email", ContactEmail, in.Email}, {"phone", ContactPhone, in.Phone}, {"handle", ContactHandle, in.Handle},
	} {
		if strings.TrimSpace(p.value) == "" {
			continue
		}
		cp, err := CanonicalContact(p.field, p.kind, p.value)
		if err != nil {
			return Customer{}, err
		}
		c.Contacts = append(c.Contacts, cp)
	}
	if len(c.Contacts) == 0 {
		return Customer{}, Invalid("email", "an email, phone or handle is required to reach the customer")
	}
	if c.Name == "" {
		c.Name = c.Contacts[0].Value
	}
	if utf8.RuneCountInString(c.Name) > 200 {
		return Customer{}, Invalid("name", "a name may have at most 200 characters")
	}
	refs, err := ValidateReferences("references", in.References)
	if err != nil {
		return Customer{}, err
	}
	c.References = refs
	if c.Lang = strings.ToLower(strings.TrimSpace(in.Lang)); c.Lang != "" && !slices.Contains(Languages(), c.Lang) {
		return Customer{}, Invalid("language", "the desk writes %s; %q is none of them", strings.Join(Languages(), ", "), in.Lang)
	}
	if c.Timezone = strings.TrimSpace(in.Timezone); c.Timezone != "" {
		if _, err := time.LoadLocation(c.Timezone); err != nil || c.Timezone == "Local" {
			return Customer{}, Invalid("timezone", "unknown time zone %q (use a name such as Europe/Tallinn)", in.Timezone)
		}
	}
	return c, nil
}
