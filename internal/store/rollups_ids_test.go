package store

import (
	"slices"
	"testing"
)

// The cases a commit's roll-ups work out again: those it touched, and the customers' closings
// the query adds in its own order. Added one by one to a list searched as if still sorted, a
// case already in it was added again ([1 5 9 20] with 3 then 20: 20 twice), and its facts
// counted twice in the sums.
func TestAddIDsOnce(t *testing.T) {
	for _, c := range []struct{ ids, more, want []int64 }{
		{[]int64{1, 5, 9, 20}, []int64{3, 20}, []int64{1, 3, 5, 9, 20}},
		{[]int64{2, 4}, []int64{4, 1, 1, 9}, []int64{1, 2, 4, 9}},
		{nil, []int64{7}, []int64{7}},
		{[]int64{3}, nil, []int64{3}},
	} {
		if got := addIDs(c.ids, c.more); !slices.Equal(got, c.want) {
			t.Errorf("addIDs(%v, %v) = %v, want %v", c.ids, c.more, got, c.want)
		}
	}
}
