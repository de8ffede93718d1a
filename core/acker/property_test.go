package acker

import (
	"math/rand/v2"
	"testing"

	"github.com/squall/squall/core"
	"pgregory.net/rapid"
)

// msg is one message to an acker: init, ack or fail.
type msg struct {
	kind  string
	root  uint64
	spout core.TaskID
	xor   uint64
}

func (m msg) apply(a *Acker) (Completion, bool) {
	switch m.kind {
	case "init":
		return a.Init(m.root, m.spout, m.xor)
	case "ack":
		return a.Ack(m.root, m.xor)
	}
	return a.Fail(m.root)
}

// genTree draws a tuple tree under a random root: each tuple's parent is the
// spout or an earlier tuple, and maybe one tuple is failed rather than acked.
// Ids come from rng, so that they are distinct as real ids are (rapid would
// shrink them to equal values, which cancel).
func genTree(t *rapid.T, rng *rand.Rand) (msgs []msg, failing bool) {
	root := EdgeID(rng)
	spout := core.TaskID(rapid.IntRange(0, 3).Draw(t, "spout"))
	n := rapid.IntRange(0, 10).Draw(t, "tuples")
	ids := make([]uint64, n)
	acks := make([]uint64, n) // each tuple's ack: its id and its children's
	var init uint64
	for i := range n {
		ids[i] = EdgeID(rng)
		acks[i] ^= ids[i]
		if parent := rapid.IntRange(-1, i-1).Draw(t, "parent"); parent < 0 {
			init ^= ids[i]
		} else {
			acks[parent] ^= ids[i]
		}
	}
	failed := -1
	if n > 0 && rapid.Bool().Draw(t, "fails") {
		failed = rapid.IntRange(0, n-1).Draw(t, "failed")
	}
	msgs = append(msgs, msg{kind: "init", root: root, spout: spout, xor: init})
	for i, x := range acks {
		kind := "ack"
		if i == failed {
			kind = "fail"
		}
		msgs = append(msgs, msg{kind: kind, root: root, xor: x})
	}
	return msgs, failed >= 0
}

// TestPropertyTreesCompleteOnce delivers the messages of several trees in a
// random interleaving. Each root must complete exactly once: acked on the
// delivery of its tree's last message and never earlier, or failed on the
// later of its Fail and its Init. Messages after a failure leave orphans,
// which Rotate expires silently.
func TestPropertyTreesCompleteOnce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		rng := rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "seed"), 0))
		var all []msg
		wantStep := map[uint64]int{} // root -> step of its completion
		wantFailed := map[uint64]bool{}
		spoutOf := map[uint64]core.TaskID{}
		for range rapid.IntRange(1, 6).Draw(t, "trees") {
			msgs, failing := genTree(t, rng)
			wantFailed[msgs[0].root], spoutOf[msgs[0].root] = failing, msgs[0].spout
			all = append(all, msgs...)
		}
		all = rapid.Permutation(all).Draw(t, "order")
		lastMsg, initAt, failAt := map[uint64]int{}, map[uint64]int{}, map[uint64]int{}
		for i, m := range all {
			lastMsg[m.root] = i
			switch m.kind {
			case "init":
				initAt[m.root] = i
			case "fail":
				failAt[m.root] = i
			}
		}
		wantOrphans := 0
		for root := range spoutOf {
			wantStep[root] = lastMsg[root]
			if wantFailed[root] {
				wantStep[root] = max(initAt[root], failAt[root])
				if lastMsg[root] > wantStep[root] {
					wantOrphans++
				}
			}
		}

		a := New(Config{Buckets: rapid.IntRange(2, 4).Draw(t, "buckets")})
		completed := map[uint64]int{}
		for i, m := range all {
			c, ok := m.apply(a)
			if err := checkAcker(a); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			if !ok {
				continue
			}
			if prev, dup := completed[c.Root]; dup {
				t.Fatalf("step %d: root %016x completed again (first at step %d)", i, c.Root, prev)
			}
			completed[c.Root] = i
			want := Completion{Root: m.root, SpoutTask: spoutOf[m.root], Failed: wantFailed[m.root]}
			if c != want || i != wantStep[m.root] {
				t.Fatalf("step %d (%s): got %v, want %v at step %d", i, m.kind, c, want, wantStep[m.root])
			}
		}
		if len(completed) != len(spoutOf) {
			t.Fatalf("got %d roots completed, want %d", len(completed), len(spoutOf))
		}
		if a.Pending() != wantOrphans {
			t.Fatalf("got pending %d, want %d orphans", a.Pending(), wantOrphans)
		}
		for range a.buckets {
			if got := a.Rotate(); len(got) != 0 {
				t.Fatalf("rotate: got %v, want nothing: every root completed already", got)
			}
		}
		if a.Pending() != 0 || a.Stats().Orphaned != uint64(wantOrphans) {
			t.Fatalf("after rotations: got pending %d, %d orphaned; want 0, %d", a.Pending(), a.Stats().Orphaned, wantOrphans)
		}
	})
}
