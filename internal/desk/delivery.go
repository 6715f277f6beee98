package desk

import (
	"fmt"
	"strings"
)

// KindDeliveryFailed is the record entry saying a mail of the case never reached its
// recipient: the relay refused it for good, or it could not be sent in time. Without it the
// record would show a reply as sent that the customer never got.
const KindDeliveryFailed EntryKind = "delivery_failed"

// DeliveryFailedData names the mail that was not delivered and why.
type DeliveryFailedData struct {
	OutboxID int64  `json:"outbox_id"`
	To       string `json:"to"`
	EntryID  int64  `json:"entry_id,omitempty"` // the entry the mail carried, if any
	Reason   string `json:"reason"`             // the relay's answer, or the last error
	Attempts int    `json:"attempts"`
	GaveUp   bool   `json:"gave_up,omitempty"` // failed for too long, rather than refused
}

func (DeliveryFailedData) entryKind() EntryKind { return KindDeliveryFailed }

// MaxDeliveryReason bounds the relay's words kept on the record.
const MaxDeliveryReason = 500

// DeliveryFailed is the internal entry for a mail not delivered; the desk writes it, and the
// case's owner reads what to do.
func DeliveryFailed(d DeliveryFailedData) Draft {
	d.Reason = strings.TrimSpace(d.Reason)
	if r := []rune(d.Reason); len(r) > MaxDeliveryReason {
		d.Reason = string(r[:MaxDeliveryReason]) + "…"
	}
	why := fmt.Sprintf("the mail server refused it (%s)", d.Reason)
	if d.GaveUp {
		why = fmt.Sprintf("it could not be sent for 48 hours (last: %s)", d.Reason)
	}
	body := fmt.Sprintf("Not delivered to %s: %s. The customer has not received it; send it again once the address or the mail server is right, or reach them another way.", d.To, why)
	return Draft{Kind: KindDeliveryFailed, Actor: SystemActor(), Internal: true, Body: body, Data: d}
}
