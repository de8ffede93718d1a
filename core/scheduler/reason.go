package scheduler

import (
	"fmt"
	"strings"
)

// precheck finds, before anything moves, the reasons a topology cannot be
// placed that are cheap to see: too few free slots, a pinned component with
// nowhere to go, a task larger than any supervisor, too little free capacity.
// Each reason names the numbers, so that an operator knows what to add.
func (p *placement) precheck() string {
	if reason := p.checkSlots(); reason != "" {
		return reason
	}
	var largest Resources
	for _, s := range p.cand {
		largest = largest.max(p.c.sups[s].capacity)
	}
	for ci := range int32(len(p.topo.comps)) {
		if reason := p.checkComponent(ci, largest); reason != "" {
			return reason
		}
	}
	return p.checkTotal()
}

// checkComponent checks that component ci's unplaced tasks each fit some
// candidate supervisor it may run on; largest is the candidates' largest
// capacity in each dimension.
func (p *placement) checkComponent(ci int32, largest Resources) string {
	cs := &p.topo.comps[ci]
	if p.unplacedOf(ci) == 0 {
		return ""
	}
	where := "largest supervisor"
	if cs.pinned {
		where = "largest supervisor on its pinned hosts"
		largest = Resources{}
		allowed := 0
		for _, s := range p.cand {
			if p.c.allows(p.t, ci, s) {
				largest = largest.max(p.c.sups[s].capacity)
				allowed++
			}
		}
		if allowed == 0 {
			return pinReason(cs)
		}
	}
	for _, task := range p.bucket(ci) {
		ts := &p.c.tasks[task]
		if ts.worker != none {
			continue
		}
		if d := ts.demand.overDim(largest); d >= 0 {
			return fmt.Sprintf("task %d (component %s) demands %s > %s %s",
				ts.id, cs.name, dimAmount(d, ts.demand.dim(d)), where, dimValue(d, largest.dim(d)))
		}
	}
	return ""
}

// pinReason says why a pinned component has no candidate supervisor.
func pinReason(cs *compState) string {
	hosts := plural(len(cs.pinNames), "host", "hosts") + " " + strings.Join(cs.pinNames, ", ")
	if len(cs.pinHosts) == 0 {
		return fmt.Sprintf("component %s: pinned %s not alive", cs.name, hosts)
	}
	return fmt.Sprintf("component %s: pinned %s taken by isolated topologies", cs.name, hosts)
}

// checkSlots checks that the candidates have a free slot for every worker
// the topology must open.
func (p *placement) checkSlots() string {
	need := p.topo.want - int32(len(p.ws))
	free := int32(0)
	for _, s := range p.cand {
		free += p.c.sups[s].free
	}
	if free >= need {
		return ""
	}
	slots := plural(int(free), "free slot", "free slots")
	if len(p.ws) == 0 {
		return fmt.Sprintf("needs %d %s but only %d %s", need, plural(int(need), "worker", "workers"), free, slots)
	}
	return fmt.Sprintf("needs %d more %s (%d in all) but only %d %s", need, plural(int(need), "worker", "workers"), p.topo.want, free, slots)
}

// checkTotal checks that the candidates' free capacity covers the unplaced
// demand in every dimension.
func (p *placement) checkTotal() string {
	var free Resources
	for _, s := range p.cand {
		sup := &p.c.sups[s]
		free = free.Add(sup.capacity.Sub(sup.used))
	}
	if d := p.demand.overDim(free); d >= 0 {
		return fmt.Sprintf("demands %s in total but only %s free", dimAmount(d, p.demand.dim(d)), dimValue(d, free.dim(d)))
	}
	return ""
}

// noFitReason says that a task fits none of the workers it may join.
func (p *placement) noFitReason(task int32, allowed int) string {
	ts := &p.c.tasks[task]
	cs := &p.topo.comps[ts.comp]
	where := plural(allowed, "worker", "workers")
	if cs.pinned {
		where += " on its pinned hosts"
	}
	return fmt.Sprintf("task %d (component %s) fits on none of its %d %s (needs %v)", ts.id, cs.name, allowed, where, ts.demand)
}

// plural picks the singular or plural form for n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
