package task

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/acker"
	"github.com/squall/squall/core/metrics"
	"github.com/squall/squall/core/topology"
)

// Bounds of an executor.
const (
	// InboxMax bounds each task's queue of tuples waiting to execute; a
	// full inbox stops emitters upstream (backpressure), never drops.
	InboxMax = 1 << 14
	// spoutBurst bounds the NextTuple calls per spout per round, so that
	// spouts never starve bolts.
	spoutBurst = 64
	// ackBurst bounds the completions (acks and fails) a spout task takes
	// from its ack queue per round. A round gives each spout both bursts,
	// acks first, so neither side starves the other (JStorm runs them on
	// separate threads for the same reason).
	ackBurst = 256
	// AckQueueMax bounds each spout task's queue of completions waiting for
	// Ack or Fail. The queue holds at most one entry per pending root, plus
	// late duplicates, so it fills only without max spout pending; a
	// completion that finds it full is handed to the spout at once, never
	// dropped.
	AckQueueMax = 1 << 14
	// ackerBuckets is the rotating timeout's bucket count, as Storm's.
	ackerBuckets = 3
	// CostConfig is the component config key giving the budget units one
	// Execute of it costs (default 1): how the simulator models a slow bolt.
	CostConfig = "squall.cost"
)

// ExecutorConfig describes the tasks one worker runs.
type ExecutorConfig struct {
	Topology *topology.Topology
	// Tasks are the tasks this executor runs: all of its worker's, or a
	// subset (a lane; realnet/lanes runs one task per lane). A tuple or
	// acking message for a task of this worker that another executor runs
	// leaves through TakeRemote()[Local], unencoded (values and roots are
	// never modified once emitted, so lanes may share them), and that
	// executor's Deliver takes it. Local groupings still see every task of
	// the worker as local: they read WorkerOf.
	Tasks []core.TaskID
	// WorkerOf gives the worker index of every task of the topology; the
	// index of this worker is Local. Hosts, when known, enable local-first.
	WorkerOf map[core.TaskID]int
	HostOf   map[int]string
	Local    int
	Rand     *rand.Rand
	// Now is when the executor starts: its tasks' metric windows begin then.
	Now core.Time
	// Clock, when set, is the driver's monotonic clock in the time base of
	// Step's now. The executor reads it only to time sampled tuples (an
	// Execute, an ack, a tree's completion), so that execute, process and
	// complete latencies are measured where a clock exists: real drivers
	// set it. Core never reads a clock of its own.
	Clock func() core.Time
	// UnitTime, used when Clock is nil, is the time one budget unit of Step
	// stands for: the simulator's cost model. A sampled Execute of a
	// component of cost c then takes c × UnitTime, and the executor's time
	// within a step is the step's now plus the units spent so far in it.
	// With neither, every measurement reads the step's now: what happens in
	// one step takes no time, and only waits between steps show.
	UnitTime time.Duration
	// Services are handed to every task's Context as they are: what the
	// driver provides user code beside the topology, such as the
	// simulator's per-run ledger that the sequence example writes to (a
	// real deployment's equivalent is a database the components dial).
	Services map[string]any
	// Inactive opens the spouts deactivated: no Activate and no NextTuple
	// until SetActive(true), as Storm opens the spouts of a topology that
	// is not ACTIVE. The default runs them from the start.
	Inactive bool
	// TestOnlyAckAtInit breaks acking on purpose: a tree counts as complete
	// as soon as the spout emits it. Only tests set it, to show the
	// at-least-once checker catches lost tuples.
	TestOnlyAckAtInit bool
}

// Remote is a tuple (or an acking message) for a task in another worker.
type Remote struct {
	Worker int
	Dest   core.TaskID
	Source core.TaskID
	Stream string
	// ID, Roots and Xors are the tuple's acking: it XORs Xors[i] into the
	// tree Roots[i], or ID into every root when Xors is nil (see Tuple).
	ID     uint64
	Roots  []uint64
	Xors   []uint64
	Values Values
	// Acking messages (Stream empty): Kind with Root and Xor.
	Ack ackMsg
}

type ackMsgKind uint8

const (
	ackNone ackMsgKind = iota
	ackInit
	ackAck
	ackFail
	ackDone // acker → spout: completed (Failed tells how)
)

type ackMsg struct {
	Kind      ackMsgKind
	Root, Xor uint64
	Spout     core.TaskID
	Failed    bool
}

// Executor runs the tasks of one worker, single-threaded: a pure machine
// stepped by its driver. Tuples between its own tasks are handed over as
// pointers, never encoded; tuples for other workers leave through Remote.
type Executor struct {
	cfg ExecutorConfig
	now core.Time
	// spent is the budget units spent in the current step, for the cost
	// model's time (see ExecutorConfig.UnitTime and measure).
	spent int
	// slots describe every task of the topology, indexed by task id
	// (Storm numbers them 1..N): a slice, not maps, because every tuple and
	// acking message looks its destination up.
	slots  []slot
	order  []*runner // spouts first, then bolts, each by task id
	ackers []core.TaskID
	local  []core.TaskID // the local acker tasks, ascending
	// outbox holds, per worker index, what must leave at the next flush;
	// spare is the set TakeRemote handed out last time, reused next time.
	outbox, spare [][]Remote
	outboxLen     int
	active        bool
	pressure      bool // past the high water mark; spouts wait for the low one
	throttled     bool // a peer worker is congested
	nextTick      core.Time
	rotateD       time.Duration
	nextRot       core.Time
	stats         ExecutorStats
	fields        map[streamKey]*Fields // for remote tuples
	lastFields    fieldsHit
	// tuples and roots are the rest of the current chunks that new tuples
	// and their one-root lists are carved from (see newTuple).
	tuples []Tuple
	roots  []uint64
	// free is a ring of released tuples, the oldest at freeHead; newTuple
	// reuses the oldest only when tupleReuseDelay newer ones follow it.
	free     []*Tuple
	freeHead int
	freeLen  int
	// errorsRecorded counts the errors its tasks recorded (see Errors).
	errorsRecorded uint64
}

// slot is what the executor knows of one task of the topology.
type slot struct {
	comp   string
	worker int          // its worker index; -1 when the placement lacks it
	run    *runner      // a spout or bolt of this worker
	acker  *acker.Acker // an acker of this worker
}

// slot returns the task's slot, nil for an id outside the topology (a
// corrupt or stale message names one).
func (e *Executor) slot(id core.TaskID) *slot {
	if id < 0 || int(id) >= len(e.slots) {
		return nil
	}
	return &e.slots[id]
}

// runnerOf returns a local spout or bolt task, nil for any other id.
func (e *Executor) runnerOf(id core.TaskID) *runner {
	if s := e.slot(id); s != nil {
		return s.run
	}
	return nil
}

// fieldsHit remembers the last remote stream's field table: a batch from
// one source repeats it.
type fieldsHit struct {
	source core.TaskID
	stream string
	fields *Fields
}

// streamKey names a component's stream.
type streamKey struct{ component, stream string }

// ExecutorStats count what the executor did.
type ExecutorStats struct {
	Emitted, Executed, Acked, Failed, Throttled, RemoteOut int64
	Ticks                                                  int64 // tick tuples delivered
	InboxMax                                               int   // the longest any task's inbox has been
	// AckQueueMax is the longest any spout's ack queue has been;
	// AcksInline counts completions handed over at once on a full queue.
	AckQueueMax int
	AcksInline  int64
	// Unrouted counts tuples dropped for a task no worker is assigned.
	Unrouted int64
	// NextTuples counts NextTuple calls: none while the spouts are
	// inactive.
	NextTuples int64

	// ErrorsThrottled counts the errors tasks reported past the rate limit
	// (see errorsPerThrottleMax): counted, not recorded.
	ErrorsThrottled int64
}

// NewExecutor instantiates the worker's tasks from their registered types.
func NewExecutor(cfg ExecutorConfig) (*Executor, error) {
	core.Assert(cfg.Topology != nil && cfg.Rand != nil, "executor needs a topology and a generator")
	e := &Executor{cfg: cfg, active: !cfg.Inactive, fields: map[streamKey]*Fields{}, lastFields: fieldsHit{source: -1}}
	comps := topology.ComponentTasks(cfg.Topology)
	e.ackers = comps[topology.AckerComponent]
	e.rotateD = cfg.Topology.Config.MessageTimeout / (ackerBuckets - 1)
	e.slots = newSlots(comps, cfg.WorkerOf)
	workers := cfg.Local + 1
	for _, w := range cfg.WorkerOf {
		workers = max(workers, w+1)
	}
	e.outbox, e.spare = make([][]Remote, workers), make([][]Remote, workers)
	ids := slices.Clone(cfg.Tasks)
	slices.Sort(ids)
	for _, id := range ids {
		sl := e.slot(id)
		if sl == nil || sl.comp == "" {
			return nil, fmt.Errorf("task: task %d is not in topology %s", id, cfg.Topology.Name)
		}
		if sl.comp == topology.AckerComponent {
			sl.acker = acker.New(acker.Config{Buckets: ackerBuckets})
			e.local = append(e.local, id)
			continue
		}
		r, err := e.newRunner(id, sl.comp, comps)
		if err != nil {
			return nil, err
		}
		sl.run = r
		e.order = append(e.order, r)
	}
	slices.SortStableFunc(e.order, func(a, b *runner) int {
		if (a.spout != nil) != (b.spout != nil) {
			if a.spout != nil {
				return -1
			}
			return 1
		}
		return int(a.id - b.id)
	})
	for _, r := range e.order {
		if err := e.wire(r, comps); err != nil {
			return nil, err
		}
	}
	for _, r := range e.order {
		r.open()
	}
	return e, nil
}

// newSlots indexes the topology's tasks by id, with their components and
// workers.
func newSlots(comps map[string][]core.TaskID, workerOf map[core.TaskID]int) []slot {
	n := 0
	for _, ids := range comps {
		for _, id := range ids {
			core.Assert(id >= 0, "task id %d", id)
			n = max(n, int(id)+1)
		}
	}
	slots := make([]slot, n)
	for i := range slots {
		slots[i].worker = -1
	}
	for name, ids := range comps {
		for _, id := range ids {
			slots[id].comp = name
		}
	}
	for id, w := range workerOf {
		if id >= 0 && int(id) < n {
			slots[id].worker = w
		}
	}
	return slots
}

// Stats returns the executor's counters.
func (e *Executor) Stats() ExecutorStats { return e.stats }

// SetActive activates or deactivates the spouts: each spout's Activate or
// Deactivate is called on a change only. Inactive spouts get no NextTuple,
// but their acks, fails and timeouts go on, as in Storm.
func (e *Executor) SetActive(on bool) {
	if on == e.active {
		return
	}
	e.active = on
	for _, r := range e.order {
		if r.spout != nil {
			if on {
				r.spout.Activate()
			} else {
				r.spout.Deactivate()
			}
		}
	}
}

// TakeRemote drains what must go to other workers: element w holds what
// goes to worker index w, in the order it was produced. The slices are valid
// until the next call: the executor keeps two sets and alternates, so a
// steady flow allocates nothing, and it clears the set it takes back so
// that it pins no values.
func (e *Executor) TakeRemote() [][]Remote {
	for w := range e.spare {
		clear(e.spare[w])
		e.spare[w] = e.spare[w][:0]
	}
	out := e.outbox
	e.outbox, e.spare = e.spare, out
	e.outboxLen = 0
	return out
}

// SwapOutbox hands over what waits for worker w, to keep, and puts buf
// (emptied) in its place: a lane passes its sibling lanes' messages on
// without copying them. TakeRemote then holds nothing for w.
func (e *Executor) SwapOutbox(w int, buf []Remote) []Remote {
	out := e.outbox[w]
	e.outbox[w] = buf[:0]
	e.outboxLen -= len(out)
	return out
}

// send queues m for worker w.
func (e *Executor) send(w int, m Remote) {
	e.outbox[w] = append(e.outbox[w], m)
	e.outboxLen++
}

// Step runs rounds of spouts and bolts until budget units were spent or
// nothing is left to do; it returns the units spent. An Execute costs its
// component's cost (1 by default), a completion handed to a spout 1;
// NextTuple is bounded by spoutBurst per round and by backpressure instead.
func (e *Executor) Step(now core.Time, budget int) int {
	e.now, e.spent = now, 0
	e.rotate()
	e.tick()
	done := 0
	for done < budget {
		progress := false
		for _, r := range e.order {
			if r.spout != nil {
				n := r.runAcks(min(ackBurst, budget-done))
				done += n
				progress = e.runSpout(r) || n > 0 || progress
				continue
			}
			n := r.drain(budget - done)
			done += n
			progress = progress || n > 0
		}
		if !progress {
			break
		}
	}
	return done
}

func (e *Executor) runSpout(r *runner) bool {
	if !e.active {
		return false
	}
	emitted := e.stats.Emitted
	for range spoutBurst {
		if r.blocked() {
			e.stats.Throttled++
			break
		}
		before := e.stats.Emitted
		e.stats.NextTuples++
		r.spout.NextTuple()
		if e.stats.Emitted == before {
			break // nothing ready
		}
	}
	return e.stats.Emitted > emitted
}

// tick delivers a tick tuple to every bolt task each TickInterval.
func (e *Executor) tick() {
	d := e.cfg.Topology.Config.TickInterval
	if d <= 0 || e.now < e.nextTick {
		return
	}
	e.nextTick = e.now.Add(d)
	for _, r := range e.order {
		if r.bolt != nil {
			e.stats.Ticks++
			t := e.newTuple()
			*t = Tuple{Stream: TickStream, SourceComponent: "__system", tick: true}
			r.push(t)
		}
	}
}

// Congested reports whether this worker's inboxes are past the high water
// mark: its driver tells the peers, whose spouts then wait (Storm 2's
// backpressure messages).
func (e *Executor) Congested() bool { return e.inboxPressure() }

// SetThrottled stops (or restarts) the spouts because a peer is congested.
func (e *Executor) SetThrottled(on bool) { e.throttled = on }

// rotate expires acker buckets on the message timeout's schedule.
func (e *Executor) rotate() {
	if e.rotateD <= 0 || e.now < e.nextRot {
		return
	}
	if e.nextRot == 0 {
		e.nextRot = e.now.Add(e.rotateD)
		return
	}
	e.nextRot = e.now.Add(e.rotateD)
	for _, id := range e.local {
		for _, c := range e.slots[id].acker.Rotate() {
			e.complete(c)
		}
	}
	for _, r := range e.order {
		if r.spout != nil {
			// Completions already queued are verdicts that arrived in
			// time: hand them over before the timeout fails their roots.
			r.runAcks(AckQueueMax)
			r.expire()
		}
	}
}

// expire fails the spout's roots emitted ackerBuckets rotations ago that are
// still pending: between 1 and 1.5 message timeouts old.
func (r *runner) expire() {
	oldest := (r.gen + 1) % ackerBuckets
	for _, root := range r.gens[oldest] {
		if msgID, emitted, ok := r.tracker.CompleteAt(root); ok {
			r.e.stats.Failed++
			r.recordCompletion(emitted, true) // a timeout is a failure, as in Storm
			r.spout.Fail(msgID)
		}
	}
	r.gens[oldest] = r.gens[oldest][:0]
	r.gen = oldest
}

// measure is the executor's time for timing a sampled tuple: the driver's
// clock when it gave one, else the step's now advanced by the cost model.
func (e *Executor) measure() core.Time {
	if e.cfg.Clock != nil {
		return e.cfg.Clock()
	}
	return e.now.Add(time.Duration(e.spent) * e.cfg.UnitTime)
}

// Bolt returns the bolt instance of a local task, for checkers that read
// what a bolt recorded; nil for other tasks.
func (e *Executor) Bolt(id core.TaskID) Bolt {
	if r := e.runnerOf(id); r != nil {
		return r.bolt
	}
	return nil
}

// Spout returns the spout instance of a local task; nil for other tasks.
func (e *Executor) Spout(id core.TaskID) Spout {
	if r := e.runnerOf(id); r != nil {
		return r.spout
	}
	return nil
}

// Metrics returns a local task's metric windows; nil for other tasks.
func (e *Executor) Metrics(id core.TaskID) *metrics.TaskStats {
	if r := e.runnerOf(id); r != nil {
		return r.stats
	}
	return nil
}

// Component names a task's component.
func (e *Executor) Component(id core.TaskID) string {
	if s := e.slot(id); s != nil {
		return s.comp
	}
	return ""
}

// Tasks returns the local spout and bolt tasks, ascending.
func (e *Executor) Tasks() []core.TaskID {
	var ids []core.TaskID
	for id := range e.slots {
		if e.slots[id].run != nil {
			ids = append(ids, core.TaskID(id))
		}
	}
	return ids
}
