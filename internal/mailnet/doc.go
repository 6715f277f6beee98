// Package mailnet is mail over the network: the SMTP listener that takes the desk's mail, the
// IMAP poller that reads a mailbox the desk does not own, the outbox sender and the relay
// client it sends through. It parses, signs and composes nothing itself (package mail does)
// and keeps no state of its own: what must survive a restart (the outbox, where a poller
// stands) it reaches through small interfaces (Outbox, Checkpoints, Receiver) that the
// service implements on the database.
package mailnet
