package scenarios

import (
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
)

func init() {
	register(Scenario{
		Name: "nimbus-leader-crash",
		Description: "the leading nimbus crashes while a topology runs; another leads within a " +
			"session timeout and a second, and no healthy task moves",
		Run: runNimbusLeaderCrash,
	})
}

// Phases of the control-plane scenarios, in virtual time.
const (
	settleTime    = 20 * time.Second // a submitted topology runs well before this
	livenessBound = 40 * time.Second // after the last fault, convergence within this
)

func runNimbusLeaderCrash(opts Options) Result {
	start := time.Now()
	c := newCluster(opts, shapeFor(opts))
	sub := c.submit("wordcount", 3)
	measures := map[string]float64{}
	var before []protocol.Assignment
	crashAt := core.Time(0).Add(settleTime)
	c.w.At(crashAt, "crash leader", func() {
		if !sub.done || !sub.reply.OK {
			c.violate("submit did not succeed before the fault: %+v", sub.reply)
			return
		}
		before = c.assignments()
		old := c.leader()
		if old == nil {
			c.violate("no single leader at %s", crashAt)
			return
		}
		c.w.Crash(old)
		c.waitFor(c.w.Now(), "new leader", func() bool { return c.leader() != nil }, func() {
			measures["nimbus_failover_s"] = c.w.Now().Sub(crashAt).Seconds()
		})
		c.w.After(10*time.Second, "restart old leader", func() { c.w.Restart(old) })
	})
	end := crashAt.Add(livenessBound)
	err := c.w.RunUntil(end)
	if err == nil {
		c.checkUnmoved(before)
	}
	if _, ok := measures["nimbus_failover_s"]; !ok && len(c.violations) == 0 {
		c.violate("no nimbus took over within %s", livenessBound)
	}
	return c.finish("nimbus-leader-crash", opts, start, err, measures)
}

// checkUnmoved requires every assignment to be exactly as before: a nimbus
// failover must not move a healthy task (STORM-3984).
func (c *cluster) checkUnmoved(before []protocol.Assignment) {
	after := map[core.TopologyID]protocol.Assignment{}
	for _, a := range c.assignments() {
		after[a.Topology] = a
	}
	for _, b := range before {
		a, ok := after[b.Topology]
		if !ok || a.Epoch != b.Epoch {
			c.violate("failover changed the assignment of %s (epoch %d -> %d)", b.Topology, b.Epoch, a.Epoch)
		}
	}
}
