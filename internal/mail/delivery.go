package mail

import (
	"net"
	"time"
)

// Delivery is one message handed to the desk, over SMTP or from a polled mailbox.
type Delivery struct {
	From string   // the envelope sender (MAIL FROM, or a polled mail's Return-Path), "" for bounces
	To   []string // the envelope recipients
	Raw  []byte
	// Where it came from, for SPF: the SMTP client's address and the name it greeted with.
	// Unset for mail read from a mailbox, whose last hop the desk did not see.
	RemoteIP net.IP
	Helo     string
}

// Queued is a mail in the desk's outbox as a sender takes it: who it goes to, its bytes, and
// how often it was tried.
type Queued struct {
	ID        int64
	CaseID    int64 // 0: a mail of no case
	From      string
	To        string
	Also      []string // further envelope recipients: the case's copies (cc, bcc)
	MessageID string
	Raw       []byte
	Attempts  int // counting the one this claim starts
	CreatedAt time.Time
}

// Failure is a failed attempt to send a queued mail, as the sender records it.
type Failure struct {
	Reason  string    // the relay's answer, or the error on the way to it
	RetryAt time.Time // when to try again, unless Final
	Final   bool      // never sent again: refused for good, or given up
	GaveUp  bool      // final because it failed for too long, not because it was refused
}
