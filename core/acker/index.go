package acker

import "github.com/squall/squall/core"

// index maps a root to the id of its entry: open addressing with linear
// probing over 4-byte slots. A slot holds tag<<idBits | id+1, 0 when empty.
// The tag is 8 bits of the root's hash taken just below the bits that pick
// the home slot, so a probe past a foreign slot reads the entry (a likely
// cache miss) only once in 256 times. The table doubles past 3/4 full, so it
// holds between 3/8 and 3/4 of its slots: 5 to 11 bytes per root.
//
// The index keeps no roots; it reads them from the pool to compare, to find
// the home slot of a slot it shifts back on delete, and to rehash on growth.
type index struct {
	slots []uint32
	shift uint8 // 64 - log2(len(slots)): the home slot is hash>>shift
	n     int
}

const (
	indexSlotsMin = 1 << 10
	// hashMul is 2^64/φ: Fibonacci hashing spreads sequential and random
	// roots alike over the high bits.
	hashMul = 0x9E3779B97F4A7C15
)

func newIndex() index {
	return index{slots: make([]uint32, indexSlotsMin), shift: 64 - 10}
}

// home is the slot root hashes to and its tag.
func (x *index) home(root uint64) (slot int, tag uint32) {
	h := root * hashMul
	return int(h >> x.shift), uint32(h>>(x.shift-8)) & 0xFF
}

// find returns the slot holding root and its entry id, or, when root is
// absent, the empty slot where it would go.
func (x *index) find(root uint64, p *pool) (slot int, id uint32, ok bool) {
	mask := len(x.slots) - 1
	i, tag := x.home(root)
	for {
		s := x.slots[i]
		if s == 0 {
			return i, 0, false
		}
		if s>>idBits == tag {
			if id := s&idMask - 1; p.at(id).root == root {
				return i, id, true
			}
		}
		i = (i + 1) & mask
	}
}

// needsGrow reports whether one more root would pass the load limit.
func (x *index) needsGrow() bool { return (x.n+1)*4 > len(x.slots)*3 }

// insertAt puts root, absent, at the empty slot find returned for it.
func (x *index) insertAt(slot int, root uint64, id uint32) {
	// No arguments in asserts on hot paths: they would be boxed on every call.
	core.Assert(x.slots[slot] == 0 && id < idMask, "acker: index insert at a used slot or past the id space")
	_, tag := x.home(root)
	x.slots[slot] = tag<<idBits | (id + 1)
	x.n++
}

// set re-points a used slot at id, where its entry has moved.
func (x *index) set(slot int, id uint32) {
	x.slots[slot] = x.slots[slot]&^idMask | (id + 1)
}

// deleteAt empties slot and shifts back the slots after it that probed past
// it (Knuth's algorithm R), so lookups never meet a tombstone.
func (x *index) deleteAt(slot int, p *pool) {
	mask := len(x.slots) - 1
	hole := slot
	for j := (slot + 1) & mask; x.slots[j] != 0; j = (j + 1) & mask {
		home, _ := x.home(p.at(x.slots[j]&idMask - 1).root)
		// The slot at j may fill the hole unless its home lies cyclically in (hole, j].
		stays := hole < j && home > hole && home <= j ||
			hole > j && (home > hole || home <= j)
		if !stays {
			x.slots[hole] = x.slots[j]
			hole = j
		}
	}
	x.slots[hole] = 0
	x.n--
}

// grow doubles the table and rehashes every root.
func (x *index) grow(p *pool) {
	old := x.slots
	x.slots = make([]uint32, 2*len(old))
	x.shift--
	mask := len(x.slots) - 1
	for _, s := range old {
		if s == 0 {
			continue
		}
		i, tag := x.home(p.at(s&idMask - 1).root)
		for x.slots[i] != 0 {
			i = (i + 1) & mask
		}
		x.slots[i] = tag<<idBits | s&idMask
	}
}
