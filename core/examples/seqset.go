package examples

import (
	"maps"
	"slices"
)

// seqDenseMax bounds the sequence numbers a SeqCounts keeps in its dense
// pages (4 bytes each: 16 MiB at most); numbers beyond it, or below zero,
// go to a map. The sequence topology numbers from 1 upwards, so in practice
// every number is dense. Pages of seqPageLen counters are allocated as
// numbers reach them, so nothing is copied as the counts grow, and a task
// restarted in a long run does not zero one large array again.
const (
	seqDenseMax = 1 << 22
	seqPageBits = 12
	seqPageLen  = 1 << seqPageBits
)

// SeqCounts counts how often each sequence number was seen. The sequence
// topology's numbers are small and dense, so a slice indexed by the number
// replaces a map: no hashing on the tuple path, and nothing for the garbage
// collector to scan.
type SeqCounts struct {
	pages  [][]uint32 // pages[seq>>seqPageBits][seq%seqPageLen] for 0 ≤ seq < seqDenseMax
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
	p := int(seq >> seqPageBits)
	for len(c.pages) <= p {
		c.pages = append(c.pages, nil)
	}
	if c.pages[p] == nil {
		c.pages[p] = make([]uint32, seqPageLen)
	}
	n := &c.pages[p][seq&(seqPageLen-1)]
	if *n == 0 {
		c.seen++
	}
	*n++
}

// Count returns how often seq was seen.
func (c *SeqCounts) Count(seq int64) int {
	if seq >= 0 && seq < seqDenseMax {
		if p := int(seq >> seqPageBits); p < len(c.pages) && c.pages[p] != nil {
			return int(c.pages[p][seq&(seqPageLen-1)])
		}
		return 0
	}
	return int(c.sparse[seq])
}

// Distinct returns how many distinct numbers were seen.
func (c *SeqCounts) Distinct() int { return c.seen }

// Each calls f for every number seen, with its count: dense numbers
// ascending, then the sparse ones ascending.
func (c *SeqCounts) Each(f func(seq int64, n int)) {
	for p, page := range c.pages {
		for i, n := range page {
			if n > 0 {
				f(int64(p)<<seqPageBits+int64(i), int(n))
			}
		}
	}
	for _, seq := range slices.Sorted(maps.Keys(c.sparse)) {
		f(seq, int(c.sparse[seq]))
	}
}
