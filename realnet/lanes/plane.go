package lanes

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/squall/squall/core"
	lanecore "github.com/squall/squall/core/lanes"
	"github.com/squall/squall/core/metrics"
	"github.com/squall/squall/core/task"
	"github.com/squall/squall/core/worker"
)

// Bounds of a plane; the queues' bounds are core/lanes' defaults.
const (
	// QueueMaxMessages is the hard bound of every queue (see doc.go).
	QueueMaxMessages  = lanecore.QueueMaxMessages
	queueHighMessages = lanecore.QueueHighMessages
	// recvBatchesMax bounds the incoming batches waiting to be decoded;
	// when it is full the machine waits for the receive goroutine, which
	// itself never waits.
	recvBatchesMax = 256
	// spoutIdle and boltIdle are the lanes' ticker periods: how long an idle
	// spout waits before calling NextTuple again, and how often a quiet
	// bolt or acker steps for tick tuples and timeouts.
	spoutIdle = time.Millisecond
	boltIdle  = 10 * time.Millisecond
	// closeWaitMax bounds how long Close waits for the lanes to end.
	closeWaitMax = 2 * time.Second
	// metricsPublishPeriod is how often a lane publishes its metric
	// windows for the machine's heartbeats and persists.
	metricsPublishPeriod = 250 * time.Millisecond
)

// Plane runs one worker's tasks one goroutine per task; see the package doc.
// Its methods are called from the worker machine's goroutine only.
type Plane struct {
	cfg    task.ExecutorConfig
	set    *lanecore.Set
	bounds lanecore.Bounds
	lanes  []*lane // by the set's lane index
	clock  func() core.Time

	stop    chan struct{} // closed by Close: goroutines end
	started bool
	closed  bool
	wg      sync.WaitGroup
	recv    chan []byte

	active, throttled, pressure atomic.Bool

	outMu      sync.Mutex
	out        []outBatch
	outPending atomic.Int64 // messages in out
	errs       atomic.Int64 // batches that failed to encode or decode since Flush
	dropped    atomic.Int64 // batches dropped at a hard bound
	queueMax   atomic.Int64 // the deepest any queue has been
	snapRand   *rand.Rand   // for snapshot TaskStats; machine goroutine only
}

// outBatch is an encoded batch for worker w.
type outBatch struct {
	w       int
	payload []byte
	n       int // messages in it
}

// Factory returns a worker.PlaneFactory of lane planes.
func Factory() worker.PlaneFactory {
	return func(cfg task.ExecutorConfig) (worker.Plane, error) { return New(cfg) }
}

// New builds one executor per task of cfg.Tasks; nothing runs before the
// first Step.
func New(cfg task.ExecutorConfig) (*Plane, error) {
	anchor, base := time.Now(), cfg.Now
	p := &Plane{cfg: cfg, bounds: lanecore.DefaultBounds, stop: make(chan struct{}),
		recv: make(chan []byte, recvBatchesMax), snapRand: rand.New(rand.NewPCG(1, 2)),
		clock: func() core.Time { return base.Add(time.Since(anchor)) }}
	p.active.Store(!cfg.Inactive) // each lane's executor opens so too
	if cfg.Clock == nil {
		cfg.Clock = p.clock // lanes run in real time: time sampled tuples by it
	}
	set, err := lanecore.NewSet(cfg, p)
	if err != nil {
		return nil, err
	}
	p.set = set
	for i := range set.Len() {
		p.lanes = append(p.lanes, &lane{p: p, c: set.Lane(i), wakeC: make(chan struct{}, 1)})
	}
	return p, nil
}

// lane returns the lane of a task of this worker, nil for any other id.
func (p *Plane) lane(id core.TaskID) *lane {
	if i := p.set.LaneOf(id); i >= 0 {
		return p.lanes[i]
	}
	return nil
}

// Step starts the lanes on its first call; they run on their own after.
func (p *Plane) Step(core.Time, int) { p.start() }

// start starts the goroutines once: at the first Step or Deliver, after
// the machine restored the saved metric windows.
func (p *Plane) start() {
	if p.started || p.closed {
		return
	}
	p.started = true
	p.wg.Add(len(p.lanes) + 1)
	go p.receive()
	for _, l := range p.lanes {
		go l.run()
	}
}

// Flush hands over the batches lanes encoded for other workers.
func (p *Plane) Flush(send func(w, n int, batch []byte)) int {
	p.outMu.Lock()
	out := p.out
	p.out = nil
	p.outMu.Unlock()
	for _, b := range out {
		p.outPending.Add(-int64(b.n))
		send(b.w, b.n, b.payload)
	}
	return int(p.errs.Swap(0))
}

// Deliver queues a batch for the receive goroutine; it waits only while
// recvBatchesMax batches are queued.
func (p *Plane) Deliver(batch []byte) error {
	if p.closed {
		return nil
	}
	p.start()
	select {
	case p.recv <- batch:
	case <-p.stop:
	}
	return nil
}

// SetActive activates or deactivates every spout lane: each spout lane's
// executor follows at its next round, calling the spout's Activate or
// Deactivate on its own goroutine.
func (p *Plane) SetActive(on bool) {
	if p.active.Swap(on) != on {
		p.wakeAll()
	}
}

// SetThrottled stops (or restarts) the spouts because a peer is congested.
func (p *Plane) SetThrottled(on bool) {
	if p.throttled.Swap(on) != on && !on {
		p.wakeAll()
	}
}

// Congested reports whether a queue of this worker is past its water mark.
func (p *Plane) Congested() bool { return p.pressure.Load() }

// Tasks returns the spout and bolt tasks, ascending.
func (p *Plane) Tasks() []core.TaskID { return p.set.Tasks() }

// Component names a task's component; "" for tasks of other workers.
func (p *Plane) Component(id core.TaskID) string { return p.set.Component(id) }

// Metrics returns a task's metric windows: the live ones before the first
// Step, then a snapshot the lane published at most metricsPublishPeriod ago.
func (p *Plane) Metrics(id core.TaskID) *metrics.TaskStats {
	l := p.lane(id)
	if l == nil {
		return nil
	}
	if !p.started {
		return l.c.Executor().Metrics(id)
	}
	return l.snapshot(p)
}

// Errors appends the tasks' errors: before the first Step the executors'
// own, then as the lanes last published them (see lane.publish).
func (p *Plane) Errors(dst []task.Error) []task.Error {
	for _, l := range p.lanes {
		if !p.started {
			dst = l.c.Executor().Errors(dst)
			continue
		}
		dst = l.errors(dst)
	}
	return dst
}

// Close stops every goroutine of the plane and waits for them, at most
// closeWaitMax: a lane inside a user's Execute that does not return cannot
// be interrupted, and must not hang the worker's machine (its supervisor
// replaces a worker that stops heartbeating); such a lane ends when its
// Execute returns.
func (p *Plane) Close() {
	p.close(closeWaitMax)
}

func (p *Plane) close(wait time.Duration) bool {
	if !p.closed {
		p.closed = true
		close(p.stop)
	}
	done := make(chan struct{})
	go func() {
		p.wg.Wait()
		close(done)
	}()
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

// Stats sums the lanes' executor counters, as last published.
func (p *Plane) Stats() Stats {
	var s Stats
	for _, l := range p.lanes {
		st := l.stats()
		s.Emitted += st.Emitted
		s.Executed += st.Executed
		s.Acked += st.Acked
		s.Failed += st.Failed
		s.Throttled += st.Throttled
		s.NextTuples += st.NextTuples
	}
	s.Dropped, s.QueueMax = p.dropped.Load(), p.queueMax.Load()
	return s
}

// Stats count what a plane's lanes did.
type Stats struct {
	Emitted, Executed, Acked, Failed, Throttled int64
	NextTuples                                  int64 // none while the spouts are inactive
	Dropped                                     int64 // batches dropped at QueueMaxMessages
	QueueMax                                    int64 // the deepest any queue has been, in messages
}

// Bolt returns a local bolt instance; read it only after Close.
func (p *Plane) Bolt(id core.TaskID) task.Bolt {
	if l := p.lane(id); l != nil {
		return l.c.Executor().Bolt(id)
	}
	return nil
}

// Spout returns a local spout instance; read it only after Close.
func (p *Plane) Spout(id core.TaskID) task.Spout {
	if l := p.lane(id); l != nil {
		return l.c.Executor().Spout(id)
	}
	return nil
}

func (p *Plane) wakeAll() {
	for _, l := range p.lanes {
		l.wake()
	}
}

// Next implements lanecore.Hub.
func (p *Plane) Next(i int) []task.Remote { return p.lanes[i].next() }

// Taken implements lanecore.Hub.
func (p *Plane) Taken(i, n int) { p.lanes[i].depth.Add(-int64(n)) }

// Push implements lanecore.Hub.
func (p *Plane) Push(i int, rs []task.Remote) { p.lanes[i].push(rs) }

// Batch implements lanecore.Hub.
func (p *Plane) Batch() []task.Remote { return getBatch() }

// Release implements lanecore.Hub.
func (p *Plane) Release(rs []task.Remote) { putBatch(rs) }

// Refused implements lanecore.Hub.
func (p *Plane) Refused(n int) { p.errs.Add(int64(n)) }

// Send implements lanecore.Hub: it queues an encoded batch for Flush, or
// drops it at the hard bound.
func (p *Plane) Send(w, n int, payload []byte) {
	if !p.bounds.Admit(p.outPending.Load(), int64(n)) {
		p.dropped.Add(1)
		return
	}
	p.outPending.Add(int64(n))
	p.outMu.Lock()
	p.out = append(p.out, outBatch{w: w, payload: payload, n: n})
	p.outMu.Unlock()
}

// updatePressure applies the water marks to every queue; when the
// pressure lifts it wakes the spout lanes, which would otherwise wait for
// their tickers.
func (p *Plane) updatePressure() {
	deepest := p.outPending.Load()
	for _, l := range p.lanes {
		deepest = max(deepest, l.depth.Load())
	}
	if deepest > p.queueMax.Load() {
		p.queueMax.Store(deepest) // racy max: a statistic
	}
	was := p.pressure.Load()
	now := p.bounds.Pressure(was, deepest)
	switch {
	case now && !was:
		p.pressure.Store(true)
	case !now && was && p.pressure.CompareAndSwap(true, false):
		for _, l := range p.lanes {
			if l.c.Spout() {
				l.wake()
			}
		}
	}
}

// receive decodes incoming batches and hands their messages to the lanes
// of their destination tasks.
func (p *Plane) receive() {
	defer p.wg.Done()
	r := p.set.NewReceiver()
	for {
		var batch []byte
		select {
		case batch = <-p.recv:
		case <-p.stop:
			return
		}
		if r.Receive(batch) != nil {
			p.errs.Add(1)
		}
	}
}
