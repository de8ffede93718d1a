package lanes

import (
	"math/rand/v2"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/metrics"
	"github.com/squall/squall/core/task"
	"github.com/squall/squall/core/worker"
)

// Bounds of the stepped plane's scheduler.
const (
	// recvBatchesMax bounds the incoming batches waiting to be decoded, as
	// the real runner's channel does; a Deliver that finds it full decodes
	// the oldest at once (the real machine would wait for its receiver).
	recvBatchesMax = 256
	// stepPicksMax bounds the rounds one Step schedules, whatever the
	// budget: every pick costs at least a unit, so it only binds on
	// budgets far above the simulator's.
	stepPicksMax = 1 << 16
	// freeBatchesMax bounds the released batches kept for reuse, and
	// freeBatchCapMax the capacity of one, so the list never pins huge ones.
	freeBatchesMax  = 64
	freeBatchCapMax = 1 << 14
)

// Stepped is the lanes plane as the simulator runs it: the real runner's
// lanes and receiver, each one actor, stepped one round at a time on the
// worker machine's goroutine in an order drawn from the seed. Which actor
// runs next among those with work is a uniform draw, so a seed picks one
// interleaving of the lanes' handoffs, water marks and spout pauses.
type Stepped struct {
	set    *Set
	recv   *Receiver
	bounds Bounds
	rng    *rand.Rand
	now    core.Time

	queues     [][][]task.Remote // per lane, oldest batch at heads[lane]
	heads      []int
	depth      []int64  // messages per lane queue
	ready      []bool   // per actor (lanes, then the receiver): has work
	picks      []int    // scratch of pick
	incoming   [][]byte // batches delivered, not yet decoded
	out        []outBatch
	outPending int64           // messages in out
	free       [][]task.Remote // released batches, emptied

	active, throttled, pressure bool
	deepest                     int64 // the deepest queue at the last pressure update
	errs                        int   // batches that failed to encode or decode since Flush
	stats                       SteppedStats
}

// outBatch is an encoded batch for worker w holding n messages.
type outBatch struct {
	w, n    int
	payload []byte
}

// SteppedStats count what a stepped plane did.
type SteppedStats struct {
	Rounds   int64 // actor rounds run
	Dropped  int64 // batches dropped at the hard bound
	QueueMax int64 // the deepest any queue has been, in messages
}

// SteppedFactory returns a worker.PlaneFactory of stepped lane planes with
// the given bounds.
func SteppedFactory(b Bounds) worker.PlaneFactory {
	return func(cfg task.ExecutorConfig) (worker.Plane, error) { return NewStepped(cfg, b) }
}

// NewStepped builds the lanes of cfg; its scheduler draws from a generator
// seeded from cfg.Rand.
func NewStepped(cfg task.ExecutorConfig, b Bounds) (*Stepped, error) {
	b.check()
	p := &Stepped{bounds: b, active: !cfg.Inactive} // each lane's executor opens so too
	p.rng = rand.New(rand.NewPCG(cfg.Rand.Uint64(), cfg.Rand.Uint64()))
	set, err := NewSet(cfg, p)
	if err != nil {
		return nil, err
	}
	set.deferRemote = true
	p.set, p.recv = set, set.NewReceiver()
	p.queues, p.heads, p.depth = make([][][]task.Remote, set.Len()), make([]int, set.Len()), make([]int64, set.Len())
	p.ready = make([]bool, set.Len()+1)
	return p, nil
}

// Step runs rounds of actors with work, drawn at random, until budget
// units were spent or none has work. Every lane has work at the start of
// a Step: it stands for the real lanes' tickers (timeouts, tick tuples,
// idle spouts). Lanes encode what they made for other workers at the end
// of the Step, not every round: the machine sends it all at this tick
// either way, and one batch per lane and peer keeps the simulated network's
// events as few as the single plane's, where per-round batches made a lanes
// seed four times as many.
func (p *Stepped) Step(now core.Time, budget int) {
	p.now = now
	for i := range p.set.Len() {
		p.ready[i] = true
	}
	spent := 0
	for n := 0; n < stepPicksMax && spent < budget; n++ {
		a := p.pick()
		if a < 0 {
			break
		}
		spent += max(1, p.run(a, budget-spent))
	}
	p.flushRemote()
	p.updatePressure()
}

// flushRemote has every lane encode what it made for other workers,
// starting from a lane drawn from the seed. The lanes share the outgoing
// queue's hard bound: flushed always in task order, the first lanes' batches
// would fill it on a busy Step and the last lanes' be dropped on every one,
// so that a tree whose acking messages leave from a late lane (a spout's
// init, a sink's ack) would time out and replay forever (swarm seed 443).
func (p *Stepped) flushRemote() {
	n := p.set.Len()
	if n == 0 {
		return
	}
	from := p.rng.IntN(n)
	for i := range n {
		p.set.Lane((from + i) % n).FlushRemote()
	}
}

// pick draws an actor with work, -1 when none has.
func (p *Stepped) pick() int {
	p.picks = p.picks[:0]
	for a, r := range p.ready {
		if r {
			p.picks = append(p.picks, a)
		}
	}
	if len(p.picks) == 0 {
		return -1
	}
	return p.picks[p.rng.IntN(len(p.picks))]
}

// run runs one round of actor a with at most budget units and returns the
// units it spent.
func (p *Stepped) run(a, budget int) int {
	p.stats.Rounds++
	if a == p.set.Len() {
		p.receiveOne()
		return 1
	}
	spent, busy := p.set.Lane(a).Round(p.now, min(budget, LaneStepBudget), p.active, p.throttled || p.pressure)
	p.ready[a] = busy
	p.updatePressure()
	return spent
}

// receiveOne decodes the oldest incoming batch.
func (p *Stepped) receiveOne() {
	batch := p.incoming[0]
	p.incoming[0] = nil
	if len(p.incoming) == 1 {
		p.incoming = p.incoming[:0]
	} else {
		p.incoming = p.incoming[1:]
	}
	p.ready[p.set.Len()] = len(p.incoming) > 0
	if err := p.recv.Receive(batch); err != nil {
		p.errs++
	}
}

// updatePressure applies the water marks to every queue; when the
// pressure lifts the spout lanes have work again.
func (p *Stepped) updatePressure() {
	deepest := p.outPending
	for _, d := range p.depth {
		deepest = max(deepest, d)
	}
	p.stats.QueueMax = max(p.stats.QueueMax, deepest)
	p.deepest = deepest
	was := p.pressure
	p.pressure = p.bounds.Pressure(was, deepest)
	if was && !p.pressure {
		p.wakeSpouts()
	}
}

func (p *Stepped) wakeSpouts() {
	for i := range p.set.Len() {
		if p.set.Lane(i).Spout() {
			p.ready[i] = true
		}
	}
}

// Next implements Hub.
func (p *Stepped) Next(i int) []task.Remote {
	q, h := p.queues[i], p.heads[i]
	if h == len(q) {
		return nil
	}
	rs := q[h]
	q[h] = nil
	if h+1 == len(q) {
		p.queues[i], p.heads[i] = q[:0], 0 // drained: the array serves the next pushes
	} else {
		p.heads[i] = h + 1
	}
	return rs
}

// AppendQueue appends rs to a lane queue whose oldest batch is at *head; when
// the array is full it first moves the waiting batches to its front, so a
// queue that never drains does not grow its array without bound.
func AppendQueue(q [][]task.Remote, head *int, rs []task.Remote) [][]task.Remote {
	if len(q) == cap(q) && *head > 0 {
		n := copy(q, q[*head:])
		clear(q[n:])
		q, *head = q[:n], 0
	}
	return append(q, rs)
}

// Taken implements Hub.
func (p *Stepped) Taken(i, n int) { p.depth[i] -= int64(n) }

// Push implements Hub: it queues rs for lane i, or drops it at the hard
// bound.
func (p *Stepped) Push(i int, rs []task.Remote) {
	n := int64(len(rs))
	if !p.bounds.Admit(p.depth[i], n) {
		p.stats.Dropped++
		p.Release(rs)
		return
	}
	p.depth[i] += n
	p.queues[i] = AppendQueue(p.queues[i], &p.heads[i], rs)
	p.ready[i] = true
}

// Send implements Hub: it queues an encoded batch for Flush, or drops it
// at the hard bound.
func (p *Stepped) Send(w, n int, batch []byte) {
	if !p.bounds.Admit(p.outPending, int64(n)) {
		p.stats.Dropped++
		return
	}
	p.outPending += int64(n)
	p.out = append(p.out, outBatch{w: w, n: n, payload: batch})
}

// Batch implements Hub: a released batch when one is free.
func (p *Stepped) Batch() []task.Remote {
	if n := len(p.free); n > 0 {
		rs := p.free[n-1]
		p.free[n-1] = nil
		p.free = p.free[:n-1]
		return rs
	}
	return nil
}

// Release implements Hub: it keeps the batch for reuse, cleared so that it
// pins no values, unless enough are kept.
func (p *Stepped) Release(rs []task.Remote) {
	if rs == nil || cap(rs) > freeBatchCapMax || len(p.free) == freeBatchesMax {
		return
	}
	clear(rs)
	p.free = append(p.free, rs[:0])
}

// Refused implements Hub.
func (p *Stepped) Refused(n int) { p.errs += n }

// Flush hands over the batches lanes encoded for other workers.
func (p *Stepped) Flush(send func(w, n int, batch []byte)) int {
	out := p.out
	p.out, p.outPending = nil, 0
	for _, b := range out {
		send(b.w, b.n, b.payload)
	}
	errs := p.errs
	p.errs = 0
	return errs
}

// Deliver queues a batch for the receiver.
func (p *Stepped) Deliver(batch []byte) error {
	if len(p.incoming) == recvBatchesMax {
		p.receiveOne()
	}
	p.incoming = append(p.incoming, batch)
	p.ready[p.set.Len()] = true
	return nil
}

// SetActive activates or deactivates every spout lane.
func (p *Stepped) SetActive(on bool) {
	if p.active != on {
		p.active = on
		p.wakeSpouts()
	}
}

// SetThrottled stops (or restarts) the spouts because a peer is congested.
func (p *Stepped) SetThrottled(on bool) {
	if p.throttled != on {
		p.throttled = on
		p.wakeSpouts()
	}
}

// Congested reports whether a queue is past its water mark.
func (p *Stepped) Congested() bool { return p.pressure }

// Pressure reports, as task.Executor.Pressure does for one executor,
// whether the plane's backpressure is on, whether every queue is under the
// low mark (drained), and whether one is past the high mark (over), as of
// the last round, for checkers.
func (p *Stepped) Pressure() (on, drained, over bool) {
	return p.pressure, p.deepest < p.bounds.LowMessages, p.deepest > p.bounds.HighMessages
}

// Tasks returns the spout and bolt tasks, ascending.
func (p *Stepped) Tasks() []core.TaskID { return p.set.Tasks() }

// Component names a task's component.
func (p *Stepped) Component(id core.TaskID) string { return p.set.Component(id) }

// Metrics returns a task's live metric windows: nothing else writes them
// between Steps.
func (p *Stepped) Metrics(id core.TaskID) *metrics.TaskStats {
	if l := p.set.ByTask(id); l != nil {
		return l.Executor().Metrics(id)
	}
	return nil
}

// Errors appends the errors the lanes' tasks recorded: nothing else
// writes them between Steps.
func (p *Stepped) Errors(dst []task.Error) []task.Error {
	for i := range p.set.Len() {
		dst = p.set.Lane(i).Executor().Errors(dst)
	}
	return dst
}

// Close does nothing: a stepped plane holds no resources.
func (p *Stepped) Close() {}

// Executors returns the lanes' executors, by ascending task id, for
// checkers that read what tasks recorded.
func (p *Stepped) Executors() []*task.Executor {
	out := make([]*task.Executor, p.set.Len())
	for i := range out {
		out[i] = p.set.Lane(i).Executor()
	}
	return out
}

// Stats returns the plane's counters.
func (p *Stepped) Stats() SteppedStats { return p.stats }
