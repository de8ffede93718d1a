package grouping

import (
	"math/bits"

	"github.com/squall/squall/core"
)

// fieldsRouter sends a tuple to targets[hash mod n], targets sorted by task
// id: equal keys reach the same task from every emitter in every process, as
// long as the subscriber's task count stays fixed, which the topology model
// guarantees.
type fieldsRouter struct {
	notDirect
	targets []core.TaskID // sorted
	fields  []int         // positions of the grouping's fields in a tuple
}

func (r *fieldsRouter) Route(values []any, dst []core.TaskID) []core.TaskID {
	h := fieldsHash(values, r.fields)
	return append(dst, r.targets[h%uint64(len(r.targets))])
}

// partialKeySecondSalt derives the second choice's hash from the first.
const partialKeySecondSalt = 0x9e3779b97f4a7c15

// partialKeyRouter is Storm's partial key grouping (Nasir et al., "The power
// of both choices", ICDE 2015): each key has two candidate tasks, and a tuple
// goes to the one this router has sent fewer tuples to, the first on a tie.
// A hot key is thus split over two tasks instead of overloading one, at the
// price of the bolt merging two partial results per key.
//
// The first candidate is the task fields grouping picks; the second is drawn
// from the other n-1 tasks with an independent hash, so the two always differ
// (Storm's two hashes collide with probability 1/n, leaving such keys one
// choice). Loads count this router's tuples only, as in Storm: emitters do
// not coordinate.
type partialKeyRouter struct {
	notDirect
	targets []core.TaskID // sorted
	fields  []int
	loads   []uint64 // tuples sent to each target, by index in targets
}

func (r *partialKeyRouter) Route(values []any, dst []core.TaskID) []core.TaskID {
	n := uint64(len(r.targets))
	pick := uint64(0)
	if n > 1 {
		h := fieldsHash(values, r.fields)
		first := h % n
		// Skip 1 to n-1 places past first; the skip is the high word of a
		// 64×64 product, which maps the hash onto [0, n-1) evenly without a
		// second division.
		skip, _ := bits.Mul64(mix64(h^partialKeySecondSalt), n-1)
		second := first + 1 + skip
		if second >= n {
			second -= n
		}
		pick = first
		if r.loads[second] < r.loads[first] {
			pick = second
		}
	}
	r.loads[pick]++
	return append(dst, r.targets[pick])
}
