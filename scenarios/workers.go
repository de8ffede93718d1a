package scenarios

import (
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/sim"
)

func init() {
	register(Scenario{Name: "worker-crash-loop",
		Description: "a worker crashes five times as it comes back; its supervisor restarts it in place with backoff",
		Run:         runWorkerCrashLoop})
	register(Scenario{Name: "nimbus-partitioned-from-zk",
		Description: "the leading nimbus is cut off from ZooKeeper past its session; another leads, and the deposed one writes nothing",
		Run:         runNimbusPartitioned})
}

// crashLoops is how many times worker-crash-loop kills the worker.
const crashLoops = 5

func runWorkerCrashLoop(opts Options) Result {
	start := time.Now()
	c := newCluster(opts, shapeFor(opts))
	sub := c.submit("wordcount", 3)
	t0 := at(settleTime)
	measures := map[string]float64{}
	var gaps []time.Duration
	c.w.At(t0, "crash worker", func() {
		if !c.ready(sub) {
			return
		}
		victim := c.someWorker()
		spec := victim.Spec()
		crashes := 0
		var loop func()
		loop = func() {
			crashAt := c.w.Now()
			c.w.Crash(victim)
			crashes++
			c.waitFor(crashAt.Add(pollPeriod), "worker back", func() bool { return c.taken(victim, spec) }, func() {
				gaps = append(gaps, c.w.Now().Sub(crashAt))
				if crashes < crashLoops {
					loop()
				}
			})
		}
		loop()
	})
	err := c.w.RunUntil(t0.Add(livenessBound + 30*time.Second))
	// Restarted in place each time (a worker silent past nimbus's timeout
	// may also move, as in Storm); the supervisor's backoff must grow.
	if len(gaps) > 0 {
		measures["worker_restart_s"] = gaps[0].Seconds()
		measures["worker_restart_last_s"] = gaps[len(gaps)-1].Seconds()
	}
	if err == nil && len(gaps) >= 2 && gaps[len(gaps)-1] <= gaps[0] {
		c.violate("restart gaps %v do not grow: no crash-loop backoff", gaps)
	}

	return c.finish("worker-crash-loop", opts, start, err, measures)
}

// taken reports whether the worker process is up again and has taken its
// assignment from its supervisor.
func (c *cluster) taken(n *sim.Node, spec core.WorkerSpec) bool {
	w, ok := n.Machine().(interface{ Tasks() []core.TaskID })
	return n.Up() && ok && len(w.Tasks()) > 0 && n.Spec().Topology == spec.Topology
}

func runNimbusPartitioned(opts Options) Result {
	start := time.Now()
	c := newCluster(opts, shapeFor(opts))
	sub := c.submit("wordcount", 3)
	t0 := at(settleTime)
	measures := map[string]float64{}
	c.w.At(t0, "partition leader", func() {
		if !c.ready(sub) {
			return
		}
		old := c.leader()
		c.w.Net().Partition(old.Endpoint(), sim.ZKEndpoint)
		// While cut off, the deposed leader is asked to write: through the
		// silence of a whole host, a reassignment; and, once its client knows
		// it is disconnected (so the write waits in the client and goes out
		// on its next session), a deactivate. Both must fail at ZooKeeper.
		c.crashHost(c.sups[0])
		c.w.After(3*time.Second, "deactivate via the deposed leader", func() {
			c.cl.target = c.leaderIndexOf(old)
			probe := c.cl.call(protocol.ClientRequest{Op: protocol.OpDeactivate, Topology: "wordcount"})
			probe.once = true
		})
		c.waitFor(t0, "new leader", func() bool { return c.otherLeads(old) }, func() {
			measures["nimbus_failover_s"] = c.w.Now().Sub(t0).Seconds()
		})
		c.w.After(15*time.Second, "heal", func() { c.w.Net().Heal(old.Endpoint(), sim.ZKEndpoint) })
	})
	err := c.w.RunUntil(t0.Add(livenessBound))
	return c.finish("nimbus-partitioned-from-zk", opts, start, err, measures)
}

// otherLeads reports whether a nimbus other than old leads (old itself may
// still believe it leads: it has not heard of its expiry).
func (c *cluster) otherLeads(old *sim.Node) bool {
	for _, n := range c.nimbuses {
		if m := c.nimbusMachine(n); n != old && n.Up() && m != nil && m.IsLeader() {
			return true
		}
	}
	return false
}

func (c *cluster) leaderIndexOf(n *sim.Node) int {
	for i, m := range c.nimbuses {
		if m == n {
			return i
		}
	}
	return 0
}
