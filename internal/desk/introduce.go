package desk

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Introducing the colleague who keeps a promise. A promise given to someone the customer has
// not met ("Nina from Audit will send the transfer"), or moved to a new owner by a hand-over,
// is introduced: who will do what, and by when, in the customer's language and zone.

// promiseKeeper is how each language says that someone keeps a promise: the name, the
// promise's words and its due time.
var promiseKeeper = map[string]string{
	"en": "%s will keep our promise to you: “%s” (due %s).",
	"et": "%s täidab meie lubaduse teile: „%s“ (tähtaeg %s).",
	"hr": "%s ispunit će naše obećanje vama: „%s” (rok %s).",
}

// IntroducePromises adds to an introduction of a (the draft Introduce wrote, or a new one when
// intro is nil) what a will do: each promise they keep from now on, with its due time in the
// reader's zone, else zone (the case's, as the mail's due line: not a's own).
func IntroducePromises(r Reader, intro *Draft, a Agent, ps []Promise, zone *time.Location) Draft {
	var d Draft
	if intro != nil {
		d = *intro
	} else {
		d = Draft{Kind: KindIntroduction, Actor: AgentActor(a), Data: IntroductionData{AgentID: a.ID, Role: a.Role, Team: a.Team}}
	}
	if len(ps) == 0 {
		return d
	}
	lines := []string{}
	if d.Body != "" {
		lines = append(lines, d.Body)
	}
	data, _ := d.Data.(IntroductionData)
	for _, p := range ps {
		f, ok := promiseKeeper[r.Lang]
		if !ok {
			f = promiseKeeper["en"]
		}
		lines = append(lines, fmt.Sprintf(f, a.Name, p.Words, r.Stamp(p.DueAt, zone)))
		data.PromiseIDs = append(data.PromiseIDs, p.ID)
	}
	slices.Sort(data.PromiseIDs)
	d.Body, d.Data = strings.Join(lines, "\n"), data
	return d
}
