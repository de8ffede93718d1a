package examples

import (
	"slices"
	"testing"
)

func TestSeqCounts(t *testing.T) {
	tests := []struct {
		name     string
		adds     []int64
		distinct int
		each     [][2]int64 // seq, count, in Each's order
	}{
		{"empty", nil, 0, nil},
		{"dense with repeats", []int64{3, 1, 3, 2000}, 3, [][2]int64{{1, 1}, {3, 2}, {2000, 1}}},
		{"across pages, a page skipped", []int64{seqPageLen - 1, seqPageLen, 5*seqPageLen + 7, seqPageLen}, 3,
			[][2]int64{{seqPageLen - 1, 1}, {seqPageLen, 2}, {5*seqPageLen + 7, 1}}},
		{"sparse beyond the dense bound and below zero", []int64{seqDenseMax + 5, -2, 7, -2}, 3,
			[][2]int64{{7, 1}, {-2, 2}, {seqDenseMax + 5, 1}}},
	}
	for _, tt := range tests {
		var c SeqCounts
		for _, seq := range tt.adds {
			c.Add(seq)
		}
		if got := c.Distinct(); got != tt.distinct {
			t.Errorf("%s: got %d distinct, want %d", tt.name, got, tt.distinct)
		}
		var each [][2]int64
		c.Each(func(seq int64, n int) { each = append(each, [2]int64{seq, int64(n)}) })
		if !slices.Equal(each, tt.each) {
			t.Errorf("%s: got Each %v, want %v", tt.name, each, tt.each)
		}
		for _, e := range tt.each {
			if got := c.Count(e[0]); int64(got) != e[1] {
				t.Errorf("%s: got Count(%d) = %d, want %d", tt.name, e[0], got, e[1])
			}
		}
		if got := c.Count(999_999); got != 0 {
			t.Errorf("%s: got Count of an unseen number %d, want 0", tt.name, got)
		}
	}
}
