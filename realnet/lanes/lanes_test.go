package lanes_test

import (
	"maps"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/examples"
	"github.com/squall/squall/core/task"
	"github.com/squall/squall/core/topology"
	"github.com/squall/squall/realnet/lanes"
)

// waitMax bounds every wait of these tests; they finish far sooner.
const waitMax = 10 * time.Second

// placement puts the topology's tasks on workers: task i of every
// component on worker i % workers.
func placement(topo *topology.Topology, workers int) map[core.TaskID]int {
	out := map[core.TaskID]int{}
	for _, ids := range topology.ComponentTasks(topo) {
		for i, id := range ids {
			out[id] = i % workers
		}
	}
	return out
}

// cluster is one plane per worker, pumped by the test goroutine as worker
// machines would: Flush's batches go to the peer's Deliver.
type cluster struct {
	planes []*lanes.Plane
}

func newCluster(t *testing.T, topo *topology.Topology, workers int) *cluster {
	t.Helper()
	return newClusterWith(t, topo, workers, nil)
}

// newClusterWith hands services to every task, as a driver does.
func newClusterWith(t *testing.T, topo *topology.Topology, workers int, services map[string]any) *cluster {
	t.Helper()
	workerOf := placement(topo, workers)
	c := &cluster{}
	for w := range workers {
		var tasks []core.TaskID
		for id, at := range workerOf {
			if at == w {
				tasks = append(tasks, id)
			}
		}
		p, err := lanes.New(task.ExecutorConfig{Topology: topo, Tasks: tasks, WorkerOf: workerOf, Local: w,
			Rand: rand.New(rand.NewPCG(uint64(w), 7)), Services: services})
		if err != nil {
			t.Fatal(err)
		}
		c.planes = append(c.planes, p)
	}
	t.Cleanup(c.close)
	for _, p := range c.planes {
		p.Step(0, 0)
	}
	return c
}

// pump moves batches between the planes until done reports true or waitMax
// passes; it reports whether done did.
func (c *cluster) pump(t *testing.T, done func() bool) bool {
	t.Helper()
	deadline := time.Now().Add(waitMax)
	for time.Now().Before(deadline) {
		for _, p := range c.planes {
			if n := p.Flush(func(w, _ int, batch []byte) {
				if err := c.planes[w].Deliver(batch[1:]); err != nil {
					t.Errorf("got %v delivering a batch, want nil", err)
				}
			}); n != 0 {
				t.Errorf("got %d batches that failed to encode or decode, want 0", n)
			}
		}
		if done() {
			return true
		}
		time.Sleep(time.Millisecond)
	}
	return false
}

func (c *cluster) close() {
	for _, p := range c.planes {
		p.Close()
	}
}

// ledger records, race-free, what the sequence topology's sinks saw and
// its spouts had acknowledged.
type ledger struct {
	mu         sync.Mutex
	saw, acked map[int64]int
}

func (l *ledger) Saw(_ string, seq int64) {
	l.mu.Lock()
	l.saw[seq]++
	l.mu.Unlock()
}

func (l *ledger) Acked(_ string, seq int64) {
	l.mu.Lock()
	l.acked[seq]++
	l.mu.Unlock()
}

func (l *ledger) IsAcked(string, int64) bool { return false }

func (l *ledger) ackedCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acked)
}

func TestSequenceExactlyAckedThroughLanes(t *testing.T) {
	exactlyAckedThroughLanes(t, examples.SequenceTopology)
}

// Every number forks and joins again: a tuple anchored to two of its tree's
// tuples, its acking values crossing lanes and workers.
func TestJoinExactlyAckedThroughLanes(t *testing.T) {
	exactlyAckedThroughLanes(t, examples.JoinTopology)
}

func exactlyAckedThroughLanes(t *testing.T, build func(string, int, int, time.Duration, int) (*topology.Topology, error)) {
	for _, workers := range []int{1, 2} {
		t.Run(map[int]string{1: "one worker", 2: "two workers"}[workers], func(t *testing.T) {
			const n = 20_000
			l := &ledger{saw: map[int64]int{}, acked: map[int64]int{}}
			topo, err := build("seq", workers, n, 30*time.Second, 1000)
			if err != nil {
				t.Fatal(err)
			}
			c := newClusterWith(t, topo, workers, map[string]any{examples.LedgerService: examples.Ledger(l)})
			if !c.pump(t, func() bool { return l.ackedCount() == n }) {
				t.Fatalf("got %d of %d numbers acked within %s", l.ackedCount(), n, waitMax)
			}
			c.close()
			for seq := int64(1); seq <= n; seq++ {
				if l.saw[seq] != 1 || l.acked[seq] != 1 {
					t.Fatalf("number %d: got seen %d times and acked %d times, want 1 and 1", seq, l.saw[seq], l.acked[seq])
				}
			}
		})
	}
}

func TestWordCountExactThroughLanes(t *testing.T) {
	const sentences = 2000
	topo, err := examples.WordCount("wc", 1, sentences)
	if err != nil {
		t.Fatal(err)
	}
	want := examples.ExpectedCounts(sentences)
	words := int64(0)
	for _, n := range want {
		words += n
	}
	c := newCluster(t, topo, 1)
	p := c.planes[0]
	if !c.pump(t, func() bool { return p.Stats().Executed >= sentences+words }) {
		t.Fatalf("got %d executes within %s, want %d", p.Stats().Executed, waitMax, sentences+words)
	}
	c.close()
	got := map[string]int64{}
	for _, id := range topology.ComponentTasks(topo)["count"] {
		for w, n := range p.Bolt(id).(*examples.Count).Counts {
			got[w] += n
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("got counts %v, want %v", got, want)
	}
}

func TestCycleKeepsFlowingUnderBackpressure(t *testing.T) {
	// Unanchored and unbounded: only the queues' water marks stop the
	// spouts, while ping and pong feed each other (STORM-3637).
	topo, err := examples.Cycle("cycle", 1, "1", 0)
	if err != nil {
		t.Fatal(err)
	}
	c := newCluster(t, topo, 1)
	p := c.planes[0]
	// Six intervals of at least 150 ms each, across congestion and relief:
	// executes must grow in every one. An interval ends once they grew, so
	// a loaded machine only lengthens it; a deadlock fails after waitMax.
	marks := []int64{p.Stats().Executed}
	congested := false
	for range 6 {
		deadline, last := time.Now().Add(150*time.Millisecond), marks[len(marks)-1]
		grew := c.pump(t, func() bool {
			congested = congested || p.Congested()
			return time.Now().After(deadline) && p.Stats().Executed > last
		})
		marks = append(marks, p.Stats().Executed)
		if !grew {
			t.Fatalf("got executes %v, want them growing in every interval", marks)
		}
	}
	st := p.Stats()
	if st.Dropped != 0 || st.QueueMax >= lanes.QueueMaxMessages {
		t.Errorf("got %d batches dropped and a deepest queue of %d, want 0 and under %d",
			st.Dropped, st.QueueMax, lanes.QueueMaxMessages)
	}
	t.Logf("executes %v, congested seen %v, deepest queue %d", marks, congested, st.QueueMax)
}

func TestCloseLeavesNoGoroutines(t *testing.T) {
	topo, err := examples.WordCount("wc", 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	for _, start := range []bool{false, true} {
		p, err := lanes.New(task.ExecutorConfig{Topology: topo, Tasks: taskIDs(topo), WorkerOf: placement(topo, 1),
			Rand: rand.New(rand.NewPCG(1, 2))})
		if err != nil {
			t.Fatal(err)
		}
		if start {
			p.Step(0, 0)
			time.Sleep(20 * time.Millisecond)
			if got := runtime.NumGoroutine(); got <= before {
				t.Fatalf("got %d goroutines with the plane running, want more than %d", got, before)
			}
		}
		p.Close()
		p.Close() // idempotent
	}
	deadline := time.Now().Add(waitMax)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if got := runtime.NumGoroutine(); got > before {
		t.Errorf("got %d goroutines after Close, want at most %d", got, before)
	}
}

func TestMetricsLiveBeforeStartSnapshotAfter(t *testing.T) {
	topo, err := examples.WordCount("wc", 1, 200)
	if err != nil {
		t.Fatal(err)
	}
	c := newCluster(t, topo, 1)
	p := c.planes[0]
	id := topology.ComponentTasks(topo)["sentences"][0]
	deadline := time.Now().Add(waitMax)
	for time.Now().Before(deadline) {
		m := p.Metrics(id)
		if m == nil {
			t.Fatalf("got nil metrics for spout task %d, want its windows", id)
		}
		if m.Task() == id && p.Stats().Emitted > 0 {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("got no emits within %s", waitMax)
}

func taskIDs(topo *topology.Topology) []core.TaskID {
	var ids []core.TaskID
	for _, tk := range topology.Tasks(topo) {
		ids = append(ids, tk.ID)
	}
	return ids
}

func TestDeactivateStopsSpoutsAndBadBatchesAreCounted(t *testing.T) {
	topo, err := examples.WordCount("wc", 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	c := newCluster(t, topo, 1)
	p := c.planes[0]
	if !c.pump(t, func() bool { return p.Stats().Emitted > 0 }) {
		t.Fatalf("got no emits within %s", waitMax)
	}
	// Deactivated, the unbounded spouts stop: the emits (splits' included)
	// settle once what is in flight is done.
	p.SetActive(false)
	settled := func() bool {
		before := p.Stats().Emitted
		time.Sleep(50 * time.Millisecond)
		return p.Stats().Emitted == before
	}
	if !c.pump(t, settled) {
		t.Fatalf("got emits still growing %s after deactivation, want them settled", waitMax)
	}
	p.SetActive(true)
	before := p.Stats().Emitted
	if !c.pump(t, func() bool { return p.Stats().Emitted > before }) {
		t.Fatalf("got no emits within %s of activation", waitMax)
	}
	if err := p.Deliver([]byte{0xff, 0xff, 0xff}); err != nil {
		t.Fatalf("got %v from Deliver, want nil (decoding is asynchronous)", err)
	}
	bad := 0
	deadline := time.Now().Add(waitMax)
	for bad == 0 && time.Now().Before(deadline) {
		bad += p.Flush(func(int, int, []byte) {})
		time.Sleep(time.Millisecond)
	}
	if bad != 1 {
		t.Errorf("got %d bad batches counted by Flush, want 1", bad)
	}
}
