package acker

import (
	"math/rand/v2"

	"github.com/squall/squall/core"
)

// idDrawsMax bounds the draws for one id. A draw is rejected with
// probability about pending/2^64, so a second rejection in a row means the
// generator is broken (a constant source, say), which is a programmer error.
const idDrawsMax = 4

// EdgeID draws a random non-zero id for a tuple edge from rng. Zero is
// reserved: it would leave the XOR unchanged, so a tree could complete
// without the ack for that tuple.
func EdgeID(rng *rand.Rand) uint64 {
	for range idDrawsMax {
		if id := rng.Uint64(); id != 0 {
			return id
		}
	}
	panic("acker: the generator drew 0 every time: it is broken")
}

// AckerFor is the acker task that tracks root, chosen by root mod
// len(ackers) as Storm does. Every task must pass the same ackers in the same
// order (ascending, say) so that all messages for a root reach one acker.
// It panics on no ackers: with none, spouts ack at once and send nothing.
func AckerFor(root uint64, ackers []core.TaskID) core.TaskID {
	core.Assert(len(ackers) > 0, "acker: AckerFor with no ackers")
	return ackers[root%uint64(len(ackers))]
}

// Tracker is a spout task's side of acking: the message id of each root in
// flight, bounded by topology.max.spout.pending. It is not safe for
// concurrent use; one task owns it.
//
// It has no timeout of its own: a root lives until its acker reports it. An
// acker that dies takes its roots' completions with it, so the driver of a
// restarted acker, or the spout, must fail them (Storm's spout executor keeps
// a second rotating map for this).
type Tracker struct {
	pendingMax int // 0: unbounded
	rng        *rand.Rand
	pending    map[uint64]pendingRoot
}

// pendingRoot is a root in flight: its spout's message id and when it was
// emitted, for the tree's complete latency.
type pendingRoot struct {
	msgID   any
	emitted core.Time
}

// NewTracker returns a Tracker that holds at most maxPending roots (0 for
// unbounded) and draws ids from rng.
func NewTracker(maxPending int, rng *rand.Rand) *Tracker {
	core.Assert(maxPending >= 0 && rng != nil, "acker: NewTracker(%d, %p)", maxPending, rng)
	return &Tracker{pendingMax: maxPending, rng: rng, pending: map[uint64]pendingRoot{}}
}

// NewRoot draws a random non-zero root id that is not pending.
func (t *Tracker) NewRoot() uint64 {
	for range idDrawsMax {
		if root := EdgeID(t.rng); !t.has(root) {
			return root
		}
	}
	panic("acker: the generator drew pending roots every time: it is broken")
}

func (t *Tracker) has(root uint64) bool {
	_, ok := t.pending[root]
	return ok
}

// Emit starts tracking msgID under a new root and returns the root, or
// reports false when maxPending roots are pending: the spout must not emit.
func (t *Tracker) Emit(msgID any) (root uint64, ok bool) { return t.EmitAt(msgID, 0) }

// EmitAt is Emit of a root emitted at now: CompleteAt returns now back, so
// that the spout can measure the tree's complete latency.
func (t *Tracker) EmitAt(msgID any, now core.Time) (root uint64, ok bool) {
	if t.Full() {
		return 0, false
	}
	root = t.NewRoot()
	t.pending[root] = pendingRoot{msgID: msgID, emitted: now}
	return root, true
}

// Complete ends tracking root on an acker's ack or fail and returns its
// message id, or false if root is not pending (completed already, or emitted
// before a restart).
func (t *Tracker) Complete(root uint64) (msgID any, ok bool) {
	msgID, _, ok = t.CompleteAt(root)
	return msgID, ok
}

// CompleteAt is Complete that also returns when root was emitted (see EmitAt).
func (t *Tracker) CompleteAt(root uint64) (msgID any, emitted core.Time, ok bool) {
	p, ok := t.pending[root]
	if ok {
		delete(t.pending, root)
	}
	return p.msgID, p.emitted, ok
}

// Pending is the number of roots in flight.
func (t *Tracker) Pending() int { return len(t.pending) }

// Full reports whether Emit would refuse: maxPending roots are in flight.
func (t *Tracker) Full() bool { return t.pendingMax > 0 && len(t.pending) >= t.pendingMax }
