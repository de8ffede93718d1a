package acker

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/squall/squall/core"
	"pgregory.net/rapid"
)

func TestAckerFor(t *testing.T) {
	ackers := []core.TaskID{4, 9, 11}
	tests := []struct {
		root uint64
		want core.TaskID
	}{
		{root: 0, want: 4},
		{root: 1, want: 9},
		{root: 5, want: 11},
		{root: 1<<64 - 1, want: 4}, // (2^64-1) mod 3 = 0
		{root: 1 << 63, want: 11},  // 2^63 mod 3 = 2
	}
	for _, tt := range tests {
		if got := AckerFor(tt.root, ackers); got != tt.want {
			t.Errorf("AckerFor(%d): got %d, want %d", tt.root, got, tt.want)
		}
	}
	if got := AckerFor(12345, ackers[:1]); got != 4 {
		t.Errorf("one acker: got %d, want 4", got)
	}
}

// constSource yields its values in turn, then repeats the last.
type constSource []uint64

func (s *constSource) Uint64() uint64 {
	v := (*s)[0]
	if len(*s) > 1 {
		*s = (*s)[1:]
	}
	return v
}

func TestEdgeIDSkipsZero(t *testing.T) {
	if got := EdgeID(rand.New(&constSource{0, 0, 7})); got != 7 {
		t.Errorf("got %d, want 7: zero ids must be redrawn", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("got no panic from a generator stuck at 0, want one")
		}
	}()
	EdgeID(rand.New(&constSource{0}))
}

func TestTrackerScript(t *testing.T) {
	tr := NewTracker(2, rand.New(&constSource{0, 10, 10, 20, 30}))
	steps := []struct {
		op       string // emit, complete
		arg      any    // msgID to emit, or root to complete
		wantRoot uint64
		wantMsg  any
		wantOK   bool
	}{
		{op: "emit", arg: "m1", wantRoot: 10, wantOK: true}, // 0 is skipped
		{op: "emit", arg: "m2", wantRoot: 20, wantOK: true}, // 10 is pending
		{op: "emit", arg: "m3", wantOK: false},              // full at 2
		{op: "complete", arg: uint64(10), wantMsg: "m1", wantOK: true},
		{op: "complete", arg: uint64(10), wantOK: false}, // once only
		{op: "emit", arg: "m3", wantRoot: 30, wantOK: true},
		{op: "complete", arg: uint64(99), wantOK: false},
	}
	for i, s := range steps {
		switch s.op {
		case "emit":
			if root, ok := tr.Emit(s.arg); root != s.wantRoot || ok != s.wantOK {
				t.Errorf("step %d emit %v: got (%d, %v), want (%d, %v)", i, s.arg, root, ok, s.wantRoot, s.wantOK)
			}
		case "complete":
			if msg, ok := tr.Complete(s.arg.(uint64)); msg != s.wantMsg || ok != s.wantOK {
				t.Errorf("step %d complete %v: got (%v, %v), want (%v, %v)", i, s.arg, msg, ok, s.wantMsg, s.wantOK)
			}
		}
	}
	if got := tr.Pending(); got != 2 || !tr.Full() {
		t.Errorf("got pending %d, full %v; want 2, true", got, tr.Full())
	}
}

// TestPropertyTracker: Pending never passes maxPending, Emit refuses only at
// it, roots are non-zero and distinct among the pending, and Complete hands
// each message id back exactly once.
func TestPropertyTracker(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		maxPending := rapid.IntRange(0, 6).Draw(t, "maxPending")
		tr := NewTracker(maxPending, rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "seed"), 2)))
		model := map[uint64]int{}
		var done []uint64 // completed roots, to complete again
		for i := range rapid.IntRange(1, 60).Draw(t, "ops") {
			if rapid.Bool().Draw(t, "emit") {
				root, ok := tr.Emit(i)
				if wantOK := maxPending == 0 || len(model) < maxPending; ok != wantOK {
					t.Fatalf("op %d: emit got ok %v with %d pending, want %v", i, ok, len(model), wantOK)
				}
				if _, dup := model[root]; ok && (root == 0 || dup) {
					t.Fatalf("op %d: emit got root %d: zero or pending", i, root)
				}
				if ok {
					model[root] = i
				}
			} else {
				roots := append(sortedRoots(model), done...)
				if len(roots) == 0 {
					continue
				}
				root := rapid.SampledFrom(roots).Draw(t, "root")
				msg, ok := tr.Complete(root)
				want, wantOK := model[root]
				if ok != wantOK || ok && msg != want {
					t.Fatalf("op %d: complete %d got (%v, %v), want (%v, %v)", i, root, msg, ok, want, wantOK)
				}
				delete(model, root)
				done = append(done, root)
			}
			if tr.Pending() != len(model) || maxPending > 0 && tr.Pending() > maxPending {
				t.Fatalf("op %d: got pending %d, want %d (max %d)", i, tr.Pending(), len(model), maxPending)
			}
		}
	})
}

func sortedRoots(m map[uint64]int) []uint64 {
	out := make([]uint64, 0, len(m))
	for r := range m {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}

// TestTrackerEmitTime: CompleteAt hands back the time EmitAt recorded, so
// that the spout can measure a tree's complete latency.
func TestTrackerEmitTime(t *testing.T) {
	tr := NewTracker(0, rand.New(rand.NewPCG(1, 2)))
	a, _ := tr.EmitAt("a", 5)
	b, _ := tr.EmitAt("b", 9)
	if msg, at, ok := tr.CompleteAt(b); msg != "b" || at != 9 || !ok {
		t.Errorf("complete b: got (%v, %d, %v), want (b, 9, true)", msg, at, ok)
	}
	if msg, at, ok := tr.CompleteAt(a); msg != "a" || at != 5 || !ok {
		t.Errorf("complete a: got (%v, %d, %v), want (a, 5, true)", msg, at, ok)
	}
	if _, _, ok := tr.CompleteAt(a); ok {
		t.Error("complete a again: got ok, want false")
	}
}
