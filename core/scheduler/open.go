package scheduler

import "github.com/squall/squall/core"

// openWorkers opens the workers the topology lacks: first on the hosts its
// pinned components need, then spread over the candidates. The spreading
// order is: supervisors with room for one more worker's expected demand
// first, then those with room for at least the smallest task, then the
// rest; within a tier, those running the fewest of the topology's workers
// (distinct supervisors before doubling up), then the least loaded, then by
// ID.
func (p *placement) openWorkers() {
	need := p.topo.want - int32(len(p.ws))
	if need == 0 {
		return
	}
	p.estimate = p.demand.ceilDiv(need)
	p.smallest = p.smallestDemand()
	for _, w := range p.ws {
		p.countWorker(p.c.workers[w].sup, false)
	}
	for _, s := range p.cand {
		if p.c.sups[s].free > 0 {
			p.rekey(s)
		}
	}
	need = p.openPinned(need)
	p.openSpread(need)
}

// countWorker counts one more worker of the topology on supervisor s.
func (p *placement) countWorker(s int32, opened bool) {
	sc := &p.c.scratch
	if sc.supWorkers[s] == 0 {
		sc.touched = append(sc.touched, s)
	}
	sc.supWorkers[s]++
	if opened {
		sc.supNew[s]++
	}
}

// smallestDemand is the least demand of any unplaced task in each dimension.
func (p *placement) smallestDemand() Resources {
	smallest := Resources{ResourceMax, ResourceMax, ResourceMax, ResourceMax}
	for i := p.topo.first; i < p.topo.end; i++ {
		if ts := &p.c.tasks[i]; ts.worker == none {
			smallest = Resources{min(smallest.CPU, ts.demand.CPU), min(smallest.MemoryMB, ts.demand.MemoryMB),
				min(smallest.NetworkMbps, ts.demand.NetworkMbps), min(smallest.DiskMB, ts.demand.DiskMB)}
		}
	}
	return smallest
}

// Tiers of the spreading order.
const (
	tierRoomy  uint8 = iota // room for one more worker's expected demand
	tierNarrow              // room for the smallest task only
	tierFull                // room for no task
)

// rekey recomputes supervisor s's place in the spreading order, counting
// each worker opened on it in this placement at the expected demand.
func (p *placement) rekey(s int32) {
	sc := &p.c.scratch
	sup := &p.c.sups[s]
	tentative := sup.used.Add(p.estimate.scale(sc.supNew[s]))
	switch {
	case tentative.Add(p.estimate).Fits(sup.capacity):
		sc.supTier[s] = tierRoomy
	case tentative.Add(p.smallest).Fits(sup.capacity):
		sc.supTier[s] = tierNarrow
	default:
		sc.supTier[s] = tierFull
	}
	sc.supLoad[s] = loadOf(tentative, sup.capacity)
}

// supBefore is the spreading order; it ends in the index, so it is total.
func (p *placement) supBefore(a, b int32) bool {
	sc := &p.c.scratch
	switch {
	case sc.supTier[a] != sc.supTier[b]:
		return sc.supTier[a] < sc.supTier[b]
	case sc.supWorkers[a] != sc.supWorkers[b]:
		return sc.supWorkers[a] < sc.supWorkers[b]
	case sc.supLoad[a] != sc.supLoad[b]:
		return sc.supLoad[a] < sc.supLoad[b]
	}
	return a < b
}

// openPinned opens workers on the hosts of pinned components until their
// workers there have quota for all their unplaced tasks, or the topology has
// its worker count. It returns how many workers are still to open.
func (p *placement) openPinned(need int32) int32 {
	for ci := range int32(len(p.topo.comps)) {
		if !p.topo.comps[ci].pinned {
			continue
		}
		waiting, room := p.unplacedOf(ci), int32(0)
		for i, w := range p.ws {
			if p.c.allows(p.t, ci, p.c.workers[w].sup) {
				room += max(p.rem[i], 0)
			}
		}
		for ; room < waiting && need > 0; need-- {
			s := p.bestPinned(ci)
			if s == none {
				break
			}
			room += p.rem[p.openOn(s)]
		}
	}
	return need
}

// bestPinned returns the first candidate in spreading order that has a free
// slot on a host component ci is pinned to, or none.
func (p *placement) bestPinned(ci int32) int32 {
	best := none
	for _, s := range p.cand {
		if p.c.sups[s].free > 0 && p.c.allows(p.t, ci, s) && (best == none || p.supBefore(s, best)) {
			best = s
		}
	}
	return best
}

// openSpread opens need workers in spreading order, through a heap of the
// candidates with a free slot: O(candidates + need·log candidates).
func (p *placement) openSpread(need int32) {
	h := &p.c.scratch.heap
	h.reset(p.supBefore)
	for _, s := range p.cand {
		if p.c.sups[s].free > 0 {
			h.add(s)
		}
	}
	h.heapify()
	for ; need > 0; need-- {
		core.Assert(h.len() > 0, "topology %s: no free slot left, though precheck counted enough", p.topo.spec.ID)
		s := h.pop()
		p.openOn(s)
		if p.c.sups[s].free > 0 {
			h.push(s)
		}
	}
}

// openOn opens a worker of the topology on the lowest free port of
// supervisor s and returns its index in ws.
func (p *placement) openOn(s int32) int {
	c := p.c
	slot := int32(-1)
	for i, sl := range c.sups[s].slots {
		if !sl.dead && sl.worker == none {
			slot = int32(i)
			break
		}
	}
	core.Assert(slot >= 0, "supervisor %s has %d free slots but none found", c.sups[s].id, c.sups[s].free)
	w := c.open(p.t, s, slot)
	i := len(p.ws)
	c.workers[w].local = int32(i)
	p.ws = append(p.ws, w)
	p.rem = append(p.rem, p.quotaAt(i))
	p.countWorker(s, true)
	p.rekey(s)
	return i
}
