package service_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

func errKind(err error) desk.ErrorKind {
	if e, ok := desk.AsError(err); ok {
		return e.Kind
	}
	return 0
}

// tokenNamed finds a token in a list.
func tokenNamed(list []desk.Token, id int64) (desk.Token, bool) {
	for _, k := range list {
		if k.ID == id {
			return k, true
		}
	}
	return desk.Token{}, false
}

// TestTokenLifetime: a token works until it expires or is revoked, and then at once no more;
// the actor it signs in as carries the token, its label, issuer and scopes; the list says which
// tokens work. (Before, tokens never expired and nothing revoked them.)
func TestTokenLifetime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		svc, clk := newService(t, backend)
		sys := desk.SystemActor()
		ann := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ann Admin", Email: "ann@desk.test", Role: "admin"}))
		phone := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Phone system", Email: "phone@desk.test", Role: "agent"}))
		asAnn := desk.AgentActor(ann)

		voice := must(svc.CreateToken(ctx, asAnn, service.NewToken{AgentID: phone.ID, Label: "Phone system",
			Scopes: []string{"customer-voice"}, Expires: clk.Now().Add(48 * time.Hour)}))
		if voice.Secret == "" || voice.AgentEmail != "phone@desk.test" || voice.State != desk.TokenActive || voice.IssuedBy != ann.ID ||
			voice.ExpiresAt == nil || !voice.ExpiresAt.Equal(clk.Now().Add(48*time.Hour)) || voice.LastUsedAt != nil {
			t.Fatalf("issued %+v", voice)
		}
		me := must(svc.Authenticate(ctx, voice.Secret))
		g := me.Token
		if me.ID != phone.ID || g == nil || g.ID != voice.ID || g.Label != "Phone system" || g.IssuedBy != ann.ID || g.IssuedByName != "Ann Admin" ||
			!me.HasScope(desk.ScopeCustomerVoice) {
			t.Fatalf("the token signs in as %+v with %+v", me, g)
		}
		if got, want := g.String(), `the "Phone system" integration (token `+strconv.FormatInt(voice.ID, 10)+`, issued by Ann Admin)`; got != want {
			t.Errorf("the token is named %q, want %q", got, want)
		}

		plain := must(svc.IssueToken(ctx, ann.ID, "scripts"))
		asPlain := must(svc.Authenticate(ctx, plain))
		if asPlain.HasScope(desk.ScopeCustomerVoice) || asPlain.Token == nil || asPlain.Token.Issuer() != "the command line" {
			t.Errorf("a command-line token signs in with %+v", asPlain.Token)
		}

		// Expired: refused at the second it expires, and listed as expired.
		clk.Advance(48 * time.Hour)
		if _, err := svc.Authenticate(ctx, voice.Secret); !isNotFound(err) {
			t.Errorf("an expired token authenticates: %v", err)
		}
		err := svc.ReadAs(ctx, voice.Secret, false, func(*service.Service, desk.Actor) error {
			t.Error("an expired token reached a read page")
			return nil
		})
		if !isNotFound(err) {
			t.Errorf("an expired token on a read page: %v", err)
		}
		list := must(svc.Tokens(ctx, sys))
		if k, ok := tokenNamed(list, voice.ID); !ok || k.State != desk.TokenExpired {
			t.Errorf("the expired token is listed as %+v", k)
		}

		// Revoked: refused on the very next request, on both paths.
		revoked := must(svc.RevokeToken(ctx, asAnn, asPlain.Token.ID))
		if revoked.State != desk.TokenRevoked || revoked.RevokedAt == nil || !revoked.RevokedAt.Equal(clk.Now()) {
			t.Errorf("revoked %+v", revoked)
		}
		if _, err := svc.Authenticate(ctx, plain); !isNotFound(err) {
			t.Errorf("a revoked token authenticates: %v", err)
		}
		if err := svc.ReadAs(ctx, plain, true, func(*service.Service, desk.Actor) error { return nil }); !isNotFound(err) {
			t.Errorf("a revoked token on a read page: %v", err)
		}
		clk.Advance(time.Hour)
		if again := must(svc.RevokeToken(ctx, asAnn, asPlain.Token.ID)); !again.RevokedAt.Equal(*revoked.RevokedAt) {
			t.Errorf("revoking again moved the time it was revoked: %v, want %v", again.RevokedAt, revoked.RevokedAt)
		}
		if _, err := svc.RevokeToken(ctx, asAnn, 424242); !isNotFound(err) {
			t.Errorf("revoking no token: %v", err)
		}

		// An expiry in the past is refused: such a token would never work.
		if _, err := svc.CreateToken(ctx, asAnn, service.NewToken{Expires: clk.Now().Add(-time.Minute)}); errKind(err) != desk.KindInvalid {
			t.Errorf("a token expiring in the past: %v, want invalid", err)
		}
	})
}

// TestTokenPermissions: an agent manages their own tokens only and grants no scopes; an admin
// manages everyone's; a partner user's token never acts for customers.
func TestTokenPermissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		svc, _ := newService(t, backend)
		sys := desk.SystemActor()
		admin := desk.AgentActor(must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ada", Email: "ada@desk.test", Role: "admin"})))
		ann := desk.AgentActor(must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ann", Email: "ann@desk.test", Role: "agent"})))
		bob := desk.AgentActor(must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Bob", Email: "bob@desk.test", Role: "manager"})))
		firm := must(svc.CreatePartner(ctx, admin, "FixIt Ltd"))
		pete := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Pete", Email: "pete@fixit.test", Role: "partner", PartnerID: firm.ID}))

		own := must(svc.CreateToken(ctx, ann, service.NewToken{Label: "my script"}))
		if own.AgentID != ann.ID || own.IssuedBy != ann.ID {
			t.Errorf("Ann's own token %+v", own)
		}
		bobs := must(svc.CreateToken(ctx, admin, service.NewToken{AgentID: bob.ID}))
		for _, c := range []struct {
			name string
			in   service.NewToken
			kind desk.ErrorKind
		}{
			{"an agent issuing for another", service.NewToken{AgentID: bob.ID}, desk.KindForbidden},
			{"an agent granting a scope", service.NewToken{Label: "Phone", Scopes: []string{"customer-voice"}}, desk.KindForbidden},
			{"an unknown scope", service.NewToken{Scopes: []string{"root"}}, desk.KindInvalid},
		} {
			if _, err := svc.CreateToken(ctx, ann, c.in); errKind(err) != c.kind {
				t.Errorf("%s: %v, want kind %d", c.name, err, c.kind)
			}
		}
		if _, err := svc.CreateToken(ctx, admin, service.NewToken{AgentID: pete.ID, Label: "Phone", Scopes: []string{"customer-voice"}}); errKind(err) != desk.KindInvalid {
			t.Errorf("a customer-voice token for a partner user: %v, want invalid", err)
		}
		if _, err := svc.CreateToken(ctx, admin, service.NewToken{AgentID: ann.ID, Scopes: []string{"customer-voice"}}); errKind(err) != desk.KindInvalid {
			t.Errorf("a customer-voice token naming no integration: %v, want invalid", err)
		}
		if _, err := svc.CreateToken(ctx, desk.CustomerActor(desk.Customer{ID: 1, Name: "Mari"}), service.NewToken{}); errKind(err) != desk.KindForbidden {
			t.Errorf("a customer issuing a token: %v, want forbidden", err)
		}

		if list := must(svc.Tokens(ctx, ann)); len(list) != 1 || list[0].ID != own.ID {
			t.Errorf("Ann's list %+v, want her own token only", list)
		}
		if list := must(svc.Tokens(ctx, admin)); len(list) != 2 {
			t.Errorf("the admin's list has %d tokens, want 2", len(list))
		}
		if _, err := svc.RevokeToken(ctx, ann, bobs.ID); !isNotFound(err) {
			t.Errorf("Ann revoking Bob's token: %v, want not found", err)
		}
		if _, err := svc.Authenticate(ctx, bobs.Secret); err != nil {
			t.Errorf("Bob's token stopped working: %v", err)
		}
		must(svc.RevokeToken(ctx, ann, own.ID))
		must(svc.RevokeToken(ctx, admin, bobs.ID))
		if _, err := svc.Authenticate(ctx, bobs.Secret); !isNotFound(err) {
			t.Errorf("Bob's token revoked by the admin: %v", err)
		}
	})
}

// TestTokenLastUse: a token's last use is written at most once a minute, on the write path and
// on read pages alike.
func TestTokenLastUse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		svc, clk := newService(t, backend)
		sys := desk.SystemActor()
		ann := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ann", Email: "ann@desk.test", Role: "agent"}))
		k := must(svc.CreateToken(ctx, sys, service.NewToken{AgentID: ann.ID}))
		lastUse := func() *time.Time {
			t.Helper()
			got, _ := tokenNamed(must(svc.Tokens(ctx, sys)), k.ID)
			return got.LastUsedAt
		}
		if u := lastUse(); u != nil {
			t.Fatalf("a new token was used at %v", u)
		}
		t0 := clk.Now()
		must(svc.Authenticate(ctx, k.Secret))
		if u := lastUse(); u == nil || !u.Equal(t0) {
			t.Fatalf("last use %v, want %v", u, t0)
		}
		clk.Advance(59 * time.Second)
		must(svc.Authenticate(ctx, k.Secret))
		if err := svc.ReadAs(ctx, k.Secret, false, func(*service.Service, desk.Actor) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if u := lastUse(); u == nil || !u.Equal(t0) {
			t.Errorf("within the minute the last use moved to %v, want it kept at %v", u, t0)
		}
		clk.Advance(time.Second)
		if err := svc.ReadAs(ctx, k.Secret, true, func(*service.Service, desk.Actor) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if u := lastUse(); u == nil || !u.Equal(clk.Now()) {
			t.Errorf("a minute on, a read page left the last use at %v, want %v", u, clk.Now())
		}
		// A failed check is no use.
		clk.Advance(time.Hour)
		forged := k.Secret[:len(k.Secret)-1] + "A"
		if forged == k.Secret {
			forged = k.Secret[:len(k.Secret)-1] + "B"
		}
		if _, err := svc.Authenticate(ctx, forged); !isNotFound(err) {
			t.Fatalf("a forged token: %v", err)
		}
		if u := lastUse(); u == nil || !u.Equal(clk.Now().Add(-time.Hour)) {
			t.Errorf("a forged token moved the last use to %v", u)
		}
	})
}
