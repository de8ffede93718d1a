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
	register(Scenario{Name: "worker-hang",
		Description: "a worker hangs past the supervisor's worker timeout; it is restarted in place, not moved (STORM-589)",
		Run:         runWorkerHang})
	register(Scenario{Name: "zk-outage",
		Description: "ZooKeeper is down for 10 s; workers keep running and nothing is reassigned when it returns",
		Run:         runZKOutage})
	register(Scenario{Name: "nimbus-partitioned-from-zk",
		Description: "the leading nimbus is cut off from ZooKeeper past its session; another leads, and the deposed one writes nothing",
		Run:         runNimbusPartitioned})
	register(Scenario{Name: "rebalance-during-failover",
		Description: "a rebalance with wait is pending when the leader crashes; the new leader completes it",
		Run:         runRebalanceDuringFailover})
	register(Scenario{Name: "kill-with-wait-across-nimbus-restart",
		Description: "a kill with wait is pending when the leader crashes; the topology is still removed (STORM-3516)",
		Run:         runKillAcrossRestart})
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

func runWorkerHang(opts Options) Result {
	start := time.Now()
	c := newCluster(opts, shapeFor(opts))
	sub := c.submit("wordcount", 3)
	t0 := at(settleTime)
	var before map[core.TopologyID]uint64
	c.w.At(t0, "hang worker", func() {
		if !c.ready(sub) {
			return
		}
		before = c.epochs()
		c.w.Pause(c.someWorker(), 30*time.Second)
	})
	err := c.w.RunUntil(t0.Add(livenessBound))
	if err == nil {
		c.checkEpochs(before, "a hung worker")
	}
	return c.finish("worker-hang", opts, start, err, map[string]float64{})
}

func runZKOutage(opts Options) Result {
	start := time.Now()
	c := newCluster(opts, shapeFor(opts))
	sub := c.submit("wordcount", 3)
	t0 := at(settleTime)
	var before map[core.TopologyID]uint64
	var workers []*sim.Node
	c.w.At(t0, "zk outage", func() {
		if !c.ready(sub) {
			return
		}
		before, workers = c.epochs(), c.w.Workers()
		c.w.ZKOutage(10 * time.Second)
	})
	c.waitFor(t0, "workers keep running", func() bool {
		for _, n := range workers {
			if !n.Up() {
				c.violate("worker %s stopped during a ZooKeeper outage", n.ID())
			}
		}
		return c.w.Now() >= t0.Add(livenessBound)
	}, func() {})
	err := c.w.RunUntil(t0.Add(livenessBound))
	if err == nil {
		c.checkEpochs(before, "a ZooKeeper outage")
	}
	return c.finish("zk-outage", opts, start, err, map[string]float64{})
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

func runRebalanceDuringFailover(opts Options) Result {
	start := time.Now()
	c := newCluster(opts, shapeFor(opts))
	sub := c.submit("wordcount", 3)
	t0 := at(settleTime)
	var reb *clientCall
	c.w.At(t0, "rebalance", func() {
		if !c.ready(sub) {
			return
		}
		reb = c.cl.call(protocol.ClientRequest{Op: protocol.OpRebalance, Topology: "wordcount",
			Wait: 5 * time.Second, Workers: 2, Parallelism: map[string]int{"split": 2}})
		c.waitFor(t0, "rebalance accepted", func() bool { return reb.done }, func() {
			if l := c.leader(); l != nil {
				c.w.Crash(l)
				c.w.After(10*time.Second, "restart", func() { c.w.Restart(l) })
			}
		})
	})
	err := c.w.RunUntil(t0.Add(livenessBound))
	if err == nil {
		rec, ok := c.record("wordcount")
		switch {
		case reb == nil || !reb.reply.OK:
			c.violate("rebalance refused: %+v", reb)
		case !ok || rec.Status != protocol.StatusActive || rec.Pending != nil:
			c.violate("rebalance not completed: %+v", rec)
		default:
			if n := len(c.assignments()[0].Workers); n != 2 {
				c.violate("got %d workers after rebalancing to 2", n)
			}
		}
	}
	return c.finish("rebalance-during-failover", opts, start, err, map[string]float64{})
}

func runKillAcrossRestart(opts Options) Result {
	start := time.Now()
	c := newCluster(opts, shapeFor(opts))
	sub := c.submit("wordcount", 3)
	t0 := at(settleTime)
	var kill *clientCall
	c.w.At(t0, "kill with wait", func() {
		if !c.ready(sub) {
			return
		}
		kill = c.cl.call(protocol.ClientRequest{Op: protocol.OpKill, Topology: "wordcount", Wait: 10 * time.Second})
		c.waitFor(t0, "kill accepted", func() bool { return kill.done }, func() {
			if l := c.leader(); l != nil {
				c.w.Crash(l)
				c.w.After(5*time.Second, "restart", func() { c.w.Restart(l) })
			}
		})
	})
	err := c.w.RunUntil(t0.Add(livenessBound))
	if err == nil {
		if kill == nil || !kill.reply.OK {
			c.violate("kill refused: %+v", kill)
		} else if _, ok := c.record("wordcount"); ok {
			c.violate("topology still recorded %s after a kill with a 10s wait", livenessBound)
		} else if n := len(c.w.Workers()); n != 0 {
			c.violate("%d workers still run after the kill", n)
		}
	}
	return c.finish("kill-with-wait-across-nimbus-restart", opts, start, err, map[string]float64{})
}
