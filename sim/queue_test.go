package sim

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/squall/squall/core"
)

func TestQueueOrder(t *testing.T) {
	type entry struct {
		at  core.Time
		seq uint64
	}
	cases := []struct {
		name string
		push []entry // in push order
		want []uint64
	}{
		{"by time", []entry{{30, 1}, {10, 2}, {20, 3}}, []uint64{2, 3, 1}},
		{"equal times by seq", []entry{{5, 3}, {5, 1}, {5, 2}}, []uint64{1, 2, 3}},
		{"time before seq", []entry{{2, 1}, {1, 9}, {2, 0}}, []uint64{9, 0, 1}},
		{"one", []entry{{7, 7}}, []uint64{7}},
		{"reversed", []entry{{5, 5}, {4, 4}, {3, 3}, {2, 2}, {1, 1}, {0, 0}}, []uint64{0, 1, 2, 3, 4, 5}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var q queue
			for _, e := range c.push {
				q.push(item{at: e.at, seq: e.seq})
			}
			var got []uint64
			for q.len() > 0 {
				got = append(got, q.pop().seq)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("pop order: got %v, want %v", got, c.want)
			}
		})
	}
}

// TestQueueFIFOAtEqualTimes pushes many items at a few instants, interleaved,
// with seq increasing as the kernel assigns it: each instant's items must come
// out in the order they were pushed.
func TestQueueFIFOAtEqualTimes(t *testing.T) {
	var q queue
	const n = 300
	for seq := uint64(1); seq <= n; seq++ {
		q.push(item{at: core.Time(seq % 3), seq: seq, node: int32(seq)})
	}
	last := map[core.Time]uint64{}
	var prev core.Time = -1
	for i := 0; i < n; i++ {
		if got := q.peekTime(); got < prev {
			t.Fatalf("pop %d: peekTime %d < previous %d", i, got, prev)
		}
		it := q.pop()
		if it.seq <= last[it.at] {
			t.Fatalf("pop %d at time %d: got seq %d after seq %d, want FIFO", i, it.at, it.seq, last[it.at])
		}
		if it.node != int32(it.seq) {
			t.Fatalf("pop %d: got payload node %d with seq %d, want them kept together", i, it.node, it.seq)
		}
		last[it.at] = it.seq
		prev = it.at
	}
	if q.len() != 0 {
		t.Errorf("len after popping all: got %d, want 0", q.len())
	}
}

// TestQueueRandomAgainstSort runs random pushes and pops, with many equal
// times, against a reference that sorts by (at, seq).
func TestQueueRandomAgainstSort(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, 0))
		var q queue
		var ref []item
		var seq uint64
		for op := 0; op < 5000; op++ {
			if rng.IntN(3) > 0 || len(ref) == 0 { // push twice as often as pop
				seq++
				it := item{at: core.Time(rng.IntN(50)), seq: seq, kind: kind(rng.IntN(8))}
				q.push(it)
				ref = append(ref, it)
				continue
			}
			slices.SortFunc(ref, func(a, b item) int {
				if a.before(&b) {
					return -1
				}
				return 1
			})
			want := ref[0]
			ref = ref[1:]
			if got := q.pop(); got != want {
				t.Fatalf("seed %d op %d: pop got (at=%d seq=%d), want (at=%d seq=%d)", seed, op, got.at, got.seq, want.at, want.seq)
			}
			if q.len() != len(ref) {
				t.Fatalf("seed %d op %d: len got %d, want %d", seed, op, q.len(), len(ref))
			}
		}
	}
}

func TestQueuePopEmptyPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("pop from an empty queue: got no panic, want an assertion")
		}
	}()
	var q queue
	q.pop()
}
