package scheduler

import (
	"cmp"
	"slices"
)

// deal hands every unplaced task to a worker, component by component: pinned
// components first (they have the fewest choices), then the components with
// the most tasks, so that small components fill the gaps large ones leave.
func (p *placement) deal() string {
	comps := p.topo.comps
	order := p.c.scratch.order[:0]
	for ci := range int32(len(comps)) {
		order = append(order, ci)
	}
	slices.SortFunc(order, func(a, b int32) int {
		if comps[a].pinned != comps[b].pinned {
			if comps[a].pinned {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(comps[b].tasks, comps[a].tasks), cmp.Compare(a, b))
	})
	p.c.scratch.order = order
	for _, ci := range order {
		if reason := p.dealComponent(ci); reason != "" {
			return reason
		}
	}
	return ""
}

// dealComponent places component ci's unplaced tasks, by ID. Each goes to the
// worker that, among those with quota left, on an allowed host, with room on
// its supervisor, holds the fewest tasks of ci (same-component spreading),
// then has the most quota left (so later components still spread), then
// already holds a task of a component ci shares an edge with (co-location),
// then comes first in ws. A task no such worker can take goes, over quota, to
// the emptiest worker with room; a task no worker has room for fails the turn.
func (p *placement) dealComponent(ci int32) string {
	if !p.countComponent(ci) {
		return ""
	}
	c := p.c
	h := p.dealHeap(ci)
	for _, task := range p.bucket(ci) {
		if c.tasks[task].worker != none {
			continue
		}
		if h.len() > 0 && c.fits(task, p.ws[h.top()]) {
			// The common case: the first worker in order takes it, and
			// sinks in the heap by its new key.
			i := h.top()
			p.dealTo(task, i)
			if p.rem[i] > 0 {
				h.fixTop()
			} else {
				h.pop()
			}
			continue
		}
		i := p.pickWorker(task)
		if i == none {
			if i = p.overflowWorker(task, ci); i == none {
				return p.noFitReason(task, p.allowedWorkers(ci))
			}
		}
		p.dealTo(task, i)
		if p.rem[i] > 0 {
			h.push(i)
		}
	}
	return ""
}

// countComponent fills, per worker, how many tasks of component ci it holds
// (scratch.cnt) and whether it holds a task of a neighbour of ci
// (scratch.nb). It reports whether ci has tasks to place.
func (p *placement) countComponent(ci int32) bool {
	c, sc := p.c, &p.c.scratch
	n := len(p.ws)
	sc.cnt = slices.Grow(sc.cnt[:0], n)[:n]
	sc.nb = slices.Grow(sc.nb[:0], n)[:n]
	clear(sc.cnt)
	clear(sc.nb)
	waiting := false
	for _, task := range p.bucket(ci) {
		if w := c.tasks[task].worker; w != none {
			sc.cnt[c.workers[w].local]++
		} else {
			waiting = true
		}
	}
	if !waiting {
		return false
	}
	for _, d := range p.topo.comps[ci].neighbors {
		for _, task := range p.bucket(d) {
			if w := c.tasks[task].worker; w != none {
				sc.nb[c.workers[w].local] = true
			}
		}
	}
	return true
}

// dealHeap orders the workers component ci may still use by the dealing
// order (see dealComponent).
func (p *placement) dealHeap(ci int32) *indexHeap {
	c, sc := p.c, &p.c.scratch
	cnt, nb := sc.cnt, sc.nb
	h := &sc.heap
	h.reset(func(a, b int32) bool {
		switch {
		case cnt[a] != cnt[b]:
			return cnt[a] < cnt[b]
		case p.rem[a] != p.rem[b]:
			return p.rem[a] > p.rem[b]
		case nb[a] != nb[b]:
			return nb[a]
		}
		return a < b
	})
	for i := range int32(len(p.ws)) {
		if p.rem[i] > 0 && c.allows(p.t, ci, c.workers[p.ws[i]].sup) {
			h.add(i)
		}
	}
	h.heapify()
	return h
}

// dealTo places task on the i-th worker and counts it there.
func (p *placement) dealTo(task, i int32) {
	p.c.place(task, p.ws[i])
	p.c.scratch.cnt[i]++
	p.rem[i]--
}

// pickWorker pops the first worker in dealing order whose supervisor has
// room for task, and puts back those that had none.
func (p *placement) pickWorker(task int32) int32 {
	sc := &p.c.scratch
	h := &sc.heap
	found := none
	misfits := sc.misfits[:0]
	for h.len() > 0 {
		i := h.pop()
		if p.c.fits(task, p.ws[i]) {
			found = i
			break
		}
		misfits = append(misfits, i)
	}
	for _, i := range misfits {
		h.push(i)
	}
	sc.misfits = misfits
	return found
}

// overflowWorker returns the allowed worker with room for task that holds
// the fewest tasks, then the fewest of its component, or none. Only reached
// when every worker with quota left is full: balance yields to placing the
// task at all.
func (p *placement) overflowWorker(task, ci int32) int32 {
	c, cnt := p.c, p.c.scratch.cnt
	best := none
	for i, w := range p.ws {
		if !c.allows(p.t, ci, c.workers[w].sup) || !c.fits(task, w) {
			continue
		}
		if b := best; b == none || cmp.Or(cmp.Compare(c.workers[w].count, c.workers[p.ws[b]].count), cmp.Compare(cnt[i], cnt[b])) < 0 {
			best = int32(i)
		}
	}
	return best
}

// allowedWorkers counts the topology's workers that component ci may use.
func (p *placement) allowedWorkers(ci int32) int {
	n := 0
	for _, w := range p.ws {
		if p.c.allows(p.t, ci, p.c.workers[w].sup) {
			n++
		}
	}
	return n
}
