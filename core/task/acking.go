package task

import (
	"math"
	"math/rand/v2"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/acker"
	"github.com/squall/squall/core/grouping"
)

// deliver hands an emitted tuple to a local task's inbox, as a Tuple, or
// queues it for the task's worker: a remote tuple needs no Tuple.
func (e *Executor) deliver(task core.TaskID, r *runner, out *streamOut, stream string, values Values, id uint64, roots, xors []uint64) {
	sl := &e.slots[task] // routers only name the topology's tasks
	if sl.run != nil {
		t := e.newTuple()
		*t = Tuple{Values: values, Stream: stream, SourceComponent: r.comp, SourceTask: r.id,
			fields: out.fields, id: id, roots: roots, xors: xors}
		sl.run.push(t)
		return
	}
	w := sl.worker
	if w < 0 {
		// A partial assignment (nimbus placed only some tasks, as after a
		// host is lost with no free slot) leaves a task with no worker: the
		// tuple is dropped, as one sent to a dead worker is, and its tree
		// times out and replays. The swarm found this (seed 147).
		e.stats.Unrouted++
		return
	}
	e.stats.RemoteOut++
	e.send(w, Remote{Worker: w, Dest: task, Source: r.id, Stream: stream, ID: id, Roots: roots, Xors: xors, Values: values})
}

// ackerFor is the acker task that tracks root.
func (e *Executor) ackerFor(root uint64) core.TaskID { return acker.AckerFor(root, e.ackers) }

// toAcker applies an acking message at a local acker or sends it to its worker.
func (e *Executor) toAcker(m ackMsg) {
	a := e.ackerFor(m.Root)
	sl := &e.slots[a]
	if sl.acker != nil {
		e.applyAck(sl.acker, m)
		return
	}
	if sl.worker >= 0 {
		e.send(sl.worker, Remote{Worker: sl.worker, Dest: a, Ack: m})
	}
}

func (e *Executor) applyAck(ak *acker.Acker, m ackMsg) {
	var c acker.Completion
	var done bool
	switch m.Kind {
	case ackInit:
		c, done = ak.Init(m.Root, m.Spout, m.Xor)
	case ackAck:
		c, done = ak.Ack(m.Root, m.Xor)
	case ackFail:
		c, done = ak.Fail(m.Root)
	}
	if done {
		e.complete(c)
	}
}

func (e *Executor) ackInit(root uint64, spout core.TaskID, xor uint64) {
	if e.cfg.TestOnlyAckAtInit {
		e.complete(acker.Completion{Root: root, SpoutTask: spout})
		return
	}
	e.toAcker(ackMsg{Kind: ackInit, Root: root, Spout: spout, Xor: xor})
}

func (e *Executor) ackAck(root, xor uint64) { e.toAcker(ackMsg{Kind: ackAck, Root: root, Xor: xor}) }

func (e *Executor) ackFail(root uint64) { e.toAcker(ackMsg{Kind: ackFail, Root: root}) }

// complete tells the spout task that a tree completed or failed.
func (e *Executor) complete(c acker.Completion) {
	sl := e.slot(c.SpoutTask) // from an acker's record: an init may have named any id
	switch {
	case sl == nil:
	case sl.run != nil:
		sl.run.queueCompletion(c.Root, c.Failed)
	case sl.worker >= 0:
		e.send(sl.worker, Remote{Worker: sl.worker, Dest: c.SpoutTask,
			Ack: ackMsg{Kind: ackDone, Root: c.Root, Failed: c.Failed}})
	}
}

// completion is an acker's verdict on one of a spout's roots, waiting in
// the spout's ack queue.
type completion struct {
	root   uint64
	failed bool
}

// queueCompletion puts an acker's verdict in the spout's ack queue, to be
// handed over by runAcks; on a full queue it is handed over at once.
func (r *runner) queueCompletion(root uint64, failed bool) {
	if r.spout == nil {
		return
	}
	n := len(r.acks) - r.acksHead
	if n >= AckQueueMax {
		r.e.stats.AcksInline++
		r.completeRoot(root, failed)
		return
	}
	if len(r.acks) == cap(r.acks) && r.acksHead > 0 { // reuse the room before the head
		r.acks = r.acks[:copy(r.acks, r.acks[r.acksHead:])]
		r.acksHead = 0
	}
	r.acks = append(r.acks, completion{root: root, failed: failed})
	r.e.stats.AckQueueMax = max(r.e.stats.AckQueueMax, n+1)
}

// runAcks hands at most limit queued completions to the spout, oldest
// first, and returns how many it handed over.
func (r *runner) runAcks(limit int) int {
	n := 0
	for ; n < limit && r.acksHead < len(r.acks); n++ {
		c := r.acks[r.acksHead]
		r.acksHead++
		r.e.spent++ // a completion costs one unit (see Step)
		r.completeRoot(c.root, c.failed)
	}
	if r.acksHead == len(r.acks) {
		r.acks, r.acksHead = r.acks[:0], 0
	}
	return n
}

func (r *runner) completeRoot(root uint64, failed bool) {
	if r.spout == nil {
		return
	}
	msgID, emitted, ok := r.tracker.CompleteAt(root)
	if !ok {
		return // already completed, or from before a restart
	}
	r.recordCompletion(emitted, failed)
	if failed {
		r.spout.Fail(msgID)
		return
	}
	r.spout.Ack(msgID)
}

// unsampled is the emit time the tracker holds for a root whose emit the
// sampler skipped: its completion is not recorded either, so that the
// acked and failed counts, scaled by the sampling weight, stand for all.
const unsampled core.Time = math.MinInt64

// recordCompletion records a spout tree's end, if its emit was sampled:
// acked with its complete latency (emit to completion), or failed, which
// includes timing out.
func (r *runner) recordCompletion(emitted core.Time, failed bool) {
	if emitted == unsampled {
		return
	}
	h := r.stats.Stream("default")
	if failed {
		r.stats.Failed(r.e.now, h)
		return
	}
	r.stats.Acked(r.e.now, h, r.e.measure().Sub(emitted))
}

// Deliver takes a tuple or acking message that arrived from another worker.
func (e *Executor) Deliver(m Remote) {
	if m.Ack.Kind != ackNone {
		e.deliverAck(m.Dest, m.Ack)
		return
	}
	e.deliverTuple(m.Dest, m.Source, m.Stream, m.ID, m.Roots, m.Xors, m.Values)
}

// deliverAck applies an acking message from another worker: a verdict for a
// local spout, or an init, ack or fail for a local acker.
func (e *Executor) deliverAck(dest core.TaskID, m ackMsg) {
	sl := e.slot(dest)
	switch {
	case sl == nil: // not a task of the topology: a corrupt or stale message
	case m.Kind == ackDone:
		if sl.run != nil {
			sl.run.queueCompletion(m.Root, m.Failed)
		}
	case sl.acker != nil:
		e.applyAck(sl.acker, m)
	}
}

// deliverTuple puts a tuple from another worker in a local bolt's inbox.
func (e *Executor) deliverTuple(dest, source core.TaskID, stream string, id uint64, roots, xors []uint64, values Values) {
	sl, src := e.slot(dest), e.slot(source)
	if sl == nil || src == nil || sl.run == nil || sl.run.bolt == nil {
		return // not ours (any more), or corrupt: the tree times out and replays
	}
	t := e.newTuple()
	*t = Tuple{Values: values, Stream: stream, SourceTask: source, SourceComponent: src.comp,
		fields: e.fieldsOf(source, src.comp, stream), id: id, roots: roots, xors: xors}
	sl.run.push(t)
}

// fieldsOf finds the field table of a source task's stream.
func (e *Executor) fieldsOf(source core.TaskID, comp, stream string) *Fields {
	if h := &e.lastFields; h.source == source && h.stream == stream {
		return h.fields
	}
	key := streamKey{comp, stream}
	f := e.fields[key]
	if f == nil {
		// Only declared streams enter the map, so it stays as small as
		// the topology whatever names corrupt messages carry.
		if c, found := e.cfg.Topology.Component(comp); found && c.Outputs[stream] != nil {
			names := c.Outputs[stream]
			f = NewFields(names)
			e.fields[key] = f
		}
	}
	e.lastFields = fieldsHit{source: source, stream: stream, fields: f}
	return f
}

// placement describes where every task runs, for the routers.
func (e *Executor) placement() grouping.Placement {
	return grouping.Placement{WorkerOf: e.cfg.WorkerOf, HostOf: e.cfg.HostOf, LocalWorker: e.cfg.Local}
}

// newRand derives a task's generator from the worker's.
func newRand(r *rand.Rand) *rand.Rand { return rand.New(rand.NewPCG(r.Uint64(), r.Uint64())) }
