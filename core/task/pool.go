package task

// Tuples are made by the million, so the executor does not allocate them
// one by one: it reuses the tuples bolts are done with (see release), and
// carves new ones, and the single-root lists of spout tuples, from chunks.

// tupleReuseDelay is how many tuples the executor releases after a tuple
// before it reuses that one. A bolt that acks a tuple twice, or anchors to
// an acked one, most likely does so soon after: within the delay the
// tuple is still marked free, so the misuse is caught and ignored rather
// than acking whatever the tuple has become. The ring holds twice as many,
// so that a burst of emits finds tuples to reuse; that bounds the memory it
// keeps to about 260 KiB of tuples and the values they reference.
const (
	tupleReuseDelay = 1024
	freeRingLen     = 2 * tupleReuseDelay
)

// release puts a tuple its bolt is done with into the free ring; on a full
// ring the oldest leaves it, for the garbage collector.
func (e *Executor) release(t *Tuple) {
	if e.free == nil {
		e.free = make([]*Tuple, freeRingLen)
	}
	t.state = tupleFree
	if e.freeLen == freeRingLen {
		e.free[e.freeHead] = nil
		e.freeHead = (e.freeHead + 1) % freeRingLen
		e.freeLen--
	}
	e.free[(e.freeHead+e.freeLen)%freeRingLen] = t
	e.freeLen++
}

// Chunk sizes. Tuples are made by the million, so the executor allocates
// them, and the single-root lists of spout tuples, in chunks rather than
// one by one. A tuple a bolt keeps pins its chunk (about 8 KiB of tuples,
// and what their values reference) until it is acked; inboxes are bounded,
// so the memory is too.
const (
	tupleChunkLen = 64
	rootChunkLen  = 512
)

// newTuple returns a tuple to overwrite: the oldest released one when
// tupleReuseDelay newer ones follow it in the free ring, else one carved
// from the current chunk. Callers set every field (state included) by
// assigning a whole Tuple.
func (e *Executor) newTuple() *Tuple {
	if e.freeLen > tupleReuseDelay {
		t := e.free[e.freeHead]
		e.free[e.freeHead] = nil
		e.freeHead = (e.freeHead + 1) % freeRingLen
		e.freeLen--
		return t
	}
	if len(e.tuples) == 0 {
		e.tuples = make([]Tuple, tupleChunkLen)
	}
	t := &e.tuples[0]
	e.tuples = e.tuples[1:]
	return t
}

// newRoot returns the list [root], carved from the current chunk; its
// capacity ends at its length, so an append copies rather than overwrite
// the next list.
func (e *Executor) newRoot(root uint64) []uint64 {
	roots := e.carve(1)
	roots[0] = root
	return roots
}

// carve returns n zeroed words carved from the current chunk of roots, its
// capacity ending at its length: the per-root values of a joined tuple.
func (e *Executor) carve(n int) []uint64 {
	if len(e.roots) < n {
		e.roots = make([]uint64, max(n, rootChunkLen))
	}
	s := e.roots[:n:n]
	e.roots = e.roots[n:]
	return s
}
