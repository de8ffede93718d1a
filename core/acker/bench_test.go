package acker_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/squall/squall/core/acker"
)

// benchLiveRoots is the number of trees pending during the benchmarks, the
// figure REFERENCE.md gives its Go map baseline for.
const benchLiveRoots = 1 << 16

// benchUpdate is one Ack: a live root and a random XOR.
type benchUpdate struct{ root, xor uint64 }

// benchFill returns an Acker holding n pending trees, whose roots it returns,
// and 1<<20 updates to them drawn ahead, so that the timed loop measures the
// acker and not the generator. The Acker has room for more trees.
func benchFill(n int) (*acker.Acker, []uint64, []benchUpdate) {
	rng := rand.New(rand.NewPCG(1, 2))
	a := acker.New(acker.Config{PendingMax: 2 * n})
	roots := make([]uint64, n)
	for i := range roots {
		roots[i] = acker.EdgeID(rng)
		a.Init(roots[i], 1, acker.EdgeID(rng))
	}
	updates := make([]benchUpdate, 1<<20)
	for i := range updates {
		updates[i] = benchUpdate{roots[rng.IntN(n)], acker.EdgeID(rng)}
	}
	return a, roots, updates
}

func benchRate(b *testing.B, perOp float64, unit string) {
	b.ReportMetric(perOp*float64(b.N)/b.Elapsed().Seconds(), unit)
}

// BenchmarkAckerUpdate: one Ack to a random one of 64k pending trees. The
// XORs are random, so no tree completes: Pending stays at 64k.
func BenchmarkAckerUpdate(b *testing.B) {
	a, _, updates := benchFill(benchLiveRoots)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		u := updates[i&(len(updates)-1)]
		a.Ack(u.root, u.xor)
		i++
	}
	benchRate(b, 1, "updates/s")
	if a.Pending() != benchLiveRoots {
		b.Fatalf("got pending %d, want %d", a.Pending(), benchLiveRoots)
	}
}

// BenchmarkMapUpdate is the baseline of REFERENCE.md: the same updates to a
// Go map holding the same 16-byte values, with no bound, bucket or removal.
func BenchmarkMapUpdate(b *testing.B) {
	type value struct {
		xor    uint64
		spout  int32
		bucket uint8
	}
	_, roots, updates := benchFill(benchLiveRoots)
	m := make(map[uint64]value, len(roots))
	for _, r := range roots {
		m[r] = value{xor: r, spout: 1}
	}
	i := 0
	for b.Loop() {
		u := updates[i&(len(updates)-1)]
		v := m[u.root]
		v.xor ^= u.xor
		m[u.root] = v
		i++
	}
	benchRate(b, 1, "updates/s")
}

// BenchmarkAckerTree: one tree per op, from Init to completion beside 64k
// pending trees: the spout emits a, a bolt acks a emitting b and c, two bolts
// ack b and c. Four messages; the last completes the tree.
func BenchmarkAckerTree(b *testing.B) {
	a, _, _ := benchFill(benchLiveRoots)
	rng := rand.New(rand.NewPCG(3, 4))
	trees := make([][4]uint64, 1<<16) // root, a, b, c
	for i := range trees {
		for j := range trees[i] {
			trees[i][j] = acker.EdgeID(rng)
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		t := &trees[i&(len(trees)-1)]
		a.Init(t[0], 1, t[1])
		a.Ack(t[0], t[1]^t[2]^t[3])
		a.Ack(t[0], t[2])
		if _, ok := a.Ack(t[0], t[3]); !ok {
			b.Fatalf("tree %d did not complete", i)
		}
		i++
	}
	benchRate(b, 1, "trees/s")
}

// BenchmarkAckerMemory fills an Acker and reports the heap it holds per
// pending root. The index doubles past 3/4 full: 49152 roots are just below
// a doubling (the fewest bytes per root), 49153 just above (the most).
func BenchmarkAckerMemory(b *testing.B) {
	for _, n := range []int{49152, 49153, benchLiveRoots, 1 << 20} {
		b.Run(fmt.Sprintf("roots=%d", n), func(b *testing.B) {
			var perRoot float64
			for b.Loop() {
				perRoot = benchHeapPerRoot(n, func(roots []uint64) any {
					a := acker.New(acker.Config{PendingMax: n})
					for _, r := range roots {
						a.Init(r, 1, r)
					}
					return a
				})
			}
			b.ReportMetric(perRoot, "bytes/root")
		})
	}
	b.Run(fmt.Sprintf("gomap/roots=%d", benchLiveRoots), func(b *testing.B) {
		type value struct {
			xor    uint64
			spout  int32
			bucket uint8
		}
		var perRoot float64
		for b.Loop() {
			perRoot = benchHeapPerRoot(benchLiveRoots, func(roots []uint64) any {
				m := map[uint64]value{}
				for _, r := range roots {
					m[r] = value{xor: r}
				}
				return m
			})
		}
		b.ReportMetric(perRoot, "bytes/root")
	})
}

// benchHeapPerRoot is the live heap that build(roots) retains per root.
func benchHeapPerRoot(n int, build func([]uint64) any) float64 {
	rng := rand.New(rand.NewPCG(5, 6))
	roots := make([]uint64, n)
	for i := range roots {
		roots[i] = acker.EdgeID(rng)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	kept := build(roots)
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(kept)
	runtime.KeepAlive(roots) // live in before: it must be in after too
	return float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
}
