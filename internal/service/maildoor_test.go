package service_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestAcceptsRecipient: the desk takes mail for its own addresses and domains only.
func TestAcceptsRecipient(t *testing.T) {
	accept, err := service.ParseMailAccept(" Billing@Desk.Test, @help.desk.test ,")
	if err != nil {
		t.Fatal(err)
	}
	svc := service.New(storetest.Open(t, "sqlite"), clock.NewFake(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)), slog.New(slog.DiscardHandler),
		service.WithMail(service.MailConfig{Address: "support@desk.test", Accept: accept}))
	ctx := context.Background()
	for addr, want := range map[string]bool{
		"support@desk.test": true, "<SUPPORT@desk.test>": true, "support+k42.abc@desk.test": true, "billing@desk.test": true,
		"billing+x@desk.test": true, "anyone@help.desk.test": true,
		"victim@example.org": false, "support@example.org": false, "sales@desk.test": false, "x@sub.help.desk.test": false,
		"support": false, "": false, "support@desk.test.evil.example": false,
	} {
		if got := svc.AcceptsRecipient(ctx, addr); got != want {
			t.Errorf("AcceptsRecipient(%q) = %v, want %v", addr, got, want)
		}
	}
	for _, bad := range []string{"not an address", "@", "@nodot", "a@b@", "x <y@z.test>"} {
		if _, err := service.ParseMailAccept(bad); err == nil {
			t.Errorf("ParseMailAccept(%q) took it", bad)
		}
	}
}
