package scenarios

import (
	"slices"
	"strings"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/examples"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/sim"
)

func init() {
	register(Scenario{Name: "errors-reach-nimbus",
		Description: "a bolt reports an error per tuple: within errorsReachBound its errors show in nimbus's " +
			"status (at most 10, newest first, with the host and port of a worker running it); after the " +
			"leader crashes, the new leader shows them again within the bound",
		Run: runErrorsReachNimbus})
}

// errorsReachBound is how long errors may take from a running topology (or
// a new leader) to nimbus's status: a worker heartbeat (1 s), a supervisor
// heartbeat, and a status round trip, with room to spare.
const errorsReachBound = 10 * time.Second

// errorsTopology is the name of the topology errors-reach-nimbus runs.
const errorsTopology = "complaints"

func runErrorsReachNimbus(opts Options) Result {
	start := time.Now()
	c := newCluster(opts, dataShape())
	t, err := examples.Complaints(errorsTopology, 2, 0)
	if err == nil {
		t.Config.MaxSpoutPending = 100
	}
	sub := c.submitTopology(t, err)
	measures := map[string]float64{}
	c.waitFor(at(time.Second), "running", func() bool {
		ok, _ := c.converged()
		return sub.done && ok
	}, func() {
		c.expectErrors("errors_reach_s", measures, func() {
			c.crashLeaderThenExpectErrors(measures)
		})
	})
	err = c.w.RunUntil(at(60 * time.Second))
	return c.finish("errors-reach-nimbus", opts, start, err, measures)
}

// crashLeaderThenExpectErrors crashes the leading nimbus and, once another
// leads, expects the errors in its status within the bound: the workers
// send their newest errors again in every heartbeat.
func (c *cluster) crashLeaderThenExpectErrors(measures map[string]float64) {
	old := c.leader()
	if old == nil {
		c.violate("no single leader to crash at %s", c.w.Now())
		return
	}
	c.w.Crash(old)
	c.waitFor(c.w.Now(), "new leader", func() bool {
		l := c.leader()
		return l != nil && l != old
	}, func() {
		c.w.Restart(old)
		c.expectErrors("errors_after_failover_s", measures, c.checkErrorsRecordThenKill)
	})
}

// checkErrorsRecordThenKill requires the leader's errors record in
// ZooKeeper (written at most errorsWritePeriod after the errors came),
// then kills the topology: the record must go with it.
func (c *cluster) checkErrorsRecordThenKill() {
	path := c.layout.Errors(c.idOf(errorsTopology))
	c.waitFor(c.w.Now(), "errors record", func() bool {
		_, _, ok := c.w.ZK().Lookup(path)
		return ok
	}, func() {
		data, _, _ := c.w.ZK().Lookup(path)
		rec, err := protocol.DecodeErrors(data)
		if errs := rec.Components["complain"]; err != nil || len(errs) == 0 || len(errs) > protocol.ErrorsPerComponentMax {
			c.violate("errors record %s: got %+v (%v), want 1 to %d errors of complain", path, rec, err, protocol.ErrorsPerComponentMax)
			return
		}
		kill := c.cl.call(protocol.ClientRequest{Op: protocol.OpKill, Topology: errorsTopology})
		c.w.After(errorsReachBound, "errors record gone", func() {
			if _, _, ok := c.w.ZK().Lookup(path); ok || !kill.done || !kill.reply.OK {
				c.violate("after the kill (%+v): errors record present %t, want it gone with the topology", kill.reply, ok)
			}
		})
	})
}

// expectErrors polls nimbus's status from now until it shows errors of the
// complain bolt, and checks them; it records how long they took under
// measure, and runs then. Not seeing them within errorsReachBound is a
// violation.
func (c *cluster) expectErrors(measure string, measures map[string]float64, then func()) {
	from := c.w.Now()
	var call *clientCall
	var poll func()
	poll = func() {
		if call != nil && call.done && call.reply.OK && len(call.reply.Topologies) == 1 {
			if errs := complainErrors(call.reply.Topologies[0]); len(errs) > 0 {
				c.checkErrors(errs)
				measures[measure] = call.doneAt.Sub(from).Seconds()
				then()
				return
			}
		}
		if c.w.Now().Sub(from) > errorsReachBound {
			c.violate("no error of complain in nimbus's status %s after the wait began at %s", errorsReachBound, from)
			return
		}
		if call == nil || call.done {
			call = c.cl.call(protocol.ClientRequest{Op: protocol.OpStatus, Topology: errorsTopology})
		}
		c.w.After(500*time.Millisecond, "poll errors", poll)
	}
	poll()
}

func complainErrors(s protocol.TopologySummary) []protocol.TaskError {
	for _, comp := range s.Components {
		if comp.Name == "complain" {
			return comp.Errors
		}
	}
	return nil
}

// checkErrors requires what the bolt reported, bounded, newest first, from
// a host and port where a worker of the topology runs or ran.
func (c *cluster) checkErrors(errs []protocol.TaskError) {
	if len(errs) > protocol.ErrorsPerComponentMax {
		c.violate("nimbus keeps %d errors of complain, want at most %d", len(errs), protocol.ErrorsPerComponentMax)
	}
	hosts := map[string]bool{}
	for _, info := range c.supInfo {
		hosts[info.Host] = true
	}
	for i, e := range errs {
		switch {
		case !strings.HasPrefix(e.Error, "complain: cannot handle"):
			c.violate("error %d of complain: got %q, want what the bolt reported", i, e.Error)
		case !hosts[e.Host] || e.Port < 6700:
			c.violate("error %d of complain: got from %s:%d, want a supervisor's host and slot", i, e.Host, e.Port)
		case i > 0 && e.TimeNs > errs[i-1].TimeNs:
			c.violate("error %d of complain: got time %s after %s, want newest first", i, e.TimeNs, errs[i-1].TimeNs)
		case !c.runsComplain(e):
			c.violate("error %d of complain: task %d on %s:%d runs no complain task", i, e.Task, e.Host, e.Port)
		}
	}
}

// runsComplain reports whether a live worker of the topology on e's host
// and port runs e's task (the run has no worker faults, so the reporter
// still runs it).
func (c *cluster) runsComplain(e protocol.TaskError) bool {
	for _, n := range c.w.Workers() {
		spec := n.Spec()
		if protocol.TopologyName(spec.Topology) != errorsTopology || spec.Port != e.Port || c.supInfo[spec.Supervisor].Host != e.Host {
			continue
		}
		if slices.Contains(workerTasks(n), e.Task) {
			return true
		}
	}
	return false
}

func workerTasks(n *sim.Node) []core.TaskID {
	if wm, ok := n.Machine().(interface{ Tasks() []core.TaskID }); ok {
		return wm.Tasks()
	}
	return nil
}
