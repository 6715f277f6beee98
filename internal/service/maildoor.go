package service

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// The mail door: which recipients the desk takes mail for, and which senders are the desk
// itself. (What a mail's authentication says, and what follows from it, is in mailauth.go.)

// AcceptsRecipient reports whether the desk takes mail for addr (an SMTP RCPT): its own
// address (--mail-address) and that address's plus forms (support+k42.…@, the reply
// addresses), and the addresses and whole domains of MailConfig.Accept. Anything else is
// refused, so the desk is neither an open relay nor a catch-all that anyone can make mail
// from its own address.
func (s *Service) AcceptsRecipient(ctx context.Context, addr string) bool {
	if s.isDeskAddress(addr) || s.isTeamAddress(ctx, addr) {
		return true
	}
	_, domain, ok := splitAddress(addr)
	for _, a := range s.mailCfg.Accept {
		if d, whole := strings.CutPrefix(a, "@"); ok && whole && d == domain {
			return true
		}
	}
	return false
}

// deskAddresses are the desk's own mailbox addresses: --mail-address and the addresses (not
// the whole domains) of MailConfig.Accept.
func (s *Service) deskAddresses() []string {
	out := []string{s.mailCfg.Address}
	for _, a := range s.mailCfg.Accept {
		if !strings.HasPrefix(a, "@") {
			out = append(out, a)
		}
	}
	return out
}

// isDeskAddress reports whether addr is one of the desk's own addresses, or a plus form of one.
func (s *Service) isDeskAddress(addr string) bool {
	local, domain, ok := splitAddress(addr)
	if !ok {
		return false
	}
	if base, _, plus := strings.Cut(local, "+"); plus {
		local = base
	}
	for _, a := range s.deskAddresses() {
		if l, d, _ := splitAddress(a); l == local && d == domain {
			return true
		}
	}
	return false
}

// splitAddress lower-cases an address (with or without <>) and splits it at its last @.
func splitAddress(addr string) (local, domain string, ok bool) {
	addr = strings.ToLower(strings.TrimSpace(strings.Trim(strings.TrimSpace(addr), "<>")))
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 {
		return "", "", false
	}
	return addr[:at], addr[at+1:], true
}

// ParseMailAccept reads --mail-accept: addresses and whole domains (@example.com), separated
// by commas, each checked.
func ParseMailAccept(list string) ([]string, error) {
	var out []string
	for _, a := range strings.Split(list, ",") {
		a = strings.ToLower(strings.TrimSpace(a))
		if a == "" {
			continue
		}
		if d, whole := strings.CutPrefix(a, "@"); whole {
			if d == "" || strings.ContainsAny(d, "@ <>") || !strings.Contains(d, ".") && d != "localhost" {
				return nil, fmt.Errorf("%q is not a domain (want @example.com)", a)
			}
		} else if _, _, ok := splitAddress(a); !ok || strings.ContainsAny(a, " <>") {
			return nil, fmt.Errorf("%q is not an address or @domain", a)
		}
		out = append(out, a)
	}
	return out, nil
}

// teamAddresses are the addresses teams take mail at (PUT /api/v1/teams/{name}), as the mail
// door last read them: read again after a change here, or after teamAddressesFor on a node
// where another node may have changed them.
type teamAddresses struct {
	set    map[string]bool
	readAt time.Time
}

const teamAddressesFor = 10 * time.Second

// isTeamAddress reports whether addr is an address a team takes mail at. While the database
// does not answer, the set read last answers (none before the first read).
func (s *Service) isTeamAddress(ctx context.Context, addr string) bool {
	addr = strings.ToLower(strings.TrimSpace(addr))
	cur := s.teamAddrs.Load()
	if cur == nil || s.now().Sub(cur.readAt) >= teamAddressesFor || s.now().Before(cur.readAt) {
		var teams []desk.TeamSettings
		err := s.readTx(ctx, func(tx *store.Tx) error {
			var err error
			teams, err = tx.Teams(ctx)
			return err
		})
		if err == nil {
			next := &teamAddresses{set: map[string]bool{}, readAt: s.now()}
			for _, t := range teams {
				for _, a := range t.Addresses {
					next.set[a] = true
				}
			}
			s.teamAddrs.Store(next)
			cur = next
		} else if cur == nil {
			s.log.Error("mail door: could not read the teams' addresses", "err", err)
			return false
		}
	}
	return cur.set[addr]
}
