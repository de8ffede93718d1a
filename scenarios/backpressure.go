package scenarios

import (
	"time"

	"github.com/squall/squall/core/examples"
	"github.com/squall/squall/core/task"
	"github.com/squall/squall/core/worker"
)

func init() {
	register(Scenario{Name: "backpressure-cycle",
		Description: "a cyclic topology feeding a slow bolt on 3 workers: throughput stays above zero " +
			"in every window and no inbox grows past its bound (no STORM-3637 deadlock)",
		Run: runBackpressureCycle})
}

// Backpressure-cycle parameters: the drain costs 8 budget units per tuple,
// so it is the bottleneck by far.
const (
	cycleRun    = 30 * time.Second
	cycleWindow = 5 * time.Second
	cycleCost   = "8"
	// cycleMaxPending bounds each spout task's trees in flight; every tree
	// holds one tuple at a time, so no inbox can hold more than the total.
	cycleMaxPending = 2000
)

// BreakUnboundedCycle runs the cycle with unanchored, unbounded spouts: what
// circulates overshoots the inbox bound, and the checker must say so.
const BreakUnboundedCycle = "unbounded-cycle"

func runBackpressureCycle(opts Options) Result {
	start := time.Now()
	c := newCluster(opts, dataShape())
	pending := cycleMaxPending
	if opts.Break == BreakUnboundedCycle {
		pending = 0
	}
	c.submitTopology(examples.Cycle("cycle", 3, cycleCost, pending))
	measures := map[string]float64{}
	var last int64
	var sample func()
	sample = func() {
		if n := c.drained(); n <= last {
			c.violate("no tuple reached the slow bolt in %s (STORM-3637 deadlock?)", cycleWindow)
		} else {
			last = n
		}
		c.w.After(cycleWindow, "throughput", sample)
	}
	c.w.At(at(2*cycleWindow), "throughput", sample)
	err := c.w.RunUntil(at(cycleRun))
	inboxMax := c.inboxMax()
	if err == nil && inboxMax > task.InboxMax {
		c.violate("an inbox held %d tuples, over its bound %d", inboxMax, task.InboxMax)
	}
	measures["drained"] = float64(c.drained())
	measures["drained_per_s"] = float64(c.drained()) / cycleRun.Seconds()
	measures["inbox_max"] = float64(inboxMax)
	measures["inbox_bound"] = task.InboxMax
	return c.finish("backpressure-cycle", opts, start, err, measures)
}

func (c *cluster) executors() []*task.Executor {
	var out []*task.Executor
	for _, w := range c.w.Workers() {
		if wm, ok := w.Machine().(*worker.Machine); ok {
			out = append(out, executorsOf(wm)...)
		}
	}
	return out
}

func (c *cluster) drained() int64 {
	var n int64
	for _, e := range c.executors() {
		for _, id := range e.Tasks() {
			if d, ok := e.Bolt(id).(*examples.Drain); ok {
				n += d.Count
			}
		}
	}
	return n
}

func (c *cluster) inboxMax() int {
	m := 0
	for _, e := range c.executors() {
		m = max(m, e.Stats().InboxMax)
	}
	return m
}
