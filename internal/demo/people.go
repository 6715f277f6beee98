package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/text"
)

// The demo's teams.
const (
	teamBilling    = "Billing"
	teamRepairs    = "Repairs"
	teamDeliveries = "Deliveries"
)

// agentSpec is one of the demo's twelve agents. speaks is the language the agent writes
// besides English, so cases in Estonian or Croatian go to someone who can answer them.
type agentSpec struct {
	name, email string
	role        desk.Role
	team        string
	tz          string
	speaks      lang
	hours       map[string][]string
	boss        int // index of the manager in the list; -1 for the head of care
}

// week returns weekly hours in the contract's format: the listed days get spans, the rest
// of the week is off (an empty list, so every day is present).
func week(days string, spans ...string) map[string][]string {
	h := map[string][]string{}
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		h[d] = []string{}
	}
	for d := range strings.FieldsSeq(days) {
		h[d] = append([]string(nil), spans...)
	}
	return h
}

// demoAgents is the desk's staff: the head of care, a manager or lead per team and eight
// agents. Each team has someone for Estonian and for Croatian customers.
func demoAgents() []agentSpec {
	const weekdays = "mon tue wed thu fri"
	std := func() map[string][]string { return week(weekdays, "09:00-12:30", "13:30-17:00") }
	early := func() map[string][]string { return week(weekdays, "08:00-12:00", "12:45-16:30") }
	const (
		tallinn = "Europe/Tallinn"
		zagreb  = "Europe/Zagreb"
		london  = "Europe/London"
	)
	return []agentSpec{
		{"Kristiina Saar", headEmail, desk.RoleAdmin, "", tallinn, estonian, std(), -1},

		{"Oliver Bennett", "oliver.bennett@demo.kept.example", desk.RoleManager, teamBilling, london, english, std(), 0},
		{"Tomislav Jurić", "tomislav.juric@demo.kept.example", desk.RoleLead, teamRepairs, zagreb, croatian, early(), 0},
		{"Andres Kangur", leadEmail, desk.RoleLead, teamDeliveries, tallinn, estonian, std(), 0},

		{"Liis Kukk", agentEmail, desk.RoleAgent, teamBilling, tallinn, estonian, std(), 1},
		{"Ivana Perić", "ivana.peric@demo.kept.example", desk.RoleAgent, teamBilling, zagreb, croatian, early(), 1},
		// Part-time: three mornings a week.
		{"Hannah Cole", "hannah.cole@demo.kept.example", desk.RoleAgent, teamBilling, london, english, week("mon tue thu", "09:00-13:00"), 1},

		{"Siim Lepik", "siim.lepik@demo.kept.example", desk.RoleAgent, teamRepairs, tallinn, estonian, std(), 2},
		{"Rhys Morgan", "rhys.morgan@demo.kept.example", desk.RoleAgent, teamRepairs, london, english, std(), 2},
		// Part-time: short days Monday to Wednesday.
		{"Petra Babić", "petra.babic@demo.kept.example", desk.RoleAgent, teamRepairs, zagreb, croatian, week("mon tue wed", "08:30-12:00", "12:30-14:30"), 2},

		// The weekend shift: Wednesday to Sunday.
		{"Grace Whitfield", "grace.whitfield@demo.kept.example", desk.RoleAgent, teamDeliveries, london, english, week("wed thu fri sat sun", "10:00-13:30", "14:00-18:30"), 3},
		{"Luka Novak", "luka.novak@demo.kept.example", desk.RoleAgent, teamDeliveries, zagreb, croatian, early(), 3},
	}
}

// names are first and last names per language.
type names struct{ first, last []string }

func demoNames() [3]names {
	return [3]names{
		english: {
			first: []string{"Emma", "Olivia", "Sophie", "Charlotte", "Hannah", "Lucy", "Grace", "Amelia", "Chloe", "Megan", "Eleanor", "Rachel",
				"James", "Oliver", "Thomas", "Harry", "Jack", "George", "William", "Daniel", "Samuel", "Alfie", "Callum", "Rhys", "Niamh", "Fraser"},
			last: []string{"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Evans", "Roberts", "Walker", "Wright",
				"Robinson", "Thompson", "Hughes", "Edwards", "Green", "Hall", "Wood", "Campbell", "MacLeod", "O'Brien", "Patel", "Khan"},
		},
		estonian: {
			first: []string{"Mari", "Kadri", "Liis", "Triin", "Anu", "Kristiina", "Piret", "Maarja", "Helen", "Kersti", "Eve", "Tiina",
				"Jaan", "Andres", "Tõnu", "Margus", "Priit", "Rein", "Toomas", "Siim", "Marko", "Urmas", "Indrek", "Mart", "Jüri", "Ülle"},
			last: []string{"Tamm", "Saar", "Sepp", "Mägi", "Kask", "Kukk", "Rebane", "Ilves", "Pärn", "Koppel", "Lepik", "Kuusk",
				"Oja", "Raudsepp", "Vaher", "Põder", "Mets", "Lõhmus", "Kivi", "Org"},
		},
		croatian: {
			first: []string{"Ana", "Ivana", "Marija", "Petra", "Maja", "Katarina", "Lucija", "Nikolina", "Jelena", "Tea",
				"Ivan", "Luka", "Marko", "Tomislav", "Josip", "Ante", "Matej", "Dario", "Krešimir", "Stjepan", "Davor", "Goran"},
			last: []string{"Horvat", "Kovačević", "Babić", "Marić", "Jurić", "Novak", "Knežević", "Vuković", "Marković", "Petrović",
				"Matić", "Tomić", "Pavlović", "Božić", "Grgić", "Šimić", "Perić", "Blažević", "Radić", "Lovrić"},
		},
	}
}

// customer is a demo customer as stored, with what the texts about them need.
type customer struct {
	desk.Customer                  // set once stored
	input         desk.NewCustomer // what is stored
	lang          lang
	first         string
	account       string
	orders        []string
	tracking      map[string]string // order number → tracking number, for the orders that have one
	contract      string
	lookalike     bool // writes with Cyrillic letters hidden in Latin words
}

// customerPlan draws the demo's customers: names, unique contact points and references.
// Nothing is stored here; run stores them in order.
func customerPlan(r *rand.Rand, n int, year int) []*customer {
	nm := demoNames()
	used := map[string]bool{} // emails, phones, handles and reference values already given
	unique := func(s string) bool {
		if used[s] {
			return false
		}
		used[s] = true
		return true
	}
	accounts := r.Perm(900) // ACC-100 … ACC-999, each once
	out := make([]*customer, 0, n)
	for i := range n {
		c := &customer{lang: pickLang(r), tracking: map[string]string{}}
		names := nm[c.lang]
		c.first = names.first[r.IntN(len(names.first))]
		c.Name = c.first + " " + names.last[r.IntN(len(names.last))]
		in := desk.NewCustomer{Name: c.Name}
		for in.Email == "" || !unique(in.Email) {
			in.Email = emailFor(r, c.Name, c.lang)
		}
		if r.IntN(10) < 4 {
			for in.Phone == "" || !unique(in.Phone) {
				in.Phone = phoneFor(r, c.lang)
			}
		}
		if r.IntN(8) == 0 {
			for in.Handle == "" || !unique(in.Handle) {
				in.Handle = fmt.Sprintf("@%s%d", asciiWord(c.first), 10+r.IntN(90))
			}
		}
		c.account = fmt.Sprintf("ACC-%d", 100+accounts[i])
		in.References = append(in.References, desk.Reference{Kind: "account", Value: c.account})
		orders := 0
		if r.IntN(10) < 7 {
			orders = 1 + r.IntN(3)
		}
		for range orders {
			var o string
			for o == "" || !unique(o) {
				o = fmt.Sprintf("ORD-%d-%05d", year-r.IntN(2), 1+r.IntN(99999))
			}
			c.orders = append(c.orders, o)
			in.References = append(in.References, desk.Reference{Kind: "order", Value: o})
			if r.IntN(2) == 0 {
				var t string
				for t == "" || !unique(t) {
					t = trackingNumber(r, c.lang)
				}
				c.tracking[o] = t
				in.References = append(in.References, desk.Reference{Kind: "tracking", Value: t})
			}
		}
		if r.IntN(10) < 3 {
			for c.contract == "" || !unique(c.contract) {
				c.contract = fmt.Sprintf("CT-%d", 10000+r.IntN(90000))
			}
			in.References = append(in.References, desk.Reference{Kind: "contract", Value: c.contract})
		}
		c.input = in
		out = append(out, c)
	}
	return out
}

// pickLang gives 60% English, 20% Estonian and 20% Croatian.
func pickLang(r *rand.Rand) lang {
	switch n := r.IntN(10); {
	case n < 6:
		return english
	case n < 8:
		return estonian
	default:
		return croatian
	}
}

// asciiWord is a name as it goes into an email address: folded to plain lower-case letters.
func asciiWord(s string) string {
	var b strings.Builder
	for _, r := range text.Fold(s) {
		if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// emailFor makes an address at the example domain of the customer's country (reserved
// domains, so the demo never mails a real person).
func emailFor(r *rand.Rand, name string, l lang) string {
	first, last, _ := strings.Cut(name, " ")
	f, s := asciiWord(first), asciiWord(last)
	domain := [...]string{"example.com", "example.ee", "example.hr"}[l]
	switch r.IntN(4) {
	case 0:
		return f + "." + s + "@" + domain
	case 1:
		return f + s + "@" + domain
	case 2:
		return f[:1] + "." + s + "@" + domain
	default:
		return fmt.Sprintf("%s_%s%d@%s", f, s, 1+r.IntN(99), domain)
	}
}

// phoneFor makes a mobile number in the style of the customer's country. UK numbers use the
// range Ofcom keeps for drama; the others use a 555 block.
func phoneFor(r *rand.Rand, l lang) string {
	switch l {
	case estonian:
		return fmt.Sprintf("+372 5550 %04d", r.IntN(10000))
	case croatian:
		return fmt.Sprintf("+385 91 555 %04d", r.IntN(10000))
	}
	return fmt.Sprintf("+44 7700 900%03d", r.IntN(1000))
}

// trackingNumber makes a UPU S10 number such as RR123456785EE, with a valid check digit.
func trackingNumber(r *rand.Rand, l lang) string {
	prefixes := []string{"RR", "RB", "CP", "CX", "LX"}
	digits := fmt.Sprintf("%08d", r.IntN(100000000))
	country := [...]string{"GB", "EE", "HR"}[l]
	return fmt.Sprintf("%s%s%d%s", prefixes[r.IntN(len(prefixes))], digits, s10Check(digits), country)
}

// s10Check is the check digit of an S10 number's eight serial digits.
func s10Check(digits string) int {
	weights := [8]int{8, 6, 4, 2, 3, 5, 9, 7}
	sum := 0
	for i, d := range digits {
		sum += int(d-'0') * weights[i]
	}
	switch check := 11 - sum%11; check {
	case 10:
		return 0
	case 11:
		return 5
	default:
		return check
	}
}

// timesBetween returns n sorted random times in [from, to), cut to whole seconds.
func timesBetween(r *rand.Rand, n int, from, to time.Time) []time.Time {
	span := to.Sub(from)
	out := make([]time.Time, n)
	for i := range out {
		out[i] = from.Add(time.Duration(r.Int64N(int64(span)))).Truncate(time.Second)
	}
	slices.SortFunc(out, time.Time.Compare)
	return out
}
