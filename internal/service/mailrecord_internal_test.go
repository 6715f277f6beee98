package service

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
)

// oldMailData is how a mail's entry data was built while it was a map[string]any (aa7cff8):
// mailData, then the sender's verdict (mail.Auth.Data), then unverified_sender where a path
// set it. The records written then hash the bytes it marshalled to.
func oldMailData(mailID int64, sha256 string, msg *mail.Message, a mail.Auth, unverified bool) map[string]any {
	data := map[string]any{"mail_id": mailID, "sha256": sha256, "message_id": msg.MessageID, "subject": msg.Subject, "from": msg.From.Email}
	if msg.Automatic {
		data["automatic"] = true
	}
	if len(msg.Problems) > 0 {
		data["problems"] = msg.Problems
	}
	if len(msg.Attachments) > 0 {
		var names []string
		for _, a := range msg.Attachments {
			names = append(names, a.Filename)
		}
		data["attachments"] = names
	}
	if msg.SafeHTML != "" {
		data["html"] = true
	}
	d := map[string]any{"from_domain": a.FromDomain, "by": a.By, "aligned": a.Aligned, "verified": !a.Unverified}
	if a.EnvelopeDomain != "" {
		d["envelope_domain"] = a.EnvelopeDomain
	}
	if a.SPF != "" {
		d["spf"] = a.SPF
	}
	if len(a.DKIM) > 0 {
		sigs := make([]string, len(a.DKIM))
		for i, s := range a.DKIM {
			sigs[i] = s.Domain + "=" + s.Result
		}
		d["dkim"] = sigs
	}
	if a.DMARC != "" {
		d["dmarc"] = a.DMARC
	}
	if a.Reason != "" {
		d["reason"] = a.Reason
	}
	data["auth"] = d
	if unverified {
		data["unverified_sender"] = true
	}
	return data
}

// TestMailDataAsBefore (issue 14, finding 6): a mail's entry data, now typed, is stored byte
// for byte as the map was, for real parsed mails (headers missing, encoded, with HTML,
// attachments and problems, automatic) and every shape of sender verdict, on a case it opens
// and on one it joins.
func TestMailDataAsBefore(t *testing.T) {
	mails := [][]string{
		{`From: "Mari" <mari@example.ee>`, "To: support@desk.test", "Subject: =?utf-8?q?Arve_<m=C3=A4rts>_&_\"x\"?=", "Message-ID: <m1@example.ee>",
			"Date: Mon, 23 Nov 2026 09:55:00 +0200", "MIME-Version: 1.0", `Content-Type: multipart/mixed; boundary="b1"`, "",
			"--b1", "Content-Type: text/html; charset=utf-8", "", "<p>Tere <b>Mari</b></p>",
			"--b1", `Content-Type: application/pdf; name="a.pdf"`, "Content-Disposition: attachment", "", "x",
			"--b1", `Content-Type: image/png; name="=?utf-8?q?=C5=BE.png?="`, "Content-Disposition: attachment", "", "x",
			"--b1--"},
		{"From: robot@nowhere.test", "To: support@desk.test", "Auto-Submitted: auto-replied", "Subject: ", "", "I am away."},
		{"To: support@desk.test", "Subject: Tellimus\u2028 <>", "", "no from, no date, no id"},
		{"From: ivo@example.hr", "To: support@desk.test", "Subject: Re: [K-1001] Račun", "Message-ID: <i1@example.hr>",
			"Date: Mon, 23 Nov 2026 09:55:00 +0100", "", "Plain text only."},
	}
	verdicts := []mail.Auth{
		{FromDomain: "example.ee", EnvelopeDomain: "example.ee", SPF: "pass", DKIM: []mail.DKIMResult{{Domain: "example.ee", Result: "pass"}, {Domain: "esp.test", Result: "fail"}},
			DMARC: "quarantine", Aligned: true, By: "kept", Reason: "SPF passes for the From: domain"},
		{FromDomain: "nowhere.test", By: "kept", Unverified: true, Reason: "the envelope sender's domain is not the From: domain's"},
		{By: "mx.example.com"},
		{},
	}
	n := 0
	for i, lines := range mails {
		msg, err := mail.Parse([]byte(strings.Join(lines, "\r\n")+"\r\n"), mail.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		for j, a := range verdicts {
			for _, unverified := range []bool{false, true} {
				id := int64(1 + i*10 + j)
				want, err := json.Marshal(oldMailData(id, "ab12", msg, a, unverified))
				if err != nil {
					t.Fatal(err)
				}
				data := mailData(id, "ab12", msg)
				auth := a.Data()
				data.Auth, data.UnverifiedSender = &auth, unverified
				// A mail joining a case (its entry from desk.AddMessage), and one opening a case.
				c := desk.Case{ID: 1001, Status: desk.StatusOpen, Channel: "email"}
				joined, err := desk.AddMessage(&c, desk.Actor{Kind: desk.ActorCustomer, ID: 7}, desk.NewMessage{Body: "b"}, time.Now())
				if err != nil {
					t.Fatal(err)
				}
				joined[0].Data = data
				_, opened, _ := desk.OpenCase(desk.NewCase{CustomerID: 7, Subject: "the case's subject", Body: "b", Channel: "email", Data: data},
					desk.Customer{ID: 7}, desk.Agent{ID: 3, Name: "Ann"}, nil, time.Now())
				for name, d := range map[string]desk.Draft{"joined": joined[0], "opened": opened[0]} {
					es, err := desk.Chain(&desk.Case{ID: 1001}, []desk.Draft{d}, time.Now())
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(es[0].Data, want) {
						t.Errorf("mail %d, verdict %d, unverified %v, %s: typed %s\n  the map wrote %s", i, j, unverified, name, es[0].Data, want)
					}
					n++
				}
			}
		}
	}
	t.Logf("%d mail entries compared", n)
}
