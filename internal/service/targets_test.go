package service_test

import (
	"math"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestTargetsWithinAYear: a target or a confirmation wait longer than 366 days is refused,
// naming its field. The store keeps them in seconds as 32-bit numbers, so on PostgreSQL one
// of 2^31 seconds or more failed with a server error.
func TestTargetsWithinAYear(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		admin := desk.AgentActor(sc.head)
		long := time.Duration(math.MaxInt64)
		many := math.MaxInt
		for field, in := range map[string]service.TeamSettingsIn{
			"response_target_s":   {ResponseTarget: &long},
			"resolution_target_s": {ResolutionTarget: &long},
			"confirm_wait_s":      {ConfirmWait: &long},
			"repeat_contacts":     {RepeatContacts: &many}, // a count, kept as a 32-bit number too
		} {
			if _, err := sc.svc.SetTeamSettings(sc.ctx, admin, "Billing", in); errField(err) != field {
				t.Errorf("%s of 292 years: %v", field, err)
			}
		}
		ct := must(sc.svc.CreateCaseType(sc.ctx, sc.sys, desk.NewCaseType{Name: "Return"}))
		if _, err := sc.svc.UpdateCaseType(sc.ctx, admin, ct.ID, service.CaseTypeUpdate{ResponseTarget: ptr(3 * 365 * 24 * time.Hour)}); errField(err) != "response_target_s" {
			t.Errorf("a case type's target of three years: %v", err)
		}
		must(sc.svc.SetTeamSettings(sc.ctx, admin, "Billing", service.TeamSettingsIn{ResolutionTarget: ptr(365 * 24 * time.Hour)}))
	})
}

// errField is the field a desk error names ("" for none).
func errField(err error) string {
	e, _ := desk.AsError(err)
	if e == nil {
		return ""
	}
	return e.Field
}
