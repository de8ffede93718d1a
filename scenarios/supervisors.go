package scenarios

import (
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/supervisor"
)

func init() {
	register(Scenario{Name: "supervisor-session-expiry",
		Description: "a supervisor's ZooKeeper session expires; it re-registers (STORM-1451) and its topology runs on",
		Run:         runSupervisorSessionExpiry})
	register(Scenario{Name: "supervisor-crash-restart",
		Description: "a supervisor crashes and restarts within the session timeout; it adopts its workers and never runs a task twice",
		Run:         runSupervisorCrashRestart})
	register(Scenario{Name: "supervisor-loss",
		Description: "a host (supervisor and workers) dies for good; its tasks run elsewhere within a session timeout and 3 s",
		Run:         runSupervisorLoss})
	register(Scenario{Name: "scale-out-supervisors",
		Description: "supervisors join a running cluster; no healthy task moves, and a new topology uses them",
		Run:         runScaleOut})
}

func runSupervisorSessionExpiry(opts Options) Result {
	start := time.Now()
	c := newCluster(opts, shapeFor(opts))
	sub := c.submit("wordcount", 3)
	t0 := at(settleTime)
	sup := c.sups[c.w.Rand().IntN(len(c.sups))]
	c.w.At(t0, "expire supervisor session", func() {
		if c.ready(sub) {
			c.w.ExpireSession(sup)
		}
	})
	err := c.w.RunUntil(t0.Add(livenessBound))
	if m, ok := sup.Machine().(*supervisor.Machine); err == nil && (!ok || !m.Registered()) {
		c.violate("%s did not register again after its session expired", sup.ID())
	}
	if _, _, ok := c.w.ZK().Lookup(c.layout.Supervisor(core.SupervisorID(sup.ID()))); err == nil && !ok {
		c.violate("%s has no ephemeral node after its session expired", sup.ID())
	}
	return c.finish("supervisor-session-expiry", opts, start, err, map[string]float64{})
}

func runSupervisorCrashRestart(opts Options) Result {
	start := time.Now()
	c := newCluster(opts, shapeFor(opts))
	sub := c.submit("wordcount", 3)
	t0 := at(settleTime)
	sup := c.sups[c.w.Rand().IntN(len(c.sups))]
	var before map[core.TopologyID]uint64
	c.w.At(t0, "crash supervisor", func() {
		if !c.ready(sub) {
			return
		}
		before = c.epochs()
		c.w.Crash(sup)
		c.w.After(2*time.Second, "restart supervisor", func() { c.w.Restart(sup) })
	})
	c.watchDuplicates(t0, t0.Add(livenessBound))
	err := c.w.RunUntil(t0.Add(livenessBound))
	if err == nil {
		c.checkEpochs(before, "a supervisor restart")
	}
	return c.finish("supervisor-crash-restart", opts, start, err, map[string]float64{})
}

// checkEpochs requires assignments unchanged since before.
func (c *cluster) checkEpochs(before map[core.TopologyID]uint64, cause string) {
	after := c.epochs()
	for id, e := range before {
		if after[id] != e {
			c.violate("%s moved tasks of %s (epoch %d -> %d)", cause, id, e, after[id])
		}
	}
}

func runSupervisorLoss(opts Options) Result {
	start := time.Now()
	c := newCluster(opts, shapeFor(opts))
	sub := c.submit("wordcount", 3)
	t0 := at(settleTime)
	measures := map[string]float64{}
	c.w.At(t0, "lose a host", func() {
		if !c.ready(sub) {
			return
		}
		c.crashHost(c.sups[c.w.Rand().IntN(len(c.sups))])
		c.waitFor(t0.Add(pollPeriod), "reassigned", func() bool { ok, _ := c.converged(); return ok }, func() {
			measures["supervisor_loss_reassign_s"] = c.w.Now().Sub(t0).Seconds()
		})
	})
	err := c.w.RunUntil(t0.Add(livenessBound))
	return c.finish("supervisor-loss", opts, start, err, measures)
}

func runScaleOut(opts Options) Result {
	start := time.Now()
	shape := shapeFor(opts)
	c := newCluster(opts, shape)
	sub := c.submit("wordcount", 3)
	t0 := at(settleTime)
	var before map[core.TopologyID]uint64
	var second *clientCall
	c.w.At(t0, "add supervisors", func() {
		if !c.ready(sub) {
			return
		}
		before = c.epochs()
		for i := range 3 {
			c.addSupervisor(shape.supervisors+i+1, shape)
		}
		second = c.submit("wordcount-2", 3)
	})
	err := c.w.RunUntil(t0.Add(livenessBound))
	if err == nil {
		c.checkEpochs(before, "adding supervisors")
		if second == nil || !second.done || !second.reply.OK {
			c.violate("second topology not submitted: %+v", second)
		}
	}
	return c.finish("scale-out-supervisors", opts, start, err, map[string]float64{})
}
