package lanes

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	lanecore "github.com/squall/squall/core/lanes"
	"github.com/squall/squall/core/metrics"
	"github.com/squall/squall/core/task"
)

// lane is the goroutine that runs one core lane, and that lane's mailbox.
// Only run touches the core lane once the plane started.
type lane struct {
	p     *Plane
	c     *lanecore.Lane
	wakeC chan struct{} // capacity 1: a pending wakeup

	mu    sync.Mutex
	queue [][]task.Remote // batches waiting, oldest at head
	head  int
	depth atomic.Int64 // messages in queue

	pubMu     sync.Mutex
	pubStats  task.ExecutorStats
	pubBlob   []byte       // the task's metric windows, marshaled
	pubSeq    uint64       // bumped with every blob
	pubErrs   []task.Error // the task's errors, as last published
	pubErrsN  uint64       // exec.ErrorsRecorded() when pubErrs was made; run only
	snapSeq   uint64       // the blob snap was made from; machine goroutine only
	snap      *metrics.TaskStats
	publishAt time.Time
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
	if !l.p.bounds.Admit(l.depth.Load(), n) {
		l.p.dropped.Add(1)
		putBatch(rs)
		return
	}
	l.depth.Add(n) // before the batch is takeable, so depth never goes negative
	l.mu.Lock()
	l.queue = lanecore.AppendQueue(l.queue, &l.head, rs)
	l.mu.Unlock()
	l.wake()
}

// next pops the oldest queued batch, nil when none. A drained queue keeps
// its array, so that refilling it allocates nothing.
func (l *lane) next() []task.Remote {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.head == len(l.queue) {
		return nil
	}
	rs := l.queue[l.head]
	l.queue[l.head] = nil
	if l.head++; l.head == len(l.queue) {
		l.queue, l.head = l.queue[:0], 0
	}
	return rs
}

// run is the lane's goroutine: it runs rounds of the core lane while it
// has work, else waits for a wakeup or its ticker; it ends when the plane
// stops.
func (l *lane) run() {
	defer l.p.wg.Done()
	defer l.publish(true)
	period := boltIdle
	if l.c.Spout() {
		period = spoutIdle
	}
	ticker := time.NewTicker(period)
	defer ticker.Stop()
	p := l.p
	for {
		_, busy := l.c.Round(p.clock(), lanecore.LaneStepBudget, p.active.Load(), p.throttled.Load() || p.pressure.Load())
		p.updatePressure()
		l.publish(false)
		if busy {
			select {
			case <-p.stop:
				return
			default:
			}
			continue
		}
		select {
		case <-p.stop:
			return
		case <-l.wakeC:
		case <-ticker.C:
		}
	}
}

// publish makes the lane's counters, and every metricsPublishPeriod its
// metric windows, readable by the machine.
func (l *lane) publish(final bool) {
	exec := l.c.Executor()
	st := exec.Stats()
	var blob []byte
	now := time.Now()
	if ms := exec.Metrics(l.c.Task()); ms != nil && (final || now.After(l.publishAt)) {
		l.publishAt = now.Add(metricsPublishPeriod)
		blob, _ = ms.MarshalBinary() // cannot fail: its own encoding
	}
	var errs []task.Error
	if n := exec.ErrorsRecorded(); n != l.pubErrsN {
		l.pubErrsN = n
		errs = exec.Errors(nil) // rare and bounded: copied only when they change
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
	st, err := metrics.New(l.c.Task(), p.cfg.Now, rand.New(rand.NewPCG(p.snapRand.Uint64(), 0)),
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
	if rs == nil || cap(rs) > batchCapMax {
		return
	}
	clear(rs)
	rs = rs[:0]
	batches.Put(&rs)
}
