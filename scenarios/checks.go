package scenarios

import (
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/supervisor"
	"github.com/squall/squall/sim"
	"github.com/squall/squall/storage"
)

// checkDef is a named check a scenario file can reference: instant runs at
// a timeline instant ("do: check"), final after the run, arm before the run
// starts (to watch while it runs). Every check can fail: each records a
// violation when its property does not hold.
type checkDef struct {
	doc     string
	instant func(*engine)
	final   func(*engine)
	arm     func(*engine)
}

var checks map[string]checkDef

func init() {
	checks = map[string]checkDef{
		"running": {doc: "every submit succeeded and the cluster runs as assigned (before a fault)",
			instant: checkRunning, final: checkRunning},
		"converged": {doc: "every topology runs exactly as assigned at the end (always checked)",
			final: func(e *engine) {}},
		"leader": {doc: "exactly one nimbus leads at the end", final: func(e *engine) {
			if e.c.leader() == nil {
				e.violatef("no single nimbus leads at the end")
			}
		}},
		"assignments_unmoved": {doc: "no assignment changed since the first fault or cluster change (STORM-3984)",
			final: func(e *engine) {
				if e.faultNimbus {
					e.c.checkUnmoved(e.before)
					return
				}
				e.c.checkEpochs(epochsOf(e.before), e.faultCause)
			}},
		"no_duplicate_tasks": {doc: "no task runs in two live workers, polled from the first fault on",
			arm: func(e *engine) {
				e.c.waitFor(at(0), "duplicates", func() bool {
					if e.faultAt >= 0 {
						e.c.checkNoDuplicates()
					}
					return e.c.w.Now() >= e.end
				}, func() {})
			}, final: func(e *engine) { e.c.checkNoDuplicates() }},
		"workers_keep_running": {doc: "the workers live at the first fault stay up (polled)",
			arm: func(e *engine) {
				e.c.waitFor(at(0), "workers keep running", func() bool {
					for _, n := range e.workersThen {
						if !n.Up() {
							e.violatef("worker %s stopped", n.ID())
						}
					}
					return e.c.w.Now() >= e.end
				}, func() {})
			}, final: func(e *engine) {}},
		"supervisor_reregistered": {doc: "each supervisor whose session a step expired registered again",
			final: checkReregistered},
		"topology_removed": {doc: "each killed topology is gone, with no worker left", final: checkRemoved},
		"at_least_once": {doc: "every number a sequence topology's spout saw acked reached its sink (measures sequence_acked)",
			final: checkAtLeastOnce},
		"rebalanced": {doc: "each rebalance completed with the requested worker count", final: checkRebalanced},
		"capacity": {doc: "no supervisor over capacity and no slot assigned twice, polled every 100 ms " +
			"(besides the check on every ZooKeeper write)",
			arm: func(e *engine) {
				e.c.waitFor(at(0), "capacity", func() bool {
					e.c.checkCapacity()
					return e.c.w.Now().Add(time.Second) > e.end
				}, func() {})
			}, final: func(e *engine) { e.c.checkCapacity() }},
		"inactive_no_emits": {doc: "no worker whose assignment says its topology is INACTIVE, KILLED or " +
			"REBALANCING calls NextTuple, polled every 100 ms (valid under faults; converged requires " +
			"every worker to learn its status)",
			arm: armInactiveNoEmits, final: func(e *engine) {}},
		"deactivate_pauses_spouts": {doc: "2 s after a topology's record leaves ACTIVE no spout of it calls " +
			"NextTuple, and 2 s after it is ACTIVE again they have (runs without faults; measures status_learn_s)",
			arm: armPausesSpouts, final: func(e *engine) {}},
		"requests_ok": {doc: "every client request was answered OK", final: func(e *engine) {
			for _, cc := range e.calls {
				if !cc.done || !cc.reply.OK {
					e.violatef("client request %s %s not answered OK: %+v", cc.req.Op, cc.req.Topology, cc.reply)
				}
			}
		}},
	}
}

// checkNames lists the checks usable at an instant (or at the end).
func checkNames(instant bool) []string {
	var out []string
	for name, c := range checks {
		if (instant && c.instant != nil) || (!instant && c.final != nil) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// measureNames are the measures a file may bound with min and max.
func measureNames() []string {
	out := []string{"nimbus_failover_s", "supervisor_loss_reassign_s", "worker_restart_s", "converge_s",
		"faults", "zk_lost_replies", "zk_session_expirations", "persist_failures", "disk_crashes",
		"steps_skipped", "lost_reply_rate", "status_learn_s", "slow_starts", "fetch_failures"}
	for _, k := range faultNames {
		out = append(out, "fault_"+k)
	}
	for a := range faultActions {
		out = append(out, "fault_"+a)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func checkRunning(e *engine) {
	for _, cc := range e.calls {
		if cc.req.Op == protocol.OpSubmit && (!cc.done || !cc.reply.OK) {
			e.violatef("submit of %s did not succeed: %+v", cc.req.Topology, cc.reply)
			return
		}
	}
	if ok, why := e.c.converged(); !ok {
		e.violatef("not running: %s", why)
	}
}

func checkReregistered(e *engine) {
	for _, n := range e.expired {
		if !strings.HasPrefix(string(n.ID()), "sup-") {
			continue
		}
		if m, ok := n.Machine().(*supervisor.Machine); !ok || !m.Registered() {
			e.violatef("%s did not register again after its session expired", n.ID())
		}
		if _, _, ok := e.c.w.ZK().Lookup(e.c.layout.Supervisor(core.SupervisorID(n.ID()))); !ok {
			e.violatef("%s has no ephemeral node after its session expired", n.ID())
		}
	}
}

// checkAtLeastOnce checks the at-least-once property on every sequence
// topology through the run's ledger: an acked number reached the sink.
// Unlike at-least-once-chaos it does not require every number acked, as a
// run may end before replays finish; it is a safety check.
func checkAtLeastOnce(e *engine) {
	if e.led == nil {
		e.violatef("at_least_once: the scenario runs no sequence topology")
		return
	}
	for _, t := range e.spec.Topologies {
		if t.Example != "sequence" {
			continue
		}
		led := e.led.of(t.Name)
		e.measures["sequence_acked"] += float64(led.acked.Distinct())
		if seq := led.lostAcked(); seq > 0 {
			e.violatef("%s: message %d was acked but never reached the sink", t.Name, seq)
		}
	}
}

func checkRemoved(e *engine) {
	for _, name := range e.killed {
		// Its znode, readable or not: a corrupt record left behind leaks too.
		if _, _, ok := e.c.w.ZK().Lookup(e.c.layout.Topology(e.c.idOf(name))); ok {
			e.violatef("topology %s still recorded after its kill", name)
		}
		for _, n := range e.c.w.Workers() {
			if protocol.TopologyName(n.Spec().Topology) == name {
				e.violatef("worker %s of killed %s still runs", n.ID(), name)
			}
		}
	}
}

func checkRebalanced(e *engine) {
	for _, name := range slicesSorted(e.rebalanced) {
		want := e.rebalanced[name]
		rec, ok := e.c.record(name)
		if !ok || rec.Status != protocol.StatusActive || rec.Pending != nil {
			e.violatef("rebalance of %s not completed: %+v", name, rec)
			continue
		}
		for _, a := range e.c.assignments() {
			if protocol.TopologyName(a.Topology) == name && want > 0 && len(a.Workers) != want {
				e.violatef("got %d workers of %s after rebalancing to %d", len(a.Workers), name, want)
			}
		}
	}
}

func slicesSorted(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Measures taken by timeline steps: the first step of each kind arms one.

// armFailover measures, when a step strikes the leading nimbus, the time
// until another nimbus leads.
func (e *engine) armFailover(st Step, n *sim.Node) {
	if _, taken := e.measures["nimbus_failover_s"]; taken || e.c.nimbusMachine(n) == nil ||
		!e.c.nimbusMachine(n).IsLeader() || e.armed("failover") {
		return
	}
	t0 := e.c.w.Now()
	e.c.waitFor(t0, "new leader", func() bool { return e.c.otherLeads(n) }, func() {
		e.measures["nimbus_failover_s"] = e.c.w.Now().Sub(t0).Seconds()
	})
}

// armReassign measures, after a host is lost, the time until every
// topology runs again.
func (e *engine) armReassign() {
	if e.armed("reassign") {
		return
	}
	t0 := e.c.w.Now()
	e.c.waitFor(t0.Add(pollPeriod), "reassigned", func() bool { ok, _ := e.c.converged(); return ok }, func() {
		e.measures["supervisor_loss_reassign_s"] = e.c.w.Now().Sub(t0).Seconds()
	})
}

// armWorkerRestart measures, after a worker process crashes, the time until
// it is back with its assignment.
func (e *engine) armWorkerRestart(st Step, n *sim.Node) {
	if n.Spec().Supervisor == "" || e.armed("worker-restart") {
		return
	}
	t0, spec := e.c.w.Now(), n.Spec()
	e.c.waitFor(t0.Add(pollPeriod), "worker back", func() bool { return e.c.taken(n, spec) }, func() {
		e.measures["worker_restart_s"] = e.c.w.Now().Sub(t0).Seconds()
	})
}

// armed reports whether the named measure was armed, and arms it.
func (e *engine) armed(what string) bool {
	if e.arms[what] {
		return true
	}
	if e.arms == nil {
		e.arms = map[string]bool{}
	}
	e.arms[what] = true
	return false
}

// chaosKind is the index of a fault kind's name, faultKinds if unknown.
func chaosKind(name string) faultKind {
	for k, n := range faultNames {
		if n == name {
			return faultKind(k)
		}
	}
	return faultKinds
}

func chaosKindNames() []string { return faultNames[:] }

// drawSwarmRates draws the rates of every fault kind, disk faults included.
func drawSwarmRates(r *rand.Rand) chaosRates {
	c := drawRates(r)
	for k := baseKinds; k < faultKinds; k++ {
		if r.Float64() < 0.8 {
			c.weight[k] = r.Float64()
		}
	}
	return c
}

func diskFaults(write float64, seed uint64) storage.Faults {
	return storage.Faults{WriteProbability: write, ReadProbability: write / 10, Seed: seed}
}

// effectCounts counts, from the trace, what faults visibly did.
type effectCounts struct {
	persistFailures, diskCrashes, storeOpenFailures, expired, lostReplies uint64
	// Messages dropped at a partition or on a dead (reset or crashed)
	// connection, paused processes that resumed with what they held, and
	// clock rates changed.
	partitionDrops, deadConnDrops, resumes, clockRates uint64
	// Worker starts that took a drawn latency, and that failed to fetch.
	slowStarts, fetchFailures uint64
}

func (c *effectCounts) see(r sim.Record) {
	switch r.What {
	case "event":
		if strings.HasPrefix(r.Detail, "persisted ") && strings.Contains(r.Detail, " err=") {
			c.persistFailures++
		}
	case "disk-crash":
		c.diskCrashes++
	case "store-open-failed":
		c.storeOpenFailures++
	case "session-expired":
		c.expired++
	case "lost-reply":
		c.lostReplies++
	case "net-drop":
		if strings.HasSuffix(r.Detail, " partitioned") {
			c.partitionDrops++
		} else if strings.HasSuffix(r.Detail, " conn-dead") {
			c.deadConnDrops++
		}
	case "resume":
		c.resumes++
	case "clock-rate":
		c.clockRates++
	case "start-begun":
		c.slowStarts++
	case "fetch-failed":
		c.fetchFailures++
	}
}

func (c *effectCounts) measure(m map[string]float64) {
	m["persist_failures"] = float64(c.persistFailures)
	m["slow_starts"] = float64(c.slowStarts)
	m["fetch_failures"] = float64(c.fetchFailures)
	m["disk_crashes"] = float64(c.diskCrashes)
	m["store_open_failures"] = float64(c.storeOpenFailures)
	m["partition_drops"] = float64(c.partitionDrops)
	m["dead_conn_drops"] = float64(c.deadConnDrops)
	m["pause_resumes"] = float64(c.resumes)
	m["clock_rate_changes"] = float64(c.clockRates)
}
