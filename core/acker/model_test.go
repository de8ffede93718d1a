package acker

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/squall/squall/core"
	"pgregory.net/rapid"
)

// model is the Acker's contract written the obvious way: a map of roots,
// each with the number of rotations since its last message. It knows nothing
// of buckets, shelves or indexes.
type model struct {
	pendingMax, buckets int
	entries             map[uint64]*modelEntry
}

type modelEntry struct {
	xor          uint64
	spout        core.TaskID
	known, fails bool
	idle         int // Rotate calls since the last message
}

func newModel(pendingMax, buckets int) *model {
	return &model{pendingMax: pendingMax, buckets: buckets, entries: map[uint64]*modelEntry{}}
}

// touch returns root's entry, new if needed, with idle reset; nil when the
// acker is full and root is unknown.
func (m *model) touch(root uint64) *modelEntry {
	e := m.entries[root]
	if e == nil {
		if len(m.entries) >= m.pendingMax {
			return nil
		}
		e = &modelEntry{}
		m.entries[root] = e
	}
	e.idle = 0
	return e
}

func (m *model) apply(op msg) (Completion, bool) {
	if op.kind == "init" && m.entries[op.root] == nil && len(m.entries) >= m.pendingMax {
		return Completion{Root: op.root, SpoutTask: op.spout, Failed: true, Refused: true}, true
	}
	e := m.touch(op.root)
	if e == nil {
		return Completion{}, false
	}
	switch op.kind {
	case "init":
		e.xor ^= op.xor
		e.spout, e.known = op.spout, true
	case "ack":
		e.xor ^= op.xor
	default:
		e.fails = true
	}
	if !e.known || e.xor != 0 && !e.fails {
		return Completion{}, false
	}
	delete(m.entries, op.root)
	return Completion{Root: op.root, SpoutTask: e.spout, Failed: e.fails}, true
}

// rotate expires the roots idle for buckets rotations.
func (m *model) rotate() []Completion {
	var out []Completion
	for root, e := range m.entries {
		if e.idle++; e.idle < m.buckets {
			continue
		}
		delete(m.entries, root)
		if e.known {
			out = append(out, Completion{Root: root, SpoutTask: e.spout, Failed: true, TimedOut: true})
		}
	}
	slices.SortFunc(out, func(x, y Completion) int { return cmp.Compare(x.Root, y.Root) })
	return out
}

// compareStep applies op (or a rotation, for kind "rotate") to both and
// reports the first difference.
func compareStep(a *Acker, m *model, op msg) error {
	if op.kind == "rotate" {
		got, want := a.Rotate(), m.rotate()
		if !slices.Equal(got, want) {
			return fmt.Errorf("rotate: got %v, want %v", got, want)
		}
	} else {
		c, ok := op.apply(a)
		wc, wok := m.apply(op)
		if c != wc || ok != wok {
			return fmt.Errorf("%s %016x %x: got (%v, %v), want (%v, %v)", op.kind, op.root, op.xor, c, ok, wc, wok)
		}
	}
	if a.Pending() != len(m.entries) {
		return fmt.Errorf("%s: got pending %d, want %d", op.kind, a.Pending(), len(m.entries))
	}
	return nil
}

var opKinds = []string{"init", "ack", "fail", "rotate"}

// TestPropertyMatchesModel runs short, shrinkable op sequences over a few
// roots: every completion, timeout and refusal, and Pending, as the model.
func TestPropertyMatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		pendingMax := rapid.IntRange(1, 8).Draw(t, "pendingMax")
		buckets := rapid.IntRange(2, 5).Draw(t, "buckets")
		a, m := New(Config{PendingMax: pendingMax, Buckets: buckets}), newModel(pendingMax, buckets)
		roots := rapid.SliceOfNDistinct(rapid.Uint64(), 1, 10, rapid.ID).Draw(t, "roots")
		for i := range rapid.IntRange(1, 120).Draw(t, "ops") {
			op := msg{
				kind:  rapid.SampledFrom(opKinds).Draw(t, "kind"),
				root:  rapid.SampledFrom(roots).Draw(t, "root"),
				spout: core.TaskID(rapid.IntRange(0, 2).Draw(t, "spout")),
				xor:   rapid.Uint64Range(0, 3).Draw(t, "xor"),
			}
			if err := compareStep(a, m, op); err != nil {
				t.Fatalf("op %d: %v", i, err)
			}
			if err := checkAcker(a); err != nil {
				t.Fatalf("op %d: %v", i, err)
			}
		}
	})
}

// TestPropertyMatchesModelLarge runs long sequences drawn from a seeded
// generator over thousands of roots, so that the index grows, probe runs
// wrap, pages fill and empty, and rotations refile entries between shelves.
func TestPropertyMatchesModelLarge(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		// The seed draws the shape too (swarm testing): rapid's draws favour
		// small values, and this test is for the large ones.
		rng := rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "seed"), 1))
		pendingMax := 1 + rng.IntN(3000)
		buckets := 2 + rng.IntN(5)
		universe := 1 + rng.IntN(4000)
		ops := 2000 + rng.IntN(18000)
		rotateEvery := 1 + rng.IntN(2000)
		failPercent := rng.IntN(11)
		// Wide XORs keep trees pending (and the index large); narrow ones
		// reach 0 often.
		xorBits := 1 + rng.IntN(20)
		roots := make([]uint64, universe)
		for i := range roots {
			roots[i] = rng.Uint64()
		}
		a, m := New(Config{PendingMax: pendingMax, Buckets: buckets}), newModel(pendingMax, buckets)
		for i := range ops {
			op := msg{kind: "ack", root: roots[rng.IntN(universe)],
				spout: core.TaskID(rng.IntN(3)), xor: rng.Uint64N(1 << xorBits)}
			switch r := rng.IntN(100); {
			case rng.IntN(rotateEvery) == 0:
				op.kind = "rotate"
			case r < failPercent:
				op.kind = "fail"
			case r < failPercent+40:
				op.kind = "init"
			}
			if err := compareStep(a, m, op); err != nil {
				t.Fatalf("op %d: %v", i, err)
			}
			if i%4096 == 4095 || i == ops-1 {
				if err := checkAcker(a); err != nil {
					t.Fatalf("op %d: %v", i, err)
				}
			}
		}
	})
}
