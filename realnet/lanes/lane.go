package lanes

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/metrics"
	"github.com/squall/squall/core/task"
	"github.com/squall/squall/core/worker"
)

// lane is one task and the goroutine that runs it. Only run touches exec
// once the plane started; the other fields are the lane's mailboxes.
type lane struct {
	p     *Plane
	index int // in p.lanes
	id    core.TaskID
	exec  *task.Executor
	spout bool
	wakeC chan struct{} // capacity 1: a pending wakeup

	mu    sync.Mutex
	queue [][]task.Remote // batches waiting, oldest first
	depth atomic.Int64    // messages in queue

	pubMu     sync.Mutex
	pubStats  task.ExecutorStats
	pubBlob   []byte       // the task's metric windows, marshaled
	pubSeq    uint64       // bumped with every blob
	pubErrs   []task.Error // the task's errors, as last published
	pubErrsN  uint64       // exec.ErrorsRecorded() when pubErrs was made; run only
	snapSeq   uint64       // the blob snap was made from; machine goroutine only
	snap      *metrics.TaskStats
	publishAt time.Time

	// Owned by run.
	enc      task.Encoder
	sendOut  func(w, n int, batch []byte) // queues an encoded batch; made once
	split    [][]task.Remote              // per destination lane, being filled
	cur      []task.Remote                // the batch being taken, from curAt on
	curAt    int
	bolt     bool  // only a bolt's input waits in an inbox
	inExec   int64 // tuples in a bolt's inbox
	executed int64 // exec's Executed and Ticks counts when inExec was updated
	ticks    int64
}

func newLane(p *Plane, id core.TaskID, exec *task.Executor) *lane {
	l := &lane{p: p, id: id, exec: exec, spout: exec.Spout(id) != nil,
		bolt: exec.Bolt(id) != nil, wakeC: make(chan struct{}, 1)}
	l.sendOut = func(w, n int, batch []byte) { p.emit(outBatch{w: w, payload: batch, n: n}) }
	return l
}

// wake makes the lane step soon; it never blocks.
func (l *lane) wake() {
	select {
	case l.wakeC <- struct{}{}:
	default:
	}
}

// push queues a batch for the lane (the lane owns rs from now on), or
// drops it at the hard bound.
func (l *lane) push(rs []task.Remote) {
	n := int64(len(rs))
	if l.depth.Load()+n > QueueMaxMessages {
		l.p.dropped.Add(1)
		putBatch(rs)
		return
	}
	l.depth.Add(n) // before the batch is takeable, so depth never goes negative
	l.mu.Lock()
	l.queue = append(l.queue, rs)
	l.mu.Unlock()
	l.wake()
}

// run is the lane's goroutine: it ends when the plane stops.
func (l *lane) run() {
	defer l.p.wg.Done()
	defer l.publish(true)
	period := boltIdle
	if l.spout {
		period = spoutIdle
	}
	ticker := time.NewTicker(period)
	defer ticker.Stop()
	l.split = make([][]task.Remote, len(l.p.lanes))
	var active, throttled = !l.p.cfg.Inactive, false // as the executor opened
	for {
		if a := l.p.active.Load(); a != active {
			active = a
			l.exec.SetActive(a)
		}
		if t := l.p.throttled.Load() || l.p.pressure.Load(); t != throttled {
			throttled = t
			l.exec.SetThrottled(t)
		}
		busy := l.round()
		l.publish(false)
		if busy {
			select {
			case <-l.p.stop:
				return
			default:
			}
			continue
		}
		select {
		case <-l.p.stop:
			return
		case <-l.wakeC:
		case <-ticker.C:
		}
	}
}

// round takes input, steps the executor once and routes its output; it
// reports whether anything happened.
func (l *lane) round() bool {
	took := l.take()
	emitted := l.exec.Stats().Emitted
	spent := l.exec.Step(l.p.clock(), laneStepBudget)
	l.route()
	l.p.updatePressure()
	return took > 0 || spent > 0 || l.exec.Stats().Emitted != emitted
}

// take delivers queued messages to the executor; a bolt lane only while
// its inbox has room (spouts and ackers take acking messages, which wait
// in no inbox), so that a bolt's tuples are released and reused about as
// fast as they are made. It returns the messages taken.
func (l *lane) take() int {
	if l.bolt {
		st := l.exec.Stats()
		l.inExec += (st.Ticks - l.ticks) - (st.Executed - l.executed)
		l.executed, l.ticks = st.Executed, st.Ticks
	}
	taken := 0
	for !l.bolt || l.inExec < laneInboxMax {
		if l.curAt == len(l.cur) && !l.next() {
			break
		}
		n := len(l.cur) - l.curAt
		if l.bolt {
			n = min(n, int(laneInboxMax-l.inExec))
			l.inExec += int64(n)
		}
		for i := l.curAt; i < l.curAt+n; i++ {
			l.exec.Deliver(l.cur[i])
		}
		l.curAt += n
		l.depth.Add(-int64(n))
		taken += n
	}
	return taken
}

// next makes the oldest queued batch the current one, returning the
// finished one to the pool; it reports false when the queue is empty.
func (l *lane) next() bool {
	if l.cur != nil {
		putBatch(l.cur)
		l.cur, l.curAt = nil, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.queue) == 0 {
		return false
	}
	l.cur = l.queue[0]
	l.queue[0] = nil
	l.queue = l.queue[1:]
	return true
}

// route hands what the executor produced to sibling lanes (unencoded) and
// to the outgoing queue (encoded here, off the machine's goroutine).
func (l *lane) route() {
	local := l.p.cfg.Local
	if own := l.exec.SwapOutbox(local, getBatch()); len(own) > 0 {
		l.routeLocal(own)
	} else {
		putBatch(own)
	}
	if refused := worker.FlushRemotes(&l.enc, l.exec.TakeRemote(), local, l.sendOut); refused > 0 {
		l.p.errs.Add(int64(refused))
	}
}

// routeLocal passes a batch for sibling lanes on: whole when it has one
// destination lane (the common case), else split by lane.
func (l *lane) routeLocal(own []task.Remote) {
	first := l.p.lane(own[0].Dest)
	one := first != nil
	for i := 1; one && i < len(own); i++ {
		one = l.p.lane(own[i].Dest) == first
	}
	if one {
		first.push(own)
		return
	}
	for i := range own {
		d := l.p.lane(own[i].Dest)
		if d == nil {
			continue // a task no executor here runs: dropped, as Deliver would
		}
		if l.split[d.index] == nil {
			l.split[d.index] = getBatch()
		}
		l.split[d.index] = append(l.split[d.index], own[i])
	}
	putBatch(own)
	for i, rs := range l.split {
		if len(rs) > 0 {
			l.p.lanes[i].push(rs)
			l.split[i] = nil
		}
	}
}

// publish makes the lane's counters, and every metricsPublishPeriod its
// metric windows, readable by the machine.
func (l *lane) publish(final bool) {
	st := l.exec.Stats()
	var blob []byte
	now := time.Now()
	if ms := l.exec.Metrics(l.id); ms != nil && (final || now.After(l.publishAt)) {
		l.publishAt = now.Add(metricsPublishPeriod)
		blob, _ = ms.MarshalBinary() // cannot fail: its own encoding
	}
	var errs []task.Error
	if n := l.exec.ErrorsRecorded(); n != l.pubErrsN {
		l.pubErrsN = n
		errs = l.exec.Errors(nil) // rare and bounded: copied only when they change
	}
	l.pubMu.Lock()
	l.pubStats = st
	if blob != nil {
		l.pubBlob = blob
		l.pubSeq++
	}
	if errs != nil {
		l.pubErrs = errs
	}
	l.pubMu.Unlock()
}

// errors appends the task's errors as last published.
func (l *lane) errors(dst []task.Error) []task.Error {
	l.pubMu.Lock()
	defer l.pubMu.Unlock()
	return append(dst, l.pubErrs...)
}

func (l *lane) stats() task.ExecutorStats {
	l.pubMu.Lock()
	defer l.pubMu.Unlock()
	return l.pubStats
}

// snapshot returns the task's metric windows as last published, decoded
// once per publication; called on the machine's goroutine.
func (l *lane) snapshot(p *Plane) *metrics.TaskStats {
	l.pubMu.Lock()
	blob, seq := l.pubBlob, l.pubSeq
	l.pubMu.Unlock()
	if l.snap != nil && seq == l.snapSeq {
		return l.snap
	}
	st, err := metrics.New(l.id, p.cfg.Now, rand.New(rand.NewPCG(p.snapRand.Uint64(), 0)),
		metrics.Config{SampleRate: p.cfg.Topology.Config.StatsSampleRate})
	if err != nil {
		return nil
	}
	if blob != nil && st.UnmarshalBinary(blob) != nil {
		return st
	}
	l.snap, l.snapSeq = st, seq
	return st
}

// batchCapMin is the capacity of a new batch; batchCapMax the largest a
// batch may have to return to the pool, so the pool never pins huge ones.
const (
	batchCapMin = 256
	batchCapMax = 1 << 14
)

// batches recycles the batches lanes hand each other: a steady flow then
// allocates none, and the collector scans fewer big pointerful slices.
var batches = sync.Pool{New: func() any { b := make([]task.Remote, 0, batchCapMin); return &b }}

func getBatch() []task.Remote { return (*batches.Get().(*[]task.Remote))[:0] }

// putBatch returns a batch its taker is done with, cleared so that it pins
// no values.
func putBatch(rs []task.Remote) {
	if cap(rs) > batchCapMax {
		return
	}
	clear(rs)
	rs = rs[:0]
	batches.Put(&rs)
}
