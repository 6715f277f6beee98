package desk

import "testing"

// The record's and the admin log's checkers share one walk; each fault still reads in the
// chain's own words, as `kept verify` prints them.
func TestChainFaultsReadInEachChainsWords(t *testing.T) {
	var head AdminLogHead
	rows := make([]AdminChange, 3)
	for i := range rows {
		rows[i] = AdminChange{At: now, ActorKind: ActorAgent, ActorID: 1, ActorName: "Ann", Action: "team.update", Object: "team Support"}
		ChainAdminChange(&head, &rows[i])
	}
	admin := func(rs []AdminChange, h AdminLogHead) string {
		var v AdminLogChecker
		for _, r := range rs {
			v.Add(r)
		}
		if f := v.Finish(h); f != nil {
			return f.String()
		}
		return ""
	}
	altered := append([]AdminChange(nil), rows...)
	altered[1].After = "x"
	for _, c := range []struct{ got, want string }{
		{admin(rows, head), ""},
		{admin(altered, head), "admin log seq 2: team.update team Support: content does not match its hash (altered after it was written)"},
		{admin([]AdminChange{rows[0], rows[2]}, head), "admin log seq 2: row missing (next stored row is seq 3)"},
		{admin(rows[:2], head), "admin log seq 3: row missing (the admin log ends at seq 3)"},
		{admin(rows, AdminLogHead{Seq: 3, Hash: "other"}), "admin log seq 3: the admin log's head does not match its last row"},
	} {
		if c.got != c.want {
			t.Errorf("admin log fault %q, want %q", c.got, c.want)
		}
	}

	c, entries := chained(t, 3)
	record := func(es []Entry, seq int64, hash string) string {
		v := NewChainChecker(CaseRef(42))
		for _, e := range es {
			v.Add(e)
		}
		if f := v.Finish(seq, hash); f != nil {
			return f.String()
		}
		return ""
	}
	moved := append([]Entry(nil), entries...)
	moved[2].PrevHash = "x"
	for _, k := range []struct{ got, want string }{
		{record(moved, c.LastSeq, c.LastHash), "K-1042 seq 3: prev_hash does not match the hash of the entry before it"},
		{record(entries[:2], c.LastSeq, c.LastHash), "K-1042 seq 3: entry missing (the case's record ends at seq 3)"},
		{record(entries, c.LastSeq, "other"), "K-1042 seq 3: the case's head does not match its last entry"},
	} {
		if k.got != k.want {
			t.Errorf("record fault %q, want %q", k.got, k.want)
		}
	}
}
