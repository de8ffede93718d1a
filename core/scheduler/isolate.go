package scheduler

import (
	"cmp"
	"slices"

	"github.com/squall/squall/core"
)

// isolationRetriesMax bounds how many extra hosts an isolated topology claims
// one at a time after a placement on enough-looking hosts failed (bin
// packing can need more than the sums say).
const isolationRetriesMax = 3

// turnIsolated places an isolated topology on hosts it owns alone. It keeps
// the hosts it holds, then claims free hosts until their free slots and
// capacity cover what it lacks: hosts its pins name first, then hosts with
// the fewest busy slots (empty ones before any eviction), then by name.
// Claiming a busy host evicts the shared workers there; they are placed
// again in their own turn, since isolated topologies go first.
func (c *cluster) turnIsolated(t int32) string {
	pool := c.isolationPool(t)
	need := c.isolationNeed(t)
	next := 0
	for ; next < len(pool) && !c.isolationEnough(t, need); next++ {
		c.claimHost(pool[next], t)
	}
	if len(c.claimedSupervisors(t)) == 0 {
		return "isolated: no free host"
	}
	for retry := 0; ; retry++ {
		m := c.mark()
		reason := c.placeOn(t, c.claimedSupervisors(t))
		if reason == "" {
			c.unclaimIdle(t)
			return ""
		}
		if retry == isolationRetriesMax || next == len(pool) {
			return "isolated: " + reason
		}
		c.rollback(m)
		c.claimHost(pool[next], t)
		next++
	}
}

// isolationDemand is what an isolated topology lacks: workers to open and
// the demand of its unplaced tasks.
type isolationDemand struct {
	workers int32
	demand  Resources
	waiting []bool // per component: it has unplaced tasks
}

func (c *cluster) isolationNeed(t int32) isolationDemand {
	topo := &c.topos[t]
	ws := c.workersOf(t, c.scratch.ws)
	c.forget(ws)
	need := isolationDemand{workers: topo.want - int32(len(ws)), waiting: make([]bool, len(topo.comps))}
	for i := topo.first; i < topo.end; i++ {
		if ts := &c.tasks[i]; ts.worker == none {
			need.demand = need.demand.Add(ts.demand)
			need.waiting[ts.comp] = true
		}
	}
	return need
}

// isolationEnough reports whether the hosts topology t owns have the free
// slots and capacity it lacks, and a host for each pinned component that
// could still get one. Only supervisors with a free slot count: capacity
// without a slot can run nothing new.
func (c *cluster) isolationEnough(t int32, need isolationDemand) bool {
	var free Resources
	slots := int32(0)
	for _, s := range c.claimedSupervisors(t) {
		if sup := &c.sups[s]; sup.free > 0 {
			free = free.Add(sup.capacity.Sub(sup.used))
			slots += sup.free
		}
	}
	if slots < need.workers || !need.demand.Fits(free) {
		return false
	}
	for ci := range c.topos[t].comps {
		if need.waiting[ci] && c.pinWanting(t, &c.topos[t].comps[ci]) {
			return false
		}
	}
	return true
}

// pinWanting reports whether pinned component cs has no host owned by
// topology t yet, while one of its hosts could still be claimed.
func (c *cluster) pinWanting(t int32, cs *compState) bool {
	claimable := false
	for _, h := range cs.pinHosts {
		switch {
		case c.hosts[h].claim == t:
			return false
		case c.hosts[h].claim == none && c.liveSlots(h) > 0:
			claimable = true
		}
	}
	return claimable
}

// isolationPool returns the hosts nobody owns that have a live slot, in the
// order topology t claims them.
func (c *cluster) isolationPool(t int32) []int32 {
	pinned := make(map[int32]bool)
	for _, cs := range c.topos[t].comps {
		for _, h := range cs.pinHosts {
			pinned[h] = true
		}
	}
	var pool []int32
	busy := make(map[int32]int)
	for h := range c.hosts {
		if c.hosts[h].claim == none && c.liveSlots(int32(h)) > 0 {
			pool = append(pool, int32(h))
			busy[int32(h)] = c.busySlots(int32(h))
		}
	}
	slices.SortFunc(pool, func(a, b int32) int {
		if pinned[a] != pinned[b] {
			if pinned[a] {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(busy[a], busy[b]), cmp.Compare(a, b))
	})
	return pool
}

// busySlots counts the slots on host h that run a worker.
func (c *cluster) busySlots(h int32) int {
	n := 0
	for _, s := range c.hosts[h].sups {
		for _, sl := range c.sups[s].slots {
			if sl.worker != none {
				n++
			}
		}
	}
	return n
}

// liveSlots counts the slots on host h that are not dead.
func (c *cluster) liveSlots(h int32) int {
	n := 0
	for _, s := range c.hosts[h].sups {
		for _, sl := range c.sups[s].slots {
			if !sl.dead {
				n++
			}
		}
	}
	return n
}

// claimHost gives host h to isolated topology t, evicting the workers of
// the shared topologies that ran there.
func (c *cluster) claimHost(h, t int32) {
	for _, s := range c.hosts[h].sups {
		for _, sl := range c.sups[s].slots {
			if sl.worker != none {
				c.evictWorker(sl.worker)
			}
		}
	}
	c.setClaim(h, t)
}

// evictWorker takes every task off worker w and closes it.
func (c *cluster) evictWorker(w int32) {
	owner := &c.topos[c.workers[w].topo]
	core.Assert(!owner.spec.Isolated, "isolated topology %s runs on a host it does not own", owner.spec.ID)
	for i := owner.first; i < owner.end; i++ {
		if c.tasks[i].worker == w {
			c.unplace(i)
		}
	}
	c.close(w)
}

// claimedSupervisors returns the supervisors on hosts topology t owns,
// ascending.
func (c *cluster) claimedSupervisors(t int32) []int32 {
	cand := c.scratch.cand[:0]
	for s := range c.sups {
		if c.hosts[c.sups[s].host].claim == t {
			cand = append(cand, int32(s))
		}
	}
	c.scratch.cand = cand
	return cand
}

// unclaimIdle frees the hosts topology t owns but runs no worker on.
func (c *cluster) unclaimIdle(t int32) {
	for h := range c.hosts {
		if c.hosts[h].claim == t && c.busySlots(int32(h)) == 0 {
			c.setClaim(int32(h), none)
		}
	}
}
