package acker

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// checkAcker verifies the storage invariants of a: every entry on a shelf is
// in the index under its id, the index holds nothing else, an entry's bucket
// is its shelf's or newer, every page is either on one shelf or free, and
// Pending is within PendingMax. It returns the first violation, or nil.
func checkAcker(a *Acker) error {
	if a.Pending() > a.pendingMax {
		return fmt.Errorf("pending %d > PendingMax %d", a.Pending(), a.pendingMax)
	}
	pageUse := make([]int, len(a.pool.pages))
	for _, pg := range a.pool.free {
		pageUse[pg]++
	}
	entries := 0
	for s, sh := range a.pool.shelves {
		if want := (sh.n + pageSize - 1) / pageSize; len(sh.pages) != want {
			return fmt.Errorf("shelf %d: %d entries on %d pages, want %d pages", s, sh.n, len(sh.pages), want)
		}
		for i, pg := range sh.pages {
			pageUse[pg]++
			if int(a.pool.owner[pg]) != s {
				return fmt.Errorf("page %d on shelf %d is owned by %d", pg, s, a.pool.owner[pg])
			}
			for off := range min(pageSize, sh.n-i*pageSize) {
				id := pg<<pageShift | uint32(off)
				e := a.pool.at(id)
				if _, got, ok := a.index.find(e.root, &a.pool); !ok || got != id {
					return fmt.Errorf("root %016x at id %d: index has (%d, %v)", e.root, id, got, ok)
				}
				if age(a, e.bucket) > age(a, uint8(s)) {
					return fmt.Errorf("root %016x: bucket %d older than its shelf %d", e.root, e.bucket, s)
				}
				entries++
			}
		}
	}
	for pg, use := range pageUse {
		if use != 1 {
			return fmt.Errorf("page %d is on %d shelves and free lists, want 1", pg, use)
		}
	}
	if entries != a.index.n {
		return fmt.Errorf("%d entries on shelves, index holds %d", entries, a.index.n)
	}
	used := 0
	for _, s := range a.index.slots {
		if s != 0 {
			used++
		}
	}
	if used != a.index.n {
		return fmt.Errorf("index: %d used slots, count %d", used, a.index.n)
	}
	return nil
}

// age is how many rotations ago bucket b was the newest.
func age(a *Acker, b uint8) int { return (int(a.head) - int(b) + int(a.buckets)) % int(a.buckets) }

// rootWithHome returns a root that hashes to slot home of an index with
// 2^bits slots: hash = root*hashMul, so root = hash*hashMul^-1 (mod 2^64).
func rootWithHome(home uint64, bits uint, low uint64) uint64 {
	inv := uint64(hashMul) // Newton's iteration doubles the correct low bits
	for range 6 {
		inv *= 2 - hashMul*inv
	}
	return (home<<(64-bits) | low) * inv
}

// TestIndexDeleteWraps builds a probe run that wraps from the last slot to
// the first and deletes from its head: the slots after it must shift back
// across the wrap, and only those whose home allows it.
func TestIndexDeleteWraps(t *testing.T) {
	a := New(Config{})
	last := uint64(len(a.index.slots) - 1)
	roots := []uint64{
		rootWithHome(last, 10, 1), // at last
		rootWithHome(last, 10, 2), // wraps to 0
		rootWithHome(0, 10, 3),    // home 0, probes to 1
		rootWithHome(2, 10, 4),    // home 2, at 2: must not move into 1
	}
	for i, r := range roots {
		if got, _ := a.index.home(r); uint64(got) != []uint64{last, last, 0, 2}[i] {
			t.Fatalf("rootWithHome: root %d homes at %d", i, got)
		}
		a.Init(r, 1, 1)
	}
	a.Fail(roots[0])
	if err := checkAcker(a); err != nil {
		t.Fatal(err)
	}
	for i, r := range roots[1:] {
		slot, _, ok := a.index.find(r, &a.pool)
		if want := []int{int(last), 0, 2}[i]; !ok || slot != want {
			t.Errorf("root %d: got slot %d (found %v), want %d", i+1, slot, ok, want)
		}
	}
}

// TestIndexGrowsAndShrinksPages fills an acker past several index doublings
// and page boundaries, then completes every root in random order.
func TestIndexGrowsAndShrinksPages(t *testing.T) {
	const n = 5000
	a := New(Config{PendingMax: n})
	rng := rand.New(rand.NewPCG(3, 4))
	roots := make([]uint64, n)
	for i := range roots {
		roots[i] = EdgeID(rng)
		a.Init(roots[i], 1, roots[i])
	}
	if err := checkAcker(a); err != nil {
		t.Fatal(err)
	}
	if got, want := len(a.index.slots), 8192; got != want {
		t.Errorf("got %d index slots for %d roots, want %d", got, n, want)
	}
	rng.Shuffle(n, func(i, j int) { roots[i], roots[j] = roots[j], roots[i] })
	for i, r := range roots {
		if c, ok := a.Ack(r, r); !ok || c.Root != r || c.Failed {
			t.Fatalf("ack %d: got (%v, %v), want ack of %016x", i, c, ok, r)
		}
		if i%997 == 0 {
			if err := checkAcker(a); err != nil {
				t.Fatalf("after %d acks: %v", i+1, err)
			}
		}
	}
	if a.Pending() != 0 || len(a.pool.shelves[0].pages) != 0 || len(a.pool.free) != n/pageSize+1 {
		t.Errorf("got pending %d, %d pages on shelf, %d free; want 0, 0, %d",
			a.Pending(), len(a.pool.shelves[0].pages), len(a.pool.free), n/pageSize+1)
	}
}
