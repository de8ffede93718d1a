package task

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/acker"
	"github.com/squall/squall/core/grouping"
	"github.com/squall/squall/core/metrics"
	"github.com/squall/squall/core/topology"
	"github.com/squall/squall/core/tuple"
)

// Backpressure water marks on a task's inbox (JStorm's 0.8 / 0.2): past the
// high mark spouts stop emitting until every inbox is below the low mark.
const (
	inboxHigh = InboxMax * 8 / 10
	inboxLow  = InboxMax * 2 / 10
)

// RemoteMax bounds the tuples waiting to leave the worker between two
// flushes: past it spouts stop, so a fast spout cannot flood its peers.
const RemoteMax = 4096

type route struct {
	target string
	router grouping.Router
	direct bool
	tasks  []core.TaskID
}

type streamOut struct {
	name   string
	fields *Fields
	routes []route
}

// out returns the declared output stream, nil for an undeclared one. A task
// emits on one stream nearly always, so the last one found is tried first.
func (r *runner) out(stream string) *streamOut {
	if o := r.lastOut; o != nil && o.name == stream {
		return o
	}
	o := r.outs[stream]
	if o != nil {
		r.lastOut = o
	}
	return o
}

// runner is one spout or bolt task and its collector.
type runner struct {
	e       *Executor
	id      core.TaskID
	comp    string
	spout   Spout
	bolt    Bolt
	ctx     *Context
	outs    map[string]*streamOut
	lastOut *streamOut // the stream of the last emit
	inbox   []*Tuple
	head    int
	tracker *acker.Tracker
	// gens holds the roots emitted in each of the last ackerBuckets
	// rotations; a root still pending when its generation comes round again
	// is failed back to the spout. This is the spout-side timeout Storm keeps
	// too: a tree whose acker died with its worker would otherwise never be
	// failed, and never replayed.
	gens [ackerBuckets][]uint64
	gen  int
	// acks is the spout's ack queue: completions from the ackers wait here
	// until Step hands them to Ack or Fail, a burst per round, so that
	// completions and NextTuple take turns (JStorm decouples them too).
	acks     []completion
	acksHead int
	dst      []core.TaskID
	xors     []uint64 // emitJoined's per-root values, reused
	errs     errorLog
	cost     int // budget units per Execute
	// stats holds the task's metric windows (10 min, 3 h, 1 day, all time),
	// sampled at the topology's stats sample rate.
	stats *metrics.TaskStats
}

func (e *Executor) newRunner(id core.TaskID, comp string, comps map[string][]core.TaskID) (*runner, error) {
	c, ok := e.cfg.Topology.Component(comp)
	core.Assert(ok, "component %s of task %d", comp, id)
	r := &runner{e: e, id: id, comp: comp, outs: map[string]*streamOut{}}
	r.ctx = &Context{TaskID: id, Component: comp, Topology: e.cfg.Topology, ComponentTasks: comps,
		Rand: newRand(e.cfg.Rand), Config: c.Config, Services: e.cfg.Services}
	if f := spouts[c.Type]; f != nil {
		r.spout = f()
		r.tracker = acker.NewTracker(e.cfg.Topology.Config.MaxSpoutPending, r.ctx.Rand)
	} else if f := bolts[c.Type]; f != nil {
		r.bolt = f()
	} else {
		return nil, ErrUnknownType{comp, c.Type}
	}
	st, err := metrics.New(id, e.cfg.Now, newRand(e.cfg.Rand),
		metrics.Config{SampleRate: e.cfg.Topology.Config.StatsSampleRate})
	if err != nil {
		return nil, fmt.Errorf("task: metrics of task %d: %w", id, err)
	}
	r.stats = st
	r.cost = 1
	if n, err := strconv.Atoi(c.Config[CostConfig]); err == nil && n > 0 {
		r.cost = n
	}
	for stream, fields := range c.Outputs {
		r.outs[stream] = &streamOut{name: stream, fields: NewFields(fields)}
	}
	return r, nil
}

// wire builds the routes from r's streams to their subscribers.
func (e *Executor) wire(r *runner, comps map[string][]core.TaskID) error {
	place := e.placement()
	t := e.cfg.Topology
	for _, b := range t.Bolts {
		for _, in := range b.Inputs {
			out := r.outs[in.Stream]
			if in.Component != r.comp || out == nil {
				continue
			}
			targets := comps[b.Name]
			rt, err := grouping.New(in.Grouping, out.fields.Names(), targets, place, r.ctx.Rand)
			if err != nil {
				return fmt.Errorf("task: %s -> %s: %w", r.comp, b.Name, err)
			}
			out.routes = append(out.routes, route{target: b.Name, router: rt, tasks: targets,
				direct: in.Grouping.Kind == topology.GroupDirect})
		}
	}
	return nil
}

func (r *runner) open() {
	if r.spout != nil {
		r.spout.Open(r.ctx, r)
		if r.e.active {
			r.spout.Activate()
		}
		return
	}
	r.bolt.Prepare(r.ctx, (*boltCollector)(r))
}

// blocked reports whether the spout must not emit now: too many pending
// trees, or downstream inboxes past the high water mark.
func (r *runner) blocked() bool {
	if r.tracker.Full() {
		return true
	}
	return r.e.congested()
}

// congested reports whether spouts must wait: the outbox is full, a peer is
// congested, or this worker's own inboxes are.
func (e *Executor) congested() bool {
	return e.outboxLen >= RemoteMax || e.throttled || e.inboxPressure()
}

// inboxPressure applies the water marks to this worker's inboxes.
func (e *Executor) inboxPressure() bool {
	if e.pressure {
		for _, t := range e.order {
			if len(t.inbox)-t.head > inboxLow {
				return true
			}
		}
		e.pressure = false
		return false
	}
	for _, t := range e.order {
		if len(t.inbox)-t.head > inboxHigh {
			e.pressure = true
			return true
		}
	}
	return false
}

// Emit implements SpoutCollector.
func (r *runner) Emit(stream string, values Values, msgID any) {
	r.emitSpout(-1, stream, values, msgID)
}

// EmitDirect implements SpoutCollector.
func (r *runner) EmitDirect(task core.TaskID, stream string, values Values, msgID any) {
	r.emitSpout(task, stream, values, msgID)
}

func (r *runner) emitSpout(direct core.TaskID, stream string, values Values, msgID any) {
	out := r.out(stream)
	if out == nil {
		r.ReportError(fmt.Errorf("emit on undeclared stream %q", stream))
		return
	}
	values, ok := r.canonical(stream, values)
	if !ok {
		return
	}
	e := r.e
	reliable := msgID != nil && len(e.ackers) > 0
	if reliable && r.tracker.Full() {
		r.ReportError(errors.New("emit past max spout pending"))
		return
	}
	// One sampling decision covers the emit and its tree's completion.
	sampled := r.stats.Sample()
	emitted := unsampled
	if sampled {
		emitted = e.measure()
	}
	var root, xor uint64
	if reliable {
		root, _ = r.tracker.EmitAt(msgID, emitted)
	}
	e.stats.Emitted++
	r.dst = r.targets(out, direct, values, r.dst[:0])
	if sampled {
		r.recordSampledEmit(stream, len(r.dst))
	}
	var roots []uint64 // one slice for every target: roots are never modified
	if reliable && len(r.dst) > 0 {
		roots = e.newRoot(root)
	}
	for _, task := range r.dst {
		var edge uint64
		if reliable {
			edge = acker.EdgeID(r.ctx.Rand)
			xor ^= edge
		}
		e.deliver(task, r, out, stream, values, edge, roots, nil)
	}
	switch {
	case reliable:
		r.gens[r.gen] = append(r.gens[r.gen], root)
		e.ackInit(root, r.id, xor)
	case msgID != nil: // no ackers: acked right after emit, as Storm
		r.recordCompletion(emitted, false)
		r.spout.Ack(msgID)
	}
}

// canonical converts an emit's values to the types the codec decodes (see
// tuple.Canonical), so that a bolt reads the same values whether the tuple
// reached it inside the worker or from another. Values the codec cannot
// carry refuse the emit: it reports false and the error.
func (r *runner) canonical(stream string, values Values) (Values, bool) {
	vals, err := tuple.Canonical(values)
	if err != nil {
		r.ReportError(fmt.Errorf("emit on stream %q refused: %w", stream, err))
		return values, false
	}
	return vals, true
}

// inputValues reports whether values are an anchor's own Values, emitted
// again as a relay does: canonical already, as every tuple's are.
func inputValues(anchors []*Tuple, values Values) bool {
	for _, a := range anchors {
		if len(values) > 0 && len(a.Values) == len(values) && &a.Values[0] == &values[0] {
			return true
		}
	}
	return false
}

// targets routes one tuple to its destination tasks. A plain emit skips
// the subscribers that take the stream by direct grouping, and an
// EmitDirect reaches only the subscriber whose task it names; both misuses
// are reported (Storm refuses them).
func (r *runner) targets(out *streamOut, direct core.TaskID, values Values, dst []core.TaskID) []core.TaskID {
	taken := false
	for _, rt := range out.routes {
		if rt.direct {
			switch {
			case direct < 0:
				r.reportPlainToDirect(out.name, rt.target)
			case rt.router.Direct(direct) == nil:
				dst = append(dst, direct)
				taken = true
			}
			continue
		}
		dst = rt.router.Route(values, dst)
	}
	if direct >= 0 && !taken {
		r.reportDirectNotTarget(out.name, direct)
	}
	return dst
}

// boltCollector is the runner seen as a bolt's OutputCollector.
type boltCollector runner

func (b *boltCollector) Emit(stream string, anchors []*Tuple, values Values) {
	(*runner)(b).emitBolt(-1, stream, anchors, values)
}

func (b *boltCollector) EmitDirect(task core.TaskID, stream string, anchors []*Tuple, values Values) {
	(*runner)(b).emitBolt(task, stream, anchors, values)
}

func (b *boltCollector) ReportError(err error) { (*runner)(b).ReportError(err) }

func (b *boltCollector) Ack(t *Tuple) {
	if !b.settle(t) {
		return
	}
	e := b.e
	e.stats.Acked++
	if t.state&tupleSampled != 0 {
		b.stats.BoltAcked(e.now, b.stats.Stream(t.Stream), e.measure().Sub(t.sampledAt))
	}
	for i, root := range t.roots {
		e.ackAck(root, t.edge(i)^t.ackVal)
	}
	b.done(t)
}

// edge is what t XORs into its i-th root when acked, besides its ackVal.
func (t *Tuple) edge(i int) uint64 {
	if t.xors == nil {
		return t.id
	}
	return t.xors[i]
}

func (b *boltCollector) Fail(t *Tuple) {
	if !b.settle(t) {
		return
	}
	e := b.e
	e.stats.Failed++
	if t.state&tupleSampled != 0 {
		b.stats.Failed(e.now, b.stats.Stream(t.Stream))
	}
	for _, root := range t.roots {
		e.ackFail(root)
	}
	b.done(t)
}

// settle marks t acked or failed, and reports false (and an error) if it
// was already.
func (b *boltCollector) settle(t *Tuple) bool {
	if t.state&(tupleSettled|tupleFree) != 0 {
		b.ReportError(errSettledTwice)
		return false
	}
	t.state |= tupleSettled
	return true
}

// done releases t if its Execute has returned; otherwise drain does.
func (b *boltCollector) done(t *Tuple) {
	if t.state&tupleExecuted != 0 {
		b.e.release(t)
	}
}

func (r *runner) emitBolt(direct core.TaskID, stream string, anchors []*Tuple, values Values) {
	out := r.out(stream)
	if out == nil {
		r.ReportError(fmt.Errorf("emit on undeclared stream %q", stream))
		return
	}
	if !inputValues(anchors, values) {
		var ok bool
		if values, ok = r.canonical(stream, values); !ok {
			return
		}
	}
	e := r.e
	e.stats.Emitted++
	anchors = r.liveAnchors(anchors)
	r.dst = r.targets(out, direct, values, r.dst[:0])
	r.recordEmit(stream, len(r.dst))
	if len(anchors) > 1 {
		r.emitJoined(out, stream, anchors, values)
		return
	}
	var roots []uint64 // the anchor's own: roots are never modified
	if len(anchors) == 1 {
		roots = anchors[0].roots
	}
	for _, task := range r.dst {
		var edge uint64
		if len(roots) > 0 {
			edge = acker.EdgeID(r.ctx.Rand)
			anchors[0].ackVal ^= edge
		}
		e.deliver(task, r, out, stream, values, edge, roots, nil)
	}
}

// emitJoined delivers a tuple anchored to several inputs to every task of
// r.dst. As in Storm, each anchor gets its own edge id per delivery, XORed
// into the anchor's ack value and, for each of the anchor's roots, into the
// new tuple's value for that root. So two anchors of one tree (a join), or
// one anchor given twice, add two edges to the tree, which the anchors' acks
// and the new tuple's cancel; one edge for all anchors would cancel itself,
// and the tree would complete before the new tuple is acked.
func (r *runner) emitJoined(out *streamOut, stream string, anchors []*Tuple, values Values) {
	roots := anchorRoots(anchors)
	for _, task := range r.dst {
		if len(roots) == 0 {
			r.e.deliver(task, r, out, stream, values, 0, nil, nil)
			continue
		}
		xors := r.joinXors(anchors, roots)
		id := xors[0]
		if !allEqual(xors) {
			id, xors = 0, r.e.carve(len(xors))
			copy(xors, r.xors)
		} else {
			xors = nil // one value for every root, as after a single anchor
		}
		r.e.deliver(task, r, out, stream, values, id, roots, xors)
	}
}

// joinXors draws each anchor's edge id for one delivery and returns, in
// r.xors (reused), the new tuple's value for each of roots, their union.
func (r *runner) joinXors(anchors []*Tuple, roots []uint64) []uint64 {
	xors := append(r.xors[:0], make([]uint64, len(roots))...)
	for _, a := range anchors {
		if len(a.roots) == 0 {
			continue // unanchored itself: in no tree
		}
		edge := acker.EdgeID(r.ctx.Rand)
		a.ackVal ^= edge
		for _, root := range a.roots {
			i, _ := slices.BinarySearch(roots, root)
			xors[i] ^= edge
		}
	}
	r.xors = xors
	return xors
}

func allEqual(xs []uint64) bool {
	for _, x := range xs[1:] {
		if x != xs[0] {
			return false
		}
	}
	return true
}

// liveAnchors returns anchors without those already acked or failed,
// reporting an error if there were any; in the normal case, anchors itself.
func (r *runner) liveAnchors(anchors []*Tuple) []*Tuple {
	for i, a := range anchors {
		if a.state&(tupleSettled|tupleFree) == 0 {
			continue
		}
		r.ReportError(errAnchorToSettled)
		live := slices.Clone(anchors[:i])
		for _, b := range anchors[i+1:] {
			if b.state&(tupleSettled|tupleFree) == 0 {
				live = append(live, b)
			}
		}
		return live
	}
	return anchors
}

// anchorRoots is the union of the anchors' roots, sorted (emitJoined
// searches it), nil for none.
func anchorRoots(anchors []*Tuple) []uint64 {
	set := map[uint64]bool{}
	for _, a := range anchors {
		for _, root := range a.roots {
			set[root] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// recordEmit counts one emit and its deliveries, when sampled.
func (r *runner) recordEmit(stream string, targets int) {
	if r.stats.Sample() {
		r.recordSampledEmit(stream, targets)
	}
}

// recordSampledEmit counts one sampled emit and its deliveries.
func (r *runner) recordSampledEmit(stream string, targets int) {
	h := r.stats.Stream(stream)
	r.stats.Emitted(r.e.now, h, 1)
	r.stats.Transferred(r.e.now, h, int64(targets))
}

// push appends a tuple to the task's inbox.
func (r *runner) push(t *Tuple) {
	r.inbox = append(r.inbox, t)
	if n := len(r.inbox) - r.head; n > r.e.stats.InboxMax {
		r.e.stats.InboxMax = n
	}
}

// drain executes tuples from the inbox until budget units are spent (each
// Execute costs r.cost); it returns the units spent.
func (r *runner) drain(budget int) int {
	spent, n := 0, 0
	for r.head < len(r.inbox) && spent+r.cost <= budget {
		t := r.inbox[r.head]
		r.inbox[r.head] = nil
		r.head++
		r.execute(t)
		t.state |= tupleExecuted
		if t.state&tupleSettled != 0 {
			r.e.release(t) // acked or failed during Execute: done with
		}
		spent += r.cost
		n++
	}
	if r.head == len(r.inbox) {
		r.inbox, r.head = r.inbox[:0], 0
	}
	r.e.stats.Executed += int64(n)
	return spent
}

// execute runs the bolt on t. A sampled tuple is timed: its execute
// latency now, its process latency when the bolt acks it. In the cost model
// (ExecutorConfig.UnitTime) the Execute occupies the cost's units from the
// time it starts, so an ack inside Execute comes at its end, as it would on
// a clock.
func (r *runner) execute(t *Tuple) {
	sampled := !t.tick && r.stats.Sample()
	if sampled {
		t.state |= tupleSampled
		t.sampledAt = r.e.measure()
	}
	r.e.spent += r.cost
	r.bolt.Execute(t)
	if sampled {
		r.stats.Executed(r.e.now, r.stats.Stream(t.Stream), r.e.measure().Sub(t.sampledAt))
	}
}
