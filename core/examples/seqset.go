package examples

import (
	"maps"
	"slices"
)

// seqDenseMax bounds the sequence numbers a SeqCounts keeps in its dense
// slice (4 bytes each: 16 MiB at most); numbers beyond it, or below zero, go
// to a map. The sequence topology numbers from 1 upwards, so in practice
// every number is dense.
const seqDenseMax = 1 << 22

// SeqCounts counts how often each sequence number was seen. The sequence
// topology's numbers are small and dense, so a slice indexed by the number
// replaces a map: no hashing on the tuple path, and nothing for the garbage
// collector to scan.
type SeqCounts struct {
	dense  []uint32 // dense[seq] for 0 ≤ seq < seqDenseMax, grown on demand
	sparse map[int64]uint32
	seen   int // distinct numbers with a count above zero
}

// Add counts seq once more.
func (c *SeqCounts) Add(seq int64) {
	if seq < 0 || seq >= seqDenseMax {
		if c.sparse == nil {
			c.sparse = map[int64]uint32{}
		}
		if c.sparse[seq] == 0 {
			c.seen++
		}
		c.sparse[seq]++
		return
	}
	if int(seq) >= len(c.dense) {
		c.grow(int(seq))
	}
	if c.dense[seq] == 0 {
		c.seen++
	}
	c.dense[seq]++
}

// grow extends dense to hold index i, doubling so that counting n numbers
// in order costs O(n).
func (c *SeqCounts) grow(i int) {
	n := min(max(2*len(c.dense), i+1, 1024), seqDenseMax)
	c.dense = append(c.dense, make([]uint32, n-len(c.dense))...)
}

// Count returns how often seq was seen.
func (c *SeqCounts) Count(seq int64) int {
	if seq >= 0 && seq < int64(len(c.dense)) {
		return int(c.dense[seq])
	}
	return int(c.sparse[seq])
}

// Distinct returns how many distinct numbers were seen.
func (c *SeqCounts) Distinct() int { return c.seen }

// Each calls f for every number seen, with its count: dense numbers
// ascending, then the sparse ones ascending.
func (c *SeqCounts) Each(f func(seq int64, n int)) {
	for seq, n := range c.dense {
		if n > 0 {
			f(int64(seq), int(n))
		}
	}
	for _, seq := range slices.Sorted(maps.Keys(c.sparse)) {
		f(seq, int(c.sparse[seq]))
	}
}
