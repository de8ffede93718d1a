package scheduler

import "github.com/squall/squall/core"

// Schedule plans where every task of every topology runs. It returns an error
// only for an input that breaks its contract (ErrBadInput); a cluster too
// small for a topology is reported in that topology's TopologyPlan.Reason.
//
// It works in three phases (see the package documentation):
//  1. hold: every task whose current slot is alive and still fits keeps it,
//     topology by topology in processing order;
//  2. turns: each topology in processing order places what it lacks, or,
//     when rebalanced or shrunk, plans afresh; a turn that fails is rolled
//     back to the held placement and the topology reports why;
//  3. the plan is read out, sorted.
func Schedule(in Input) (Plan, error) {
	if err := validate(in); err != nil {
		return Plan{}, err
	}
	c := newCluster(in)
	c.hold()
	for t := range c.topos {
		c.turn(int32(t))
	}
	c.checkCapacity()
	return c.plan(), nil
}

// turn gives topology t its chance to place every task it lacks. When the
// placement it holds blocks a fit (a supervisor shrank under a one-worker
// topology), it tries once more from scratch: feasibility comes before
// stickiness. A failed turn leaves the cluster exactly as it was before the
// turn: the topology keeps only what it held.
func (c *cluster) turn(t int32) {
	topo := &c.topos[t]
	m := c.mark()
	if topo.replan {
		c.release(t)
	}
	held := c.holds(t)
	reason := c.attempt(t)
	if reason != "" && held {
		c.rollback(m)
		c.release(t)
		if c.attempt(t) == "" {
			reason = ""
		}
	}
	if reason != "" {
		c.rollback(m)
		topo.reason = reason
	}
	c.commit()
}

// attempt places what topology t lacks, or returns why it cannot.
func (c *cluster) attempt(t int32) string {
	if c.topos[t].spec.Isolated {
		return c.turnIsolated(t)
	}
	return c.placeOn(t, c.sharedSupervisors())
}

// holds reports whether topology t has a task placed.
func (c *cluster) holds(t int32) bool {
	topo := &c.topos[t]
	for i := topo.first; i < topo.end; i++ {
		if c.tasks[i].worker != none {
			return true
		}
	}
	return false
}

// release takes every task of topology t off its worker and closes them.
func (c *cluster) release(t int32) {
	topo := &c.topos[t]
	ws := c.workersOf(t, c.scratch.ws[:0])
	c.forget(ws)
	for i := topo.first; i < topo.end; i++ {
		if c.tasks[i].worker != none {
			c.unplace(i)
		}
	}
	for _, w := range ws {
		c.close(w)
	}
	c.unclaimIdle(t)
}

// sharedSupervisors returns the supervisors on hosts that no isolated
// topology owns, ascending.
func (c *cluster) sharedSupervisors() []int32 {
	cand := c.scratch.cand[:0]
	for s := range c.sups {
		if c.hosts[c.sups[s].host].claim == none {
			cand = append(cand, int32(s))
		}
	}
	c.scratch.cand = cand
	return cand
}

// hold keeps every task on its current slot while that slot is alive and
// the placement is still valid, so that a failure moves only the tasks it
// took down. Topologies are visited in processing order and tasks by ID, so
// when two topologies claim one slot, or a shrunk supervisor cannot hold all
// it held, the earlier one keeps its place. Rebalanced and shrunk
// topologies are held too, so that they can fall back to their current
// placement if their fresh plan fails; their turn releases them first.
func (c *cluster) hold() {
	for t := range c.topos {
		topo := &c.topos[t]
		for i := topo.first; i < topo.end; i++ {
			c.holdTask(int32(t), i)
		}
	}
	c.commit()
}

func (c *cluster) holdTask(t, task int32) {
	ts := &c.tasks[task]
	if ts.curSup < 0 {
		return // new, or its slot is gone
	}
	sup := &c.sups[ts.curSup]
	sl := &sup.slots[ts.curSlot]
	if sl.dead || sl.worker != none && c.workers[sl.worker].topo != t {
		return // dead, or an earlier topology runs there (STORM-155: never two on one port)
	}
	if claim := c.hosts[sup.host].claim; claim != none && claim != t {
		return // the host belongs to an isolated topology
	}
	if !c.allows(t, ts.comp, ts.curSup) || !ts.demand.Add(sup.used).Fits(sup.capacity) {
		return // unpinned host, or the supervisor shrank
	}
	w := sl.worker
	if w == none {
		w = c.open(t, ts.curSup, ts.curSlot)
	}
	// Isolated topologies hold first, so a host they hold on runs no
	// shared worker: claiming it evicts nothing.
	if c.topos[t].spec.Isolated && c.hosts[sup.host].claim == none {
		c.setClaim(sup.host, t)
	}
	c.place(task, w)
}

// checkCapacity asserts the rule the scheduler exists to keep: no supervisor
// is over capacity in any dimension.
func (c *cluster) checkCapacity() {
	for s := range c.sups {
		sup := &c.sups[s]
		core.Assert(sup.used.Fits(sup.capacity), "supervisor %s over capacity: %v of %v", sup.id, sup.used, sup.capacity)
		core.Assert(sup.free >= 0 && sup.free <= int32(len(sup.slots)), "supervisor %s has %d free slots", sup.id, sup.free)
	}
}
