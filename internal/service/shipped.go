package service

import (
	"context"
	"fmt"
	"strings"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// EnsureShippedAutomations sets up the examples Kept ships (desk.ShippedAutomations), turned
// off, each once in the life of the desk (kept serve runs it at start): an example an admin
// removed does not come back, and one whose name an admin's rule already has is left out. The
// invoice example routes to the Billing team only when the desk has one.
func (s *Service) EnsureShippedAutomations(ctx context.Context) error {
	var added []string
	err := s.write(ctx, desk.SystemActor(), func(w *work) error {
		have, err := w.tx.Automations(w.ctx)
		if err != nil {
			return err
		}
		for _, ex := range desk.ShippedAutomations() {
			first, err := w.tx.ClaimShipped(w.ctx, ex.Key, w.now)
			if err != nil {
				return err
			}
			if !first || named(have, ex.Rule.Name) {
				continue
			}
			a := ex.Rule
			if a.Then, err = shippedActions(w, a.Then); err != nil {
				return err
			}
			a.Active, a.CreatedAt, a.UpdatedAt = false, w.now, w.now
			if err := desk.CheckAutomation(a); err != nil {
				return fmt.Errorf("shipped automation %q: %w", ex.Key, err)
			}
			if err := w.tx.InsertAutomation(w.ctx, &a, 0); err != nil {
				return err
			}
			added = append(added, a.Name)
		}
		if len(added) > 0 {
			w.afterCommit(func() { s.autos.Store(nil) })
		}
		return nil
	})
	if err != nil {
		return wrap("set up the shipped automations", err)
	}
	if len(added) > 0 {
		s.log.Info("shipped automations set up, turned off", "automations", strings.Join(added, "; "))
	}
	return nil
}

// shippedActions leaves out an assignment to a team the desk does not have.
func shippedActions(w *work, acts []desk.AutomationAction) ([]desk.AutomationAction, error) {
	var out []desk.AutomationAction
	for _, act := range acts {
		if act.Do == desk.DoAssign && act.Team != "" {
			if _, err := w.tx.TeamID(w.ctx, act.Team); store.IsNotFound(err) {
				continue
			} else if err != nil {
				return nil, err
			}
		}
		out = append(out, act)
	}
	return out, nil
}

func named(rules []desk.Automation, name string) bool {
	for _, a := range rules {
		if strings.EqualFold(a.Name, name) {
			return true
		}
	}
	return false
}
