package scenarios

import (
	"time"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/core/worker"
	"github.com/squall/squall/sim"
)

// BreakIgnoreStatus builds workers whose spouts run whatever the topology
// status, as before workers learned it: the activation checks catch it.
const BreakIgnoreStatus = "ignore-status"

// statusLearnGrace is how long after a status change in ZooKeeper the
// deactivate_pauses_spouts check gives the workers to follow it: nimbus's
// next monitor tick writes the assignment, the supervisors' watches fire,
// and a round of reads later each worker is told (about 0.3 s without
// faults).
const statusLearnGrace = 2 * time.Second

// spoutCalls is what the activation checks remember of a worker between
// polls: its plane (a new one counts from zero), the epoch and status it
// held, and its spouts' NextTuple calls so far.
type spoutCalls struct {
	plane  worker.Plane
	epoch  uint64
	status string
	calls  int64
}

// spoutCallsOf samples a live worker's data plane, single or lanes (the
// calls of all its executors); ok is false for a worker without one.
func spoutCallsOf(n *sim.Node) (spoutCalls, bool) {
	wm, _ := n.Machine().(*worker.Machine)
	if wm == nil {
		return spoutCalls{}, false
	}
	execs := executorsOf(wm)
	if len(execs) == 0 {
		return spoutCalls{}, false
	}
	sc := spoutCalls{plane: wm.Plane(), epoch: wm.Epoch(), status: wm.Status()}
	for _, e := range execs {
		sc.calls += e.Stats().NextTuples
	}
	return sc, true
}

// armInactiveNoEmits is the safety half of "INACTIVE means no spout
// emits", valid under any faults: a worker that holds an assignment whose
// topology is not ACTIVE calls no NextTuple. Two polls of one worker with
// the same plane and the same inactive epoch must show the same calls.
// A worker that never learns the status is caught by converged, which
// requires every worker to hold its assignment's status.
func armInactiveNoEmits(e *engine) {
	last := map[*sim.Node]spoutCalls{}
	e.c.waitFor(at(0), "inactive spouts", func() bool {
		seen := make(map[*sim.Node]spoutCalls, len(last))
		for _, n := range e.c.w.Workers() {
			now, ok := spoutCallsOf(n)
			if !ok {
				continue
			}
			prev, had := last[n]
			if had && prev.plane == now.plane && prev.epoch == now.epoch &&
				!protocol.SpoutsActive(now.status) && now.calls != prev.calls {
				e.violatef("worker %s of %s called NextTuple %d times in %s while its topology was %s (epoch %d)",
					n.ID(), n.Spec().Topology, now.calls-prev.calls, pollPeriod, now.status, now.epoch)
			}
			seen[n] = now
		}
		last = seen
		return e.c.w.Now() >= e.end
	}, func() {})
}

// pauseWatch follows one topology for armPausesSpouts.
type pauseWatch struct {
	status  string    // in ZooKeeper, as last polled
	since   core.Time // when that status was first polled
	changed bool      // the status changed while watched (not the first seen)
	total   int64     // NextTuple calls seen across the topology's workers, monotone
	atStart int64     // total when the status began
	paused  bool      // the topology was not ACTIVE before this status
	learned bool      // every worker held the status at a poll since
	checked bool      // the resumption after a pause was checked
	workers map[*sim.Node]spoutCalls
}

// armPausesSpouts is the end-to-end half, for runs without faults:
// statusLearnGrace after a topology's record turns INACTIVE, KILLED or
// REBALANCING its spouts call NextTuple no more, anywhere; statusLearnGrace
// after it turns ACTIVE again they have called it again. It measures
// status_learn_s, the longest a status change took to reach every worker.
func armPausesSpouts(e *engine) {
	watches := map[string]*pauseWatch{}
	e.measures["status_learn_s"] = 0
	e.c.waitFor(at(0), "paused spouts", func() bool {
		for _, t := range e.spec.Topologies {
			e.pollPause(t.Name, watches)
		}
		return e.c.w.Now() >= e.end
	}, func() {})
}

func (e *engine) pollPause(name string, watches map[string]*pauseWatch) {
	now := e.c.w.Now()
	rec, ok := e.c.record(name)
	if !ok {
		delete(watches, name) // killed, or not yet submitted
		return
	}
	pw := watches[name]
	if pw == nil {
		pw = &pauseWatch{status: rec.Status, since: now, workers: map[*sim.Node]spoutCalls{}}
		watches[name] = pw
	}
	before := pw.total
	allHold := pw.count(e.c.w.Workers(), name, rec.Status)
	if rec.Status != pw.status {
		pw.paused = !protocol.SpoutsActive(pw.status)
		pw.status, pw.since, pw.atStart, pw.changed = rec.Status, now, pw.total, true
		pw.learned, pw.checked = false, false
	}
	age := now.Sub(pw.since)
	if allHold && pw.changed && !pw.learned {
		pw.learned = true
		e.measures["status_learn_s"] = max(e.measures["status_learn_s"], age.Seconds())
	}
	switch {
	case age < statusLearnGrace:
	case !protocol.SpoutsActive(rec.Status) && age >= statusLearnGrace+pollPeriod && pw.total != before:
		e.violatef("topology %s %s for %s: its spouts called NextTuple %d times in the last %s",
			name, rec.Status, age, pw.total-before, pollPeriod)
	case protocol.SpoutsActive(rec.Status) && pw.paused && !pw.checked:
		pw.checked = true
		if pw.total == pw.atStart {
			e.violatef("topology %s ACTIVE again for %s: its spouts called no NextTuple since", name, age)
		}
	}
}

// count adds the NextTuple calls of name's live workers since the last
// poll to total; it reports whether every one holds status.
func (pw *pauseWatch) count(nodes []*sim.Node, name, status string) bool {
	learned := true
	seen := make(map[*sim.Node]spoutCalls, len(pw.workers))
	for _, n := range nodes {
		if protocol.TopologyName(n.Spec().Topology) != name {
			continue
		}
		now, ok := spoutCallsOf(n)
		if !ok {
			continue
		}
		prev, had := pw.workers[n]
		if had && prev.plane == now.plane {
			pw.total += now.calls - prev.calls
		} else {
			pw.total += now.calls // a new plane counts from zero
		}
		learned = learned && now.status == status
		seen[n] = now
	}
	pw.workers = seen
	return learned
}
